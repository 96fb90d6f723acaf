package cloud

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// The emulator (fauxqs) serves a few S3 operations and answers the rest as one of those: it ignores
// a query it does not know (GET ?tagging returns the object, PUT ?acl replaces it, POST ?select
// deletes the keys of its body, DELETE ?tagging deletes the object), while IAM decides on the
// subresource's own action. So the outermost S3 interceptor lets through only the requests the
// local cloud serves as S3 does (s3Requests) and refuses the rest with NotImplemented. It also
// holds multipart uploads to their bucket and key: the emulator continues an upload by its id
// alone, whatever object the URL names, where S3 answers NoSuchUpload. And it serves path-style
// requests only: the emulator takes the bucket from a Host with a dot in it (and the gateway
// forwards it no such Host: gateway.Upstream.PathStyle), where IAM decides on the path's.

// s3Param is the values a request may give a query parameter: any, or only "null" (the version
// of an object in a bucket that is not versioned, as every bucket of the local cloud is).
type s3Param int

const (
	s3Any s3Param = iota
	s3Null
)

// s3Request is one request shape the local cloud serves: a method on a bucket (object false) or
// an object, with the query parameters it may carry (must: all present).
type s3Request struct {
	method string
	object bool
	must   []string
	may    map[string]s3Param
}

var (
	s3Listing = map[string]s3Param{"list-type": s3Any, "prefix": s3Any, "delimiter": s3Any, "max-keys": s3Any,
		"continuation-token": s3Any, "start-after": s3Any, "encoding-type": s3Any, "fetch-owner": s3Any, "marker": s3Any}
	s3Read = map[string]s3Param{"versionId": s3Null, "response-content-type": s3Any, "response-content-language": s3Any,
		"response-expires": s3Any, "response-cache-control": s3Any, "response-content-disposition": s3Any,
		"response-content-encoding": s3Any}
	s3Version = map[string]s3Param{"versionId": s3Null}

	// s3Requests are what the emulator serves (its router, node_modules/fauxqs/dist/s3/s3Router.js,
	// and the query keys its actions read) and the interceptors answer (?policy, ?notification).
	// GET ?uploadId (ListParts), GET/HEAD ?partNumber and UploadPartCopy are not among them: the
	// emulator answers them as GetObject or as an UploadPart of the body.
	s3Requests = []s3Request{
		{method: http.MethodGet, may: s3Listing},                           // ListObjects(V2)
		{method: http.MethodGet, must: []string{"policy"}},                 // bucketPolicies
		{method: http.MethodGet, must: []string{"notification"}},           // s3events
		{method: http.MethodHead},                                          // HeadBucket
		{method: http.MethodPut},                                           // CreateBucket
		{method: http.MethodPut, must: []string{"policy"}},                 // bucketPolicies
		{method: http.MethodPut, must: []string{"notification"}},           // s3events
		{method: http.MethodDelete},                                        // DeleteBucket
		{method: http.MethodDelete, must: []string{"policy"}},              // bucketPolicies
		{method: http.MethodPost, must: []string{"delete"}},                // DeleteObjects
		{method: http.MethodGet, object: true, may: s3Read},                // GetObject
		{method: http.MethodHead, object: true, may: s3Read},               // HeadObject
		{method: http.MethodPut, object: true},                             // PutObject, CopyObject
		{method: http.MethodDelete, object: true, may: s3Version},          // DeleteObject
		{method: http.MethodPost, object: true, must: []string{"uploads"}}, // CreateMultipartUpload
		{method: http.MethodPut, object: true, must: []string{"partNumber", "uploadId"}},
		{method: http.MethodPost, object: true, must: []string{"uploadId"}},   // CompleteMultipartUpload
		{method: http.MethodDelete, object: true, must: []string{"uploadId"}}, // AbortMultipartUpload
	}
)

