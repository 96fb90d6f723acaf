package lab

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/tally"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/columns"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// Attempt is an attempt of a trial that was not steady before its fault: its journal and report
// ("" when it has none), and the probes that decided it.
type Attempt struct {
	Journal string  `json:"journal,omitempty"`
	Report  string  `json:"report,omitempty"`
	Before  []Probe `json:"probes_before_fault"`
}

// Outside names the probes of the attempt that were outside their tolerances, with their values.
func (a Attempt) Outside() string {
	var out []string
	for _, p := range a.Before {
		if !p.Pass {
			v := "no data"
			if p.Value != nil {
				v = strconv.FormatFloat(*p.Value, 'f', 1, 64)
			}
			out = append(out, fmt.Sprintf("%s %s outside %s", p.Name, v, p.Tolerance))
		}
	}
	if len(out) == 0 {
		return "no probe outside its tolerance recorded"
	}
	return strings.Join(out, ", ")
}

// Result is one experiment on one scenario: what summary.json holds.
type Result struct {
	// Run numbers the lab's runs (Config.Repeat), from 1.
	Run        int    `json:"run"`
	Scenario   string `json:"scenario"`
	Experiment string `json:"experiment"`
	Stack      string `json:"stack"`
	Verdict    string `json:"verdict"`
	Journal    string `json:"journal,omitempty"`
	// Report is the run's HTML report (beside the journal), "" when none could be written.
	Report string  `json:"report,omitempty"`
	Probes []Probe `json:"probes"`
	// Before are the probes of the steady-state check before the fault: what decides a trial that
	// was not steady before it (the table shows them when there are no Probes).
	Before []Probe `json:"probes_before_fault,omitempty"`
	// NotSteadyAttempts are the earlier attempts of this trial that were not steady before their
	// fault (Config.NotSteadyRetries): their experiments did not run; this result is the last one's.
	NotSteadyAttempts []Attempt `json:"not_steady_attempts,omitempty"`
	Published         int       `json:"published"`
	Malformed         int       `json:"malformed"`
	// MalformedKeys are the documents the publisher broke on purpose (the seed's 1 %).
	MalformedKeys []string `json:"malformed_keys"`
	// Documents is the reconciliation by name; its lost counts every unaccounted document, the
	// pending ones included: Pending, NotificationsPending and Lost below split it.
	Documents tally.Report `json:"documents"`
	// Pending are unaccounted documents still in the JSON work queue when the drain ended (waiting
	// out a visibility timeout or a redelivery backoff): not converted yet, but not lost.
	Pending int `json:"pending_in_work_queue"`
	// NotificationsPending are unaccounted documents beyond those pending in the work queue:
	// converted, but their CSV notification was still in the CSV queue when the subscriber stopped
	// (a receive that failed after the queue handed it messages leaves them invisible for the
	// queue's visibility timeout). At most the CSV queue's depth; the table's PENDING counts them
	// with Pending.
	NotificationsPending int `json:"pending_in_csv_queue,omitempty"`
	// ReceiveErrors are the subscriber's receives that failed (subscribe.Summary.ReceiveErrors): what
	// leaves notifications invisible for a while, and so pending when the subscriber stops.
	ReceiveErrors int `json:"subscriber_receive_errors,omitempty"`
	// Lost are the unaccounted documents beyond those: in no queue and no output.
	Lost int `json:"lost"`
	// Unknown are unaccounted documents that could be pending or lost: the queues' depths could not
	// be read (a lab stopped with Ctrl-C, a cloud that failed), so none of them is called lost.
	Unknown   int                       `json:"unaccounted_queues_unread,omitempty"`
	ErrorDocs []subscribe.ErrorDocument `json:"error_documents"`
	Written   int                       `json:"documents_written_to_dynamodb"`
	// WritesMissing are well-formed documents without a per-message row in the table.
	WritesMissing int `json:"writes_missing"`
	// WritesUnaccounted are those of WritesMissing whose documents are not accounted for (still pending in
	// the work queue or the CSV queue, or lost: Pending, NotificationsPending and Lost say which):
	// the write of a document pending in the work queue is not made yet, not lost; one converted
	// whose notification is still in the CSV queue had its writes due (the line then says "still
	// pending or lost"). The rest are documents converted or in the error queue without a row
	// (flawed's silent loss).
	WritesUnaccounted int `json:"writes_missing_of_unaccounted,omitempty"`
	// FaultOff says whether the fault parameter was off after the run; nil (left out of summary.json)
	// when it was not read: a trial that never reached its stack's parameter (not run, or stopped
	// while it deployed) wrote no fault, and false read as a fault left on. FaultUnread says when the
	// read failed.
	FaultOff *bool `json:"fault_off_after_run,omitempty"`
	// Injected are the faults the trial's function injected while its fault was on (its
	// FaultsInjected metric, report.CountInjected); nil when not read (no journal, no fault written,
	// or the read failed: Error says why). None is a problem: the verdict said nothing of the fault.
	Injected *float64 `json:"faults_injected,omitempty"`
	// FaultUnread is set when the fault parameter could not be read after the run: FaultOff is then
	// unknown (nil), not false.
	FaultUnread bool    `json:"fault_unread,omitempty"`
	Seconds     float64 `json:"seconds"`
	Error       string  `json:"error,omitempty"`
	// MachineBusy and MachineSteal are the whole machine's shares of CPU time over the trial that
	// were busy and that the hypervisor stole (hostcpu), in percent; -1 when /proc/stat could not be
	// read, 0 in summaries older than them. A margin narrower than another run's on a trial whose
	// machine lost a third of its CPU to other tenants says more about the machine than the code.
	MachineBusy  float64 `json:"machine_busy_percent"`
	MachineSteal float64 `json:"machine_steal_percent"`
}

