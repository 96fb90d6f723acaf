// Package gateway is the local cloud's one endpoint: a single http.Handler on 127.0.0.1 that routes
// every AWS request to the service that answers it, by the service name in the request's SigV4
// credential scope, exactly as AWS_ENDPOINT_URL makes every SDK client send it there.
//
// With Options.Keys it is also the door AWS is: it verifies every request's Signature Version 4
// (sigv4.go) against the keys it knows, refuses a request with another key or a bad signature with
// the service's own error (InvalidAccessKeyId, InvalidClientTokenId, UnrecognizedClientException,
// SignatureDoesNotMatch, ...), and passes on the principal the key stands for (PrincipalFrom) to
// Options.Authorize and to the services.
//
// Clients of different ages speak different dialects of one API. The gateway meets them at the
// door, in front of every interceptor and handler of the service, so that those see one:
// S3Compat (S3 defaults the emulator lacks) and SQSQuery (the SQS query protocol of older clients,
// translated to and from the JSON protocol).
package gateway

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Gateway.
type Options struct {
	// Port to listen on, on 127.0.0.1. Default: 0 (the kernel picks a free port).
	Port int
	// Logger for routing errors. Default: slog.Default().
	Logger *slog.Logger
	// Keys are the access keys whose signatures the gateway accepts. Nil: signatures are not
	// verified (a bare gateway in front of one service, for its tests); the local cloud always
	// sets them.
	Keys Keys
	// Region, when set, is the only region a credential scope may name.
	Region string
	// Authorize, when set, decides each verified request: nil allows it, an error refuses it (an
	// *Error is answered as it says, any other error as the service's AccessDenied); on an allowed S3
	// read it may call ConcealMissing. principal is
	// PrincipalFrom(r.Context()); a service principal's delivery names its source in
	// SourceFrom(r.Context()) (source.go). It runs before the dialect adapters, interceptors and
	// handler.
	Authorize func(r *http.Request, principal string) error
	// Now is the clock signatures are checked against. Default: time.Now.
	Now func() time.Time
}

// Gateway is an http.Handler that routes by SigV4 signing name. Register services with Handle
// (in-process) or Proxy (an emulator), and interceptors with Use, in any order, before or while
// serving.
type Gateway struct {
	opts Options
	log  *slog.Logger

	mu     sync.RWMutex
	routes map[string]*route

	srvMu    sync.Mutex
	srv      *http.Server
	listener net.Listener
	done     chan struct{}
}

type route struct {
	name  string
	base  http.Handler
	mws   []func(http.Handler) http.Handler
	chain http.Handler // base wrapped by mws; nil when base is nil
}

func (r *route) rebuild() {
	if r.base == nil {
		r.chain = nil
		return
	}
	h := r.base
	// The first Use is the outermost interceptor.
	for i := len(r.mws) - 1; i >= 0; i-- {
		h = r.mws[i](h)
	}
	// The client dialect adapters are outermost: every interceptor sees the request the emulator
	// will see.
	if a := adapters[r.name]; a != nil {
		h = a(h)
	}
	r.chain = h
}

// adapters normalize what clients of different ages send, in front of a service's interceptors
// and handler, so that neither has to know every dialect.
var adapters = map[string]func(http.Handler) http.Handler{
	"s3":  S3Compat,
	"sqs": SQSQuery,
}

// New returns a Gateway with no services registered.
func New(opts Options) *Gateway {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Gateway{opts: opts, log: log, routes: map[string]*route{}}
}

func (g *Gateway) routeFor(name string) *route {
	r, ok := g.routes[name]
	if !ok {
		r = &route{name: name}
		g.routes[name] = r
	}
	return r
}

// Handle serves signingName ("ssm", "monitoring", "states", "lambda", ...) with h in process.
func (g *Gateway) Handle(signingName string, h http.Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.routeFor(signingName)
	r.base = h
	r.rebuild()
}

// Proxy forwards signingName to an emulator at target. dial, when not nil, replaces the TCP dial
// (e.g. a Unix socket into DynamoDB Local's network namespace). The client's Host header is kept,
// so URLs the emulator builds from it (SQS queue URLs) point back at the gateway.
func (g *Gateway) Proxy(signingName string, target *url.URL, dial func(ctx context.Context, network, addr string) (net.Conn, error)) {
	g.Handle(signingName, NewProxy(target, dial))
}

