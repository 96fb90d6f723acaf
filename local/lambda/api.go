package lambda

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// Handler serves the Lambda API (signing name "lambda", REST-JSON) for the gateway to mount:
// Invoke (RequestResponse, Event, DryRun), GetFunction, GetFunctionConfiguration and ListFunctions.
// Errors are AWS-shaped (X-Amzn-ErrorType + {"Type","message"}), so the SDK's typed errors work.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", s.serveInvoke)
	mux.HandleFunc("GET /2015-03-31/functions/{name}", s.serveGetFunction)
	mux.HandleFunc("GET /2015-03-31/functions/{name}/configuration", s.serveGetConfiguration)
	mux.HandleFunc("GET /2015-03-31/functions/{$}", s.serveList)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusBadRequest, "InvalidParameterValueException", "operation not supported by the local Lambda: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// functionName accepts a name, a full or partial ARN, with or without a :$LATEST qualifier.
func functionName(ref string) string {
	if i := strings.Index(ref, "function:"); i >= 0 {
		ref = ref[i+len("function:"):]
	}
	if name, q, ok := strings.Cut(ref, ":"); ok && q != "" {
		return name
	}
	return ref
}

func (s *Service) lookup(w http.ResponseWriter, r *http.Request) *function {
	name := functionName(r.PathValue("name"))
	s.mu.Lock()
	fn := s.fns[name]
	s.mu.Unlock()
	if fn == nil {
		writeAPIError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+s.ARN(name))
	}
	return fn
}

func (s *Service) serveInvoke(w http.ResponseWriter, r *http.Request) {
	fn := s.lookup(w, r)
	if fn == nil {
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	if len(payload) > MaxPayload {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	case "Event":
		// Asynchronous: accepted now, queued, run in the background with Lambda's retries.
		if err := s.InvokeAsync(fn.cfg.Name, payload); err != nil {
			writeAPIError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+s.ARN(fn.cfg.Name))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		return
	case "", "RequestResponse":
	default:
		writeAPIError(w, http.StatusBadRequest, "InvalidParameterValueException", "X-Amz-Invocation-Type: "+typ)
		return
	}
	out, fnErr, err := fn.invoke(r.Context(), payload)
	switch {
	case errors.Is(err, ErrThrottled):
		w.Header().Set("Retry-After", "1")
		writeAPIError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.", "Reason", "ReservedFunctionConcurrentInvocationLimitExceeded")
	case err != nil:
		writeAPIError(w, http.StatusInternalServerError, "ServiceException", err.Error())
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
	return map[string]any{
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
		"PackageType":   "Zip",
	}
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

func (s *Service) serveGetConfiguration(w http.ResponseWriter, r *http.Request) {
	if fn := s.lookup(w, r); fn != nil {
		writeJSON(w, fn.configuration())
	}
}

func (s *Service) serveList(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var list []map[string]any
	for _, fn := range s.fns {
		list = append(list, fn.configuration())
	}
	s.mu.Unlock()
	if list == nil {
		list = []map[string]any{}
	}
	writeJSON(w, map[string]any{"Functions": list})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func writeAPIError(w http.ResponseWriter, status int, typ, msg string, extra ...string) {
	body := map[string]string{"Type": "User", "message": msg}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
