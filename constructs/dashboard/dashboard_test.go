package dashboard_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/chaoslab/serverless-chaos-lab/constructs/dashboard"
	"github.com/chaoslab/serverless-chaos-lab/internal/cdktest"
)

// One Node child serves every test in this binary; close it once at the end.
func TestMain(m *testing.M) { cdktest.Main(m) }

// names are plain strings here, so the dashboard body is plain JSON (no tokens) and every dimension
// can be checked exactly.
func names() *dashboard.DashboardProps {
	return &dashboard.DashboardProps{
		DashboardName: "chaos-lab", JsonQueueName: "json-q", CsvQueueName: "csv-q", ErrorQueueName: "err-q",
		TopicName: "csv-topic", FunctionName: "etl-fn", TableName: "chaos-data",
	}
}

// body synthesizes a dashboard and returns its decoded DashboardBody.
func body(t *testing.T, props *dashboard.DashboardProps) map[string]any {
	t.Helper()
	// A concrete environment keeps the widgets' region literal, so the body is plain JSON.
	env := &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}}
	tmpl := cdktest.SynthStack(t, env, func(stack awscdk.Stack) { dashboard.NewDashboard(stack, "Dashboard", props) })
	var raw string
	cdktest.Guard(t, func() {
		tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
		tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Dashboard"), map[string]any{"DashboardName": "chaos-lab"})
		for _, r := range (*tmpl.ToJSON())["Resources"].(map[string]any) {
			raw = flatten(r.(map[string]any)["Properties"].(map[string]any)["DashboardBody"])
		}
	})
	var b map[string]any
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		t.Fatalf("DashboardBody is not JSON: %v\n%s", err, raw)
	}
	return b
}

// flatten resolves a DashboardBody: a string, or an Fn::Join whose references are shown as <Ref>.
func flatten(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if j, ok := v["Fn::Join"].([]any); ok {
			var b strings.Builder
			for _, part := range j[1].([]any) {
				b.WriteString(flatten(part))
			}
			return b.String()
		}
		raw, _ := json.Marshal(v)
		return "<" + strings.ReplaceAll(string(raw), `"`, "'") + ">"
	}
	return fmt.Sprint(v)
}

// widget is the part of a CloudWatch widget the tests read.
type widget struct {
	Type       string `json:"type"`
	Properties struct {
		Title   string  `json:"title"`
		View    string  `json:"view"`
		Period  float64 `json:"period"`
		Metrics [][]any `json:"metrics"`
		YAxis   map[string]struct {
			Label     string `json:"label"`
			ShowUnits *bool  `json:"showUnits"`
		} `json:"yAxis"`
	} `json:"properties"`
}

func widgets(t *testing.T, b map[string]any) []widget {
	t.Helper()
	raw, _ := json.Marshal(b["widgets"])
	var ws []widget
	if err := json.Unmarshal(raw, &ws); err != nil {
		t.Fatal(err)
	}
	return ws
}

// metricLine is one entry of a widget's "metrics" array: either
// [namespace, name, dimName, dimValue, {options}] or [{expression, label, ...}].
func describe(line []any) string {
	var parts []string
	for _, x := range line {
		switch x := x.(type) {
		case map[string]any:
			if e, ok := x["expression"]; ok {
				parts = append(parts, fmt.Sprintf("expr=%v", e))
			}
			if s, ok := x["stat"]; ok {
				parts = append(parts, fmt.Sprintf("stat=%v", s))
			}
			if id, ok := x["id"]; ok {
				parts = append(parts, fmt.Sprintf("id=%v", id))
			}
			if v, ok := x["visible"]; ok && v == false {
				parts = append(parts, "hidden")
			}
		default:
			parts = append(parts, fmt.Sprint(x))
		}
	}
	return strings.Join(parts, " ")
}

