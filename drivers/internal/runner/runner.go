package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/atomicfile"
	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/internal/sfnname"
)

// Runner starts compiled experiments on an experiment state machine and follows them. Set the
// fields, then call Run; a Runner holds no state of its own between runs.
type Runner struct {
	// SFN starts, reads and stops executions. Required.
	SFN *sfn.Client
	// SSM and FaultParameter switch the fault off when the run is interrupted (ctx cancelled).
	// Without them an interrupted run only stops the execution and says how to switch it off.
	SSM            *ssm.Client
	FaultParameter string
	// Stdout gets the live events, the probe table and the verdict. Default: discarded.
	Stdout io.Writer
	// Logger gets retries of failed reads. Default: discarded.
	Logger *slog.Logger

	// ExecutionName names the execution (ExecutionName makes any string a valid one). Required.
	ExecutionName string
	// JournalPath is where the journal is written (indented JSON). Required.
	JournalPath string
	// Poll is how often the execution's history is read. Default: 1s.
	Poll time.Duration
	// Countdown is how often a pause prints the time left. 0: never.
	Countdown time.Duration
	// Verbose also prints Pass and Choice states.
	Verbose bool
	// RollbackWait is how long to wait, after an abort, a timeout or a failure before the
	// rollbacks, for the rollback guard's execution to start. 0: do not wait.
	RollbackWait time.Duration
	// Command names the command that runs the experiment in the journal's record of a switch-off it
	// made itself ("Switched off by chaoslab lab (interrupted)"). Default: chaoslab run.
	Command string
	// LeaveNote, when set, is told what a second Ctrl-C would leave behind once the run is
	// interrupted (the rollback run that goes on, the journal not written, how to take it up):
	// chaoslab run and follow give it cli.SetLeaveNote. The lab leaves it nil: its trials' executions
	// and faults are in its own local cloud, and the lab tells its own note (lab.Config.LeaveNote).
	LeaveNote func(string)
	// EphemeralCloud: the state machine is in a local cloud that Command stops as it ends (the
	// lab's). An error that would send the user to `chaoslab follow` of an execution that runs on
	// then says it ends with that cloud instead: a follow would find nothing to take up.
	EphemeralCloud bool
	// Alongside starts the experiment even while another execution of the machine runs, or its
	// rollback run is due. Two experiments on one stack share its fault parameter: each one's
	// rollback turns the other's fault off, and its verdict is of the wrong fault. Default false:
	// Run refuses (ErrBusy).
	Alongside bool
}

// ErrBusy is the error of a run refused because another execution of the machine is running, or
// ended so recently that the rollback guard's run for it has not started yet.
var ErrBusy = errors.New("another experiment is running on this state machine")

// ErrFaultOn is the error of a run refused because the fault parameter is on before it starts.
var ErrFaultOn = errors.New("the fault parameter is on already")

// faultAlreadyOn returns an error wrapping ErrFaultOn when the fault parameter holds a fault that
// is on (one switched on by hand, `chaoslab fault enable`, its -for not over): the steady state
// before the fault would be measured under it, and the run's own fault would replace it unsaid.
// A parameter that cannot be read is not checked (the machine's role may read what the user
// cannot).
func (r *Runner) faultAlreadyOn(ctx context.Context) error {
	if r.SSM == nil || r.FaultParameter == "" {
		return nil
	}
	cur, err := ReadFault(ctx, r.SSM, r.FaultParameter)
	if err != nil || !cur.On(time.Now()) {
		return nil
	}
	left := ""
	if exp := cur.ExpiresAt(time.Now()); !exp.IsZero() {
		left = fmt.Sprintf(", %s left", time.Until(exp).Round(time.Second))
	}
	return fmt.Errorf("%w: %s holds %s (version %d%s); the steady state before the fault would be measured under it: switch it off (chaoslab fault off) or let it expire, or start anyway on purpose (-alongside)",
		ErrFaultOn, cur.Name, cur.Value, cur.Version, left)
}

// BusyError is Busy's error: the execution that holds the fault parameter, and what to do about
// it before a run. It wraps ErrBusy.
type BusyError struct {
	Execution string // its ARN
	msg       string
}

func (e *BusyError) Error() string { return e.msg }
func (e *BusyError) Unwrap() error { return ErrBusy }

// guardGrace is how long after an execution ended without its rollbacks Run still expects the
// rollback guard's run for it. EventBridge starts it within seconds; a minute is chaoslab run's
// -rollback-wait default, the time a run waits for it too. Past that it is not coming.
const guardGrace = time.Minute

// defaultPoll is chaoslab run's -poll default.
const defaultPoll = time.Second

var badName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// ExecutionName makes s a valid execution name (1-80 of [A-Za-z0-9_-]), keeping its end, where
// the callers put the time stamp. A run of other characters is one "-", and none leads: an
// experiment file named "実験 🚀.json" made "-----20261205T210335Z".
func ExecutionName(s string) string {
	s = strings.TrimLeft(badName.ReplaceAllString(s, "-"), "-")
	if s == "" {
		s = "experiment"
	}
	if len(s) > 80 {
		s = s[len(s)-80:]
	}
	return s
}

// CheckExecutionName checks a name given for an execution against Step Functions' rule (1 to 80
// characters; no whitespace, brackets, wildcards, control characters or any of "#%\^|~`$&,;:/),
// so that chaoslab run refuses it naming its flag before it compiles or writes anything; the
// service (AWS's, or local/sfn) would answer InvalidName only at StartExecution.
func CheckExecutionName(name string) error {
	if name == "" || sfnname.TooLong(name) {
		return fmt.Errorf("%q: an execution name is 1 to %d characters", name, sfnname.MaxLength)
	}
	if c, bad := sfnname.BadRune(name); bad {
		return fmt.Errorf("%q: an execution name has no whitespace, brackets, wildcards, control characters or any of \"#%%\\^|~`$&,;:/ (%q)", name, c)
	}
	return nil
}

