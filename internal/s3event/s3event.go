// Package s3event is the wire shape of an Amazon S3 event notification as it arrives in an SQS
// message body: the fields the lab's readers use (the ETL function and the subscriber) and the
// tests that build such bodies. Standard library only, so a Lambda binary can carry it.
package s3event

import "net/url"

// TestEvent is the Event of the test message S3 sends when a notification is configured
// ({"Service":"Amazon S3","Event":"s3:TestEvent",...}); it names no object.
const TestEvent = "s3:TestEvent"

// Notification is an S3 event notification, or S3's test message (Event == TestEvent, no Records).
type Notification struct {
	Event   string   `json:"Event,omitempty"`
	Records []Record `json:"Records"`
}

// Record is one event of a notification.
type Record struct {
	EventSource string `json:"eventSource"` // "aws:s3"
	EventName   string `json:"eventName"`   // e.g. "ObjectCreated:Put"
	S3          Entity `json:"s3"`
}

// Entity names the bucket and object of a record.
type Entity struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key string `json:"key"` // form-encoded, as S3 sends it: see Key
		// ETag is the object's entity tag without quotes (ObjectCreated events only): an MD5 of the
		// content for a single-part upload, "<md5 of part MD5s>-<parts>" for a multipart one. It names
		// the content, not the write: two PUTs of the same bytes have the same ETag.
		ETag string `json:"eTag,omitempty"`
		// VersionID is the object version, in a versioned bucket only.
		VersionID string `json:"versionId,omitempty"`
		// Sequencer orders the events of one key (hex, compared after left-padding to equal
		// length). It names one event: every notification of that event, duplicates included,
		// carries the same value, and each PUT or DELETE of the key gets a new one. S3 sets it on
		// ObjectCreated and ObjectRemoved events. Unique per bucket and key only, not across keys.
		Sequencer string `json:"sequencer,omitempty"`
	} `json:"object"`
}

// Key returns the record's object key as stored: S3 sends keys form-encoded, a space as "+" and
// other bytes as %XX.
func (r Record) Key() (string, error) { return url.QueryUnescape(r.S3.Object.Key) }
