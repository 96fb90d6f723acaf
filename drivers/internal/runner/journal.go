package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/columns"
)

// ErrDeviated is wrapped by the VerdictError of a run whose hypothesis did not hold: deviated,
// or not steady before the fault (nothing was injected then, but the hypothesis did not hold,
// as in Chaos Toolkit). chaoslab run exits 1 for it, 2 for every other error.
var ErrDeviated = errors.New("the steady-state hypothesis did not hold")

// VerdictError is the error of a run whose journal has a verdict other than held.
type VerdictError struct {
	Verdict string
}

func (e *VerdictError) Error() string { return "verdict " + e.Verdict }

// Unwrap is ErrDeviated for the verdicts that judge the hypothesis (deviated, not steady
// before), nil for those that do not (aborted).
func (e *VerdictError) Unwrap() error {
	switch e.Verdict {
	case experiments.VerdictDeviated, experiments.VerdictNotSteadyBefore:
		return ErrDeviated
	}
	return nil
}

// verdictError is nil for held, else a *VerdictError.
func verdictError(j *experiments.Journal) error {
	if j.Verdict == experiments.VerdictHeld {
		return nil
	}
	return &VerdictError{Verdict: j.Verdict}
}

// PrintJournal prints the probe table (every phase), the actions, errors and the verdict. The
// after-rollback rows say whether the value is inside its tolerance but are not pass or FAIL: the
// verdict judges the phases before and after the fault only.
func PrintJournal(w io.Writer, j *experiments.Journal) {
	tw := columns.NewWriter(w, 2)
	fmt.Fprintln(tw, "PHASE\tPROBE\tVALUE\tTOLERANCE\tRESULT")
	row := func(phase string, p experiments.ProbeResult) {
		v := "no data"
		if p.Value != nil {
			v = strconv.FormatFloat(*p.Value, 'f', -1, 64)
			if len(v) > 10 {
				v = strconv.FormatFloat(*p.Value, 'g', 6, 64)
			}
			if p.NoData {
				v += " (no data)"
			}
		}
		res := "pass"
		switch {
		case phase == "after-rollback": // recorded to show the recovery; the verdict does not read it
			res = p.Unjudged()
		case !p.Pass:
			res = "FAIL"
			if why := p.Failed(phase); why != "" && why != experiments.ProbeDeviated {
				res += " (" + why + ")"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", phase, p.Name, v, p.Tolerance.Text, res)
	}
	for _, p := range j.Before {
		row("before", p)
	}
	if j.GuardBreach != nil {
		row("guard", j.GuardBreach.Probe)
	}
	for _, p := range j.After {
		row("after", p)
	}
	for _, p := range j.AfterRollback {
		row("after-rollback", p)
	}
	tw.Flush()
	fault := func(a experiments.ActionResult, after string) {
		inForce := ""
		if a.InForceAt != "" {
			inForce = fmt.Sprintf(" (in force at %s, after a %d s onset)", a.InForceAt, a.OnsetSeconds)
		}
		fmt.Fprintf(w, "fault:    %s at %s%s: %s%s\n", a.Name, a.PutAt, inForce, compactJSON(a.Value), after)
	}
	for _, a := range j.Method {
		fault(a, "")
	}
	if g := j.GuardBreach; g != nil && len(j.Method) == 0 {
		if a, ok := g.Write(); ok { // the breach lost the method's records; it keeps the breached write's
			fault(a, ", "+g.Ended())
		}
	}
	for _, a := range j.Rollbacks {
		fmt.Fprintf(w, "rollback: %s at %s: %s\n", a.Name, a.PutAt, compactJSON(a.Value))
	}
	for _, g := range experiments.SummarizeGuardChecks(j.GuardChecks) {
		fmt.Fprintln(w, "guard:    "+g.Text)
	}
	if j.GuardBreach != nil {
		fmt.Fprintf(w, "guard:    %s breached during %s\n", j.GuardBreach.Probe.Name, j.GuardBreach.Action)
	}
	for _, e := range []struct {
		what string
		err  *experiments.StepError
	}{{"error", j.Error}, {"rollback error", j.RollbackError}, {"recovery error", j.RecoveryError}} {
		if e.err != nil {
			fmt.Fprintf(w, "%s: %s: %s\n", e.what, e.err.Error, clip(e.err.Cause, 300))
		}
	}
	fmt.Fprintf(w, "verdict: %s\n", j.Verdict)
	switch {
	case j.Verdict == experiments.VerdictNotSteadyBefore && noDataBefore(j):
		fmt.Fprintln(w, "hint:    no probe read any data before the fault: nothing flowed through the pipeline. "+startLoad)
	case (j.Verdict == experiments.VerdictHeld || j.Verdict == experiments.VerdictDeviated) && readNothing(j):
		fmt.Fprintln(w, "hint:    every probe read no data and counted it as 0 (as chaosaws reads no data): nothing was measured, "+
			"and this verdict judged zeros. Check that each probe names a metric of the stack (name, namespace, dimensions). "+startLoad)
	}
}

// startLoad is what a run on a pipeline without load must do first.
const startLoad = "Start the load first, for the whole run (go run ./drivers/publisher -rate 10 -duration 20m &, and the subscriber, each with this run's -outputs and -stack), then run the experiment again"

// readNothing says whether every probe judged before and after the fault, and the guard's that
// breached, read no data (counted as 0 or not): a run that measured nothing, whatever its verdict.
func readNothing(j *experiments.Journal) bool {
	judged := slices.Concat(j.Before, j.After)
	if j.GuardBreach != nil {
		judged = append(judged, j.GuardBreach.Probe)
	}
	for _, p := range judged {
		if !p.ReadNothing() {
			return false
		}
	}
	return len(judged) > 0
}

// noDataBefore says whether every probe of the check before the fault read no data (a run on a
// stack nothing is being published to), whether it failed for it or counted it as 0 and passed (the
// shipped zero-sns-errors does: without this, its pass hid the hint on every idle stack).
func noDataBefore(j *experiments.Journal) bool {
	for _, p := range j.Before {
		if !p.ReadNothing() {
			return false
		}
	}
	return len(j.Before) > 0
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
