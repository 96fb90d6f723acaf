package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// An interrupted run (the fault written, the pause cut short, no steady state after, no
// rollback, no verdict): the phases that did not run say so and claim no result, neither "0
// probes, all within tolerance" nor the pause's length and onset.
func TestPhasesThatDidNotRunClaimNothing(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 2, 47, 0, 0, time.UTC)
	ts := func(s int) string { return t0.Add(time.Duration(s) * time.Second).Format(time.RFC3339) }
	j := &experiments.Journal{Title: "x", StartedAt: ts(0),
		Before: []experiments.ProbeResult{{Name: "p", Value: new(float64), Pass: true, Start: ts(0), End: ts(60)}},
		Method: []experiments.ActionResult{{Name: "enable", Parameter: "/f", Value: json.RawMessage(`{"isEnabled":true,"failureMode":"latency"}`),
			PutAt: ts(67), PauseAfterSeconds: 120, OnsetSeconds: 15, InForceAt: ts(82)}}}
	m := buildModel(Run{Journal: j}, nil, t0.Add(5*time.Minute))
	ran := map[string]bool{}
	for _, st := range m.Timeline {
		ran[st.Phase] = st.Ran
		if !st.Ran && (st.Detail != "" || st.When != "") {
			t.Errorf("%s did not run, but says %q %q", st.Phase, st.When, st.Detail)
		}
	}
	for phase, want := range map[string]bool{"Steady state before": true, "Fault written: enable": true, "Pause": false,
		"Steady state after": false, "Rollback": false, "Steady state after rollback": false} {
		if got, ok := ran[phase]; !ok || got != want {
			t.Errorf("%s: ran %v (in the timeline: %v), want %v", phase, got, ok, want)
		}
	}
}

// The probe table says which 0 is the 0 an empty result counts as (chaosaws' way): a misspelt
// metric or a pipeline without load reads it, and it passes any tolerance that holds 0.
func TestProbeTableSaysWhichZeroIsNoData(t *testing.T) {
	zero, also := 0.0, 0.0
	j := &experiments.Journal{Title: "x", Before: []experiments.ProbeResult{
		{Name: "empty", Value: &zero, NoData: true, Pass: true},
		{Name: "measured", Value: &also, Pass: true},
		{Name: "none", Status: experiments.ProbeNoData}}}
	m := buildModel(Run{Journal: j}, nil, time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC))
	want := map[string]string{"empty": "0 (no data)", "measured": "0", "none": "no data"}
	for _, r := range m.Probes {
		if r.Value != want[r.Name] {
			t.Errorf("%s: value %q, want %q", r.Name, r.Value, want[r.Name])
		}
	}
	if len(m.Probes) != len(want) {
		t.Errorf("%d rows, want %d", len(m.Probes), len(want))
	}
}

