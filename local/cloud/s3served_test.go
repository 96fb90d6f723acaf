package cloud

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The S3 filter against a stand-in emulator that answers everything (and counts what reaches it):
// each request the emulator would answer as another operation is refused before it, and a
// multipart upload is continued only at its own bucket and key.
func TestS3Served(t *testing.T) {
	var forwarded []string
	uploads := 0
	emulator := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forwarded = append(forwarded, r.Method+" "+r.URL.RequestURI())
		if r.Method == http.MethodDelete && r.URL.Path == "/full" {
			w.WriteHeader(http.StatusConflict) // BucketNotEmpty
			return
		}
		if r.URL.Query().Has("uploads") {
			uploads++
			fmt.Fprintf(w, `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-%d</UploadId></InitiateMultipartUploadResult>`, uploads)
		}
	})
	served := &s3Served{}
	h := served.Middleware(emulator)
	host := "127.0.0.1:4566"
	serve := func(method, target, copySource string) (int, string, bool) {
		r := httptest.NewRequest(method, target, strings.NewReader(`<Delete><Object><Key>output/x.csv</Key></Object></Delete>`))
		r.Host = host
		if copySource != "" {
			r.Header.Set("X-Amz-Copy-Source", copySource)
		}
		rec := httptest.NewRecorder()
		n := len(forwarded)
		h.ServeHTTP(rec, r)
		return rec.Code, rec.Body.String(), len(forwarded) > n
	}

	for _, tc := range []struct {
		method, target, copySource string
		want                       int // 0: passed to the emulator
	}{
		// The probe's requests: each a subresource the emulator answers as another operation.
		{"POST", "/b/input/a.json?select", "", 501}, // DeleteObjects of the body's keys
		{"POST", "/b/input/a.json?select&select-type=2", "", 501},
		{"POST", "/b/input/a.json?restore", "", 501},
		{"POST", "/b/input/a.json", "", 501},
		{"DELETE", "/b/k?tagging", "", 501}, // DeleteObject
		{"PUT", "/b/k?acl", "", 501},        // PutObject of the body
		{"PUT", "/b/k?tagging", "", 501},
		{"PUT", "/b/k?retention", "", 501},
		{"PUT", "/b/k?legal-hold", "", 501},
		{"PUT", "/b/out?tagging", "/victim/secret", 501}, // CopyObject
		{"GET", "/b/k?tagging", "", 501},                 // GetObject
		{"GET", "/b/k?acl", "", 501},
		{"GET", "/b/k?attributes", "", 501},
		{"GET", "/b/k?uploadId=up-1", "", 501}, // ListParts
		{"GET", "/b/k?partNumber=1", "", 501},
		{"GET", "/b/k?versionId=3HL4kqtJlcpXroDTDmJ", "", 501},
		{"DELETE", "/b/k?versionId=3HL4kqtJlcpXroDTDmJ", "", 501},
		{"PUT", "/b/k?versionId=null", "", 501},
		{"GET", "/b?location", "", 501}, // ListObjects
		{"GET", "/b?acl", "", 501},
		{"GET", "/b?versions", "", 501},
		{"GET", "/b?uploads", "", 501},
		{"GET", "/b?list-type=2&tagging", "", 501},
		{"PUT", "/b?tagging", "", 501},    // CreateBucket
		{"DELETE", "/b?tagging", "", 501}, // DeleteBucket
		{"DELETE", "/b?cors", "", 501},
		{"DELETE", "/?policy", "", 501},
		{"GET", "/?prefix=a", "", 501},        // ListBuckets of every bucket
		{"POST", "/b?select", "", 501},        // DeleteObjects
		{"POST", "/b/k?uploads;x=1", "", 501}, // a pair Go would drop
		{"POST", "/b/k?uploads&uploadId=up-1", "", 501},
		{"PUT", "/b/k?partNumber=1", "", 501}, // PutObject
		{"PUT", "/b/k?uploadId=up-1", "", 501},
		{"PUT", "/b/k?partNumber=1&uploadId=a&uploadId=b", "", 501},
		// What the local cloud serves.
		{"GET", "/", "", 0},
		{"GET", "/?x-id=ListBuckets", "", 0},
		{"PUT", "/bkt", "", 0},
		{"PUT", "/bkt/", "", 0},
		{"HEAD", "/b", "", 0},
		{"DELETE", "/b?x-id=DeleteBucket", "", 0},
		{"GET", "/b?list-type=2&prefix=input%2F&delimiter=%2F&max-keys=5&continuation-token=aW5wdXQvYQ%3D%3D&start-after=a&encoding-type=url&fetch-owner=true", "", 0},
		{"GET", "/b?marker=a&prefix=b", "", 0},
		{"GET", "/b?policy", "", 0},
		{"PUT", "/b?policy", "", 0},
		{"DELETE", "/b?policy", "", 0},
		{"GET", "/b?notification", "", 0},
		{"PUT", "/b?notification", "", 0},
		{"POST", "/b?delete", "", 0},
		{"GET", "/b/k?x-id=GetObject", "", 0},
		{"GET", "/b/k?versionId=null&response-content-type=text%2Fplain&response-content-disposition=inline", "", 0},
		{"GET", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=c&X-Amz-Signature=s", "", 0},
		{"HEAD", "/b/k", "", 0},
		{"PUT", "/b/k?x-id=PutObject", "", 0},
		{"PUT", "/b/k", "/b/other", 0}, // CopyObject
		{"DELETE", "/b/k?versionId=null", "", 0},
	} {
		code, body, reached := serve(tc.method, tc.target, tc.copySource)
		switch {
		case tc.want == 0 && (!reached || code != http.StatusOK):
			t.Errorf("%s %s: %d %s, want it passed on", tc.method, tc.target, code, body)
		case tc.want != 0 && (reached || code != tc.want || !strings.Contains(body, "<Code>NotImplemented</Code>")):
			t.Errorf("%s %s: %d %s (reached the emulator: %v), want %d NotImplemented", tc.method, tc.target, code, body, reached, tc.want)
		}
	}

	// Path-style only: a Host with a bucket in it (the emulator would read it) is refused.
	for h, want := range map[string]int{"victim.s3.local": 501, "victim.s3.local:4566": 501, "b.s3.amazonaws.com": 501,
		"victim.localhost:4566": 501, "": 501, "localhost:4566": 0, "LOCALHOST": 0, "127.0.0.1": 0, "[::1]:4566": 0} {
		host = h
		code, body, reached := serve("GET", "/b/input/a.json", "")
		if want == 0 && (!reached || code != http.StatusOK) || want != 0 && (reached || code != want || !strings.Contains(body, "virtual-hosted-style")) {
			t.Errorf("Host %q: %d %s (reached the emulator: %v), want %d", h, code, body, reached, want)
		}
	}
	host = "127.0.0.1:4566"

	// A multipart upload is continued at its own bucket and key only, and not after it completed.
	if code, _, _ := serve("POST", "/b/mp.txt?uploads", ""); code != http.StatusOK {
		t.Fatalf("CreateMultipartUpload: %d", code)
	}
	for _, tc := range []struct {
		method, target, copySource string
		want                       int
	}{
		{"PUT", "/b/output/z.csv?partNumber=1&uploadId=up-1", "", 404},
		{"PUT", "/victim/mp.txt?partNumber=1&uploadId=up-1", "", 404},
		{"PUT", "/b/mp.txt?partNumber=1&uploadId=up-2", "", 404},
		{"PUT", "/b/mp.txt?partNumber=1&uploadId=", "", 404},
		{"PUT", "/b/mp.txt?partNumber=1&uploadId=up-1", "/b/other", 501}, // UploadPartCopy
		{"PUT", "/b/mp.txt?partNumber=1&uploadId=up-1", "", 200},
		{"POST", "/b/output/z.csv?uploadId=up-1", "", 404},
		{"DELETE", "/b/output/z.csv?uploadId=up-1", "", 404},
		{"POST", "/b/mp.txt?uploadId=up-1", "", 200},
		{"PUT", "/b/mp.txt?partNumber=2&uploadId=up-1", "", 404}, // completed: forgotten
		// A bucket that could not be deleted keeps its uploads; a deleted one's are forgotten with it
		// (and another bucket's are kept).
		{"POST", "/full/a?uploads", "", 200},    // up-2
		{"POST", "/b/mp.txt?uploads", "", 200},  // up-3
		{"POST", "/bb/mp.txt?uploads", "", 200}, // up-4
		{"DELETE", "/full", "", 409},
		{"PUT", "/full/a?partNumber=1&uploadId=up-2", "", 200},
		{"DELETE", "/b", "", 200},
		{"PUT", "/b/mp.txt?partNumber=1&uploadId=up-3", "", 404},
		{"PUT", "/bb/mp.txt?partNumber=1&uploadId=up-4", "", 200},
	} {
		code, body, reached := serve(tc.method, tc.target, tc.copySource)
		if code != tc.want || reached != (tc.want == 200 || tc.want == 409) || tc.want == 404 && !strings.Contains(body, "<Code>NoSuchUpload</Code>") {
			t.Errorf("%s %s: %d %s (reached the emulator: %v), want %d", tc.method, tc.target, code, body, reached, tc.want)
		}
	}
	if n := len(served.uploads); n != 2 {
		t.Errorf("%d uploads remembered, want 2 (of the bucket kept and of the other bucket)", n)
	}
}

