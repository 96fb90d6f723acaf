package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/middleware"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner/runnertest"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/internal/syncbuf"
)

func TestMain(m *testing.M) {
	os.Exit(runnertest.Main(m))
}

// newRunner is a Runner on the local cloud lc for the fault parameter param, writing into t's temp dir.
func newRunner(t *testing.T, lc *runnertest.Cloud, param string, out *bytes.Buffer) *Runner {
	return &Runner{SFN: sfn.NewFromConfig(lc.AWS), SSM: ssm.NewFromConfig(lc.AWS), FaultParameter: param, Stdout: out,
		ExecutionName: ExecutionName(t.Name()), JournalPath: filepath.Join(t.TempDir(), "journal.json"), Poll: 200 * time.Millisecond}
}

// compiled is exp_1 with the stand-in's names, for the fault parameter param, with a pause of pause.
func compiled(t *testing.T, param string, pause time.Duration) *experiments.Compiled {
	t.Helper()
	def, err := experiments.LoadDefinition("exp_1-minor_delay")
	if err != nil {
		t.Fatal(err)
	}
	c, err := experiments.Compile(def, experiments.CompileOptions{FaultParameterName: param,
		Env:       experiments.EnvFromOutputs(runnertest.Outputs("", param)),
		Overrides: experiments.Overrides{Pause: pause, ProbeWindow: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Run returns the journal it wrote, and an error that tells a verdict on the hypothesis
// (ErrDeviated) from one that is not (aborted).
func TestRunReturnsJournalAndVerdict(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	tests := []struct {
		name     string
		verdict  string
		deviated bool // errors.Is(err, ErrDeviated)
	}{
		{name: "held", verdict: experiments.VerdictHeld},
		{name: "deviated", verdict: experiments.VerdictDeviated, deviated: true},
		{name: "not steady before", verdict: experiments.VerdictNotSteadyBefore, deviated: true},
		{name: "aborted verdict", verdict: experiments.VerdictAborted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each has its own machine and parameter
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			param := "runner-" + strings.ReplaceAll(tt.name, " ", "-")
			var out bytes.Buffer
			r := newRunner(t, lc, param, &out)

			j, err := r.Run(ctx, lc.Machine(t, tt.verdict, param), compiled(t, param, 2*time.Second))

			if j == nil || j.Verdict != tt.verdict {
				t.Fatalf("journal %+v (err %v), want verdict %s\n%s", j, err, tt.verdict, out.String())
			}
			var ve *VerdictError
			if got := errors.As(err, &ve); got != (tt.verdict != experiments.VerdictHeld) || (got && ve.Verdict != tt.verdict) {
				t.Errorf("err %v, want a VerdictError %s unless held", err, tt.verdict)
			}
			if errors.Is(err, ErrDeviated) != tt.deviated {
				t.Errorf("errors.Is(%v, ErrDeviated) = %t, want %t", err, !tt.deviated, tt.deviated)
			}
			b, rerr := os.ReadFile(r.JournalPath)
			if fj, perr := experiments.ParseJournal(b); rerr != nil || perr != nil || fj.Verdict != tt.verdict {
				t.Errorf("journal file %s: %v %v", b, rerr, perr)
			}
			if !strings.Contains(out.String(), "verdict: "+tt.verdict) || !strings.Contains(out.String(), "journal: "+r.JournalPath) {
				t.Errorf("output lacks the verdict or the journal's path:\n%s", out.String())
			}
			if v := lc.Param(t, param); v != FaultOff {
				t.Errorf("fault parameter after the run: %s", v)
			}
		})
	}
}

// An interrupted run stops the execution, switches the fault off, and returns the rollback
// execution's journal with an error saying the rollback guard rolled it back.
func TestRunInterruptedReturnsRollbackJournal(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	param := "runner-interrupted"
	lc.SetParam(t, param, FaultOff)
	arn := lc.Machine(t, experiments.VerdictHeld, param)
	lc.RollbackGuard(t, arn)
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	r.RollbackWait = 5 * time.Second
	var note string // what a second Ctrl-C would say as it leaves
	r.LeaveNote = func(s string) { note = s }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	duringThePause(lc, param, cancel) // a second into the 60 s pause (a fixed 3 s could come before it on a starved machine)

	j, err := r.Run(ctx, arn, compiled(t, param, time.Minute))
	if !strings.Contains(note, "left at once, no journal written: the fault parameter "+param+" is off") || !strings.Contains(note, "`chaoslab follow arn:aws:states:") || !strings.Contains(note, ":execution:") {
		t.Errorf("leave note %q: want the fault off, no journal, and chaoslab follow of the execution", note)
	}
	if !strings.Contains(out.String(), "following it through its rollbacks and its observation of the recovery for up to ") {
		t.Errorf("output does not say how long the rollback run is followed:\n%s", out.String())
	}

	if err == nil || errors.Is(err, ErrDeviated) || !strings.HasPrefix(err.Error(), "interrupted") ||
		!strings.Contains(err.Error(), "the rollback guard rolled it back") {
		t.Fatalf("err %v, want interrupted; the rollback guard rolled it back\n%s", err, out.String())
	}
	if j == nil || j.Verdict != experiments.VerdictAborted || j.RollbackOf == "" {
		t.Errorf("journal %+v, want the rollback execution's (verdict aborted)", j)
	}
	if v := lc.Param(t, param); v != FaultOff {
		t.Errorf("fault parameter after the abort: %s", v)
	}
}

// duringThePause does stop, in a goroutine of its own, a second after the fault is on in param:
// during the pause of a run of the stand-in (its parameter set off first). The channel gives the
// time stop was called, once it has been.
func duringThePause(lc *runnertest.Cloud, param string, stop func()) <-chan time.Time {
	at := make(chan time.Time, 1)
	go func() {
		// Read here without t.Fatal (not the test's goroutine): a parameter not there yet is not on.
		c := ssm.NewFromConfig(lc.AWS)
		poll.Until(30*time.Second, 50*time.Millisecond, func() bool {
			out, err := c.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(param)})
			return err == nil && aws.ToString(out.Parameter.Value) != FaultOff
		})
		time.Sleep(time.Second)
		at <- time.Now()
		stop()
	}()
	return at
}

// The journal of an interrupted run is the run's: the steady state before and the fault written,
// recovered from the execution's history, then the rollback guard's rollbacks; not the rollback
// run's alone (no steady state before, no fault, a start at the stop).
func TestRunInterruptedJournalHoldsTheRun(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	param := "runner-interrupted-journal"
	arn := lc.JournalingMachine(t, param)
	lc.RollbackGuard(t, arn)
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	r.RollbackWait = 5 * time.Second
	lc.SetParam(t, param, FaultOff)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := duringThePause(lc, param, cancel)

	j, err := r.Run(ctx, arn, compiled(t, param, time.Minute))

	if err == nil || !strings.Contains(err.Error(), "the rollback guard rolled it back") || j == nil {
		t.Fatalf("journal %+v err %v, want the run rolled back by the guard\n%s", j, err, out.String())
	}
	if !strings.HasPrefix(j.ExecutionArn, executionArn(arn, "")) || j.RolledBackBy == "" || j.RolledBackBy == j.ExecutionArn ||
		j.RollbackOf != "" || j.Verdict != experiments.VerdictAborted {
		t.Errorf("journal of %s rolled back by %s (rollbackOf %q), verdict %s; want the run's, rolled back by the guard's run, aborted",
			j.ExecutionArn, j.RolledBackBy, j.RollbackOf, j.Verdict)
	}
	if len(j.Before) != 1 || j.Before[0].Value == nil || len(j.Method) != 1 || j.Method[0].PutAt == "" || j.Method[0].EndedAt == "" {
		t.Errorf("before %+v, method %+v: want the probe and the fault written, its pause ended by the stop", j.Before, j.Method)
	}
	started, _ := time.Parse(time.RFC3339Nano, j.StartedAt)
	put, _ := time.Parse(time.RFC3339Nano, j.Method[0].PutAt)
	ended, _ := time.Parse(time.RFC3339Nano, j.Method[0].EndedAt)
	// The pause ends at the stop: not at the write (the machine's clock stamps the write when its
	// state exits, after the parameter changed, so the stop is less than a second after it at times),
	// nor at the pause's end a minute later. Stamps are to the millisecond.
	stopAt := (<-stopped).Truncate(time.Millisecond)
	if started.IsZero() || put.Before(started) || ended.Before(stopAt) || ended.Sub(stopAt) > 10*time.Second {
		t.Errorf("started %s, fault put %s, its pause ended %s, stopped %s: want a start before the write, the pause cut at the stop",
			j.StartedAt, j.Method[0].PutAt, j.Method[0].EndedAt, stopAt.UTC().Format(time.RFC3339Nano))
	}
	// The run switched the fault off itself first: the fault window ends there.
	if len(j.Rollbacks) != 2 || j.Rollbacks[0].Parameter != param || string(j.Rollbacks[0].Value) != FaultOff ||
		j.Rollbacks[0].PutAt < j.Method[0].EndedAt || j.Rollbacks[1].Name != "switch-off" {
		t.Errorf("rollbacks %+v, want the run's own switch-off, then the rollback run's", j.Rollbacks)
	}
	b, rerr := os.ReadFile(r.JournalPath)
	if fj, perr := experiments.ParseJournal(b); rerr != nil || perr != nil || fj.RolledBackBy != j.RolledBackBy || len(fj.Before) != 1 || len(fj.Method) != 1 {
		t.Errorf("journal file %s (%v %v), want the run's journal returned", b, rerr, perr)
	}
	if !strings.Contains(out.String(), "\nbefore ") {
		t.Errorf("the printed table lacks the steady state before:\n%s", out.String())
	}
	// The rollback run is the same machine: its pauses print with their lengths, as the run's did.
	if !strings.Contains(out.String(), "⏸ Observe recovery: pause 1s (until ") {
		t.Errorf("the rollback run's pause printed without its length:\n%s", out.String())
	}

	// chaoslab follow of the rollback run's ARN (the last one a second Ctrl-C leaves on the screen)
	// writes the same run's journal.
	var later bytes.Buffer
	a := newRunner(t, lc, param, &later)
	fj, _, ferr := a.Attach(context.Background(), j.RolledBackBy)
	if fj == nil || fj.ExecutionArn != j.ExecutionArn || fj.RolledBackBy != j.RolledBackBy || len(fj.Before) != 1 || len(fj.Method) != 1 {
		t.Errorf("follow of the rollback run: journal %+v (err %v), want the run's\n%s", fj, ferr, later.String())
	}
}

// A run stopped on the way that no rollback guard's run rolls back (no rule, or -rollback-wait 0)
// still writes its journal: what it ran, recovered from its history, and the runner's own
// switch-off as its rollback; the error says no rollback run came, or that none was waited for.
func TestRunWithoutRollbackRunWritesItsJournal(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	for _, tc := range []struct {
		name      string
		interrupt bool          // Ctrl-C; else stopped from elsewhere
		ephemeral bool          // EphemeralCloud: the lab's cloud, which ends with it
		wait      time.Duration // -rollback-wait
		wantErr   string
		wantOff   string // the runner's switch-off in the journal
	}{
		{name: "interrupted, no rule", interrupt: true, wait: time.Second, wantErr: "no rollback execution started within", wantOff: "no rollback run"},
		// Not waited for is not none: the guard's run may have started (a real one did, 3 s after
		// `run -rollback-wait 0` said "no rollback followed" and wrote "no rollback run").
		{name: "stopped elsewhere, not waiting", wantErr: "not waiting for the rollback guard's execution (-rollback-wait 0), which may have started all the same: `chaoslab follow ", wantOff: "rollback run not waited for"},
		{name: "interrupted, not waiting", interrupt: true, wantErr: "not waiting for the rollback guard's execution (-rollback-wait 0), which may have started all the same", wantOff: "rollback run not waited for"},
		// The lab's: its cloud stops as it ends, so no follow is offered of a run it did not wait for.
		{name: "stopped elsewhere, not waiting, ephemeral cloud", ephemeral: true, wantErr: "not waiting for the rollback guard's execution, which may have started all the same: it cannot be followed once chaoslab lab stops its local cloud, which ends it at the latest", wantOff: "rollback run not waited for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			param := "runner-no-guard-" + strings.ReplaceAll(tc.name, " ", "-")
			param = strings.ReplaceAll(param, ",", "")
			arn := lc.JournalingMachine(t, param)
			var out bytes.Buffer
			r := newRunner(t, lc, param, &out)
			r.RollbackWait = tc.wait
			command := "chaoslab run"
			if tc.ephemeral {
				command, r.EphemeralCloud = "chaoslab lab", true
				r.Command = command
			}
			lc.SetParam(t, param, FaultOff)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			client := sfn.NewFromConfig(lc.AWS)
			duringThePause(lc, param, func() {
				if tc.interrupt {
					cancel()
					return
				}
				client.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: aws.String(executionArn(arn, r.ExecutionName))})
			})

			j, err := r.Run(ctx, arn, compiled(t, param, time.Minute))

			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "chaoslab switched the fault off itself") {
				t.Fatalf("err %v, want %q and the fault switched off from here\n%s", err, tc.wantErr, out.String())
			}
			if tc.ephemeral && (strings.Contains(err.Error(), "chaoslab follow") || strings.Contains(err.Error()+out.String(), "-rollback-wait")) {
				t.Errorf("err %v sends the user to chaoslab follow, or names a flag the lab does not have, in a cloud that ends with its command\n%s", err, out.String())
			}
			if j == nil || j.Verdict != experiments.VerdictAborted || j.RolledBackBy != "" || len(j.Before) != 1 || len(j.Method) != 1 ||
				len(j.Rollbacks) != 1 || j.Rollbacks[0].Parameter != param || string(j.Rollbacks[0].Value) != FaultOff ||
				(j.Error != nil) != tc.interrupt { // a stop from elsewhere here gave no error
				t.Fatalf("journal %+v, want the run's phases, the runner's switch-off as its rollback, its error if it had one", j)
			}
			if b, rerr := os.ReadFile(r.JournalPath); rerr != nil || !bytes.Contains(b, []byte(`"Switched off by `+command+` (`+tc.wantOff+`)"`)) {
				t.Errorf("journal file %s (%v), want the switch-off named %q", b, rerr, tc.wantOff)
			}
			if tc.wait == 0 && (strings.Contains(out.String(), "no rollback") || !strings.Contains(out.String(), "which may be running")) {
				t.Errorf("output says no rollback came, or not that one may be running:\n%s", out.String())
			}
			if v := lc.Param(t, param); v != FaultOff {
				t.Errorf("fault parameter afterwards: %s", v)
			}
		})
	}
}