// The guard's checks, when the journal has them: a probe row each (the breach the last of them,
// not a second row), and the pause they were in says how they read.
func TestGuardChecksInTheProbesTableAndThePause(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	ts := func(s int) string { return t0.Add(time.Duration(s) * time.Second).Format(time.RFC3339) }
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: 0, Max: 5, Text: "[0, 5]"}
	check := func(end int, v float64, status string) experiments.GuardCheck {
		return experiments.GuardCheck{Action: "enable", ProbeResult: experiments.ProbeResult{Name: "errors", Tolerance: tol,
			Value: &v, Status: status, Pass: status == experiments.ProbeOK, Start: ts(60), End: ts(end)}}
	}
	breach := check(120, 9, experiments.ProbeDeviated)
	j := &experiments.Journal{Title: "x", StartedAt: ts(0), Verdict: experiments.VerdictDeviated,
		Before: []experiments.ProbeResult{{Name: "errors", Tolerance: tol, Value: new(float64), Pass: true, Start: ts(0), End: ts(60)}},
		GuardBreach: &experiments.GuardBreach{Action: "enable", PutAt: ts(60), Parameter: "/f",
			Value: json.RawMessage(`{"isEnabled":true,"failureMode":"latency"}`), Probe: breach.ProbeResult},
		GuardChecks: []experiments.GuardCheck{check(80, 1, experiments.ProbeOK), check(100, 2, experiments.ProbeOK), breach}}
	m := buildModel(Run{Journal: j}, nil, t0.Add(5*time.Minute))
	var guard []string
	for _, r := range m.Probes {
		if r.Phase == "guard" {
			guard = append(guard, r.Value+" "+r.Status)
		}
	}
	if want := "1 ok, 2 ok, 9 breached"; strings.Join(guard, ", ") != want {
		t.Errorf("guard rows %q, want %s", guard, want)
	}
	pause := ""
	for _, st := range m.Timeline {
		if st.Phase == "Pause" {
			pause = st.Detail
		}
	}
	if want := "the guard's errors checked 3 times in the pause after \"enable\": 1 to 9, 1 out of [0, 5]"; !strings.Contains(pause, want) {
		t.Errorf("pause %q, want it to say %q", pause, want)
	}

	// A guard of two probes: the pause says each one's checks.
	inFlight := func(end int, v float64) experiments.GuardCheck {
		c := check(end, v, experiments.ProbeOK)
		c.Name = "in-flight"
		return c
	}
	j.GuardChecks = []experiments.GuardCheck{check(80, 1, experiments.ProbeOK), inFlight(80, 3), check(100, 2, experiments.ProbeOK), inFlight(100, 4), breach}
	m = buildModel(Run{Journal: j}, nil, t0.Add(5*time.Minute))
	pause = ""
	for _, st := range m.Timeline {
		if st.Phase == "Pause" {
			pause = st.Detail
		}
	}
	for _, want := range []string{"the guard's errors checked 3 times in the pause after \"enable\": 1 to 9, 1 out of [0, 5]",
		"the guard's in-flight checked 2 times in the pause after \"enable\": 3 to 4, all within [0, 5]"} {
		if !strings.Contains(pause, want) {
			t.Errorf("two probes: pause %q, want it to say %q", pause, want)
		}
	}
}

// Two method actions of one name, each guarded: each pause says its own checks (they are told
// apart by the write, where their windows start).
func TestGuardChecksOfTwoActionsOfOneName(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	ts := func(s int) string { return t0.Add(time.Duration(s) * time.Second).Format(time.RFC3339) }
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: 0, Max: 5, Text: "[0, 5]"}
	check := func(put, end int, v float64) experiments.GuardCheck {
		return experiments.GuardCheck{Action: "enable", ProbeResult: experiments.ProbeResult{Name: "errors", Tolerance: tol,
			Value: &v, Status: experiments.ProbeOK, Pass: true, Start: ts(put), End: ts(end)}}
	}
	action := func(put int) experiments.ActionResult {
		return experiments.ActionResult{Name: "enable", Parameter: "/f", Value: json.RawMessage(`{"isEnabled":true}`),
			PauseAfterSeconds: 60, PutAt: ts(put), EndedAt: ts(put + 60)}
	}
	j := &experiments.Journal{Title: "x", StartedAt: ts(0), Verdict: experiments.VerdictHeld,
		Method:      []experiments.ActionResult{action(60), action(200)},
		GuardChecks: []experiments.GuardCheck{check(60, 80, 1), check(60, 100, 2), check(200, 230, 3)}}
	m := buildModel(Run{Journal: j}, nil, t0.Add(10*time.Minute))
	var pauses []string
	for _, st := range m.Timeline {
		if st.Phase == "Pause" {
			pauses = append(pauses, st.Detail)
		}
	}
	want := []string{`errors checked 2 times in the pause after "enable": 1 to 2, all within [0, 5]`,
		`errors checked once in the pause after "enable": 3, all within [0, 5]`}
	if len(pauses) != 2 || !strings.Contains(pauses[0], want[0]) || !strings.Contains(pauses[1], want[1]) {
		t.Errorf("pauses %q, want the first to say %q and the second %q", pauses, want[0], want[1])
	}
}
