package iam

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// ErrUnmapped is wrapped by Mapper.Map's error for a request it cannot turn into IAM checks (an
// operation or service it does not know): the caller decides whether to let it through.
var ErrUnmapped = errors.New("unmapped operation")

// Operation is what one API request asks of IAM.
type Operation struct {
	// Service is the signing name the request was routed by (s3, sqs, sns, dynamodb, ssm,
	// monitoring, states, lambda).
	Service string
	// Name is the API operation, e.g. SendMessage, TransactWriteItems, GetObject.
	Name string
	// Checks are the authorizations AWS makes for the request: every one must be allowed.
	Checks []Check
}

// Check is one action on one resource, with the condition keys the request supplies.
type Check struct {
	Action   string // "sqs:SendMessage"
	Resource string // an ARN, or "*"
	// Context holds the request's condition keys: aws:SecureTransport, aws:RequestedRegion,
	// aws:SourceIp, and the service's (s3:prefix, cloudwatch:namespace, dynamodb:LeadingKeys, ...).
	Context map[string][]string
}

// Requests turns the operation into Requests of principal. context adds keys (for example
// aws:SourceArn and aws:SourceAccount when a service principal acts for a resource); a key the
// check sets itself wins.
func (op Operation) Requests(principal string, context map[string][]string) []Request {
	out := make([]Request, 0, len(op.Checks))
	for _, c := range op.Checks {
		ctx := make(map[string][]string, len(c.Context)+len(context))
		for k, v := range context {
			ctx[k] = v
		}
		for k, v := range c.Context {
			ctx[k] = v
		}
		out = append(out, Request{Principal: principal, Action: c.Action, Resource: c.Resource, Context: ctx})
	}
	return out
}

// Mapper turns HTTP requests, as the gateway receives them, into Operations.
type Mapper struct {
	// Region and AccountID of the ARNs. Defaults: DefaultRegion, DefaultAccountID.
	Region, AccountID string
	// HashKeys maps a DynamoDB table name to its partition key attribute: with it, requests carry
	// dynamodb:LeadingKeys.
	HashKeys map[string]string
	// Insecure reports aws:SecureTransport=false for requests without TLS. By default the local
	// cloud's loopback HTTP counts as the secure transport it stands in for (every client of the
	// real cloud uses HTTPS), so that the CDK's "deny unless aws:SecureTransport" statements
	// (enforceSSL) do not deny every local request.
	Insecure bool
}

// Mapper returns a Mapper with the engine's region, account and the template's table keys.
func (e *Engine) Mapper() *Mapper {
	keys := make(map[string]string, len(e.hashKeys))
	for k, v := range e.hashKeys {
		keys[k] = v
	}
	return &Mapper{Region: e.region, AccountID: e.account, HashKeys: keys}
}

func (m *Mapper) region() string {
	if m.Region == "" {
		return DefaultRegion
	}
	return m.Region
}

func (m *Mapper) account() string {
	if m.AccountID == "" {
		return DefaultAccountID
	}
	return m.AccountID
}

func (m *Mapper) arn(service, resource string) string {
	return "arn:aws:" + service + ":" + m.region() + ":" + m.account() + ":" + resource
}

// maxBody bounds the bodies Map reads (JSON and query protocol requests, S3 multi-object delete):
// more than any of those services accepts.
const maxBody = 32 << 20

// Map turns r into the operation and the IAM checks AWS makes for it. service is the signing name
// the gateway routes by. Map reads the body only where the action or resource is in it, and leaves
// r.Body whole for the next handler (a fresh reader over the same bytes); S3 object bodies are
// never read. An operation Map does not know returns an error wrapping ErrUnmapped.
func (m *Mapper) Map(service string, r *http.Request) (Operation, error) {
	var op Operation
	var err error
	switch service {
	case "s3":
		op, err = m.s3(r)
	case "sqs":
		op, err = m.sqs(r)
	case "sns":
		op, err = m.sns(r)
	case "dynamodb":
		op, err = m.dynamodb(r)
	case "ssm":
		op, err = m.ssm(r)
	case "monitoring":
		op, err = m.cloudwatch(r)
	case "states":
		op, err = m.states(r)
	case "lambda":
		op, err = m.lambda(r)
	case "logs":
		op, err = m.logs(r)
	default:
		return Operation{Service: service}, fmt.Errorf("%w: service %q", ErrUnmapped, service)
	}
	op.Service = service
	if err != nil {
		return op, fmt.Errorf("%s %s: %w", service, op.Name, err)
	}
	global := m.globalContext(r)
	for i := range op.Checks {
		if op.Checks[i].Context == nil {
			op.Checks[i].Context = map[string][]string{}
		}
		for k, v := range global {
			if _, ok := op.Checks[i].Context[k]; !ok {
				op.Checks[i].Context[k] = v
			}
		}
	}
	return op, nil
}

