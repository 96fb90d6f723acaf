package lab

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
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

	// resilient messages-in-flight: a candidate run crossed the edge where no baseline run did.
	for _, c := range cs {
		if crossed := c.Scenario == "resilient" && c.Probe == "messages-in-flight"; c.Crossed() != crossed {
			t.Errorf("%s %s: crossed %v, want %v", c.Scenario, c.Probe, c.Crossed(), crossed)
		}
	}
	var out bytes.Buffer
	p, smallest := NarrowerOverall(cs)
	if math.Abs(smallest-1.0/6) > 1e-12 {
		t.Errorf("2 runs a side: the smallest p %v, want 1/6 (six ways to split four runs)", smallest)
	}
	if !PrintComparison(&out, "seq", "conc", cs, p, smallest) {
		t.Errorf("a margin lost outright, and the comparison is not narrower:\n%s", out.String())
	}
	for _, want := range []string{"2 of 3 margins as wide or wider in conc than in seq", "narrower: exp_2 resilient messages-in-flight -1.0 against 8.0",
		"Margins lost outright in conc (resilient: a run outside the tolerance, or no value): exp_2 resilient messages-in-flight.",
		"beyond chance? cannot tell: with these runs the smallest p is 0.17 (4 runs a side or more: make lab-repeat N=5)"} {
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
		if c.Flip && (c.AsWide() || c.Cand.Runs() != 0) {
			t.Errorf("%s %s: as wide %v, %d runs, with nothing of it in the candidate", c.Scenario, c.Probe, c.AsWide(), c.Cand.Runs())
		}
	}
	// A probe the baseline has no value of (its query failed in every run) has no margin to keep.
	noValue := []Result{{Run: 1, Experiment: "exp_2", Scenario: "resilient", Verdict: "held", Probes: []Probe{{Name: "messages-in-flight", Min: -10, Max: 20}}}}
	for _, c := range Compare(noValue, cand) {
		if c.Flip {
			t.Errorf("a probe without values in the baseline is compared: %+v", c)
		}
	}
	// A flawed probe that stayed inside in a candidate run (on the edge, here) narrowed its margin,
	// but did not lose the flip: another probe can decide it; the verdict says whether one did.
	onEdge := []Result{res(1, "flawed", "deviated", 20, 0), res(2, "flawed", "deviated", 27, 0)}
	for _, c := range Compare(base, onEdge) {
		if c.Scenario == "flawed" && c.Probe == "messages-in-flight" && (c.Crossed() || c.AsWide()) {
			t.Errorf("flawed in flight at 20 of [-10, 20]: crossed %v, as wide %v; want narrower, not crossed", c.Crossed(), c.AsWide())
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
		if c.Scenario == "resilient" && (c.Cand.Runs() != 1 || c.Cand.Expected != 0 || c.AsWide()) {
			t.Errorf("resilient %s: candidate %d of %d runs, as wide %v; want 0 of 1, narrower", c.Probe, c.Cand.Expected, c.Cand.Runs(), c.AsWide())
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
	// What is wrong is said as it is: a list of numbers is not "a JSON number"; a trial twice names both.
	for name, c := range map[string]struct{ content, want string }{
		"numbers.json": {`[1, 2]`, "a list of JSON numbers"},
		"number.json":  {`7`, "it holds a JSON number,"},
		// A member misspelt was read as none (the verdict empty, "did not give the expected verdict").
		"misspelt.json":                 {`[{"run":1,"experiment":"exp_1","scenario":"flawed","verdikt":"deviated","probes":[]}]`, `result 1 of 1: member "verdikt" is not a result's: did you mean "verdict"?`},
		"a later member is left unread": {`[{"run":1,"experiment":"exp_1","scenario":"flawed","verdict":"deviated","probes":[],"some_new_measure_of_2027":3}]`, ""},
		"mistyped.json":                 {`[{"run":1,"experiment":"exp_1","scenario":"flawed","verdict":7,"probes":[]}]`, "result 1 of 1: member verdict: want a JSON string, got a number"},
		"twice.json": {`[{"run":2,"experiment":"exp_1","scenario":"flawed","probes":[]},{"run":1,"experiment":"exp_1","scenario":"flawed","probes":[]},` +
			`{"run":2,"experiment":"exp_1","scenario":"flawed","probes":[]}]`, "result 3 of 3: exp_1 on flawed, run 2, again (result 1)"},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(c.content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadResults(p); c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ReadResults(%s): %v, want an error saying %q (none: \"\")", name, err, c.want)
		}
	}
}

// NarrowerP is the exact one-sided permutation test: its value on small cases worked by hand.
func TestNarrowerP(t *testing.T) {
	for _, tt := range []struct {
		name       string
		base, cand []float64
		want       float64
	}{
		// 5 a side: 252 ways to choose the candidate's runs; only one puts all five lowest.
		{name: "every candidate run below every baseline run", base: []float64{6, 7, 8, 9, 10}, cand: []float64{1, 2, 3, 4, 5}, want: 1.0 / 252},
		{name: "every candidate run above", base: []float64{1, 2, 3, 4, 5}, cand: []float64{6, 7, 8, 9, 10}, want: 1},
		// 2 a side, ranks 1..4; the candidate's (1, 4) sum to 5: four of the six pairs sum to 5 or less.
		{name: "interleaved", base: []float64{2, 3}, cand: []float64{1, 4}, want: 4.0 / 6},
		// Ties share their rank: every value equal, every split as low.
		{name: "every value the same", base: []float64{0, 0, 0}, cand: []float64{0, 0, 0}, want: 1},
		// The two ones share ranks 1 and 2 (1.5 each); the candidate's 1.5 + 3 = 4.5 is as low as
		// 1.5+1.5, 1.5+3 (twice): three of six.
		{name: "a tie across the labs", base: []float64{1, 4}, cand: []float64{1, 2}, want: 3.0 / 6},
	} {
		if got := NarrowerP(tt.base, tt.cand); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: NarrowerP(%v, %v) = %v, want %v", tt.name, tt.base, tt.cand, got, tt.want)
		}
	}
	if p := NarrowerP(nil, []float64{1}); !math.IsNaN(p) {
		t.Errorf("NarrowerP without a baseline = %v, want NaN", p)
	}
	// Past exactSplits ways (11 a side: 705,432) it samples them; all lowest is still near 0.
	var lo, hi []float64
	for i := range 11 {
		lo, hi = append(lo, float64(i)), append(hi, float64(100+i))
	}
	if p := NarrowerP(hi, lo); p > 1e-4 {
		t.Errorf("11 runs a side, every candidate run lowest: p %v, want about 1/exactSplits", p)
	}
	if p := NarrowerP(lo, hi); p < 0.999 {
		t.Errorf("11 runs a side, every candidate run highest: p %v, want about 1", p)
	}
}

// What the test is for: two labs that are one (margins drawn from one distribution) are called
// narrower about one time in twenty or less (the bound allows for the simulation's own spread), and
// labs whose margins narrowed by a clear step almost always are: here by 1.5 times a probe's noise
// per run (1.34 times its whole spread, with the run effect). Each probe draws its own scale, and a
// run's probes share a run effect, as a lab's do.
func TestNarrowerOverallCalibration(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	draw := func(runs, probes int, shift float64, scale []float64) [][]float64 {
		m := make([][]float64, probes)
		for k := range m {
			m[k] = make([]float64, runs)
		}
		for i := range runs {
			runEffect := rng.NormFloat64() * 0.5
			for k := range probes {
				m[k][i] = scale[k] * (10 + runEffect + rng.NormFloat64() - shift)
			}
		}
		return m
	}
	const labs, probes = 1000, 11
	for _, tt := range []struct {
		name     string
		shift    float64
		min, max float64 // share of the labs called narrower
	}{
		{name: "one lab", shift: 0, min: 0, max: 0.065},
		{name: "margins narrower by a standard deviation and a half everywhere", shift: 1.5, min: 0.9, max: 1},
	} {
		called := 0
		for range labs {
			scale := make([]float64, probes)
			for k := range scale {
				scale[k] = 0.1 + rng.Float64()*10
			}
			if narrowerP(draw(5, probes, 0, scale), draw(5, probes, tt.shift, scale)) < NarrowerLevel {
				called++
			}
		}
		t.Logf("%s: %.3f called narrower", tt.name, float64(called)/labs)
		if share := float64(called) / labs; share < tt.min || share > tt.max {
			t.Errorf("%s: %.3f of %d comparisons called narrower, want %.2f–%.2f", tt.name, share, labs, tt.min, tt.max)
		}
	}
}

// The runs are the units: every probe's margins of one run stay together, and a probe a run has no
// value of is left out of that run's score.
func TestNarrowerOverall(t *testing.T) {
	res := func(run int, inFlight, errorRate *float64) Result {
		p := func(name string, v *float64, lo, hi float64) Probe {
			return Probe{Name: name, Value: v, Min: lo, Max: hi}
		}
		return Result{Run: run, Experiment: "exp_2", Scenario: "resilient", Verdict: "held", Probes: []Probe{
			p("messages-in-flight", inFlight, -10, 20), p("normal-error-rates", errorRate, 0, 5)}}
	}
	v := func(x float64) *float64 { return &x }
	var base, near, far, gaps []Result
	for run := 1; run <= 5; run++ {
		base = append(base, res(run, v(float64(run)), v(1)))    // in flight 1..5: margins 11..15
		near = append(near, res(run, v(14+float64(run)), v(1))) // 15..19: margins 5..1, all narrower
		far = append(far, res(run, v(float64(run)), nil))       // as the baseline, the error rate unread
	}
	// Four runs numbered with gaps (2, 4, 6, 8), one of them without its in-flight value: the three
	// with one are narrower than every baseline run; the fourth is neither.
	gaps = []Result{res(2, v(19), v(1)), res(4, v(18), v(1)), res(6, nil, v(1)), res(8, v(17), v(1))}
	for _, tt := range []struct {
		name     string
		cand     []Result
		p        func(float64) bool
		want     string
		smallest float64
	}{
		{name: "every candidate run narrower", cand: near, p: func(p float64) bool { return math.Abs(p-1.0/252) < 1e-12 }, want: "1/252", smallest: 1.0 / 252},
		{name: "the same margins, one probe unread", cand: far, p: func(p float64) bool { return p >= 0.5 }, want: "≥ 0.5", smallest: 1.0 / 252},
		// 9 runs, 4 of them the candidate's: 126 splits. The three narrower runs are the three lowest
		// scores; the one without a value scores 0, above them and below the baseline's.
		{name: "runs with gaps and a value missing", cand: gaps, p: func(p float64) bool { return p < NarrowerLevel }, want: "< 0.05", smallest: 1.0 / 126},
	} {
		p, smallest := NarrowerOverall(Compare(base, tt.cand))
		if !tt.p(p) || math.Abs(smallest-tt.smallest) > 1e-12 {
			t.Errorf("%s: p %v (want %s), smallest %v (want %v)", tt.name, p, tt.want, smallest, tt.smallest)
		}
	}
	// A candidate with no trial of the flips' pairs: nothing to test.
	if p, smallest := NarrowerOverall(Compare(base, []Result{{Run: 1, Experiment: "exp_9", Scenario: "resilient"}})); !math.IsNaN(p) || !math.IsNaN(smallest) {
		t.Errorf("a candidate without the pairs: p %v, smallest %v; want NaN", p, smallest)
	}
}

// Pool numbers each lab's runs after the previous labs', whatever their own numbers.
func TestPool(t *testing.T) {
	a := []Result{{Run: 1, Experiment: "e"}, {Run: 2, Experiment: "e"}}
	b := []Result{{Run: 1, Experiment: "e"}, {Run: 3, Experiment: "e"}} // a lab whose run 2 failed to start
	pooled, ranges := Pool(a, b)
	var runs []int
	for _, r := range pooled {
		runs = append(runs, r.Run)
	}
	if want := []int{1, 2, 3, 5}; !slices.Equal(runs, want) {
		t.Errorf("pooled runs %v, want %v", runs, want)
	}
	if want := [][2]int{{1, 2}, {3, 5}}; !slices.Equal(ranges, want) {
		t.Errorf("ranges %v, want %v", ranges, want)
	}
	if a[0].Run != 1 || b[1].Run != 3 {
		t.Errorf("the labs' own results were renumbered: %+v %+v", a, b)
	}
}
