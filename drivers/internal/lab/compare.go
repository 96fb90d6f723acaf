package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/columns"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

// Comparison is one probe of one experiment on one scenario in two labs' runs: a baseline (say, one
// trial at a time) and a candidate (say, five at a time).
type Comparison struct {
	Experiment, Scenario, Probe, Tolerance string
	Base, Cand                             Spread
	// BaseMargin and CandMargin are the flip's margin in each: over the runs, the smallest distance
	// of the probe's value to its tolerance's edge on the side the scenario must show (inside on
	// resilient, which must hold; outside on flawed, which must deviate), negative when a run was on
	// the other side; NaN without values.
	BaseMargin, CandMargin float64
	// P is the chance of the candidate's runs' margins ranking as low among the baseline's as they
	// do if both came from one distribution (NarrowerP); NaN without values on either side.
	P float64
	// Flip says whether the probe is one of the flip's margins: every probe on resilient (each must
	// hold), and on flawed the probes that deviated in every baseline run, each run with a value (a
	// flawed probe that stayed inside did not decide the verdict); never one without a value in the
	// baseline.
	Flip bool
}

// Narrower says whether this flip's margins are narrower in the candidate than chance makes of two
// tables of one lab: P below NarrowerLevel. Of a score of flips, about one in twenty is, by chance
// alone; NarrowerOverall asks of them all at once.
func (c Comparison) Narrower() bool {
	return c.P < NarrowerLevel
}

// Crossed says whether the candidate lost a resilient flip's margin outright: a run outside the
// tolerance where no baseline run was, or no value at all. Resilient must hold on every probe, so
// one probe outside loses the verdict; flawed needs one probe outside, so a flawed probe that
// stayed inside in a run (another deciding it) is a narrower margin for the test to weigh, and a
// flawed verdict lost is UnexpectedVerdicts' to name.
func (c Comparison) Crossed() bool {
	if !c.Flip || c.Scenario != contract.ScenarioResilient {
		return false
	}
	return math.IsNaN(c.CandMargin) || (c.CandMargin < 0 && c.BaseMargin >= 0)
}

// AsWide says whether the candidate's margin is at least the baseline's (the values' own precision:
// a float's error aside, no rounding, so a margin on the wrong side is never as wide as one on the
// right side).
func (c Comparison) AsWide() bool {
	return !math.IsNaN(c.CandMargin) && c.CandMargin >= c.BaseMargin-1e-9
}

// FlipMargin is the smallest signed distance of the values to the tolerance's edge on the side the
// scenario must show: inside on resilient, outside on flawed (margin, as Probe.Margin, with its sign
// turned); NaN without values.
func (s Spread) FlipMargin() float64 {
	m := math.NaN()
	for _, d := range s.FlipMargins() {
		if math.IsNaN(m) || d < m {
			m = d
		}
	}
	return m
}

// FlipMargins are each run's signed distance to the tolerance's edge on the side the scenario must
// show, in the order of Values.
func (s Spread) FlipMargins() []float64 {
	ms := make([]float64, len(s.Values))
	for i, v := range s.Values {
		ms[i] = flipMargin(s.Scenario, v, s.Low, s.High)
	}
	return ms
}

// flipMargin is v's signed distance to [lo, hi] on the side the scenario must show: margin's,
// turned on flawed (positive outside).
func flipMargin(scenario string, v, lo, hi float64) float64 {
	if scenario == contract.ScenarioFlawed {
		return -margin(v, lo, hi)
	}
	return margin(v, lo, hi)
}

