package cloudwatch

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"time"
)

// Alarm history, as DescribeAlarmHistory answers it: a StateUpdate item for every change of an
// alarm's state (an evaluation's, SetAlarmState's), a ConfigurationUpdate item when an alarm is
// created, updated (PutMetricAlarm again, Enable/DisableAlarmActions) or deleted. Like
// CloudWatch's, it outlives the alarm ("CloudWatch retains the history of an alarm even if you
// delete the alarm") and goes after 30 days; the local one also keeps at most maxHistory items,
// the oldest going first. Alarms are evaluated when read (alarms.go), so a read of the history
// evaluates the alarms it covers first, and each StateUpdate carries the time at which the
// periodic evaluation would have made it.

// History item types.
const (
	HistoryStateUpdate         = "StateUpdate"
	HistoryConfigurationUpdate = "ConfigurationUpdate"
	HistoryAction              = "Action" // alarm actions are not run locally: never recorded
)

// HistoryItem is one item of an alarm's history.
type HistoryItem struct {
	AlarmName string
	Type      string // StateUpdate, ConfigurationUpdate
	Summary   string // "Alarm updated from OK to ALARM", "Alarm \"x\" created"
	Data      string // JSON
	At        time.Time
	seq       uint64 // order of recording: ties of At, and page tokens
}

// History retention: CloudWatch keeps 30 days; the local store also bounds the count.
const (
	historyRetention = 30 * 24 * time.Hour
	maxHistory       = 20_000
)

// record appends an item to the book's history, dropping what is past retention or over the
// bound. The caller holds the book's lock.
func (b *alarmBook) record(name, kind, summary string, data any, at, now time.Time) {
	raw, _ := json.Marshal(data)
	b.seq++
	b.history = append(b.history, HistoryItem{AlarmName: name, Type: kind, Summary: summary, Data: string(raw), At: at, seq: b.seq})
	cut := 0
	for cut < len(b.history) && (len(b.history)-cut > maxHistory || b.history[cut].At.Before(now.Add(-historyRetention))) {
		cut++
	}
	if cut > 0 {
		b.history = append(b.history[:0:0], b.history[cut:]...)
	}
}

// stateChanged records r's change from old to r.status, if its state changed, and queues that
// state's actions (alarm_actions.go). The caller holds the book's lock.
func (b *alarmBook) stateChanged(r *alarmRecord, old AlarmStatus, now time.Time) {
	if old.Value == r.status.Value {
		return
	}
	b.record(r.cfg.Name, HistoryStateUpdate, fmt.Sprintf("Alarm updated from %s to %s", old.Value, r.status.Value),
		map[string]any{"version": "1.0", "oldState": stateData(old), "newState": stateData(r.status)}, r.status.UpdatedAt, now)
	b.queueActions(r, old)
}

// stateData is a state as the history's JSON has it: its reason data as an object, not a string.
func stateData(s AlarmStatus) map[string]any {
	m := map[string]any{"stateValue": s.Value, "stateReason": s.Reason}
	if s.ReasonData != "" {
		m["stateReasonData"] = json.RawMessage(s.ReasonData)
	}
	return m
}

// recordConfig records a creation (old nil), an update, or a deletion (deleted) of the alarm
// whose configuration is cur. An update names the fields it changed, with their former values,
// and is not recorded when it changed none. The caller holds the book's lock.
func (b *alarmBook) recordConfig(old, cur *Alarm, deleted bool, at time.Time) {
	arn := AlarmARN(cur.Name)
	switch {
	case deleted:
		b.record(cur.Name, HistoryConfigurationUpdate, fmt.Sprintf("Alarm %q deleted", cur.Name),
			map[string]any{"version": "1.0", "type": "Delete", "deletedAlarm": cur.historyConfig(arn, at)}, at, at)
	case old == nil:
		b.record(cur.Name, HistoryConfigurationUpdate, fmt.Sprintf("Alarm %q created", cur.Name),
			map[string]any{"version": "1.0", "type": "Create", "createdAlarm": cur.historyConfig(arn, at)}, at, at)
	default:
		before, after := old.historyConfig(arn, at), cur.historyConfig(arn, at)
		changed := map[string]any{}
		for k, v := range before {
			if k != "timestamp" && !reflect.DeepEqual(v, after[k]) {
				changed[k] = v
			}
		}
		for k := range after {
			if _, ok := before[k]; !ok {
				changed[k] = nil
			}
		}
		if len(changed) == 0 {
			return
		}
		b.record(cur.Name, HistoryConfigurationUpdate, fmt.Sprintf("Alarm %q updated", cur.Name),
			map[string]any{"version": "1.0", "type": "Update", "updatedAlarm": after, "originalUpdatedFields": changed}, at, at)
	}
}