func (r *Runner) stdout() io.Writer {
	if r.Stdout != nil {
		return r.Stdout
	}
	return io.Discard
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (r *Runner) poll() time.Duration {
	if r.Poll > 0 {
		return r.Poll
	}
	return defaultPoll
}

func (r *Runner) follower(start time.Time) *follower {
	return &follower{w: r.stdout(), start: start, countdown: r.Countdown, verbose: r.Verbose}
}

// Run starts compiled on the state machine machineArn, prints its states as they happen, then
// writes the journal to JournalPath and prints the probe table and the verdict.
//
// It returns the journal it wrote (nil if none) and nil when the verdict is held; a
// *VerdictError (wrapping ErrDeviated when the hypothesis did not hold) for any other verdict.
// When the execution ends without its rollbacks — aborted or timed out (ctx cancelled: Run stops
// it and switches the fault off first), or failed with an error that is not one of the machine's
// own (experiments.StartsRollback) — Run waits up to RollbackWait for the rollback guard's
// execution, follows it and returns that execution's journal (verdict aborted, the original
// error) with an error saying how the rollback went: such a run is an error even when its
// rollback went well.
func (r *Runner) Run(ctx context.Context, machineArn string, compiled *experiments.Compiled) (*experiments.Journal, error) {
	if r.SFN == nil || r.ExecutionName == "" || r.JournalPath == "" {
		return nil, errors.New("runner: SFN, ExecutionName and JournalPath are required")
	}
	// The parameter the machine writes is the one to check before the start and to switch off on
	// an interrupt: a FaultParameter naming another (a mistyped -fault-parameter, another stack's
	// outputs) read and switched off that one while the fault stayed on.
	def, defErr := r.machineDefinition(ctx, machineArn)
	if timeout := timeoutOf(def); timeout > 0 && compiled != nil && compiled.Planned()+timeoutMargin > timeout {
		return nil, &TimeoutError{Machine: machineArn, Timeout: timeout, Planned: compiled.Planned()}
	}
	// A machine deployed before its guard checked several probes reads the first alone: the others
	// would go unwatched, where the experiment (an FIS template's several alarms) stops on any.
	// Unread, the definition cannot tell, and the guard is not given the benefit of the doubt.
	if compiled != nil && len(compiled.Guard.Probes) > 1 {
		switch {
		case defErr != nil && ctx.Err() != nil:
			return nil, fmt.Errorf("%w before the execution started", ErrInterrupted)
		case defErr != nil:
			return nil, fmt.Errorf("cannot tell whether the state machine %s checks every guard probe (one deployed before a guard checked several reads the first alone), and this experiment's guard has %d: its definition could not be read (if that was denied, allow states:DescribeStateMachine; or give the guard one probe): %w", machineArn, len(compiled.Guard.Probes), defErr)
		case !strings.Contains(def, experiments.GuardProbesPath):
			return nil, fmt.Errorf("the state machine %s checks one guard probe (it was deployed before a guard checked several), and this experiment's guard has %d: redeploy the stack (npx cdk deploy; chaoslab local deploy), or give the guard one probe", machineArn, len(compiled.Guard.Probes))
		}
	}
	if p := faultParameterOf(def); p != "" && p != r.FaultParameter {
		if r.FaultParameter != "" {
			return nil, &FaultParameterError{Machine: machineArn, Writes: p, Given: r.FaultParameter}
		}
		own := *r // the caller's Runner keeps its fields
		own.FaultParameter = p
		r = &own
	}
	out := r.stdout()
	input, err := json.Marshal(compiled)
	if err != nil {
		return nil, err
	}
	if !r.Alongside {
		if err := r.Busy(ctx, machineArn); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%w before the execution started", ErrInterrupted)
			}
			return nil, err
		}
		if err := r.faultAlreadyOn(ctx); err != nil {
			return nil, err
		}
	}
	started, err := r.SFN.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(machineArn), Name: aws.String(r.ExecutionName), Input: aws.String(string(input)),
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, r.interruptedStarting(machineArn, err)
		}
		return nil, fmt.Errorf("start execution on %s: %w", machineArn, err)
	}
	arn := aws.ToString(started.ExecutionArn)
	fmt.Fprintf(out, "experiment: %s\nexecution:  %s\n", compiled.Title, arn)

	return r.watch(ctx, machineArn, arn, aws.ToTime(started.StartDate), r.definition(ctx, arn), compiled, watchMode{own: true})
}

// FaultParameterError is Run's refusal of a FaultParameter other than the one its machine writes.
type FaultParameterError struct{ Machine, Writes, Given string }

func (e *FaultParameterError) Error() string {
	return fmt.Sprintf("the state machine %s writes the fault parameter %s, not %s: a run interrupted here would check and switch off the wrong one", e.Machine, e.Writes, e.Given)
}

// timeoutMargin is the time an execution takes beyond its plan's observations and pauses that a
// plan must leave under the machine's timeout: the probes' queries, the writes, the retries of a
// throttled one (a plan a second under the timeout would end TIMED_OUT).
const timeoutMargin = time.Minute

