package cloudwatch

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A change of state runs that state's actions once RunAlarmActions runs, each an Action item of
// the history; an alarm whose actions are disabled runs none; a failed action is recorded so.
func TestAlarmActionsRun(t *testing.T) {
	t0 := time.Now().UTC().Truncate(time.Minute)
	s := NewStore()
	var clock atomic.Int64 // the runner reads the clock as the test moves it
	clock.Store(t0.UnixNano())
	s.now = func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	var mu sync.Mutex
	var ran []Action
	run := func(_ context.Context, a Action) error {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, a)
		if strings.Contains(a.Target, ":autoscaling:") {
			return errors.New("the local cloud runs SNS actions only")
		}
		return nil
	}
	actions := func() []Action {
		mu.Lock()
		defer mu.Unlock()
		return append([]Action(nil), ran...)
	}
	topic := "arn:aws:sns:us-east-1:000000000000:ops"
	if err := s.PutAlarm(errorsAlarm(func(a *Alarm) {
		a.AlarmActions = []string{topic, "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:x"}
		a.OKActions = []string{topic}
		a.TreatMissingData = "notBreaching"
	})); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.RunAlarmActions(ctx, 20*time.Millisecond, run)

	// No data, not breaching: OK at the first round, its OK action run.
	waitUntil(t, "the OK action", func() bool { return len(actions()) == 1 })
	clock.Store(t0.Add(30 * time.Second).UnixNano())
	s.Put(Datum{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: map[string]string{"FunctionName": "etl"}, Value: 9, Time: t0.Add(20 * time.Second)})
	// Nobody reads the alarm: the runner's own round sees the change.
	waitUntil(t, "the ALARM actions", func() bool { return len(actions()) == 3 })
	a := actions()[1]
	var msg struct {
		AlarmName, NewStateValue, OldStateValue, Region string
		Trigger                                         struct{ MetricName, Statistic string }
	}
	if err := json.Unmarshal([]byte(a.Message), &msg); err != nil {
		t.Fatal(err)
	}
	if a.Target != topic || a.Subject != `ALARM: "errors" in US East (N. Virginia)` || msg.AlarmName != "errors" || msg.NewStateValue != "ALARM" ||
		msg.OldStateValue != "OK" || msg.Region != "US East (N. Virginia)" || msg.Trigger.MetricName != "Errors" || msg.Trigger.Statistic != "SUM" {
		t.Errorf("the ALARM action: %+v\n%s", a, a.Message)
	}
	waitUntil(t, "the history of the runs", func() bool { return len(s.AlarmHistory(HistoryFilter{Type: HistoryAction})) == 3 })
	var summaries []string
	for _, h := range s.AlarmHistory(HistoryFilter{Type: HistoryAction, Ascending: true}) {
		summaries = append(summaries, h.Summary)
	}
	if !strings.HasPrefix(summaries[0], "Successfully executed action "+topic) || !strings.Contains(strings.Join(summaries, "\n"), "Failed to execute action arn:aws:autoscaling") {
		t.Errorf("the history's actions: %q", summaries)
	}

	// Disabled: the next change runs nothing.
	s.SetActionsEnabled(false, "errors")
	if err := s.SetAlarmState("errors", StateOK, "by hand", ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(actions()); n != 3 {
		t.Errorf("%d actions after SetAlarmState with actions disabled, want 3", n)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
	}
}
