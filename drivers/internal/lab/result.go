package lab

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/tally"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// Result is one experiment on one scenario: what summary.json holds.
type Result struct {
	Scenario   string  `json:"scenario"`
	Experiment string  `json:"experiment"`
	Verdict    string  `json:"verdict"`
	Journal    string  `json:"journal,omitempty"`
	Probes     []Probe `json:"probes"`
	Published  int     `json:"published"`
	Malformed  int     `json:"malformed"`
	// MalformedKeys are the documents the publisher broke on purpose (the seed's 1 %).
	MalformedKeys []string `json:"malformed_keys"`
	// Documents is the reconciliation by name; its lost counts every unaccounted document, the
	// pending ones included: Pending and Lost below split it.
	Documents tally.Report `json:"documents"`
	// Pending are unaccounted documents still in the JSON work queue when the drain ended (waiting
	// out a visibility timeout or a redelivery backoff): not converted yet, but not lost.
	Pending int `json:"pending_in_work_queue"`
	// Lost are the unaccounted documents beyond those: in no queue and no output.
	Lost      int                       `json:"lost"`
	ErrorDocs []subscribe.ErrorDocument `json:"error_documents"`
	Written   int                       `json:"documents_written_to_dynamodb"`
	// WritesMissing are well-formed documents without a per-message row in the table.
	WritesMissing int     `json:"writes_missing"`
	FaultOff      bool    `json:"fault_off_after_run"`
	Seconds       float64 `json:"seconds"`
	Error         string  `json:"error,omitempty"`
}

// Probe is one probe of the after-fault phase, as the table shows it.
type Probe struct {
	Name      string   `json:"name"`
	Value     *float64 `json:"value"`
	Tolerance string   `json:"tolerance"`
	Pass      bool     `json:"pass"`
}

// Expectations is the lab's proof: each experiment flips from deviated on
// flawed to held on resilient, resilient loses nothing, no fault outlives its run.
// It names every problem, one a line; none means the lab passed.
func Expectations(rs []Result) []string {
	var out []string
	for _, r := range rs {
		id := r.Experiment + " on " + r.Scenario
		if r.Error != "" {
			out = append(out, id+": "+r.Error)
		}
		want := map[string]string{contract.ScenarioFlawed: experiments.VerdictDeviated, contract.ScenarioResilient: experiments.VerdictHeld}[r.Scenario]
		if r.Verdict != want {
			out = append(out, fmt.Sprintf("%s: verdict %s, want %s", id, r.Verdict, want))
		}
		if r.Scenario == contract.ScenarioResilient && r.Lost > 0 {
			out = append(out, fmt.Sprintf("%s: %d documents lost (in no queue and no output): %s", id, r.Lost, strings.Join(r.Documents.LostKeys, ", ")))
		}
		if !r.FaultOff {
			out = append(out, id+": the fault parameter was still on after the run")
		}
	}
	return out
}

// PrintTable prints the verdict table: a row per result, with a line per probe after the fault.
func PrintTable(w io.Writer, rs []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EXPERIMENT\tSCENARIO\tVERDICT\tPROBES AFTER THE FAULT (value vs tolerance)\tPUBLISHED\tCONVERTED\tERROR Q\tPENDING\tLOST\tDDB WRITES MISSING")
	for _, r := range rs {
		var ps []string
		for _, p := range r.Probes {
			v := "no-data"
			if p.Value != nil {
				v = strconv.FormatFloat(*p.Value, 'f', 1, 64)
			}
			mark := "ok"
			if !p.Pass {
				mark = "FAIL"
			}
			ps = append(ps, fmt.Sprintf("%s %s %s %s", p.Name, v, p.Tolerance, mark))
		}
		if len(ps) == 0 {
			ps = []string{"-"}
		}
		for i, p := range ps {
			if i == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", r.Experiment, r.Scenario, r.Verdict, p,
					r.Published, r.Documents.Converted, r.Documents.InErrorQueue, r.Pending, r.Lost, r.WritesMissing)
			} else {
				fmt.Fprintf(tw, "\t\t\t%s\t\t\t\t\t\t\n", p)
			}
		}
	}
	tw.Flush()
}
