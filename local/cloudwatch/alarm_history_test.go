package cloudwatch

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// summaries lists the items as "type: summary @ offset from t0".
func summaries(items []HistoryItem, t0 time.Time) []string {
	var out []string
	for _, h := range items {
		out = append(out, fmt.Sprintf("%s: %s @ %s", h.Type, h.Summary, h.At.Sub(t0)))
	}
	return out
}

// The history of an alarm's life: each change of state at the time the periodic evaluation made
// it (not the time of the read that caught up), each change of configuration with the fields it
// changed, the deletion, and the history kept after it.
func TestAlarmHistory(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0).UTC() // a whole minute
	s, now := clockStore(t0)
	if err := s.PutAlarm(errorsAlarm(nil)); err != nil {
		t.Fatal(err)
	}
	fn := map[string]string{"FunctionName": "etl"}
	s.Put(Datum{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: fn, Value: 2, Time: t0.Add(30 * time.Second)},
		Datum{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: fn, Value: 9, Time: t0.Add(90 * time.Second)})
	*now = t0.Add(150 * time.Second) // nobody read the alarm until now
	if err := s.PutAlarm(errorsAlarm(nil)); err != nil {
		t.Fatal(err) // the same configuration again: not an update
	}
	// The evaluations at 1m and 2m were the old threshold's (5: ALARM at 2m), the next is the new's
	// (10: OK).
	if err := s.PutAlarm(errorsAlarm(func(a *Alarm) { a.Threshold = 10; a.Description = "too many errors" })); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAlarmState("errors", StateAlarm, "testing", `{"by":"test"}`); err != nil {
		t.Fatal(err)
	}
	s.SetActionsEnabled(false, "errors", "no-such-alarm")
	s.SetActionsEnabled(false, "errors") // no change: no item
	*now = t0.Add(170 * time.Second)
	if err := s.DeleteAlarms("errors"); err != nil {
		t.Fatal(err)
	}
	*now = t0.Add(10 * time.Minute)

	got := summaries(s.AlarmHistory(HistoryFilter{Ascending: true}), t0)
	want := []string{
		`ConfigurationUpdate: Alarm "errors" created @ 0s`,
		// The update at 2m30s caught up the evaluations at 1m and 2m first.
		`StateUpdate: Alarm updated from INSUFFICIENT_DATA to OK @ 1m0s`,
		`StateUpdate: Alarm updated from OK to ALARM @ 2m0s`,
		`ConfigurationUpdate: Alarm "errors" updated @ 2m30s`,
		`StateUpdate: Alarm updated from ALARM to OK @ 2m30s`, // SetAlarmState's catch-up, on the new threshold
		`StateUpdate: Alarm updated from OK to ALARM @ 2m30s`, // SetAlarmState's
		`ConfigurationUpdate: Alarm "errors" updated @ 2m30s`,
		`ConfigurationUpdate: Alarm "errors" deleted @ 2m50s`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("history, oldest first:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	items := s.AlarmHistory(HistoryFilter{})
	if items[0].Type != HistoryConfigurationUpdate || !strings.Contains(items[0].Summary, "deleted") || items[len(items)-1].Summary != `Alarm "errors" created` {
		t.Errorf("newest first: %v", summaries(items, t0))
	}

	var update struct {
		Type     string         `json:"type"`
		Updated  map[string]any `json:"updatedAlarm"`
		Original map[string]any `json:"originalUpdatedFields"`
	}
	if err := json.Unmarshal([]byte(items[4].Data), &update); err != nil {
		t.Fatal(err)
	}
	if update.Type != "Update" || fmt.Sprint(update.Original) != "map[alarmDescription:<nil> threshold:5]" || update.Updated["threshold"] != 10.0 {
		t.Errorf("the threshold's update: %s", items[4].Data)
	}
	var state struct {
		Old struct {
			StateValue      string          `json:"stateValue"`
			StateReasonData json.RawMessage `json:"stateReasonData"`
		} `json:"oldState"`
		New struct {
			StateValue      string          `json:"stateValue"`
			StateReason     string          `json:"stateReason"`
			StateReasonData json.RawMessage `json:"stateReasonData"`
		} `json:"newState"`
	}
	if err := json.Unmarshal([]byte(items[2].Data), &state); err != nil {
		t.Fatal(err)
	}
	// The reason data is an object in the history, not a string.
	if state.Old.StateValue != StateOK || !strings.HasPrefix(string(state.Old.StateReasonData), `{"period":60`) ||
		state.New.StateValue != StateAlarm || state.New.StateReason != "testing" || string(state.New.StateReasonData) != `{"by":"test"}` {
		t.Errorf("SetAlarmState's item: %s", items[2].Data)
	}

	if got := summaries(s.AlarmHistory(HistoryFilter{AlarmName: "errors", Type: HistoryStateUpdate, Start: t0.Add(2 * time.Minute), End: t0.Add(150 * time.Second)}), t0); strings.Join(got, "|") !=
		"StateUpdate: Alarm updated from OK to ALARM @ 2m30s|StateUpdate: Alarm updated from ALARM to OK @ 2m30s|StateUpdate: Alarm updated from OK to ALARM @ 2m0s" {
		t.Errorf("state updates from 2m to 2m30s, both ends included: %v", got)
	}
	if got := s.AlarmHistory(HistoryFilter{AlarmName: "other"}); len(got) != 0 {
		t.Errorf("another alarm's history: %v", summaries(got, t0))
	}

	// Thirty days on, the history is gone, read before anything new is recorded too.
	*now = t0.Add(historyRetention + 11*time.Minute)
	if got := s.AlarmHistory(HistoryFilter{}); len(got) != 0 {
		t.Errorf("30 days later: %v, want none", summaries(got, t0))
	}
	if err := s.PutAlarm(errorsAlarm(func(a *Alarm) { a.Name = "later" })); err != nil {
		t.Fatal(err)
	}
	if got := summaries(s.AlarmHistory(HistoryFilter{}), t0); len(got) != 1 || !strings.Contains(got[0], `"later" created`) {
		t.Errorf("30 days later: %v, want only the new alarm's creation", got)
	}
	// Enabling the actions of an alarm whose actions are on (ActionsEnabled not given) changes
	// nothing: no update in the history, the configuration's time kept.
	s.SetActionsEnabled(true, "later")
	if got := s.AlarmHistory(HistoryFilter{AlarmName: "later"}); len(got) != 1 || !s.alarms.m["later"].configUpdated.Equal(*now) {
		t.Errorf("EnableAlarmActions of an alarm whose actions are on: %v", summaries(got, t0))
	}
}