// VerdictNotRun is the verdict of a trial the lab was stopped before: nothing of it ran, so its
// counts say nothing, and it has no FaultOff.
const VerdictNotRun = "not run"

// Probe is one probe of the after-fault phase, as the table shows it.
type Probe struct {
	Name      string   `json:"name"`
	Value     *float64 `json:"value"`
	Tolerance string   `json:"tolerance"`
	// Min and Max bound the tolerance, inclusive (an exact tolerance has Min == Max).
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Pass bool    `json:"pass"`
	// Margin is the value's distance to the nearest bound of the tolerance: positive inside (how
	// far the value could move before the probe fails), negative outside (how far it failed by),
	// 0 on a bound; nil without a value.
	Margin *float64 `json:"margin"`
}

func probeOf(p experiments.ProbeResult) Probe {
	pr := Probe{Name: p.Name, Value: p.Value, Tolerance: p.Tolerance.Text, Min: p.Tolerance.Min, Max: p.Tolerance.Max, Pass: p.Pass}
	if p.Value != nil {
		m := margin(*p.Value, p.Tolerance.Min, p.Tolerance.Max)
		pr.Margin = &m
	}
	return pr
}

// margin is v's signed distance to [lo, hi]: the distance to the nearest bound, positive inside.
func margin(v, lo, hi float64) float64 {
	switch {
	case v < lo:
		return v - lo
	case v > hi:
		return hi - v
	default:
		return min(v-lo, hi-v)
	}
}

