package gateway

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"
	"sync/atomic"
)

// S3's integrity checks on a request's data, made here because the S3 emulator behind does not
// make them: Content-MD5 and x-amz-checksum-<algorithm>, as headers over the body's data, or as the
// trailer of an aws-chunked body that X-Amz-Trailer announces. A mismatch is S3's 400 BadDigest.
// With a signed payload the signature covers the body already; an UNSIGNED-PAYLOAD or
// unsigned-trailer upload has only these to protect it.

// crc64NVME is the CRC-64/NVME table (reflected polynomial 0x9a6c9329ac4bc9b5), S3's CRC64NVME.
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// checksumAlgorithms are S3's checksum algorithms by the header that carries each.
var checksumAlgorithms = map[string]struct {
	label string
	new   func() hash.Hash
}{
	"x-amz-checksum-crc32":     {"CRC32", func() hash.Hash { return crc32.NewIEEE() }},
	"x-amz-checksum-crc32c":    {"CRC32C", func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) }},
	"x-amz-checksum-crc64nvme": {"CRC64NVME", func() hash.Hash { return crc64.New(crc64NVME) }},
	"x-amz-checksum-sha1":      {"SHA1", sha1.New},
	"x-amz-checksum-sha256":    {"SHA256", sha256.New},
	"x-amz-checksum-sha512":    {"SHA512", sha512.New},
	"x-amz-checksum-md5":       {"MD5", md5.New},
}

// uncomputed are the checksums S3 takes that the local cloud does not compute (the Go SDK's
// XXHASH algorithms: no XXHASH in Go's standard library): a request that sends one is refused as
// NotImplemented, never stored unchecked.
var uncomputed = []string{"x-amz-checksum-xxhash64", "x-amz-checksum-xxhash3", "x-amz-checksum-xxhash128"}

// digest is one checksum the data must have: want is its base64 value ("" until a trailer gives it).
// A computed one (S3's own of an object sent without one) has no value to match: it is only kept.
type digest struct {
	name     string // the header or trailer that carried it, lower case
	label    string // as S3's message names it: "Content-MD5", "CRC32", ...
	h        hash.Hash
	want     string
	computed bool
	// sum is the data's checksum, base64, once the whole body has passed every check.
	sum atomic.Pointer[string]
}

// digests are a request's checksums; nil when it has none.
type digests []*digest

// requestDigests reads r's checksums: Content-MD5 and x-amz-checksum-* headers, and the checksum an
// X-Amz-Trailer announces (its value comes at the body's end: fromTrailer). A request may carry one
// x-amz-checksum-*, as a header or a trailer, as S3 has it; x-amz-sdk-checksum-algorithm names the
// one it carries ("When you send this header, there must be a corresponding x-amz-checksum-algorithm
// or x-amz-trailer header sent. Otherwise, Amazon S3 fails the request", the API Reference's
// PutObject). A CompleteMultipartUpload's x-amz-checksum-* is the whole object's, not its body's:
// only Content-MD5 is of its body there.
func requestDigests(r *http.Request) (digests, *authError) {
	ds, aerr := md5Digest(r)
	if aerr != nil || isCompletion(r) {
		return ds, aerr
	}
	trailers := trailerNames(r.Header)
	for _, name := range uncomputed {
		if r.Header.Get(name) != "" || strings.Contains(trailers, name) {
			return nil, &authError{kind: failNotImplemented, msg: name + ": the local cloud does not compute XXHASH checksums; use CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512 or MD5"}
		}
	}
	first := len(ds)
	for name, alg := range checksumAlgorithms {
		if v := r.Header.Get(name); v != "" {
			h := alg.new()
			if !isDigest(v, h.Size()) {
				return nil, &authError{kind: failInvalidChecksum, msg: fmt.Sprintf("Value for %s header is invalid.", name)}
			}
			ds = append(ds, &digest{name: name, label: alg.label, h: h, want: v})
		}
	}
	for _, t := range strings.Split(trailers, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		alg, ok := checksumAlgorithms[t]
		if !ok {
			return nil, &authError{kind: failBadTrailer, msg: fmt.Sprintf("x-amz-trailer %q: not a checksum S3 knows (x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1, -sha256, -sha512, -md5)", t)}
		}
		ds = append(ds, &digest{name: t, label: alg.label, h: alg.new()})
	}
	if len(ds)-first > 1 {
		return nil, &authError{kind: failInvalidChecksum, msg: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."}
	}
	if alg := r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); alg != "" {
		want := "x-amz-checksum-" + strings.ToLower(alg)
		switch {
		case len(ds) == first:
			return nil, &authError{kind: failInvalidChecksum, msg: fmt.Sprintf("x-amz-sdk-checksum-algorithm %s: the request sends no %s header and no x-amz-trailer with it", alg, want)}
		case ds[first].name != want:
			// "If the individual checksum value you provide through x-amz-checksum-algorithm
			// doesn't match the checksum algorithm you set through x-amz-sdk-checksum-algorithm,
			// Amazon S3 fails the request with a BadDigest error" (PutObject).
			return nil, &authError{kind: failBadDigest, msg: fmt.Sprintf("x-amz-sdk-checksum-algorithm %s, and the request sends %s", alg, ds[first].name)}
		}
	}
	return ds, nil
}