// historyConfig is the alarm's configuration as its history's JSON has it (camelCase members,
// only those set), at the time of the change.
func (a *Alarm) historyConfig(arn string, at time.Time) map[string]any {
	m := map[string]any{
		"alarmName": a.Name, "alarmArn": arn, "actionsEnabled": a.actionsEnabled(),
		"alarmActions": nonNil(a.AlarmActions), "oKActions": nonNil(a.OKActions), "insufficientDataActions": nonNil(a.InsufficientDataActions),
		"evaluationPeriods": a.EvaluationPeriods, "datapointsToAlarm": a.DatapointsToAlarm, "threshold": a.Threshold,
		"comparisonOperator": a.ComparisonOperator, "treatMissingData": a.TreatMissingData,
		"timestamp": at.UTC().Format("2006-01-02T15:04:05.000+0000"),
	}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("alarmDescription", a.Description)
	set("namespace", a.Namespace)
	set("metricName", a.MetricName)
	set("statistic", a.Statistic)
	set("extendedStatistic", a.ExtendedStatistic)
	set("unit", a.Unit)
	set("evaluateLowSampleCountPercentile", a.EvaluateLowSampleCountPercentile)
	if a.Period > 0 {
		m["period"] = int64(a.Period / time.Second)
	}
	if len(a.Dimensions) > 0 {
		m["dimensions"] = dimensionsJSON(a.Dimensions)
	}
	if len(a.Metrics) > 0 {
		m["metrics"] = a.metricsJSON()
	}
	return m
}

// dimensionsJSON is a metric's dimensions as the history's and the notifications' JSON have them,
// sorted by name.
func dimensionsJSON(d map[string]string) []map[string]string {
	dims := make([]map[string]string, 0, len(d))
	for _, k := range slices.Sorted(maps.Keys(d)) {
		dims = append(dims, map[string]string{"name": k, "value": d[k]})
	}
	return dims
}

// metricsJSON is a metric-math alarm's queries as the history's and the notifications' JSON have
// them.
func (a *Alarm) metricsJSON() []map[string]any {
	var qs []map[string]any
	for _, q := range a.Metrics {
		e := map[string]any{"id": q.ID, "returnData": q.ReturnData}
		if q.Expression != "" {
			e["expression"] = q.Expression
		}
		if q.Label != "" {
			e["label"] = q.Label
		}
		if ms := q.MetricStat; ms != nil {
			e["metricStat"] = map[string]any{"metric": map[string]any{"namespace": ms.Namespace, "name": ms.Name, "dimensions": dimensionsJSON(ms.Dimensions)},
				"period": int64(ms.Period / time.Second), "stat": ms.Stat}
		}
		qs = append(qs, e)
	}
	return qs
}

// HistoryFilter selects items of the history; its zero value selects all.
type HistoryFilter struct {
	AlarmName  string    // one alarm's, when set
	Type       string    // StateUpdate, ConfigurationUpdate or Action, when set
	Start, End time.Time // At within [Start, End], each when set
	Ascending  bool      // oldest first (ScanBy TimestampAscending); else newest first
}

// AlarmHistory evaluates the alarms the filter covers up to now and returns their history's items
// that it selects, in its order.
func (s *Store) AlarmHistory(f HistoryFilter) []HistoryItem {
	b := &s.alarms
	b.mu.Lock()
	defer b.mu.Unlock()
	now := s.now()
	for name, r := range b.m {
		if f.AlarmName == "" || f.AlarmName == name {
			s.catchUp(r, now)
		}
	}
	var out []HistoryItem
	for _, h := range b.history {
		if h.At.Before(now.Add(-historyRetention)) {
			continue // past retention, though nothing recorded since took it away
		}
		if (f.AlarmName == "" || h.AlarmName == f.AlarmName) && (f.Type == "" || h.Type == f.Type) &&
			(f.Start.IsZero() || !h.At.Before(f.Start)) && (f.End.IsZero() || !h.At.After(f.End)) {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At) == f.Ascending
		}
		return (out[i].seq < out[j].seq) == f.Ascending
	})
	return out
}

// historyKey is an item's place in a scan: the page token's "last item answered".
func (h HistoryItem) historyKey() string {
	return fmt.Sprintf("%020d.%09d.%020d", h.At.Unix(), h.At.Nanosecond(), h.seq)
}
