package cloudwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Alarm actions: a change of state of an alarm whose actions are enabled runs that state's actions
// (AlarmActions, OKActions, InsufficientDataActions), as CloudWatch's do, once RunAlarmActions
// runs them. Alarms are evaluated when read (alarms.go); RunAlarmActions also reads the alarms that
// have actions, every interval, so their notifications go out without anyone reading them. Each
// action run is an Action item of the alarm's history ("Successfully executed action ...",
// "Failed to execute action ...").

// Action is one action of one change of state: its target (an SNS topic's ARN, or another service's
// the runner refuses) and, for SNS, the notification CloudWatch sends.
type Action struct {
	Alarm, AlarmArn string
	Target          string
	Subject         string // "ALARM: \"name\" in US East (N. Virginia)"
	Message         string // the notification's JSON
}

// maxPendingActions bounds the actions waiting for the runner.
const maxPendingActions = 1000

// queueActions queues r's actions for its change of state from old, when its actions are enabled
// and RunAlarmActions runs them. The caller holds the book's lock.
func (b *alarmBook) queueActions(r *alarmRecord, old AlarmStatus) {
	c := &r.cfg
	if !b.runsActions || !c.actionsEnabled() {
		return
	}
	targets := map[string][]string{StateAlarm: c.AlarmActions, StateOK: c.OKActions, StateInsufficientData: c.InsufficientDataActions}[r.status.Value]
	for _, t := range targets {
		if len(b.pending) >= maxPendingActions {
			return
		}
		b.pending = append(b.pending, Action{Alarm: c.Name, AlarmArn: r.status.ARN, Target: t,
			Subject: notificationSubject(r.status.Value, c.Name), Message: notification(r, old)})
	}
}

// notificationSubject is the subject of CloudWatch's alarm notification (100 characters at most, an
// SNS subject's limit).
func notificationSubject(state, name string) string {
	s := fmt.Sprintf("%s: %q in US East (N. Virginia)", state, name)
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

// notification is the JSON of CloudWatch's alarm notification for r's change from old.
func notification(r *alarmRecord, old AlarmStatus) string {
	c := &r.cfg
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000+0000") }
	trigger := map[string]any{"EvaluationPeriods": c.EvaluationPeriods, "DatapointsToAlarm": c.DatapointsToAlarm,
		"ComparisonOperator": c.ComparisonOperator, "Threshold": c.Threshold, "TreatMissingData": c.TreatMissingData,
		"EvaluateLowSampleCountPercentile": c.EvaluateLowSampleCountPercentile}
	if len(c.Metrics) == 0 {
		trigger["MetricName"], trigger["Namespace"], trigger["Period"], trigger["Dimensions"] = c.MetricName, c.Namespace, int64(c.Period/time.Second), dimensionsJSON(c.Dimensions)
		trigger["Unit"] = nil
		if c.Unit != "" {
			trigger["Unit"] = c.Unit
		}
		if c.Statistic != "" {
			trigger["StatisticType"], trigger["Statistic"] = "Statistic", strings.ToUpper(c.Statistic)
		} else {
			trigger["StatisticType"], trigger["ExtendedStatistic"] = "ExtendedStatistic", c.ExtendedStatistic
		}
	} else {
		trigger["Metrics"] = c.metricsJSON()
	}
	b, _ := json.Marshal(map[string]any{
		"AlarmName": c.Name, "AlarmDescription": nilIfEmpty(c.Description), "AWSAccountId": AlarmAccount,
		"AlarmConfigurationUpdatedTimestamp": stamp(r.configUpdated), "NewStateValue": r.status.Value,
		"NewStateReason": r.status.Reason, "StateChangeTime": stamp(r.status.UpdatedAt), "Region": "US East (N. Virginia)",
		"AlarmArn": r.status.ARN, "OldStateValue": old.Value, "OKActions": nonNil(c.OKActions), "AlarmActions": nonNil(c.AlarmActions),
		"InsufficientDataActions": nonNil(c.InsufficientDataActions), "Trigger": trigger,
	})
	return string(b)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// RunAlarmActions runs alarm actions with run until ctx ends: every interval it evaluates the
// alarms that have actions enabled, then runs the actions of every change of state since the last
// time (those a read of the alarms made too), each recorded in its alarm's history.
func (s *Store) RunAlarmActions(ctx context.Context, every time.Duration, run func(context.Context, Action) error) {
	b := &s.alarms
	b.mu.Lock()
	b.runsActions = true
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.runsActions, b.pending = false, nil
		b.mu.Unlock()
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.runActions(ctx, run)
	}
}

// runActions is one round of RunAlarmActions.
func (s *Store) runActions(ctx context.Context, run func(context.Context, Action) error) {
	b := &s.alarms
	b.mu.Lock()
	now := s.now()
	for _, r := range b.m {
		c := &r.cfg
		if c.actionsEnabled() && len(c.AlarmActions)+len(c.OKActions)+len(c.InsufficientDataActions) > 0 {
			s.catchUp(r, now)
		}
	}
	pending := b.pending
	b.pending = nil
	b.mu.Unlock()
	for _, a := range pending {
		err := run(ctx, a)
		summary, state := "Successfully executed action "+a.Target, "Succeeded"
		if err != nil {
			summary, state = "Failed to execute action "+a.Target+". Received error: "+err.Error(), "Failed"
		}
		b.mu.Lock()
		now := s.now()
		b.record(a.Alarm, HistoryAction, summary, map[string]any{"actionState": state, "notificationResource": a.Target,
			"stateUpdateTimestamp": now.UnixMilli(), "publishedMessage": nil}, now, now)
		b.mu.Unlock()
	}
}
