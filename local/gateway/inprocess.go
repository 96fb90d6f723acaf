package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// In-process requests.
//
// The local cloud's own deliveries (S3 event notifications, SNS to SQS, an event source mapping's
// receives and deletes, Step Functions' aws-sdk Tasks) are SDK calls made inside the gateway's
// process. InProcessClient hands them to ServeHTTP without a TCP round trip: each is still signed by
// the SDK and verified, authorized, interpreted and counted exactly as a request from outside, but
// not written to a socket, read back and parsed by the HTTP server (a tenth of the gateway's CPU
// under load, with the client's side of the connection). Responses are buffered whole: these
// calls' answers are small (SQS, SNS, Step Functions' targets).

// InProcessClient returns an HTTP client (an SDK's HTTPClient option) whose requests g serves in
// this process. Requests must name the gateway's own endpoint (the SDK's BaseEndpoint); the URL's
// host is the request's Host, as it would be on the wire.
func (g *Gateway) InProcessClient() *http.Client {
	return &http.Client{Transport: inProcess{g: g},
		// An answer is the SDK's to read, redirects included, as with its own client.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type inProcess struct{ g *Gateway }

// RoundTrip serves req as the HTTP server would present it to the handler. A panicking handler
// becomes the request's error (the server would drop the connection).
func (t inProcess) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	// What the handler may see of the caller's context is its cancellation, as over a socket: not
	// its values (a delivery made while serving a function's request must not pass on who that
	// function was: PrincipalFrom, CallerFrom, SourceFrom).
	if err := req.Context().Err(); err != nil {
		return nil, err // a transport sends nothing for a call already cancelled
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer context.AfterFunc(req.Context(), cancel)()
	in := req.Clone(ctx)
	in.RequestURI = req.URL.RequestURI()
	in.URL.Scheme, in.URL.Host = "", ""
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RemoteAddr = "127.0.0.1:0"
	in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	if req.Body == nil || req.Body == http.NoBody {
		in.Body, in.ContentLength = http.NoBody, 0
	}
	if in.ContentLength > 0 && in.Header.Get("Content-Length") == "" {
		in.Header.Set("Content-Length", strconv.FormatInt(in.ContentLength, 10))
	}
	w := &inProcessWriter{buf: NewResponseBuffer()}
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("gateway: in-process %s %s: handler panicked: %v", req.Method, req.URL.Path, p)
			if e, ok := p.(error); ok && errors.Is(e, http.ErrAbortHandler) {
				err = fmt.Errorf("gateway: in-process %s %s: response aborted", req.Method, req.URL.Path)
			}
		}
	}()
	t.g.ServeHTTP(w, in)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	body := w.buf.Body.Bytes()
	return &http.Response{
		Status:        strconv.Itoa(w.buf.Status()) + " " + http.StatusText(w.buf.Status()),
		StatusCode:    w.buf.Status(),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.buf.Header(),
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// inProcessWriter is a ResponseBuffer that can be flushed (a reverse proxy flushes streamed
// bodies; here everything is kept until the handler returns).
type inProcessWriter struct{ buf *ResponseBuffer }

func (w *inProcessWriter) Header() http.Header         { return w.buf.Header() }
func (w *inProcessWriter) WriteHeader(code int)        { w.buf.WriteHeader(code) }
func (w *inProcessWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }
func (w *inProcessWriter) Flush()                      {}