// A DeleteObjects entry naming a version is refused: the emulator has no versioning and would
// delete the current object, while IAM charged s3:DeleteObjectVersion. "null" (the one version of
// an unversioned bucket's object) and no version pass, with the body intact.
func TestS3ServedDeleteObjectsVersions(t *testing.T) {
	var got []string
	h := (&s3Served{}).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, string(b))
	}))
	for _, tc := range []struct {
		body string
		want int
	}{
		{`<Delete><Object><Key>a</Key></Object></Delete>`, 200},
		{`<Delete><Object><Key>a</Key><VersionId>null</VersionId></Object></Delete>`, 200},
		{`<Delete><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>3HL4kqtJlcpXroDTDmjVBH40Nrjfkd</VersionId></Object></Delete>`, 501},
	} {
		r := httptest.NewRequest(http.MethodPost, "/b?delete", strings.NewReader(tc.body))
		r.Host = "127.0.0.1:4566"
		rec := httptest.NewRecorder()
		n := len(got)
		h.ServeHTTP(rec, r)
		if rec.Code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.body, rec.Code, rec.Body, tc.want)
		}
		if tc.want == 200 && (len(got) != n+1 || got[n] != tc.body) {
			t.Errorf("%s: the emulator got %q, want the body whole", tc.body, got[n:])
		}
		if tc.want == 501 && len(got) != n {
			t.Errorf("%s: passed on", tc.body)
		}
	}
}