// Upstream is an emulator as ProxyTo reaches it.
type Upstream struct {
	URL *url.URL
	// Dial, when not nil, replaces the TCP dial (a Unix socket).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Header is set on every forwarded request (an emulator's per-start secret).
	Header http.Header
	// PathStyle forwards the client's Host only when it is an IP literal or localhost (PathStyleHost),
	// else the upstream's own: an emulator that takes an S3 bucket from a Host with a dot in it
	// (fauxqs) never sees one.
	PathStyle bool
}

// ProxyTo is Proxy with headers of the gateway's own on every forwarded request.
func (g *Gateway) ProxyTo(signingName string, u Upstream) {
	g.Handle(signingName, newProxy(u))
}

// NewProxy returns the reverse proxy Proxy installs; exported for callers that want to wrap it.
func NewProxy(target *url.URL, dial func(ctx context.Context, network, addr string) (net.Conn, error)) http.Handler {
	return newProxy(Upstream{URL: target, Dial: dial})
}

// proxyBuffers lends the proxies their copy buffers: without it, httputil.ReverseProxy allocates
// (and zeroes) 32 KiB for every request's answer, which was 2–3 % of the cloud's CPU under the
// pipeline benchmark's load, and the garbage collector's work after it.
var proxyBuffers = &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}

// bufferPool is an httputil.BufferPool on a sync.Pool of *[]byte (a Put allocates the 24-byte
// slice header, not the 32 KiB).
type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte  { return *p.pool.Get().(*[]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }

func newProxy(u Upstream) http.Handler {
	target, dial := u.URL, u.Dial
	tr := &http.Transport{
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 5 * time.Minute, // SQS long polls are at most 20 s; S3 bodies can be slow.
		DisableCompression:    true,
	}
	if dial != nil {
		tr.DialContext = dial
	} else {
		d := &net.Dialer{Timeout: 5 * time.Second}
		tr.DialContext = d.DialContext
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			if u.PathStyle && !PathStyleHost(pr.In.Host) {
				pr.Out.Host = target.Host
			}
			// The gateway's own server answers the client's Expect: 100-continue (net/http sends
			// the 100 when the proxy starts reading the body). Passed on, the emulator would send
			// a second 100, which the proxy relays to the ResponseWriter as a 1xx status before
			// the final one: a trap for every interceptor that reads the status.
			pr.Out.Header.Del("Expect")
			for k, v := range u.Header {
				pr.Out.Header[k] = v
			}
		},
		Transport:  wholeBody{tr},
		BufferPool: proxyBuffers,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// A body too long to check before it is sent is checked as it streams: a refusal
			// found at its end ended the upload, and is the client's answer (S3's error for it),
			// not a 502 that clients retry with the same bytes.
			var ae *authError
			if errors.As(err, &ae) {
				writeAuthError(w, r, SigningName(r), ae, r.Header.Get("Authorization") == "")
				return
			}
			WriteError(w, r, http.StatusBadGateway, "ServiceUnavailable", fmt.Sprintf("local cloud: upstream %s: %v", target.Host, err))
		},
	}
}

// maxWholeBody bounds a forwarded body that wholeBody holds in memory: every SQS, SNS and
// DynamoDB request, and the pipeline's documents and CSVs.
const maxWholeBody = 1 << 20

// wholeBody forwards a request whose body is at most maxWholeBody with the body in memory, so that
// its header and body share their writes (one, for the pipeline's requests, which fit net/http's
// 4 KiB buffer): net/http flushes a request's header on its own before the body unless the body
// is a bytes or strings reader (its issue 22088), and a body passed through the gateway's checks
// and interceptors is a wrapper round one. Under the pipeline benchmark's load the second write
// was 3 % of the gateway's CPU, and the emulators read twice. A body read that fails (a client
// gone) fails the round trip with its error, which the proxy's ErrorHandler answers. The signature
// check has read and checked such a body already (verifyBufferLimit); this is a second copy of a
// body of at most 1 MiB, cheaper than the write it saves.
type wholeBody struct{ next http.RoundTripper }

