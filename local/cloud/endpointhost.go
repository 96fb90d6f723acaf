package cloud

import (
	"net/http"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// endpointHostOnly refuses an SQS or SNS request whose Host is not an IP address or localhost.
// The gateway passes the client's Host on to fauxqs (SQS builds queue URLs from it), and fauxqs
// rewrites a request whose Host has a dot and whose Content-Type is neither a form nor JSON 1.0
// into an S3 request on the bucket the Host's first label names: an operation IAM never decided
// on. The project's clients, and any client given the endpoint's URL, send its IP address.
// (S3 has the same rule, in s3Served.)
func endpointHostOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !gateway.PathStyleHost(r.Host) {
			gateway.WriteError(w, r, http.StatusNotImplemented, "NotImplemented",
				"the local cloud serves SQS and SNS at its endpoint's address only (an IP address or localhost), not at Host "+r.Host)
			return
		}
		next.ServeHTTP(w, r)
	})
}