// NarrowerOverall is the chance that the candidate's margins, every flip of cs at once, rank as
// low as they do among the baseline's if both labs were one: NarrowerP's test with each lab's runs
// (Result.Run) as the units, so that it asks of the labs as a whole whether the candidate's runs
// sit closer to the edges. One test of every flip, rather than a verdict per flip: at 5 % each, a
// score of flips would mark one or so by chance alone. A run without a value of a probe is left out
// of that probe (neither closer nor farther); the units are the runs with a trial of a flip's pair.
// smallest is the least p the runs allow (1 over the ways to split them): with 3 runs a side it is
// 1/20, and the test can never call the candidate narrower. p and smallest are NaN when either lab
// has no margin.
func NarrowerOverall(cs []Comparison) (p, smallest float64) {
	var flips []Comparison
	var baseRuns, candRuns []int
	for _, c := range cs {
		if c.Flip {
			flips = append(flips, c)
			baseRuns, candRuns = append(baseRuns, c.Base.Trials...), append(candRuns, c.Cand.Trials...)
		}
	}
	baseRuns, candRuns = slices.Compact(slices.Sorted(slices.Values(baseRuns))), slices.Compact(slices.Sorted(slices.Values(candRuns)))
	// row is a spread's flip margins over runs, NaN where a run has no value.
	row := func(s Spread, runs []int) []float64 {
		ms := make([]float64, len(runs))
		for i, run := range runs {
			ms[i] = math.NaN()
			if v, ok := s.ByRun[run]; ok {
				ms[i] = flipMargin(s.Scenario, v, s.Low, s.High)
			}
		}
		return ms
	}
	var mb, mc [][]float64
	for _, c := range flips {
		mb, mc = append(mb, row(c.Base, baseRuns)), append(mc, row(c.Cand, candRuns))
	}
	p = narrowerP(mb, mc)
	if math.IsNaN(p) {
		return p, p
	}
	return p, 1 / float64(binomial(len(baseRuns)+len(candRuns), len(candRuns)))
}

// Compare pairs every probe of the baseline's runs with the candidate's, in the baseline's order.
// A probe the candidate lacks has NaN for its margin (not as wide), and its pair's runs and expected
// verdicts if the candidate ran the pair without probes.
func Compare(base, cand []Result) []Comparison {
	cs := Spreads(cand)
	find := func(s Spread) Spread {
		out := Spread{Experiment: s.Experiment, Scenario: s.Scenario, Probe: s.Probe}
		for _, c := range cs {
			if c.Experiment != s.Experiment || c.Scenario != s.Scenario {
				continue
			}
			if c.Probe == s.Probe {
				return c
			}
			out.Expected, out.Trials = c.Expected, c.Trials // the pair's, whatever probe
		}
		return out
	}
	var out []Comparison
	for _, b := range Spreads(base) {
		if b.Probe == "-" {
			continue // runs without probes: nothing to compare
		}
		c := Comparison{Experiment: b.Experiment, Scenario: b.Scenario, Probe: b.Probe, Tolerance: b.Tolerance,
			Base: b, Cand: find(b)}
		c.BaseMargin, c.CandMargin = c.Base.FlipMargin(), c.Cand.FlipMargin()
		c.P = NarrowerP(c.Base.FlipMargins(), c.Cand.FlipMargins())
		switch b.Scenario {
		case contract.ScenarioResilient:
			c.Flip = !math.IsNaN(c.BaseMargin)
		case contract.ScenarioFlawed:
			c.Flip = c.BaseMargin > 0 && len(b.Values) == b.Runs() // outside in every run, each with a value
		}
		out = append(out, c)
	}
	return out
}

// Pool joins several labs' results into one, as if one lab had run them all: each lab's runs are
// numbered after the previous labs' (Result.Run, from 1 within each). ranges gives each lab's first
// and last run number in the pool.
func Pool(labs ...[]Result) (pooled []Result, ranges [][2]int) {
	offset := 0
	for _, rs := range labs {
		last := 0
		for _, r := range rs {
			last = max(last, r.Run)
		}
		for _, r := range rs {
			r.Run += offset
			pooled = append(pooled, r)
		}
		ranges = append(ranges, [2]int{offset + 1, offset + last})
		offset += last
	}
	return pooled, ranges
}