// TimeoutError is Run's refusal of an experiment whose plan takes as long as its machine's
// timeout or longer: the execution would be stopped before its end, its fault rolled back by the
// rollback guard as an abort's.
type TimeoutError struct {
	Machine          string
	Timeout, Planned time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the experiment's plan takes %s (its observations and pauses, and %s for its probes and writes), and the state machine %s stops an execution after %s (its TimeoutSeconds): the run would be aborted before its end",
		e.Planned, timeoutMargin, e.Machine, e.Timeout)
}

// machineDefinition is machineArn's definition ("" and the error when it cannot be read: Run then
// checks neither its fault parameter nor its timeout, and refuses a guard of several probes).
func (r *Runner) machineDefinition(ctx context.Context, machineArn string) (string, error) {
	d, err := r.SFN.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(machineArn)})
	if err != nil {
		r.logger().Debug("no definition: the fault parameter is FaultParameter, the timeout unchecked", "err", err)
		return "", fmt.Errorf("DescribeStateMachine: %w", err)
	}
	return aws.ToString(d.Definition), nil
}

// timeoutOf is a definition's TimeoutSeconds (0: none, or not readable).
func timeoutOf(definition string) time.Duration {
	var d struct {
		TimeoutSeconds int `json:"TimeoutSeconds"`
	}
	if json.Unmarshal([]byte(definition), &d) != nil || d.TimeoutSeconds <= 0 {
		return 0
	}
	return time.Duration(d.TimeoutSeconds) * time.Second
}

// Attach follows an execution that is running or has ended — one whose `chaoslab run` lost its
// watch, one started from the console or by the rollback guard — as Run follows its own: it
// prints the states (from the first), then writes the journal, follows the rollback guard's
// execution when this one ended without its rollbacks, and returns as Run does. It also returns
// the execution's input, the compiled experiment (nil for a rollback run).
//
// The execution is not Attach's: when ctx ends it stops watching and leaves the execution
// running. The fault parameter it switches off when the rollback did not happen is the one the
// execution's machine writes (its definition's ssm:putParameter Name; FaultParameter when the
// definition names none), and only for an execution that was running when Attach began: one
// that had ended is history, and another experiment may hold the parameter by now.
func (r *Runner) Attach(ctx context.Context, arn string) (*experiments.Journal, *experiments.Compiled, error) {
	if r.SFN == nil || r.JournalPath == "" {
		return nil, nil, errors.New("runner: SFN and JournalPath are required")
	}
	desc, err := r.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return nil, nil, fmt.Errorf("describe execution %s: %w", arn, err)
	}
	// The input is the compiled experiment, or {"rollbackOf": ARN} for a rollback run.
	var compiled *experiments.Compiled
	if of := rollbackOf(aws.ToString(desc.Input)); of != "" {
		fmt.Fprintf(r.stdout(), "rollback execution: %s (of %s)\n", arn, of)
	} else {
		compiled = new(experiments.Compiled)
		if err := json.Unmarshal([]byte(aws.ToString(desc.Input)), compiled); err != nil || compiled.Version != experiments.CompiledVersion {
			return nil, nil, fmt.Errorf("execution %s: its input is not an experiment compiled by chaoslab (version %d) nor a rollback run's", arn, experiments.CompiledVersion)
		}
		fmt.Fprintf(r.stdout(), "experiment: %s\nexecution:  %s\n", compiled.Title, arn)
	}
	mode := watchMode{ended: desc.Status != sfntypes.ExecutionStatusRunning}
	if mode.ended {
		fmt.Fprintf(r.stdout(), "(ended %s, %s: its history follows)\n", aws.ToTime(desc.StopDate).UTC().Format(time.RFC3339), desc.Status)
	}
	definition := r.definition(ctx, arn)
	attached := *r
	if p := faultParameterOf(definition); p != "" {
		attached.FaultParameter = p
	}
	j, err := attached.watch(ctx, aws.ToString(desc.StateMachineArn), arn, aws.ToTime(desc.StartDate), definition, compiled, mode)
	return j, compiled, err
}

// watchMode says what a watch may do to the execution it follows.
type watchMode struct {
	// own: Run's own execution; ctx ending stops it and switches its fault off. Otherwise ctx
	// ending only ends the watch.
	own bool
	// ended: the execution had ended before the watch began; its fault parameter is not written.
	ended bool
	// interrupted: Run's ctx was cancelled and the execution stopped (a second Ctrl-C leaves).
	interrupted bool
	// offAt: when the interrupted run switched the fault off itself (zero: it did not).
	offAt time.Time
}

// watchEnded is the error of a watch (not Run's) whose ctx ended while arn ran on.
func (r *Runner) watchEnded(arn string) error {
	return fmt.Errorf("%w: stopped following %s, which runs on and rolls its fault back itself (%s)", ErrInterrupted, arn, r.takeUp(arn))
}

// takeUp says how an execution arn that runs on after its watch ended can be taken up again:
// `chaoslab follow`, or, in an ephemeral cloud (EphemeralCloud), that nothing can follow it once
// that cloud stops.
func (r *Runner) takeUp(arn string) string {
	if r.EphemeralCloud {
		return fmt.Sprintf("it cannot be followed once %s stops its local cloud, which ends it at the latest", r.command())
	}
	return fmt.Sprintf("chaoslab follow %s takes it up again", arn)
}

// definition is the definition of the machine arn is an execution of ("" when it cannot be read:
// pauses then print no countdown, and Attach knows no fault parameter from it).
func (r *Runner) definition(ctx context.Context, arn string) string {
	d, err := r.SFN.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		r.logger().Debug("no definition: pauses print no countdown", "err", err)
		return ""
	}
	return aws.ToString(d.Definition)
}

