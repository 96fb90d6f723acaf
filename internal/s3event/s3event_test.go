package s3event

import (
	"encoding/json"
	"testing"
)

// TestDecode reads bodies as S3 sends them (fields the package does not name are ignored) and the
// object keys back as stored.
func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		event   string
		bucket  string
		key     string
		wantErr bool
	}{
		{name: "object created, key with space and unicode",
			body: `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-23T13:45:12.000Z",
				"eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"chaos-bucket","arn":"arn:aws:s3:::chaos-bucket"},
				"object":{"key":"input/my+doc%C3%A9.json","size":120}}}]}`,
			bucket: "chaos-bucket", key: "input/my doc\u00e9.json"},
		{name: "test event", body: `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-23T13:45:12.000Z","Bucket":"b"}`, event: TestEvent},
		{name: "bad escape in key", body: `{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"b"},"object":{"key":"a%zz"}}}]}`, bucket: "b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n Notification
			if err := json.Unmarshal([]byte(tt.body), &n); err != nil {
				t.Fatal(err)
			}
			if n.Event != tt.event {
				t.Errorf("Event = %q, want %q", n.Event, tt.event)
			}
			if tt.bucket == "" {
				if len(n.Records) != 0 {
					t.Errorf("Records = %+v, want none", n.Records)
				}
				return
			}
			if len(n.Records) != 1 {
				t.Fatalf("Records = %+v, want one", n.Records)
			}
			r := n.Records[0]
			if r.S3.Bucket.Name != tt.bucket {
				t.Errorf("bucket = %q, want %q", r.S3.Bucket.Name, tt.bucket)
			}
			key, err := r.Key()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Key() error = %v, want error %v", err, tt.wantErr)
			}
			if key != tt.key {
				t.Errorf("Key() = %q, want %q", key, tt.key)
			}
		})
	}
}
