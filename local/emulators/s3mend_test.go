package emulators_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
)

// fauxqs's S3 as StartFauxqs mends it, held to the S3 API Reference of each operation: listings
// in binary key order, Last-Modified in whole seconds, conditional reads and writes, CopyObject's
// REPLACE directive and self-copy, quiet DeleteObjects, and NoSuchKey's <Key>.
func TestFauxqsS3Mends(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts fauxqs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fq, err := emulators.StartFauxqs(ctx, emulators.Options{RunDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer fq.Stop()
	base := fq.Endpoint().String() + "/mend"
	secretHeader = fq.Header()
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	if code, body, _ := s3Do(t, "PUT", base, nil, nil); code != 200 {
		t.Fatalf("CreateBucket: %d %s", code, body)
	}
	for _, k := range []string{"a", "B", "c", "D", "e"} {
		if code, body, _ := s3Do(t, "PUT", base+"/"+k, []byte("x"), hdr("Content-Type", "text/plain")); code != 200 {
			t.Fatalf("PutObject %s: %d %s", k, code, body)
		}
	}

	t.Run("ListObjectsV2 pages through every key in binary order", func(t *testing.T) {
		var got []string
		token := ""
		for range 10 {
			q := url.Values{"list-type": {"2"}, "max-keys": {"1"}}
			if token != "" {
				q.Set("continuation-token", token)
			}
			code, body, _ := s3Do(t, "GET", base+"?"+q.Encode(), nil, nil)
			var page struct {
				Keys  []string `xml:"Contents>Key"`
				Next  string   `xml:"NextContinuationToken"`
				Trunc bool     `xml:"IsTruncated"`
			}
			if code != 200 || xml.Unmarshal([]byte(body), &page) != nil {
				t.Fatalf("ListObjectsV2: %d %s", code, body)
			}
			got = append(got, page.Keys...)
			if !page.Trunc {
				break
			}
			token = page.Next
		}
		if want := "B D a c e"; strings.Join(got, " ") != want {
			t.Errorf("keys %q, want %s (S3 lists in UTF-8 binary order)", got, want)
		}
	})

	t.Run("a page with a key and a common prefix after it: the next page starts after the prefix", func(t *testing.T) {
		for _, k := range []string{"dir/a", "dir/b/x", "dir/b/y", "dir/c"} {
			if code, body, _ := s3Do(t, "PUT", base+"/"+k, []byte("x"), hdr("Content-Type", "text/plain")); code != 200 {
				t.Fatalf("PutObject %s: %d %s", k, code, body)
			}
		}
		for _, v2 := range []bool{true, false} {
			var got []string
			next := ""
			for range 10 {
				q := url.Values{"prefix": {"dir/"}, "delimiter": {"/"}, "max-keys": {"2"}}
				if v2 {
					q.Set("list-type", "2")
					if next != "" {
						q.Set("continuation-token", next)
					}
				} else if next != "" {
					q.Set("marker", next)
				}
				code, body, _ := s3Do(t, "GET", base+"?"+q.Encode(), nil, nil)
				var page struct {
					Keys     []string `xml:"Contents>Key"`
					Prefixes []string `xml:"CommonPrefixes>Prefix"`
					Token    string   `xml:"NextContinuationToken"`
					Marker   string   `xml:"NextMarker"`
					Trunc    bool     `xml:"IsTruncated"`
				}
				if code != 200 || xml.Unmarshal([]byte(body), &page) != nil {
					t.Fatalf("list (v2 %t): %d %s", v2, code, body)
				}
				got = append(append(got, page.Keys...), page.Prefixes...)
				if !page.Trunc {
					break
				}
				if next = page.Token; !v2 {
					next = page.Marker
				}
			}
			if want := "dir/a dir/b/ dir/c"; strings.Join(got, " ") != want {
				t.Errorf("listing (v2 %t) in pages of 2: %q, want %s, each once", v2, got, want)
			}
		}
		// Without a delimiter a ListObjects (V1) page has no NextMarker: the client takes its last key.
		_, body, _ := s3Do(t, "GET", base+"?prefix=dir/&max-keys=1", nil, nil)
		if strings.Contains(body, "<NextMarker>") || !strings.Contains(body, "<IsTruncated>true</IsTruncated>") {
			t.Errorf("a truncated V1 page without a delimiter: %s, want no NextMarker", body)
		}
	})

	_, _, h := s3Do(t, "HEAD", base+"/a", nil, nil)
	etag, lastModified := h.Get("ETag"), h.Get("Last-Modified")

	t.Run("Last-Modified in whole seconds", func(t *testing.T) {
		_, body, _ := s3Do(t, "GET", base+"?list-type=2&prefix=a", nil, nil)
		if !strings.Contains(body, ".000Z</LastModified>") {
			t.Errorf("listing %s: want LastModified in whole seconds (.000Z)", body)
		}
	})

	t.Run("GetObject and HeadObject conditions", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			header http.Header
			want   int
		}{
			{"If-Modified-Since its Last-Modified", hdr("If-Modified-Since", lastModified), 304},
			{"If-Unmodified-Since its Last-Modified", hdr("If-Unmodified-Since", lastModified), 200},
			{"If-Unmodified-Since before", hdr("If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"), 412},
			{"If-None-Match *", hdr("If-None-Match", "*"), 304},
			{"If-None-Match a list holding it", hdr("If-None-Match", `"0", `+etag), 304},
			{"If-None-Match unquoted", hdr("If-None-Match", strings.Trim(etag, `"`)), 304},
			{"If-None-Match another", hdr("If-None-Match", `"0"`), 200},
			{"If-None-Match another, If-Modified-Since its Last-Modified", hdr("If-None-Match", `"0"`, "If-Modified-Since", lastModified), 200},
			{"If-Match another", hdr("If-Match", `"0"`), 412},
			{"If-Match it, If-Unmodified-Since before", hdr("If-Match", etag, "If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"), 200},
			{"If-Match another, If-None-Match it", hdr("If-Match", `"0"`, "If-None-Match", etag), 412},
		} {
			for _, method := range []string{"GET", "HEAD"} {
				code, body, rh := s3Do(t, method, base+"/a", nil, tc.header)
				if code != tc.want {
					t.Errorf("%s %s: %d %s, want %d", method, tc.name, code, body, tc.want)
				}
				if code == 304 && (rh.Get("ETag") != etag || rh.Get("Last-Modified") != lastModified) {
					t.Errorf("%s %s: 304 with ETag %q, Last-Modified %q; want %s, %s", method, tc.name, rh.Get("ETag"), rh.Get("Last-Modified"), etag, lastModified)
				}
				if code == 412 && method == "GET" && !strings.Contains(body, "<Code>PreconditionFailed</Code>") {
					t.Errorf("%s %s: %s, want PreconditionFailed", method, tc.name, body)
				}
			}
		}
	})

	t.Run("GetObject ranges", func(t *testing.T) {
		if code, body, _ := s3Do(t, "PUT", base+"/six", []byte("abcdef"), hdr("Content-Type", "text/plain")); code != 200 {
			t.Fatalf("PutObject: %d %s", code, body)
		}
		for _, tc := range []struct {
			rng, body, contentRange string
			want                    int
		}{
			{"bytes=2-3", "cd", "bytes 2-3/6", 206},
			{"bytes=4-", "ef", "bytes 4-5/6", 206},
			{"bytes=-2", "ef", "bytes 4-5/6", 206},
			{"bytes=2-100", "cdef", "bytes 2-5/6", 206},
			{"bytes=-100", "abcdef", "bytes 0-5/6", 206}, // a suffix longer than the object: all of it
			{"bytes=5-2", "abcdef", "", 200},             // not a valid range: ignored
			{"bytes=0-1,3-4", "abcdef", "", 200},
			{"items=0-1", "abcdef", "", 200},
			{"bytes=6-", "", "bytes */6", 416},
			{"bytes=-0", "", "bytes */6", 416},
		} {
			code, body, h := s3Do(t, "GET", base+"/six", nil, hdr("Range", tc.rng))
			if code != tc.want || h.Get("Content-Range") != tc.contentRange || code != 416 && body != tc.body {
				t.Errorf("Range %s: %d %q, Content-Range %q; want %d %q, %q", tc.rng, code, body, h.Get("Content-Range"), tc.want, tc.body, tc.contentRange)
			}
		}
	})

	t.Run("PutObject and CopyObject write conditionally", func(t *testing.T) {
		for _, tc := range []struct {
			name, key string
			header    http.Header
			want      int
			code      string
		}{
			{"If-None-Match * on a key that exists", "a", hdr("If-None-Match", "*"), 412, "PreconditionFailed"},
			{"copy with If-None-Match * on a key that exists", "a", hdr("If-None-Match", "*", "X-Amz-Copy-Source", "/mend/c"), 412, "PreconditionFailed"},
			{"If-None-Match * on a new key", "new", hdr("If-None-Match", "*"), 200, ""},
			{"If-None-Match an ETag", "a", hdr("If-None-Match", etag), 501, "NotImplemented"},
			{"If-Match on no key", "none", hdr("If-Match", etag), 404, "NoSuchKey"},
			{"If-Match another", "a", hdr("If-Match", `"0"`), 412, "PreconditionFailed"},
			{"If-Match its ETag", "a", hdr("If-Match", etag), 200, ""},
		} {
			tc.header.Set("Content-Type", "text/plain")
			code, body, _ := s3Do(t, "PUT", base+"/"+tc.key, []byte("x"), tc.header)
			if code != tc.want || tc.code != "" && !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
				t.Errorf("%s: %d %s, want %d %s", tc.name, code, body, tc.want, tc.code)
			}
		}
		// CompleteMultipartUpload: refused where the key has come to exist since the upload began.
		code, body, _ := s3Do(t, "POST", base+"/late?uploads", nil, nil)
		var up struct {
			UploadID string `xml:"UploadId"`
		}
		if code != 200 || xml.Unmarshal([]byte(body), &up) != nil {
			t.Fatalf("CreateMultipartUpload: %d %s", code, body)
		}
		_, _, ph := s3Do(t, "PUT", base+"/late?partNumber=1&uploadId="+up.UploadID, []byte("x"), nil)
		s3Do(t, "PUT", base+"/late", []byte("first"), hdr("Content-Type", "text/plain"))
		done := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + ph.Get("ETag") + `</ETag></Part></CompleteMultipartUpload>`
		code, body, _ = s3Do(t, "POST", base+"/late?uploadId="+up.UploadID, []byte(done), hdr("Content-Type", "application/xml", "If-None-Match", "*"))
		if code != 412 || !strings.Contains(body, "<Code>PreconditionFailed</Code>") {
			t.Errorf("CompleteMultipartUpload with If-None-Match * on a key that exists: %d %s, want 412 PreconditionFailed", code, body)
		}
	})

	t.Run("CopyObject", func(t *testing.T) {
		code, body, _ := s3Do(t, "PUT", base+"/copy", nil, hdr("X-Amz-Copy-Source", "/mend/a", "X-Amz-Metadata-Directive", "REPLACE", "Content-Type", "application/json"))
		if code != 200 {
			t.Fatalf("CopyObject REPLACE: %d %s", code, body)
		}
		if _, _, h := s3Do(t, "HEAD", base+"/copy", nil, nil); h.Get("Content-Type") != "application/json" {
			t.Errorf("copy with REPLACE has Content-Type %q, want the request's application/json", h.Get("Content-Type"))
		}
		code, body, _ = s3Do(t, "PUT", base+"/copy", nil, hdr("X-Amz-Copy-Source", "/mend/a", "X-Amz-Metadata-Directive", "MOVE"))
		if code != 400 || !strings.Contains(body, "<Code>InvalidArgument</Code>") {
			t.Errorf("CopyObject with metadata directive MOVE: %d %s, want 400 InvalidArgument", code, body)
		}
		code, body, _ = s3Do(t, "PUT", base+"/a", nil, hdr("X-Amz-Copy-Source", "/mend/a", "Content-Type", "text/plain"))
		if code != 400 || !strings.Contains(body, "<Code>InvalidRequest</Code>") {
			t.Errorf("CopyObject to itself changing nothing: %d %s, want 400 InvalidRequest", code, body)
		}
		if code, body, _ := s3Do(t, "PUT", base+"/a", nil, hdr("X-Amz-Copy-Source", "/mend/a", "X-Amz-Metadata-Directive", "REPLACE", "X-Amz-Meta-Note", "n")); code != 200 {
			t.Errorf("CopyObject to itself replacing its metadata: %d %s, want 200", code, body)
		}
		_, _, h := s3Do(t, "HEAD", base+"/c", nil, nil)
		for _, tc := range []struct {
			name   string
			header http.Header
			want   int
		}{
			{"if-match another", hdr("X-Amz-Copy-Source-If-Match", `"0"`), 412},
			{"if-match it, if-unmodified-since before", hdr("X-Amz-Copy-Source-If-Match", h.Get("ETag"), "X-Amz-Copy-Source-If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"), 200},
			{"if-unmodified-since before", hdr("X-Amz-Copy-Source-If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"), 412},
			{"if-none-match it", hdr("X-Amz-Copy-Source-If-None-Match", h.Get("ETag")), 412},
			{"if-modified-since its Last-Modified", hdr("X-Amz-Copy-Source-If-Modified-Since", h.Get("Last-Modified")), 412},
			{"if-none-match another", hdr("X-Amz-Copy-Source-If-None-Match", `"0"`), 200},
		} {
			tc.header.Set("X-Amz-Copy-Source", "/mend/c")
			if code, body, _ := s3Do(t, "PUT", base+"/copy-if", nil, tc.header); code != tc.want {
				t.Errorf("CopyObject %s: %d %s, want %d", tc.name, code, body, tc.want)
			}
		}
	})

	t.Run("the headers S3 keeps with an object", func(t *testing.T) {
		kept := hdr("Cache-Control", "max-age=5", "Content-Disposition", "attachment; filename=k.json", "Content-Encoding", "br", // not gzip: Go's client would take it off
			"Content-Language", "en", "Expires", "Thu, 01 Dec 2094 16:00:00 GMT")
		put := hdr("Content-Type", "application/json")
		for k, v := range kept {
			put[k] = v
		}
		if code, body, _ := s3Do(t, "PUT", base+"/kept", []byte("x"), put); code != 200 {
			t.Fatalf("PutObject: %d %s", code, body)
		}
		if code, body, _ := s3Do(t, "PUT", base+"/kept-copy", nil, hdr("X-Amz-Copy-Source", "/mend/kept")); code != 200 {
			t.Fatalf("CopyObject: %d %s", code, body)
		}
		code, body, _ := s3Do(t, "POST", base+"/kept-mp?uploads", nil, put)
		var up struct {
			UploadID string `xml:"UploadId"`
		}
		if code != 200 || xml.Unmarshal([]byte(body), &up) != nil {
			t.Fatalf("CreateMultipartUpload: %d %s", code, body)
		}
		_, _, ph := s3Do(t, "PUT", base+"/kept-mp?partNumber=1&uploadId="+up.UploadID, []byte("x"), nil)
		done := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + ph.Get("ETag") + `</ETag></Part></CompleteMultipartUpload>`
		if code, body, _ := s3Do(t, "POST", base+"/kept-mp?uploadId="+up.UploadID, []byte(done), hdr("Content-Type", "application/xml")); code != 200 {
			t.Fatalf("CompleteMultipartUpload: %d %s", code, body)
		}
		for _, key := range []string{"kept", "kept-copy", "kept-mp"} {
			for _, method := range []string{"GET", "HEAD"} {
				_, _, h := s3Do(t, method, base+"/"+key, nil, nil)
				for k := range kept {
					if h.Get(k) != kept.Get(k) {
						t.Errorf("%s %s: %s %q, want %q", method, key, k, h.Get(k), kept.Get(k))
					}
				}
			}
		}
		code, body, _ = s3Do(t, "PUT", base+"/kept-copy", nil, hdr("X-Amz-Copy-Source", "/mend/kept", "X-Amz-Metadata-Directive", "REPLACE", "Cache-Control", "no-cache"))
		if _, _, h := s3Do(t, "HEAD", base+"/kept-copy", nil, nil); code != 200 || h.Get("Cache-Control") != "no-cache" || h.Get("Content-Encoding") != "" {
			t.Errorf("CopyObject REPLACE: %d %s, then Cache-Control %q, Content-Encoding %q; want the request's: no-cache and none", code, body, h.Get("Cache-Control"), h.Get("Content-Encoding"))
		}
	})

	t.Run("DeleteObjects quiet", func(t *testing.T) {
		del := []byte(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet><Object><Key>e</Key></Object></Delete>`)
		code, body, _ := s3Do(t, "POST", base+"?delete", del, hdr("Content-Type", "application/xml"))
		if code != 200 || strings.Contains(body, "<Deleted>") {
			t.Errorf("quiet DeleteObjects: %d %s, want no <Deleted>", code, body)
		}
		if code, _, _ := s3Do(t, "HEAD", base+"/e", nil, nil); code != 404 {
			t.Errorf("HEAD of the deleted key: %d, want 404", code)
		}
		code, body, _ = s3Do(t, "POST", base+"?delete", []byte(`<Delete><Object><Key>D</Key></Object></Delete>`), hdr("Content-Type", "application/xml"))
		if code != 200 || !strings.Contains(body, "<Deleted><Key>D</Key></Deleted>") {
			t.Errorf("DeleteObjects: %d %s, want D in <Deleted>", code, body)
		}
	})

	t.Run("NoSuchBucket names the bucket", func(t *testing.T) {
		code, body, _ := s3Do(t, "GET", fq.Endpoint().String()+"/no-such-bucket/k", nil, nil)
		if code != 404 || !strings.Contains(body, "<Message>The specified bucket does not exist</Message>") || !strings.Contains(body, "<BucketName>no-such-bucket</BucketName>") {
			t.Errorf("GetObject in no bucket: %d %s, want 404 with S3's message and <BucketName>", code, body)
		}
	})

	t.Run("encoding-type=url encodes what a listing names", func(t *testing.T) {
		enc := fq.Endpoint().String() + "/mend-encoding"
		if code, body, _ := s3Do(t, "PUT", enc, nil, nil); code != 200 {
			t.Fatalf("CreateBucket: %d %s", code, body)
		}
		// A key's path segments escaped one by one: its "/" stay separators.
		put := func(key string) {
			segs := strings.Split(key, "/")
			for i, s := range segs {
				segs[i] = url.PathEscape(s)
			}
			if code, body, _ := s3Do(t, "PUT", enc+"/"+strings.Join(segs, "/"), []byte("x"), nil); code != 200 {
				t.Fatalf("PutObject %q: %d %s", key, code, body)
			}
		}
		for _, k := range []string{"a b.txt", "a+b.txt", "100%.csv", "ctl\x01key", "run books/x.txt", "한글/x.txt", "tilde~(1)!.txt"} {
			put(k)
		}
		type page struct {
			Encoding  string   `xml:"EncodingType"`
			Delimiter string   `xml:"Delimiter"`
			Marker    string   `xml:"Marker"`
			Keys      []string `xml:"Contents>Key"`
			Prefixes  []string `xml:"CommonPrefixes>Prefix"`
		}
		// S3's answers as measured (a space is "+", a "+" is %2B, "/" is kept), and the key with a
		// control character in XML that parses.
		wantKeys := "100%25.csv a+b.txt a%2Bb.txt ctl%01key tilde~%281%29%21.txt"
		wantPrefixes := "run+books/ %ED%95%9C%EA%B8%80/"
		for _, v2 := range []bool{true, false} {
			q := "?encoding-type=url&delimiter=%2F"
			if v2 {
				q += "&list-type=2"
			} else {
				q += "&marker=0"
			}
			code, body, _ := s3Do(t, "GET", enc+q, nil, nil)
			var got page
			if err := xml.Unmarshal([]byte(body), &got); code != 200 || err != nil {
				t.Fatalf("list (v2 %t) encoding-type=url: %d %v %s", v2, code, err, body)
			}
			if got.Encoding != "url" || got.Delimiter != "/" || strings.Join(got.Keys, " ") != wantKeys || strings.Join(got.Prefixes, " ") != wantPrefixes {
				t.Errorf("list (v2 %t) encoding-type=url: %+v, want EncodingType url, delimiter /, keys %s, prefixes %s", v2, got, wantKeys, wantPrefixes)
			}
			var decoded []string
			for _, k := range got.Keys {
				d, err := url.QueryUnescape(k)
				if err != nil {
					t.Errorf("key %q: %v", k, err)
				}
				decoded = append(decoded, d)
			}
			if want := []string{"100%.csv", "a b.txt", "a+b.txt", "ctl\x01key", "tilde~(1)!.txt"}; !slices.Equal(decoded, want) {
				t.Errorf("keys decoded %q, want the keys put, %q", decoded, want)
			}
		}
		// V1's markers: a page's NextMarker, and the Marker a request gave, encoded.
		_, body, _ := s3Do(t, "GET", enc+"?encoding-type=url&delimiter=%2F&max-keys=2", nil, nil)
		if !strings.Contains(body, "<NextMarker>a+b.txt</NextMarker>") {
			t.Errorf("a V1 page of 2 with a delimiter: %s, want NextMarker a+b.txt (a b.txt, encoded)", body)
		}
		_, body, _ = s3Do(t, "GET", enc+"?encoding-type=url&delimiter=%2F&max-keys=2&marker=a%20b.txt", nil, nil)
		if !strings.Contains(body, "<Marker>a+b.txt</Marker>") || !strings.Contains(body, "<Key>a%2Bb.txt</Key>") {
			t.Errorf("the V1 page after marker \"a b.txt\": %s, want Marker a+b.txt and the key a%%2Bb.txt", body)
		}
		// The prefix and start-after a request gave are encoded back too.
		_, body, _ = s3Do(t, "GET", enc+"?list-type=2&encoding-type=url&prefix=run%20b&start-after=a%20b", nil, nil)
		if !strings.Contains(body, "<Prefix>run+b</Prefix>") || !strings.Contains(body, "<StartAfter>a+b</StartAfter>") || !strings.Contains(body, "<Key>run+books/x.txt</Key>") {
			t.Errorf("list with prefix and start-after, encoding-type=url: %s", body)
		}
		// Without it, keys are as they are (and XML cannot carry the control character: S3 sends it so too).
		_, body, _ = s3Do(t, "GET", enc+"?list-type=2&prefix=a", nil, nil)
		if strings.Contains(body, "EncodingType") || !strings.Contains(body, "<Key>a b.txt</Key>") || !strings.Contains(body, "<Key>a+b.txt</Key>") {
			t.Errorf("list without encoding-type: %s, want the keys raw", body)
		}
		code, body, _ := s3Do(t, "GET", enc+"?list-type=2&encoding-type=base64", nil, nil)
		if code != 400 || !strings.Contains(body, "<Code>InvalidArgument</Code>") || !strings.Contains(body, "Invalid Encoding Method") {
			t.Errorf("encoding-type=base64: %d %s, want 400 InvalidArgument", code, body)
		}
	})

	t.Run("NoSuchKey names the key", func(t *testing.T) {
		code, body, _ := s3Do(t, "GET", base+"/no/such&key", nil, nil)
		if code != 404 || !strings.Contains(body, "<Key>no/such&amp;key</Key>") {
			t.Errorf("GetObject of no key: %d %s, want 404 with <Key>no/such&amp;key</Key>", code, body)
		}
	})
}

// A fauxqs whose text is not the pinned one (here getObject.js with its conditions check moved)
// fails the start, naming the module and the text it could not find, rather than running unmended.
func TestFauxqsMendsNeedThePinnedText(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts fauxqs")
	}
	root, err := emulators.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	node, err := emulators.NodeBinary(root)
	if err != nil {
		t.Fatal(err)
	}
	// Another root: every package a link to the real one, but a copy of fauxqs with one module changed.
	other := t.TempDir()
	mods := filepath.Join(other, "node_modules")
	entries, err := os.ReadDir(filepath.Join(root, "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(mods, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "fauxqs" {
			if err := os.Symlink(filepath.Join(root, "node_modules", e.Name()), filepath.Join(mods, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.CopyFS(filepath.Join(mods, "fauxqs"), os.DirFS(filepath.Join(root, "node_modules", "fauxqs"))); err != nil {
		t.Fatal(err)
	}
	get := filepath.Join(mods, "fauxqs", "dist", "s3", "actions", "getObject.js")
	b, err := os.ReadFile(get)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), "const obj = store.getObject(bucket, key);", "const obj = store.getObject(bucket, key );", 1)
	if changed == string(b) {
		t.Fatal("getObject.js: the pinned text is not there to change")
	}
	if err := os.WriteFile(get, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := t.TempDir()
	fq, err := emulators.StartFauxqs(ctx, emulators.Options{RunDir: run, Root: other, Node: node, StartTimeout: 20 * time.Second})
	if err == nil {
		fq.Stop()
		t.Fatal("fauxqs started with a getObject.js that is not the pinned text")
	}
	log, _ := os.ReadFile(filepath.Join(run, "fauxqs.log"))
	if !strings.Contains(string(log)+err.Error(), "getObject.js is not fauxqs 1.9.2's") {
		t.Errorf("start refused with %v, log:\n%s\nwant the module named as not fauxqs 1.9.2's", err, log)
	}
}