// trailerNames are the trailers a request announces (every X-Amz-Trailer line), lower case,
// comma-separated.
func trailerNames(h http.Header) string {
	return strings.ToLower(strings.Join(h.Values("X-Amz-Trailer"), ","))
}

// md5Digest reads r's Content-MD5, if it has one.
func md5Digest(r *http.Request) (digests, *authError) {
	v := r.Header.Get("Content-Md5")
	if v == "" {
		return nil, nil
	}
	if !isDigest(v, md5.Size) {
		return nil, &authError{kind: failInvalidDigest, msg: "The Content-MD5 you specified was invalid.", fields: [][2]string{{"Content-MD5", v}}}
	}
	return digests{{name: "content-md5", label: "Content-MD5", h: md5.New(), want: v}}, nil
}

// isDigest says whether v is the standard base64 of size bytes, as a checksum header must be: a
// malformed one is refused before the body is read.
func isDigest(v string, size int) bool {
	b, err := base64.StdEncoding.DecodeString(v)
	return err == nil && len(b) == size
}

func (ds digests) Write(p []byte) (int, error) {
	for _, d := range ds {
		d.h.Write(p)
	}
	return len(p), nil
}

// fromTrailer sets the value of the announced checksum name (a trailer not announced is not one).
func (ds digests) fromTrailer(name, value string) {
	for _, d := range ds {
		if d.name == name && d.want == "" {
			d.want = value
			return
		}
	}
}

// check compares each checksum with the data's, once all of it has been written; when all match,
// each digest's sum is set.
func (ds digests) check() *authError {
	sums := make([]string, len(ds))
	for i, d := range ds {
		sums[i] = base64.StdEncoding.EncodeToString(d.h.Sum(nil))
		if d.computed {
			continue
		}
		if d.want == "" {
			return &authError{kind: failBadTrailer, msg: fmt.Sprintf("the body announced a %s trailer (x-amz-trailer) and did not send it", d.name)}
		}
		got := sums[i]
		if got == d.want {
			continue
		}
		if d.label == "Content-MD5" {
			return &authError{kind: failBadDigest, msg: "The Content-MD5 you specified did not match what we received.",
				fields: [][2]string{{"ExpectedDigest", d.want}, {"CalculatedDigest", got}}}
		}
		return &authError{kind: failBadDigest, msg: fmt.Sprintf("The %s you specified did not match the calculated checksum.", d.label)}
	}
	for i, d := range ds {
		d.sum.Store(&sums[i])
	}
	return nil
}

// S3 keeps a checksum with each object (the user guide's "Checking object integrity"): the one its
// PutObject gave (a header or a trailer), else CRC64NVME, which S3 computes for an object uploaded
// without one (since 2024-12). The
// gateway computes it as it checks the body; the S3 interceptors (local/cloud) keep it and answer
// it to a GetObject or HeadObject that asks (x-amz-checksum-mode: ENABLED). The emulator keeps
// none.

// keptKey holds a PutObject's kept digest in its request's context.
type keptKey struct{}

// keep adds to r's context the digest of ds whose checksum S3 keeps of the object r (a PutObject)
// writes, adding a computed one to ds when r gives none; it returns both.
func (ds digests) keep(r *http.Request) (*http.Request, digests) {
	var kept *digest
	for _, d := range ds {
		if d.label != "Content-MD5" {
			kept = d
			break
		}
	}
	if kept == nil {
		const name = "x-amz-checksum-crc64nvme"
		kept = &digest{name: name, label: checksumAlgorithms[name].label, h: checksumAlgorithms[name].new(), computed: true}
		ds = append(ds, kept)
	}
	return r.WithContext(context.WithValue(r.Context(), keptKey{}, kept)), ds
}

// KeptChecksum is the checksum S3 keeps of the object r, a PutObject, writes: its algorithm as S3
// names it ("CRC32", "CRC64NVME", ...) and its base64 value. ok is false until the body has been
// read whole and has passed its checks, and for any other request.
func KeptChecksum(r *http.Request) (algorithm, value string, ok bool) {
	d, _ := r.Context().Value(keptKey{}).(*digest)
	if d == nil {
		return "", "", false
	}
	sum := d.sum.Load()
	if sum == nil {
		return "", "", false
	}
	return d.label, *sum, true
}

// isCompletion reports whether r is a CompleteMultipartUpload (POST /bucket/key?uploadId=...).
func isCompletion(r *http.Request) bool {
	return r.Method == http.MethodPost && isObjectPath(r.URL.Path) && r.URL.Query().Has("uploadId")
}

// isObjectPut reports whether r is a PutObject: an object PUT that copies nothing and is no part of
// a multipart upload (whose object's checksum is the parts', composite).
func isObjectPut(r *http.Request) bool {
	if r.Method != http.MethodPut || !isObjectPath(r.URL.Path) || r.Header.Get("X-Amz-Copy-Source") != "" {
		return false
	}
	q := r.URL.Query()
	return !q.Has("uploadId") && !q.Has("partNumber")
}
