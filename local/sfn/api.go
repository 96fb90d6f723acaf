package sfn

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/modelrule"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/pagetoken"
)

// apiError is a Step Functions API error as the SDK decodes it (X-Amzn-Errortype + __type).
type apiError struct {
	Code    string
	Message string
	Status  int    // Default: 400
	Reason  string // a ValidationException's reason (the model's ValidationExceptionReason), if any
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// ErrorCode returns the AWS error code of err if it is a Step Functions API error
// (e.g. "StateMachineDoesNotExist", "InvalidDefinition"), else "".
func ErrorCode(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

const jsonContentType = "application/x-amz-json-1.0"

// Handler serves the Step Functions API (awsJson1.0, X-Amz-Target: AWSStepFunctions.<Op>).
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, &apiError{Code: "UnknownOperationException", Message: "Step Functions takes POST requests", Status: 405})
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	if !ok {
		writeError(w, &apiError{Code: "UnknownOperationException", Message: "missing or foreign X-Amz-Target header"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		writeError(w, &apiError{Code: "SerializationException", Message: err.Error()})
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	var out any
	switch op {
	case "StartExecution":
		out, err = s.apiStartExecution(body)
	case "DescribeExecution":
		out, err = s.apiDescribeExecution(body)
	case "GetExecutionHistory":
		out, err = s.apiGetExecutionHistory(body)
	case "StopExecution":
		out, err = s.apiStopExecution(body)
	case "ListExecutions":
		out, err = s.apiListExecutions(body)
	case "ListStateMachines":
		out, err = s.apiListStateMachines(body)
	case "DescribeStateMachine":
		out, err = s.apiDescribeStateMachine(body)
	case "DescribeStateMachineForExecution":
		out, err = s.apiDescribeStateMachineForExecution(body)
	default:
		err = &apiError{Code: "UnknownOperationException", Message: "the local Step Functions does not implement " + op}
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", jsonContentType)
	_ = json.NewEncoder(w).Encode(out)
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{Code: "InternalFailure", Message: err.Error(), Status: 500}
	}
	status := ae.Status
	if status == 0 {
		status = 400
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("X-Amzn-Errortype", ae.Code)
	w.WriteHeader(status)
	body := map[string]string{"__type": "com.amazonaws.swf.service.v2.model#" + ae.Code, "message": ae.Message}
	if ae.Reason != "" {
		body["reason"] = ae.Reason
	}
	_ = json.NewEncoder(w).Encode(body)
}

// decode reads a request body as Step Functions does: members by their exact names.
func decode(body []byte, v any) error {
	if err := exactjson.Unmarshal(body, v); err != nil {
		return &apiError{Code: "SerializationException", Message: "request body: " + err.Error()}
	}
	return nil
}

// validation is a ValidationException in AWS's words whose message modelrule does not word: a
// sensitive member too long (an execution's input, a stop's error or cause), whose value AWS does
// not quote.
func validation(format string, args ...any) error {
	return &apiError{Code: "ValidationException", Message: "1 validation error detected: " + fmt.Sprintf(format, args...)}
}

// violates is the ValidationException for member, whose value (nil: absent) breaks rule
// (modelrule.Message).
func violates(member string, value any, rule string) error {
	return &apiError{Code: "ValidationException", Message: modelrule.Message(member, value, rule)}
}

// required is the ValidationException for a required member that is missing: AWS's JSON services
// answer it so (not the query protocol's MissingParameter).
func required(field, v string) error {
	if v == "" {
		return violates(field, nil, "not be null")
	}
	return nil
}

// enum is the ValidationException for a member outside the model's enum ("" is absent).
func enum(field, v string, values ...string) error {
	if v == "" || slices.Contains(values, v) {
		return nil
	}
	return violates(field, v, modelrule.Enum(values...))
}

// requiredArn checks that the request's field is present and is an ARN of the resource type.
func requiredArn(field, arn, resource string) error {
	if err := required(field, arn); err != nil {
		return err
	}
	return validArn(arn, resource)
}

// validArn is InvalidArn unless arn is an ARN of the resource type ("stateMachine", "execution").
func validArn(arn, resource string) error {
	if _, _, err := parseArn(arn, resource); err != nil {
		return &apiError{Code: "InvalidArn", Message: err.Error()}
	}
	return nil
}

func noSuchStateMachine(arn string) error {
	return &apiError{Code: "StateMachineDoesNotExist", Message: "State Machine Does Not Exist: '" + arn + "'"}
}

func noSuchExecution(arn string) error {
	return &apiError{Code: "ExecutionDoesNotExist", Message: "Execution Does Not Exist: '" + arn + "'"}
}

func (s *Service) apiStartExecution(body []byte) (any, error) {
	var in struct {
		StateMachineArn string  `json:"stateMachineArn"`
		Name            *string `json:"name"`
		Input           *string `json:"input"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := requiredArn("stateMachineArn", in.StateMachineArn, "stateMachine"); err != nil {
		return nil, err
	}
	// An absent name is a UUID; a given one has the model's 1-80 characters (checkName).
	if in.Name != nil && *in.Name == "" {
		return nil, violates("name", "", "have length greater than or equal to 1")
	}
	arn, start, err := s.StartExecution(in.StateMachineArn, deref(in.Name), deref(in.Input))
	if err != nil {
		return nil, err
	}
	return map[string]any{"executionArn": arn, "startDate": epoch(start)}, nil
}

// execution looks an execution up by the request's executionArn.
func (s *Service) execution(body []byte) (*execution, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := requiredArn("executionArn", in.ExecutionArn, "execution"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	e, ok := s.executions[in.ExecutionArn]
	s.mu.Unlock()
	if !ok {
		return nil, noSuchExecution(in.ExecutionArn)
	}
	return e, nil
}

func (s *Service) apiDescribeExecution(body []byte) (any, error) {
	e, err := s.execution(body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	snap := e.snapshot()
	s.mu.Unlock()
	out := map[string]any{
		"executionArn":    snap.Arn,
		"stateMachineArn": snap.MachineArn,
		"name":            snap.Name,
		"status":          snap.Status,
		"startDate":       epoch(snap.Start),
		"input":           snap.Input,
		"inputDetails":    map[string]any{"included": true},
	}
	if !snap.Stop.IsZero() {
		out["stopDate"] = epoch(snap.Stop)
	}
	if snap.Output != nil {
		out["output"] = *snap.Output
		out["outputDetails"] = map[string]any{"included": true}
	}
	if snap.Error != nil {
		out["error"] = *snap.Error
	}
	if snap.Cause != nil {
		out["cause"] = *snap.Cause
	}
	// Every execution's redrive fields, as AWS answers them: none here was redriven, and none can
	// be (the local service has no RedriveExecution), which its status says rather than AWS's
	// REDRIVABLE for a failed one.
	out["redriveCount"] = 0
	out["redriveStatus"] = "NOT_REDRIVABLE"
	out["redriveStatusReason"] = "The local Step Functions does not redrive executions (RedriveExecution is not served)"
	return out, nil
}

// pageSize is a request's maxResults as the page size: the model's 0-1000, 0 for the default 100.
func pageSize(maxResults int) (int, error) {
	switch {
	case maxResults < 0:
		return 0, violates("maxResults", maxResults, "have value greater than or equal to 0")
	case maxResults > 1000:
		return 0, violates("maxResults", maxResults, "have value less than or equal to 1000")
	case maxResults == 0:
		return 100, nil
	}
	return maxResults, nil
}

// keyed is an item of a listing and its key: the listing is in the keys' order, rising (or
// falling, newest first), and a key is an item's for as long as it lives.
type keyed[T any] struct {
	key int64
	v   T
}

// page cuts a listing to the items after the token's key, at most size (pageSize's), and returns
// the next token: the listing (pagetoken.Scope of the request's other members) and the last key
// answered. So an item added or removed between two pages (a new execution listed first, a
// deleted machine) neither repeats one nor skips one, and a token of another request is
// InvalidToken.
func page[T any](items []keyed[T], falling bool, listing, token string, size int) ([]T, string, error) {
	if token != "" {
		last, ok := pagetoken.Last(token, listing)
		key, err := strconv.ParseInt(last, 10, 64)
		if !ok || err != nil {
			return nil, "", &apiError{Code: "InvalidToken", Message: "Invalid Token: '" + token + "'"}
		}
		from := slices.IndexFunc(items, func(it keyed[T]) bool { return falling && it.key < key || !falling && it.key > key })
		if from < 0 {
			from = len(items)
		}
		items = items[from:]
	}
	next := ""
	if len(items) > size {
		items = items[:size]
		next = pagetoken.After(listing, strconv.FormatInt(items[size-1].key, 10))
	}
	out := make([]T, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out, next, nil
}

func (s *Service) apiGetExecutionHistory(body []byte) (any, error) {
	e, err := s.execution(body)
	if err != nil {
		return nil, err
	}
	var in struct {
		MaxResults           int    `json:"maxResults"`
		NextToken            string `json:"nextToken"`
		ReverseOrder         bool   `json:"reverseOrder"`
		IncludeExecutionData *bool  `json:"includeExecutionData"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	size, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	events := make([]keyed[historyEvent], len(e.history))
	for i, ev := range e.history {
		events[i] = keyed[historyEvent]{ev.ID, ev}
	}
	s.mu.Unlock()
	if in.ReverseOrder {
		slices.Reverse(events)
	}
	listing := pagetoken.Scope("GetExecutionHistory", e.arn, strconv.FormatBool(in.ReverseOrder), fmt.Sprint(in.IncludeExecutionData != nil && !*in.IncludeExecutionData))
	evs, next, err := page(events, in.ReverseOrder, listing, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	if in.IncludeExecutionData != nil && !*in.IncludeExecutionData {
		evs = withoutData(evs)
	}
	out := map[string]any{"events": evs}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// withoutData drops inputs, outputs and parameters, as includeExecutionData=false asks.
func withoutData(events []historyEvent) []historyEvent {
	out := make([]historyEvent, len(events))
	for i, ev := range events {
		d := map[string]any{}
		for k, v := range ev.Details {
			if k != "input" && k != "output" && k != "parameters" {
				d[k] = v
			}
		}
		ev.Details = d
		out[i] = ev
	}
	return out
}

// maxStopError and maxStopCause are StopExecution's limits on its error and cause (the API
// reference's length constraints, counted in characters as Java counts them).
const maxStopError, maxStopCause = 256, 32768

func (s *Service) apiStopExecution(body []byte) (any, error) {
	var in struct {
		ExecutionArn string  `json:"executionArn"`
		Error        *string `json:"error"`
		Cause        *string `json:"cause"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	// The model's SensitiveError (at most 256 characters) and SensitiveCause (32768): sensitive
	// members, so AWS's message leaves their values out.
	if in.Error != nil && len(utf16.Encode([]rune(*in.Error))) > maxStopError {
		return nil, validation("Value at 'error' failed to satisfy constraint: Member must have length less than or equal to %d", maxStopError)
	}
	if in.Cause != nil && len(utf16.Encode([]rune(*in.Cause))) > maxStopCause {
		return nil, validation("Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to %d", maxStopCause)
	}
	if _, err := s.execution(body); err != nil {
		return nil, err
	}
	stop, err := s.StopExecution(in.ExecutionArn, in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stopDate": epoch(stop)}, nil
}

// listExecutionsMachine checks ListExecutions' choice of what to list: a state machine, or a Map
// Run (mapRunArn), which the model offers instead. Map Runs are Distributed Map's, which the local
// interpreter does not run (a Map state runs inline), so none exists: a Map Run ARN is
// ResourceNotFound, and neither ARN, or both, a ValidationException (AWS's wording for these two
// is not documented; these are ours).
func listExecutionsMachine(machineArn, mapRunArn string) error {
	switch {
	case machineArn == "" && mapRunArn == "":
		return &apiError{Code: "ValidationException", Reason: "MISSING_REQUIRED_PARAMETER",
			Message: "ListExecutions needs a stateMachineArn or a mapRunArn"}
	case machineArn != "" && mapRunArn != "":
		return &apiError{Code: "ValidationException", Message: "ListExecutions takes a stateMachineArn or a mapRunArn, not both"}
	case mapRunArn != "":
		if err := validArn(mapRunArn, "mapRun"); err != nil {
			return err
		}
		return &apiError{Code: "ResourceNotFound", Message: "Resource not found: '" + mapRunArn + "' (the local Step Functions runs no Distributed Map, so no Map Run)"}
	}
	return validArn(machineArn, "stateMachine")
}

func (s *Service) apiListExecutions(body []byte) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		MapRunArn       string `json:"mapRunArn"`
		StatusFilter    string `json:"statusFilter"`
		RedriveFilter   string `json:"redriveFilter"`
		MaxResults      int    `json:"maxResults"`
		NextToken       string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	size, err := pageSize(in.MaxResults)
	if err == nil {
		err = cmp.Or(enum("statusFilter", in.StatusFilter, statusRunning, statusSucceeded, statusFailed, statusTimedOut, statusAborted, "PENDING_REDRIVE"),
			enum("redriveFilter", in.RedriveFilter, "REDRIVEN", "NOT_REDRIVEN"),
			listExecutionsMachine(in.StateMachineArn, in.MapRunArn))
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if _, ok := s.machines[in.StateMachineArn]; !ok {
		s.mu.Unlock()
		return nil, noSuchStateMachine(in.StateMachineArn)
	}
	var items []keyed[map[string]any]
	// Newest first, as AWS lists them, each keyed by its place in the start order. None was
	// redriven (the local service has no RedriveExecution).
	for i := len(s.execSeq) - 1; i >= 0 && in.RedriveFilter != "REDRIVEN"; i-- {
		e := s.executions[s.execSeq[i]]
		if e.machineArn != in.StateMachineArn || (in.StatusFilter != "" && e.status != in.StatusFilter) {
			continue
		}
		item := map[string]any{
			"executionArn": e.arn, "stateMachineArn": e.machineArn, "name": e.name,
			"status": e.status, "startDate": epoch(e.start),
		}
		if !e.stop.IsZero() {
			item["stopDate"] = epoch(e.stop)
		}
		items = append(items, keyed[map[string]any]{int64(i), item})
	}
	s.mu.Unlock()
	listing := pagetoken.Scope("ListExecutions", in.StateMachineArn, in.MapRunArn, in.StatusFilter, in.RedriveFilter)
	executions, next, err := page(items, true, listing, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"executions": nonNil(executions)}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func (s *Service) apiListStateMachines(body []byte) (any, error) {
	var in struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	size, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	var items []keyed[map[string]any]
	for _, arn := range s.machineSeq {
		m := s.machines[arn]
		items = append(items, keyed[map[string]any]{m.seq, map[string]any{"stateMachineArn": m.arn, "name": m.name, "type": "STANDARD", "creationDate": epoch(m.created)}})
	}
	s.mu.Unlock()
	machines, next, err := page(items, false, pagetoken.Scope("ListStateMachines"), in.NextToken, size)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"stateMachines": nonNil(machines)}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func (s *Service) describeMachine(m *machine) map[string]any {
	return map[string]any{
		"stateMachineArn": m.arn, "name": m.name, "status": "ACTIVE", "definition": m.definition,
		"roleArn": m.roleArn, "type": "STANDARD", "creationDate": epoch(m.created),
		"loggingConfiguration": map[string]any{"level": "OFF", "includeExecutionData": false},
		"tracingConfiguration": map[string]any{"enabled": false},
	}
}

func (s *Service) apiDescribeStateMachine(body []byte) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := requiredArn("stateMachineArn", in.StateMachineArn, "stateMachine"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.machines[in.StateMachineArn]
	if !ok {
		return nil, noSuchStateMachine(in.StateMachineArn)
	}
	return s.describeMachine(m), nil
}

func (s *Service) apiDescribeStateMachineForExecution(body []byte) (any, error) {
	e, err := s.execution(body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.machines[e.machineArn]
	if !ok {
		return nil, noSuchStateMachine(e.machineArn)
	}
	d := s.describeMachine(m)
	delete(d, "status")
	delete(d, "type")
	delete(d, "creationDate")
	d["updateDate"] = epoch(m.created)
	return d, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
