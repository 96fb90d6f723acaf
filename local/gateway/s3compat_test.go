package gateway_test

import (
	"fmt"
	"io"
	"net"
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
		{name: "1,001 keys, one more than S3 takes", body: `<Delete>` + strings.Repeat(`<Object><Key>k</Key></Object>`, 1001) + `</Delete>`, status: 400},
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

// A CompleteMultipartUpload reaches the emulator written again as its parts' numbers and ETags, the
// one shape fauxqs reads: the Go SDK writes the ETag's quotes as &#34; and each part's CRC32
// beside it, and the emulator answered InvalidPart (or read no part).
func TestS3CompatRewritesCompleteMultipartUpload(t *testing.T) {
	var got string
	h := gateway.S3Compat(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		if r.ContentLength != int64(len(b)) || r.Header.Get("Content-MD5") != "" {
			t.Errorf("length %d for %d bytes, Content-MD5 %q: want the new body's length and no checksum of the old", r.ContentLength, len(b), r.Header.Get("Content-MD5"))
		}
	}))
	const ns = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`
	for _, tt := range []struct {
		name, body, want string
	}{
		{name: "the Go SDK's: checksums beside the ETag, its quotes as references",
			body: `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ChecksumCRC32>NjowIA==</ChecksumCRC32><ETag>&#34;c7d6&#34;</ETag><PartNumber>1</PartNumber></Part>` +
				`<Part><ETag>&#34;a1&#34;</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>`,
			want: ns + `<Part><PartNumber>1</PartNumber><ETag>"c7d6"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"a1"</ETag></Part></CompleteMultipartUpload>`},
		{name: "botocore's", body: `<CompleteMultipartUpload><Part><ETag>"e"</ETag><PartNumber>3</PartNumber></Part></CompleteMultipartUpload>`,
			want: ns + `<Part><PartNumber>3</PartNumber><ETag>"e"</ETag></Part></CompleteMultipartUpload>`},
		{name: "no part", body: `<CompleteMultipartUpload></CompleteMultipartUpload>`},
		{name: "another root", body: `<Delete><Part><ETag>"e"</ETag><PartNumber>1</PartNumber></Part></Delete>`},
		{name: "part 0", body: `<CompleteMultipartUpload><Part><ETag>"e"</ETag><PartNumber>0</PartNumber></Part></CompleteMultipartUpload>`},
		{name: "not XML", body: `<CompleteMultipartUpload><Part>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got = ""
			r := httptest.NewRequest(http.MethodPost, "/bucket/key?uploadId=u1", strings.NewReader(tt.body))
			r.Header.Set("Content-MD5", "stale")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if tt.want != "" && (w.Code != 200 || got != tt.want) {
				t.Errorf("%d: the emulator got\n%s\nwant\n%s", w.Code, got, tt.want)
			}
			if tt.want == "" && (w.Code != 400 || got != "" || !strings.Contains(w.Body.String(), "MalformedXML")) {
				t.Errorf("%d %q, the emulator got %q: want 400 MalformedXML and nothing passed on", w.Code, w.Body.String(), got)
			}
		})
	}
}

// A DeleteObjects without a checksum of its body is refused, as S3 refuses it (the emulator deleted
// the keys); each of the ways a client sends one passes.
func TestS3CompatDeleteObjectsNeedsAChecksum(t *testing.T) {
	reached := false
	h := gateway.S3Compat(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	for _, tt := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{name: "none", status: 400},
		{name: "only the checksum mode", header: map[string]string{"X-Amz-Checksum-Mode": "ENABLED"}, status: 400},
		{name: "an algorithm named, no value", header: map[string]string{"X-Amz-Checksum-Algorithm": "CRC32", "X-Amz-Sdk-Checksum-Algorithm": "CRC32"}, status: 400},
		{name: "a SHA-256 header", header: map[string]string{"X-Amz-Checksum-Sha256": "x"}, status: 200},
		{name: "Content-MD5 (the CLI v2, boto3 1.26)", header: map[string]string{"Content-MD5": "x"}, status: 200},
		{name: "a CRC32 header (the Go SDK, boto3 1.36 and later)", header: map[string]string{"X-Amz-Checksum-Crc32": "x"}, status: 200},
		{name: "a checksum in the trailer", header: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc64nvme"}, status: 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reached = false
			r := httptest.NewRequest(http.MethodPost, "/bucket?delete", strings.NewReader(`<Delete><Object><Key>k</Key></Object></Delete>`))
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status || reached != (tt.status == 200) {
				t.Fatalf("status %d (%s), the emulator reached: %v; want %d", w.Code, w.Body.String(), reached, tt.status)
			}
			if tt.status == 400 && !strings.Contains(w.Body.String(), "<Code>InvalidRequest</Code>") {
				t.Errorf("refused with %s, want InvalidRequest", w.Body.String())
			}
		})
	}
}

// An object's answer names its user metadata in lowercase, as S3 returns it: the proxy's canonical
// X-Amz-Meta-Mykey reached boto3 as {"Mykey": ...}, where S3 gives {"mykey": ...}. It carries
// the headers its response-* parameters set, which the emulator ignores. A 100 Continue before it
// is passed on as it is.
func TestS3CompatMetadataNames(t *testing.T) {
	srv := httptest.NewServer(gateway.S3Compat(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amz-Meta-My-Key", "Val Ue")
		w.Header().Set("Etag", `"e"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusContinue)
		w.WriteHeader(http.StatusOK)
	})))
	defer srv.Close()
	for _, method := range []string{"GET", "HEAD"} {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "%s /bucket/input/a.json?response-content-disposition=attachment%%3B%%20filename%%3Da.json&response-content-type=text%%2Fplain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", method)
		raw, _ := io.ReadAll(c)
		c.Close()
		_, final, _ := strings.Cut(string(raw), "\r\n\r\n") // after the 100 Continue
		for _, want := range []string{"x-amz-meta-my-key: Val Ue", "Accept-Ranges: bytes", "Content-Disposition: attachment; filename=a.json", "Content-Type: text/plain"} {
			if !strings.Contains(final, "\r\n"+want+"\r\n") {
				t.Errorf("%s answered\n%s\nwant %s", method, raw, want)
			}
		}
	}
}

