package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/lab"
)

func init() {
	register(command{name: "lab-compare", synopsis: "compare two labs' margins (a baseline's summary.json and a candidate's), probe by probe", run: (*Main).labCompare, plainSignals: true})
}

const labCompareUsage = `
chaoslab lab-compare puts two labs' runs side by side, each read from its
summary.json (a -results directory of chaoslab lab, usually of -repeat N, or
the file itself): per experiment, scenario and probe that decides the flip (an
experiment flips when it deviates on flawed and holds on resilient),
the min, median and max of the value over the runs, how many runs gave the
expected verdict, and the margin: the run closest to the tolerance's edge,
inside it on resilient (every probe must hold) and outside it on flawed (the
probes that deviated in every baseline run). Then it counts the candidate's
margins that are as wide as the baseline's or wider, and names the others.

The closest of a handful of runs is a noisy statistic: two 5-run tables of
the same lab put it lower in the second for about a quarter of the probes.
So each probe also gets p, the chance that the candidate's runs would rank as
close to the edge among the baseline's as they do if both labs were one (an
exact one-sided permutation test, Mann-Whitney's), and one test asks of every
flip at once, each lab's runs as the units: are the candidate's margins
narrower beyond chance (p < 0.05)? That test decides. With 3 runs a side or
fewer it cannot find a difference (its smallest p is 1/20 or more), and says
so: the verdicts and the margins lost outright decide alone.

The baseline first: for the concurrent lab against one trial at a time,
  make lab-repeat N=5 LAB_FLAGS="-concurrency 1 -results lab-results-sequential"
  make lab-repeat N=5
  chaoslab lab-compare lab-results-sequential lab-results

Exit 0 when the candidate's margins are not narrower beyond chance, none was
lost outright (a resilient probe outside its tolerance in a candidate run
where no baseline run was, or without a value), and every candidate run
gave the expected verdict; 1 when not; 2 on errors (a file that is missing
or is not a lab's summary.json).

More than one CANDIDATE are pooled into one lab, their runs numbered one
after the other (two 5-run tables of the concurrent lab against one baseline:
ten runs against five, a test that can see smaller differences).

Only the experiment × scenario pairs both labs ran are compared; the others
are named (a lab run with -experiments of one against a whole lab compares
that one). Every candidate run's verdict is checked all the same.

Usage:
  chaoslab lab-compare BASELINE CANDIDATE [CANDIDATE...]
`

func (m *Main) labCompare(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab lab-compare", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = usageFunc(fs, labCompareUsage)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return cli.Argsf(fs, "chaoslab lab-compare BASELINE CANDIDATE [CANDIDATE...]", "chaoslab lab-compare: want two labs' results or more, BASELINE and CANDIDATE...; got %d argument(s)", fs.NArg())
	}
	names := fs.Args()
	base, err := lab.ReadResults(names[0])
	if err != nil {
		return fmt.Errorf("chaoslab lab-compare: BASELINE: %w", err)
	}
	var cands [][]lab.Result
	for _, name := range names[1:] {
		rs, err := lab.ReadResults(name)
		if err != nil {
			return fmt.Errorf("chaoslab lab-compare: CANDIDATE: %w", err)
		}
		cands = append(cands, rs)
	}
	if err := distinctResults(names, append([][]lab.Result{base}, cands...)); err != nil {
		return cli.Usagef("chaoslab lab-compare: %w", err)
	}
	cand, ranges := lab.Pool(cands...)
	candName := strings.Join(names[1:], " + ")
	if len(cands) > 1 {
		var parts []string
		for i, r := range ranges {
			parts = append(parts, fmt.Sprintf("%s runs %d–%d", names[1+i], r[0], r[1]))
		}
		fmt.Fprintf(m.Stdout, "The candidates pooled into one lab, their runs numbered one after the other: %s.\n\n", strings.Join(parts, ", "))
	}
	candAll := cand // every run's verdict is checked, compared or not
	base, cand, left := commonTrials(base, cand)
	if len(base) == 0 {
		return cli.Usagef("chaoslab lab-compare: %s and %s ran no experiment on the same scenario: compare labs that ran the same experiments (-experiments, -scenarios)", names[0], candName)
	}
	if len(left) > 0 {
		// Compared, their margins read as lost outright in the lab without them.
		fmt.Fprintf(m.Stdout, "Only in one of the labs, so not compared: %s.\n\n", strings.Join(left, "; "))
	}
	cs := lab.Compare(base, cand)
	flips := 0
	for _, c := range cs {
		if c.Flip {
			flips++
		}
	}
	if flips == 0 {
		return fmt.Errorf("chaoslab lab-compare: BASELINE %s: no margin to compare (no resilient probe, and no flawed probe that deviated in every run)", names[0])
	}
	p, smallest := lab.NarrowerOverall(cs)
	narrower := lab.PrintComparison(m.Stdout, names[0], candName, cs, p, smallest)
	unexpected := lab.UnexpectedVerdicts(candAll)
	if len(unexpected) > 0 {
		fmt.Fprintf(m.Stdout, "%d run(s) of %s did not give the expected verdict: %s.\n", len(unexpected), candName, strings.Join(unexpected, "; "))
	}
	if narrower || len(unexpected) > 0 {
		return cli.Exit(ExitDeviated, nil)
	}
	return nil
}

// commonTrials keeps the runs of the experiment × scenario pairs both labs ran, and says which pairs
// one of them ran alone ("exp_2-dynamodb_disruption flawed: only in BASELINE").
func commonTrials(base, cand []lab.Result) (b, c []lab.Result, left []string) {
	type pair struct{ exp, scenario string }
	in := func(rs []lab.Result) map[pair]bool {
		m := map[pair]bool{}
		for _, r := range rs {
			m[pair{r.Experiment, r.Scenario}] = true
		}
		return m
	}
	inBase, inCand := in(base), in(cand)
	keep := func(rs []lab.Result, other map[pair]bool) []lab.Result {
		var out []lab.Result
		for _, r := range rs {
			if other[pair{r.Experiment, r.Scenario}] {
				out = append(out, r)
			}
		}
		return out
	}
	for _, side := range []struct {
		have, other map[pair]bool
		name        string
	}{{inBase, inCand, "BASELINE"}, {inCand, inBase, "the candidate"}} {
		var only []string
		for p := range side.have {
			if !side.other[p] {
				only = append(only, p.exp+" "+p.scenario)
			}
		}
		if len(only) > 0 {
			slices.Sort(only)
			left = append(left, strings.Join(only, ", ")+": only in "+side.name)
		}
	}
	return keep(base, inCand), keep(cand, inBase), left
}

// distinctResults refuses results named twice (names[i]'s are results[i]: a file as itself, through
// its directory, or as a copy, however formatted): pooled, its runs would count twice and the
// permutation test take them for more evidence.
func distinctResults(names []string, results [][]lab.Result) error {
	seen := map[[sha256.Size]byte]string{}
	for i, rs := range results {
		b, err := json.Marshal(rs) // the results, whatever the file's formatting
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		if first, ok := seen[sum]; ok {
			return fmt.Errorf("%s and %s hold the same results: a lab compared with itself, or pooled twice, counts its runs twice", first, names[i])
		}
		seen[sum] = names[i]
	}
	return nil
}
