// Package dashboard is the lab's CloudWatch dashboard as one CDK construct: every widget of the seed's
// dashboard (the steady-state percentages as trend and single value, queue traffic, symbol writes, SNS
// deliveries, the error queue, and the function's health), with the seed's metric math.
package dashboard

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/chaoslab/serverless-chaos-lab/constructs/pipeline"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// The seed's steady-state metric math (seeds/original-lab-facts.md), over Sum per period. Ids: jsonSent
// and csvSent are the queues' NumberOfMessagesSent, symbolWrites is ChaosTransformer SymbolWriteCount,
// lambdaErrors is AWS/Lambda Errors. Each document should produce one symbol write and one CSV message,
// hence 2*jsonSent in flight at most.
const (
	InFlightExpression  = "((2*jsonSent) - (symbolWrites + csvSent)) / (2*jsonSent) * 100"
	ErrorRateExpression = "lambdaErrors / jsonSent * 100"
	CompleteExpression  = "symbolWrites / csvSent * 100"
)

// Defaults.
const (
	// DefaultPeriod is the seed's 300 s.
	DefaultPeriod = 5 * time.Minute
	// DefaultMetricsNamespace is where the function publishes SymbolWriteCount (contracts §2).
	DefaultMetricsNamespace = pipeline.MetricsNamespace
)

// DashboardProps names what the dashboard watches. Names may be CDK tokens (e.g. *queue.QueueName()),
// so the dashboard works for resources of this app or for existing ones.
type DashboardProps struct {
	// DashboardName is the physical name. Default: "" (generated; AddOutputs writes it as the stack
	// output DashboardName).
	DashboardName string
	// JsonQueueName, CsvQueueName and ErrorQueueName are the SQS queue names. Required.
	JsonQueueName, CsvQueueName, ErrorQueueName string
	// TopicName is the CSV notification topic's name. Required.
	TopicName string
	// FunctionName is the ETL function's name. Required.
	FunctionName string
	// TableName is the DynamoDB table: SymbolWriteCount's DynamoDBTable dimension. Required.
	TableName string
	// MetricsNamespace holds SymbolWriteCount. Default: "ChaosTransformer".
	MetricsNamespace string
	// Period of every metric, a whole number of minutes. Default: 5 minutes (the seed's 300 s).
	Period time.Duration
}

// PropsFor returns the props that watch a Pipeline.
func PropsFor(p *pipeline.Pipeline) *DashboardProps {
	return &DashboardProps{
		JsonQueueName:  *p.JsonQueue.QueueName(),
		CsvQueueName:   *p.CsvQueue.QueueName(),
		ErrorQueueName: *p.ErrorQueue.QueueName(),
		TopicName:      *p.Topic.TopicName(),
		FunctionName:   *p.Function.FunctionName(),
		TableName:      *p.Table.TableName(),
	}
}

// Validate reports every missing or invalid field at once.
func (p *DashboardProps) Validate() error {
	if p == nil {
		return errors.New("props are required (the names of the resources to watch)")
	}
	var errs []error
	for _, f := range []struct{ name, value string }{
		{"JsonQueueName", p.JsonQueueName}, {"CsvQueueName", p.CsvQueueName}, {"ErrorQueueName", p.ErrorQueueName},
		{"TopicName", p.TopicName}, {"FunctionName", p.FunctionName}, {"TableName", p.TableName},
	} {
		if f.value == "" {
			errs = append(errs, fmt.Errorf("%s: required", f.name))
		}
	}
	switch {
	case p.Period < 0:
		errs = append(errs, fmt.Errorf("Period: %v is negative (0 is the default, %v)", p.Period, DefaultPeriod))
	case p.Period%time.Minute != 0:
		errs = append(errs, fmt.Errorf("Period: %v is not a whole number of minutes", p.Period))
	}
	// CloudWatch's rule for a dashboard's name (PutDashboard), checked here so that the error names
	// the field, not CDK's dashboardName.
	badRune := func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}
	// A token (a name known at deploy) is not judged, as CDK skips its own check for one.
	if n := p.DashboardName; n != "" && !*awscdk.Token_IsUnresolved(&n) && (len(n) > 255 || strings.ContainsFunc(n, badRune)) {
		errs = append(errs, fmt.Errorf("DashboardName: %q is not a dashboard name CloudWatch takes (1 to 255 of A-Z, a-z, 0-9, - and _)", n))
	}
	return errors.Join(errs...)
}

