package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/lab"
)

// Two labs' 5-run results (testdata: the sequential baseline and five at a time, measured on the
// night of 2026-12-01, trimmed to the fields the comparison reads) side by side.
func TestLabCompare(t *testing.T) {
	seq, conc := filepath.Join("testdata", "lab-compare", "one-after-the-other"), filepath.Join("testdata", "lab-compare", "five-at-a-time")
	notSummary := filepath.Join(t.TempDir(), "journal.json")
	if err := os.WriteFile(notSummary, []byte(`{"verdict": "held"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// Five at a time again, with a trial of another experiment that the baseline never ran, and that
	// did not hold: the margins are as wide, the verdict is not.
	extra := filepath.Join(t.TempDir(), "summary.json")
	b, err := os.ReadFile(filepath.Join(conc, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	b = append(b[:strings.LastIndexByte(string(b), ']')], []byte(`,{"run":1,"scenario":"resilient","experiment":"exp_9-new","verdict":"deviated","probes":[]}]`)...)
	if err := os.WriteFile(extra, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The baseline with every flip's margin halved: each value moved halfway to its tolerance's edge.
	halved := filepath.Join(t.TempDir(), "summary.json")
	rs, err := lab.ReadResults(seq)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		for j, p := range rs[i].Probes {
			if p.Value == nil {
				continue
			}
			v := *p.Value
			switch {
			case v > p.Max:
				v = p.Max + (v-p.Max)/2
			case v < p.Min:
				v = p.Min - (p.Min-v)/2
			case v-p.Min < p.Max-v:
				v = p.Min + (v-p.Min)/2
			default:
				v = p.Max - (p.Max-v)/2
			}
			rs[i].Probes[j].Value = &v
		}
	}
	if b, err := json.Marshal(rs); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(halved, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The five-at-a-time lab of exp_1 alone, and of exp_3 alone.
	oneExperiment, otherExperiment := filepath.Join(t.TempDir(), "summary.json"), filepath.Join(t.TempDir(), "summary.json")
	for path, exp := range map[string]string{oneExperiment: "exp_1-minor_delay", otherExperiment: "exp_3-output_write_failure"} {
		all, err := lab.ReadResults(conc)
		if err != nil {
			t.Fatal(err)
		}
		var only []lab.Result
		for _, r := range all {
			if r.Experiment == exp {
				only = append(only, r)
			}
		}
		if b, err := json.Marshal(only); err != nil {
			t.Fatal(err)
		} else if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The five-at-a-time lab again, indented otherwise; and its first four runs only.
	reformatted, fourRuns := filepath.Join(t.TempDir(), "summary.json"), filepath.Join(t.TempDir(), "summary.json")
	concRuns, err := lab.ReadResults(conc)
	if err != nil {
		t.Fatal(err)
	}
	var first4 []lab.Result
	for _, r := range concRuns {
		if r.Run <= 4 {
			first4 = append(first4, r)
		}
	}
	for path, rs := range map[string][]lab.Result{reformatted: concRuns, fourRuns: first4} {
		if b, err := json.MarshalIndent(rs, "", "\t"); err != nil {
			t.Fatal(err)
		} else if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stdout, or stderr for errors
	}{
		// Five closest runs narrower, none beyond chance: not narrower.
		{name: "five at a time against one after the other", args: []string{seq, conc}, code: 0, want: []string{
			"exp_2-dynamodb_disruption   flawed     messages-in-flight",
			"16 of 21 margins as wide or wider in " + conc + " than in " + seq,
			"narrower: exp_3-output_write_failure flawed messages-in-flight 26.4 against 31.2",
			"exp_1-minor_delay resilient messages-in-flight 4.0 against 8.8.",
			"Flips narrower beyond chance, each on its own (p < 0.05; of 21 such tests, about one in twenty falls below by chance alone): none.",
			"Every flip at once, the runs as units: " + conc + "'s margins narrower than " + seq + "'s beyond chance? no (p 0.54).",
		}},
		{name: "every margin halved", args: []string{seq, halved}, code: 1, want: []string{
			"22.4 / 23.1 / 23.6 (5 of 5)                       2.4     no       yes (0.004)",
			"'s margins narrower than " + seq + "'s beyond chance? yes (p 0.004).",
		}},
		// The same results twice (the file, its directory, a copy formatted otherwise) would count
		// their runs twice.
		{name: "a lab against itself", args: []string{conc, filepath.Join(conc, "summary.json")}, code: 2, want: []string{
			conc + " and " + filepath.Join(conc, "summary.json") + " hold the same results"}},
		{name: "a candidate pooled twice", args: []string{seq, conc, reformatted}, code: 2, want: []string{conc + " and " + reformatted + " hold the same results"}},
		// Two candidates pooled: nine runs against five.
		{name: "two candidates pooled", args: []string{seq, conc, fourRuns}, code: 0, want: []string{
			"The candidates pooled into one lab, their runs numbered one after the other: " + conc + " runs 1–5, " + fourRuns + " runs 6–9.",
			"in " + conc + " + " + fourRuns + " than in " + seq,
		}},
		{name: "an object, not a summary", args: []string{seq, notSummary}, code: 2, want: []string{"it holds a JSON object, where a lab's summary is the list of its trials' results"}},
		{name: "a candidate run with another verdict", args: []string{conc, extra}, code: 1, want: []string{
			"21 of 21 margins as wide or wider", "1 run(s) of " + extra + " did not give the expected verdict: exp_9-new on resilient, run 1: deviated.",
			"Only in one of the labs, so not compared: exp_9-new resilient: only in the candidate."}},
		// A lab of one experiment against one of five: its margins, not the four it did not run
		// "lost outright".
		{name: "a candidate of fewer experiments", args: []string{seq, oneExperiment}, code: 0, want: []string{
			"Only in one of the labs, so not compared: exp_2-dynamodb_disruption flawed, exp_2-dynamodb_disruption resilient, "}},
		{name: "labs with nothing in common", args: []string{oneExperiment, otherExperiment}, code: 2, want: []string{
			"ran no experiment on the same scenario: compare labs that ran the same experiments"}},
		{name: "one lab", args: []string{seq}, code: 2, want: []string{"want two labs' results"}},
		{name: "a missing baseline", args: []string{filepath.Join(t.TempDir(), "nope"), conc}, code: 2, want: []string{"BASELINE", "nope"}},
		{name: "a journal as the candidate", args: []string{seq, notSummary}, code: 2, want: []string{"CANDIDATE", notSummary, "not a lab's summary.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, out, errb := newMain()
			err := m.Run(context.Background(), append([]string{"lab-compare"}, tt.args...))
			if code := cli.Report(errb, err, ExitError); code != tt.code {
				t.Fatalf("exit %d, want %d (err %v)\n%s%s", code, tt.code, err, out, errb)
			}
			text := out.String() + errb.String()
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
		})
	}
}