// CreateBucket takes only the names S3 takes (its bucket naming rules); the rest are refused with
// 400 InvalidBucketName before the emulator, which would create them.
func TestS3ServedBucketNames(t *testing.T) {
	reached := 0
	h := (&s3Served{}).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }))
	for name, ok := range map[string]bool{
		"abc": true, "my-bucket.v2": true, "stack-pipelinebucket5bc3f8ea-1a2b3c4d5e6f": true, strings.Repeat("a", 63): true,
		"ab": false, strings.Repeat("a", 64): false, "Bad_Name": false, "UPPER": false, "-abc": false, "abc-": false,
		"a..b": false, "192.168.5.4": false, "xn--abc": false, "sthree-abc": false, "amzn-s3-demo-x": false,
		"abc-s3alias": false, "abc--ol-s3": false, "abc.mrap": false, "abc--x-s3": false, "abc--table-s3": false,
	} {
		r := httptest.NewRequest(http.MethodPut, "/"+name, nil)
		r.Host = "127.0.0.1:4566"
		rec := httptest.NewRecorder()
		n := reached
		h.ServeHTTP(rec, r)
		switch {
		case ok && (rec.Code != http.StatusOK || reached != n+1):
			t.Errorf("CreateBucket %q: %d %s, want it passed on", name, rec.Code, rec.Body)
		case !ok && (rec.Code != http.StatusBadRequest || reached != n || !strings.Contains(rec.Body.String(), "<Code>InvalidBucketName</Code>")):
			t.Errorf("CreateBucket %q: %d %s (reached the emulator: %v), want 400 InvalidBucketName", name, rec.Code, rec.Body, reached > n)
		}
	}
}

