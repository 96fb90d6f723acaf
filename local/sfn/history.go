package sfn

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// historyEvent is one GetExecutionHistory event, rendered as AWS renders it.
type historyEvent struct {
	ID         int64
	PreviousID int64
	Timestamp  time.Time
	Type       string
	DetailsKey string
	Details    map[string]any
}

func (h historyEvent) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"id":              h.ID,
		"previousEventId": h.PreviousID,
		"timestamp":       epoch(h.Timestamp),
		"type":            h.Type,
	}
	if h.DetailsKey != "" {
		m[h.DetailsKey] = h.Details
	}
	return json.Marshal(m)
}

// add appends a history event; call with the service lock held. An event's previousEventId is the
// one before it, but the first state's StateEntered follows no event: AWS's histories give it 0,
// as they give ExecutionStarted (its StateEntered is the second event, after ExecutionStarted).
func (e *execution) add(at time.Time, typ, detailsKey string, details map[string]any) int {
	id := int64(len(e.history) + 1)
	previous := id - 1
	if id == 2 && strings.HasSuffix(typ, "StateEntered") {
		previous = 0
	}
	e.history = append(e.history, historyEvent{ID: id, PreviousID: previous, Timestamp: at, Type: typ, DetailsKey: detailsKey, Details: details})
	return len(e.history) - 1
}

// libEvent is an event of aws-local-stepfunctions' event log, or one of host.mjs's Task* events.
type libEvent struct {
	Type      string `json:"type"`
	Timestamp int64  `json:"timestamp"`
	State     *struct {
		Name   string          `json:"name"`
		Type   string          `json:"type"`
		Input  json.RawMessage `json:"input"`
		Output json.RawMessage `json:"output"`
	} `json:"state"`
	ParentState *struct {
		Name string `json:"name"`
	} `json:"parentState"`
	Index     *int   `json:"index"`
	StateName string `json:"stateName"`

	// host.mjs Task* events
	Resource   string          `json:"resource"`
	Parameters json.RawMessage `json:"parameters"`
	Output     json.RawMessage `json:"output"`
	Error      *string         `json:"Error"`
	Cause      json.RawMessage `json:"Cause"`
}

// onEvent maps one interpreter event onto the AWS history event types.
func (s *Service) onEvent(arn string, raw json.RawMessage) {
	var ev libEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		s.log.Error("bad event from interpreter", "execution_arn", arn, "error", err)
		return
	}
	at := time.UnixMilli(ev.Timestamp)
	if ev.Timestamp == 0 {
		at = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executions[arn]
	if !ok || e.status != statusRunning {
		return // an in-flight task answered after the execution ended
	}
	switch ev.Type {
	case "StateEntered":
		if ev.State == nil {
			return
		}
		e.add(at, ev.State.Type+"StateEntered", "stateEnteredEventDetails", map[string]any{
			"name": ev.State.Name, "input": jsonText(ev.State.Input), "inputDetails": map[string]any{"truncated": false},
		})
		switch ev.State.Type {
		case "Map":
			e.mapStarted[ev.State.Name] = e.add(at, "MapStateStarted", "mapStateStartedEventDetails", map[string]any{"length": 0})
		case "Parallel":
			e.add(at, "ParallelStateStarted", "", nil)
		}
	case "StateExited":
		if ev.State == nil {
			return
		}
		switch ev.State.Type {
		case "Map":
			e.add(at, "MapStateSucceeded", "", nil)
		case "Parallel":
			e.add(at, "ParallelStateSucceeded", "", nil)
		case "Fail":
			return // AWS has no FailStateExited
		}
		e.add(at, ev.State.Type+"StateExited", "stateExitedEventDetails", map[string]any{
			"name": ev.State.Name, "output": jsonText(ev.State.Output), "outputDetails": map[string]any{"truncated": false},
		})
	case "StateFailed":
		if ev.State == nil {
			return
		}
		switch ev.State.Type {
		case "Map":
			e.add(at, "MapStateFailed", "", nil)
		case "Parallel":
			e.add(at, "ParallelStateFailed", "", nil)
		case "Task":
			// Failures answered by Go already produced TaskFailed; the interpreter's own timeout did not.
			if deref(ev.Error) == "States.Timeout" && !e.lastTaskEventFailed() {
				d := taskDetails(ev.Resource)
				d["error"], d["cause"] = "States.Timeout", causeText(ev.Cause)
				e.add(at, "TaskTimedOut", "taskTimedOutEventDetails", d)
			}
		}
	case "MapIterationStarted", "MapIterationSucceeded", "MapIterationFailed":
		if ev.ParentState == nil || ev.Index == nil {
			return
		}
		e.add(at, ev.Type, lowerFirst(ev.Type)+"EventDetails", map[string]any{"name": ev.ParentState.Name, "index": *ev.Index})
		if ev.Type == "MapIterationStarted" {
			if i, ok := e.mapStarted[ev.ParentState.Name]; ok {
				e.history[i].Details["length"] = e.history[i].Details["length"].(int) + 1
			}
		}
	case "TaskScheduled":
		d := taskDetails(ev.Resource)
		d["region"] = regionOf(e.machineArn)
		d["parameters"] = jsonText(ev.Parameters)
		e.add(at, "TaskScheduled", "taskScheduledEventDetails", d)
	case "TaskStarted":
		e.add(at, "TaskStarted", "taskStartedEventDetails", taskDetails(ev.Resource))
	case "TaskSucceeded":
		d := taskDetails(ev.Resource)
		d["output"] = jsonText(ev.Output)
		d["outputDetails"] = map[string]any{"truncated": false}
		e.add(at, "TaskSucceeded", "taskSucceededEventDetails", d)
	case "TaskFailed":
		d := taskDetails(ev.Resource)
		d["error"], d["cause"] = deref(ev.Error), causeText(ev.Cause)
		e.add(at, "TaskFailed", "taskFailedEventDetails", d)
	}
	// StateRetried, StateCaught and ParallelBranch* have no AWS history events of their own.
}

func (e *execution) lastTaskEventFailed() bool {
	for i := len(e.history) - 1; i >= 0; i-- {
		switch e.history[i].Type {
		case "TaskFailed":
			return true
		case "TaskScheduled", "TaskStarted", "TaskSucceeded":
			return false
		}
	}
	return false
}

// taskDetails splits a Task resource the way AWS history shows it: for
// arn:aws:states:::aws-sdk:ssm:putParameter, resourceType "aws-sdk:ssm" and resource "putParameter".
func taskDetails(resource string) map[string]any {
	r := strings.TrimPrefix(resource, "arn:aws:states:::")
	typ, name := r, ""
	if i := strings.LastIndex(r, ":"); i >= 0 {
		typ, name = r[:i], r[i+1:]
	}
	return map[string]any{"resourceType": typ, "resource": name}
}

func regionOf(arn string) string {
	region, _, _ := parseArn(arn, "stateMachine")
	return region
}

func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "null"
	}
	return compactJSON(raw)
}

// causeText renders a cause: strings as they are, anything else as JSON.
func causeText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if len(raw) == 0 {
		return ""
	}
	return compactJSON(raw)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// epoch renders a timestamp as awsJson1.0 does: seconds since the epoch, with milliseconds.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(float64(tt.UnixMilli())/1000, 'f', 3, 64)), nil
}

// isoMillis is how Step Functions renders timestamps inside JSON documents.
const isoMillis = "2006-01-02T15:04:05.000Z"