// watch follows the execution arn of machineArn (started at start; its machine's definition, for
// the pauses' countdown) to its end and reports it, as Run and Attach describe. compiled is its
// input (nil for a rollback run).
func (r *Runner) watch(ctx context.Context, machineArn, arn string, start time.Time, definition string, compiled *experiments.Compiled, mode watchMode) (*experiments.Journal, error) {
	out := r.stdout()
	f := r.follower(start)
	if f.start.IsZero() {
		f.start = time.Now()
	}
	f.waits = waitStates(definition)
	f.probes = probeLines(compiled)

	if err := r.follow(ctx, f, arn); err != nil {
		if ctx.Err() != nil && !mode.own {
			return nil, r.watchEnded(arn)
		}
		if ctx.Err() != nil {
			offAt, why := r.interrupted(arn)
			// The run's context is cancelled: the rollback is followed on a fresh one, bounded.
			rctx, cancel := context.WithTimeout(context.Background(), r.rollbackBound(compiled))
			defer cancel()
			mode.interrupted, mode.offAt = true, offAt
			return r.followRollback(rctx, machineArn, arn, start, why, mode, f)
		}
		// The watch ended, not the experiment: it runs on, its rollbacks in its own states. Unless
		// nothing listens any more: a local cloud that stopped took its executions with it.
		refused := errors.Is(err, syscall.ECONNREFUSED)
		switch {
		case refused && r.EphemeralCloud:
			return nil, fmt.Errorf("following execution %s: %w; nothing listens at the endpoint any more: the local cloud stopped, and the execution and the fault parameter ended with it", arn, err)
		case refused:
			return nil, fmt.Errorf("following execution %s: %w; nothing listens at the endpoint any more: if it was a local cloud that stopped, the execution and the fault parameter ended with it (chaoslab local up starts a new one); if not, the execution runs on and rolls its fault back itself, and chaoslab follow %s takes it up again once the endpoint answers", arn, err, arn)
		case r.EphemeralCloud:
			return nil, fmt.Errorf("following execution %s: %w; the execution runs on and rolls its fault back itself; %s", arn, err, r.takeUp(arn))
		default:
			return nil, fmt.Errorf("following execution %s: %w; the execution runs on and rolls its fault back itself: chaoslab follow %s takes it up again and writes its journal", arn, err, arn)
		}
	}

	desc, err := r.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("describe execution: %w", err)
	}
	// An execution that ended without its rollbacks (aborted, timed out, or failed with an error
	// that is not one of the machine's own Fail states) is rolled back by the rollback guard, in a
	// run of its own: follow that one. A deliberate failure ran its rollbacks: report it at once.
	// A rollback run is never rolled back again: its fault is switched off from here.
	if experiments.StartsRollback(string(desc.Status), aws.ToString(desc.Error)) {
		why := fmt.Errorf("execution %s (%s: %s)", desc.Status, aws.ToString(desc.Error), clip(aws.ToString(desc.Cause), 300))
		if desc.Status == sfntypes.ExecutionStatusFailed {
			fmt.Fprintf(out, "execution %s with %s before its rollbacks ran\n", desc.Status, aws.ToString(desc.Error))
		} else {
			fmt.Fprintf(out, "execution %s\n", desc.Status)
		}
		if compiled == nil {
			return nil, r.offFromHere(fmt.Errorf("%w; a rollback run is not rolled back again", why), "the rollback run ended without its rollbacks", mode)
		}
		rctx, cancel := context.WithTimeout(ctx, r.rollbackBound(compiled))
		defer cancel()
		// The guard's run starts once this one has stopped (a second's leeway for the clocks).
		since := start
		if desc.StopDate != nil {
			since = desc.StopDate.Add(-time.Second)
		}
		return r.followRollback(rctx, machineArn, arn, since, why, mode, f)
	}
	// A rollback run followed by itself (chaoslab follow of its ARN) writes the journal of the run
	// it rolled back, as when that run is followed.
	j, err := r.report(desc, func(j *experiments.Journal) *experiments.Journal {
		if compiled != nil || j.RollbackOf == "" {
			return withGuardChecks(j, f.guard)
		}
		return r.withRecovered(ctx, j.RollbackOf, j, time.Time{})
	})
	if j != nil && j.RollbackError != nil {
		return j, r.rollbackFailed(j, nil, mode)
	}
	return j, err
}

// withGuardChecks is j with the guard's checks read from its execution's history (exits of the
// guard's record states, as the follower saw them): j itself when there are none.
func withGuardChecks(j *experiments.Journal, exits []experiments.StateExit) *experiments.Journal {
	checks := experiments.GuardChecks(exits)
	if len(checks) == 0 || len(j.GuardChecks) > 0 {
		return j
	}
	c := *j
	c.GuardChecks = checks
	return &c
}

// ErrRollbackFailed is in the error of a run whose rollback failed in the state machine (its
// retries spent): whatever the verdict, the run is an error.
var ErrRollbackFailed = errors.New("the rollback failed")

// rollbackFailed ends a run whose rollback failed in the machine; why is the run's error before
// (nil for a run that ended as the machine meant).
func (r *Runner) rollbackFailed(j *experiments.Journal, why error, mode watchMode) error {
	failed := fmt.Errorf("%w (%s: %s)", ErrRollbackFailed, j.RollbackError.Error, clip(j.RollbackError.Cause, 300))
	if why != nil {
		failed = fmt.Errorf("%w; %w", why, failed)
	}
	return r.offFromHere(failed, "the rollback failed in the state machine", mode)
}