// A run that fails before its rollbacks (States.Runtime, which no Catch sees) is rolled back by the
// rollback guard: Run follows that run and returns its journal, with the original error, and an
// error that is not a verdict on the hypothesis.
func TestRunFailedReturnsRollbackJournal(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	param := "runner-failed"
	arn := lc.FailingMachine(t, param)
	lc.RollbackGuard(t, arn)
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	r.RollbackWait = 20 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	j, err := r.Run(ctx, arn, compiled(t, param, time.Second))

	if err == nil || errors.Is(err, ErrDeviated) || !strings.HasPrefix(err.Error(), "execution FAILED (States.Runtime") ||
		!strings.Contains(err.Error(), "the rollback guard rolled it back") {
		t.Fatalf("err %v, want execution FAILED (States.Runtime ...); the rollback guard rolled it back\n%s", err, out.String())
	}
	if j == nil || j.Verdict != experiments.VerdictAborted || !strings.Contains(j.RollbackOf, ":"+r.ExecutionName) ||
		j.Error == nil || j.Error.Error != "States.Runtime" {
		t.Fatalf("journal %+v, want the rollback execution's (verdict aborted, error States.Runtime)", j)
	}
	if b, err := os.ReadFile(r.JournalPath); err != nil || !strings.Contains(string(b), `"rollbackOf"`) {
		t.Errorf("journal file %s (%v), want the rollback execution's", b, err)
	}
	for _, want := range []string{"execution FAILED with States.Runtime before its rollbacks ran", "rollback execution: ", "verdict: aborted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if v := lc.Param(t, param); v != FaultOff {
		t.Errorf("fault parameter after the rollback: %s", v)
	}
}

