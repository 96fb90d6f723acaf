package cloudwatch

import "time"

// The CloudWatch API's input and output shapes, as Go structs. Field names are the service model's
// member names (botocore data/cloudwatch/2010-08-01/service-2.json); a `cw:"Name"` tag gives the
// member name where Go spells it differently. Every protocol decodes a request into the input
// struct and encodes the output struct (codec.go), so each operation is written once, against
// these types.
//
// Decoding: a member absent from the request leaves the field at its zero value; pointers tell an
// absent optional member from a zero one. Encoding: a nil pointer or map is omitted; a slice is
// always sent (an empty list when nil) unless tagged `cw:",omitempty"`; a string always.

type dimension struct {
	Name  string
	Value string
}

type metric struct {
	Namespace  string
	MetricName string
	Dimensions []dimension
}

type statisticSet struct {
	SampleCount *float64
	Sum         *float64
	Minimum     *float64
	Maximum     *float64
}

type metricDatum struct {
	MetricName        string
	Dimensions        []dimension
	Timestamp         *time.Time
	Value             *float64
	StatisticValues   *statisticSet
	Values            []float64
	Counts            []float64
	Unit              string
	StorageResolution *int64
}

type putMetricDataInput struct {
	Namespace  string
	MetricData []metricDatum
}

type metricStatShape struct {
	Metric *metric
	Period int64
	Stat   string
	Unit   string
}

type metricDataQuery struct {
	ID         string `cw:"Id"`
	MetricStat *metricStatShape
	Expression string
	Label      string
	ReturnData *bool
	Period     int64
	AccountID  string `cw:"AccountId"`
}

type getMetricDataInput struct {
	MetricDataQueries []metricDataQuery
	StartTime         time.Time
	EndTime           time.Time
	NextToken         string
	ScanBy            string
	MaxDatapoints     *int64
}

type messageData struct {
	Code  string
	Value string
}

type metricDataResult struct {
	ID         string `cw:"Id"`
	Label      string
	Timestamps []time.Time
	Values     []float64
	StatusCode string
	Messages   []messageData
}

type getMetricDataOutput struct {
	MetricDataResults []metricDataResult
	NextToken         string `cw:",omitempty"`
	Messages          []messageData
}

type getMetricStatisticsInput struct {
	Namespace          string
	MetricName         string
	Dimensions         []dimension
	StartTime          time.Time
	EndTime            time.Time
	Period             int64
	Statistics         []string
	ExtendedStatistics []string
	Unit               string
}

type datapoint struct {
	Timestamp          time.Time
	SampleCount        *float64
	Average            *float64
	Sum                *float64
	Minimum            *float64
	Maximum            *float64
	Unit               string
	ExtendedStatistics map[string]float64
}

type getMetricStatisticsOutput struct {
	Label      string
	Datapoints []datapoint
}

type listMetricsInput struct {
	Namespace      string
	MetricName     string
	Dimensions     []dimension // DimensionFilter: an empty Value matches any value
	NextToken      string
	RecentlyActive string
}

type listMetricsOutput struct {
	Metrics   []metric
	NextToken string `cw:",omitempty"`
}

type putDashboardInput struct {
	DashboardName string
	DashboardBody string
}

type dashboardValidationMessage struct {
	DataPath string
	Message  string
}

type putDashboardOutput struct {
	DashboardValidationMessages []dashboardValidationMessage
}

type getDashboardInput struct {
	DashboardName string
}

type getDashboardOutput struct {
	DashboardArn  string
	DashboardBody string
	DashboardName string
}

type listDashboardsInput struct {
	DashboardNamePrefix string
	NextToken           string
}

type dashboardEntry struct {
	DashboardName string
	DashboardArn  string
	LastModified  time.Time
	Size          int64
}

type listDashboardsOutput struct {
	DashboardEntries []dashboardEntry
	NextToken        string `cw:",omitempty"`
}

type deleteDashboardsInput struct {
	DashboardNames []string
}

type deleteDashboardsOutput struct{}

// noOutput is the output of an operation whose model has none (PutMetricData): the query
// protocol sends no <…Result> element for it.
type noOutput struct{}
