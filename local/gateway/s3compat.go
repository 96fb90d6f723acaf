package gateway

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// DefaultObjectContentType is the Content-Type S3 gives an object uploaded without one.
const DefaultObjectContentType = "binary/octet-stream"

// S3Compat is the interceptor the gateway installs in front of every "s3" handler: it gives the
// emulator and the interceptors behind it the request S3 itself would see, and the client an
// object's answer as S3 gives it.
//
//   - An object PUT without Content-Type (boto3 and the AWS CLI send none for an empty body) gets
//     binary/octet-stream, S3's default: the emulator would otherwise answer 500 to an empty one.
//
//   - A multi-object delete (POST /bucket?delete) is written again from its parsed keys
//     (deleteObjectsBody), so that the emulator deletes the keys IAM decided on: it takes every
//     <Key> wherever it stands (a comment too) and decodes only the five named entities.
//
//   - An object's GET or HEAD answer names its user metadata in lowercase (x-amz-meta-mykey), as S3
//     stores and returns it: the proxy's header map is canonical (X-Amz-Meta-Mykey), and boto3 and
//     the AWS CLI take the name after the prefix as they receive it ({"Mykey": ...} where S3 gives
//     {"mykey": ...}). It carries Accept-Ranges: bytes, as S3's does, and the headers its
//     response-* query parameters set (response-content-type, response-content-disposition, ...:
//     GetObject's and HeadObject's overrides, which the emulator ignores; a presigned download link
//     names its file so).
//
//   - An object write's and read's answer says the object is encrypted with S3's keys
//     (x-amz-server-side-encryption: AES256), as every S3 object is by default.
//
// Object bodies are passed on as they come, not buffered here (S3 takes up to 5 GB in one PUT; the
// proxy's transport holds one of up to 1 MiB, wholeBody). aws-chunked
// bodies (Content-Encoding: aws-chunked, with a trailing checksum) are decoded by the emulator.
func S3Compat(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.Header.Get("Content-Type") == "" && isObjectPath(r.URL.Path) {
			r = r.Clone(r.Context())
			r.Header.Set("Content-Type", DefaultObjectContentType)
		}
		if r.Method == http.MethodPost && r.URL.Query().Has("delete") && !isObjectPath(r.URL.Path) {
			if !hasIntegrityChecksum(r.Header) {
				WriteError(w, r, http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
				return
			}
			var ok bool
			if r, ok = rewriteBody(w, r, "DeleteObjects", maxDeleteBody, deleteObjectsBody); !ok {
				return
			}
		}
		if isCompletion(r) {
			var ok bool
			if r, ok = rewriteBody(w, r, "CompleteMultipartUpload", maxCompleteBody, completeBody); !ok {
				return
			}
		}
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && isObjectPath(r.URL.Path) {
			w = &headerMend{ResponseWriter: w, mend: objectAnswer(r.URL.Query())}
			if spec := r.Header.Get("Range"); r.Method == http.MethodHead && spec != "" {
				w = &rangedHead{ResponseWriter: w, spec: spec}
			}
		}
		if (r.Method == http.MethodPut || r.Method == http.MethodPost) && isObjectPath(r.URL.Path) {
			w = &headerMend{ResponseWriter: w, mend: encrypted}
		}
		next.ServeHTTP(w, r)
	})
}

// objectAnswer mends an object's GET or HEAD answer's header (the metadata names, Accept-Ranges and
// the overrides query names) as its final status is written.
func objectAnswer(query url.Values) func(h http.Header, code int) {
	return func(h http.Header, code int) {
		for k, v := range h {
			if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-meta-") && k != lk {
				delete(h, k)
				h[lk] = v // not canonicalized: net/http writes a key as the map holds it
			}
		}
		if code == http.StatusOK || code == http.StatusPartialContent {
			h.Set("Accept-Ranges", "bytes")
			encrypted(h, code)
			for p, name := range responseOverrides {
				if v := query.Get(p); v != "" {
					h.Set(name, v)
				}
			}
		}
	}
}

// encrypted says an object write's or read's 2xx answer (PutObject, CopyObject, UploadPart, the
// multipart upload's create and complete, GetObject, HeadObject) is of an object encrypted with
// S3's own keys, as S3 encrypts every object by default (x-amz-server-side-encryption: AES256); the
// emulator said nothing, and a client that checks the header found the object unencrypted.
func encrypted(h http.Header, code int) {
	if code/100 == 2 {
		h.Set("X-Amz-Server-Side-Encryption", "AES256")
	}
}

// rangedHead answers a HEAD with a Range header as S3 answers it, and as the emulator answers the
// same GET: 206 with the range's Content-Length and Content-Range (HeadObject's Range: "HeadObject
// returns only the metadata for an object. If the Range is satisfiable, only the ContentLength is
// affected in the response"), 416 for a range that starts past the object's end, and the whole
// object's answer for a Range S3 ignores (not bytes, several ranges, first after last). The
// emulator ignored the Range of a HEAD.
type rangedHead struct {
	http.ResponseWriter
	spec string
	done bool
}