// Ctrl-C while a run that failed before its rollbacks waits for the guard's execution (here the
// guard never comes): the run is interrupted, not "no rollback came", and its fault goes off from
// here. The wait says Ctrl-C leaves (not "again": nothing was pressed before).
func TestRunInterruptedWhileWaitingForTheGuard(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	param := "runner-wait-interrupted"
	arn := lc.FailingMachine(t, param) // no RollbackGuard: no guard run will start
	var out syncbuf.Buffer
	r := newRunner(t, lc, param, nil)
	r.Stdout = &out
	r.RollbackWait = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	go func() {
		poll.Until(60*time.Second, 100*time.Millisecond, func() bool { return len(out.Lines("waiting up to")) > 0 })
		cancel()
	}()

	_, err := r.Run(ctx, arn, compiled(t, param, time.Second))

	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "while waiting for the rollback guard's execution") ||
		strings.Contains(err.Error(), "EventBridge") || !strings.Contains(err.Error(), "chaoslab switched the fault off itself") {
		t.Fatalf("err %v, want an interruption while waiting for the guard, the fault switched off\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "(Ctrl-C to leave)") {
		t.Errorf("the wait does not say Ctrl-C leaves:\n%s", out.String())
	}
	if v := lc.Param(t, param); v != FaultOff {
		t.Errorf("fault parameter after the run: %s", v)
	}
}