// offFromHere switches the fault off from the runner, with its own credentials (allowed what the
// machine's role may not be, and seconds after a throttle the machine's retries met), for a run
// whose rollback did not happen in the state machine: failed is the run's error, what says why
// for the console. An execution that had ended before the watch began (mode.ended) is history:
// its parameter is left as it is now, and the error says how to check it.
func (r *Runner) offFromHere(failed error, what string, mode watchMode) error {
	if mode.ended {
		return fmt.Errorf("%w: it ended before this watch began, so its fault parameter is not written from here (another experiment may be using it now): `chaoslab fault status` shows it, `chaoslab rollback` switches it off", failed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	switch err := r.switchOff(ctx); {
	case errors.Is(err, errNoFaultParameter):
		return fmt.Errorf("%w: %w: run `chaoslab rollback -fault-parameter NAME`, or the fault expires by itself", failed, err)
	case err != nil:
		return fmt.Errorf("%w, and switching %s off from here failed too: %w: run `chaoslab rollback`, or the fault expires by itself", failed, r.FaultParameter, err)
	}
	fmt.Fprintf(r.stdout(), "%s: fault parameter %s set to %s from here\n", what, r.FaultParameter, FaultOff)
	return fmt.Errorf("%w: %w", failed, errSwitchedOffHere)
}

// errSwitchedOffHere ends the error of a run whose fault the runner switched off itself.
var errSwitchedOffHere = errors.New("chaoslab switched the fault off itself")

// errNoFaultParameter: the runner was given no fault parameter (or no SSM client) to switch off.
var errNoFaultParameter = errors.New("no fault parameter known (FaultParameterName)")

// switchOff writes FaultOff to the fault parameter with the runner's own credentials.
func (r *Runner) switchOff(ctx context.Context) error {
	if r.FaultParameter == "" || r.SSM == nil {
		return errNoFaultParameter
	}
	_, err := SwitchOff(ctx, r.SSM, r.FaultParameter)
	return err
}

// rollbackBound is the longest wait for the rollback guard's execution: to start, then to
// run its rollbacks (with their pauses), observe the recovery and probe.
func (r *Runner) rollbackBound(c *experiments.Compiled) time.Duration {
	d := r.RollbackWait + time.Minute + time.Duration(c.SteadyState.RecoverySeconds)*time.Second
	for _, a := range c.Rollbacks {
		d += time.Duration(a.PauseBeforeSeconds+a.PauseAfterSeconds) * time.Second
	}
	return d
}

// followRollback waits for the execution the rollback guard starts for arn (input
// {"rollbackOf": arn}; started at since or later), follows it as of followed arn (the same
// machine's pauses and probes) and reports its journal. why is the
// error the run ends with either way: a run that ended without its rollbacks is an error even
// when the guard's rollback went well. A cancelled ctx (Ctrl-C while waiting or following) ends a
// watch that is not Run's with ErrInterrupted; Run's switches the fault off from here first.
func (r *Runner) followRollback(ctx context.Context, machineArn, arn string, since time.Time, why error, mode watchMode, of *follower) (*experiments.Journal, error) {
	out := r.stdout()
	if r.RollbackWait <= 0 {
		// Not waited for is not none: the guard starts its run all the same (seen running 3 s after
		// a `run -rollback-wait 0` said "no rollback followed" and its journal "no rollback run").
		var notWaited error
		var what string
		if r.EphemeralCloud { // the lab's: no flag, and no follow once its cloud stops
			notWaited = fmt.Errorf("%w; not waiting for the rollback guard's execution, which may have started all the same: %s", why, r.takeUp(arn))
			what = "not waiting for the rollback guard's execution, which may be running"
		} else {
			notWaited = fmt.Errorf("%w; not waiting for the rollback guard's execution (-rollback-wait 0), which may have started all the same: `chaoslab follow %s` follows it, and a run on this machine is refused while it runs", why, arn)
			what = "not waiting for the rollback guard's execution (-rollback-wait 0), which may be running"
		}
		return r.withoutRollbackRun(arn, mode, r.offFromHere(notWaited, what, mode), "rollback run not waited for")
	}
	cancelled := func() bool { return errors.Is(ctx.Err(), context.Canceled) }
	leave := "Ctrl-C to leave"
	if mode.interrupted {
		leave = "Ctrl-C again to leave"
	}
	fmt.Fprintf(out, "waiting up to %s for the rollback guard's execution (%s)\n", r.RollbackWait, leave)
	rb, err := r.findRollback(ctx, machineArn, arn, since)
	if err != nil && cancelled() {
		if !mode.own {
			return nil, fmt.Errorf("%w: stopped waiting for the rollback guard's execution of %s, which ended without its rollbacks (%s)", ErrInterrupted, arn, r.takeUp(arn))
		}
		return r.withoutRollbackRun(arn, mode, r.offFromHere(fmt.Errorf("%w; %w while waiting for the rollback guard's execution", why, ErrInterrupted), "interrupted while waiting for the rollback", mode), "no rollback run")
	}
	if err != nil {
		return r.withoutRollbackRun(arn, mode, r.offFromHere(fmt.Errorf("%w; %w: check the machine's EventBridge rule", why, err), "no rollback execution came", mode), "no rollback run")
	}
	rbArn := aws.ToString(rb.ExecutionArn)
	fmt.Fprintf(out, "rollback execution: %s\n", rbArn)
	if mode.interrupted {
		// The rollback run goes on through its rollbacks and then observes the recovery (minutes):
		// followed here for the journal, which the user may leave to later.
		bound := ""
		if dl, ok := ctx.Deadline(); ok {
			bound = fmt.Sprintf(" for up to %s", time.Until(dl).Round(time.Second))
		}
		fmt.Fprintf(out, "following it through its rollbacks and its observation of the recovery%s, to write the journal (Ctrl-C again to leave now: the rollback run goes on, and `chaoslab follow %s` writes the journal once it ends)\n", bound, arn)
	}
	// The same machine: its pauses and probes print as the execution's did.
	f := r.follower(aws.ToTime(rb.StartDate))
	f.waits, f.probes = of.waits, of.probes
	if err := r.follow(ctx, f, rbArn); err != nil {
		switch {
		case cancelled() && !mode.own:
			return nil, r.watchEnded(rbArn)
		case cancelled():
			// A rollback run is never stopped (it would not be rolled back again): it runs on.
			return nil, r.offFromHere(fmt.Errorf("%w; %w while following the rollback execution %s, which runs on", why, ErrInterrupted, rbArn), "interrupted while following the rollback", mode)
		}
		return nil, fmt.Errorf("%w; following the rollback execution %s: %w", why, rbArn, err)
	}
	desc, err := r.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: rb.ExecutionArn})
	if err != nil {
		return nil, fmt.Errorf("%w; describe the rollback execution: %w", why, err)
	}
	j, rerr := r.report(desc, func(rb *experiments.Journal) *experiments.Journal { return r.withRecovered(ctx, arn, rb, mode.offAt) })
	if j == nil {
		return nil, fmt.Errorf("%w; the rollback execution gave no journal: %w", why, rerr)
	}
	if j.RollbackError != nil {
		return j, r.rollbackFailed(j, why, mode)
	}
	return j, fmt.Errorf("%w; the rollback guard rolled it back", why)
}