func (t wholeBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 || r.ContentLength > maxWholeBody {
		return t.next.RoundTrip(r)
	}
	b := make([]byte, r.ContentLength)
	n, err := io.ReadFull(r.Body, b)
	r.Body.Close()
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return nil, fmt.Errorf("http: ContentLength=%d with Body length %d", r.ContentLength, n)
	}
	if err != nil {
		return nil, err
	}
	out := *r
	out.Body = io.NopCloser(bytes.NewReader(b))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return t.next.RoundTrip(&out)
}

// Use adds an interceptor for signingName. Interceptors wrap the service's handler; the first Use is
// the outermost. They see every request of that service and may answer it themselves.
func (g *Gateway) Use(signingName string, mw func(http.Handler) http.Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.routeFor(signingName)
	r.mws = append(r.mws, mw)
	r.rebuild()
}

// Services lists the signing names that have a handler.
func (g *Gateway) Services() []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var out []string
	for name, r := range g.routes {
		if r.base != nil {
			out = append(out, name)
		}
	}
	return out
}

// apiVersionPath is a REST-JSON API's path (Lambda's /2015-03-31/functions/...), not an S3 bucket's.
var apiVersionPath = regexp.MustCompile(`^/\d{4}-\d{2}-\d{2}/`)

// shapeService is the service a request without a credential scope (unsigned, or with an
// Authorization header that names none) is shaped for, so that it is refused in that service's
// form: an X-Amz-Target names a JSON service (its prefix: AmazonSQS, AmazonSSM, AWSStepFunctions,
// Logs_; any other is answered as DynamoDB, whose errors the other JSON services share), an
// API-version path is Lambda's, a Smithy path CloudWatch's, a query-protocol call (a form POSTed
// to the root, or an Action parameter) the query family's (SQS's); anything else is S3's, a REST
// call on a bucket or key: a PUT, DELETE or HEAD whatever its Content-Type (curl --data-binary's
// default is a form).
func shapeService(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		prefix, _, _ := strings.Cut(t, ".")
		switch {
		case prefix == "AmazonSQS":
			return "sqs"
		case prefix == "AmazonSSM":
			return "ssm"
		case prefix == "AWSStepFunctions":
			return "states"
		case strings.HasPrefix(prefix, "Logs_"):
			return "logs"
		}
		return "dynamodb"
	}
	switch {
	case apiVersionPath.MatchString(r.URL.Path):
		return "lambda"
	case strings.HasPrefix(r.URL.Path, "/service/"):
		return "monitoring"
	case r.URL.Query().Has("Action"): // the query protocol by GET
		return "sqs"
	case r.Method == http.MethodPost && strings.Contains(r.Header.Get("Content-Type"), "x-www-form-urlencoded") &&
		!r.URL.Query().Has("delete") && !r.URL.Query().Has("uploads") && !r.URL.Query().Has("uploadId"):
		return "sqs"
	}
	return "s3"
}

// presignedParams reports whether r's query has any of a presigned URL's SigV4 parameters.
func presignedParams(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Signature") || q.Has("X-Amz-SignedHeaders")
}

func (g *Gateway) now() time.Time {
	if g.opts.Now != nil {
		return g.opts.Now()
	}
	return time.Now()
}