// An experiment aborted a moment ago whose rollback guard's run has not started yet (EventBridge
// takes its seconds) still owns the fault parameter: a run started now would have its fault
// switched off by that rollback run. Run refuses it, naming the aborted execution, until the
// rollback run has started; a run that failed deliberately (its rollbacks ran) blocks nothing.
func TestRunRefusedWhileARollbackIsDue(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	client := sfn.NewFromConfig(lc.AWS)
	param := "runner-rollback-due"
	arn := lc.Machine(t, experiments.VerdictHeld, param) // no RollbackGuard: its run is started by hand below
	lc.SetParam(t, param, FaultOff)
	input, err := json.Marshal(compiled(t, param, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	// GIVEN an execution stopped during its pause, with no rollback run yet
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("aborted"), Input: aws.String(string(input))})
	if err != nil {
		t.Fatal(err)
	}
	aborted := aws.ToString(started.ExecutionArn)
	poll.Until(30*time.Second, 100*time.Millisecond, func() bool { return lc.Param(t, param) != FaultOff })
	if _, err := client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(aborted)}); err != nil {
		t.Fatal(err)
	}

	// WHEN a run starts on the machine
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	_, err = r.Run(ctx, arn, compiled(t, param, time.Second))

	// THEN it is refused, naming the aborted execution, and starts nothing
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), aborted+" ended ABORTED") ||
		!strings.Contains(err.Error(), "has not started yet") || !strings.Contains(err.Error(), "-alongside") {
		t.Fatalf("err %v, want ErrBusy naming %s and its rollback run not started", err, aborted)
	}
	if list, _ := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn)}); len(list.Executions) != 1 {
		t.Fatalf("%d executions, want the aborted one only", len(list.Executions))
	}

	// AND once the rollback run has run (started here as the guard starts it), the run starts and holds
	rb, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("rollback"),
		Input: aws.String(`{"rollbackOf":"` + aborted + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	poll.Until(30*time.Second, 100*time.Millisecond, func() bool {
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: rb.ExecutionArn})
		return err == nil && d.Status != sfntypes.ExecutionStatusRunning
	})
	r = newRunner(t, lc, param, &out)
	if j, err := r.Run(ctx, arn, compiled(t, param, time.Second)); err != nil || j.Verdict != experiments.VerdictHeld {
		t.Fatalf("after the rollback run: journal %+v, err %v; want held\n%s", j, err, out.String())
	}

	// AND a run right after a deliberate failure (deviated: its rollbacks ran inside it) is not refused
	dev := lc.Machine(t, experiments.VerdictDeviated, param)
	r = newRunner(t, lc, param, &out)
	if _, err := r.Run(ctx, dev, compiled(t, param, time.Second)); !errors.Is(err, ErrDeviated) {
		t.Fatalf("first run on the deviating machine: %v, want deviated", err)
	}
	r = newRunner(t, lc, param, &out)
	r.ExecutionName += "-again"
	if _, err := r.Run(ctx, dev, compiled(t, param, time.Second)); !errors.Is(err, ErrDeviated) {
		t.Fatalf("second run on the deviating machine: %v, want deviated, not refused", err)
	}
}

func TestRunNeedsItsFields(t *testing.T) {
	_, err := (&Runner{}).Run(context.Background(), "arn", &experiments.Compiled{})
	if err == nil || !strings.Contains(err.Error(), "required") {
		t.Fatalf("err %v, want the required fields named", err)
	}
}

