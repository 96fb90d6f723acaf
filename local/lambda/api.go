package lambda

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/lambdaname"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/modelrule"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/pagetoken"
)

// Handler serves the Lambda API (signing name "lambda", REST-JSON) for the gateway to mount:
// Invoke (RequestResponse, Event, DryRun), GetFunction, GetFunctionConfiguration,
// GetFunctionConcurrency and ListFunctions. Errors are AWS-shaped (X-Amzn-ErrorType +
// {"Type","message"}), so the SDK's typed errors work. Another operation is
// UnknownOperationException, naming what is served: it is the local Lambda's limit, not a
// parameter of the caller's (it was InvalidParameterValueException).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", s.serveInvoke)
	mux.HandleFunc("GET /2015-03-31/functions/{name}", s.serveGetFunction)
	mux.HandleFunc("GET /2015-03-31/functions/{name}/configuration", s.serveGetConfiguration)
	mux.HandleFunc("GET /2019-09-30/functions/{name}/concurrency", s.serveGetConcurrency)
	mux.HandleFunc("GET /2015-03-31/functions/{$}", s.serveList)
	mux.HandleFunc("GET /2015-03-31/functions", s.serveList) // botocore 1.43 sends no trailing slash
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteAPIError(w, http.StatusBadRequest, "UnknownOperationException", "the local Lambda does not serve "+r.Method+" "+r.URL.Path+
			": it serves Invoke, GetFunction, GetFunctionConfiguration, GetFunctionConcurrency, ListFunctions and the event source mappings' List, Get and Update")
	})
	return mux
}

// apiError is a Lambda API error: its HTTP status, X-Amzn-ErrorType and message.
type apiError struct {
	status   int
	typ, msg string
}

func (e *apiError) write(w http.ResponseWriter) { WriteAPIError(w, e.status, e.typ, e.msg) }

// violates is AWS's ValidationException for member, whose value (nil: absent) breaks the model's
// rule (modelrule.Message).
func violates(member string, value any, rule string) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationException", modelrule.Message(member, value, rule)}
}

// enum is the ValidationException for a member outside the model's enum (nil when v is in it).
func enum(member, v string, values ...string) *apiError {
	if slices.Contains(values, v) {
		return nil
	}
	return violates(member, v, modelrule.Enum(values...))
}

// qualifierExpr is the model's NumericLatestPublishedOrAliasQualifier pattern (1-128 characters).
const qualifierExpr = `\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+`

var qualifierPattern = regexp.MustCompile(`^(?:` + qualifierExpr + `)$`)

// lookup finds the function a request names (its path's FunctionName and its ?Qualifier), or writes
// AWS's error: ValidationException for a name or qualifier outside the model's constraints,
// InvalidParameterValueException for a qualifier in the name that ?Qualifier contradicts, and
// ResourceNotFoundException for a function, version or alias that does not exist. Only $LATEST
// exists here: nothing publishes versions or aliases (the deployer refuses AWS::Lambda::Version and
// AWS::Lambda::Alias, as every type it does not create), so any other qualifier names a version or
// alias that does not exist, and is refused rather than run as $LATEST.
func (s *Service) lookup(w http.ResponseWriter, r *http.Request) *function {
	fn, _, err := s.resolve(r)
	if err != nil {
		err.write(w)
	}
	return fn
}

