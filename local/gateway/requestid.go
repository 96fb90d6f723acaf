package gateway

import (
	"net/http"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/uuid"
)

// Every answer of a service but S3 carries x-amzn-RequestId, as AWS's do: the SDKs read it into
// their errors ("RequestID: ..."), boto3 into ResponseMetadata.RequestId, and the AWS CLI's --debug
// shows it. A service that sets its own keeps it (CloudWatch, fauxqs' SQS and SNS); the others
// (SSM, Step Functions, CloudWatch Logs, the gateway's own refusals) get one here. S3 answers
// x-amz-request-id, its own.

// requestIDWriter sets X-Amzn-RequestId on the answer when its handler set none.
type requestIDWriter struct {
	http.ResponseWriter
	done bool
}

func withRequestID(w http.ResponseWriter) http.ResponseWriter {
	return &requestIDWriter{ResponseWriter: w}
}

func (w *requestIDWriter) ensure() {
	if w.done {
		return
	}
	w.done = true
	if h := w.Header(); h.Get("X-Amzn-Requestid") == "" {
		h.Set("X-Amzn-Requestid", uuid.New())
	}
}

func (w *requestIDWriter) WriteHeader(status int) {
	w.ensure()
	w.ResponseWriter.WriteHeader(status)
}

func (w *requestIDWriter) Write(b []byte) (int, error) {
	w.ensure()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer (a proxied answer's flushes).
func (w *requestIDWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush on (the interceptors behind it test for http.Flusher).
func (w *requestIDWriter) Flush() {
	w.ensure()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