// served reports whether the request shape takes q (x-id and X-Amz-* already left out).
func (s s3Request) served(method string, object bool, q url.Values) bool {
	if s.method != method || s.object != object {
		return false
	}
	for _, k := range s.must {
		if _, ok := q[k]; !ok {
			return false
		}
	}
	for k, v := range q {
		p, ok := s.may[k]
		switch {
		case slices.Contains(s.must, k):
		case !ok, p == s3Null && v[0] != "null":
			return false
		}
	}
	return true
}

// s3Served is the outermost S3 interceptor (see above).
type s3Served struct {
	mu      sync.Mutex
	uploads map[string]string // upload id → "bucket/key" of its CreateMultipartUpload
	// aclsOn are the buckets created with ACLs enabled (x-amz-object-ownership ObjectWriter or
	// BucketOwnerPreferred); every other bucket is BucketOwnerEnforced, S3's default since April
	// 2023 (and the pipeline construct's), which refuses ACLs.
	aclsOn map[string]bool
	// sums are the objects' checksums (s3checksums.go).
	sums objectSums
}

// The canned ACL S3 takes on a bucket whose ACLs are off (BucketOwnerEnforced): it grants what the
// bucket owner holds anyway.
const ownerFullControl = "bucket-owner-full-control"

// Object Ownership settings (CreateBucket's x-amz-object-ownership).
const (
	ownershipEnforced  = "BucketOwnerEnforced"
	ownershipWriter    = "ObjectWriter"
	ownershipPreferred = "BucketOwnerPreferred"
)

// setsACL reports whether a request's headers set an ACL other than the canned ones in allowed: a
// canned x-amz-acl or an x-amz-grant-* grant. An object write on a bucket whose ACLs are off may
// give bucket-owner-full-control; a CreateBucket private too (S3 takes it, and rclone sends it).
func setsACL(h http.Header, allowed ...string) bool {
	if a := h.Values("X-Amz-Acl"); len(a) > 0 && (len(a) > 1 || !slices.Contains(allowed, a[0])) {
		return true
	}
	for k := range h {
		if strings.HasPrefix(k, "X-Amz-Grant-") {
			return true
		}
	}
	return false
}

// s3StorageClasses are the storage classes S3 knows (PutObject's x-amz-storage-class).
var s3StorageClasses = []string{"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
	"GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS"}

// storedAsSent checks an object write's (PutObject, CopyObject, CreateMultipartUpload) storage
// class and encryption, answering a refusal itself, and reports whether the request may go on. The
// local cloud stores every object as S3 stores one by default, STANDARD and encrypted with S3's
// own keys (SSE-S3, AES256): an unknown storage class or encryption is refused as S3 refuses it,
// and one S3 knows but the local cloud would store otherwise (another class, KMS, a customer's
// key) NotImplemented, where the emulator ignored them and the listing, GetObject and the
// function saw a STANDARD, unencrypted object. So are what S3 keeps with an object and the
// emulator dropped: its tags (x-amz-tagging; GetObjectTagging is not served either) and a website
// redirect; and an object lock, which S3 refuses on a bucket made without Object Lock, as every
// bucket here is ("Bucket is missing Object Lock Configuration").
func storedAsSent(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.Header.Get("X-Amz-Tagging") != "":
		gateway.WriteError(w, r, http.StatusNotImplemented, "NotImplemented", "x-amz-tagging: the local cloud does not keep object tags")
		return false
	case r.Header.Get("X-Amz-Website-Redirect-Location") != "":
		gateway.WriteError(w, r, http.StatusNotImplemented, "NotImplemented", "x-amz-website-redirect-location: the local cloud does not keep an object's website redirect")
		return false
	case r.Header.Get("X-Amz-Object-Lock-Mode") != "" || r.Header.Get("X-Amz-Object-Lock-Retain-Until-Date") != "" || r.Header.Get("X-Amz-Object-Lock-Legal-Hold") != "":
		gateway.WriteError(w, r, http.StatusBadRequest, "InvalidRequest", "Bucket is missing Object Lock Configuration")
		return false
	}
	if c := r.Header.Get("X-Amz-Storage-Class"); c != "" && c != "STANDARD" {
		if !slices.Contains(s3StorageClasses, c) {
			gateway.WriteError(w, r, http.StatusBadRequest, "InvalidStorageClass", "The storage class you specified is not valid: "+c)
		} else {
			gateway.WriteError(w, r, http.StatusNotImplemented, "NotImplemented", "x-amz-storage-class "+c+": the local cloud stores every object as STANDARD")
		}
		return false
	}
	e := r.Header.Get("X-Amz-Server-Side-Encryption")
	if (r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != "" || r.Header.Get("X-Amz-Server-Side-Encryption-Context") != "") && !strings.HasPrefix(e, "aws:kms") {
		gateway.WriteError(w, r, http.StatusBadRequest, "InvalidArgument", "x-amz-server-side-encryption-aws-kms-key-id and -context go only with x-amz-server-side-encryption aws:kms")
		return false
	}
	switch e {
	case "", "AES256":
	case "aws:kms", "aws:kms:dsse":
		gateway.WriteError(w, r, http.StatusNotImplemented, "NotImplemented", "x-amz-server-side-encryption "+e+": the local cloud has no KMS; it encrypts every object with S3's own keys (AES256, S3's default)")
		return false
	default:
		gateway.WriteError(w, r, http.StatusBadRequest, "InvalidArgument", "The encryption method specified is not supported: x-amz-server-side-encryption "+e)
		return false
	}
	if r.Header.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm") != "" {
		gateway.WriteError(w, r, http.StatusNotImplemented, "NotImplemented", "x-amz-server-side-encryption-customer-algorithm: the local cloud does not take customer-provided keys (SSE-C); it encrypts every object with S3's own keys (AES256)")
		return false
	}
	return true
}

