package failure

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/encoding/cbor"
)

// HTTPClient wraps next, the SDK's HTTP client, so that the SDK calls made through it suffer the
// SDK-level faults of the config (latency with targets, denylist, sdkerror). Use it with
// config.WithHTTPClient or as aws.Config.HTTPClient. A nil next means awshttp.NewBuildableClient().
// With injection disabled a call costs one atomic load and one clock read more than next.Do.
func (i *Injector) HTTPClient(next aws.HTTPClient) aws.HTTPClient {
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	if i == nil {
		return next
	}
	return &client{i: i, next: next}
}

// Instrument returns a copy of cfg whose HTTPClient is wrapped by HTTPClient (cfg.HTTPClient, or
// awshttp.NewBuildableClient() when it is nil). Build every service client from the result.
func (i *Injector) Instrument(cfg aws.Config) aws.Config {
	c := cfg.Copy()
	c.HTTPClient = i.HTTPClient(cfg.HTTPClient)
	return c
}

type client struct {
	i    *Injector
	next aws.HTTPClient
}

// Do sends req through next unless a fault says otherwise.
func (c *client) Do(req *http.Request) (*http.Response, error) {
	s := c.i.currentFast(req.Context())
	if !s.sdk {
		return c.next.Do(req)
	}
	return c.i.do(c.next, req, s)
}

// Call describes one SDK call as the faults see it.
type Call struct {
	Service   string // SigV4 signing name: "dynamodb", "s3", ...
	Operation string // "UpdateItem", ...
	Region    string
	Host      string // the request's host, without port
}

// CanonicalHost is the service's public AWS endpoint host, <signing-name>.<region>.amazonaws.com,
// which denylist patterns also match whatever endpoint the call really goes to.
func (c Call) CanonicalHost() string {
	if c.Service == "" || c.Region == "" {
		return ""
	}
	return c.Service + "." + c.Region + ".amazonaws.com"
}

// describe identifies the call: service and region from the SigV4 credential scope of the
// Authorization header (what the signer really used); the operation from the SDK's middleware
// stack values, which its ClientHandler passes on in the request's context. Measured with the
// pinned SDK (v1.47.7): at the HTTP client the stack holds the operation name, the service ID
// ("DynamoDB") and the region, but not the signing name (awsmiddleware.GetSigningName is empty),
// so unsigned calls (anonymous S3) fall back to the service ID mapped to its signing name.
func describe(req *http.Request) Call {
	ctx := req.Context()
	c := Call{Operation: awsmiddleware.GetOperationName(ctx), Host: req.URL.Hostname()}
	c.Service, c.Region = credentialScope(req.Header.Get("Authorization"))
	if c.Service == "" {
		c.Service = signingName(awsmiddleware.GetServiceID(ctx))
	}
	if c.Region == "" {
		c.Region = awsmiddleware.GetRegion(ctx)
	}
	return c
}

// signingName maps an SDK service ID to its SigV4 signing name: lower case without spaces, except
// for the services whose signing name differs.
func signingName(serviceID string) string {
	id := strings.ToLower(strings.ReplaceAll(serviceID, " ", ""))
	if n, ok := signingNames[id]; ok {
		return n
	}
	return id
}

var signingNames = map[string]string{
	"cloudwatch":     "monitoring",
	"cloudwatchlogs": "logs",
	"sfn":            "states",
	"eventbridge":    "events",
}

// credentialScope extracts service and region from "AWS4-HMAC-SHA256 Credential=AKID/20260101/
// us-east-1/dynamodb/aws4_request, ..." (SigV4a scopes have no region: AKID/date/service/aws4_request).
func credentialScope(auth string) (service, region string) {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", ""
	}
	if end := strings.IndexAny(rest, ", "); end >= 0 {
		rest = rest[:end]
	}
	// AKID/date/region/service/aws4_request (SigV4) or AKID/date/service/aws4_request (SigV4a).
	var parts [5]string
	n := 0
	for n < len(parts) {
		p, tail, more := strings.Cut(rest, "/")
		parts[n] = p
		n++
		if !more {
			break
		}
		rest = tail
	}
	switch {
	case n == 5 && parts[4] == "aws4_request":
		return parts[3], parts[2]
	case n == 4 && parts[3] == "aws4_request":
		return parts[2], ""
	}
	return "", ""
}