func (h *rangedHead) WriteHeader(code int) {
	if h.done {
		return
	}
	h.done = true
	size, err := strconv.ParseInt(h.Header().Get("Content-Length"), 10, 64)
	if code == http.StatusOK && err == nil {
		switch first, last, status := byteRange(h.spec, size); status {
		case http.StatusPartialContent:
			code = status
			h.Header().Set("Content-Length", strconv.FormatInt(last-first+1, 10))
			h.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, size))
		case http.StatusRequestedRangeNotSatisfiable:
			code = status
			h.Header().Set("Content-Length", "0")
			h.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		}
	}
	h.ResponseWriter.WriteHeader(code)
}

func (h *rangedHead) Write(p []byte) (int, error) {
	if !h.done {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(p)
}

// byteRange reads one HTTP byte range of an object of size bytes ("bytes=2-4", "bytes=7-",
// "bytes=-3"): its first and last byte and 206, or 416 when it starts at or past the end (or asks
// for the last 0 bytes), or 200 when S3 ignores it (another unit, several ranges, not numbers,
// first after last).
func byteRange(spec string, size int64) (first, last int64, status int) {
	r, ok := strings.CutPrefix(spec, "bytes=")
	a, b, dash := strings.Cut(r, "-")
	if !ok || !dash || strings.Contains(r, ",") || a == "" && b == "" {
		return 0, 0, http.StatusOK
	}
	num := func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= 0 && strings.Trim(s, "0123456789") == ""
	}
	if a == "" { // the last b bytes
		n, ok := num(b)
		switch {
		case !ok:
			return 0, 0, http.StatusOK
		case n == 0 || size == 0:
			return 0, 0, http.StatusRequestedRangeNotSatisfiable
		}
		return max(size-n, 0), size - 1, http.StatusPartialContent
	}
	first, ok = num(a)
	if !ok {
		return 0, 0, http.StatusOK
	}
	last = size - 1
	if b != "" {
		if last, ok = num(b); !ok || last < first {
			return 0, 0, http.StatusOK
		}
	}
	if first >= size {
		return 0, 0, http.StatusRequestedRangeNotSatisfiable
	}
	return first, min(last, size-1), http.StatusPartialContent
}

// responseOverrides are the query parameters of GetObject and HeadObject that set a header of
// their answer (the API Reference's ResponseContentType, ...).
var responseOverrides = map[string]string{
	"response-content-type": "Content-Type", "response-content-language": "Content-Language",
	"response-expires": "Expires", "response-cache-control": "Cache-Control",
	"response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding",
}

// isObjectPath reports whether a path-style S3 path names an object (/bucket/key), not a bucket.
func isObjectPath(p string) bool {
	_, key, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return key != ""
}

// hasIntegrityChecksum says whether a request carries a checksum of its body, as S3 requires of a
// DeleteObjects (the API Reference: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is
// required for all Multi-Object Delete requests"): Content-MD5, an x-amz-checksum-<algorithm>
// header, or one an aws-chunked body's trailer brings (X-Amz-Trailer). The emulator deleted
// without one, so a hand-made request that S3 refuses worked here. Every SDK and CLI sends one.
// Only the headers of S3's checksum algorithms (checksumAlgorithms) carry a value:
// x-amz-checksum-algorithm, -type and -mode name one without giving it.
func hasIntegrityChecksum(h http.Header) bool {
	if h.Get("Content-MD5") != "" {
		return true
	}
	for name := range checksumAlgorithms {
		if h.Get(name) != "" {
			return true
		}
	}
	for _, t := range strings.Split(trailerNames(h), ",") {
		if _, ok := checksumAlgorithms[strings.TrimSpace(t)]; ok {
			return true
		}
	}
	return false
}

// maxDeleteKeys is the most keys one DeleteObjects may name (the API Reference: "up to 1,000
// keys"); S3 refuses more as MalformedXML, where the emulator deleted them all.
const maxDeleteKeys = 1000

// maxDeleteBody bounds a DeleteObjects body: 1,000 keys of up to 1,024 bytes, escaped, fit.
const maxDeleteBody = 8 << 20