// findRollback polls the machine's executions, newest first, for the one started with
// {"rollbackOf": arn}, until ctx ends or RollbackWait has passed. Each poll pages back to the
// executions started before since (when arn started or stopped; a zero since reads every page),
// and only those started since then are described, each once.
func (r *Runner) findRollback(ctx context.Context, machineArn, arn string, since time.Time) (*sfn.DescribeExecutionOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, r.RollbackWait)
	defer cancel()
	checked := map[string]bool{arn: true}
	tick := time.NewTicker(r.poll())
	defer tick.Stop()
	for {
		d, err := r.scanForRollback(ctx, machineArn, arn, since, checked)
		if d != nil {
			return d, nil
		}
		if err != nil && ctx.Err() == nil {
			r.logger().Warn("listing executions failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no rollback execution started within %s", r.RollbackWait)
		case <-tick.C:
		}
	}
}

// Busy returns a *BusyError when an experiment holds the fault parameter of machineArn's stack:
// an execution of the machine is running, or one ended without its rollbacks and the rollback
// guard's run for it has not started yet (its fault may still be on, and that run will switch off
// whatever fault is on when it starts). Run refuses to start then (unless Alongside), and so does
// chaoslab fault enable: a fault written by hand over a running experiment's would be judged as
// the experiment's, and ended by its rollback. The error says what to do about a run. nil when the
// parameter is free; another error when the executions cannot be read.
func (r *Runner) Busy(ctx context.Context, machineArn string) error {
	running, err := r.SFN.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machineArn),
		StatusFilter: sfntypes.ExecutionStatusRunning, MaxResults: 1})
	if err != nil {
		return fmt.Errorf("list the running executions of %s: %w", machineArn, err)
	}
	if len(running.Executions) > 0 {
		e := running.Executions[0]
		arn := aws.ToString(e.ExecutionArn)
		return &BusyError{Execution: arn, msg: fmt.Sprintf("%v: %s, started %s; its fault and this one's are one parameter, so each one's rollback would end the other's fault: wait for it to end (`chaoslab follow %s` follows it there; an experiment that is not itself a rollback run, whose input names rollbackOf, may be stopped: aws stepfunctions stop-execution --execution-arn %s, and the rollback guard rolls it back), or start alongside it on purpose (-alongside)",
			ErrBusy, arn, aws.ToTime(e.StartDate).UTC().Format(time.RFC3339), arn, arn)}
	}
	due, err := r.rollbackDue(ctx, machineArn)
	if err != nil {
		return fmt.Errorf("look for an execution of %s whose rollback is due: %w", machineArn, err)
	}
	if due != nil {
		arn := aws.ToString(due.ExecutionArn)
		return &BusyError{Execution: arn, msg: fmt.Sprintf("%v: %s ended %s at %s, and the rollback guard's run for it has not started yet; its fault may still be on, and that run, when it starts, switches off the fault of any run started now: wait for it (chaoslab follow %s follows both), or start alongside it on purpose (-alongside)",
			ErrBusy, arn, due.Status, aws.ToTime(due.StopDate).UTC().Format(time.RFC3339), arn)}
	}
	return nil
}