// ReadResults reads a lab's summary.json: path is the file, or the lab's -results directory.
func ReadResults(path string) ([]Result, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "summary.json")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			err = fmt.Errorf("it holds a JSON %s, where a lab's summary is the list of its trials' results", ute.Value)
		}
		return nil, fmt.Errorf("%s: not a lab's summary.json (chaoslab lab writes one in its -results directory): %w", path, err)
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("%s: no results", path)
	}
	// Each result as the lab wrote it: a member it does not have (a misspelt verdict read as none)
	// or of another type is refused, naming the result and the member.
	if t := bytes.TrimSpace(raws[0]); len(t) > 0 && t[0] != '{' {
		return nil, fmt.Errorf("%s: not a lab's summary.json (chaoslab lab writes one in its -results directory): it holds a list of JSON %ss, where a lab's summary lists its trials' results (objects)", path, jsonfields.RawKind(t))
	}
	rs := make([]Result, len(raws))
	for i, raw := range raws {
		if err := decodeResult(raw, &rs[i]); err != nil {
			return nil, fmt.Errorf("%s: result %d of %d: %w", path, i+1, len(raws), err)
		}
	}
	type trial struct {
		run                  int
		experiment, scenario string
	}
	first := map[trial]int{} // a trial's first result, from 1
	for i, r := range rs {
		if r.Experiment == "" || r.Scenario == "" {
			return nil, fmt.Errorf("%s: result %d of %d: no experiment or scenario", path, i+1, len(rs))
		}
		// A run counted twice would weigh twice in every spread and test (a hand-merged file).
		k := trial{r.Run, r.Experiment, r.Scenario}
		if j, ok := first[k]; ok {
			return nil, fmt.Errorf("%s: result %d of %d: %s on %s, run %d, again (result %d): to pool labs, name each one to lab-compare", path, i+1, len(rs), r.Experiment, r.Scenario, r.Run, j)
		}
		first[k] = i + 1
	}
	return rs, nil
}

