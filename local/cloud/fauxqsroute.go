package cloud

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// fauxqs serves S3, SQS and SNS on one port and tells them apart by the request alone (its router,
// node_modules/fauxqs/dist/app.js): a POST to / is SQS's JSON protocol (Content-Type
// application/x-amz-json-1.0) or a query-protocol form (SNS's actions, and STS's
// GetCallerIdentity), GET /health and /_fauxqs/... are its own pages, and every other request is
// S3's. The gateway routes by the service the credential scope names, and IAM decides on that
// service's action: a request signed for sqs and shaped as an S3 GetObject was authorized as an
// SQS action and served as GetObject, past the bucket's policy (and a PutObject so made sent no
// event notification). So each service fauxqs serves admits only requests fauxqs serves as that
// service (servedAs), as each of AWS's endpoints serves its own service only.

// fauxqsService is the service fauxqs serves r as: s3, sqs, sns, sts, or "" (its own pages, or a
// POST to / it refuses, or a form it might read otherwise than Go). A form's Action tells STS's
// GetCallerIdentity from SNS.
func fauxqsService(r *http.Request) string {
	path := r.URL.Path
	switch {
	case r.Method == http.MethodPost && path == "/":
		ct := strings.ToLower(r.Header.Get("Content-Type"))
		switch {
		case strings.Contains(ct, "application/x-amz-json-1.0"):
			return "sqs"
		case strings.Contains(ct, "application/x-www-form-urlencoded"):
			// Told as fauxqs tells it, or not at all: fauxqs reads the whole body, takes ';' as
			// a separator and the last of two Actions, where Go's parser refuses ';' and keeps the
			// first. A form they could read apart, or one too long to read here, is none.
			body, err := gateway.PeekBody(r, maxFormBody+1)
			if err != nil || len(body) > maxFormBody || strings.Contains(string(body), ";") {
				return ""
			}
			form, err := url.ParseQuery(string(body))
			if err != nil || len(form["Action"]) > 1 {
				return ""
			}
			if form.Get("Action") == "GetCallerIdentity" {
				return "sts"
			}
			return "sns"
		}
		return ""
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && path == "/health",
		path == "/_fauxqs" || strings.HasPrefix(path, "/_fauxqs/"):
		return ""
	}
	return "s3"
}

// maxFormBody bounds the form read for its Action: SNS's largest request, a 256 KiB message
// percent-encoded, with room for its attributes (PeekBody puts the body back whole).
const maxFormBody = 2 << 20

// servedAs admits a request of the scope's service svc only when fauxqs serves it as svc; any
// other is refused as the service would refuse a request that is none of its operations.
func servedAs(svc string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got := fauxqsService(r)
			if got == svc || svc == "s3" && !gateway.PathStyleHost(r.Host) { // s3Served answers a virtual-hosted request
				next.ServeHTTP(w, r)
				return
			}
			as := "as " + got
			if got == "" {
				as = "as none of s3, sqs and sns (one of its own pages, or a form it would read otherwise than the gateway)"
			}
			why := "local cloud: the request is signed for " + svc + " (its credential scope) but is not a request of " + svc +
				": the emulator would serve it " + as + ". Sign each request for the service it is for"
			if svc == "s3" {
				gateway.WriteError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource. ("+why+")")
				return
			}
			gateway.WriteError(w, r, http.StatusBadRequest, "InvalidAction", why)
		})
	}
}