// deleteObjectsBody writes a DeleteObjects body again from what encoding/xml reads of it (the
// reading IAM decides on): each key escaped with the named entities alone, which is what the
// emulator decodes (one after the other: "&amp;lt;" reads "<"). A key that would not come back
// the same (one holding "&lt;" as text, say) is refused rather than another key deleted.
func deleteObjectsBody(b []byte) ([]byte, error) {
	var del struct {
		Quiet   bool `xml:"Quiet"`
		Objects []struct {
			Key       string `xml:"Key"`
			VersionID string `xml:"VersionId"`
		} `xml:"Object"`
	}
	if err := xml.Unmarshal(b, &del); err != nil {
		return nil, err
	}
	if len(del.Objects) > maxDeleteKeys {
		return nil, fmt.Errorf("%d objects named, at most %d may be", len(del.Objects), maxDeleteKeys)
	}
	var out bytes.Buffer
	out.WriteString(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	if del.Quiet {
		out.WriteString("<Quiet>true</Quiet>")
	}
	for _, o := range del.Objects {
		k, read := emulatorText(o.Key)
		if read != o.Key {
			return nil, fmt.Errorf("key %q: the local S3 would read it as %q, another key", o.Key, read)
		}
		out.WriteString("<Object><Key>" + k + "</Key>")
		if o.VersionID != "" {
			out.WriteString("<VersionId>" + emulatorEscape(o.VersionID) + "</VersionId>")
		}
		out.WriteString("</Object>")
	}
	out.WriteString("</Delete>")
	return out.Bytes(), nil
}

// rewriteBody reads r's XML body (at most limit bytes) and passes r on with the body rewrite makes
// of it (withBody); a body over the limit, or one rewrite refuses, is answered MalformedXML and ok
// is false.
func rewriteBody(w http.ResponseWriter, r *http.Request, op string, limit int, rewrite func([]byte) ([]byte, error)) (_ *http.Request, ok bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err == nil && len(body) > limit {
		err = fmt.Errorf("a %s body over %d bytes", op, limit)
	}
	if err == nil {
		body, err = rewrite(body)
	}
	if err != nil {
		WriteError(w, r, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: "+err.Error())
		return r, false
	}
	return withBody(r, body), true
}

// withBody is r with the body written again by an interceptor: its length set, and the checksums
// of the body as sent (checked with its signature) dropped.
func withBody(r *http.Request, body []byte) *http.Request {
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	for k := range r.Header {
		if lk := strings.ToLower(k); lk == "content-md5" || strings.HasPrefix(lk, "x-amz-checksum-") || lk == "x-amz-sdk-checksum-algorithm" {
			r.Header.Del(k)
		}
	}
	return r
}

// maxCompleteBody bounds a CompleteMultipartUpload body: 10,000 parts, each with its ETag and
// checksums, fit.
const maxCompleteBody = 8 << 20

// completeBody writes a CompleteMultipartUpload body again from what encoding/xml reads of it:
// each part's number and ETag, in the one shape the emulator (fauxqs 1.9.2) reads. It reads the
// parts with a pattern of <Part><PartNumber/><ETag/></Part> (or the ETag first) and nothing else
// in them, decoding the five named entities only: the Go SDK's body (the ETag's quotes as &#34;,
// a part's ChecksumCRC32 beside them, which the SDKs send by default) failed with InvalidPart, or
// matched no part at all. S3 checks each part's checksum against the part's; the local cloud keeps
// none of a part's (a composite object checksum is not kept: see local/cloud/s3checksums.go).
func completeBody(b []byte) ([]byte, error) {
	var c struct {
		XMLName xml.Name
		Parts   []struct {
			PartNumber int    `xml:"PartNumber"`
			ETag       string `xml:"ETag"`
		} `xml:"Part"`
	}
	if err := xml.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	if c.XMLName.Local != "CompleteMultipartUpload" {
		return nil, fmt.Errorf("the root element is <%s>, not <CompleteMultipartUpload>", c.XMLName.Local)
	}
	if len(c.Parts) == 0 {
		return nil, errors.New("no <Part>: a CompleteMultipartUpload names each part uploaded")
	}
	var out bytes.Buffer
	out.WriteString(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	for _, p := range c.Parts {
		if p.PartNumber < 1 || p.PartNumber > 10000 {
			return nil, fmt.Errorf("part number %d: must be from 1 to 10000", p.PartNumber)
		}
		e, read := emulatorText(p.ETag)
		if read != p.ETag {
			return nil, fmt.Errorf("part %d's ETag %q: the local S3 would read it as %q", p.PartNumber, p.ETag, read)
		}
		fmt.Fprintf(&out, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", p.PartNumber, e)
	}
	out.WriteString("</CompleteMultipartUpload>")
	return out.Bytes(), nil
}

// emulatorText escapes s for the emulator (emulatorEscape) and says what the emulator reads of
// that: s again, or another text when s holds one of the named entities as text ("&lt;").
func emulatorText(s string) (escaped, readAs string) {
	escaped = emulatorEscape(s)
	return escaped, emulatorUnescape(escaped)
}

// emulatorEscape writes text for the emulator's reading: &, < and > as entities, the rest as is.
func emulatorEscape(s string) string { return emulatorEscaper.Replace(s) }

var emulatorEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// emulatorUnescape reads a <Key> as the emulator (fauxqs 1.9.2) does: the five named entities,
// each replaced in turn over the whole text.
func emulatorUnescape(s string) string {
	for _, e := range [][2]string{{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", `"`}, {"&apos;", "'"}} {
		s = strings.ReplaceAll(s, e[0], e[1])
	}
	return s
}