// Distance says in words where the value lies against the tolerance: how far inside from each
// bound, or how far outside and past which.
func (p Probe) Distance() string {
	if p.Value == nil {
		return "no data"
	}
	v := *p.Value
	// One decimal, unless that would print a distance that is not 0 as 0.0 (80.04 against a max of 80
	// is outside, by 0.04, not by "0.0").
	f := func(x float64) string {
		if x != 0 && math.Abs(x) < 0.05 {
			return strconv.FormatFloat(x, 'g', 2, 64)
		}
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	switch {
	case v > p.Max:
		return f(v-p.Max) + " above max"
	case v < p.Min:
		return f(p.Min-v) + " below min"
	case p.Min == p.Max:
		return "equal"
	default:
		return f(v-p.Min) + " above min, " + f(p.Max-v) + " below max"
	}
}

// Expectations is the lab's proof: each experiment flips from deviated on
// flawed to held on resilient, resilient loses nothing, no fault outlives its run.
// It names every problem, one a line; none means the lab passed.
func Expectations(rs []Result) []string {
	var out []string
	runs := 0
	for _, r := range rs {
		runs = max(runs, r.Run)
	}
	for _, r := range rs {
		id := r.Experiment + " on " + r.Scenario
		if runs > 1 {
			id = fmt.Sprintf("run %d: %s", r.Run, id)
		}
		if r.Error != "" {
			out = append(out, id+": "+r.Error)
		}
		if r.Verdict == VerdictNotRun {
			continue // the error says it; no verdict and no fault parameter to judge
		}
		if r.Injected != nil && *r.Injected == 0 {
			out = append(out, id+": the fault never fired: the function's FaultsInjected counted none while the fault was on, so the verdict says nothing of it")
		}
		want := expectedVerdict(r.Scenario)
		if r.Verdict != want {
			out = append(out, fmt.Sprintf("%s: verdict %s, want %s", id, r.Verdict, want))
		}
		if r.Scenario == contract.ScenarioResilient && r.Lost > 0 {
			out = append(out, fmt.Sprintf("%s: %d documents lost (in no queue and no output): %s", id, r.Lost, strings.Join(r.Documents.LostKeys, ", ")))
		}
		switch {
		case r.FaultUnread:
			out = append(out, id+": the fault parameter could not be read after the run, so whether it is off is unknown")
		case r.FaultOff != nil && !*r.FaultOff: // nil: no fault was written (Error says why)
			out = append(out, id+": the fault parameter was still on after the run")
		}
	}
	return out
}

// PrintTable prints the verdict table: a row per result, with a line per probe after the fault:
// its value, its tolerance, ok or FAIL, and its distance to the tolerance (Probe.Distance). A
// trial without probes after the fault (not steady before it) shows those of the check before it,
// each marked "(before)", since they decided it.
func PrintTable(w io.Writer, rs []Result) {
	tw := columns.NewWriter(w, 2)
	fmt.Fprintln(tw, "EXPERIMENT\tSCENARIO\tVERDICT\tPROBE AFTER THE FAULT\tVALUE\tTOLERANCE\t\tDISTANCE TO THE TOLERANCE\tPUBLISHED\tCONVERTED\tERROR Q\tPENDING\tLOST\tDDB WRITES MISSING")
	for _, r := range rs {
		counts := fmt.Sprintf("%d\t%d\t%d\t%d\t%d\t%d", r.Published, r.Documents.Converted, r.Documents.InErrorQueue, r.Pending+r.NotificationsPending, r.Lost, r.WritesMissing)
		probes, suffix := r.Probes, ""
		if len(probes) == 0 {
			probes, suffix = r.Before, " (before)"
		}
		if len(probes) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t\t\t\t\t%s\n", r.Experiment, r.Scenario, r.Verdict, counts)
			continue
		}
		for i, p := range probes {
			v := "no-data"
			if p.Value != nil {
				v = strconv.FormatFloat(*p.Value, 'f', 1, 64)
			}
			mark := "ok"
			if !p.Pass {
				mark = "FAIL"
			}
			probe := fmt.Sprintf("%s%s\t%s\t%s\t%s\t%s", p.Name, suffix, v, p.Tolerance, mark, p.Distance())
			if i == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Experiment, r.Scenario, r.Verdict, probe, counts)
			} else {
				fmt.Fprintf(tw, "\t\t\t%s\t\t\t\t\t\t\n", probe)
			}
		}
	}
	tw.Flush()
}

// writesMissing sets WritesMissing to missing, the well-formed documents without a per-message row
// (published less malformed less written), and WritesUnaccounted to those of them not accounted for yet
// (Documents' lost and unaccounted keys without a row among written, the rows' messageIds:
// writesOfUnaccounted).
func (r *Result) writesMissing(missing int, written map[int]bool, malformed []string) {
	unaccounted := append(append([]string(nil), r.Documents.LostKeys...), r.Documents.UnaccountedKeys...)
	r.WritesMissing = missing
	r.WritesUnaccounted = min(writesOfUnaccounted(unaccounted, malformed, written), max(missing, 0))
}
