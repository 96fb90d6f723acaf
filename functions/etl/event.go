package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// objectRef is one S3 object named by an event notification.
type objectRef struct {
	Bucket string
	Key    string // URL-decoded
	Index  int    // position of the record in its SQS message body
}

// s3Notification is the part of an S3 event notification (or of the s3:TestEvent S3 sends when a
// notification is configured) that the function reads.
type s3Notification struct {
	Event   string `json:"Event"` // "s3:TestEvent" for the configuration test message
	Records []struct {
		EventSource string `json:"eventSource"`
		EventName   string `json:"eventName"`
		S3          struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key string `json:"key"`
			} `json:"object"`
		} `json:"s3"`
	} `json:"Records"`
}

// parseNotification returns the objects an SQS body names. A test event and records that are not
// object creations yield none. Errors are *PoisonError: the body can never become valid.
func parseNotification(body string) ([]objectRef, error) {
	var n s3Notification
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		return nil, &PoisonError{Reason: ReasonMalformedEvent, Err: fmt.Errorf("SQS body is not an S3 event notification: %w", err)}
	}
	if n.Event == "s3:TestEvent" {
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
		// S3 sends keys form-encoded: a space arrives as "+", other bytes as %XX.
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return nil, &PoisonError{Reason: ReasonMalformedEvent, Field: "Records.s3.object.key", Err: err}
		}
		if r.S3.Bucket.Name == "" || key == "" {
			return nil, &PoisonError{Reason: ReasonMalformedEvent, Field: "Records.s3", Err: fmt.Errorf("record %d names no bucket or key", i)}
		}
		refs = append(refs, objectRef{Bucket: r.S3.Bucket.Name, Key: key, Index: i})
	}
	return refs, nil
}

// outputKey is where the CSV of inputKey goes: output/<base name>.csv, e.g.
// input/data_object_msg-7.json → output/data_object_msg-7.json.csv (the seed's naming).
func outputKey(inputKey string) string {
	return "output/" + path.Base(inputKey) + ".csv"
}
