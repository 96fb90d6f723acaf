package cloudwatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/pagetoken"
)

// The alarm operations (PutMetricAlarm, DescribeAlarms, DeleteAlarms, SetAlarmState, their history,
// DescribeAlarmsForMetric, Enable/DisableAlarmActions), written once against the
// shapes of alarm_shapes.go like the others in ops.go; the alarms themselves are in alarms.go.

func (a *api) putMetricAlarm(in *putMetricAlarmInput) (*noOutput, error) {
	if in.ThresholdMetricID != "" {
		return nil, invalid("ThresholdMetricId (anomaly detection) is not emulated by the local CloudWatch.")
	}
	if in.EvaluationPeriods == nil {
		return nil, missing("EvaluationPeriods")
	}
	if in.Threshold == nil {
		return nil, missing("Threshold")
	}
	if err := checkDimensions(in.Dimensions, "Dimensions", false); err != nil {
		return nil, err
	}
	al := Alarm{
		Name: in.AlarmName, Description: in.AlarmDescription, ActionsEnabled: in.ActionsEnabled,
		AlarmActions: in.AlarmActions, OKActions: in.OKActions, InsufficientDataActions: in.InsufficientDataActions,
		Namespace: in.Namespace, MetricName: in.MetricName, Dimensions: dimensionMap(in.Dimensions),
		Statistic: in.Statistic, ExtendedStatistic: in.ExtendedStatistic, Unit: in.Unit,
		EvaluationPeriods: int(*in.EvaluationPeriods), Threshold: *in.Threshold,
		ComparisonOperator: in.ComparisonOperator, TreatMissingData: in.TreatMissingData,
		EvaluateLowSampleCountPercentile: in.EvaluateLowSampleCountPercentile,
	}
	if len(in.Dimensions) == 0 {
		al.Dimensions = nil
	}
	if in.Period != nil {
		al.Period = time.Duration(*in.Period) * time.Second
	}
	if in.DatapointsToAlarm != nil {
		al.DatapointsToAlarm = int(*in.DatapointsToAlarm)
		if al.DatapointsToAlarm < 1 {
			return nil, invalid("The value %d for parameter DatapointsToAlarm is invalid: it must be at least 1.", al.DatapointsToAlarm)
		}
	}
	for i, qm := range in.Metrics {
		q, err := queryOf(qm, fmt.Sprintf("Metrics.member.%d", i+1))
		if err != nil {
			return nil, err
		}
		al.Metrics = append(al.Metrics, q)
	}
	if err := a.s.PutAlarm(al); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

var alarmStates = map[string]bool{StateOK: true, StateAlarm: true, StateInsufficientData: true}

// describeAlarmsPage is DescribeAlarms' MaxRecords when not given (and its maximum).
const describeAlarmsPage = 100

func (a *api) describeAlarms(in *describeAlarmsInput) (*describeAlarmsOutput, error) {
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "" {
		return nil, &apiErr{code: "InvalidParameterCombinationException", query: "InvalidParameterCombination", msg: "AlarmNames and AlarmNamePrefix cannot be specified together."}
	}
	if len(in.AlarmNames) > 100 {
		return nil, invalid("The collection AlarmNames must not have a size greater than 100.")
	}
	if in.StateValue != "" && !alarmStates[in.StateValue] {
		return nil, invalid("The value %s for parameter StateValue is invalid (OK, ALARM, INSUFFICIENT_DATA).", in.StateValue)
	}
	// "If you specify ChildrenOfAlarmName, you cannot specify any other parameters in the request
	// except for MaxRecords and NextToken. If you do so, you receive a validation error" (and the
	// same of ParentsOfAlarmName).
	for _, family := range []struct{ field, name, other string }{
		{"ChildrenOfAlarmName", in.ChildrenOfAlarmName, in.ParentsOfAlarmName}, {"ParentsOfAlarmName", in.ParentsOfAlarmName, in.ChildrenOfAlarmName}} {
		if family.name != "" && (family.other != "" || len(in.AlarmNames) > 0 || in.AlarmNamePrefix != "" || len(in.AlarmTypes) > 0 || in.StateValue != "" || in.ActionPrefix != "") {
			return nil, invalid("If %s is specified, no other parameter may be but MaxRecords and NextToken.", family.field)
		}
	}
	page := describeAlarmsPage
	if in.MaxRecords != nil {
		if *in.MaxRecords < 1 || *in.MaxRecords > describeAlarmsPage {
			return nil, invalid("The value %d for parameter MaxRecords is invalid: 1 to 100.", *in.MaxRecords)
		}
		page = int(*in.MaxRecords)
	}
	// A token names this listing (the request's filters) and the last alarm answered: the next page
	// starts after that name however alarms came and went meanwhile, and another listing's is refused.
	listing := pagetoken.Scope("DescribeAlarms", strings.Join(in.AlarmNames, "\n"), in.AlarmNamePrefix,
		strings.Join(in.AlarmTypes, "\n"), in.StateValue, in.ActionPrefix, in.ChildrenOfAlarmName, in.ParentsOfAlarmName)
	after, err := tokenAfter(in.NextToken, listing)
	if err != nil {
		return nil, err
	}
	metricAlarms, err := wantsMetricAlarms(in.AlarmTypes)
	if err != nil {
		return nil, err
	}
	out := &describeAlarmsOutput{MetricAlarms: []metricAlarm{}, CompositeAlarms: []struct{}{}}
	if !metricAlarms || in.ChildrenOfAlarmName != "" || in.ParentsOfAlarmName != "" {
		return out, nil
	}
	wanted := map[string]bool{}
	for _, n := range in.AlarmNames {
		wanted[n] = true
	}
	now := a.s.now()
	b := &a.s.alarms
	b.mu.Lock()
	defer b.mu.Unlock()
	names := make([]string, 0, len(b.m))
	for n := range b.m {
		if (len(wanted) == 0 || wanted[n]) && strings.HasPrefix(n, in.AlarmNamePrefix) && (in.NextToken == "" || n > after) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var matched []*alarmRecord
	for _, n := range names {
		r := b.m[n]
		a.s.catchUp(r, now)
		if in.StateValue != "" && r.status.Value != in.StateValue {
			continue
		}
		if in.ActionPrefix != "" && !hasPrefixed(in.ActionPrefix, r.cfg.AlarmActions, r.cfg.OKActions, r.cfg.InsufficientDataActions) {
			continue
		}
		matched = append(matched, r)
	}
	end := min(page, len(matched))
	for _, r := range matched[:end] {
		out.MetricAlarms = append(out.MetricAlarms, r.shape())
	}
	if end < len(matched) {
		out.NextToken = pagetoken.After(listing, matched[end-1].cfg.Name)
	}
	return out, nil
}

func hasPrefixed(prefix string, lists ...[]string) bool {
	for _, l := range lists {
		for _, s := range l {
			if strings.HasPrefix(s, prefix) {
				return true
			}
		}
	}
	return false
}

// shape is the alarm as DescribeAlarms answers it.
func (r *alarmRecord) shape() metricAlarm {
	c := &r.cfg
	enabled := c.actionsEnabled()
	dtoa := int64(c.DatapointsToAlarm)
	threshold := c.Threshold
	m := metricAlarm{
		AlarmName: c.Name, AlarmArn: r.status.ARN, AlarmDescription: c.Description,
		AlarmConfigurationUpdatedTimestamp: r.configUpdated, ActionsEnabled: enabled,
		OKActions: nonNil(c.OKActions), AlarmActions: nonNil(c.AlarmActions), InsufficientDataActions: nonNil(c.InsufficientDataActions),
		StateValue: r.status.Value, StateReason: r.status.Reason, StateReasonData: r.status.ReasonData,
		StateUpdatedTimestamp: r.status.UpdatedAt, StateTransitionedTimestamp: r.status.UpdatedAt,
		MetricName: c.MetricName, Namespace: c.Namespace, Statistic: c.Statistic, ExtendedStatistic: c.ExtendedStatistic,
		Dimensions: dimensionList(dimsOf(c.Dimensions)), Unit: c.Unit,
		EvaluationPeriods: int64(c.EvaluationPeriods), Threshold: &threshold,
		ComparisonOperator: c.ComparisonOperator, TreatMissingData: c.TreatMissingData,
	}
	if !c.datapointsDefaulted {
		m.DatapointsToAlarm = &dtoa
	}
	sort.Slice(m.Dimensions, func(i, j int) bool { return m.Dimensions[i].Name < m.Dimensions[j].Name })
	if len(c.Metrics) == 0 {
		p := int64(c.Period / time.Second)
		m.Period = &p
	}
	for _, q := range c.Metrics {
		rd := q.ReturnData
		aq := alarmQuery{ID: q.ID, Expression: q.Expression, Label: q.Label, ReturnData: &rd}
		if q.Period > 0 {
			p := int64(q.Period / time.Second)
			aq.Period = &p
		}
		if ms := q.MetricStat; ms != nil {
			dims := dimensionList(dimsOf(ms.Dimensions))
			sort.Slice(dims, func(i, j int) bool { return dims[i].Name < dims[j].Name })
			aq.MetricStat = &alarmMetricStat{Metric: &metric{Namespace: ms.Namespace, MetricName: ms.Name, Dimensions: dims},
				Period: int64(ms.Period / time.Second), Stat: ms.Stat, Unit: ms.Unit}
		}
		m.Metrics = append(m.Metrics, aq)
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *api) deleteAlarms(in *deleteAlarmsInput) (*noOutput, error) {
	if len(in.AlarmNames) == 0 {
		return nil, missing("AlarmNames")
	}
	if len(in.AlarmNames) > 100 {
		return nil, invalid("The collection AlarmNames must not have a size greater than 100.")
	}
	if err := a.s.DeleteAlarms(in.AlarmNames...); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

// setAlarmState is SetAlarmState: the state holds until the alarm's next evaluation
// (Store.SetAlarmState). Its errors are the API reference's: ResourceNotFound for an alarm that
// does not exist, InvalidFormat for StateReasonData that is not JSON.
func (a *api) setAlarmState(in *setAlarmStateInput) (*noOutput, error) {
	for _, f := range []struct{ name, v string }{{"AlarmName", in.AlarmName}, {"StateValue", in.StateValue}, {"StateReason", in.StateReason}} {
		if f.v == "" {
			return nil, missing(f.name)
		}
	}
	switch in.StateValue {
	case StateOK, StateAlarm, StateInsufficientData:
	default:
		return nil, invalid("1 validation error detected: Value '%s' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]", in.StateValue)
	}
	if len(in.StateReason) > 1023 {
		return nil, invalid("1 validation error detected: Value at 'stateReason' failed to satisfy constraint: Member must have length less than or equal to 1023")
	}
	if len(in.StateReasonData) > 4000 {
		return nil, invalid("1 validation error detected: Value at 'stateReasonData' failed to satisfy constraint: Member must have length less than or equal to 4000")
	}
	if in.StateReasonData != "" && !json.Valid([]byte(in.StateReasonData)) {
		return nil, &apiErr{code: "InvalidFormatFault", query: "InvalidFormat", msg: "StateReasonData is not valid JSON"}
	}
	if err := a.s.SetAlarmState(in.AlarmName, in.StateValue, in.StateReason, in.StateReasonData); errors.Is(err, ErrNoSuchAlarm) {
		return nil, &apiErr{code: "ResourceNotFound", query: "ResourceNotFound", status: 404, msg: "Alarm " + in.AlarmName + " does not exist"}
	} else if err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

// describeAlarmHistoryPage is DescribeAlarmHistory's MaxRecords when not given (and its maximum).
const describeAlarmHistoryPage = 100

// describeAlarmHistory is DescribeAlarmHistory (Store.AlarmHistory): newest first unless ScanBy is
// TimestampAscending. A page token names the listing and the last item answered, as
// DescribeAlarms' does.
func (a *api) describeAlarmHistory(in *describeAlarmHistoryInput) (*describeAlarmHistoryOutput, error) {
	page := describeAlarmHistoryPage
	if in.MaxRecords != nil {
		if *in.MaxRecords < 1 || *in.MaxRecords > describeAlarmHistoryPage {
			return nil, invalid("The value %d for parameter MaxRecords is invalid: 1 to 100.", *in.MaxRecords)
		}
		page = int(*in.MaxRecords)
	}
	f := HistoryFilter{AlarmName: in.AlarmName, Type: in.HistoryItemType}
	contributors := false // Contributor Insights alarms' items: the local CloudWatch holds none
	switch in.HistoryItemType {
	case "", HistoryStateUpdate, HistoryConfigurationUpdate, HistoryAction:
	case "AlarmContributorStateUpdate", "AlarmContributorAction":
		contributors = true
	default:
		return nil, invalid("The value %s for parameter HistoryItemType is invalid (ConfigurationUpdate, StateUpdate, Action, AlarmContributorStateUpdate, AlarmContributorAction).", in.HistoryItemType)
	}
	switch in.ScanBy {
	case "", "TimestampDescending":
	case "TimestampAscending":
		f.Ascending = true
	default:
		return nil, invalid("The value %s for parameter ScanBy is invalid (TimestampDescending, TimestampAscending).", in.ScanBy)
	}
	if in.StartDate != nil {
		f.Start = *in.StartDate
	}
	if in.EndDate != nil {
		f.End = *in.EndDate
	}
	if !f.Start.IsZero() && !f.End.IsZero() && f.End.Before(f.Start) {
		return nil, invalid("The parameter EndDate must be greater than or equal to StartDate.")
	}
	metricAlarms, err := wantsMetricAlarms(in.AlarmTypes)
	if err != nil {
		return nil, err
	}
	listing := pagetoken.Scope("DescribeAlarmHistory", in.AlarmName, strings.Join(in.AlarmTypes, "\n"), in.HistoryItemType,
		fmt.Sprint(f.Start.UnixNano(), f.End.UnixNano()), in.ScanBy, in.AlarmContributorID)
	after, err := tokenAfter(in.NextToken, listing)
	if err != nil {
		return nil, err
	}
	out := &describeAlarmHistoryOutput{AlarmHistoryItems: []alarmHistoryItem{}}
	if !metricAlarms || in.AlarmContributorID != "" || contributors {
		return out, nil
	}
	var items []HistoryItem
	for _, h := range a.s.AlarmHistory(f) {
		if k := h.historyKey(); after == "" || (f.Ascending && k > after) || (!f.Ascending && k < after) {
			items = append(items, h)
		}
	}
	end := min(page, len(items))
	for _, h := range items[:end] {
		out.AlarmHistoryItems = append(out.AlarmHistoryItems, alarmHistoryItem{AlarmName: h.AlarmName, AlarmType: "MetricAlarm",
			Timestamp: h.At, HistoryItemType: h.Type, HistorySummary: h.Summary, HistoryData: h.Data})
	}
	if end < len(items) {
		out.NextToken = pagetoken.After(listing, items[end-1].historyKey())
	}
	return out, nil
}

// describeAlarmsForMetric is DescribeAlarmsForMetric: the single-metric alarms on the metric
// (namespace, name and the whole set of dimensions), narrowed by whichever of Statistic,
// ExtendedStatistic, Period and Unit is given. As its API reference says, an alarm on metric math
// that uses the metric is not one of them.
func (a *api) describeAlarmsForMetric(in *describeAlarmsForMetricInput) (*describeAlarmsForMetricOutput, error) {
	if in.MetricName == "" {
		return nil, missing("MetricName")
	}
	if in.Namespace == "" {
		return nil, missing("Namespace")
	}
	if err := checkDimensions(in.Dimensions, "Dimensions", false); err != nil {
		return nil, err
	}
	dims := dimensionMap(in.Dimensions)
	now := a.s.now()
	b := &a.s.alarms
	b.mu.Lock()
	defer b.mu.Unlock()
	out := &describeAlarmsForMetricOutput{MetricAlarms: []metricAlarm{}}
	for _, n := range slices.Sorted(maps.Keys(b.m)) {
		r := b.m[n]
		c := &r.cfg
		if len(c.Metrics) > 0 || c.Namespace != in.Namespace || c.MetricName != in.MetricName || !maps.Equal(c.Dimensions, dims) ||
			in.Statistic != "" && c.Statistic != in.Statistic || in.ExtendedStatistic != "" && c.ExtendedStatistic != in.ExtendedStatistic ||
			in.Period != nil && int64(c.Period/time.Second) != *in.Period || in.Unit != "" && c.Unit != in.Unit {
			continue
		}
		a.s.catchUp(r, now)
		out.MetricAlarms = append(out.MetricAlarms, r.shape())
	}
	return out, nil
}

func (a *api) enableAlarmActions(in *alarmNamesInput) (*noOutput, error) {
	return a.setActionsEnabled(true, in.AlarmNames)
}

func (a *api) disableAlarmActions(in *alarmNamesInput) (*noOutput, error) {
	return a.setActionsEnabled(false, in.AlarmNames)
}

// setActionsEnabled is EnableAlarmActions and DisableAlarmActions: up to 100 names, those that do
// not exist skipped (Store.SetActionsEnabled).
func (a *api) setActionsEnabled(enabled bool, names []string) (*noOutput, error) {
	if len(names) == 0 {
		return nil, missing("AlarmNames")
	}
	if len(names) > 100 {
		return nil, invalid("The collection AlarmNames must not have a size greater than 100.")
	}
	a.s.SetActionsEnabled(enabled, names...)
	return &noOutput{}, nil
}

// wantsMetricAlarms reports whether AlarmTypes asks for metric alarms (as none given does): the
// local CloudWatch holds no composite ones. Another type is refused.
func wantsMetricAlarms(types []string) (bool, error) {
	metric := len(types) == 0
	for _, t := range types {
		switch t {
		case "MetricAlarm":
			metric = true
		case "CompositeAlarm":
		default:
			return false, invalid("The value %s for parameter AlarmTypes is invalid (MetricAlarm, CompositeAlarm).", t)
		}
	}
	return metric, nil
}

// tokenAfter is the last item a NextToken of the listing names ("" without a token); a token of
// another listing is refused.
func tokenAfter(token, listing string) (string, error) {
	if token == "" {
		return "", nil
	}
	last, ok := pagetoken.Last(token, listing)
	if !ok {
		return "", badToken()
	}
	return last, nil
}
