package experiments

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// GuardCheck is one check of the guard during the method's pauses: one of the guard's probes over
// its window (from the write to the check), judged, and the action whose pause it was.
//
// The machine's own journal has no list of them: its pause is a Map whose iterations' results are
// dropped (a breach fails the Map, and a Fail cause is capped at 32 KB), so chaoslab reads them
// from the execution's history, as the exits of the guard's record states (GuardChecks), and adds
// them to the journal it writes (Journal.GuardChecks).
type GuardCheck struct {
	Action string `json:"action"`
	ProbeResult
}

// The guard's record states in the pause Map (constructs/experiment's probe states of its Guard
// phase): one exits per check, its data holding the judged probe at $.result and the action's
// name at $.action.
var guardRecordStates = map[string]bool{"Guard.OK": true, "Guard.Deviated": true, "Guard.NoData": true}

// IsGuardCheckState says whether the state named name records a guard check.
func IsGuardCheckState(name string) bool { return guardRecordStates[name] }

// GuardChecks are the guard checks among an execution's state exits, in their order; nil when
// there are none (no guard, or none checked yet). An exit whose data is not a check's is skipped.
func GuardChecks(exits []StateExit) []GuardCheck {
	var out []GuardCheck
	for _, e := range exits {
		if !IsGuardCheckState(e.Name) {
			continue
		}
		var d struct {
			Action string       `json:"action"`
			Result *ProbeResult `json:"result"`
		}
		if json.Unmarshal([]byte(e.Output), &d) != nil || d.Result == nil || d.Result.Name == "" {
			continue
		}
		out = append(out, GuardCheck{Action: d.Action, ProbeResult: *d.Result})
	}
	return out
}

// GuardSummary is how the guard's checks in one action's pause read.
type GuardSummary struct {
	Action string // whose pause
	// PutAt is when that action wrote its fault, where each of its checks' windows starts (the
	// checks' Start): it tells apart two actions of one name.
	PutAt string
	// Text says it in a line: 'normal-error-rates checked 9 times in the pause after "Enable latency": 0.4
	// to 3.1, all within [0, 5]'; a check with no data is counted as not known yet (not a breach).
	Text string
}

// SummarizeGuardChecks summarizes checks, one GuardSummary per probe of one action's pause (one
// action's name and write: two actions may share a name), in the order of their first checks: a
// guard of several probes checks them in turn after each slice.
func SummarizeGuardChecks(checks []GuardCheck) []GuardSummary {
	type key struct{ action, start, probe string }
	var order []key
	groups := map[key][]GuardCheck{}
	for _, c := range checks {
		k := key{c.Action, c.Start, c.Name}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	var out []GuardSummary
	for _, k := range order {
		group := groups[k]
		var values []float64
		noData, breached := 0, 0
		for _, c := range group {
			switch {
			case c.Status == ProbeDeviated:
				breached++
			case c.ReadNothing():
				noData++
			}
			if c.Value != nil && !c.NoData {
				values = append(values, *c.Value)
			}
		}
		times := "once"
		if len(group) > 1 {
			times = strconv.Itoa(len(group)) + " times"
		}
		text := fmt.Sprintf("%s checked %s in the pause after %q: ", group[0].Name, times, group[0].Action)
		switch {
		case len(values) == 0:
			text += "no value read"
		case slices.Min(values) == slices.Max(values):
			text += formatFloat(values[0])
		default:
			text += formatFloat(slices.Min(values)) + " to " + formatFloat(slices.Max(values))
		}
		if breached == 0 {
			text += ", all within " + group[0].Tolerance.Text
		} else {
			text += fmt.Sprintf(", %d out of %s", breached, group[0].Tolerance.Text)
		}
		if noData > 0 {
			text += fmt.Sprintf(" (%d with no data: not known yet, not a breach)", noData)
		}
		out = append(out, GuardSummary{Action: group[0].Action, PutAt: group[0].Start, Text: text})
	}
	return out
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