func TestExecutionName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "valid", in: "exp_1-minor_delay-20261123T140000Z", want: "exp_1-minor_delay-20261123T140000Z"},
		{name: "invalid characters", in: "exp 1/minor.delay", want: "exp-1-minor-delay"},
		{name: "too long keeps the end", in: strings.Repeat("a", 90) + "-stamp", want: strings.Repeat("a", 74) + "-stamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExecutionName(tt.in); got != tt.want {
				t.Errorf("ExecutionName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// A pause prints its end when the definition states it, directly or through the state's input,
// inside Map and Parallel states too.
func TestWaitStatesUntil(t *testing.T) {
	def := `{"States": {
		"Fixed": {"Type": "Wait", "Seconds": 30},
		"FromInput": {"Type": "Wait", "InputPath": "$.action", "SecondsPath": "$.pauseAfterSeconds"},
		"At": {"Type": "Wait", "Timestamp": "2026-11-23T14:05:00Z"},
		"Each": {"Type": "Map", "ItemProcessor": {"States": {"Inner": {"Type": "Wait", "SecondsPath": "$.pause[1]"}}}},
		"Both": {"Type": "Parallel", "Branches": [{"States": {"Branch": {"Type": "Wait", "TimestampPath": "$['until']"}}}]},
		"Probe": {"Type": "Task"}}}`
	waits := waitStates(def)
	at := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		state, input string
		want         time.Time // zero: unknown
	}{
		{state: "Fixed", input: `{}`, want: at.Add(30 * time.Second)},
		{state: "FromInput", input: `{"action": {"pauseAfterSeconds": 90}}`, want: at.Add(90 * time.Second)},
		{state: "FromInput", input: `{"action": {}}`},
		{state: "At", input: `{}`, want: time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC)},
		{state: "Inner", input: `{"pause": [1, 2.5]}`, want: at.Add(2500 * time.Millisecond)},
		{state: "Branch", input: `{"until": "2026-11-23T14:01:00Z"}`, want: at.Add(time.Minute)},
		{state: "Branch", input: `not json`},
	}
	if _, ok := waits["Probe"]; ok || len(waits) != 5 {
		t.Fatalf("wait states %v, want the 5 Wait states", waits)
	}
	for _, tt := range tests {
		t.Run(tt.state+" "+tt.input, func(t *testing.T) {
			got, ok := waits[tt.state].until(at, tt.input)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("until = %s, %t; want %s", got, ok, tt.want)
			}
		})
	}
}

// history reads exactly the events after the last one seen, oldest first, across as many of its
// small pages as that takes.
func TestHistoryReadsTheEventsAfterTheLastSeen(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	param := "runner-history"
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	machine := lc.Machine(t, experiments.VerdictHeld, param)
	if _, err := r.Run(ctx, machine, compiled(t, param, time.Second)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	c := sfn.NewFromConfig(lc.AWS)
	list, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &machine})
	if err != nil || len(list.Executions) != 1 {
		t.Fatalf("executions %+v, %v; want the one run", list, err)
	}
	arn := *list.Executions[0].ExecutionArn
	var all []int64
	p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			all = append(all, e.Id)
		}
	}
	if len(all) <= 2*historyPage {
		t.Fatalf("%d events: too few to read across pages of %d", len(all), historyPage)
	}
	for _, last := range []int64{0, 1, int64(len(all)) - historyPage - 1, int64(len(all)) - 3, int64(len(all))} {
		events, err := history(ctx, c, arn, last)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, e := range events {
			got = append(got, e.Id)
		}
		if want := all[last:]; !slices.Equal(got, want) {
			t.Errorf("after event %d: read %v, want %v", last, got, want)
		}
	}
}

// cancelAfterStart lets StartExecution reach the state machine, then answers as if the caller had
// been interrupted before the reply came (Ctrl-C while the request was in flight).
type cancelAfterStart struct {
	next   *awshttp.BuildableClient
	cancel context.CancelFunc
}

func (c *cancelAfterStart) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(r)
	if err == nil && r.Header.Get("X-Amz-Target") == "AWSStepFunctions.StartExecution" {
		resp.Body.Close()
		c.cancel()
		return nil, context.Canceled
	}
	return resp, err
}

// A run interrupted while StartExecution was in flight may have started its execution all the
// same: Run finds it by its name, stops it and switches the fault off, as for any interrupted run.
func TestRunInterruptedWhileStarting(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	param := "runner-interrupted-starting"
	arn := lc.Machine(t, experiments.VerdictHeld, param)
	if _, err := ssm.NewFromConfig(lc.AWS).PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(param),
		Value: aws.String(`{"isEnabled":true,"failureMode":"latency","rate":1}`), Type: "String", Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	r.Alongside = true // the fault on stands for the one the execution wrote: the run starts over it
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.SFN = sfn.NewFromConfig(lc.AWS, func(o *sfn.Options) {
		o.HTTPClient = &cancelAfterStart{next: awshttp.NewBuildableClient(), cancel: cancel}
		o.RetryMaxAttempts = 1
	})

	_, err := r.Run(ctx, arn, compiled(t, param, time.Minute))

	if !errors.Is(err, ErrInterrupted) || !strings.Contains(out.String(), "interrupted while starting; the execution had started: ") {
		t.Fatalf("err %v, want interrupted, the started execution found\n%s", err, out.String())
	}
	d, derr := sfn.NewFromConfig(lc.AWS).DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{
		ExecutionArn: aws.String(executionArn(arn, r.ExecutionName))})
	if derr != nil || d.Status != sfntypes.ExecutionStatusAborted {
		t.Errorf("the execution started while interrupted: %+v %v, want ABORTED", d, derr)
	}
	if v := lc.Param(t, param); v != FaultOff {
		t.Errorf("fault parameter after the interrupted start: %s", v)
	}
}