// ServeHTTP verifies r's signature (with Options.Keys), asks Options.Authorize, and routes r by its
// signing name.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := SigningName(r)
	if name != "s3" {
		rw := withRequestID(w)
		defer rw.ensure() // an answer whose handler wrote nothing (an implicit 200) has one too
		w = rw
	}
	if name == "" {
		// Not routed: refused in the form of the service the credential scope names, if the
		// Authorization header has one, else of the service the request is shaped for.
		service := shapeService(r)
		auth := r.Header.Get("Authorization")
		if scoped := firstScopeService(auth); scoped != "" {
			service = scoped
		}
		if service == "s3" {
			S3RequestID(w)
		}
		if auth != "" {
			if _, aerr := authParams(auth); aerr != nil {
				writeAuthError(w, r, service, aerr, false) // malformed, or another mechanism (SigV2)
				return
			}
		} else if presignedParams(r) {
			if _, aerr := parseSignature(r); aerr != nil {
				writeAuthError(w, r, service, aerr, true) // a presigned URL without its credential
				return
			}
		} else if q := r.URL.Query(); q.Has("AWSAccessKeyId") && q.Has("Signature") {
			// A SigV2 presigned URL (the AWS CLI v1's `s3 presign` unless told s3v4): signed, with
			// a mechanism S3 refuses for buckets made since June 2020, as the header form is.
			writeAuthError(w, r, service, &authError{kind: failUnsupported, msg: "The authorization mechanism you have provided is not supported. Please use " + sigAlgorithm + "."}, true)
			return
		}
		if service == "s3" {
			// An anonymous S3 request (curl of an object's URL): S3 answers 403 AccessDenied, its
			// buckets being private, in its own form.
			WriteError(w, r, http.StatusForbidden, "AccessDenied", "Access Denied (the request is not signed: the local cloud's buckets are private, as S3's are by default; sign it, or presign its URL)")
			return
		}
		writeAuthError(w, r, service, &authError{kind: failIncomplete, msg: "Request is missing Authentication Token"}, false)
		return
	}
	if g.opts.Keys != nil {
		presigned := r.Header.Get("Authorization") == ""
		verified, cred, aerr := g.verify(r, name)
		if aerr != nil {
			writeAuthError(w, r, name, aerr, presigned)
			return
		}
		ctx := WithPrincipal(verified.Context(), cred.Principal)
		if cred.Session != "" {
			ctx = context.WithValue(ctx, sessionKey{}, cred.Session)
		}
		r = verified.WithContext(ctx)
		r = takeSource(r, cred.Principal)
		if g.opts.Authorize != nil {
			var conceal *concealFlag
			if name == "s3" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				r, conceal = withConcealFlag(r) // only a read can be told that a key is missing
			}
			if err := g.opts.Authorize(r, cred.Principal); err != nil {
				writeRefusal(w, r, name, err)
				return
			}
			if conceal != nil && conceal.on {
				w = &concealWriter{ResponseWriter: w, r: r, why: conceal.why}
			}
		}
	}
	g.mu.RLock()
	rt := g.routes[name]
	var h http.Handler
	if rt != nil {
		h = rt.chain
	}
	g.mu.RUnlock()
	if h == nil {
		WriteError(w, r, http.StatusBadRequest, "UnknownServiceException",
			fmt.Sprintf("local cloud: service %q is not emulated (signing name from the SigV4 credential scope)", name))
		return
	}
	h.ServeHTTP(w, r)
}

// PathStyleHost reports whether host (with or without a port) is an IP literal or localhost: a
// Host no S3 client puts a bucket name in.
func PathStyleHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return net.ParseIP(host) != nil || strings.EqualFold(host, "localhost")
}

// SigningName returns the service of r's SigV4 credential scope
// (<key>/<date>/<region>/<service>/aws4_request), from the Authorization header or a presigned URL's
// X-Amz-Credential, or "" when r is not signed.
func SigningName(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		// The same reading as the signature check's: one Credential parameter, nothing else.
		params, aerr := authParams(auth)
		if aerr != nil {
			return ""
		}
		return scopeService(params["Credential"])
	}
	if cred := r.URL.Query().Get("X-Amz-Credential"); cred != "" {
		return scopeService(cred)
	}
	return ""
}

// firstScopeService is the service of the first "Credential=" in a malformed Authorization header:
// the service its error is written for, never the one it is routed to.
func firstScopeService(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	if j := strings.IndexAny(cred, ", "); j >= 0 {
		cred = cred[:j]
	}
	return scopeService(cred)
}

func scopeService(cred string) string {
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return ""
	}
	return parts[len(parts)-2]
}

// Listen binds 127.0.0.1:<Options.Port> and serves in the background until Close or ctx ends.
// It returns the bound address ("127.0.0.1:port").
func (g *Gateway) Listen(ctx context.Context) (string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(g.opts.Port)))
	if err != nil {
		return "", fmt.Errorf("gateway: listen on 127.0.0.1:%d: %w", g.opts.Port, err)
	}
	go func() {
		if err := g.Serve(l); err != nil {
			g.log.Error("gateway stopped", "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = g.Close()
		case <-g.waitDone():
		}
	}()
	return l.Addr().String(), nil
}

