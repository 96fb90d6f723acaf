package gateway

import (
	"net/http"
	"strings"
)

// DefaultObjectContentType is the Content-Type S3 gives an object uploaded without one.
const DefaultObjectContentType = "binary/octet-stream"

// S3Compat is the interceptor the gateway installs in front of every "s3" handler: it gives the
// emulator and the interceptors behind it the request S3 itself would see.
//
//   - An object PUT without Content-Type (boto3 and the AWS CLI send none for an empty body) gets
//     binary/octet-stream, S3's default: the emulator would otherwise answer 500 to an empty one.
//
// Bodies are passed on as they come, never buffered: S3 takes up to 5 GB in one PUT. aws-chunked
// bodies (Content-Encoding: aws-chunked, with a trailing checksum) are decoded by the emulator.
func S3Compat(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.Header.Get("Content-Type") == "" && isObjectPath(r.URL.Path) {
			r = r.Clone(r.Context())
			r.Header.Set("Content-Type", DefaultObjectContentType)
		}
		next.ServeHTTP(w, r)
	})
}

// isObjectPath reports whether a path-style S3 path names an object (/bucket/key), not a bucket.
func isObjectPath(p string) bool {
	_, key, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return key != ""
}