// A key longer than S3 takes (1,024 bytes of UTF-8) is refused as KeyTooLongError, and a listing's
// max-keys that is not an integer from 0 as InvalidArgument, before the emulator (which stored the
// key, and listed every key for max-keys=abc).
func TestS3ServedKeysAndMaxKeys(t *testing.T) {
	reached := 0
	h := (&s3Served{}).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }))
	long := strings.Repeat("k", 1022) + "é" // 1,024 bytes
	for _, tc := range []struct {
		method, target string
		want           int
		code           string
	}{
		{"PUT", "/bkt/" + long, 200, ""},
		{"PUT", "/bkt/" + long + "k", 400, "KeyTooLongError"},
		{"POST", "/bkt/" + long + "k?uploads", 400, "KeyTooLongError"},
		{"GET", "/bkt/" + long + "k", 200, ""}, // a read finds no such key
		{"GET", "/bkt?list-type=2&max-keys=0", 200, ""},
		{"GET", "/bkt?list-type=2&max-keys=2147483647", 200, ""},
		{"GET", "/bkt?list-type=2&max-keys=abc", 400, "InvalidArgument"},
		{"GET", "/bkt?max-keys=-1", 400, "InvalidArgument"},
		{"GET", "/bkt?list-type=2&max-keys=2147483648", 400, "InvalidArgument"},
		// A continuation token is one a listing gave (the emulator's: the last key, base64): one
		// made up is S3's InvalidArgument, where the emulator listed nothing.
		{"GET", "/bkt?list-type=2&continuation-token=aW5wdXQvYQ%3D%3D", 200, ""},
		{"GET", "/bkt?list-type=2&continuation-token=garbage", 400, "InvalidArgument"},
		{"GET", "/bkt?list-type=2&continuation-token=", 400, "InvalidArgument"},
	} {
		r := httptest.NewRequest(tc.method, "/", nil)
		r.URL.Path, r.URL.RawQuery, _ = strings.Cut(tc.target, "?")
		r.Host = "127.0.0.1:4566"
		rec := httptest.NewRecorder()
		n := reached
		h.ServeHTTP(rec, r)
		if rec.Code != tc.want || (reached > n) != (tc.want == 200) || tc.code != "" && !strings.Contains(rec.Body.String(), "<Code>"+tc.code+"</Code>") {
			t.Errorf("%s %.40s...: %d %s (reached the emulator: %v), want %d %s", tc.method, tc.target, rec.Code, rec.Body, reached > n, tc.want, tc.code)
		}
	}
}

// s3ServedStub is the S3 filter before a stand-in emulator that answers 200 to everything: serve
// sends it a request with the headers given (name, value, ...) and reports the answer and whether
// the request reached the emulator.
func s3ServedStub() func(method, target string, header ...string) (int, string, bool) {
	forwarded := 0
	h := (&s3Served{}).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { forwarded++ }))
	return func(method, target string, header ...string) (int, string, bool) {
		r := httptest.NewRequest(method, target, nil)
		r.Host = "127.0.0.1:4566"
		for i := 0; i < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		n := forwarded
		h.ServeHTTP(rec, r)
		return rec.Code, rec.Body.String(), forwarded > n
	}
}