// ownership checks a CreateBucket's x-amz-object-ownership and ACL headers as S3 does, answering
// a refusal itself; it reports the bucket's setting and whether the request may go on.
func ownership(w http.ResponseWriter, r *http.Request) (string, bool) {
	o := r.Header.Get("X-Amz-Object-Ownership")
	switch o {
	case "":
		o = ownershipEnforced
	case ownershipEnforced, ownershipWriter, ownershipPreferred:
	default:
		gateway.WriteError(w, r, http.StatusBadRequest, "InvalidArgument", fmt.Sprintf("x-amz-object-ownership %q: must be %s, %s or %s", o, ownershipEnforced, ownershipPreferred, ownershipWriter))
		return "", false
	}
	if o == ownershipEnforced && setsACL(r.Header, ownerFullControl, "private") {
		gateway.WriteError(w, r, http.StatusBadRequest, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
		return "", false
	}
	return o, true
}

// Middleware refuses what the local cloud does not serve and holds uploads to their objects.
func (s *s3Served) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !gateway.PathStyleHost(r.Host) {
			gateway.WriteError(w, r, http.StatusNotImplemented, "NotImplemented", "the local cloud does not serve virtual-hosted-style requests (Host "+
				r.Host+"): use path-style, with the endpoint's IP address or localhost as the Host (the bucket IAM decides on is the path's)")
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/")
		bucket, key, _ := strings.Cut(path, "/")
		query, err := url.ParseQuery(r.URL.RawQuery) // strictly: a pair Go drops (a ";") the emulator reads
		q := s3Subresources(query)
		// PutObject, CopyObject, CreateMultipartUpload: the requests that say how an object is stored.
		objectWrite := key != "" && (r.Method == http.MethodPut && len(q) == 0 || r.Method == http.MethodPost && q.Has("uploads"))
		switch {
		case err != nil, bucket == "" && (r.Method == http.MethodDelete || r.Method == http.MethodGet && len(q) > 0):
			// ListBuckets: the emulator lists every bucket whatever the query.
			notImplemented(w, r)
			return
		case bucket == "":
			next.ServeHTTP(w, r) // ListBuckets; anything else sent to the root IAM has refused
			return
		case !ownerExpected(r.Header, presignedQuery(query)):
			// Bucket owner condition (the user guide's "Verifying bucket ownership with bucket
			// owner condition"; every operation's ExpectedBucketOwner): "If the account ID that
			// you provide does not match the actual owner of the bucket, the request fails with
			// the HTTP status code 403 Forbidden (access denied)". Every bucket here is the one
			// account's; the emulator ignored the header, so a request meant for another
			// account's bucket went through.
			gateway.WriteError(w, r, http.StatusForbidden, "AccessDenied", "Access Denied")
			return
		case !s3Takes(r.Method, key != "", q, r.Header):
			notImplemented(w, r)
			return
		case r.Method == http.MethodPut && key == "" && len(q) == 0:
			if why := bucketNameProblem(bucket); why != "" {
				gateway.WriteError(w, r, http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid: "+why)
				return
			}
			o, ok := ownership(w, r)
			if !ok {
				return
			}
			rec := gateway.NewStatusRecorder(w)
			next.ServeHTTP(rec, r)
			if rec.Status()/100 == 2 {
				s.mu.Lock()
				if s.aclsOn == nil {
					s.aclsOn = map[string]bool{}
				}
				// A CreateBucket of a bucket one owns already is answered 200 in us-east-1 and
				// changes nothing of it: the first setting stays.
				if _, made := s.aclsOn[bucket]; !made {
					s.aclsOn[bucket] = o != ownershipEnforced
				}
				s.mu.Unlock()
			}
			return
		case objectWrite && !storedAsSent(w, r):
			return
		case objectWrite && setsACL(r.Header, ownerFullControl) && !s.acls(bucket):
			// PutObject, CopyObject, CreateMultipartUpload with an ACL, on a bucket whose ACLs are
			// off: S3 refuses it, where the emulator ignored the ACL and stored the object.
			gateway.WriteError(w, r, http.StatusBadRequest, "AccessControlListNotSupported", "The bucket does not allow ACLs")
			return
		case len(key) > maxKeyLength && (r.Method == http.MethodPut || r.Method == http.MethodPost && q.Has("uploads")):
			gateway.WriteError(w, r, http.StatusBadRequest, "KeyTooLongError",
				fmt.Sprintf("Your key is too long: %d bytes in UTF-8, at most %d", len(key), maxKeyLength))
			return
		case r.Method == http.MethodGet && key == "" && q.Has("continuation-token") && !listToken(q.Get("continuation-token")):
			// A token no listing gave: S3 refuses it, where the emulator listed nothing, silently.
			gateway.WriteError(w, r, http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect")
			return
		case r.Method == http.MethodGet && key == "" && q.Has("max-keys"):
			if n, err := strconv.ParseInt(q.Get("max-keys"), 10, 32); err != nil || n < 0 {
				gateway.WriteError(w, r, http.StatusBadRequest, "InvalidArgument",
					fmt.Sprintf("max-keys %q: must be an integer from 0 to 2147483647", q.Get("max-keys")))
				return
			}
		}
		if r.Method == http.MethodPost && q.Has("delete") {
			if msg := versionedDelete(r); msg != "" {
				gateway.WriteError(w, r, http.StatusNotImplemented, "NotImplemented", msg)
				return
			}
		}
		w, finish := s.sums.checksums(w, r, bucket, key, q)
		defer finish()
		id, multipart := q["uploadId"]
		switch {
		case r.Method == http.MethodPost && q.Has("uploads"):
			s.create(w, r, next, path)
		case multipart && !s.owns(id[0], path):
			gateway.WriteError(w, r, http.StatusNotFound, "NoSuchUpload",
				"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
		case multipart && r.Method != http.MethodPut: // CompleteMultipartUpload, AbortMultipartUpload
			rec := gateway.NewStatusRecorder(w)
			next.ServeHTTP(rec, r)
			if rec.Status()/100 == 2 {
				s.forget(func(upload, _ string) bool { return upload == id[0] })
			}
		case r.Method == http.MethodDelete && key == "" && len(q) == 0: // DeleteBucket
			// The emulator drops a deleted bucket's uploads with it; so are their ids here.
			rec := gateway.NewStatusRecorder(w)
			next.ServeHTTP(rec, r)
			if rec.Status()/100 == 2 {
				s.forget(func(_, object string) bool { return strings.HasPrefix(object, bucket+"/") })
				s.sums.forgetBucket(bucket)
				s.mu.Lock()
				delete(s.aclsOn, bucket)
				s.mu.Unlock()
			}
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// presignedQuery is query when it is a presigned URL's (it carries X-Amz-Signature or
// X-Amz-Credential), whose parameters stand for headers; nil otherwise: a request signed in its
// Authorization header sends its conditions as headers.
func presignedQuery(query url.Values) url.Values {
	if query.Has("X-Amz-Signature") || query.Has("X-Amz-Credential") {
		return query
	}
	return nil
}

// ownerExpected reports whether the bucket owner conditions a request carries, if any, name the
// local cloud's account, which owns every bucket: x-amz-expected-bucket-owner (the bucket the
// request names; CopyObject's destination) and x-amz-source-expected-bucket-owner (CopyObject's
// source bucket), as headers or, in a presigned URL, as query parameters (the Go SDK hoists the
// x-amz- headers a presigned request would need into its query: its presigned GetObject with
// ExpectedBucketOwner carries x-amz-expected-bucket-owner there, signed; names are compared without
// case). A bucket that does not exist is refused so too (S3 would answer NoSuchBucket first): the
// condition says the caller expected another account, and no bucket of that account is here.
func ownerExpected(h http.Header, q url.Values) bool {
	for _, name := range []string{"X-Amz-Expected-Bucket-Owner", "X-Amz-Source-Expected-Bucket-Owner"} {
		for _, v := range h.Values(name) {
			if v != AccountID {
				return false
			}
		}
		for k, vs := range q {
			if !strings.EqualFold(k, name) {
				continue
			}
			for _, v := range vs {
				if v != AccountID {
					return false
				}
			}
		}
	}
	return true
}

// bucketNameProblem says why CreateBucket refuses name ("" when it takes it), by S3's rules for
// general purpose buckets (the user guide's "Bucket naming rules"): the emulator creates a bucket
// of any name, where S3 answers 400 InvalidBucketName.
func bucketNameProblem(name string) string {
	switch {
	case len(name) < 3 || len(name) > 63:
		return fmt.Sprintf("bucket name %q is %d characters long; it must be 3 to 63", name, len(name))
	case strings.ContainsFunc(name, func(c rune) bool { return !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') }):
		return fmt.Sprintf("bucket name %q may hold only lowercase letters, numbers, periods and hyphens", name)
	case !isAlnum(name[0]) || !isAlnum(name[len(name)-1]):
		return fmt.Sprintf("bucket name %q must begin and end with a letter or number", name)
	case strings.Contains(name, ".."):
		return fmt.Sprintf("bucket name %q has two adjacent periods", name)
	case net.ParseIP(name) != nil:
		return fmt.Sprintf("bucket name %q is formatted as an IP address", name)
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return fmt.Sprintf("bucket name %q begins with the reserved prefix %q", name, p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return fmt.Sprintf("bucket name %q ends with the reserved suffix %q", name, s)
		}
	}
	return ""
}

func isAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// maxKeyLength is the longest object key S3 takes, in bytes of UTF-8 (the user guide's "Naming
// objects"); it refuses a longer one as KeyTooLongError, where the emulator stored it.
const maxKeyLength = 1024

// maxDeleteBody bounds the DeleteObjects body read here: 1,000 keys of at most 1,024 bytes each,
// with their XML.
const maxDeleteBody = 2 << 20

// versionedDelete says why a DeleteObjects request names a version the local cloud cannot honour
// ("" when it names none but "null"): the emulator has no versioning and deletes the current
// object whatever the entry's VersionId, while IAM charges s3:DeleteObjectVersion for it, so a
// principal allowed only that could delete current objects. The body is given back to the request.
func versionedDelete(r *http.Request) string {
	if r.Body == nil || r.Body == http.NoBody {
		return ""
	}
	orig := r.Body
	b, err := io.ReadAll(io.LimitReader(orig, maxDeleteBody+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), orig), orig}
	if err != nil || len(b) > maxDeleteBody {
		return "" // the IAM mapper, which reads the same body, has refused it already
	}
	var del struct {
		Objects []struct {
			VersionID *string `xml:"VersionId"`
		} `xml:"Object"`
	}
	if xml.Unmarshal(b, &del) != nil {
		return ""
	}
	for i, o := range del.Objects {
		if o.VersionID != nil && *o.VersionID != "null" {
			return fmt.Sprintf("the local cloud has no object versioning: DeleteObjects entry %d names VersionId %q (only \"null\", the one version of an unversioned bucket's object, is served)", i+1, *o.VersionID)
		}
	}
	return ""
}

// s3Subresources is q without the SDK's x-id and a presigned URL's X-Amz-* parameters.
func s3Subresources(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k != "x-id" && !strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			out[k] = v
		}
	}
	return out
}

// s3Takes reports whether the local cloud serves method on a bucket or an object with query q:
// one of s3Requests, each parameter given once, and no copy source on an UploadPart.
func s3Takes(method string, object bool, q url.Values, h http.Header) bool {
	for _, v := range q {
		if len(v) != 1 {
			return false
		}
	}
	if q.Has("uploadId") && h.Get("X-Amz-Copy-Source") != "" {
		return false // UploadPartCopy: the emulator would upload the request's body as the part
	}
	for _, s := range s3Requests {
		if s.served(method, object, q) {
			return true
		}
	}
	return false
}

func notImplemented(w http.ResponseWriter, r *http.Request) {
	gateway.WriteError(w, r, http.StatusNotImplemented, "NotImplemented",
		"the local cloud does not implement "+r.Method+" "+r.URL.RequestURI()+
			" (path-style requests; of the subresources, a bucket's ?policy and ?notification, ?delete, and multipart uploads)")
}

// create forwards a CreateMultipartUpload and records its upload id with the object it is of.
func (s *s3Served) create(w http.ResponseWriter, r *http.Request, next http.Handler, object string) {
	rec := &bodyTee{ResponseWriter: w}
	next.ServeHTTP(rec, r)
	var out struct {
		UploadID string `xml:"UploadId"`
	}
	if rec.status/100 != 2 || xml.Unmarshal(rec.body.Bytes(), &out) != nil || out.UploadID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uploads == nil {
		s.uploads = map[string]string{}
	}
	s.uploads[out.UploadID] = object
}

// acls reports whether bucket was created with ACLs enabled.
func (s *s3Served) acls(bucket string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aclsOn[bucket]
}

// forget drops the uploads gone reports true of (by upload id and "bucket/key").
func (s *s3Served) forget(gone func(upload, object string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.DeleteFunc(s.uploads, gone)
}

// owns reports whether the upload id is one of object's ("bucket/key").
func (s *s3Served) owns(id, object string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploads[id] == object && object != ""
}

// bodyTee passes an answer on and keeps its status and the first 64 KiB of its body (an
// InitiateMultipartUploadResult is far smaller).
type bodyTee struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (t *bodyTee) WriteHeader(code int) {
	if t.status == 0 {
		t.status = code
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *bodyTee) Write(p []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	if room := 64<<10 - t.body.Len(); room > 0 {
		t.body.Write(p[:min(len(p), room)])
	}
	return t.ResponseWriter.Write(p)
}

func (t *bodyTee) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *bodyTee) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// listToken says whether token is one the emulator's listings give: the last key listed, in
// standard base64 (a key: valid UTF-8 of at most 1,024 bytes). The token is opaque to clients
// (S3: "obfuscated and is not a real key"), so anything else is one no listing gave.
func listToken(token string) bool {
	key, err := base64.StdEncoding.DecodeString(token)
	return err == nil && len(key) > 0 && len(key) <= maxKeyLength && utf8.Valid(key)
}