// rollbackDue is the newest execution of machineArn that ended less than guardGrace ago in a way
// the rollback guard rolls back (experiments.StartsRollback) and whose rollback run has not
// started; nil when there is none. Only the newest page is read: an execution that ended within
// the minute is among the last hundred started unless a hundred more started since.
func (r *Runner) rollbackDue(ctx context.Context, machineArn string) (*sfn.DescribeExecutionOutput, error) {
	list, err := r.SFN.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machineArn), MaxResults: 100})
	if err != nil {
		return nil, err
	}
	for _, e := range list.Executions {
		stop := aws.ToTime(e.StopDate)
		if e.StopDate == nil || time.Since(stop) > guardGrace {
			continue // running (checked before), or ended long enough ago (newest first by start, not by stop: read on)
		}
		if e.Status != sfntypes.ExecutionStatusAborted && e.Status != sfntypes.ExecutionStatusTimedOut && e.Status != sfntypes.ExecutionStatusFailed {
			continue
		}
		d, err := r.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
		if err != nil {
			return nil, err
		}
		if !experiments.StartsRollback(string(d.Status), aws.ToString(d.Error)) {
			continue
		}
		arn := aws.ToString(e.ExecutionArn)
		found, err := r.scanForRollback(ctx, machineArn, arn, stop.Add(-time.Second), map[string]bool{arn: true})
		if err != nil {
			return nil, err
		}
		if found == nil {
			return d, nil
		}
	}
	return nil, nil
}

// rollbackOf is the execution a rollback run's input ({"rollbackOf": ARN}) names; "" for any
// other input.
func rollbackOf(input string) string {
	var in struct {
		RollbackOf string `json:"rollbackOf"`
	}
	if json.Unmarshal([]byte(input), &in) != nil {
		return ""
	}
	return in.RollbackOf
}

// scanForRollback is one poll of findRollback: the pages of the machine's executions down to
// since, each new one described once (checked) until the one that rolls back arn.
func (r *Runner) scanForRollback(ctx context.Context, machineArn, arn string, since time.Time, checked map[string]bool) (*sfn.DescribeExecutionOutput, error) {
	var token *string
	for {
		list, err := r.SFN.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machineArn), MaxResults: 100, NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, e := range list.Executions {
			id := aws.ToString(e.ExecutionArn)
			if aws.ToTime(e.StartDate).Before(since) {
				return nil, nil // newest first: the rest are older than arn, none its rollback
			}
			if checked[id] {
				continue
			}
			d, err := r.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
			if err != nil {
				if ctx.Err() != nil {
					return nil, err
				}
				r.logger().Warn("describing an execution failed; it is described again on the next poll", "execution", id, "err", err)
				continue
			}
			checked[id] = true
			if rollbackOf(aws.ToString(d.Input)) == arn {
				return d, nil
			}
		}
		if token = list.NextToken; token == nil {
			return nil, nil
		}
	}
}

// follow prints events until the execution ends or ctx is cancelled.
func (r *Runner) follow(ctx context.Context, f *follower, arn string) error {
	tick := time.NewTicker(r.poll())
	defer tick.Stop()
	failures := 0
	for {
		events, err := history(ctx, r.SFN, arn, f.lastID)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// A transient throttle or network error should not end the watch of a
			// running experiment; five in a row do.
			if failures++; failures >= 5 {
				return err
			}
			r.logger().Warn("reading history failed; retrying", "err", err)
		} else {
			failures = 0
		}
		for _, e := range events {
			if f.event(e) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			f.tick(now)
		}
	}
}

// interrupted stops the execution and switches the fault off, with a fresh
// context (the run's is cancelled). It returns when the fault was switched off (zero: it was
// not) and the error the run ends with.
func (r *Runner) interrupted(arn string) (offAt time.Time, why error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out := r.stdout()
	fmt.Fprintln(out, "interrupted: stopping the execution and switching the fault off (a Ctrl-C more than a second from now leaves at once, without the journal, the execution to its own rollback or the rollback guard's)")
	r.leaveNote(fmt.Sprintf("left at once, no journal written: the execution %s was being stopped and its fault switched off; check with `chaoslab fault status`, and `chaoslab follow %s` writes the journal once its rollback run ends", arn, arn))
	var errs []error
	if _, err := r.SFN.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn),
		Error: aws.String("ChaoslabInterrupted"), Cause: aws.String("chaoslab run was interrupted")}); err != nil {
		errs = append(errs, fmt.Errorf("stop execution: %w", err))
	} else {
		fmt.Fprintln(out, "execution stopped; the state machine's rollback guard runs the rollbacks")
	}
	switch err := r.switchOff(ctx); {
	case errors.Is(err, errNoFaultParameter):
		fmt.Fprintf(out, "%v: run `chaoslab rollback -fault-parameter NAME` to be sure\n", err)
	case err != nil:
		errs = append(errs, err)
	default:
		offAt = time.Now()
		fmt.Fprintf(out, "fault parameter %s set to %s\n", r.FaultParameter, FaultOff)
		r.leaveNote(fmt.Sprintf("left at once, no journal written: the fault parameter %s is off (set at %s); the rollback guard's execution for %s runs on in the state machine, and `chaoslab follow %s` writes this run's journal once it ends",
			r.FaultParameter, offAt.UTC().Format("15:04:05"), arn, arn))
	}
	return offAt, errors.Join(append([]error{ErrInterrupted}, errs...)...)
}

// interruptedStarting ends a run interrupted while StartExecution was in flight: the request may
// have started the execution all the same, unwatched, so it is looked up by its name and, if it
// exists, stopped and its fault switched off, as any interrupted run.
func (r *Runner) interruptedStarting(machineArn string, startErr error) error {
	arn := executionArn(machineArn, r.ExecutionName)
	if arn == "" {
		return fmt.Errorf("%w while starting the execution (%w)", ErrInterrupted, startErr)
	}
	// Only "does not exist" says it did not start; the request may still be on its way, and a
	// throttle says nothing: a few looks, a second apart.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var err error
	if poll.Until(2*time.Second, time.Second, func() bool {
		_, err = r.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		return err == nil
	}) {
		fmt.Fprintf(r.stdout(), "interrupted while starting; the execution had started: %s\n", arn)
		_, err := r.interrupted(arn)
		return err
	}
	var missing *sfntypes.ExecutionDoesNotExist
	if errors.As(err, &missing) {
		return fmt.Errorf("%w while starting the execution (%w): no execution %s started", ErrInterrupted, startErr, r.ExecutionName)
	}
	return fmt.Errorf("%w while starting the execution (%w), and whether %s started could not be read (%w): see aws stepfunctions describe-execution --execution-arn %s, and run `chaoslab rollback` to be sure the fault is off",
		ErrInterrupted, startErr, r.ExecutionName, err, arn)
}

