package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// A multi-object delete reaches the emulator written again from the keys IAM decides on: fauxqs
// takes every <Key> wherever it stands and decodes only the five named entities, so a key in a
// comment was deleted unchecked and one the SDK writes with a numeric reference (O&#39;Brien) was
// deleted under another name.
func TestS3CompatRewritesDeleteObjects(t *testing.T) {
	var got string
	h := gateway.S3Compat(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		if r.ContentLength != int64(len(b)) || r.Header.Get("Content-MD5") != "" || r.Header.Get("X-Amz-Checksum-Crc32") != "" {
			t.Errorf("length %d for %d bytes, Content-MD5 %q, checksum %q: want the new body's length and no checksum of the old",
				r.ContentLength, len(b), r.Header.Get("Content-MD5"), r.Header.Get("X-Amz-Checksum-Crc32"))
		}
	}))
	for _, tt := range []struct {
		name, body, want string
		status           int
	}{
		{name: "a key in a comment and one in another element are dropped",
			body:   `<Delete><Object><Key>allowed</Key></Object><!-- <Key>secret</Key> --><X><Key>secret2</Key></X></Delete>`,
			want:   `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>allowed</Key></Object></Delete>`,
			status: 200},
		{name: "numeric references decoded, the named entities kept, quiet and versions kept",
			body:   `<Delete><Quiet>true</Quiet><Object><Key>O&#39;Brien&#x9;&amp;&lt;1&gt;.json</Key><VersionId>7</VersionId></Object></Delete>`,
			want:   "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet><Object><Key>O'Brien\t&amp;&lt;1&gt;.json</Key><VersionId>7</VersionId></Object></Delete>",
			status: 200},
		{name: "a key the emulator would read as another is refused",
			body: `<Delete><Object><Key>&amp;lt;k</Key></Object></Delete>`, status: 400},
		{name: "not XML", body: `<Delete><Object>`, status: 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got = ""
			r := httptest.NewRequest(http.MethodPost, "/bucket?delete", strings.NewReader(tt.body))
			r.Header.Set("Content-MD5", "stale")
			r.Header.Set("X-Amz-Checksum-Crc32", "stale")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d (%s), want %d", w.Code, w.Body.String(), tt.status)
			}
			if tt.status == 200 && got != tt.want {
				t.Errorf("the emulator got\n%s\nwant\n%s", got, tt.want)
			}
			if tt.status != 200 && (got != "" || !strings.Contains(w.Body.String(), "MalformedXML")) {
				t.Errorf("refused with %q, the emulator got %q: want MalformedXML and nothing passed on", w.Body.String(), got)
			}
		})
	}
}
