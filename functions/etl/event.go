package main

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/s3event"
)

// objectRef is one S3 object named by an event notification, and the event that named it.
type objectRef struct {
	Bucket string
	Key    string // URL-decoded
	Index  int    // position of the record in its SQS message body
	// Sequencer and ETag identify the event (idempotencyKey); either may be empty.
	Sequencer string
	ETag      string // without quotes
}

// parseNotification returns the objects an SQS body names. A test event and records that are not
// object creations yield none. Errors are *PoisonError: the body can never become valid.
func parseNotification(body string) ([]objectRef, error) {
	var n s3event.Notification
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		return nil, &PoisonError{Reason: ReasonMalformedEvent, Err: fmt.Errorf("SQS body is not an S3 event notification: %w", err)}
	}
	if n.Event == s3event.TestEvent {
		return nil, nil
	}
	var refs []objectRef
	for i, r := range n.Records {
		if r.EventSource != "" && r.EventSource != "aws:s3" {
			continue
		}
		if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
			continue
		}
		key, err := r.Key()
		if err != nil {
			return nil, &PoisonError{Reason: ReasonMalformedEvent, Field: "Records.s3.object.key", Err: err}
		}
		if r.S3.Bucket.Name == "" || key == "" {
			return nil, &PoisonError{Reason: ReasonMalformedEvent, Field: "Records.s3", Err: fmt.Errorf("record %d names no bucket or key", i)}
		}
		refs = append(refs, objectRef{Bucket: r.S3.Bucket.Name, Key: key, Index: i,
			Sequencer: r.S3.Object.Sequencer, ETag: strings.Trim(r.S3.Object.ETag, `"`)})
	}
	return refs, nil
}

// outputKey is where the CSV of inputKey goes: output/<base name>.csv, e.g.
// input/data_object_msg-7.json → output/data_object_msg-7.json.csv (the seed's naming).
func outputKey(inputKey string) string {
	return "output/" + path.Base(inputKey) + ".csv"
}