// failHistory answers every GetExecutionHistory with a 500 (the SDK retries none: RetryMaxAttempts 1),
// or, refused, with the error of a connection nothing listens for.
type failHistory struct {
	next    *awshttp.BuildableClient
	refused bool
}

func (c failHistory) Do(r *http.Request) (*http.Response, error) {
	if c.refused && r.Header.Get("X-Amz-Target") == "AWSStepFunctions.GetExecutionHistory" {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	if r.Header.Get("X-Amz-Target") == "AWSStepFunctions.GetExecutionHistory" {
		return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body: io.NopCloser(strings.NewReader(`{"__type":"InternalServerError","message":"history unavailable"}`)), Request: r}, nil
	}
	return c.next.Do(r)
}

// When nothing listens at the endpoint any more (a local cloud stopped in the middle of a run),
// the watch's end does not only say that the execution runs on: a stopped local cloud took it
// with it.
func TestRunWhoseEndpointIsGoneSaysTheCloudMayHaveStopped(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	param := "runner-endpoint-gone"
	arn := lc.Machine(t, experiments.VerdictHeld, param)
	for _, tc := range []struct {
		name      string
		ephemeral bool // the lab's runner: its own cloud, so no "if"
		want      string
	}{
		{"chaoslab run", false, "nothing listens at the endpoint any more: if it was a local cloud that stopped, the execution and the fault parameter ended with it"},
		{"the lab", true, "nothing listens at the endpoint any more: the local cloud stopped, and the execution and the fault parameter ended with it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			r := newRunner(t, lc, param, &out)
			r.Poll, r.EphemeralCloud = 50*time.Millisecond, tc.ephemeral
			r.SFN = sfn.NewFromConfig(lc.AWS, func(o *sfn.Options) {
				o.HTTPClient = failHistory{next: awshttp.NewBuildableClient(), refused: true}
				o.RetryMaxAttempts = 1
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := r.Run(ctx, arn, compiled(t, param, 2*time.Second))
			if err == nil || !strings.Contains(err.Error(), tc.want) || tc.ephemeral && strings.Contains(err.Error(), "chaoslab follow") {
				t.Fatalf("err %v, want it to say %q", err, tc.want)
			}
			// The execution itself is the test cloud's, which runs on: let it end before the next run.
			waitEnded(ctx, lc, executionArn(arn, r.ExecutionName))
		})
	}
}

// waitEnded waits (30 s at most) for the execution exec of the test cloud lc to end.
func waitEnded(ctx context.Context, lc *runnertest.Cloud, exec string) {
	sfnc := sfn.NewFromConfig(lc.AWS)
	poll.Until(30*time.Second, 200*time.Millisecond, func() bool {
		d, err := sfnc.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(exec)})
		return err == nil && d.Status != sfntypes.ExecutionStatusRunning
	})
}

