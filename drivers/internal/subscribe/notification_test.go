package subscribe

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseNotification(t *testing.T) {
	file := func(name string) string {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name    string
		body    string
		want    []ObjectRef
		wantErr string
	}{
		{name: "SNS envelope of an S3 put", body: file("sns-s3-put.json"),
			want: []ObjectRef{{Bucket: "chaoslab-bucket83908e77-1x2y3z4w5v6u", Key: "output/run-20261123T134500-data_object_msg-7.json.csv"}}},
		{name: "URL-encoded key is decoded", body: file("sns-s3-encoded-key.json"),
			want: []ObjectRef{{Bucket: "chaoslab-bucket83908e77-1x2y3z4w5v6u", Key: "output/my report(2).json.csv"}}},
		{name: "S3 test event yields nothing", body: file("sns-s3-testevent.json"), want: nil},
		{name: "raw S3 event (error queue)", body: file("s3-put-raw.json"),
			want: []ObjectRef{{Bucket: "chaoslab-bucket83908e77-1x2y3z4w5v6u", Key: "input/run-1-data_object_msg-3.json"}}},
		{name: "not JSON", body: "hello", wantErr: "not an S3 event"},
		{name: "subscription confirmation", body: `{"Type":"SubscriptionConfirmation","Message":"x"}`, wantErr: `type "SubscriptionConfirmation"`},
		{name: "no records", body: `{"Type":"Notification","Message":"{}"}`, wantErr: "no Records"},
		{name: "empty key", body: `{"Records":[{"s3":{"object":{"key":""}}}]}`, wantErr: "Records[0].s3.object.key is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNotification(tt.body)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrNotNotification) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestVerifyCSV(t *testing.T) {
	const key = "output/r-data_object_msg-1.json.csv"
	const header = "objectName,submissionDate,author,formatVersion\n"
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{name: "good", body: header + "r-data_object_msg-1.json,23-Nov-2026 13:45:12,the_publisher.py,1.1\n"},
		{name: "good, quoted field", body: header + `r-data_object_msg-1.json,23-Nov-2026 13:45:12,"the, publisher",1.1` + "\n"},
		{name: "wrong header", body: "objectName,date,author,version\nr-data_object_msg-1.json,x,y,1\n", wantErr: "header"},
		{name: "empty", body: "", wantErr: "header"},
		{name: "no row", body: header, wantErr: "0 rows"},
		{name: "two rows", body: header + "a,b,c,d\na,b,c,d\n", wantErr: "2 rows"},
		{name: "short row", body: header + "r-data_object_msg-1.json,23-Nov-2026 13:45:12,a\n", wantErr: "3 fields"},
		{name: "other document", body: header + "r-data_object_msg-2.json,23-Nov-2026 13:45:12,a,1.1\n", wantErr: "objectName"},
		{name: "bad date", body: header + "r-data_object_msg-1.json,2026-11-23,a,1.1\n", wantErr: "submissionDate"},
		{name: "empty author", body: header + "r-data_object_msg-1.json,23-Nov-2026 13:45:12,,1.1\n", wantErr: "author"},
		{name: "empty version (the seed's CSV)", body: header + "r-data_object_msg-1.json,23-Nov-2026 13:45:12,a,\n", wantErr: "formatVersion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyCSV(key, []byte(tt.body))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// BenchmarkParseNotification is the subscriber's per-message cost before any I/O.
func BenchmarkParseNotification(b *testing.B) {
	body, err := os.ReadFile("testdata/sns-s3-put.json")
	if err != nil {
		b.Fatal(err)
	}
	s := string(body)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseNotification(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCSV(b *testing.B) {
	body := []byte("objectName,submissionDate,author,formatVersion\nr-data_object_msg-1.json,23-Nov-2026 13:45:12,the_publisher.py,1.1\n")
	b.ReportAllocs()
	for b.Loop() {
		if err := VerifyCSV("output/r-data_object_msg-1.json.csv", body); err != nil {
			b.Fatal(err)
		}
	}
}
