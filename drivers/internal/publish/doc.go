// Package publish generates documents in the seed lab's shape and uploads
// them to the bucket's input/ prefix at a steady rate: the library behind
// the publisher CLI, importable so the lab orchestrator can drive load
// in-process.
//
// A document, as the seed's the_publisher.py writes it (seeds/original-lab-facts.md):
//
//	key  input/<run-id>-data_object_msg-<n>.json
//	body {"symbol":"ABCD","messageId":n,"value":10,"objectName":"<run-id>-data_object_msg-<n>.json",
//	      "submissionDate":"23-Nov-2026 13:20:00","author":"the_publisher.py","version":1.1}
//
// A malformed document is the same body with its first `"` removed.
package publish
