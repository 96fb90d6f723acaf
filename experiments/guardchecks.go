package experiments

import "encoding/json"

// GuardCheck is one check of the guard during the method's pauses: the guard's probe over its
// window (from the write to the check), judged, and the action whose pause it was.
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
