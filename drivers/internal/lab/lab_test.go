package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/dirlock"
)

// Lanes running side by side share stderr: every line comes out whole, with its lane's prefix, even
// through the indent of a nested writer.
func TestLaneOutputKeepsLinesWhole(t *testing.T) {
	var buf bytes.Buffer
	shared := &lockedWriter{w: &buf}
	var wg sync.WaitGroup
	for _, lane := range []string{"flawed", "resilient"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := cli.Indent(cli.Prefix(shared, "["+lane+"] "))
			for i := range 200 {
				fmt.Fprintf(w, "%s line %d\n", lane, i)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines, want 400", len(lines))
	}
	whole := regexp.MustCompile(`^\[(flawed|resilient)\]     (flawed|resilient) line \d+$`)
	for _, l := range lines {
		if m := whole.FindStringSubmatch(l); m == nil || m[1] != m[2] {
			t.Fatalf("mixed line %q", l)
		}
	}
}

func TestTrialsTakeSlotsExperimentByExperiment(t *testing.T) {
	var specs []trialSpec
	for _, s := range []string{"flawed", "resilient"} {
		for _, e := range []string{"exp_1", "exp_2", "exp_3", "exp_4"} {
			specs = append(specs, trialSpec{scenario: s, experiment: e})
		}
	}
	order := func(longest map[string]float64) string {
		var got []string
		for _, i := range runOrder(specs, longest) {
			got = append(got, specs[i].experiment+"/"+specs[i].scenario)
		}
		return strings.Join(got, " ")
	}
	// GIVEN no earlier run THEN the shipped order, each experiment's scenarios in turn (flawed
	// trials spread over the run, not all at once).
	if got, want := order(nil), "exp_1/flawed exp_1/resilient exp_2/flawed exp_2/resilient exp_3/flawed exp_3/resilient exp_4/flawed exp_4/resilient"; got != want {
		t.Errorf("run order = %s, want %s", got, want)
	}
	// GIVEN the last run's longest trial of three of them THEN those longest first, the one it
	// did not run after them; still each experiment's scenarios in turn.
	summary := filepath.Join(t.TempDir(), "summary.json")
	last := []Result{{Experiment: "exp_1", Scenario: "flawed", Seconds: 60}, {Experiment: "exp_1", Scenario: "resilient", Seconds: 55},
		{Experiment: "exp_2", Scenario: "flawed", Seconds: 59}, {Experiment: "exp_2", Scenario: "resilient", Seconds: 74},
		{Experiment: "exp_4", Scenario: "flawed", Seconds: 58}}
	if err := writeSummary(summary, last); err != nil {
		t.Fatal(err)
	}
	longest := longestTrials(summary)
	if got, want := order(longest), "exp_2/flawed exp_2/resilient exp_1/flawed exp_1/resilient exp_4/flawed exp_4/resilient exp_3/flawed exp_3/resilient"; got != want {
		t.Errorf("run order after a run = %s, want %s", got, want)
	}
	// GIVEN no summary, or one that is not a lab's THEN nothing known: the shipped order.
	if l := longestTrials(filepath.Join(t.TempDir(), "none.json")); l != nil {
		t.Errorf("longest of a missing summary = %v, want nil", l)
	}
	os.WriteFile(summary, []byte("{not json"), 0o644)
	if l := longestTrials(summary); l != nil {
		t.Errorf("longest of a broken summary = %v, want nil", l)
	}
}

func TestDrainEnd(t *testing.T) {
	// One step of the drain: at second at, the subscriber's count, and the work queue's depth when
	// the drain reads it (-2: not read, -1: the read failed).
	type step struct {
		at        float64
		converted int
		depth     int
	}
	const notRead = -2
	cases := []struct {
		name  string
		steps []step
		endAt float64 // the step the drain may end at; 0: none
	}{
		{name: "the queue empty and still empty 3 s later, nothing converted: the end",
			steps: []step{{0, 10, notRead}, {3, 10, 0}, {4, 10, 0}, {6, 10, 0}}, endAt: 6},
		{name: "a slow batch deleted after a quiet spell: its notifications come before the end (exp_5 resilient)",
			steps: []step{{0, 499, notRead}, {3, 499, 3}, {4, 499, 3}, {5, 499, 0}, {6, 502, notRead}, {9, 502, 0}, {11, 502, 0}, {12, 502, 0}},
			endAt: 12},
		{name: "messages back in the queue (a redelivery) restart the wait",
			steps: []step{{0, 10, 0}, {2, 10, 1}, {4, 10, 0}, {6, 10, 0}, {7, 10, 0}}, endAt: 7},
		{name: "a failed read is not an empty queue",
			steps: []step{{0, 10, 0}, {1, 10, -1}, {2, 10, 0}, {4, 10, 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN the drain's observations, second by second WHEN it asks whether it may end on an
			// empty queue THEN only once the queue has stayed empty for 3 s with nothing converted.
			t0 := time.Now()
			d := drainEnd{settle: 3 * time.Second, lastConverted: -1, lastChange: t0}
			var endedAt float64
			for _, s := range c.steps {
				now := t0.Add(time.Duration(s.at * float64(time.Second)))
				d.converted(s.converted, now)
				if s.depth != notRead && d.empty(s.depth, now) {
					endedAt = s.at
					break
				}
			}
			if endedAt != c.endAt {
				t.Errorf("ended at %gs, want %gs (0: not at all)", endedAt, c.endAt)
			}
		})
	}
}

func TestScheduleStaggersTheFirstRoundAndCapsConcurrency(t *testing.T) {
	// GIVEN five trials, at most two at once, the first round started at least 1 s apart, each
	// running 1.5 s (the third starts half a second after the second: a test stalled for less than
	// that still sees the two apart, where a 50 ms gap let them start together, in either order)
	// WHEN they are scheduled THEN they start in order, the first two 1 s apart, the later ones
	// as soon as a slot is free (not another 1 s after the start before), and never more than
	// two run at once.
	const n, stagger, run = 2, time.Second, 1500 * time.Millisecond
	var mu sync.Mutex
	var starts []time.Time
	var order []int
	running, most := 0, 0
	schedule(context.Background(), []int{3, 1, 4, 0, 2}, n, stagger, func(i int, _ func(), err error) {
		if err != nil {
			t.Errorf("trial %d: %v", i, err)
			return
		}
		mu.Lock()
		starts, order = append(starts, time.Now()), append(order, i)
		running++
		most = max(most, running)
		mu.Unlock()
		time.Sleep(run)
		mu.Lock()
		running--
		mu.Unlock()
	})
	if fmt.Sprint(order) != "[3 1 4 0 2]" {
		t.Errorf("started in order %v, want [3 1 4 0 2]", order)
	}
	if most > n {
		t.Errorf("%d trials ran at once, want at most %d", most, n)
	}
	// (Measured where the trials record their start, a goroutine after schedule's own clock: 100 ms
	// of slack for the first's goroutine starting later than the second's on a loaded machine; a
	// schedule without the stagger starts them together.)
	if gap := starts[1].Sub(starts[0]); gap < stagger-100*time.Millisecond {
		t.Errorf("the second start came %s after the first, want at least %s", gap, stagger)
	}
	// The third takes the first's slot when it ends, at 1.5 s: 500 ms after the second start (more
	// on a loaded machine, where a test binary at nice 19 can stall). A stagger for it would make that 1 s.
	if gap := starts[2].Sub(starts[1]); gap >= stagger-10*time.Millisecond {
		t.Errorf("the third start came %s after the second: staggered, want it as soon as the first's slot was free (about %s)", gap, run-stagger)
	}
}

func TestScheduleUpToTheCapRunsAllAtOnce(t *testing.T) {
	// GIVEN three trials, a cap of three and no stagger, each waiting for the other two to start
	// WHEN they are scheduled THEN all three run at once (a cap under three would leave one waiting
	// for ever: the test's deadline).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var all sync.WaitGroup
	all.Add(3)
	schedule(ctx, []int{0, 1, 2}, 3, 0, func(i int, _ func(), err error) {
		all.Done()
		waited := make(chan struct{})
		go func() { all.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-ctx.Done():
			t.Errorf("trial %d: the others did not start beside it", i)
		}
	})
}

func TestScheduleAfterCancelSkipsTheRest(t *testing.T) {
	// GIVEN a context cancelled while the first trial runs and the second waits for a slot
	// WHEN they are scheduled THEN the second and third get the context's error and are not run.
	ctx, cancel := context.WithCancel(context.Background())
	var got []string
	var mu sync.Mutex
	schedule(ctx, []int{0, 1, 2}, 1, 0, func(i int, _ func(), err error) {
		mu.Lock()
		got = append(got, fmt.Sprintf("%d:%v", i, err))
		mu.Unlock()
		if i == 0 {
			cancel()
		}
	})
	if want := "[0:<nil> 1:context canceled 2:context canceled]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestScheduleReleaseGivesTheSlotBackEarly(t *testing.T) {
	// GIVEN two trials, one at a time; the first releases its slot, then goes on working (its
	// drain and bookkeeping once its publisher has stopped) until the second has started
	// WHEN they are scheduled THEN the second starts while the first still runs (without the
	// release it would wait for the first to return: the test's deadline); and releasing twice or
	// returning after a release frees no second slot.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	second := make(chan struct{})
	var mu sync.Mutex
	running, most := 0, 0
	schedule(ctx, []int{0, 1, 2}, 1, 0, func(i int, release func(), err error) {
		if err != nil {
			t.Errorf("trial %d: %v", i, err)
			return
		}
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		defer func() { mu.Lock(); running--; mu.Unlock() }()
		switch i {
		case 0:
			release()
			release()
			select {
			case <-second:
			case <-ctx.Done():
				t.Error("the second trial did not start after the first released its slot")
			}
		case 1:
			close(second)
			time.Sleep(50 * time.Millisecond) // holds its slot: trial 2 must wait for it
		}
	})
	if most != 2 {
		t.Errorf("at most %d trials ran at once, want 2 (the first after its release, and one holding the slot)", most)
	}
}

// A trial not steady before its fault runs again, up to the retries allowed, and its result keeps
// the earlier attempts; any other verdict stands at once.
func TestNotSteadyTrialsRunAgain(t *testing.T) {
	v := 26.7
	notSteady := Result{Verdict: "not-steady-before", Journal: "j0", Report: "r0", Before: []Probe{
		{Name: "messages-in-flight", Value: &v, Tolerance: "[-10, 20]", Pass: false}, {Name: "zero-sns-errors", Tolerance: "0", Pass: true}}}
	for _, tt := range []struct {
		name     string
		retries  int
		verdicts []string // what each attempt gives
		calls    int
		final    string
	}{
		{name: "deviated at once", retries: 1, verdicts: []string{"deviated"}, calls: 1, final: "deviated"},
		{name: "not steady, then deviated", retries: 1, verdicts: []string{"not-steady-before", "deviated"}, calls: 2, final: "deviated"},
		{name: "not steady twice: the second stands", retries: 1, verdicts: []string{"not-steady-before", "not-steady-before"}, calls: 2, final: "not-steady-before"},
		{name: "no retries", retries: 0, verdicts: []string{"not-steady-before"}, calls: 1, final: "not-steady-before"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			calls := 0
			res := attempts(&out, tt.retries, func(n int, retryable bool) (Result, bool) {
				calls++
				r := Result{Verdict: tt.verdicts[n]}
				if r.Verdict == "not-steady-before" {
					r = notSteady
				}
				return r, retryable && r.Verdict == "not-steady-before"
			})
			if calls != tt.calls || res.Verdict != tt.final || len(res.NotSteadyAttempts) != tt.calls-1 {
				t.Fatalf("%d attempts, verdict %s, %d earlier attempts kept; want %d, %s, %d", calls, res.Verdict, len(res.NotSteadyAttempts), tt.calls, tt.final, tt.calls-1)
			}
			if tt.calls > 1 && (res.NotSteadyAttempts[0].Journal != "j0" || res.NotSteadyAttempts[0].Report != "r0" ||
				!strings.Contains(out.String(), "not steady before the fault (messages-in-flight 26.7 outside [-10, 20]): the experiment did not run; once more on a fresh stack")) {
				t.Errorf("earlier attempt %+v, progress %q", res.NotSteadyAttempts[0], out.String())
			}
		})
	}
}

// A trial whose run has a journal and an error that is not its verdict's (a rollback that failed in
// the machine, the fault then switched off by the runner) is an error whatever its verdict; a
// deviated verdict's own error is not.
func TestTrialVerdictKeepsTheRunsError(t *testing.T) {
	j := &experiments.Journal{Verdict: experiments.VerdictHeld}
	failed := fmt.Errorf("%w (States.TaskFailed: AccessDenied): chaoslab switched the fault off itself", runner.ErrRollbackFailed)
	tr := &trial{}
	tr.verdict(j, failed)
	if tr.res.Verdict != experiments.VerdictHeld || !strings.Contains(tr.res.Error, "experiment: the rollback failed (States.TaskFailed: AccessDenied)") {
		t.Errorf("verdict %q, error %q: want held, and the rollback's failure as the trial's error", tr.res.Verdict, tr.res.Error)
	}
	deviated := &trial{}
	deviated.verdict(&experiments.Journal{Verdict: experiments.VerdictDeviated}, runner.ErrDeviated)
	if deviated.res.Error != "" {
		t.Errorf("a deviated verdict's own error recorded as the trial's: %q", deviated.res.Error)
	}
}

// A trial stopped by the lab's interrupt before its experiment ran (here: in its deploy) says it was
// interrupted, as every interrupted trial does, with what the interrupt cut short; a deploy that
// failed by itself keeps its own error. Neither wrote a fault: summary.json says nothing of one,
// where "fault_off_after_run": false read as a fault left on.
func TestTrialInterruptedBeforeItsExperiment(t *testing.T) {
	cut := errors.New("deploy: stack ChaosLab-resilient-exp1: CreateTopic ChaosLab-Topic: operation error SNS: CreateTopic, canceled, context canceled")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	interrupted := &trial{res: Result{Scenario: "resilient", Experiment: "exp_1", Verdict: "error"}}
	interrupted.failBefore(ctx, cut)
	if e := interrupted.res.Error; !strings.HasPrefix(e, "interrupted: the lab was stopped before this trial's experiment ran, so no fault was written") ||
		!strings.Contains(e, "(what the interrupt cut short: deploy: stack ChaosLab-resilient-exp1: CreateTopic") {
		t.Errorf("error %q: want it said interrupted, with what the interrupt cut short", e)
	}
	failed := &trial{}
	failed.failBefore(context.Background(), errors.New("deploy: boom"))
	if failed.res.Error != "deploy: boom" {
		t.Errorf("a deploy that failed by itself: error %q, want its own", failed.res.Error)
	}

	path := filepath.Join(t.TempDir(), "summary.json")
	on := true
	rs := []Result{{Scenario: "flawed", Experiment: "exp_1", Verdict: VerdictNotRun}, interrupted.res,
		{Scenario: "resilient", Experiment: "exp_2", Verdict: experiments.VerdictHeld, FaultOff: &on}}
	if err := writeSummary(path, rs); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), `"fault_off_after_run"`); n != 1 || !strings.Contains(string(b), `"fault_off_after_run": true`) {
		t.Errorf("summary.json has fault_off_after_run %d times, want once, true, for the trial that ran:\n%s", n, b)
	}
	back, err := ReadResults(path)
	if err != nil || len(back) != 3 || back[0].FaultOff != nil || back[1].FaultOff != nil || back[2].FaultOff == nil || !*back[2].FaultOff {
		t.Errorf("read back: %+v, %v", back, err)
	}
}

