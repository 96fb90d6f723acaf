package main

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseNotification(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		want       []objectRef
		wantReason string
	}{
		{name: "S3 notification: keys URL-decoded, non-create records skipped",
			body: string(fixture(t, "s3-event.json")),
			want: []objectRef{
				{Bucket: "chaos-bucket-abc", Key: "input/data object (1)+plus.json", Index: 0,
					ETag: "d41d8cd98f00b204e9800998ecf8427e", Sequencer: "0055AED6DCD90281E5"},
				{Bucket: "chaos-bucket-abc", Key: "input/data_object_msg-2.json", Index: 2},
			}},
		{name: "s3:TestEvent is ignored", body: string(fixture(t, "s3-test-event.json"))},
		{name: "no records", body: `{"Records":[]}`},
		{name: "other event source skipped", body: `{"Records":[{"eventSource":"aws:sqs","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`},
		{name: "not JSON", body: `input/x.json`, wantReason: ReasonMalformedEvent},
		{name: "bad escape in key", body: `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a%zz"}}}]}`, wantReason: ReasonMalformedEvent},
		{name: "no bucket", body: `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"object":{"key":"k"}}}]}`, wantReason: ReasonMalformedEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseNotification(tt.body)
			if tt.wantReason != "" {
				var p *PoisonError
				if !errors.As(err, &p) || p.Reason != tt.wantReason {
					t.Fatalf("err = %v, want poison %s", err, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestOutputKey(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"seed key", "input/data_object_msg-7.json", "output/data_object_msg-7.json.csv"},
		{"nested prefix keeps the base name", "input/2026/11/doc.json", "output/doc.json.csv"},
		{"spaces", "input/a b.json", "output/a b.json.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outputKey(tt.in); got != tt.want {
				t.Fatalf("outputKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
