package gateway

import (
	"context"
	"net/http"
)

// S3 tells a caller that an object does not exist (404 NoSuchKey) only when the caller may list the
// bucket (s3:ListBucket); anyone else gets 403 AccessDenied for a missing key, so that object names
// cannot be probed by reading them. The emulator behind the gateway knows nothing of IAM and always
// answers 404: Options.Authorize, which does, marks the requests whose 404 must become a 403
// (ConcealMissing), and the gateway rewrites their answer.

type concealKey struct{}

// concealFlag is set by ConcealMissing during Options.Authorize.
type concealFlag struct {
	on  bool
	why string
}

// withConcealFlag gives an S3 request the flag Options.Authorize may set.
func withConcealFlag(r *http.Request) (*http.Request, *concealFlag) {
	f := &concealFlag{}
	return r.WithContext(context.WithValue(r.Context(), concealKey{}, f)), f
}

// ConcealMissing, called from Options.Authorize on an S3 request, makes the gateway answer the
// request's 404 (no such key) as 403 AccessDenied, as S3 answers a caller without s3:ListBucket on
// the bucket, with why as the message (S3's own is "Access Denied"). It does nothing on other
// requests.
func ConcealMissing(r *http.Request, why string) {
	if f, ok := r.Context().Value(concealKey{}).(*concealFlag); ok {
		f.on, f.why = true, why
	}
}

// concealWriter turns a 404 into S3's 403 AccessDenied and drops the 404's body; every other
// answer passes through.
type concealWriter struct {
	http.ResponseWriter
	r         *http.Request
	why       string
	swallowed bool
}

func (c *concealWriter) WriteHeader(status int) {
	if status != http.StatusNotFound || c.swallowed {
		c.ResponseWriter.WriteHeader(status)
		return
	}
	c.swallowed = true
	h := c.Header()
	for k := range h {
		delete(h, k) // the 404's Content-Length and Content-Type describe a body that is not sent
	}
	writeServiceError(c.ResponseWriter, c.r, "s3", http.StatusForbidden, "AccessDenied", c.why, nil)
}

func (c *concealWriter) Write(b []byte) (int, error) {
	if c.swallowed {
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (the reverse proxy's flushes) reach the connection's writer.
func (c *concealWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