// Object Ownership: a bucket is BucketOwnerEnforced unless created otherwise, and then an object
// write that sets an ACL (but bucket-owner-full-control) is refused, as S3 refuses it; a bucket
// created ObjectWriter takes ACLs until it is deleted.
func TestS3ServedObjectOwnership(t *testing.T) {
	serve := s3ServedStub()
	for _, tc := range []struct {
		what, method, target string
		header               []string
		code                 string // "": forwarded
	}{
		{"a bucket with no setting", "PUT", "/enforced", nil, ""},
		{"a bucket ObjectWriter", "PUT", "/writer", []string{"X-Amz-Object-Ownership", "ObjectWriter"}, ""},
		{"a bucket of an unknown setting", "PUT", "/other", []string{"X-Amz-Object-Ownership", "Everyone"}, "InvalidArgument"},
		{"a BucketOwnerEnforced bucket with an ACL", "PUT", "/other", []string{"X-Amz-Object-Ownership", "BucketOwnerEnforced", "X-Amz-Acl", "public-read"}, "InvalidBucketAclWithObjectOwnership"},
		{"a bucket with no setting and a public ACL", "PUT", "/other", []string{"X-Amz-Acl", "public-read"}, "InvalidBucketAclWithObjectOwnership"},
		{"a bucket with no setting and the private ACL", "PUT", "/private", []string{"X-Amz-Acl", "private"}, ""},
		{"the ObjectWriter bucket made again with no setting", "PUT", "/writer", nil, ""}, // changes nothing
		{"PutObject public-read on it still", "PUT", "/writer/k", []string{"X-Amz-Acl", "public-read"}, ""},
		{"PutObject with no ACL", "PUT", "/enforced/k", nil, ""},
		{"PutObject bucket-owner-full-control", "PUT", "/enforced/k", []string{"X-Amz-Acl", "bucket-owner-full-control"}, ""},
		{"PutObject public-read", "PUT", "/enforced/k", []string{"X-Amz-Acl", "public-read"}, "AccessControlListNotSupported"},
		{"PutObject private", "PUT", "/enforced/k", []string{"X-Amz-Acl", "private"}, "AccessControlListNotSupported"},
		{"PutObject with a grant", "PUT", "/enforced/k", []string{"X-Amz-Grant-Read", `uri="http://acs.amazonaws.com/groups/global/AllUsers"`}, "AccessControlListNotSupported"},
		{"CopyObject public-read", "PUT", "/enforced/k2", []string{"X-Amz-Copy-Source", "/enforced/k", "X-Amz-Acl", "public-read"}, "AccessControlListNotSupported"},
		{"CreateMultipartUpload public-read", "POST", "/enforced/k?uploads", []string{"X-Amz-Acl", "public-read"}, "AccessControlListNotSupported"},
		{"PutObject public-read on ObjectWriter", "PUT", "/writer/k", []string{"X-Amz-Acl", "public-read"}, ""},
		{"the ObjectWriter bucket deleted", "DELETE", "/writer", nil, ""},
		{"and made again with no setting", "PUT", "/writer", nil, ""},
		{"PutObject public-read there now", "PUT", "/writer/k", []string{"X-Amz-Acl", "public-read"}, "AccessControlListNotSupported"},
	} {
		code, body, passed := serve(tc.method, tc.target, tc.header...)
		switch {
		case tc.code == "" && !passed:
			t.Errorf("%s: %d %s, want it forwarded", tc.what, code, body)
		case tc.code != "" && (passed || code != http.StatusBadRequest || !strings.Contains(body, "<Code>"+tc.code+"</Code>")):
			t.Errorf("%s: %d %s (forwarded %t), want 400 %s and not forwarded", tc.what, code, body, passed, tc.code)
		}
	}
}

