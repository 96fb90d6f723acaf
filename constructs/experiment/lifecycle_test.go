package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sfnapi "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/sfn"
	"github.com/chaoslab/serverless-chaos-lab/local/ssm"
)

// The machine as the local cloud runs it: the definition in local/sfn's interpreter, the Rule
// (experiments.RollbackPattern, RollbackInputTemplate) in its EventBridge emulation, the fault
// parameter in the local Parameter Store, sfn:describeExecution against the service itself;
// CloudWatch answers from each machine's fixtures. Unlike testdata/run.mjs, a rollback run here exists only if the rule
// started it.

const localAccount = "123456789012"

// localStates is one local Step Functions, Parameter Store and gateway for a test.
type localStates struct {
	svc    *sfn.Service
	params *ssm.Service
	client *sfnapi.Client

	mu sync.Mutex
	// metrics: state machine name → phase (Before, After, Recovery, Guard) → what every probe of
	// that phase reads: a number, nil (no data) or "error" (GetMetricData fails). Default 0, inside
	// every tolerance of exp_1.
	metrics map[string]map[string]any
}

func startLocalStates(t *testing.T) *localStates {
	t.Helper()
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	l := &localStates{params: ssm.New(), metrics: map[string]map[string]any{}}
	gw := gateway.New(gateway.Options{Logger: log})
	gw.Handle("ssm", l.params)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addr, err := gw.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	endpoint := "http://" + addr
	caller := sfn.NewSDKCallerForEndpoint(endpoint)
	l.svc = sfn.New(sfn.Options{Log: log, Dir: t.TempDir(),
		Call: func(ctx context.Context, service, action string, p json.RawMessage) (json.RawMessage, error) {
			if service == "cloudwatch" && action == "getMetricData" {
				task, _ := sfn.TaskFromContext(ctx)
				return l.getMetricData(task)
			}
			return caller.Call(ctx, service, action, p)
		}})
	gw.Handle("states", l.svc.Handler())
	sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
	defer scancel()
	testenv.Require(t, "Node 22 and aws-local-stepfunctions (make deps)", l.svc.Start(sctx))
	t.Cleanup(func() {
		if err := l.svc.Close(); err != nil {
			t.Error(err)
		}
	})
	l.client = sfnapi.NewFromConfig(aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""), BaseEndpoint: aws.String(endpoint)})
	return l
}

// getMetricData answers a probe of the task's phase from the fixtures of the task's machine.
func (l *localStates) getMetricData(task sfn.Task) (json.RawMessage, error) {
	parts := strings.Split(task.ExecutionArn, ":") // arn:aws:states:<region>:<account>:execution:<machine>:<name>
	if len(parts) != 8 {
		return nil, &sfn.TaskError{Name: "States.Runtime", Fatal: true, Cause: "no execution in the call's context"}
	}
	l.mu.Lock()
	v, ok := l.metrics[parts[6]][strings.TrimSuffix(task.State, ".Query")]
	l.mu.Unlock()
	if !ok {
		v = 0
	}
	if v == "error" {
		return nil, &sfn.TaskError{Name: "CloudWatch.InternalServiceException", Cause: "fixture: GetMetricData fails in " + task.State}
	}
	values := []any{}
	if v != nil {
		values = append(values, v)
	}
	return json.Marshal(map[string]any{"MetricDataResults": []any{map[string]any{"Id": "m", "StatusCode": "Complete", "Values": values}}})
}

// deploy creates the machine name (writing param, executions timing out after timeout seconds)
// and its Rule, as the stack declares them, with the fault switched off.
func (l *localStates) deploy(t *testing.T, name, param string, timeout int, metrics map[string]any) string {
	t.Helper()
	arn := "arn:aws:states:us-east-1:" + localAccount + ":stateMachine:" + name
	if err := l.svc.CreateStateMachine(name, arn, DefinitionJSON(param, timeout), "arn:aws:iam::"+localAccount+":role/experiment"); err != nil {
		t.Fatal(err)
	}
	pattern, err := json.Marshal(experiments.RollbackPattern(arn))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.svc.AddRule(sfn.Rule{Name: name, Pattern: pattern, Targets: []sfn.Target{{ID: "Target0", Arn: arn,
		InputTransformer: &sfn.InputTransformer{InputPathsMap: experiments.RollbackInputPaths(),
			InputTemplate: experiments.RollbackInputTemplate}}}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.svc.RemoveRule(name) })
	l.mu.Lock()
	l.metrics[name] = metrics
	l.mu.Unlock()
	if _, err := l.params.Put(param, `{"isEnabled": false}`); err != nil {
		t.Fatal(err)
	}
	return arn
}