// When the history cannot be read (five reads in a row), the watch ends and says that the
// experiment runs on, rolling its fault back itself, and how to take it up again: Attach, on a
// client that can read the history, follows it to its end and writes its journal.
func TestRunThatCannotFollowSaysTheExecutionRunsOn(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	param := "runner-cannot-follow"
	arn := lc.Machine(t, experiments.VerdictHeld, param)
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	r.Poll = 50 * time.Millisecond
	r.SFN = sfn.NewFromConfig(lc.AWS, func(o *sfn.Options) {
		o.HTTPClient = failHistory{next: awshttp.NewBuildableClient()}
		o.RetryMaxAttempts = 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	_, err := r.Run(ctx, arn, compiled(t, param, 2*time.Second))

	exec := executionArn(arn, r.ExecutionName)
	if err == nil || !strings.Contains(err.Error(), "following execution "+exec) || !strings.Contains(err.Error(), "history unavailable") ||
		!strings.Contains(err.Error(), "the execution runs on and rolls its fault back itself") {
		t.Fatalf("err %v, want the watch's end, its cause, and that %s runs on", err, exec)
	}
	if !strings.Contains(err.Error(), "chaoslab follow "+exec+" takes it up again") {
		t.Errorf("err %v does not say how to take the execution up again", err)
	}

	var again bytes.Buffer
	a := newRunner(t, lc, param, &again)
	j, c, err := a.Attach(ctx, exec)
	if err != nil || j == nil || j.Verdict != experiments.VerdictHeld || c == nil || c.Title != compiled(t, param, 2*time.Second).Title {
		t.Fatalf("Attach: journal %+v, compiled %v, err %v; want held and the run's experiment\n%s", j, c, err, again.String())
	}
	if b, rerr := os.ReadFile(a.JournalPath); rerr != nil || !strings.Contains(string(b), `"verdict": "held"`) {
		t.Errorf("journal file: %s %v", b, rerr)
	}
	for _, want := range []string{"execution:  " + exec, "→ Inject fault", "→ Rollback", "verdict: held", "journal: " + a.JournalPath} {
		if !strings.Contains(again.String(), want) {
			t.Errorf("Attach's output lacks %q:\n%s", want, again.String())
		}
	}

	// The lab's runner (EphemeralCloud; the first run has ended, its fault off): the execution
	// ends with the lab's cloud, so the error sends nobody to chaoslab follow.
	lab := newRunner(t, lc, param, &out)
	lab.Command, lab.EphemeralCloud, lab.Poll, lab.SFN = "chaoslab lab", true, r.Poll, r.SFN
	lab.ExecutionName = ExecutionName(t.Name() + "-lab")
	_, err = lab.Run(ctx, arn, compiled(t, param, 2*time.Second))
	if err == nil || !strings.Contains(err.Error(), "the execution runs on and rolls its fault back itself; it cannot be followed once chaoslab lab stops its local cloud, which ends it at the latest") ||
		strings.Contains(err.Error(), "chaoslab follow") {
		t.Errorf("the lab's err %v, want that the execution ends with the lab's cloud at the latest and no chaoslab follow", err)
	}
	waitEnded(ctx, lc, executionArn(arn, lab.ExecutionName))
}

// Attach watches an execution that is not its own: when its context ends it leaves the execution
// running, neither stopped nor its fault switched off, and says how to take it up again.
func TestAttachInterruptedLeavesTheExecutionRunning(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	param := "runner-attach-interrupted"
	lc.SetParam(t, param, FaultOff)
	machine := lc.Machine(t, experiments.VerdictHeld, param)
	client := sfn.NewFromConfig(lc.AWS)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	input, err := json.Marshal(compiled(t, param, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(string(input))})
	if err != nil {
		t.Fatal(err)
	}
	exec := aws.ToString(started.ExecutionArn)
	defer client.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: started.ExecutionArn})
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	actx, acancel := context.WithCancel(ctx)
	duringThePause(lc, param, acancel) // a second into the 60 s pause

	j, _, err := r.Attach(actx, exec)

	if j != nil || !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "chaoslab follow "+exec+" takes it up again") {
		t.Fatalf("journal %v, err %v: want no journal and ErrInterrupted saying how to take it up again\n%s", j, err, out.String())
	}
	d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
	if err != nil || d.Status != sfntypes.ExecutionStatusRunning {
		t.Errorf("execution after the watch ended: %v %v, want RUNNING", d, err)
	}
	if v := lc.Param(t, param); v == FaultOff {
		t.Errorf("the fault was switched off by a watch that does not own the run")
	}
}

// A fault switched on by hand and still on when a run starts would be measured as the steady state
// before the fault, then replaced by the run's own unsaid: the run is refused, saying so, and
// nothing starts; with Alongside it starts.
func TestRunRefusedWhileAFaultIsOn(t *testing.T) {
	lc := runnertest.Need(t)
	param := "runner-fault-on"
	arn := lc.Machine(t, experiments.VerdictHeld, param)
	lc.SetParam(t, param, `{"expiresAfterSeconds":300,"latency":{"enabled":true,"min_latency":100,"max_latency":200,"percentage":100}}`)
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := r.Run(ctx, arn, compiled(t, param, time.Second))
	if !errors.Is(err, ErrFaultOn) || !strings.Contains(err.Error(), "chaoslab fault off") || !strings.Contains(err.Error(), "-alongside") {
		t.Fatalf("err %v, want ErrFaultOn saying how to switch it off or start anyway", err)
	}
	noExecutions(ctx, t, lc, arn)
	// Expired, it is off: the run starts (and is stopped here, its context cancelled at once).
	lc.SetParam(t, param, `{"expiresAfterSeconds":1,"latency":{"enabled":true,"min_latency":100,"max_latency":200,"percentage":100}}`)
	time.Sleep(1100 * time.Millisecond)
	if err := r.faultAlreadyOn(ctx); err != nil {
		t.Errorf("an expired fault: %v, want none", err)
	}
}

// Run takes the fault parameter from the machine's definition: one given that names another is
// refused before anything starts (an interrupt would have switched off the wrong parameter,
// leaving the fault on), and none given is the machine's (the check for a fault already on reads
// it).
func TestRunTakesTheFaultParameterTheMachineWrites(t *testing.T) {
	lc := runnertest.Need(t)
	param := "runner-machine-param"
	arn := lc.Machine(t, experiments.VerdictHeld, param)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	r := newRunner(t, lc, "runner-other-param", &out)
	_, err := r.Run(ctx, arn, compiled(t, param, time.Second))
	var fe *FaultParameterError
	if !errors.As(err, &fe) || fe.Writes != param || fe.Given != "runner-other-param" || !strings.Contains(err.Error(), "switch off the wrong one") {
		t.Fatalf("err %v, want a FaultParameterError naming %s", err, param)
	}
	noExecutions(ctx, t, lc, arn)
	// None given: the machine's, whose fault is on, so the run is refused as with it given.
	lc.SetParam(t, param, `{"expiresAfterSeconds":300,"latency":{"enabled":true,"min_latency":100,"max_latency":200,"percentage":100}}`)
	r = newRunner(t, lc, "", &out)
	if _, err := r.Run(ctx, arn, compiled(t, param, time.Second)); !errors.Is(err, ErrFaultOn) || !strings.Contains(err.Error(), param) {
		t.Errorf("err %v, want ErrFaultOn for the machine's parameter %s", err, param)
	}
	if r.FaultParameter != "" {
		t.Errorf("Run changed the Runner's FaultParameter to %q", r.FaultParameter)
	}
}

