package cloudwatch

import "time"

// The alarm operations' input and output shapes (PutMetricAlarm, DescribeAlarms, DeleteAlarms),
// with the same conventions as shapes.go: member names from the service model
// (botocore data/cloudwatch/2010-08-01/service-2.json), pointers for optional members whose zero
// is a value, `cw:",omitempty"` on output members that AWS leaves out when unset.

type tag struct {
	Key   string
	Value string
}

type putMetricAlarmInput struct {
	AlarmName                        string
	AlarmDescription                 string
	ActionsEnabled                   *bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	MetricName                       string
	Namespace                        string
	Statistic                        string
	ExtendedStatistic                string
	Dimensions                       []dimension
	Period                           *int64
	Unit                             string
	EvaluationPeriods                *int64
	DatapointsToAlarm                *int64
	Threshold                        *float64
	ComparisonOperator               string
	TreatMissingData                 string
	EvaluateLowSampleCountPercentile string
	Metrics                          []metricDataQuery
	Tags                             []tag
	ThresholdMetricID                string `cw:"ThresholdMetricId"`
}

type describeAlarmsInput struct {
	AlarmNames      []string
	AlarmNamePrefix string
	AlarmTypes      []string
	StateValue      string
	ActionPrefix    string
	MaxRecords      *int64
	NextToken       string
	// ChildrenOfAlarmName and ParentsOfAlarmName concern composite alarms, which the local
	// CloudWatch does not hold: they match nothing.
	ChildrenOfAlarmName string
	ParentsOfAlarmName  string
}

// alarmMetricStat is MetricStat in an answer: Unit only when set.
type alarmMetricStat struct {
	Metric *metric
	Period int64
	Stat   string
	Unit   string `cw:",omitempty"`
}

// alarmQuery is a MetricDataQuery in an answer: only the members that are set.
type alarmQuery struct {
	ID         string `cw:"Id"`
	MetricStat *alarmMetricStat
	Expression string `cw:",omitempty"`
	Label      string `cw:",omitempty"`
	ReturnData *bool
	Period     *int64
	AccountID  string `cw:"AccountId,omitempty"`
}

type metricAlarm struct {
	AlarmName                          string
	AlarmArn                           string
	AlarmDescription                   string `cw:",omitempty"`
	AlarmConfigurationUpdatedTimestamp time.Time
	ActionsEnabled                     bool
	OKActions                          []string
	AlarmActions                       []string
	InsufficientDataActions            []string
	StateValue                         string
	StateReason                        string
	StateReasonData                    string `cw:",omitempty"`
	StateUpdatedTimestamp              time.Time
	MetricName                         string `cw:",omitempty"`
	Namespace                          string `cw:",omitempty"`
	Statistic                          string `cw:",omitempty"`
	ExtendedStatistic                  string `cw:",omitempty"`
	Dimensions                         []dimension
	Period                             *int64
	Unit                               string `cw:",omitempty"`
	EvaluationPeriods                  int64
	DatapointsToAlarm                  *int64
	Threshold                          *float64
	ComparisonOperator                 string
	TreatMissingData                   string       `cw:",omitempty"`
	Metrics                            []alarmQuery `cw:",omitempty"`
	StateTransitionedTimestamp         time.Time
}

type describeAlarmsOutput struct {
	MetricAlarms    []metricAlarm
	CompositeAlarms []struct{}
	NextToken       string `cw:",omitempty"`
}

type deleteAlarmsInput struct {
	AlarmNames []string
}

type setAlarmStateInput struct {
	AlarmName, StateValue, StateReason, StateReasonData string
}

type describeAlarmHistoryInput struct {
	AlarmName       string
	AlarmTypes      []string
	HistoryItemType string
	StartDate       *time.Time
	EndDate         *time.Time
	MaxRecords      *int64
	NextToken       string
	ScanBy          string
	// AlarmContributorId concerns Contributor Insights alarms, which the local CloudWatch does
	// not hold: it matches nothing.
	AlarmContributorID string `cw:"AlarmContributorId"`
}

type alarmHistoryItem struct {
	AlarmName       string
	AlarmType       string
	Timestamp       time.Time
	HistoryItemType string
	HistorySummary  string
	HistoryData     string
}

type describeAlarmHistoryOutput struct {
	AlarmHistoryItems []alarmHistoryItem
	NextToken         string `cw:",omitempty"`
}

type describeAlarmsForMetricInput struct {
	MetricName        string
	Namespace         string
	Statistic         string
	ExtendedStatistic string
	Dimensions        []dimension
	Period            *int64
	Unit              string
}

type describeAlarmsForMetricOutput struct {
	MetricAlarms []metricAlarm
}

// alarmNamesInput is EnableAlarmActions' and DisableAlarmActions' input.
type alarmNamesInput struct {
	AlarmNames []string
}