// A HEAD with a Range is answered as S3 answers it (the emulator answers it as a plain HEAD): 206
// with the range's length, 416 for a range past the end, and the whole object for a range S3
// ignores; a GET's range is the emulator's own.
func TestS3CompatHeadWithRange(t *testing.T) {
	srv := httptest.NewServer(gateway.S3Compat(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		w.Header().Set("Etag", `"e"`)
		w.WriteHeader(http.StatusOK)
	})))
	defer srv.Close()
	for _, tc := range []struct {
		rng, length, contentRange string
		status                    int
	}{
		{"bytes=0-3", "4", "bytes 0-3/10", http.StatusPartialContent},
		{"bytes=-3", "3", "bytes 7-9/10", http.StatusPartialContent},
		{"bytes=20-", "0", "bytes */10", http.StatusRequestedRangeNotSatisfiable},
		{"bytes=5-2", "10", "", http.StatusOK},
		{"", "10", "", http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodHead, srv.URL+"/bucket/input/a.json", nil)
		if tc.rng != "" {
			req.Header.Set("Range", tc.rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		found := resp.StatusCode != http.StatusRequestedRangeNotSatisfiable
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Length") != tc.length || resp.Header.Get("Content-Range") != tc.contentRange ||
			found && (resp.Header.Get("Etag") != `"e"` || resp.Header.Get("Accept-Ranges") != "bytes") {
			t.Errorf("HEAD Range %q: %d, Content-Length %q, Content-Range %q, headers %v; want %d, %q, %q and the object's headers",
				tc.rng, resp.StatusCode, resp.Header.Get("Content-Length"), resp.Header.Get("Content-Range"), resp.Header, tc.status, tc.length, tc.contentRange)
		}
	}
}

// An object's write and read answers say it is encrypted with S3's keys, as every S3 object is by
// default; an error does not.
func TestS3CompatSaysObjectsAreEncrypted(t *testing.T) {
	status := http.StatusOK
	h := gateway.S3Compat(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	for _, tc := range []struct {
		method, target string
		status         int
		want           string
	}{
		{"PUT", "/b/input/a.json", 200, "AES256"},                         // PutObject, CopyObject
		{"PUT", "/b/input/a.json?partNumber=1&uploadId=u", 200, "AES256"}, // UploadPart
		{"POST", "/b/input/a.json?uploads", 200, "AES256"},
		{"POST", "/b/input/a.json?uploadId=u", 200, "AES256"},
		{"GET", "/b/input/a.json", 200, "AES256"},
		{"GET", "/b/input/a.json", 206, "AES256"},
		{"HEAD", "/b/input/a.json", 200, "AES256"},
		{"GET", "/b/input/a.json", 404, ""},
		{"PUT", "/b/input/a.json", 403, ""},
		{"PUT", "/b", 200, ""}, // CreateBucket
		{"GET", "/b?list-type=2", 200, ""},
	} {
		status = tc.status
		rec := httptest.NewRecorder()
		var body io.Reader
		if strings.Contains(tc.target, "?uploadId=") { // CompleteMultipartUpload: its parts
			body = strings.NewReader(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"e"</ETag></Part></CompleteMultipartUpload>`)
		}
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, body))
		if got := rec.Header().Get("X-Amz-Server-Side-Encryption"); got != tc.want {
			t.Errorf("%s %s answered %d: x-amz-server-side-encryption %q, want %q", tc.method, tc.target, tc.status, got, tc.want)
		}
	}
}
