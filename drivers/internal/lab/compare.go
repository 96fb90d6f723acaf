package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
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
	// Flip says whether the probe is one of the flip's margins: every probe on resilient (each must
	// hold), and on flawed the probes that deviated in every baseline run, each run with a value (a
	// flawed probe that stayed inside did not decide the verdict); never one without a value in the
	// baseline.
	Flip bool
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
	for _, v := range s.Values {
		d := margin(v, s.Low, s.High) // positive inside, negative outside
		if s.Scenario == contract.ScenarioFlawed {
			d = -d
		}
		if math.IsNaN(m) || d < m {
			m = d
		}
	}
	return m
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
			out.Runs, out.Expected = c.Runs, c.Expected // the pair's, whatever probe
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
		switch b.Scenario {
		case contract.ScenarioResilient:
			c.Flip = !math.IsNaN(c.BaseMargin)
		case contract.ScenarioFlawed:
			c.Flip = c.BaseMargin > 0 && len(b.Values) == b.Runs // outside in every run, each with a value
		}
		out = append(out, c)
	}
	return out
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
	var rs []Result
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("%s: not a lab's summary.json: %w", path, err)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%s: no results", path)
	}
	for i, r := range rs {
		if r.Experiment == "" || r.Scenario == "" {
			return nil, fmt.Errorf("%s: result %d of %d: no experiment or scenario", path, i+1, len(rs))
		}
	}
	return rs, nil
}

// PrintComparison prints the flips' margins of base and cand side by side (min / median / max of
// each probe's value, the margin, and whether the candidate's is as wide), then a line counting
// them and naming the narrower ones. It returns how many of the flips' margins are narrower in the
// candidate.
func PrintComparison(w io.Writer, baseName, candName string, cs []Comparison) int {
	spread := func(s Spread) string {
		return fmt.Sprintf("%s / %s / %s (%d of %d)", tenth(s.Min()), tenth(s.Median()), tenth(s.Max()), s.Expected, s.Runs)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "EXPERIMENT\tSCENARIO\tPROBE AFTER THE FAULT\tTOLERANCE\tBASELINE MIN / MEDIAN / MAX (EXPECTED VERDICTS)\tMARGIN\tCANDIDATE MIN / MEDIAN / MAX (EXPECTED VERDICTS)\tMARGIN\tAS WIDE\n")
	flips, narrower := 0, []string{}
	for _, c := range cs {
		if !c.Flip {
			continue
		}
		flips++
		wide := "yes"
		if !c.AsWide() {
			wide = "no"
			narrower = append(narrower, fmt.Sprintf("%s %s %s %s against %s", c.Experiment, c.Scenario, c.Probe, tenth(c.CandMargin), tenth(c.BaseMargin)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Experiment, c.Scenario, c.Probe, c.Tolerance,
			spread(c.Base), tenth(c.BaseMargin), spread(c.Cand), tenth(c.CandMargin), wide)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d of %d margins as wide or wider in %s than in %s", flips-len(narrower), flips, candName, baseName)
	if len(narrower) > 0 {
		fmt.Fprintf(w, "; narrower: %s", strings.Join(narrower, "; "))
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintln(w, "A margin is the run closest to the tolerance's edge: inside it on resilient, outside it on flawed (negative: a run on the wrong side).")
	return len(narrower)
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