// matches reports whether the SDK-level fault f applies to call c. (A function, not a method:
// Fault is faultconfig's, which knows nothing of calls.)
func matches(f *Fault, c *Call) bool {
	if len(f.Targets) > 0 {
		hit := false
		for _, t := range f.Targets {
			if t.Matches(c.Service, c.Operation) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	if f.Mode != ModeDenylist {
		return true
	}
	canonical := c.CanonicalHost()
	for _, re := range f.Denylist {
		if re.MatchString(c.Host) || (canonical != "" && re.MatchString(canonical)) {
			return true
		}
	}
	return false
}

// do applies the SDK-level faults of s to req, in config order: latency delays and goes on; the
// first denylist or sdkerror fault that fires ends the call. Whether a fault fires is rolled per
// call or read from the invocation's decision in req.Context(), by the fault's Scope.
func (i *Injector) do(next aws.HTTPClient, req *http.Request, s *snapshot) (*http.Response, error) {
	ctx := req.Context()
	if bypassed(ctx) || !i.active(s) {
		return next.Do(req)
	}
	var call Call
	described := false
	for n := range s.cfg.Faults {
		f := &s.cfg.Faults[n]
		if !f.SDKLevel() {
			continue
		}
		if !described {
			call, described = describe(req), true
		}
		if !matches(f, &call) || !i.firesOnCall(ctx, s, n) {
			continue
		}
		if i.dryRun {
			i.wouldInject(ctx, f, "service", call.Service, "operation", call.Operation, "host", call.Host)
			continue
		}
		switch {
		case f.Mode == ModeLatency:
			d := i.latency(f)
			i.injected(ctx, f.Mode, "service", call.Service, "operation", call.Operation, "host", call.Host, "latency_ms", d.Milliseconds())
			if err := sleep(ctx, d); err != nil {
				closeBody(req)
				return nil, err
			}
		case f.Mode == ModeDenylist:
			i.injected(ctx, f.Mode, "service", call.Service, "operation", call.Operation, "host", call.Host)
			closeBody(req)
			return nil, transportError(req, &InjectedError{Mode: f.Mode, Msg: "host denied by failure injection",
				Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}})
		default: // ModeSDKError
			return i.sdkError(ctx, f, req, &call)
		}
	}
	return next.Do(req)
}

// sdkError answers req as the service would under the fault's error kind.
func (i *Injector) sdkError(ctx context.Context, f *Fault, req *http.Request, call *Call) (*http.Response, error) {
	closeBody(req)
	switch f.Error {
	case SDKErrorConnectionReset:
		i.injected(ctx, f.Mode, "error", string(f.Error), "service", call.Service, "operation", call.Operation, "host", call.Host)
		return nil, transportError(req, &InjectedError{Mode: f.Mode, Msg: "connection reset by failure injection",
			Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}})
	case SDKErrorTimeout:
		d := i.latency(f)
		i.injected(ctx, f.Mode, "error", string(f.Error), "service", call.Service, "operation", call.Operation, "host", call.Host, "latency_ms", d.Milliseconds())
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
		return nil, transportError(req, &InjectedError{Mode: f.Mode, Msg: "timeout by failure injection",
			Err: &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}})
	}
	status, code, msg := errorCode(f.Error, call.Service, protocolOf(req, call.Service))
	i.injected(ctx, f.Mode, "error", string(f.Error), "service", call.Service, "operation", call.Operation, "host", call.Host, "status", status, "code", code)
	return errorResponse(req, call.Service, status, code, msg), nil
}

// InjectedError is the error of an injected fault: the invocation's error for exception (and
// statuscode when the handler's output has no StatusCode), the transport error inside the SDK's
// RequestSendError for denylist, connection-reset and timeout. errors.As finds it.
type InjectedError struct {
	Mode Mode
	Msg  string
	Err  error // the network error it imitates, if any
}

func (e *InjectedError) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	return e.Msg + ": " + e.Err.Error()
}

func (e *InjectedError) Unwrap() error { return e.Err }

