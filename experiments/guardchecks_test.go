package experiments

import (
	"testing"
	"time"
)

// TestGuardChecksFromTheHistory: every exit of a guard record state is a check, in order, with its
// action; other states' exits and data that is not a check's are not.
func TestGuardChecksFromTheHistory(t *testing.T) {
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	check := func(status, value string, pass bool) string {
		return `{"seconds": 60, "action": "Enable latency", "start": "2026-12-05T12:00:00.000Z",
			"result": {"name": "normal-error-rates", "query": "e1", "tolerance": {"type": "range", "min": 0, "max": 5, "text": "[0, 5]"},
			"value": ` + value + `, "status": "` + status + `", "pass": ` + map[bool]string{true: "true", false: "false"}[pass] + `,
			"start": "2026-12-05T12:00:00.000Z", "end": "2026-12-05T12:01:00.000Z"}}`
	}
	exits := []StateExit{
		{Name: "Action.Put", At: at, Output: `{"action": {"name": "Enable latency"}}`},
		{Name: "Guard.Query", At: at, Output: `{"query": {}}`},
		{Name: "Guard.OK", At: at, Output: check(ProbeOK, "1.5", true)},
		{Name: "Guard.NoData", At: at, Output: check(ProbeNoData, "null", false)}, // not a breach: not known yet
		{Name: "Guard.OK", At: at, Output: `not JSON`},
		{Name: "Guard.OK", At: at, Output: `{"action": "Enable latency"}`}, // no result
		{Name: "Guard.Deviated", At: at, Output: check(ProbeDeviated, "12", false)},
		{Name: "After.OK", At: at, Output: check(ProbeOK, "1", true)}, // the steady state after: not the guard's
	}
	got := GuardChecks(exits)
	if len(got) != 3 {
		t.Fatalf("%d checks %+v, want 3", len(got), got)
	}
	for i, want := range []struct {
		status string
		value  *float64
		pass   bool
	}{{ProbeOK, new(1.5), true}, {ProbeNoData, nil, false}, {ProbeDeviated, new(12.0), false}} {
		c := got[i]
		if c.Action != "Enable latency" || c.Name != "normal-error-rates" || c.Status != want.status || c.Pass != want.pass ||
			(c.Value == nil) != (want.value == nil) || c.Value != nil && *c.Value != *want.value || c.Tolerance.Text != "[0, 5]" {
			t.Errorf("check %d = %+v, want %s %v pass %t of Enable latency", i, c, want.status, want.value, want.pass)
		}
	}
	if GuardChecks(exits[:2]) != nil {
		t.Error("checks from a history without any, want nil")
	}

	// RecoverJournal keeps them, for a run that ended on the way.
	withJournal := append(exits, StateExit{Name: "GuardRecord", At: at,
		Output: `{"journal": {"title": "t", "startedAt": "2026-12-05T11:59:00.000Z", "verdict": "deviated"}}`})
	if j := RecoverJournal(withJournal, at); j == nil || len(j.GuardChecks) != 3 {
		t.Errorf("recovered journal %+v, want its 3 guard checks", j)
	}
}
