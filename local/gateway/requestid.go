package gateway

import (
	"net/http"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/uuid"
)

// Every answer of a service but S3 carries x-amzn-RequestId, as AWS's do: the SDKs read it into
// their errors ("RequestID: ..."), boto3 into ResponseMetadata.RequestId, and the AWS CLI's --debug
// shows it. A service that sets its own keeps it (CloudWatch, fauxqs' SQS and SNS); the others
// (SSM, Step Functions, CloudWatch Logs) get one here, and the gateway's own error bodies name the
// same id as the header (RequestID), since the SDKs of the query and XML protocols read the
// body's. S3 answers x-amz-request-id, its own.

// requestIDWriter sets X-Amzn-RequestId on the answer when its handler set none: at the final
// WriteHeader or first Write, or when the handler returns having written neither (an implicit 200).
// An informational answer (1xx) does not count: the headers after it are the final answer's.
type requestIDWriter struct {
	http.ResponseWriter
	done bool
}

func withRequestID(w http.ResponseWriter) *requestIDWriter {
	return &requestIDWriter{ResponseWriter: w}
}

func (w *requestIDWriter) ensure() {
	if w.done {
		return
	}
	w.done = true
	RequestID(w.ResponseWriter)
}

func (w *requestIDWriter) WriteHeader(status int) {
	if status >= 200 {
		w.ensure()
	}
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

// RequestID is the id of the answer w writes: its X-Amzn-RequestId (or S3's X-Amz-Request-Id),
// set to a new one when it has none. An error body that names a RequestId names this one.
func RequestID(w http.ResponseWriter) string {
	h := w.Header()
	if id := h.Get("X-Amzn-Requestid"); id != "" {
		return id
	}
	if id := h.Get("X-Amz-Request-Id"); id != "" {
		return id
	}
	id := uuid.New()
	h.Set("X-Amzn-Requestid", id)
	return id
}

// S3RequestID is the x-amz-request-id of an S3 answer w writes, set to a new one when it has none.
func S3RequestID(w http.ResponseWriter) string {
	id := w.Header().Get("X-Amz-Request-Id")
	if id == "" {
		id = uuid.New()
		w.Header().Set("X-Amz-Request-Id", id)
	}
	return id
}