// Dashboard is the lab's dashboard and the steady-state expressions it plots.
type Dashboard struct {
	constructs.Construct
	// Dashboard is the CloudWatch dashboard.
	Dashboard awscloudwatch.Dashboard
	// InFlight, Complete and ErrorRate are the seed's steady-state percentages (metric math).
	InFlight, Complete, ErrorRate awscloudwatch.MathExpression
}

// NewDashboard builds the dashboard. Invalid props fail synth with every problem listed.
func NewDashboard(scope constructs.Construct, id string, props *DashboardProps) *Dashboard {
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("dashboard %q: invalid props:\n%w", id, err))
	}
	v := *props
	if v.MetricsNamespace == "" {
		v.MetricsNamespace = DefaultMetricsNamespace
	}
	if v.Period == 0 {
		v.Period = DefaultPeriod
	}
	period := awscdk.Duration_Seconds(jsii.Number(v.Period.Seconds()))
	c := constructs.NewConstruct(scope, jsii.String(id))
	d := &Dashboard{Construct: c}

	metric := func(namespace, name, dimension, value, statistic, label string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String(namespace),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{dimension: jsii.String(value)},
			Statistic:     jsii.String(statistic),
			Period:        period,
			Label:         jsii.String(label),
		})
	}
	queue := func(queueName, name, statistic, label string) awscloudwatch.Metric {
		return metric("AWS/SQS", name, "QueueName", queueName, statistic, label)
	}
	lambda := func(name, statistic, label string) awscloudwatch.Metric {
		return metric("AWS/Lambda", name, "FunctionName", v.FunctionName, statistic, label)
	}
	sns := func(name, label string) awscloudwatch.Metric {
		return metric("AWS/SNS", name, "TopicName", v.TopicName, "Sum", label)
	}

	jsonSent := queue(v.JsonQueueName, "NumberOfMessagesSent", "Sum", "JSON queue: sent")
	jsonReceived := queue(v.JsonQueueName, "NumberOfMessagesReceived", "Sum", "JSON queue: received")
	csvSent := queue(v.CsvQueueName, "NumberOfMessagesSent", "Sum", "CSV queue: sent")
	csvReceived := queue(v.CsvQueueName, "NumberOfMessagesReceived", "Sum", "CSV queue: received")
	symbolWrites := metric(v.MetricsNamespace, "SymbolWriteCount", "DynamoDBTable", v.TableName, "Sum", "Symbol writes")
	lambdaErrors := lambda("Errors", "Sum", "Errors")

	math := func(expression, label string, using map[string]awscloudwatch.IMetric) awscloudwatch.MathExpression {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(expression),
			UsingMetrics: &using,
			Label:        jsii.String(label),
			Period:       period,
		})
	}
	d.InFlight = math(InFlightExpression, "In flight %", map[string]awscloudwatch.IMetric{
		"jsonSent": jsonSent, "csvSent": csvSent, "symbolWrites": symbolWrites})
	d.Complete = math(CompleteExpression, "Complete %", map[string]awscloudwatch.IMetric{
		"csvSent": csvSent, "symbolWrites": symbolWrites})
	d.ErrorRate = math(ErrorRateExpression, "Error %", map[string]awscloudwatch.IMetric{
		"jsonSent": jsonSent, "lambdaErrors": lambdaErrors})

	// Each graph's axes say what they count (yAxis.<side>.label, the metric's own unit hidden): the
	// metric math has no unit for CloudWatch to show, and a count beside a percentage read as one.
	type axis struct {
		label   string
		metrics []awscloudwatch.IMetric
	}
	yAxis := func(label string) *awscloudwatch.YAxisProps {
		return &awscloudwatch.YAxisProps{Label: jsii.String(label), ShowUnits: jsii.Bool(false)}
	}
	graph := func(title string, width float64, left axis, right ...axis) awscloudwatch.IWidget {
		props := &awscloudwatch.GraphWidgetProps{
			Title:     jsii.String(title),
			Width:     jsii.Number(width),
			Height:    jsii.Number(6),
			Left:      &left.metrics,
			LeftYAxis: yAxis(left.label),
			Period:    period,
		}
		if len(right) > 0 {
			props.Right, props.RightYAxis = &right[0].metrics, yAxis(right[0].label)
		}
		return awscloudwatch.NewGraphWidget(props)
	}
	single := func(title string, m awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewSingleValueWidget(&awscloudwatch.SingleValueWidgetProps{
			Title:   jsii.String(title),
			Width:   jsii.Number(4),
			Height:  jsii.Number(6),
			Metrics: &[]awscloudwatch.IMetric{m},
			Period:  period,
		})
	}
	on := func(label string, m ...awscloudwatch.IMetric) axis { return axis{label, m} }

	rows := [][]awscloudwatch.IWidget{
		// The steady state: trend and current value of each percentage.
		{graph("In flight %", 8, on("%", d.InFlight)), graph("Complete %", 8, on("%", d.Complete)), graph("Error %", 8, on("%", d.ErrorRate))},
		{single("In flight %", d.InFlight), single("Complete %", d.Complete), single("Error %", d.ErrorRate)},
		// Traffic through the pipeline.
		{
			graph("JSON queue", 8, on("messages", jsonSent, jsonReceived)),
			graph("CSV queue", 8, on("messages", csvSent, csvReceived)),
			graph("Symbol writes", 8, on("writes", symbolWrites)),
		},
		{
			graph("CSV notifications (SNS)", 8, on("notifications",
				sns("NumberOfNotificationsFailed", "Failed"),
				sns("NumberOfNotificationsDelivered", "Delivered"),
				sns("NumberOfMessagesPublished", "Published"))),
			graph("Error queue", 8,
				on("messages", queue(v.ErrorQueueName, "ApproximateNumberOfMessagesVisible", "Maximum", "Messages visible")),
				on("seconds", queue(v.ErrorQueueName, "ApproximateAgeOfOldestMessage", "Maximum", "Oldest message age (s)"))),
			// Whether the fault fires at all: a target that names no call the function makes
			// ("dynamodb:PutItems") leaves the pipeline untouched, and the run holds.
			graph("Faults injected", 8, on("faults",
				metric(contract.MetricsNamespace, contract.MetricFaultsInjected, "FunctionName", v.FunctionName, "Sum", "Faults injected"))),
		},
		// The function's health. ConcurrentExecutions is spelled as AWS publishes it (the seed misspelled
		// it, so its widget never showed data).
		{
			graph("Function duration (ms)", 8, on("ms",
				lambda("Duration", "Average", "Average"),
				lambda("Duration", "Maximum", "Maximum"))),
			graph("Function invocations", 8, on("invocations",
				lambda("Invocations", "Sum", "Invocations"),
				lambdaErrors,
				lambda("Throttles", "Sum", "Throttles"))),
			graph("Function concurrency", 8, on("executions", lambda("ConcurrentExecutions", "Maximum", "Concurrent executions"))),
		},
	}
	widgets := make([]*[]awscloudwatch.IWidget, len(rows))
	for i := range rows {
		widgets[i] = &rows[i]
	}
	var name *string
	if v.DashboardName != "" {
		name = jsii.String(v.DashboardName)
	}
	d.Dashboard = awscloudwatch.NewDashboard(c, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   name,
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(1)),
		Widgets:         &widgets,
	})
	return d
}

// AddOutputs writes the stack output DashboardName (docs/contracts.md §1: the id exactly, at the
// stack's scope; one dashboard's per stack), which chaoslab's reports and the local cloud's live
// dashboard read.
func (d *Dashboard) AddOutputs() {
	awscdk.NewCfnOutput(awscdk.Stack_Of(d.Construct), jsii.String("DashboardName"), &awscdk.CfnOutputProps{
		Value: d.Dashboard.DashboardName(), Description: jsii.String("CloudWatch dashboard")})
}