func (g *Gateway) waitDone() chan struct{} {
	g.srvMu.Lock()
	defer g.srvMu.Unlock()
	if g.done == nil {
		g.done = make(chan struct{})
	}
	return g.done
}

// Serve serves on l until Close. It returns nil after Close.
func (g *Gateway) Serve(l net.Listener) error {
	g.srvMu.Lock()
	if g.srv != nil {
		g.srvMu.Unlock()
		return errors.New("gateway: already serving")
	}
	g.srv = &http.Server{Handler: continueEmpty(g), ReadHeaderTimeout: 10 * time.Second}
	g.listener = l
	if g.done == nil {
		g.done = make(chan struct{})
	}
	srv := g.srv
	g.srvMu.Unlock()
	err := srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// continueEmpty answers Expect: 100-continue on a request without a body with 100 Continue before
// h runs, as net/http answers it on a request with one when the handler first reads the body
// (botocore sends the header on every PUT or POST whose body is a file, an empty file too).
// net/http sends no 100 when there is no body to wait for (RFC 9110 allows that), and botocore
// then takes the final response as the answer to its wait and keeps its status line for the
// connection: the response to the next request on it (a user's upload after an empty one, with
// one boto3 client) is read against that stale status, waits out botocore's 60-second read
// timeout and the request is sent again (boto/botocore#3755). Only the network server does this:
// an in-process client has no connection to poison, and a 1xx would be its final status.
func continueEmpty(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 && r.ProtoAtLeast(1, 1) && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			w.WriteHeader(http.StatusContinue)
		}
		h.ServeHTTP(w, r)
	})
}

// Addr is the listening address, or "" before Listen/Serve.
func (g *Gateway) Addr() string {
	g.srvMu.Lock()
	defer g.srvMu.Unlock()
	if g.listener == nil {
		return ""
	}
	return g.listener.Addr().String()
}

// URL is the endpoint for AWS_ENDPOINT_URL ("http://127.0.0.1:port"), or "" before Listen/Serve.
func (g *Gateway) URL() string {
	if a := g.Addr(); a != "" {
		return "http://" + a
	}
	return ""
}

// Close stops listening and closes every connection. Safe to call more than once.
func (g *Gateway) Close() error {
	g.srvMu.Lock()
	defer g.srvMu.Unlock()
	if g.srv == nil {
		return nil
	}
	err := g.srv.Close()
	if g.done != nil {
		select {
		case <-g.done:
		default:
			close(g.done)
		}
	}
	return err
}

// WriteError answers r with an AWS-shaped error in the protocol the request speaks: JSON (awsJson,
// with __type and X-Amzn-ErrorType) for X-Amz-Target requests and RPCv2 paths, XML otherwise
// (S3's <Error>, the query protocol's <ErrorResponse>). A request signed for S3 gets S3's <Error>
// whatever its Content-Type: curl's --data sends a form's, and S3 answers it in its own shape.
func WriteError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	s3 := SigningName(r) == "s3"
	switch {
	case r.Header.Get("X-Amz-Target") != "" && !s3:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, message)
	case strings.Contains(r.Header.Get("Content-Type"), "x-www-form-urlencoded") && !s3:
		writeErrorResponse(w, status, code, message)
	default:
		type resp struct {
			XMLName   xml.Name `xml:"Error"`
			Code      string   `xml:"Code"`
			Message   string   `xml:"Message"`
			RequestID string   `xml:"RequestId"`
		}
		var id string
		if s3 {
			id = S3RequestID(w)
		} else {
			id = RequestID(w)
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		_ = xml.NewEncoder(w).Encode(resp{Code: code, Message: message, RequestID: id})
	}
}

// writeErrorResponse writes the query protocol's error answer: a sender fault in <ErrorResponse>.
func writeErrorResponse(w http.ResponseWriter, status int, code, message string) {
	id := RequestID(w)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	type errBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	type resp struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Error     errBody  `xml:"Error"`
		RequestID string   `xml:"RequestId"`
	}
	_ = xml.NewEncoder(w).Encode(resp{Error: errBody{Type: "Sender", Code: code, Message: message}, RequestID: id})
}
