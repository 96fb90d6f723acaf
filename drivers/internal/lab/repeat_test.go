package lab

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// Over several runs, each probe's values are summarized per experiment and scenario, with the runs
// that gave the expected verdict counted once per run, not once per probe.
func TestSpreads(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	res := func(run int, scenario, verdict string, inFlight float64) Result {
		return Result{Run: run, Experiment: "exp_2", Scenario: scenario, Verdict: verdict, Probes: []Probe{
			{Name: "messages-in-flight", Value: v(inFlight), Tolerance: "[-10.0, 20.0]", Min: -10, Max: 20},
			{Name: "normal-error-rates", Value: v(0), Tolerance: "[0.0, 5.0]", Min: 0, Max: 5},
		}}
	}
	rs := []Result{
		res(1, "flawed", "deviated", 26), res(1, "resilient", "held", 9),
		res(2, "flawed", "deviated", 23), res(2, "resilient", "held", 16),
		res(3, "flawed", "held", 19), res(3, "resilient", "held", 12),
		res(4, "flawed", "deviated", 25), {Run: 4, Experiment: "exp_2", Scenario: "resilient", Verdict: "not-steady-before"},
	}
	sp := Spreads(rs)
	if len(sp) != 4 {
		t.Fatalf("%d spreads, want 4 (2 scenarios × 2 probes): %+v", len(sp), sp)
	}
	f := sp[0]
	if f.Scenario != "flawed" || f.Probe != "messages-in-flight" || f.Min() != 19 || f.Median() != 24 || f.Max() != 26 || f.Expected != 3 || f.Runs != 4 {
		t.Errorf("flawed in flight: %+v min %v median %v max %v", f, f.Min(), f.Median(), f.Max())
	}
	r := sp[2]
	if r.Scenario != "resilient" || len(r.Values) != 3 || r.Median() != 12 || r.Expected != 3 || r.Runs != 4 {
		t.Errorf("resilient in flight: %+v median %v", r, r.Median())
	}
	if !math.IsNaN(Spread{}.Median()) {
		t.Error("no values: median is not NaN")
	}
	var out bytes.Buffer
	PrintSpreads(&out, rs)
	for _, want := range []string{"3 of 4 runs deviated", "3 of 4 runs held", "19.0  24.0    26.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table does not say %q:\n%s", want, out.String())
		}
	}
}
