package gateway

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// StatusRecorder passes a response through and keeps its first final status, for interceptors
// that act on the outcome of the handler they wrap (commit a change after the emulator took it,
// notify after a write succeeded). An informational 1xx (a reverse proxy relays an upstream's
// 100 Continue this way) is passed on but not kept.
type StatusRecorder struct {
	http.ResponseWriter
	status int
}

// NewStatusRecorder wraps w.
func NewStatusRecorder(w http.ResponseWriter) *StatusRecorder {
	return &StatusRecorder{ResponseWriter: w}
}

// Status is the response's status: what was written, or 200 when nothing was (net/http sends 200
// then).
func (r *StatusRecorder) Status() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func (r *StatusRecorder) WriteHeader(code int) {
	if r.status == 0 && (code < 100 || code > 199) {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *StatusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

// Flush sends what is buffered (a streamed S3 body, an event stream) on to the client.
func (r *StatusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController (a reverse proxy's flushes) reach the underlying writer.
func (r *StatusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// PeekBody reads up to limit bytes of r's body for an interceptor to decide by, and puts the body
// back whole (what was read, then the rest) for the handlers after it.
func PeekBody(r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	return body, err
}

// headerMend passes a response through and lets mend correct its header once, as its first final
// status is written (or 200 with its first byte or flush), for interceptors that give the client
// an answer's header as AWS would (S3's object answers, SQS's query error codes). An informational
// 1xx passes untouched: its header is not the answer's.
type headerMend struct {
	http.ResponseWriter
	mend func(h http.Header, status int)
	done bool
}

func (m *headerMend) WriteHeader(code int) {
	if !m.done && (code < 100 || code > 199) {
		m.done = true
		m.mend(m.Header(), code)
	}
	m.ResponseWriter.WriteHeader(code)
}

func (m *headerMend) Write(p []byte) (int, error) {
	if !m.done {
		m.WriteHeader(http.StatusOK)
	}
	return m.ResponseWriter.Write(p)
}

// Flush sends what is buffered (a streamed body) on to the client, its header mended first.
func (m *headerMend) Flush() {
	if !m.done {
		m.WriteHeader(http.StatusOK)
	}
	if f, ok := m.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController (a reverse proxy's flushes) reach the underlying writer.
func (m *headerMend) Unwrap() http.ResponseWriter { return m.ResponseWriter }

// ResponseBuffer keeps a whole response instead of sending it (SQS answers are small), for
// interceptors that look at it first: to translate it, or to ask again.
type ResponseBuffer struct {
	header http.Header
	status int
	Body   bytes.Buffer
}

// NewResponseBuffer returns an empty ResponseBuffer.
func NewResponseBuffer() *ResponseBuffer { return &ResponseBuffer{header: http.Header{}} }

func (b *ResponseBuffer) Header() http.Header { return b.header }

// Status is the response's final status (200 when none was written).
func (b *ResponseBuffer) Status() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

func (b *ResponseBuffer) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		return // interim; the final status follows
	}
	if b.status == 0 {
		b.status = code
	}
}

func (b *ResponseBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.Body.Write(p)
}

// SendTo writes the kept response to w as it is.
func (b *ResponseBuffer) SendTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(b.Body.Len()))
	w.WriteHeader(b.Status())
	_, _ = w.Write(b.Body.Bytes())
}

// MendHeader passes a response through w and has mend correct its header once, as its first final
// status is written (headerMend), for the interceptors of other packages.
func MendHeader(w http.ResponseWriter, mend func(h http.Header, status int)) http.ResponseWriter {
	return &headerMend{ResponseWriter: w, mend: mend}
}