// An object write's storage class and encryption: STANDARD and SSE-S3 (AES256) are what the local
// cloud stores, an unknown class or encryption is refused as S3 refuses it, and one S3 knows that
// the local cloud would store otherwise is NotImplemented, never stored as something else.
func TestS3ServedStorageClassAndEncryption(t *testing.T) {
	serve := s3ServedStub()
	for _, tc := range []struct {
		method, target string
		header         []string
		status         int // 0: forwarded
		code           string
	}{
		{"PUT", "/b/k", []string{"X-Amz-Storage-Class", "STANDARD"}, 0, ""},
		{"PUT", "/b/k", []string{"X-Amz-Server-Side-Encryption", "AES256"}, 0, ""},
		{"PUT", "/b/k", []string{"X-Amz-Storage-Class", "FROZEN"}, 400, "InvalidStorageClass"},
		{"PUT", "/b/k", []string{"X-Amz-Storage-Class", "GLACIER"}, 501, "NotImplemented"},
		{"POST", "/b/k?uploads", []string{"X-Amz-Storage-Class", "STANDARD_IA"}, 501, "NotImplemented"},
		{"PUT", "/b/k", []string{"X-Amz-Server-Side-Encryption", "aws:kms"}, 501, "NotImplemented"},
		{"PUT", "/b/k", []string{"X-Amz-Server-Side-Encryption", "AES128"}, 400, "InvalidArgument"},
		{"PUT", "/b/k", []string{"X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256"}, 501, "NotImplemented"},
		{"PUT", "/b/k", []string{"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "k"}, 400, "InvalidArgument"},
		{"PUT", "/b/k", []string{"X-Amz-Server-Side-Encryption", "AES256", "X-Amz-Server-Side-Encryption-Context", "e30="}, 400, "InvalidArgument"},
		{"PUT", "/b/k2", []string{"X-Amz-Copy-Source", "/b/k", "X-Amz-Storage-Class", "DEEP_ARCHIVE"}, 501, "NotImplemented"},
		// What S3 keeps with an object and the emulator dropped, silently: tags, a website redirect;
		// an object lock, which S3 refuses on a bucket without Object Lock (every bucket here).
		{"PUT", "/b/k", []string{"X-Amz-Tagging", "a=b"}, 501, "NotImplemented"},
		{"POST", "/b/k?uploads", []string{"X-Amz-Tagging", "a=b"}, 501, "NotImplemented"},
		{"PUT", "/b/k2", []string{"X-Amz-Copy-Source", "/b/k", "X-Amz-Tagging-Directive", "REPLACE", "X-Amz-Tagging", "a=b"}, 501, "NotImplemented"},
		{"PUT", "/b/k", []string{"X-Amz-Website-Redirect-Location", "/x"}, 501, "NotImplemented"},
		{"PUT", "/b/k", []string{"X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", "2030-01-01T00:00:00Z"}, 400, "InvalidRequest"},
		{"PUT", "/b/k", []string{"X-Amz-Object-Lock-Legal-Hold", "ON"}, 400, "InvalidRequest"},
	} {
		code, body, passed := serve(tc.method, tc.target, tc.header...)
		switch {
		case tc.status == 0 && !passed:
			t.Errorf("%s %s %v: %d %s, want it forwarded", tc.method, tc.target, tc.header, code, body)
		case tc.status != 0 && (passed || code != tc.status || !strings.Contains(body, "<Code>"+tc.code+"</Code>")):
			t.Errorf("%s %s %v: %d %s (forwarded %t), want %d %s", tc.method, tc.target, tc.header, code, body, passed, tc.status, tc.code)
		}
	}
}

// Bucket owner condition: a request whose x-amz-expected-bucket-owner (or CopyObject's
// x-amz-source-expected-bucket-owner) names another account than the local cloud's, which owns
// every bucket, is 403 AccessDenied, as S3 answers it; one naming the account goes through.
func TestS3ServedExpectedBucketOwner(t *testing.T) {
	serve := s3ServedStub()
	const other = "111111111111"
	for _, tc := range []struct {
		method, target string
		header         []string
		denied         bool
	}{
		{"HEAD", "/b/k", []string{"X-Amz-Expected-Bucket-Owner", AccountID}, false},
		{"HEAD", "/b/k", []string{"X-Amz-Expected-Bucket-Owner", other}, true}, // HeadObject
		{"GET", "/b/k", []string{"X-Amz-Expected-Bucket-Owner", other}, true},  // GetObject
		{"GET", "/b?list-type=2", []string{"X-Amz-Expected-Bucket-Owner", other}, true},
		{"GET", "/b?list-type=2", []string{"X-Amz-Expected-Bucket-Owner", AccountID}, false},
		{"PUT", "/b/k", []string{"X-Amz-Expected-Bucket-Owner", other}, true},
		{"PUT", "/b", []string{"X-Amz-Expected-Bucket-Owner", other}, true}, // CreateBucket
		{"HEAD", "/b", []string{"X-Amz-Expected-Bucket-Owner", other}, true},
		{"DELETE", "/b/k", []string{"X-Amz-Expected-Bucket-Owner", other}, true},
		{"DELETE", "/b", []string{"X-Amz-Expected-Bucket-Owner", other}, true},
		{"GET", "/b?policy", []string{"X-Amz-Expected-Bucket-Owner", other}, true},
		{"POST", "/b/k?uploads", []string{"X-Amz-Expected-Bucket-Owner", other}, true},
		{"HEAD", "/b/k", []string{"X-Amz-Expected-Bucket-Owner", ""}, true},
		{"HEAD", "/b/k", []string{"X-Amz-Expected-Bucket-Owner", "0"}, true},
		// CopyObject: the destination's owner and the source's.
		{"PUT", "/b/k2", []string{"X-Amz-Copy-Source", "/a/k", "X-Amz-Source-Expected-Bucket-Owner", AccountID, "X-Amz-Expected-Bucket-Owner", AccountID}, false},
		{"PUT", "/b/k2", []string{"X-Amz-Copy-Source", "/a/k", "X-Amz-Source-Expected-Bucket-Owner", other}, true},
		{"PUT", "/b/k2", []string{"X-Amz-Copy-Source", "/a/k", "X-Amz-Source-Expected-Bucket-Owner", AccountID, "X-Amz-Expected-Bucket-Owner", other}, true},
	} {
		code, body, passed := serve(tc.method, tc.target, tc.header...)
		switch {
		case !tc.denied && !passed:
			t.Errorf("%s %s %v: %d %s, want it forwarded", tc.method, tc.target, tc.header, code, body)
		case tc.denied && (passed || code != http.StatusForbidden || tc.method != "HEAD" && !strings.Contains(body, "<Code>AccessDenied</Code>")):
			t.Errorf("%s %s %v: %d %s (forwarded %t), want 403 AccessDenied", tc.method, tc.target, tc.header, code, body, passed)
		}
	}
}