// Timeout reports whether the imitated network error is a timeout, as a real one would through
// *url.Error (which asks its direct Err only).
func (e *InjectedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

// Temporary completes net.Error; like most network errors in Go's net package today, false
// unless the imitated error says otherwise.
func (e *InjectedError) Temporary() bool {
	var t interface{ Temporary() bool }
	return errors.As(e.Err, &t) && t.Temporary()
}

// transportError wraps err as net/http.Client.Do reports a failed request.
func transportError(req *http.Request, err error) error {
	return &url.Error{Op: urlOp(req.Method), URL: req.URL.String(), Err: err}
}

func urlOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// The wire protocols of AWS services, as far as error responses differ.
type protocol int

const (
	protoRESTJSON protocol = iota
	protoAWSJSON
	protoRESTXML
	protoQuery
	protoCBOR
)

// protocolOf infers the call's protocol from the request the SDK built.
func protocolOf(req *http.Request, service string) protocol {
	ct := req.Header.Get("Content-Type")
	switch {
	case req.Header.Get("Smithy-Protocol") == "rpc-v2-cbor":
		return protoCBOR
	case strings.HasPrefix(ct, "application/x-amz-json-"):
		return protoAWSJSON
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		return protoQuery
	}
	switch service {
	case "s3", "s3-object-lambda", "cloudfront", "route53":
		return protoRESTXML
	}
	return protoRESTJSON
}

const injectedMsg = " (injected by failure injection)"

// errorCode picks the HTTP status, error code and message the service sends for kind.
func errorCode(kind SDKError, service string, p protocol) (status int, code, msg string) {
	switch kind {
	case SDKErrorThrottling:
		switch {
		case service == "dynamodb":
			return 400, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded." + injectedMsg
		case p == protoRESTXML:
			return 503, "SlowDown", "Please reduce your request rate." + injectedMsg
		case p == protoQuery:
			return 400, "Throttling", "Rate exceeded" + injectedMsg
		}
		return 400, "ThrottlingException", "Rate exceeded" + injectedMsg
	case SDKErrorInternal:
		switch {
		case service == "dynamodb":
			return 500, "InternalServerError", "Internal server error" + injectedMsg
		case p == protoRESTXML:
			return 500, "InternalError", "We encountered an internal error. Please try again." + injectedMsg
		}
		return 500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure." + injectedMsg
	}
	return 503, "ServiceUnavailable", "Service unavailable" + injectedMsg
}

// errorResponse builds the error response the service would send, in its protocol.
func errorResponse(req *http.Request, service string, status int, code, msg string) *http.Response {
	const requestID = "00000000-0000-0000-0000-000000000000"
	h := http.Header{}
	var body []byte
	switch protocolOf(req, service) {
	case protoAWSJSON:
		typ := code
		if service == "dynamodb" { // DynamoDB qualifies its error types; the SDK strips the prefix
			typ = "com.amazonaws.dynamodb.v20120810#" + code
		}
		h.Set("Content-Type", req.Header.Get("Content-Type"))
		h.Set("X-Amzn-Requestid", requestID)
		body = jsonError(typ, msg)
	case protoRESTJSON:
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-Requestid", requestID)
		h.Set("X-Amzn-Errortype", code)
		body = jsonError(code, msg)
	case protoRESTXML:
		h.Set("Content-Type", "application/xml")
		h.Set("X-Amz-Request-Id", requestID)
		body = fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>", code, xmlText(msg), requestID)
	case protoQuery:
		typ := "Receiver"
		if status < 500 {
			typ = "Sender"
		}
		h.Set("Content-Type", "text/xml")
		h.Set("X-Amzn-Requestid", requestID)
		body = fmt.Appendf(nil, "<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>", typ, code, xmlText(msg), requestID)
	case protoCBOR:
		h.Set("Content-Type", "application/cbor")
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
		h.Set("X-Amzn-Requestid", requestID)
		body = cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String(msg)})
	}
	if req.Method == http.MethodHead { // HEAD errors carry no body
		body = nil
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}
}

func jsonError(typ, msg string) []byte {
	return fmt.Appendf(nil, `{"__type":%q,"message":%q}`, typ, msg)
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
