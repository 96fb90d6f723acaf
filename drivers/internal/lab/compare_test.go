package lab

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The flips' margins of two labs: resilient's every probe (inside), flawed's probes that deviated in
// every baseline run (outside); a run on the wrong side makes a negative margin.
func TestCompare(t *testing.T) {
	res := func(run int, scenario, verdict string, inFlight, errorRate float64) Result {
		p := func(name string, v, lo, hi float64) Probe {
			m := margin(v, lo, hi)
			return Probe{Name: name, Value: &v, Tolerance: "t", Min: lo, Max: hi, Margin: &m}
		}
		return Result{Run: run, Experiment: "exp_2", Scenario: scenario, Verdict: verdict, Probes: []Probe{
			p("messages-in-flight", inFlight, -10, 20), p("normal-error-rates", errorRate, 0, 5)}}
	}
	base := []Result{
		res(1, "flawed", "deviated", 26, 1), res(1, "resilient", "held", 9, 0),
		res(2, "flawed", "deviated", 24.8, 6), res(2, "resilient", "held", 12, 0),
	}
	cand := []Result{
		res(1, "flawed", "deviated", 27, 0), res(1, "resilient", "held", 4, 0),
		res(2, "flawed", "deviated", 24.8, 0), res(2, "resilient", "held", 21, 0), // over 20: held no longer
	}
	cs := Compare(base, cand)
	if len(cs) != 4 {
		t.Fatalf("%d comparisons, want 4: %+v", len(cs), cs)
	}
	byName := map[string]Comparison{}
	for _, c := range cs {
		byName[c.Scenario+" "+c.Probe] = c
	}
	for name, want := range map[string]struct {
		flip       bool
		base, cand float64
		asWide     bool
	}{
		"flawed messages-in-flight":    {flip: true, base: 4.8, cand: 4.8, asWide: true}, // equal is as wide
		"flawed normal-error-rates":    {flip: false, base: -1, cand: 0, asWide: true},   // inside in a baseline run: not the flip's
		"resilient messages-in-flight": {flip: true, base: 8, cand: -1, asWide: false},   // a run outside: negative
		"resilient normal-error-rates": {flip: true, base: 0, cand: 0, asWide: true},     // on its edge in both
	} {
		c, ok := byName[name]
		if !ok {
			t.Errorf("%s: not compared", name)
			continue
		}
		if c.Flip != want.flip || math.Abs(c.BaseMargin-want.base) > 1e-9 || math.Abs(c.CandMargin-want.cand) > 1e-9 || c.AsWide() != want.asWide {
			t.Errorf("%s: flip %v, margins %v → %v, as wide %v; want %+v", name, c.Flip, c.BaseMargin, c.CandMargin, c.AsWide(), want)
		}
	}

	var out bytes.Buffer
	if n := PrintComparison(&out, "seq", "conc", cs); n != 1 {
		t.Errorf("%d narrower, want 1:\n%s", n, out.String())
	}
	for _, want := range []string{"2 of 3 margins as wide or wider in conc than in seq", "narrower: exp_2 resilient messages-in-flight -1.0 against 8.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "flawed     normal-error-rates") {
		t.Errorf("a flawed probe that stayed inside in the baseline is listed:\n%s", out.String())
	}

	// A pair the candidate did not run has no margin: not as wide.
	cs = Compare(base, []Result{{Run: 1, Experiment: "exp_9", Scenario: "flawed", Verdict: "deviated"}})
	for _, c := range cs {
		if c.Flip && (c.AsWide() || c.Cand.Runs != 0) {
			t.Errorf("%s %s: as wide %v, %d runs, with nothing of it in the candidate", c.Scenario, c.Probe, c.AsWide(), c.Cand.Runs)
		}
	}
	// A probe the baseline has no value of (its query failed in every run) has no margin to keep.
	noValue := []Result{{Run: 1, Experiment: "exp_2", Scenario: "resilient", Verdict: "held", Probes: []Probe{{Name: "messages-in-flight", Min: -10, Max: 20}}}}
	for _, c := range Compare(noValue, cand) {
		if c.Flip {
			t.Errorf("a probe without values in the baseline is compared: %+v", c)
		}
	}
	// Margins are compared as they are (a float's error aside): a run just on the wrong side is
	// narrower than one just on the right side, though both print as 0.0.
	if !(Comparison{BaseMargin: 10.6, CandMargin: 10.6000000001 - 0.0000000002}).AsWide() {
		t.Error("10.6 against 10.6 is not as wide")
	}
	if (Comparison{BaseMargin: 0.04, CandMargin: -0.04}).AsWide() || (Comparison{BaseMargin: 0.25, CandMargin: 0.2}).AsWide() {
		t.Error("a narrower margin is as wide")
	}

	// A flawed probe decides the flip only if it deviated in every baseline run, each with a value.
	gap := append([]Result{{Run: 3, Experiment: "exp_2", Scenario: "flawed", Verdict: "not-steady-before"}}, base...)
	for _, c := range Compare(gap, cand) {
		if c.Scenario == "flawed" && c.Flip {
			t.Errorf("flawed %s decides the flip with a baseline run without its value: %+v", c.Probe, c)
		}
	}
	// A pair the candidate ran without probes keeps its runs and their verdicts.
	for _, c := range Compare(base, []Result{{Run: 1, Experiment: "exp_2", Scenario: "resilient", Verdict: "not-steady-before"}}) {
		if c.Scenario == "resilient" && (c.Cand.Runs != 1 || c.Cand.Expected != 0 || c.AsWide()) {
			t.Errorf("resilient %s: candidate %d of %d runs, as wide %v; want 0 of 1, narrower", c.Probe, c.Cand.Expected, c.Cand.Runs, c.AsWide())
		}
	}
}

// Every run whose verdict is not its scenario's, or that failed, is named.
func TestUnexpectedVerdicts(t *testing.T) {
	got := UnexpectedVerdicts([]Result{
		{Run: 1, Experiment: "exp_1", Scenario: "flawed", Verdict: "deviated"},
		{Run: 1, Experiment: "exp_1", Scenario: "resilient", Verdict: "deviated"},
		{Run: 2, Experiment: "exp_1", Scenario: "resilient", Verdict: "held"},
		{Run: 2, Experiment: "exp_3", Scenario: "flawed", Verdict: "deviated", Error: "drain: context canceled"},
	})
	want := []string{"exp_1 on resilient, run 1: deviated", "exp_3 on flawed, run 2: deviated (drain: context canceled)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("UnexpectedVerdicts = %q, want %q", got, want)
	}
}

// A lab's results are read from its -results directory or its summary.json; anything else names the
// file and why.
func TestReadResults(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "summary.json")
	if err := os.WriteFile(file, []byte(`[{"run":1,"experiment":"exp_1","scenario":"flawed","verdict":"deviated","probes":[]}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, file} {
		if rs, err := ReadResults(p); err != nil || len(rs) != 1 || rs[0].Experiment != "exp_1" {
			t.Errorf("ReadResults(%s) = %+v, %v", p, rs, err)
		}
	}
	for name, content := range map[string]string{"journal.json": `{"verdict":"held"}`, "empty.json": `[]`, "noname.json": `[{"run":1}]`} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadResults(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("ReadResults(%s): %v, want an error naming the file", name, err)
		}
	}
	if _, err := ReadResults(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing path reads")
	}
}
