package lab

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/columns"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// Spread is one probe of one experiment on one scenario over the lab's runs (Config.Repeat).
type Spread struct {
	Experiment, Scenario, Probe, Tolerance string
	// Low and High bound the tolerance, inclusive (Probe.Min, Probe.Max).
	Low, High float64
	// Values are the probe's values, one per run that had one, sorted.
	Values []float64
	// ByRun is each run's value (Result.Run; the first, should a run have two), and Trials the runs
	// of the experiment on the scenario, sorted, whether they read the probe or not: what a test
	// that moves whole runs between two labs needs (NarrowerOverall).
	ByRun  map[int]float64
	Trials []int
	// Expected counts the runs whose verdict was the expected one (deviated on flawed, held on
	// resilient), out of Runs.
	Expected int
}

// Runs is how many runs the experiment had on the scenario (its Trials).
func (s Spread) Runs() int { return len(s.Trials) }

// Min, Median and Max of the values (NaN with none).
func (s Spread) Min() float64 { return s.at(0) }

// Median of the values: the middle one, or the mean of the two middle ones.
func (s Spread) Median() float64 {
	n := len(s.Values)
	if n == 0 {
		return s.at(0)
	}
	if n%2 == 1 {
		return s.Values[n/2]
	}
	return (s.Values[n/2-1] + s.Values[n/2]) / 2
}

// Max of the values.
func (s Spread) Max() float64 { return s.at(len(s.Values) - 1) }

func (s Spread) at(i int) float64 {
	if i < 0 || i >= len(s.Values) {
		return math.NaN()
	}
	return s.Values[i]
}

// Closest is how near the runs came to the tolerance's edge: the smallest distance of a value to it,
// with "inside" when every value was within the tolerance and "outside" when none was (so a margin
// of the flip that held over every run), "equal" for an exact tolerance every value met, "both
// sides" when the runs differ on it, and "-" without values.
func (s Spread) Closest() (float64, string) {
	if len(s.Values) == 0 {
		return math.NaN(), "-"
	}
	in, out, d := 0, 0, math.Inf(1)
	for _, x := range s.Values {
		switch {
		case x < s.Low:
			out++
			d = min(d, s.Low-x)
		case x > s.High:
			out++
			d = min(d, x-s.High)
		default:
			in++
			d = min(d, x-s.Low, s.High-x)
		}
	}
	switch {
	case out == 0 && s.Low == s.High:
		return 0, "equal"
	case out == 0:
		return d, "inside"
	case in == 0:
		return d, "outside"
	}
	return math.NaN(), "both sides"
}

// expectedVerdict is the lab's proof per scenario.
func expectedVerdict(scenario string) string {
	return map[string]string{contract.ScenarioFlawed: experiments.VerdictDeviated, contract.ScenarioResilient: experiments.VerdictHeld}[scenario]
}

// Spreads gathers every run's results per experiment, scenario and probe, in the order they were
// first run.
func Spreads(rs []Result) []Spread {
	type key struct{ e, s, p string }
	var order []key
	by := map[key]*Spread{}
	runs := map[[2]string]map[int]bool{}     // runs seen per experiment and scenario
	expected := map[[2]string]map[int]bool{} // runs with the expected verdict
	for _, r := range rs {
		es := [2]string{r.Experiment, r.Scenario}
		if runs[es] == nil {
			runs[es], expected[es] = map[int]bool{}, map[int]bool{}
		}
		runs[es][r.Run] = true
		if r.Verdict == expectedVerdict(r.Scenario) && r.Error == "" {
			expected[es][r.Run] = true
		}
		probes := r.Probes
		if len(probes) == 0 {
			probes = []Probe{{Name: "-"}}
		}
		for _, p := range probes {
			k := key{r.Experiment, r.Scenario, p.Name}
			sp := by[k]
			if sp == nil {
				sp = &Spread{Experiment: r.Experiment, Scenario: r.Scenario, Probe: p.Name, Tolerance: p.Tolerance, Low: p.Min, High: p.Max,
					ByRun: map[int]float64{}}
				by[k] = sp
				order = append(order, k)
			}
			if p.Value != nil {
				sp.Values = append(sp.Values, *p.Value)
				if _, seen := sp.ByRun[r.Run]; !seen {
					sp.ByRun[r.Run] = *p.Value
				}
			}
		}
	}
	hasProbes := map[[2]string]bool{}
	for _, k := range order {
		if k.p != "-" {
			hasProbes[[2]string{k.e, k.s}] = true
		}
	}
	out := make([]Spread, 0, len(order))
	for _, k := range order {
		if k.p == "-" && hasProbes[[2]string{k.e, k.s}] {
			continue // a run without probes (not steady before, an error) beside runs with them
		}
		sp := by[k]
		slices.Sort(sp.Values)
		es := [2]string{k.e, k.s}
		sp.Trials, sp.Expected = slices.Sorted(maps.Keys(runs[es])), len(expected[es])
		out = append(out, *sp)
	}
	return out
}

// PrintSpreads prints, per experiment, scenario and probe, the min, median and max of the
// probe's value over the runs, its tolerance, how close the runs came to its edge (Closest), and how
// many runs gave the expected verdict.
func PrintSpreads(w io.Writer, rs []Result) {
	tw := columns.NewWriter(w, 2)
	fmt.Fprintln(tw, "EXPERIMENT\tSCENARIO\tPROBE AFTER THE FAULT\tMIN\tMEDIAN\tMAX\tTOLERANCE\tCLOSEST RUN TO IT\tEXPECTED VERDICT")
	var last [2]string
	for _, sp := range Spreads(rs) {
		e, s, verdicts := sp.Experiment, sp.Scenario, fmt.Sprintf("%d of %d runs %s", sp.Expected, sp.Runs(), expectedVerdict(sp.Scenario))
		if [2]string{e, s} == last {
			e, s, verdicts = "", "", ""
		}
		last = [2]string{sp.Experiment, sp.Scenario}
		closest := ""
		switch d, side := sp.Closest(); side {
		case "inside", "outside":
			closest = tenth(d) + " " + side
		default:
			closest = side
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e, s, sp.Probe, tenth(sp.Min()), tenth(sp.Median()), tenth(sp.Max()), sp.Tolerance, closest, verdicts)
	}
	tw.Flush()
}

// tenth is x to a tenth, as the tables print values and margins: "-" for NaN (no value), and "0.0",
// not "-0.0", for a negative zero (a margin turned on a probe's bound).
func tenth(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	if x == 0 {
		x = 0
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}