func TestDashboardHasEverySeedWidget(t *testing.T) {
	// GIVEN resource names WHEN the dashboard is synthesized THEN it has the seed's widgets: trend and
	// single value of the three percentages, queue traffic, symbol writes, SNS, the error queue, and the
	// function's duration/errors/invocations/throttles/concurrency, all at the seed's 300 s period.
	ws := widgets(t, body(t, names()))
	byTitle := map[string][]string{}
	for _, w := range ws {
		if w.Properties.Period != 300 {
			t.Errorf("%q: period %v, want 300", w.Properties.Title, w.Properties.Period)
		}
		key := w.Properties.Title
		if w.Properties.View == "singleValue" {
			key += " (single value)"
		}
		for _, m := range w.Properties.Metrics {
			byTitle[key] = append(byTitle[key], describe(m))
		}
	}
	cases := []struct {
		name   string
		widget string
		want   string // a substring of one metric line
	}{
		{name: "in-flight trend", widget: "In flight %", want: "expr=" + dashboard.InFlightExpression},
		{name: "complete trend", widget: "Complete %", want: "expr=" + dashboard.CompleteExpression},
		{name: "error trend", widget: "Error %", want: "expr=" + dashboard.ErrorRateExpression},
		{name: "in-flight value", widget: "In flight % (single value)", want: "expr=" + dashboard.InFlightExpression},
		{name: "complete value", widget: "Complete % (single value)", want: "expr=" + dashboard.CompleteExpression},
		{name: "error value", widget: "Error % (single value)", want: "expr=" + dashboard.ErrorRateExpression},
		{name: "json sent", widget: "JSON queue", want: "AWS/SQS NumberOfMessagesSent QueueName json-q"},
		{name: "json received", widget: "JSON queue", want: "AWS/SQS NumberOfMessagesReceived QueueName json-q"},
		{name: "csv sent", widget: "CSV queue", want: "AWS/SQS NumberOfMessagesSent QueueName csv-q"},
		{name: "csv received", widget: "CSV queue", want: "AWS/SQS NumberOfMessagesReceived QueueName csv-q"},
		{name: "symbol writes", widget: "Symbol writes", want: "ChaosTransformer SymbolWriteCount DynamoDBTable chaos-data"},
		{name: "sns failed", widget: "CSV notifications (SNS)", want: "AWS/SNS NumberOfNotificationsFailed TopicName csv-topic"},
		{name: "sns delivered", widget: "CSV notifications (SNS)", want: "AWS/SNS NumberOfNotificationsDelivered TopicName csv-topic"},
		{name: "sns published", widget: "CSV notifications (SNS)", want: "AWS/SNS NumberOfMessagesPublished TopicName csv-topic"},
		{name: "error queue visible", widget: "Error queue", want: "AWS/SQS ApproximateNumberOfMessagesVisible QueueName err-q"},
		{name: "error queue age", widget: "Error queue", want: "AWS/SQS ApproximateAgeOfOldestMessage QueueName err-q"},
		{name: "faults injected", widget: "Faults injected", want: "ChaosTransformer FaultsInjected FunctionName etl-fn"},
		{name: "duration", widget: "Function duration (ms)", want: "AWS/Lambda Duration FunctionName etl-fn"},
		{name: "errors", widget: "Function invocations", want: "AWS/Lambda Errors FunctionName etl-fn"},
		{name: "invocations", widget: "Function invocations", want: "AWS/Lambda Invocations FunctionName etl-fn"},
		{name: "throttles", widget: "Function invocations", want: "AWS/Lambda Throttles FunctionName etl-fn"},
		// Spelled as AWS publishes it; the seed's misspelling never showed data.
		{name: "concurrency", widget: "Function concurrency", want: "AWS/Lambda ConcurrentExecutions FunctionName etl-fn"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines, ok := byTitle[c.widget]
			if !ok {
				t.Fatalf("no widget %q; have %v", c.widget, keys(byTitle))
			}
			for _, l := range lines {
				if strings.Contains(l, c.want) {
					return
				}
			}
			t.Errorf("widget %q lacks %q:\n%s", c.widget, c.want, strings.Join(lines, "\n"))
		})
	}
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestMetricMathUsesTheSeedsInputs(t *testing.T) {
	// GIVEN the dashboard WHEN the in-flight widget is read THEN its expression's ids are bound to the
	// seed's inputs, summed: jsonSent and csvSent to the queues' NumberOfMessagesSent, symbolWrites to
	// SymbolWriteCount; each input is hidden so only the percentage is drawn.
	ws := widgets(t, body(t, names()))
	var lines []string
	for _, w := range ws {
		if w.Properties.Title == "In flight %" && w.Properties.View != "singleValue" {
			for _, m := range w.Properties.Metrics {
				lines = append(lines, describe(m))
			}
		}
	}
	for _, want := range []string{
		"AWS/SQS NumberOfMessagesSent QueueName json-q stat=Sum id=jsonSent hidden",
		"AWS/SQS NumberOfMessagesSent QueueName csv-q stat=Sum id=csvSent hidden",
		"ChaosTransformer SymbolWriteCount DynamoDBTable chaos-data stat=Sum id=symbolWrites hidden",
		"expr=((2*jsonSent) - (symbolWrites + csvSent)) / (2*jsonSent) * 100",
	} {
		found := false
		for _, l := range lines {
			found = found || strings.Contains(l, want)
		}
		if !found {
			t.Errorf("in-flight widget lacks %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
}

func TestDashboardPeriodAndNamespace(t *testing.T) {
	// GIVEN a one-minute period and another namespace WHEN synthesized THEN every widget uses them.
	p := names()
	p.Period = time.Minute
	p.MetricsNamespace = "MyTeam"
	found := false
	for _, w := range widgets(t, body(t, p)) {
		if w.Properties.Period != 60 {
			t.Errorf("%q: period %v, want 60", w.Properties.Title, w.Properties.Period)
		}
		for _, m := range w.Properties.Metrics {
			found = found || strings.HasPrefix(describe(m), "MyTeam SymbolWriteCount")
		}
	}
	if !found {
		t.Error("SymbolWriteCount is not read from the MyTeam namespace")
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		props *dashboard.DashboardProps
		want  []string
	}{
		{name: "complete", props: names()},
		{name: "nil", props: nil, want: []string{"props are required"}},
		{name: "all names missing and a bad period", props: &dashboard.DashboardProps{Period: 90 * time.Second}, want: []string{
			"JsonQueueName: required", "CsvQueueName: required", "ErrorQueueName: required",
			"TopicName: required", "FunctionName: required", "TableName: required",
			"Period: 1m30s is not a whole number of minutes",
		}},
		{name: "a negative period and a name CloudWatch refuses", props: func() *dashboard.DashboardProps {
			p := names()
			p.Period, p.DashboardName = -5*time.Minute, "chaos lab/orders"
			return p
		}(), want: []string{"Period: -5m0s is negative (0 is the default, 5m0s)",
			`DashboardName: "chaos lab/orders" is not a dashboard name CloudWatch takes (1 to 255 of A-Z, a-z, 0-9, - and _)`}},
		// A token (a name known at deploy, as another construct's attribute) is not judged here.
		{name: "a name that is a token", props: func() *dashboard.DashboardProps {
			p := names()
			p.DashboardName = "team-${Token[TOKEN.123]}"
			return p
		}()},
		{name: "a name of 255", props: func() *dashboard.DashboardProps {
			p := names()
			p.DashboardName = strings.Repeat("a-_9", 63) + "Zz_"
			return p
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.props.Validate()
			if len(c.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// Every graph's axes say what they count, and the metric's own unit is not shown beside it: the
// percentages are metric math, which has no unit, and the error queue's right axis is seconds
// beside a count of messages on its left.
func TestGraphAxesSayWhatTheyCount(t *testing.T) {
	want := map[string]string{
		"In flight %": "left=%", "Complete %": "left=%", "Error %": "left=%",
		"JSON queue": "left=messages", "CSV queue": "left=messages", "Symbol writes": "left=writes",
		"CSV notifications (SNS)": "left=notifications", "Error queue": "left=messages right=seconds", "Faults injected": "left=faults",
		"Function duration (ms)": "left=ms", "Function invocations": "left=invocations", "Function concurrency": "left=executions",
	}
	got := map[string]string{}
	for _, w := range widgets(t, body(t, names())) {
		if w.Properties.View == "singleValue" {
			continue
		}
		var axes []string
		for _, side := range []string{"left", "right"} {
			a, ok := w.Properties.YAxis[side]
			if !ok {
				continue
			}
			if a.ShowUnits == nil || *a.ShowUnits {
				t.Errorf("%q: the %s axis shows the metric's unit beside its label", w.Properties.Title, side)
			}
			axes = append(axes, side+"="+a.Label)
		}
		got[w.Properties.Title] = strings.Join(axes, " ")
	}
	for title, axes := range want {
		if got[title] != axes {
			t.Errorf("%q: axes %q, want %q", title, got[title], axes)
		}
	}
	if len(got) != len(want) {
		t.Errorf("graphs %v, want %d", got, len(want))
	}
}