// An experiment whose plan takes as long as the machine's timeout or longer is refused before it
// starts: the execution would be stopped by the timeout before its end and rolled back as an
// abort (a 2-hour pause on the stack's 1-hour machine was accepted).
func TestRunRefusesAPlanLongerThanTheMachinesTimeout(t *testing.T) {
	lc := runnertest.Need(t)
	param := "runner-timeout-param"
	arn := lc.MachineWithTimeout(t, experiments.VerdictHeld, param, 60)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	c := compiled(t, param, time.Minute)
	_, err := newRunner(t, lc, param, &out).Run(ctx, arn, c)
	var te *TimeoutError
	if !errors.As(err, &te) || te.Timeout != time.Minute || te.Planned != c.Planned() || te.Planned < time.Minute ||
		!strings.Contains(err.Error(), "TimeoutSeconds") {
		t.Fatalf("err %v, want a TimeoutError of the 60 s machine and the plan %s", err, c.Planned())
	}
	noExecutions(ctx, t, lc, arn)
}

// A machine deployed before its guard checked several probes (it reads $.guard.probe alone) is not
// given an experiment whose guard has several: the others would go unwatched.
func TestRunRefusesSeveralGuardProbesToAMachineOfOne(t *testing.T) {
	lc := runnertest.Need(t)
	param := "runner-guard-probes-param"
	arn, c := guardOfTwo(t, lc, param)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	_, err := newRunner(t, lc, param, &out).Run(ctx, arn, c)
	if err == nil || !strings.Contains(err.Error(), "checks one guard probe (it was deployed before a guard checked several), and this experiment's guard has 2: redeploy the stack") {
		t.Fatalf("err %v, want the machine refused", err)
	}
	noExecutions(ctx, t, lc, arn)
}

// guardOfTwo is the stand-in machine of one guard probe for param, and exp_1 compiled for it with a
// guard of two.
func guardOfTwo(t *testing.T, lc *runnertest.Cloud, param string) (string, *experiments.Compiled) {
	t.Helper()
	c := compiled(t, param, time.Second)
	c.Guard = experiments.CompiledGuard{Enabled: true, IntervalSeconds: 1, Probes: c.SteadyState.Probes[:2], Probe: &c.SteadyState.Probes[0]}
	return lc.Machine(t, experiments.VerdictHeld, param), c
}

// A machine whose definition cannot be read (DescribeStateMachine denied) cannot say it checks
// every guard probe: a guard of several is refused, not run on the chance (where it fails, the
// timeout and the fault parameter go unchecked, and a guard of one runs).
func TestRunRefusesSeveralGuardProbesWhereTheDefinitionIsUnread(t *testing.T) {
	lc := runnertest.Need(t)
	param := "runner-guard-probes-unread"
	arn, c := guardOfTwo(t, lc, param)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)
	r.SFN = sfn.NewFromConfig(lc.AWS, func(o *sfn.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("deny", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if middleware.GetOperationName(ctx) == "DescribeStateMachine" {
					return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("AccessDeniedException: not authorized to perform states:DescribeStateMachine")
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
		})
	})
	_, err := r.Run(ctx, arn, c)
	if err == nil || !strings.Contains(err.Error(), "cannot tell whether the state machine") || !strings.Contains(err.Error(), "AccessDeniedException: not authorized") {
		t.Fatalf("err %v, want the guard of several refused", err)
	}
	noExecutions(ctx, t, lc, arn)
}

// The guard's checks are not in the machine's journal; the runner reads them from the execution's
// history as it follows the run, writes them into the journal file and tells them.
func TestRunJournalHoldsTheGuardChecks(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	param := "runner-guarded"
	var out bytes.Buffer
	r := newRunner(t, lc, param, &out)

	j, err := r.Run(ctx, lc.GuardedMachine(t, param, 1.5), compiled(t, param, time.Second))

	if err != nil || j == nil || len(j.GuardChecks) != 1 {
		t.Fatalf("journal %+v (err %v), want its guard check\n%s", j, err, out.String())
	}
	if c := j.GuardChecks[0]; c.Action != "Inject fault" || c.Name != j.Before[0].Name || c.Value == nil || *c.Value != 1.5 || !c.Pass || c.Start != j.Method[0].PutAt {
		t.Errorf("guard check %+v, want the probe's 1.5 over the window from Inject fault's write (%s)", c, j.Method[0].PutAt)
	}
	b, err := os.ReadFile(r.JournalPath)
	if fj, perr := experiments.ParseJournal(b); err != nil || perr != nil || len(fj.GuardChecks) != 1 || fj.GuardChecks[0].Action != "Inject fault" {
		t.Errorf("journal file without the guard check: %v %v\n%s", err, perr, b)
	}
	if want := "guard:    " + j.Before[0].Name + " checked once in the pause after \"Inject fault\": 1.5, all within " + j.Before[0].Tolerance.Text + "\n"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}

// noExecutions checks that a refused run started nothing on the machine arn.
func noExecutions(ctx context.Context, t *testing.T, lc *runnertest.Cloud, arn string) {
	t.Helper()
	list, err := sfn.NewFromConfig(lc.AWS).ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn)})
	if err != nil || len(list.Executions) != 0 {
		t.Errorf("executions after the refusal: %+v %v, want none", list, err)
	}
}
