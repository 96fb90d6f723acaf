package cloud

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An SQS or SNS request with a Host fauxqs would read a bucket from is refused; the endpoint's own
// address, by IP or as localhost, passes.
func TestEndpointHostOnly(t *testing.T) {
	for _, tc := range []struct {
		host string
		want int
	}{
		{"127.0.0.1:4566", 200}, {"localhost:4566", 200}, {"[::1]:4566", 200},
		{"victim.s3.local", 501}, {"victim.localhost:4566", 501}, {"sqs.us-east-1.amazonaws.com", 501},
	} {
		passed := false
		h := endpointHostOnly(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { passed = true }))
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		r.Host = tc.host
		r.Header.Set("Content-Type", "text/plain")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != tc.want || passed != (tc.want == 200) {
			t.Errorf("Host %s: %d (passed on: %v), want %d", tc.host, rec.Code, passed, tc.want)
		}
	}
}