// resolve is lookup's work; invokedARN is the function's ARN as the request named it: with its
// qualifier when it gave one (Lambda's invoked function ARN).
func (s *Service) resolve(r *http.Request) (fn *function, invokedARN string, _ *apiError) {
	name := r.PathValue("name")
	switch {
	case name == "":
		return nil, "", violates("functionName", "", "have length greater than or equal to 1")
	case len(name) > lambdaname.MaxLen:
		return nil, "", violates("functionName", name, fmt.Sprintf("have length less than or equal to %d", lambdaname.MaxLen))
	}
	ref, ok := lambdaname.Parse(name)
	if !ok {
		return nil, "", violates("functionName", name, "satisfy regular expression pattern: "+lambdaname.Pattern)
	}
	q := ref.Qualifier
	if vs, ok := r.URL.Query()["Qualifier"]; ok {
		v := vs[0]
		switch {
		case v == "":
			return nil, "", violates("qualifier", "", "have length greater than or equal to 1")
		case len(v) > 128:
			return nil, "", violates("qualifier", v, "have length less than or equal to 128")
		case !qualifierPattern.MatchString(v):
			return nil, "", violates("qualifier", v, "satisfy regular expression pattern: "+qualifierExpr)
		case q != "" && q != v:
			return nil, "", &apiError{http.StatusBadRequest, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier."}
		}
		q = v
	}
	s.mu.Lock()
	fn = s.fns[ref.Name]
	s.mu.Unlock()
	here := (!ref.ARN || ref.Partition == "aws") && (ref.Region == "" || ref.Region == s.opts.Region) &&
		(ref.Account == "" || ref.Account == s.opts.AccountID)
	if fn == nil || !here || (q != "" && q != "$LATEST") {
		arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", cmp.Or(ref.Region, s.opts.Region), cmp.Or(ref.Account, s.opts.AccountID), ref.Name)
		if q != "" {
			arn += ":" + q
		}
		return nil, "", &apiError{http.StatusNotFound, "ResourceNotFoundException", "Function not found: " + arn}
	}
	invokedARN = fn.arn
	if q != "" {
		invokedARN += ":" + q
	}
	return fn, invokedARN, nil
}

// MaxAsyncPayload is Lambda's limit on an asynchronous (Event) invocation's payload: 1 MB, as the
// Invoke documentation in botocore's model (1.43.11) says: "1 MB for asynchronous invocations"
// (raised from 256 KB in October 2025, by AWS's announcement). The byte count, the error code and
// its wording are not in the model: they are from real responses quoted in public issues, "...
// byte payload is too large for the Event invocation type (limit 1048576 bytes)", and before the
// raise the same with (limit 262144 bytes), code RequestEntityTooLargeException.
const MaxAsyncPayload = 1 << 20

// tooLarge is the 413 for a payload over the invocation type's limit. AWS answers the code
// RequestEntityTooLargeException (as real responses show, e.g. "Request must be smaller than
// 6291456 bytes for the InvokeFunction operation"), not the model's RequestTooLargeException.
func tooLarge(msg string) *apiError {
	return &apiError{http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", msg}
}

// readPayload reads an invocation's payload within its invocation type's limit; empty is {}.
func readPayload(r *http.Request, typ string) ([]byte, *apiError) {
	payload, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	switch {
	case err != nil:
		return nil, &apiError{http.StatusBadRequest, "InvalidRequestContentException", err.Error()}
	case len(payload) > MaxPayload:
		return nil, tooLarge(fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", MaxPayload))
	case typ == "Event" && len(payload) > MaxAsyncPayload:
		return nil, tooLarge(fmt.Sprintf("%d byte payload is too large for the Event invocation type (limit %d bytes)", len(payload), MaxAsyncPayload))
	case len(payload) == 0:
		return []byte("{}"), nil
	case !json.Valid(payload):
		return nil, &apiError{http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json"}
	}
	return payload, nil
}

// maxClientContext is the most base64 an Invoke's ClientContext may be (the API's constraint).
const maxClientContext = 3583

type clientContextKey struct{}

func withClientContext(ctx context.Context, cc string) context.Context {
	return context.WithValue(ctx, clientContextKey{}, cc)
}

// clientContextFrom is the ClientContext (decoded JSON) of the Invoke that ctx serves; "" for none.
func clientContextFrom(ctx context.Context) string {
	cc, _ := ctx.Value(clientContextKey{}).(string)
	return cc
}

type invokedARNKey struct{}

// withInvokedARN gives the invocation ctx serves the ARN its caller named (Lambda-Runtime-Invoked-
// Function-Arn: "the ARN of the Lambda function, version, or alias that's specified in the
// invocation"); without one it is the function's own.
func withInvokedARN(ctx context.Context, arn string) context.Context {
	return context.WithValue(ctx, invokedARNKey{}, arn)
}

func invokedARNFrom(ctx context.Context) string {
	arn, _ := ctx.Value(invokedARNKey{}).(string)
	return arn
}

func (s *Service) serveInvoke(w http.ResponseWriter, r *http.Request) {
	// The request's members are checked first, as AWS validates a request before it looks anything up.
	typ, logType := r.Header.Get("X-Amz-Invocation-Type"), r.Header.Get("X-Amz-Log-Type")
	if err := cmp.Or(enum("invocationType", cmp.Or(typ, "RequestResponse"), "Event", "RequestResponse", "DryRun"),
		enum("logType", cmp.Or(logType, "None"), "None", "Tail")); err != nil {
		err.write(w)
		return
	}
	fn, invokedARN, lerr := s.resolve(r)
	if lerr != nil {
		lerr.write(w)
		return
	}
	payload, perr := readPayload(r, typ)
	if perr != nil {
		perr.write(w)
		return
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	switch typ {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	case "Event":
		// Asynchronous: accepted now, queued, run in the background with Lambda's retries.
		if err := s.invokeAsync(fn.cfg.Name, invokedARN, payload); err != nil {
			WriteAPIError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+s.ARN(fn.cfg.Name))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		return
	}
	// ClientContext: base64 JSON of up to 3,583 bytes, passed to the function "for synchronous
	// invocations only" (Invoke's API reference).
	ctx := withInvokedARN(r.Context(), invokedARN)
	if cc := r.Header.Get("X-Amz-Client-Context"); cc != "" {
		decoded, err := base64.StdEncoding.DecodeString(cc)
		switch {
		case len(cc) > maxClientContext:
			WriteAPIError(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("1 validation error detected: Value at 'clientContext' failed to satisfy constraint: Member must have length less than or equal to %d", maxClientContext))
			return
		case err != nil || !json.Valid(decoded):
			WriteAPIError(w, http.StatusBadRequest, "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object.")
			return
		}
		ctx = withClientContext(ctx, string(decoded))
	}
	// Tail: the invocation's own log, its last 4 KB, as Lambda returns it to a synchronous call.
	var tail *logTail
	if logType == "Tail" {
		tail = &logTail{}
	}
	out, fnErr, err := fn.invoke(ctx, payload, tail)
	if tail != nil && err == nil {
		w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(tail.bytes()))
	}
	switch {
	case errors.Is(err, ErrThrottled):
		// The Reason names the limit that was reached: the function's reserved concurrency, or
		// the account's unreserved pool (Options.DefaultConcurrency stands in for it).
		reason := "ConcurrentInvocationLimitExceeded"
		if fn.cfg.ReservedConcurrency > 0 {
			reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
		}
		w.Header().Set("Retry-After", "1")
		WriteAPIError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.", "Reason", reason)
	case err != nil:
		WriteAPIError(w, http.StatusInternalServerError, "ServiceException", err.Error())
	case fnErr != nil:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.WriteHeader(http.StatusOK)
		w.Write(fnErr.Body())
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(out)
	}
}

// configuration is the FunctionConfiguration shape of the Lambda API.
func (fn *function) configuration() map[string]any {
	vars := map[string]string{}
	for k, v := range fn.cfg.Environment {
		vars[k] = v
	}
	c := map[string]any{
		"FunctionName":  fn.cfg.Name,
		"FunctionArn":   fn.arn,
		"Runtime":       runtimeOr(fn.cfg.Runtime),
		"Handler":       fn.cfg.Handler,
		"MemorySize":    fn.cfg.MemoryMB,
		"Timeout":       int(fn.cfg.Timeout / time.Second),
		"Architectures": []string{fn.cfg.Architecture},
		"Environment":   map[string]any{"Variables": vars},
		"Version":       "$LATEST",
		"State":         "Active",
		// A function here is ready once made, and never updated in place (a deploy makes it
		// anew): the waiters that poll these, `aws lambda wait function-updated` (LastUpdateStatus)
		// and `function-active` (State), end at once, where without it the first polled for
		// minutes and failed.
		"LastUpdateStatus": "Successful",
		"LastModified":     fn.created.Format("2006-01-02T15:04:05.000-0700"),
		"PackageType":      "Zip",
		"LoggingConfig":    map[string]any{"LogFormat": "Text", "LogGroup": fn.cfg.logGroup()},
	}
	if fn.cfg.Role != "" {
		c["Role"] = fn.cfg.Role
	}
	return c
}

func (s *Service) serveGetFunction(w http.ResponseWriter, r *http.Request) {
	fn := s.lookup(w, r)
	if fn == nil {
		return
	}
	body := map[string]any{"Configuration": fn.configuration()}
	if fn.cfg.ReservedConcurrency > 0 {
		body["Concurrency"] = map[string]int{"ReservedConcurrentExecutions": fn.cfg.ReservedConcurrency}
	}
	writeJSON(w, body)
}

// serveGetConcurrency is GetFunctionConcurrency: the function's reserved concurrency, {} when it
// has none (the unreserved pool's).
func (s *Service) serveGetConcurrency(w http.ResponseWriter, r *http.Request) {
	fn := s.lookup(w, r)
	if fn == nil {
		return
	}
	body := map[string]int{}
	if fn.cfg.ReservedConcurrency > 0 {
		body["ReservedConcurrentExecutions"] = fn.cfg.ReservedConcurrency
	}
	writeJSON(w, body)
}

func (s *Service) serveGetConfiguration(w http.ResponseWriter, r *http.Request) {
	if fn := s.lookup(w, r); fn != nil {
		writeJSON(w, fn.configuration())
	}
}

// listPage is the most functions one ListFunctions response holds, whatever MaxItems asks (the
// model: "ListFunctions returns a maximum of 50 items in each response").
const listPage = 50

// serveList is ListFunctions, by name, in pages of MaxItems (1-10000, at most 50) after Marker.
func (s *Service) serveList(w http.ResponseWriter, r *http.Request) {
	limit, after, listing, err := listParams(r)
	if err != nil {
		err.write(w)
		return
	}
	s.mu.Lock()
	var fns []*function
	for name, fn := range s.fns {
		if name > after {
			fns = append(fns, fn)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(fns, func(a, b *function) int { return strings.Compare(a.cfg.Name, b.cfg.Name) })
	body := map[string]any{}
	if len(fns) > limit {
		fns = fns[:limit]
		body["NextMarker"] = pagetoken.After(listing, fns[limit-1].cfg.Name)
	}
	list := make([]map[string]any, len(fns))
	for i, fn := range fns {
		list[i] = fn.configuration()
	}
	body["Functions"] = list
	writeJSON(w, body)
}

// listParams reads ListFunctions' MaxItems (the page size) and Marker (the name a page ends at),
// and names the listing the request asks for (its other parameters, pagetoken.Scope): a Marker
// is good for the request it came from only. A MaxItems outside the model's 1-10000 is a
// ValidationException; a Marker that no ListFunctions of the same request gave is an
// InvalidParameterValueException (the model's error for ListFunctions; the message is ours, as is
// the one for a MaxItems that is no integer).
func listParams(r *http.Request) (limit int, after, listing string, err *apiError) {
	q := r.URL.Query()
	var members []string
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if k != "Marker" && k != "MaxItems" {
			members = append(members, k, strings.Join(q[k], "\x00"))
		}
	}
	listing = pagetoken.Scope("ListFunctions", members...)
	limit = listPage
	if v, ok := q["MaxItems"]; ok {
		n, perr := strconv.Atoi(v[0])
		switch {
		case perr != nil:
			return 0, "", "", violates("maxItems", v[0], "be an integer")
		case n < 1:
			return 0, "", "", violates("maxItems", n, "have value greater than or equal to 1")
		case n > 10000:
			return 0, "", "", violates("maxItems", n, "have value less than or equal to 10000")
		}
		limit = min(n, listPage)
	}
	if v, ok := q["Marker"]; ok {
		name, found := pagetoken.Last(v[0], listing)
		if !found || name == "" {
			return 0, "", "", &apiError{http.StatusBadRequest, "InvalidParameterValueException", "Invalid Marker: '" + v[0] + "' was not returned by ListFunctions"}
		}
		after = name
	}
	return limit, after, listing, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// WriteAPIError writes a Lambda API error: its status, X-Amzn-ErrorType and {"Type", "message"}
// (and the extra members, name then value), as the SDKs read it.
func WriteAPIError(w http.ResponseWriter, status int, typ, msg string, extra ...string) {
	body := map[string]string{"Type": "User", "message": msg}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
