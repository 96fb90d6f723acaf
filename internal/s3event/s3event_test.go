package s3event

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
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

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The fields that name the event and the version of its object, as S3 sends them.
func TestDecodeEventIdentity(t *testing.T) {
	var n Notification
	if err := json.Unmarshal(fixture(t, "object-created.json"), &n); err != nil {
		t.Fatal(err)
	}
	o := n.Records[0].S3.Object
	if o.ETag != "d41d8cd98f00b204e9800998ecf8427e" || o.Sequencer != "0055AED6DCD90281E5" || o.VersionID != "096fKKXTRTtl3on89fVO.nfljtsv6qko" {
		t.Fatalf("object = %+v", o)
	}
	if key, err := n.Records[0].Key(); err != nil || key != "input/my doc\u00e9 (1)+plus.json" {
		t.Fatalf("Key() = %q, %v", key, err)
	}
}

// FuzzNotification: any body that decodes survives a round trip through the wire shape unchanged
// (every field the package names is written back under the name it was read from), and a key that
// decodes is read back the same after S3's form encoding.
func FuzzNotification(f *testing.F) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no seed corpus in testdata: %v", err)
	}
	for _, name := range names {
		f.Add(fixture(f, filepath.Base(name)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var n Notification
		if err := json.Unmarshal(body, &n); err != nil {
			return
		}
		b, err := json.Marshal(n)
		if err != nil {
			t.Fatalf("marshal %+v: %v", n, err)
		}
		var again Notification
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("%s does not decode: %v", b, err)
		}
		if !reflect.DeepEqual(n, again) {
			t.Fatalf("round trip changed it:\n%+v\n%+v", n, again)
		}
		for _, r := range n.Records {
			key, err := r.Key()
			if err != nil {
				continue
			}
			var enc Record
			enc.S3.Object.Key = url.QueryEscape(key)
			if back, err := enc.Key(); err != nil || back != key {
				t.Fatalf("key %q encoded %q reads back as %q, %v", key, enc.S3.Object.Key, back, err)
			}
		}
	})
}