// PrintComparison prints the flips' margins of base and cand side by side (min / median / max of
// each probe's value, the margin, whether the candidate's closest run is as wide, and each flip's
// NarrowerP), then a line counting the closest runs as wide, one naming the flips narrower beyond
// chance, and one with overall, NarrowerOverall's p of every flip at once ("cannot tell" when
// smallest, the least p the runs allow, is not below NarrowerLevel). It returns whether the
// candidate's margins are narrower: overall below NarrowerLevel, or a flip Crossed.
func PrintComparison(w io.Writer, baseName, candName string, cs []Comparison, overall, smallest float64) bool {
	spread := func(s Spread) string {
		return fmt.Sprintf("%s / %s / %s (%d of %d)", tenth(s.Min()), tenth(s.Median()), tenth(s.Max()), s.Expected, s.Runs())
	}
	tw := columns.NewWriter(w, 2)
	fmt.Fprintf(tw, "EXPERIMENT\tSCENARIO\tPROBE AFTER THE FAULT\tTOLERANCE\tBASELINE MIN / MEDIAN / MAX (EXPECTED VERDICTS)\tMARGIN\tCANDIDATE MIN / MEDIAN / MAX (EXPECTED VERDICTS)\tMARGIN\tAS WIDE\tNARROWER (p)\n")
	flips, closer, narrower, crossed := 0, []string{}, []string{}, []string{}
	for _, c := range cs {
		if !c.Flip {
			continue
		}
		flips++
		name := c.Experiment + " " + c.Scenario + " " + c.Probe
		wide := "yes"
		if !c.AsWide() {
			wide = "no"
			closer = append(closer, fmt.Sprintf("%s %s against %s", name, tenth(c.CandMargin), tenth(c.BaseMargin)))
		}
		narrow := "no"
		if c.Narrower() {
			narrow = "yes"
			narrower = append(narrower, fmt.Sprintf("%s (p %s)", name, chance(c.P)))
		}
		if c.Crossed() {
			crossed = append(crossed, name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s (%s)\n", c.Experiment, c.Scenario, c.Probe, c.Tolerance,
			spread(c.Base), tenth(c.BaseMargin), spread(c.Cand), tenth(c.CandMargin), wide, narrow, chance(c.P))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d of %d margins as wide or wider in %s than in %s", flips-len(closer), flips, candName, baseName)
	if len(closer) > 0 {
		fmt.Fprintf(w, "; narrower: %s", strings.Join(closer, "; "))
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintf(w, "Flips narrower beyond chance, each on its own (p < %.2f; of %d such tests, about one in twenty falls below by chance alone): ", NarrowerLevel, flips)
	if len(narrower) == 0 {
		fmt.Fprintln(w, "none.")
	} else {
		fmt.Fprintf(w, "%d: %s.\n", len(narrower), strings.Join(narrower, "; "))
	}
	verdict := "no"
	switch {
	case overall < NarrowerLevel:
		verdict = "yes"
	case !(smallest < NarrowerLevel):
		verdict = fmt.Sprintf("cannot tell: with these runs the smallest p is %s (4 runs a side or more: make lab-repeat N=5)", chance(smallest))
	}
	fmt.Fprintf(w, "Every flip at once, the runs as units: %s's margins narrower than %s's beyond chance? %s (p %s).\n", candName, baseName, verdict, chance(overall))
	if len(crossed) > 0 {
		fmt.Fprintf(w, "Margins lost outright in %s (resilient: a run outside the tolerance, or no value): %s.\n", candName, strings.Join(crossed, "; "))
	}
	fmt.Fprintln(w, "A margin is the run closest to the tolerance's edge: inside it on resilient, outside it on flawed (negative: a run on the wrong side).")
	fmt.Fprintln(w, "p is the chance that the candidate's runs rank this close to the edge among the baseline's if both labs were one (a one-sided")
	fmt.Fprintln(w, "permutation test); a closest run narrower than the baseline's is common between two tables of the same lab.")
	return overall < NarrowerLevel || len(crossed) > 0
}

// chance prints a p-value to two significant digits ("-" for NaN).
func chance(p float64) string {
	if math.IsNaN(p) {
		return "-"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// UnexpectedVerdicts lists the runs of rs whose verdict is not the scenario's (deviated on flawed,
// held on resilient), or that ended in an error, as "experiment on scenario, run N: verdict".
func UnexpectedVerdicts(rs []Result) []string {
	var out []string
	for _, r := range rs {
		if r.Verdict != expectedVerdict(r.Scenario) || r.Error != "" {
			what := r.Verdict
			if r.Error != "" {
				what += " (" + r.Error + ")"
			}
			out = append(out, fmt.Sprintf("%s on %s, run %d: %s", r.Experiment, r.Scenario, r.Run, what))
		}
	}
	return out
}

// decodeResult decodes one result of a summary. A member a Result does not have is refused when it
// is near one it has (a misspelt "verdikt" was read as no verdict), and otherwise left unread (a
// member a later chaoslab writes); a value of another type is refused, naming its member.
func decodeResult(raw json.RawMessage, r *Result) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return fmt.Errorf("a JSON %s, where a result is an object", jsonfields.RawKind(raw))
	}
	known := jsonfields.Of(reflect.TypeFor[Result]())
	for _, name := range slices.Sorted(maps.Keys(members)) {
		if _, ok := known[name]; ok {
			continue
		}
		if near := suggest.Nearest(name, slices.Sorted(maps.Keys(known))); near != "" {
			return fmt.Errorf("member %q is not a result's: did you mean %q?", name, near)
		}
	}
	err := json.Unmarshal(raw, r)
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Errorf("member %s: want a JSON %s, got a %s", ute.Field, jsonfields.Kind(ute.Type), ute.Value)
	}
	return err
}
