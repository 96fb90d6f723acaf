package cloud

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// S3 keeps a checksum with each object and answers it to a GetObject or HeadObject that asks
// (x-amz-checksum-mode: ENABLED), and to the PutObject that wrote it: the SDKs ask on every
// GetObject and check the body against it (the Go SDK since 2025, botocore since 1.36). The
// emulator keeps none, so the SDKs checked nothing. The gateway computes a PutObject's as it
// checks the body (gateway.KeptChecksum: the one the request gave, else S3's own CRC64NVME); it is
// kept here with the object's ETag, and answered only while the object's ETag is still that one:
// an object written another way since (a multipart upload, whose checksum is the parts'
// composite, or a DeleteObjects and a write) gets none, never another object's. A copy keeps its
// source's, as S3 does, and names it in its answer's CopyObjectResult, unless it asks for another
// algorithm (x-amz-checksum-algorithm), which is not computed here: that copy gets none.

// objectSum is one object's checksum: its algorithm as S3 names it, its base64 value, and the
// ETag of the object it is of.
type objectSum struct {
	algorithm, value, etag string
}

// objectSums are the checksums of the objects written by PutObject and CopyObject, by
// "bucket/key".
type objectSums struct {
	mu   sync.Mutex
	sums map[string]objectSum
}

func (o *objectSums) set(object string, s objectSum) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.sums == nil {
		o.sums = map[string]objectSum{}
	}
	o.sums[object] = s
}

func (o *objectSums) get(object string) (objectSum, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.sums[object]
	return s, ok
}

// answer is object's checksum if it is of the object whose ETag is etag. One of another ETag is
// of another object at that key: one written over since (a multipart upload, or a DeleteObjects
// and a write), or one written while this read was answered (the kept one is then the newer's):
// not answered, and not forgotten either.
func (o *objectSums) answer(object, etag string) (objectSum, bool) {
	s, ok := o.get(object)
	if !ok || s.etag == "" || s.etag != etag {
		return objectSum{}, false
	}
	return s, true
}

// forget forgets object's checksum.
func (o *objectSums) forget(object string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.sums, object)
}

// forgetBucket forgets the checksums of a bucket's objects.
func (o *objectSums) forgetBucket(bucket string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k := range o.sums {
		if strings.HasPrefix(k, bucket+"/") {
			delete(o.sums, k)
		}
	}
}

// sumHeaders sets an answer's checksum headers: x-amz-checksum-<algorithm> and its type (a
// single PUT's checksum is of the full object).
func sumHeaders(h http.Header, s objectSum) {
	h.Set("X-Amz-Checksum-"+strings.ToLower(s.algorithm), s.value)
	h.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
}

// checksums wraps w for the request r (bucket, key; q its subresources) so that the
// object's checksum is kept from a PutObject's or CopyObject's answer, answered to a GetObject or
// HeadObject that asks for it, and forgotten with a DeleteObject. Other requests get w as it is.
// finish is called once the request has been served: a CopyObject's answer is held until then, to
// name the copy's checksum in its CopyObjectResult, as S3's does.
func (o *objectSums) checksums(w http.ResponseWriter, r *http.Request, bucket, key string, q url.Values) (_ http.ResponseWriter, finish func()) {
	object := bucket + "/" + key
	none := func() {}
	switch {
	case key == "":
		return w, none
	case r.Method == http.MethodPut && len(q) > 0, r.Method == http.MethodDelete && q.Has("uploadId"):
		return w, none // an UploadPart, an AbortMultipartUpload: not the object's
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") == "":
		return gateway.MendHeader(w, func(h http.Header, code int) {
			alg, value, ok := gateway.KeptChecksum(r)
			if code/100 != 2 || !ok {
				return
			}
			s := objectSum{algorithm: alg, value: value, etag: h.Get("ETag")}
			o.set(object, s)
			sumHeaders(h, s)
		}), none
	case r.Method == http.MethodPut:
		held := gateway.NewResponseBuffer()
		return held, func() {
			if held.Status()/100 == 2 {
				src, have := o.get(copySource(r.Header.Get("X-Amz-Copy-Source")))
				if want := r.Header.Get("X-Amz-Checksum-Algorithm"); !have || want != "" && !strings.EqualFold(want, src.algorithm) {
					o.forget(object)
				} else {
					o.set(object, src) // the same data: the same ETag (an MD5 of it) and checksum
					copyResultSum(&held.Body, src)
				}
			}
			held.SendTo(w)
		}
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED"):
		// A range's answer is not the full object's data: S3 gives no checksum with it. The
		// emulator answers a ranged GET 206, but a ranged HEAD 200: the gateway makes it 206
		// after this answer (S3Compat), so a HEAD with a Range gets none here.
		if r.Method == http.MethodHead && r.Header.Get("Range") != "" {
			return w, none
		}
		return gateway.MendHeader(w, func(h http.Header, code int) {
			if code != http.StatusOK {
				return
			}
			if s, ok := o.answer(object, h.Get("ETag")); ok {
				sumHeaders(h, s)
			}
		}), none
	case r.Method == http.MethodDelete:
		return gateway.MendHeader(w, func(h http.Header, code int) {
			if code/100 == 2 {
				o.forget(object)
			}
		}), none
	}
	return w, none
}

// copyResultSum names s in a CopyObjectResult (<ChecksumCRC32>, <ChecksumType>), as S3's copy
// answer does; a body that is none is left as it is.
func copyResultSum(body *bytes.Buffer, s objectSum) {
	b := body.Bytes()
	end := bytes.LastIndex(b, []byte("</CopyObjectResult>"))
	if end < 0 {
		return
	}
	out := append(slices.Clip(b[:end]), "<Checksum"+s.algorithm+">"+s.value+"</Checksum"+s.algorithm+"><ChecksumType>FULL_OBJECT</ChecksumType>"...)
	out = append(out, b[end:]...)
	body.Reset()
	body.Write(out)
}

// copySource is "bucket/key" of a CopyObject's x-amz-copy-source (URL-encoded, with or without a
// leading slash, maybe with ?versionId=).
func copySource(v string) string {
	v, _, _ = strings.Cut(v, "?")
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	return strings.TrimPrefix(v, "/")
}