// settle waits until every execution of machine has ended and the rules have seen each end (so
// every rollback run there will be has started and ended too), and returns them, oldest first.
func (l *localStates) settle(t *testing.T, machine string) []execution {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var done []execution
	for {
		out, err := l.client.ListExecutions(ctx, &sfnapi.ListExecutionsInput{StateMachineArn: &machine})
		if err != nil {
			t.Fatalf("ListExecutions: %v", err)
		}
		if len(out.Executions) == len(done) {
			return done
		}
		if len(out.Executions) > 5 {
			t.Fatalf("%d executions of %s: rollback runs in a loop?", len(out.Executions), machine)
		}
		slices.SortFunc(out.Executions, func(a, b types.ExecutionListItem) int { return a.StartDate.Compare(*b.StartDate) })
		done = done[:0]
		for _, e := range out.Executions {
			st, err := l.svc.WaitExecution(ctx, *e.ExecutionArn)
			if err != nil {
				t.Fatalf("execution %s did not end: %v", *e.ExecutionArn, err)
			}
			done = append(done, execution{Arn: *e.ExecutionArn, Status: st.Status, Error: st.Error, Cause: st.Cause, Output: json.RawMessage(st.Output)})
		}
		if err := l.svc.WaitEvents(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// writes are the values written to param, oldest first (the test's own first write included).
func (l *localStates) writes(param string) []string {
	var out []string
	for _, w := range l.params.History(param) {
		out = append(out, w.Value)
	}
	return out
}

// TestNoFaultOutlivesItsExperiment runs the machine and its Rule for every way an execution can end:
// afterwards the fault is off, no write left a fault on past the cap, the journal says what
// happened, and a rollback run exists exactly when the machine could not run its rollbacks itself.
func TestNoFaultOutlivesItsExperiment(t *testing.T) {
	testenv.SkipIfShort(t, "runs experiments of a few seconds each on the local Step Functions (Node 22)")
	l := startLocalStates(t)

	// exp_1 in seconds: 1 s observed before and after the rollbacks, a 2 s pause (cap 2 s + margin).
	fast := experiments.Overrides{ProbeWindow: time.Second, Recovery: time.Second, Pause: 2 * time.Second, GuardInterval: time.Second, Onset: new(time.Second)}
	guarded := fast
	guarded.Pause = 3 * time.Second
	long := fast
	long.Pause = time.Minute // stopped or timed out during its pause
	// Stopped before its fault is in force: an onset the stop always comes within (with one of 1 s,
	// a loaded machine's stop came after it, and the fault was in force).
	abortable := long
	abortable.Onset = new(10 * time.Second)
	input := func(o experiments.Overrides, guard bool, edit func(in map[string]any)) map[string]any {
		in := asMap(t, compiled(t, guard, o))
		if edit != nil {
			edit(in)
		}
		return in
	}
	// A guard without its probes: the guard's Pass state (Guard.One) reads $.guard.probe after the
	// fault is written, a States.Runtime error that no Catch sees.
	noGuardProbe := func(in map[string]any) {
		delete(in["guard"].(map[string]any), "probes")
		delete(in["guard"].(map[string]any), "probe")
	}

	tests := []struct {
		name    string
		input   map[string]any
		metrics map[string]any
		timeout int  // seconds. Default: 600
		abort   bool // StopExecution once the fault is written

		// The experiment's execution, then every rollback run the Rule started, in order.
		ends   []string // "STATUS" or "STATUS Error"
		faults int      // enabled faults written
		check  func(t *testing.T, runs []execution)
	}{
		{name: "held", input: input(fast, false, nil),
			ends: []string{"SUCCEEDED"}, faults: 1,
			check: func(t *testing.T, runs []execution) { wantVerdict(t, runs[0], experiments.VerdictHeld, 1) }},
		{name: "deviated", input: input(fast, false, nil), metrics: map[string]any{"After": 40},
			ends: []string{"FAILED " + experiments.ErrSteadyStateDeviated}, faults: 1,
			check: func(t *testing.T, runs []execution) {
				j := wantVerdict(t, runs[0], experiments.VerdictDeviated, 1)
				if j.After[2].Status != experiments.ProbeDeviated {
					t.Errorf("after = %+v", j.After)
				}
			}},
		{name: "not steady before", input: input(fast, false, nil), metrics: map[string]any{"Before": nil},
			ends: []string{"FAILED " + experiments.ErrNotSteadyBefore}, faults: 0,
			check: func(t *testing.T, runs []execution) {
				if j := runs[0].journal(t); j.Verdict != experiments.VerdictNotSteadyBefore || j.Method != nil || j.Rollbacks != nil {
					t.Errorf("journal %+v", j)
				}
			}},
		{name: "a failing task", input: input(fast, false, nil), metrics: map[string]any{"After": "error"},
			ends: []string{"FAILED " + experiments.ErrExperimentAborted}, faults: 1,
			check: func(t *testing.T, runs []execution) {
				j := wantVerdict(t, runs[0], experiments.VerdictAborted, 1)
				if j.Error == nil || j.Error.Error != "CloudWatch.InternalServiceException" {
					t.Errorf("journal error %+v", j.Error)
				}
			}},
		{name: "a runtime error in a Pass state", input: input(fast, true, noGuardProbe),
			ends: []string{"FAILED States.Runtime", "SUCCEEDED"}, faults: 1,
			check: func(t *testing.T, runs []execution) {
				if !strings.Contains(runs[0].Cause, "$.guard.probe") {
					t.Errorf("cause %q, want the missing path", runs[0].Cause)
				}
				wantRollbackOf(t, runs[1], runs[0], "States.Runtime")
				wantRecovered(t, l, runs[1], runs[0], true) // the guard's first probe, after the onset
			}},
		{name: "aborted", input: input(abortable, false, nil), abort: true,
			ends: []string{"ABORTED", "SUCCEEDED"}, faults: 1,
			check: func(t *testing.T, runs []execution) {
				wantRollbackOf(t, runs[1], runs[0], "")
				wantRecovered(t, l, runs[1], runs[0], false)
			}},
		{name: "timed out", input: input(long, false, nil), timeout: 8,
			ends: []string{"TIMED_OUT States.Timeout", "SUCCEEDED"}, faults: 1,
			check: func(t *testing.T, runs []execution) {
				wantRollbackOf(t, runs[1], runs[0], "States.Timeout")
				wantRecovered(t, l, runs[1], runs[0], true)
			}},
		// The guard's checks are in the history (chaoslab adds them to the journal it writes): the
		// state names experiments.GuardChecks reads are the machine's.
		{name: "a guard that holds is checked every slice", input: input(guarded, true, nil),
			ends: []string{"SUCCEEDED"}, faults: 1,
			check: func(t *testing.T, runs []execution) {
				j := wantVerdict(t, runs[0], experiments.VerdictHeld, 1)
				cs := guardChecks(t, l, runs[0].Arn)
				if len(cs) != 2 { // 3 s after the write: 1 s onset, then 2 slices of 1 s
					t.Fatalf("%d guard checks %+v, want 2", len(cs), cs)
				}
				for _, c := range cs {
					if c.Action != j.Method[0].Name || c.Name != "normal-error-rates" || c.Status != experiments.ProbeOK || !c.Pass || c.Value == nil || c.Start != j.Method[0].PutAt {
						t.Errorf("guard check %+v, want normal-error-rates ok over a window from %s's write (%s)", c, j.Method[0].Name, j.Method[0].PutAt)
					}
				}
			}},
		{name: "a guard's breach is its last check", input: input(guarded, true, nil), metrics: map[string]any{"Guard": 40},
			ends: []string{"FAILED " + experiments.ErrSteadyStateDeviated}, faults: 1,
			check: func(t *testing.T, runs []execution) {
				j := runs[0].journal(t)
				cs := guardChecks(t, l, runs[0].Arn)
				if j.GuardBreach == nil || len(cs) != 1 || cs[0].Status != experiments.ProbeDeviated || cs[0].Pass || cs[0].End != j.GuardBreach.Probe.End {
					t.Errorf("guard checks %+v with the breach %+v: want the breach alone", cs, j.GuardBreach)
				}
			}},
		{name: "a failing rollback run is not rolled back in a loop", input: input(fast, true, func(in map[string]any) {
			noGuardProbe(in)
			// The rollback run fails too, with a runtime error after its write (Rollback.Done reads
			// the action's name).
			delete(item(in, "rollbacks", 0), "name")
		}),
			ends: []string{"FAILED States.Runtime", "FAILED States.Runtime", "SUCCEEDED"}, faults: 1,
			check: func(t *testing.T, runs []execution) {
				if !strings.Contains(runs[1].Cause, "$.action.name") {
					t.Errorf("rollback run cause %q", runs[1].Cause)
				}
				// The third run is the rollback of the rollback run: it stops at once, writing nothing.
				var out struct{ RollbackOf string }
				if err := json.Unmarshal(runs[2].Output, &out); err != nil || out.RollbackOf != runs[1].Arn {
					t.Errorf("third run %s: %v", runs[2].Output, err)
				}
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name, param := fmt.Sprintf("lifecycle-%d", i), fmt.Sprintf("/lifecycle/%d/fault", i)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 600
			}
			machine := l.deploy(t, name, param, timeout, tt.metrics)
			b, _ := json.Marshal(tt.input)
			arn, _, err := l.svc.StartExecution(machine, "experiment", string(b))
			if err != nil {
				t.Fatal(err)
			}
			if tt.abort {
				// Once the fault is written and its Put has exited: a stop between the write and
				// the exit leaves a history that cannot say the write happened (the stop came
				// first there, on a loaded machine, and the recovered journal had no fault).
				waitForFault(t, l, param)
				waitForExit(t, l, arn, StateActionPut)
				if _, err := l.svc.StopExecution(arn, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			runs := l.settle(t, machine)

			var ends []string
			for _, r := range runs {
				ends = append(ends, strings.TrimSpace(r.Status+" "+r.Error))
			}
			if !slices.Equal(ends, tt.ends) {
				t.Fatalf("executions ended %q, want %q", ends, tt.ends)
			}
			if runs[0].Arn != arn {
				t.Fatalf("first execution %s, want %s", runs[0].Arn, arn)
			}
			// Off afterwards, and never on without an expiry within the cap.
			writes := l.writes(param)
			cap := 0
			for _, a := range tt.input["method"].([]any) {
				a := a.(map[string]any)
				cap += int(a["pauseBeforeSeconds"].(float64) + a["pauseAfterSeconds"].(float64))
			}
			cap += capMargin
			faults := 0
			for _, w := range writes {
				c, err := faultconfig.Parse([]byte(w))
				if err != nil {
					t.Fatalf("the machine wrote %s: %v", w, err)
				}
				if c.Enabled {
					faults++
					if c.ExpiresAfter <= 0 || c.ExpiresAfter > time.Duration(cap)*time.Second {
						t.Errorf("a fault on for %v, want at most the cap %d s: %s", c.ExpiresAfter, cap, w)
					}
				}
			}
			if last, err := faultconfig.Parse([]byte(writes[len(writes)-1])); err != nil || last.Enabled {
				t.Errorf("the fault is on afterwards: %s (%v)", writes[len(writes)-1], err)
			}
			if faults != tt.faults {
				t.Errorf("%d faults written, want %d: %q", faults, tt.faults, writes)
			}
			if tt.check != nil {
				tt.check(t, runs)
			}
		})
	}
}

// guardChecks are the guard checks in the history of the execution arn (experiments.GuardChecks).
func guardChecks(t *testing.T, l *localStates, arn string) []experiments.GuardCheck {
	t.Helper()
	exits, _ := stateExits(t, l, arn)
	return experiments.GuardChecks(exits)
}

// stateExits are the state exits in the history of the execution arn, oldest first, and the time
// of its last event.
func stateExits(t *testing.T, l *localStates, arn string) (exits []experiments.StateExit, last time.Time) {
	t.Helper()
	pages := sfnapi.NewGetExecutionHistoryPaginator(l.client, &sfnapi.GetExecutionHistoryInput{ExecutionArn: &arn, IncludeExecutionData: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			if d := e.StateExitedEventDetails; d != nil {
				exits = append(exits, experiments.StateExit{Name: aws.ToString(d.Name), At: aws.ToTime(e.Timestamp), Output: aws.ToString(d.Output)})
			}
			last = aws.ToTime(e.Timestamp)
		}
	}
	return exits, last
}

// wantVerdict checks the journal of an experiment that ran its own rollbacks.
func wantVerdict(t *testing.T, e execution, verdict string, rollbacks int) *experiments.Journal {
	t.Helper()
	j := e.journal(t)
	if j.Verdict != verdict || j.RollbackOf != "" || len(j.Rollbacks) != rollbacks || len(j.AfterRollback) != 3 || j.ExecutionArn != e.Arn {
		t.Errorf("journal %+v, want verdict %s and %d rollbacks", j, verdict, rollbacks)
	}
	return j
}

// wantRollbackOf checks the journal of the rollback run of the execution of, which ended with
// errName ("": none).
func wantRollbackOf(t *testing.T, run, of execution, errName string) {
	t.Helper()
	j := run.journal(t)
	if j.RollbackOf != of.Arn || j.Verdict != experiments.VerdictAborted || len(j.Rollbacks) != 1 || len(j.AfterRollback) != 3 || j.Before != nil {
		t.Errorf("rollback journal %+v", j)
	}
	switch {
	case errName == "" && j.Error != nil:
		t.Errorf("journal error %+v, want none", j.Error)
	case errName != "" && (j.Error == nil || j.Error.Error != errName || j.Error.Cause != of.Cause):
		t.Errorf("journal error %+v, want %s: %s", j.Error, errName, of.Cause)
	}
}

// wantRecovered checks the journal of the execution of, which ended during its pause, as chaoslab
// writes it (experiments.RecoverJournal from its history, MergeRollback with its rollback run's):
// the steady state before and the fault written are the execution's, in force when inForce (its
// onset over), its pause ending when the execution did; the rollbacks are the rollback run's.
func wantRecovered(t *testing.T, l *localStates, run, of execution, inForce bool) {
	t.Helper()
	exits, stopped := stateExits(t, l, of.Arn)
	part := experiments.RecoverJournal(exits, stopped)
	if part == nil {
		t.Fatalf("no journal recovered from %d state exits of %s", len(exits), of.Arn)
	}
	j := experiments.MergeRollback(part, run.journal(t))
	if j.ExecutionArn != of.Arn || j.RolledBackBy != run.Arn || j.RollbackOf != "" || j.Verdict != experiments.VerdictAborted || j.StartedAt == "" {
		t.Errorf("merged journal %+v, want %s's rolled back by %s, aborted", j, of.Arn, run.Arn)
	}
	if len(j.Before) != 3 || !j.Before[0].Pass || !j.Before[1].Pass || !j.Before[2].Pass {
		t.Errorf("steady state before %+v, want the execution's 3 probes", j.Before)
	}
	if len(j.Method) != 1 {
		t.Fatalf("method %+v, want the fault written", j.Method)
	}
	a := j.Method[0]
	put, _ := time.Parse(time.RFC3339Nano, a.PutAt)
	ended, _ := time.Parse(time.RFC3339Nano, a.EndedAt)
	if a.Name == "" || a.Parameter == "" || len(a.Value) == 0 || put.IsZero() || ended.Before(put) || ended.After(stopped) || (a.InForceAt != "") != inForce {
		t.Errorf("fault %+v (ended by %s), want its write, in force %t, its pause ending at the stop", a, stopped, inForce)
	}
	if j.After != nil || len(j.Rollbacks) != 1 || len(j.AfterRollback) != 3 {
		t.Errorf("merged journal: after %v, %d rollbacks, %d probes after them; want none, the rollback run's 1 and 3", j.After, len(j.Rollbacks), len(j.AfterRollback))
	}
}

// waitForFault waits until a fault is on in param.
// waitForExit waits until the execution's history has an exit of the state name.
func waitForExit(t *testing.T, l *localStates, arn, name string) {
	t.Helper()
	if !poll.Until(time.Minute, 20*time.Millisecond, func() bool {
		out, err := l.client.GetExecutionHistory(context.Background(), &sfnapi.GetExecutionHistoryInput{ExecutionArn: &arn, ReverseOrder: true})
		if err != nil {
			return false
		}
		for _, e := range out.Events {
			if d := e.StateExitedEventDetails; d != nil && aws.ToString(d.Name) == name {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("%s never left %s", arn, name)
	}
}

func waitForFault(t *testing.T, l *localStates, param string) {
	t.Helper()
	if !poll.Until(time.Minute, 20*time.Millisecond, func() bool {
		p, err := l.params.Get(param)
		if err != nil {
			return false
		}
		c, err := faultconfig.Parse([]byte(p.Value))
		return err == nil && c.Enabled
	}) {
		t.Fatalf("no fault written to %s", param)
	}
}