// executionArn is the ARN of machineArn's execution named name ("" when machineArn is not a state
// machine's ARN): arn:aws:states:<region>:<account>:execution:<machine>:<name>.
func executionArn(machineArn, name string) string {
	prefix, machine, ok := strings.Cut(machineArn, ":stateMachine:")
	if !ok || machine == "" {
		return ""
	}
	return prefix + ":execution:" + machine + ":" + name
}

// IsStateMachineArn reports whether arn has a state machine ARN's shape:
// arn:<partition>:states:<region>:<account>:stateMachine:<name>.
func IsStateMachineArn(arn string) bool {
	parts := strings.Split(arn, ":")
	return len(parts) == 7 && parts[0] == "arn" && parts[1] != "" && parts[2] == "states" && parts[3] != "" &&
		parts[4] != "" && parts[5] == "stateMachine" && parts[6] != ""
}

// SplitExecutionArn is the state machine's ARN and the execution's name of an execution's ARN
// (the inverse of executionArn); "", "" when arn is not one.
func SplitExecutionArn(arn string) (machineArn, name string) {
	prefix, rest, ok := strings.Cut(arn, ":execution:")
	machine, name, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || !strings.HasPrefix(arn, "arn:") || machine == "" || name == "" || strings.Contains(name, ":") {
		return "", ""
	}
	return prefix + ":stateMachine:" + machine, name
}

// ErrInterrupted is in the error of a run whose context ended while its execution ran (Ctrl-C).
var ErrInterrupted = errors.New("interrupted")

// report extracts the journal (the output when held, the Fail state's cause
// otherwise), completes it with complete (when not nil), writes it, prints the table and verdict,
// and maps the verdict to the error.
func (r *Runner) report(desc *sfn.DescribeExecutionOutput, complete func(*experiments.Journal) *experiments.Journal) (*experiments.Journal, error) {
	var raw string
	switch desc.Status {
	case sfntypes.ExecutionStatusSucceeded:
		raw = aws.ToString(desc.Output)
	case sfntypes.ExecutionStatusFailed:
		raw = aws.ToString(desc.Cause)
	default:
		return nil, fmt.Errorf("execution %s (%s: %s)", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	j, err := experiments.ParseJournal([]byte(raw))
	if err != nil || j.Verdict == "" {
		return nil, fmt.Errorf("execution %s without a journal: %s: %s",
			desc.Status, aws.ToString(desc.Error), clip(aws.ToString(desc.Cause), 500))
	}
	if complete != nil {
		if c := complete(j); c != j {
			b, err := json.Marshal(c)
			if err != nil {
				return nil, fmt.Errorf("journal: %w", err)
			}
			j, raw = c, string(b)
		}
	}
	return j, r.record(j, raw)
}

// record writes the journal (raw, its JSON), prints its table and verdict, and maps the verdict
// to the error.
func (r *Runner) record(j *experiments.Journal, raw string) error {
	out := r.stdout()
	if keepSwitchOffs(r.JournalPath, j) {
		if b, err := json.Marshal(j); err == nil {
			raw = string(b)
		}
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, []byte(raw), "", "  ") != nil {
		pretty.Reset()
		pretty.WriteString(raw)
	}
	pretty.WriteByte('\n')
	if err := atomicfile.WriteFile(r.JournalPath, pretty.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	fmt.Fprintln(out)
	PrintJournal(out, j)
	fmt.Fprintf(out, "journal: %s\n", r.JournalPath)
	return verdictError(j)
}

// keepSwitchOffs gives j the runner's own switch-offs ("Switched off by chaoslab run
// (interrupted)") that the journal already at path recorded for the same execution, and reports
// whether it gave any: a follow of that execution cannot see the interrupted run's write in the
// execution's history, and writing its journal again lost the record of it.
func keepSwitchOffs(path string, j *experiments.Journal) bool {
	b, err := os.ReadFile(path)
	if err != nil || j.ExecutionArn == "" {
		return false
	}
	var old experiments.Journal
	if json.Unmarshal(b, &old) != nil || old.ExecutionArn != j.ExecutionArn {
		return false
	}
	kept := false
	for i, a := range old.Rollbacks {
		if !strings.HasPrefix(a.Name, switchedOffBy) || slices.ContainsFunc(j.Rollbacks, func(b experiments.ActionResult) bool { return b.Name == a.Name && b.PutAt == a.PutAt }) {
			continue
		}
		// Where the journal had it: an interrupt's first (it came before the machine's
		// rollbacks), another's last.
		if i == 0 {
			j.Rollbacks = append([]experiments.ActionResult{a}, j.Rollbacks...)
		} else {
			j.Rollbacks = append(j.Rollbacks, a)
		}
		kept = true
	}
	return kept
}

// leaveNote tells LeaveNote, when set, what a second Ctrl-C would leave.
func (r *Runner) leaveNote(note string) {
	if r.LeaveNote != nil {
		r.LeaveNote(note)
	}
}