// A second lab on a run or results directory another lab holds is refused at once, naming it,
// before it synthesizes into the first one's cdk.out or writes over its results.
func TestSecondLabOnTheSameDirectoriesIsRefused(t *testing.T) {
	dir, results, other := t.TempDir(), t.TempDir(), t.TempDir()
	first, err := lockDirs(dir, results)
	if err != nil {
		t.Fatal(err)
	}
	for _, dirs := range [][]string{{dir, other}, {other, results}} {
		if _, err := lockDirs(dirs...); err == nil || !strings.Contains(err.Error(), "another chaoslab lab is running in") {
			t.Errorf("lockDirs(%v) while the first lab runs: %v, want a refusal", dirs, err)
		}
	}
	// The refused lab let go of what it took before it was refused.
	for _, l := range first {
		l.Close()
	}
	again, err := lockDirs(other, other) // -results the same as -dir: one lock
	if err != nil || len(again) != 1 {
		t.Fatalf("lockDirs(other, other): %d locks, %v", len(again), err)
	}
	again[0].Close()
	if _, err := lockDirs(dir, results); err != nil {
		t.Errorf("after the first lab ended: %v", err)
	}
}

// A lab whose local cloud cannot start (another holds its directory) stops the synth it started
// beside it: the synth is said to be stopped, not failed, and the cloud's refusal is the error. It
// ran no trial, so the last lab's results are where they were, and the lab before them in previous/.
func TestLabWhoseCloudCannotStartSaysWhy(t *testing.T) {
	root, dir, results := labDirs(t)
	for p, body := range map[string]string{"summary.json": "last", "flawed-exp_1-minor_delay.journal.json": "last's", PreviousDir + "/summary.json": "older"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(results, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(results, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	held, err := dirlock.Lock(filepath.Join(dir, "cloud", "cloud.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sum, err := Run(ctx, Config{Root: root, Dir: dir, Results: results, Scenarios: []string{"flawed"},
		Experiments: []string{"exp_1-minor_delay"}, Resynth: true, Progress: &progress})
	if sum != nil || err == nil || !strings.Contains(err.Error(), "a local cloud is starting in "+filepath.Join(dir, "cloud")) {
		t.Errorf("Run = %v, %v; want no summary and the cloud's refusal", sum, err)
	}
	out := progress.String()
	if !strings.Contains(out, "synth stopped after") || strings.Contains(out, "synth FAILED") || strings.Contains(out, "killed") {
		t.Errorf("progress:\n%s\nwant the synth said stopped, not failed", out)
	}
	for p, want := range map[string]string{"summary.json": "last", "flawed-exp_1-minor_delay.journal.json": "last's", PreviousDir + "/summary.json": "older"} {
		if b, err := os.ReadFile(filepath.Join(results, p)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q: the last lab's results put back", p, b, err, want)
		}
	}
	if !strings.Contains(out, "no trial ran: the last lab's results are back in") {
		t.Errorf("progress:\n%s\nwant it to say the last lab's results are back", out)
	}
}

// An experiment of one's own may read a variable of the process's environment, as chaoslab run
// lets it; a stack output's variable is the trial's stack's, whatever the process has.
func TestLabEnv(t *testing.T) {
	t.Setenv("MY_MODE", "latency")
	t.Setenv("LAMBDA_FUNCTION_NAME", "another-stacks-function")
	env := labEnv(map[string]string{"FunctionName": "ChaosLab-flawed-exp1-Etl"})
	if env["MY_MODE"] != "latency" || env["LAMBDA_FUNCTION_NAME"] != "ChaosLab-flawed-exp1-Etl" {
		t.Errorf("MY_MODE %q, LAMBDA_FUNCTION_NAME %q; want the process's and the stack's", env["MY_MODE"], env["LAMBDA_FUNCTION_NAME"])
	}
}

// A second Ctrl-C leaves the lab at once: its note says what is left as the lab goes, the results
// written so far and the local clouds not stopped yet, with how to stop them (a lab left during its
// clean-up exited 130 without a word, its cloud's state file and key in its -dir).
func TestLeaveNoteFollowsTheLab(t *testing.T) {
	root := t.TempDir()
	results := filepath.Join(root, "lab-results")
	var notes []string
	var started atomic.Bool
	l := &leaver{note: func(s string) { notes = append(notes, s) }, root: root, results: results,
		clouds: cloudDirs(Config{Dir: filepath.Join(root, ".lab"), Clouds: 2}), started: &started, previous: true}
	last := func() string { return notes[len(notes)-1] }
	l.set(leaveRunning)
	for _, want := range []string{"no trial had started: the last lab's results are in lab-results/previous, not put back",
		"the local cloud(s) were not stopped", "`chaoslab local down -dir .lab/cloud-1`, `chaoslab local down -dir .lab/cloud-2`"} {
		if !strings.Contains(last(), want) {
			t.Errorf("before any trial: note %q, want %q", last(), want)
		}
	}
	started.Store(true)
	l.refresh() // at the interrupt, after a trial started
	if want := "no summary.json or index.html written: each trial's log, and the journals and reports written by then, are in lab-results"; !strings.Contains(last(), want) {
		t.Errorf("trials running: note %q, want %q", last(), want)
	}
	l.wrote(filepath.Join(results, "summary.json"))
	if want := "the results so far are written: lab-results/summary.json"; !strings.Contains(last(), want) || !strings.Contains(last(), "were not stopped") {
		t.Errorf("summary written: note %q, want %q and the clouds not stopped", last(), want)
	}
	l.set(leaveStoppingClouds)
	if want := "while the local cloud(s) were stopping"; !strings.Contains(last(), want) || !strings.Contains(last(), "chaoslab local down -dir .lab/cloud-1") {
		t.Errorf("clouds stopping: note %q, want %q and local down", last(), want)
	}
	l.set(leaveStopped)
	if want := "every process the lab started is stopped; the results so far are written: lab-results/summary.json"; !strings.Contains(last(), want) || strings.Contains(last(), "local down") {
		t.Errorf("clouds stopped: note %q, want %q and no local down", last(), want)
	}
}

// An interrupted lab says so on its own output at once, and that a second Ctrl-C leaves (the
// trials' runners said it in the trials' logs alone), and the note of that second Ctrl-C follows
// the lab to its end: here one interrupted before its cloud started, which stops it.
func TestInterruptedLabSaysSoAndWhatASecondCtrlCLeaves(t *testing.T) {
	root, dir, results := labDirs(t)
	held, err := dirlock.Lock(filepath.Join(dir, "cloud", "cloud.lock")) // the cloud cannot start: nothing is left of it
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var progress bytes.Buffer
	var mu sync.Mutex
	var notes []string
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl-C
	sum, err := Run(ctx, Config{Root: root, Dir: dir, Results: results, Scenarios: []string{"flawed"},
		Experiments: []string{"exp_1-minor_delay"}, Progress: &progress,
		LeaveNote: func(s string) { mu.Lock(); notes = append(notes, s); mu.Unlock() }})
	if sum != nil || err == nil {
		t.Fatalf("Run = %v, %v; want no summary and an error", sum, err)
	}
	if out := progress.String(); !strings.Contains(out, "==> interrupted: each trial stops its execution") ||
		!strings.Contains(out, "a Ctrl-C more than a second from now leaves at once, and says what it leaves") {
		t.Errorf("progress:\n%s\nwant the interrupt said, and that a second Ctrl-C leaves at once", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(notes) < 3 || !strings.Contains(notes[0], "chaoslab local down -dir "+filepath.Join(dir, "cloud")) ||
		!strings.Contains(notes[len(notes)-2], "while the local cloud(s) were stopping") ||
		!strings.Contains(notes[len(notes)-1], "every process the lab started is stopped; no trial had started") {
		t.Errorf("leave notes %q: want the cloud's local down, then the clouds stopping, then stopped", notes)
	}
}

// labDirs are the repository's root, a lab's -dir with its cloud's folder made, and its -results.
func labDirs(t *testing.T) (root, dir, results string) {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	dir, results = t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cloud"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root, dir, results
}
