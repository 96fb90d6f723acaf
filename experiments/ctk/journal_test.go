package ctk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/experiments/ctk"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "journal.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// ourJournal reads a journal of testdata/journals exactly as the machine wrote it.
func ourJournal(t *testing.T, name string) *experiments.Journal {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "journals", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var j experiments.Journal
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &j
}

// exp1 is the experiment the journals ran, with the guard of the guard-breach run when guard.
func exp1(t *testing.T, guard bool) *experiments.Experiment {
	t.Helper()
	e, err := experiments.LoadDefinition("exp_1-minor_delay")
	if err != nil {
		t.Fatal(err)
	}
	if guard {
		e.Extensions = append(e.Extensions, json.RawMessage(`{"name": "chaoslab", "guard": {"probe": "normal-error-rates", "interval": 60}}`))
	}
	return e
}

func heldCTK(t *testing.T) *ctk.Journal {
	t.Helper()
	j, err := ctk.FromJournal(exp1(t, false), ourJournal(t, "held.json"))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// summary is a journal's outline: status, deviation, the states and the runs.
type summary struct {
	status   string
	deviated bool
	before   string // "" (null), "met" or "not met"
	after    string
	during   int
	run      string // activity names (status)
	rollback string
}

func met(s *ctk.State) string {
	switch {
	case s == nil:
		return ""
	case s.SteadyStateMet:
		return "met"
	}
	return "not met"
}

func runs(t *testing.T, rs []ctk.Run) string {
	t.Helper()
	var out []string
	for _, r := range rs {
		var a struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(r.Activity, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a.Name+" ("+r.Status+")")
	}
	return strings.Join(out, ", ")
}

// ext is the journal's chaoslab extension.
func ext(t *testing.T, j *ctk.Journal) map[string]any {
	t.Helper()
	var e struct {
		Extensions []map[string]any `json:"extensions"`
	}
	if err := json.Unmarshal(j.Experiment, &e); err != nil {
		t.Fatal(err)
	}
	for _, x := range e.Extensions {
		if x["name"] == ctk.ExtensionName && x["verdict"] != nil {
			return x
		}
	}
	t.Fatalf("no chaoslab extension in %s", j.Experiment)
	return nil
}

func stdout(t *testing.T, r ctk.Run) string {
	t.Helper()
	m, ok := r.Output.(map[string]any)
	if !ok {
		t.Fatalf("output %v is not a process output", r.Output)
	}
	return m["stdout"].(string)
}

const action = "Enable Lambda failure: LATENCY (succeeded)"

func TestFromJournal(t *testing.T) {
	schema := loadSchema(t)
	tests := []struct {
		file  string
		guard bool
		nilEx bool // no experiment at hand
		want  summary
		check func(t *testing.T, j *ctk.Journal)
	}{
		{file: "held.json", want: summary{status: "completed", before: "met", after: "met", run: action, rollback: "Disable Lambda failures (succeeded)"},
			check: func(t *testing.T, j *ctk.Journal) {
				p := j.SteadyStates.Before.Probes
				if p[0].Output != 0.0 || *p[0].ToleranceMet != true {
					t.Errorf("chaosaws probe output %v (python: the value)", p[0].Output)
				}
				if stdout(t, p[1]) != "1.5\n" || stdout(t, p[2]) != "3.0\n" {
					t.Errorf("process probe outputs %v %v (the aws CLI's printout)", p[1].Output, p[2].Output)
				}
				// The action's pauses are those it ran with.
				var act struct{ Pauses map[string]float64 }
				if err := json.Unmarshal(j.Run[0].Activity, &act); err != nil || act.Pauses["after"] != 300 {
					t.Errorf("action pauses %v (%v), want after 300", act.Pauses, err)
				}
				v := j.Run[0].Output.(map[string]any)
				if v["failureMode"] != "latency" || v["expiresAfterSeconds"] != 420.0 {
					t.Errorf("action output %v, want the value written", v)
				}
				if !strings.HasSuffix(j.Start, "+00:00") || j.Duration <= 0 || j.ChaoslibVersion != ctk.FormatVersion || !strings.Contains(j.Node, ":execution:") {
					t.Errorf("header %s %v %s %s", j.Start, j.Duration, j.ChaoslibVersion, j.Node)
				}
				if e := ext(t, j); e["verdict"] != "held" || e["afterRollback"].(map[string]any)["steady_state_met"] != true {
					t.Errorf("extension %v", e)
				}
				// The method's onset: when the window after it started (the rollback had none).
				onsets, _ := json.Marshal(ext(t, j)["onsets"])
				if want := `[{"activity":"Enable Lambda failure: LATENCY","inForceAt":"2026-11-30T06:56:15.760000+00:00","onsetSeconds":5,"phase":"method"}]`; string(onsets) != want {
					t.Errorf("onsets %s, want %s", onsets, want)
				}
			}},
		{file: "deviated.json", want: summary{status: "completed", deviated: true, before: "met", after: "not met", run: action, rollback: "Disable Lambda failures (succeeded)"},
			check: func(t *testing.T, j *ctk.Journal) {
				p := j.SteadyStates.After.Probes[2]
				if *p.ToleranceMet || stdout(t, p) != "40.0\n" {
					t.Errorf("deviated probe %+v", p)
				}
			}},
		{file: "not-steady-before.json", want: summary{status: "completed", before: "not met"},
			check: func(t *testing.T, j *ctk.Journal) {
				if p := j.SteadyStates.Before.Probes[1]; *p.ToleranceMet || stdout(t, p) != "null\n" {
					t.Errorf("no-data probe %+v: the aws CLI prints null", p)
				}
			}},
		{file: "guard-breach.json", guard: true, want: summary{status: "failed", before: "met", during: 1, run: action, rollback: "Disable Lambda failures (succeeded)"},
			check: func(t *testing.T, j *ctk.Journal) {
				d := j.SteadyStates.During[0]
				if d.SteadyStateMet || len(d.Probes) != 1 || stdout(t, d.Probes[0]) != "50.0\n" {
					t.Errorf("during %+v", d)
				}
			}},
		// A machine deployed since keeps the breached write in the breach: the run is the action's record.
		{file: "guard-breach-kept.json", guard: true, want: summary{status: "failed", before: "met", during: 1, run: action, rollback: "Disable Lambda failures (succeeded)"},
			check: func(t *testing.T, j *ctk.Journal) {
				if v, ok := j.Run[0].Output.(map[string]any); !ok || v["failureMode"] != "latency" {
					t.Errorf("the breached action's output %v, want the value written", j.Run[0].Output)
				}
				// The breached action's pauses are the file's (the breach does not record them).
				var act struct{ Pauses map[string]float64 }
				if err := json.Unmarshal(j.Run[0].Activity, &act); err != nil || act.Pauses["after"] != 300 {
					t.Errorf("the breached action's pauses %v (%v), want the file's, after 300", act.Pauses, err)
				}
				// The breached write's onset, which the breach kept, beside the rollback's.
				onsets, _ := json.Marshal(ext(t, j)["onsets"])
				if !strings.HasPrefix(string(onsets), `[{"activity":"Enable Lambda failure: LATENCY","inForceAt":"2026-12-05T13:03:00.078000+00:00","onsetSeconds":5,"phase":"method"}`) {
					t.Errorf("onsets %s, want the breached write's first", onsets)
				}
			}},
		// chaoslab run adds the guard's checks from the history: each that judged a value is a
		// check during the method, the breach the last; one with no data judged nothing.
		{file: "guard-checks.json", guard: true, want: summary{status: "failed", before: "met", during: 3, run: action, rollback: "Disable Lambda failures (succeeded)"},
			check: func(t *testing.T, j *ctk.Journal) {
				var got []string
				for _, d := range j.SteadyStates.During {
					if len(d.Probes) != 1 {
						t.Fatalf("during %+v, want one probe a check", d)
					}
					got = append(got, fmt.Sprintf("%t %s", d.SteadyStateMet, strings.TrimSpace(stdout(t, d.Probes[0]))))
				}
				if want := []string{"true 1.0", "true 2.5", "false 50.0"}; !slices.Equal(got, want) {
					t.Errorf("during %q, want %q", got, want)
				}
			}},
		{file: "aborted.json", want: summary{status: "aborted", before: "met", run: action, rollback: "Disable Lambda failures (succeeded)"},
			check: func(t *testing.T, j *ctk.Journal) {
				if e := ext(t, j)["error"].(map[string]any); e["Error"] != "CloudWatch.InternalServiceException" {
					t.Errorf("error %v", e)
				}
			}},
		{file: "rollback-failed.json", want: summary{status: "completed", before: "met", after: "met", run: action, rollback: "Disable Lambda failures (failed)"},
			check: func(t *testing.T, j *ctk.Journal) {
				if ex := j.Rollbacks[0].Exception; len(ex) != 1 || ex[0] != "Ssm.InternalServerError: fixture: Rollback.Put fails" {
					t.Errorf("exception %v", ex)
				}
			}},
		{file: "rollback-of.json", want: summary{status: "interrupted", rollback: "Disable Lambda failures (succeeded)"},
			check: func(t *testing.T, j *ctk.Journal) {
				if e := ext(t, j); !strings.HasSuffix(e["rollbackOf"].(string), ":run-1") || e["verdict"] != "aborted" {
					t.Errorf("extension %v", e)
				}
			}},
		{file: "rollback-of.json", nilEx: true, want: summary{status: "interrupted", rollback: "Disable Lambda failures (succeeded)"},
			check: func(t *testing.T, j *ctk.Journal) {
				var e map[string]any
				_ = json.Unmarshal(j.Experiment, &e)
				var a map[string]any
				_ = json.Unmarshal(j.Rollbacks[0].Activity, &a)
				if e["title"] != "Minor delays should not impact processing" || a["provider"].(map[string]any)["func"] != "put_parameter" {
					t.Errorf("described from the journal: experiment %v activity %v", e, a)
				}
			}},
	}
	for _, tc := range tests {
		name := tc.file
		if tc.nilEx {
			name += " without the experiment"
		}
		t.Run(name, func(t *testing.T) {
			var exp *experiments.Experiment
			if !tc.nilEx {
				exp = exp1(t, tc.guard)
			}
			j, err := ctk.FromJournal(exp, ourJournal(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got := summary{status: j.Status, deviated: j.Deviated, before: met(j.SteadyStates.Before), after: met(j.SteadyStates.After),
				during: len(j.SteadyStates.During), run: runs(t, j.Run), rollback: runs(t, j.Rollbacks)}
			if got != tc.want {
				t.Errorf("journal\n got %+v\nwant %+v", got, tc.want)
			}
			b, err := json.MarshalIndent(j, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if errs := validateSchema(schema, doc); len(errs) > 0 {
				t.Errorf("not a Chaos Toolkit journal by the schema:\n%s\n%s", strings.Join(errs, "\n"), b)
			}
			if tc.check != nil {
				tc.check(t, j)
			}
		})
	}
}

// A run whose pause was shortened (-pause 30s) says so in its Chaos Toolkit journal: the action's
// pauses are the run's, not the file's 300 s.
func TestFromJournalSaysThePausesItRanWith(t *testing.T) {
	j := ourJournal(t, "held.json")
	j.Method[0].PauseAfterSeconds = 30
	cj, err := ctk.FromJournal(exp1(t, false), j)
	if err != nil {
		t.Fatal(err)
	}
	var act struct{ Pauses map[string]float64 }
	if err := json.Unmarshal(cj.Run[0].Activity, &act); err != nil || len(act.Pauses) != 1 || act.Pauses["after"] != 30 {
		t.Errorf("action pauses %v (%v), want after 30 alone", act.Pauses, err)
	}
}

func TestFromJournalErrors(t *testing.T) {
	if _, err := ctk.FromJournal(nil, nil); err == nil {
		t.Error("nil journal: want an error")
	}
	j := ourJournal(t, "held.json")
	j.StartedAt = "yesterday"
	if _, err := ctk.FromJournal(nil, j); err == nil || !strings.Contains(err.Error(), "startedAt") {
		t.Errorf("bad time: %v", err)
	}
}

func TestRollbackStrategy(t *testing.T) {
	tests := []struct {
		s    string
		ok   bool
		want string
	}{
		{"default", true, ""},
		{"always", true, ""},
		{"never", false, "no run of this lab may leave a fault on"},
		{"deviated", false, "skipped when the hypothesis held"},
		{"sometimes", false, "unknown rollback strategy"},
	}
	for _, tc := range tests {
		err := ctk.RollbackStrategy(tc.s)
		if (err == nil) != tc.ok || (err != nil && (!errors.Is(err, ctk.ErrRollbackStrategy) || !strings.Contains(err.Error(), tc.want))) {
			t.Errorf("RollbackStrategy(%q) = %v", tc.s, err)
		}
	}
}

// chaosJournals are the fixtures' journals as Chaos Toolkit journals.
func chaosJournals(t *testing.T) map[string]*ctk.Journal {
	t.Helper()
	out := map[string]*ctk.Journal{}
	for _, name := range []string{"held.json", "deviated.json", "not-steady-before.json", "guard-breach.json", "aborted.json", "rollback-failed.json", "rollback-of.json"} {
		j, err := ctk.FromJournal(exp1(t, name == "guard-breach.json"), ourJournal(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = j
	}
	return out
}

// TestDeviatedOnlyAfterTheMethod: chaoslib sets deviated only when the hypothesis after the
// method is not met (chaoslib/run.py run_deviation_validation_hypothesis), and a continuous
// hypothesis that ends the method (fail_fast) says failed (run_hypothesis_continuously); the
// guard's breach, with no hypothesis after it, is such a run.
func TestDeviatedOnlyAfterTheMethod(t *testing.T) {
	for name, j := range chaosJournals(t) {
		after := j.SteadyStates.After
		if j.Deviated != (after != nil && !after.SteadyStateMet) {
			t.Errorf("%s: deviated %v with steady_states.after %+v: chaoslib deviates only on an after not met", name, j.Deviated, after)
		}
	}
	if g := chaosJournals(t)["guard-breach.json"]; g.Status != ctk.StatusFailed || g.Deviated {
		t.Errorf("guard breach: status %s deviated %v, want failed, not deviated (fail_fast)", g.Status, g.Deviated)
	}
}

// TestHypothesisStopsAtFirstProbeNotMet: chaoslib runs a hypothesis' probes until one is not met
// (chaoslib/hypothesis.py run_steady_state_hypothesis) and names the last as the culprit
// (chaoslib/run.py: state["probes"][-1]); the probes our machine judged after it are in the
// extension.
func TestHypothesisStopsAtFirstProbeNotMet(t *testing.T) {
	for name, j := range chaosJournals(t) {
		states := map[string]*ctk.State{"before": j.SteadyStates.Before, "after": j.SteadyStates.After}
		for i := range j.SteadyStates.During {
			states[fmt.Sprint("during ", i)] = &j.SteadyStates.During[i]
		}
		for phase, s := range states {
			if s == nil {
				continue
			}
			for i, p := range s.Probes {
				last := i == len(s.Probes)-1
				if !*p.ToleranceMet && !last {
					t.Errorf("%s %s: probe %d not met but not the last of %d", name, phase, i, len(s.Probes))
				}
				if last && *p.ToleranceMet != s.SteadyStateMet {
					t.Errorf("%s %s: steady_state_met %v but the last probe's tolerance_met %v", name, phase, s.SteadyStateMet, *p.ToleranceMet)
				}
			}
		}
	}
	j := chaosJournals(t)["not-steady-before.json"]
	past, _ := json.Marshal(ext(t, j)["probesPastFailure"])
	if !strings.Contains(string(past), `"before":[{"activity":{`) || !strings.Contains(string(past), "normal-error-rates") {
		t.Errorf("probesPastFailure %s, want before's normal-error-rates", past)
	}
}

// The journal chaoslab writes for a run stopped during its pause (its own phases, the rollback
// guard's run's rollbacks: experiments.MergeRollback) is an interrupted Chaos Toolkit run with the
// steady state before and the fault it wrote, and names the run that rolled it back.
func TestFromRolledBackJournal(t *testing.T) {
	part := ourJournal(t, "held.json")
	part.Verdict, part.After, part.Rollbacks, part.AfterRollback, part.EndedAt = "", nil, nil, nil, ""
	rb := ourJournal(t, "rollback-of.json")
	j, err := ctk.FromJournal(exp1(t, false), experiments.MergeRollback(part, rb))
	if err != nil {
		t.Fatal(err)
	}
	got := summary{status: j.Status, deviated: j.Deviated, before: met(j.SteadyStates.Before), after: met(j.SteadyStates.After),
		during: len(j.SteadyStates.During), run: runs(t, j.Run), rollback: runs(t, j.Rollbacks)}
	if want := (summary{status: "interrupted", before: "met", run: action, rollback: "Disable Lambda failures (succeeded)"}); got != want {
		t.Errorf("journal\n got %+v\nwant %+v", got, want)
	}
	if e := ext(t, j); e["rolledBackBy"] != rb.ExecutionArn || e["executionArn"] != part.ExecutionArn || e["rollbackOf"] != nil {
		t.Errorf("extension %v, want the run's ARN and the rollback run's", e)
	}
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if errs := validateSchema(loadSchema(t), doc); len(errs) > 0 {
		t.Errorf("not a Chaos Toolkit journal by the schema:\n%s", strings.Join(errs, "\n"))
	}
}

// A guard of several probes checks them in turn after each interval: one "during" state an
// interval, holding each probe's check, as chaoslib's continuous hypothesis holds every probe of
// one check; the breach's interval ends at the breach.
func TestGuardOfSeveralProbesDuring(t *testing.T) {
	j := ourJournal(t, "guard-checks.json")
	var checks []experiments.GuardCheck
	for _, c := range j.GuardChecks {
		checks = append(checks, c)
		if c.Status == experiments.ProbeDeviated {
			break // the breach ends the pause: the second probe is not asked
		}
		second := c
		second.Name, second.Query, second.Status, second.Pass, second.Value = "messages-in-flight", "in flight", experiments.ProbeOK, true, new(1.5)
		checks = append(checks, second)
	}
	j.GuardChecks = checks
	e := exp1(t, false)
	e.Extensions = append(e.Extensions, json.RawMessage(`{"name": "chaoslab", "guard": {"probes": ["normal-error-rates", "messages-in-flight"], "interval": 60}}`))
	out, err := ctk.FromJournal(e, j)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range out.SteadyStates.During {
		var names []string
		for _, p := range d.Probes {
			var a struct{ Name string }
			if err := json.Unmarshal(p.Activity, &a); err != nil {
				t.Fatal(err)
			}
			names = append(names, a.Name)
		}
		got = append(got, fmt.Sprintf("%t %s", d.SteadyStateMet, strings.Join(names, "+")))
	}
	// The check with no data judged nothing: its interval holds the second probe alone.
	want := []string{"true normal-error-rates+messages-in-flight", "true messages-in-flight", "true normal-error-rates+messages-in-flight", "false normal-error-rates"}
	if !slices.Equal(got, want) {
		t.Errorf("during %q, want %q", got, want)
	}
}
