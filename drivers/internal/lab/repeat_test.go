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
	if f.Scenario != "flawed" || f.Probe != "messages-in-flight" || f.Min() != 19 || f.Median() != 24 || f.Max() != 26 || f.Expected != 3 || f.Runs() != 4 {
		t.Errorf("flawed in flight: %+v min %v median %v max %v", f, f.Min(), f.Median(), f.Max())
	}
	r := sp[2]
	if r.Scenario != "resilient" || len(r.Values) != 3 || r.Median() != 12 || r.Expected != 3 || r.Runs() != 4 {
		t.Errorf("resilient in flight: %+v median %v", r, r.Median())
	}
	if !math.IsNaN(Spread{}.Median()) {
		t.Error("no values: median is not NaN")
	}
	var out bytes.Buffer
	PrintSpreads(&out, rs)
	for _, want := range []string{"3 of 4 runs deviated", "3 of 4 runs held", "19.0  24.0    26.0",
		"[-10.0, 20.0]  both sides", // flawed in flight: 19 inside, 23-26 outside
		"[-10.0, 20.0]  4.0 inside", // resilient in flight: 16 is 4 under 20
		"[0.0, 5.0]     0.0 inside", // error rates on the bound
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table does not say %q:\n%s", want, out.String())
		}
	}
}

// Closest is the margin a flip kept over every run: the nearest value to the tolerance's edge.
func TestSpreadClosest(t *testing.T) {
	for _, tt := range []struct {
		values    []float64
		low, high float64
		d         float64
		side      string
	}{
		{[]float64{24.3, 27.1, 28.6}, -10, 20, 4.3, "outside"},
		{[]float64{-30, 25}, -10, 20, 5, "outside"},
		{[]float64{8.8, 12.0, 12.4}, -10, 20, 7.6, "inside"},
		{[]float64{-8.8, 16}, -10, 80, 1.2, "inside"},
		{[]float64{0, 0}, 0, 0, 0, "equal"},
		{[]float64{0, 1}, 0, 0, math.NaN(), "both sides"},
		{[]float64{19, 26}, -10, 20, math.NaN(), "both sides"},
		{nil, -10, 20, math.NaN(), "-"},
	} {
		d, side := Spread{Values: tt.values, Low: tt.low, High: tt.high}.Closest()
		if side != tt.side || !(math.Abs(d-tt.d) < 1e-9 || math.IsNaN(d) && math.IsNaN(tt.d)) {
			t.Errorf("%v in [%v, %v]: %v %s, want %v %s", tt.values, tt.low, tt.high, d, side, tt.d, tt.side)
		}
	}
}