// globalContext are the aws: keys every request carries.
func (m *Mapper) globalContext(r *http.Request) map[string][]string {
	secure := "true"
	if m.Insecure && r.TLS == nil {
		secure = "false"
	}
	ctx := map[string][]string{"aws:SecureTransport": {secure}, "aws:RequestedRegion": {m.region()}}
	if reg := scopeRegion(r); reg != "" {
		ctx["aws:RequestedRegion"] = []string{reg}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ctx["aws:SourceIp"] = []string{host}
	}
	return ctx
}

// scopeRegion returns the region of r's SigV4 credential scope, or "".
func scopeRegion(r *http.Request) string {
	cred := ""
	if auth := r.Header.Get("Authorization"); auth != "" {
		if i := strings.Index(auth, "Credential="); i >= 0 {
			cred = auth[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return ""
	}
	return parts[len(parts)-3]
}

// readBody reads r's body and puts a fresh reader over the same bytes in its place (and GetBody),
// so the handler after Map reads what the client sent.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	orig := r.Body
	b, err := io.ReadAll(io.LimitReader(orig, maxBody+1))
	if err != nil || len(b) > maxBody {
		// Give the next handler what was read and the rest.
		r.Body = readCloser{io.MultiReader(bytes.NewReader(b), orig), orig}
		if err == nil {
			err = fmt.Errorf("body larger than %d bytes", maxBody)
		}
		return nil, fmt.Errorf("read body: %w", err)
	}
	r.Body = readCloser{bytes.NewReader(b), orig}
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return b, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// decoded returns the body's bytes as the service reads them (gzip undone).
func decoded(r *http.Request, b []byte) ([]byte, error) {
	if !strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gzip body: %w", err)
	}
	defer zr.Close()
	return io.ReadAll(io.LimitReader(zr, maxBody))
}

// jsonTarget returns the operation of a JSON-protocol request (X-Amz-Target: <Service>.<Op>).
func jsonTarget(r *http.Request) (prefix, op string, ok bool) {
	t := r.Header.Get("X-Amz-Target")
	if t == "" {
		return "", "", false
	}
	i := strings.LastIndex(t, ".")
	return t[:max(i, 0)], t[i+1:], true
}

// params are a request's input, from a JSON body or a query-protocol form.
type params struct {
	json map[string]any
	form url.Values
}

// str returns a top-level string member.
func (p params) str(key string) string {
	if p.form != nil {
		return p.form.Get(key)
	}
	return str(p.json, key)
}

// list returns a top-level list of strings (query protocol: key.member.N, or key.N).
func (p params) list(key string) []string {
	if p.form != nil {
		var out []string
		for _, f := range []string{key + ".member.%d", key + ".%d"} {
			for i := 1; ; i++ {
				v, ok := p.form[fmt.Sprintf(f, i)]
				if !ok {
					break
				}
				out = append(out, v...)
			}
			if len(out) > 0 {
				return out
			}
		}
		return nil
	}
	l, _ := p.json[key].([]any)
	var out []string
	for _, e := range l {
		if s, err := scalarString(e); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// has reports whether a member is present.
func (p params) has(key string) bool {
	if p.form != nil {
		_, ok := p.form[key]
		return ok
	}
	_, ok := p.json[key]
	return ok
}

// jsonParams reads a JSON-protocol body.
func jsonParams(r *http.Request) (params, error) {
	b, err := readBody(r)
	if err != nil {
		return params{}, err
	}
	if b, err = decoded(r, b); err != nil {
		return params{}, err
	}
	m := map[string]any{}
	if len(bytes.TrimSpace(b)) > 0 {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			return params{}, fmt.Errorf("JSON body: %w", err)
		}
	}
	return params{json: m}, nil
}

// formParams reads a query-protocol request. Its parameters must be in one place, each given once:
// the URL's query with no body (a GET), or a form-encoded body with no query (a POST, as every AWS
// SDK and CLI sends them). The services behind the gateway each read a query request their own way
// (the SQS translation reads the URL and any body, the SNS interceptor the form body alone, the
// emulators theirs), so a request whose parameters can be read two ways could be decided here on one
// resource and carried out on another: Action and TopicArn in the URL, another TopicArn in the body;
// a QueueUrl in a body that is not form-typed; a parameter given twice. Such a request is refused.
func formParams(r *http.Request) (params, error) {
	form := r.URL.Query()
	b, err := readBody(r)
	if err != nil {
		return params{}, err
	}
	if b, err = decoded(r, b); err != nil {
		return params{}, err
	}
	if len(bytes.TrimSpace(b)) > 0 {
		ct := r.Header.Get("Content-Type")
		switch {
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			return params{}, fmt.Errorf("a query-protocol %s request carries its parameters in the URL, and this one has a body too", r.Method)
		case !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded"):
			return params{}, fmt.Errorf("a query-protocol request's body must be application/x-www-form-urlencoded, not %q", ct)
		case len(form) > 0:
			return params{}, fmt.Errorf("parameters both in the URL's query (%s) and in the body: a query-protocol request carries them in one", strings.Join(slices.Sorted(maps.Keys(form)), ", "))
		}
		if form, err = url.ParseQuery(string(b)); err != nil {
			return params{}, fmt.Errorf("form body: %w", err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(form)) {
		if n := len(form[k]); n > 1 {
			return params{}, fmt.Errorf("parameter %s given %d times", k, n)
		}
	}
	return params{form: form}, nil
}

// protocolParams reads a request of a service that speaks both the JSON and the query protocol.
func protocolParams(r *http.Request) (op string, p params, err error) {
	if _, op, ok := jsonTarget(r); ok {
		p, err = jsonParams(r)
		return op, p, err
	}
	p, err = formParams(r)
	return p.form.Get("Action"), p, err
}

func unmapped(op string) error {
	return fmt.Errorf("%w: %s", ErrUnmapped, op)
}

func missing(member string) error {
	return fmt.Errorf("no %s in the request", member)
}

func check(action, resource string) Check {
	return Check{Action: action, Resource: resource}
}

// cborParams reads an RPCv2-CBOR body (strings, lists and maps are what Map looks at).
func cborParams(r *http.Request) (params, error) {
	b, err := readBody(r)
	if err != nil {
		return params{}, err
	}
	if b, err = decoded(r, b); err != nil {
		return params{}, err
	}
	if len(b) == 0 {
		return params{json: map[string]any{}}, nil
	}
	v, err := cbor.Decode(b)
	if err != nil {
		return params{}, fmt.Errorf("CBOR body: %w", err)
	}
	m, ok := fromCBOR(v).(map[string]any)
	if !ok {
		return params{}, fmt.Errorf("CBOR body is %T, want a map", v)
	}
	return params{json: m}, nil
}

func fromCBOR(v cbor.Value) any {
	switch x := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = fromCBOR(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = fromCBOR(e)
		}
		return l
	case cbor.String:
		return string(x)
	case cbor.Bool:
		return bool(x)
	case cbor.Uint:
		return json.Number(strconv.FormatUint(uint64(x), 10))
	case cbor.NegInt:
		return json.Number("-" + strconv.FormatUint(uint64(x), 10))
	case cbor.Float32:
		return float64(x)
	case cbor.Float64:
		return float64(x)
	case cbor.Slice:
		return base64.StdEncoding.EncodeToString(x)
	case *cbor.Tag:
		return fromCBOR(x.Value)
	}
	return nil
}
