package fis_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/experiments/fis"
)

const (
	function  = "ChaosLab-Etl"
	faultName = "/ChaosLab/fault"
)

// env is the stack's outputs, as the CLI passes them to Compile.
var env = experiments.EnvFromOutputs(map[string]string{
	"TopicName": "ChaosLab-Topic", "JsonQueueName": "ChaosLab-Json", "CsvQueueName": "ChaosLab-Csv",
	"TableName": "ChaosLab-Table", "FunctionName": function, "BucketName": "chaos-bucket", "FaultParameterName": faultName,
})

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func alarms(t *testing.T) []fis.Alarm {
	t.Helper()
	as, err := fis.ParseAlarms(read(t, "describe-alarms.json"))
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// withAlarm is add-delay.json with its stop condition naming alarm instead.
func withAlarm(t *testing.T, alarm string) []byte {
	t.Helper()
	return []byte(strings.Replace(string(read(t, "add-delay.json")), "alarm:ChaosLab-EtlErrors", "alarm:"+alarm, 1))
}

// metricAlarm is a one-metric alarm of the ETL function's metric (AWS/Lambda, 60 s periods, 3 of
// them, missing data not breaching).
func metricAlarm(name, metric, stat, op string, threshold float64) fis.Alarm {
	fn := []experiments.Dimension{{Name: "FunctionName", Value: function}}
	return fis.Alarm{AlarmName: name, Namespace: "AWS/Lambda", MetricName: metric, Statistic: stat, Dimensions: fn,
		Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: ptr(threshold), ComparisonOperator: op, TreatMissingData: "notBreaching"}
}

// withAlarms adds alarms to the options' alarms.
func withAlarms(as ...fis.Alarm) func(o *fis.Options) {
	return func(o *fis.Options) { o.Alarms = append(o.Alarms, as...) }
}

// args decodes an activity's provider arguments.
func args(t *testing.T, a experiments.Activity) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.Provider.Arguments, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func value(t *testing.T, a experiments.Activity) string {
	t.Helper()
	b, _ := json.Marshal(args(t, a)["value"])
	return string(b)
}

func methodSummary(t *testing.T, e *experiments.Experiment) []string {
	t.Helper()
	var out []string
	for _, a := range e.Method {
		pause := 0.0
		if a.Pauses != nil {
			pause = a.Pauses.After.N
		}
		out = append(out, a.Name+" "+strings.TrimSuffix(strings.TrimSuffix(jsonString(pause), ".0"), "")+"s "+value(t, a))
	}
	return out
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func guardOf(t *testing.T, e *experiments.Experiment) string {
	t.Helper()
	for _, raw := range e.Extensions {
		var ext struct {
			Name  string `json:"name"`
			Guard struct {
				Probe string `json:"probe"`
			} `json:"guard"`
		}
		if err := json.Unmarshal(raw, &ext); err == nil && ext.Name == "chaoslab" {
			return ext.Guard.Probe
		}
	}
	return ""
}

func TestTranslate(t *testing.T) {
	exp1, err := experiments.LoadDefinition("exp_1-minor_delay")
	if err != nil {
		t.Fatal(err)
	}
	leadingWait := []byte(`{"targets": {"fn": {"resourceType": "aws:lambda:function", "resourceArns": ["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"], "selectionMode": "ALL"}},
		"actions": {
			"settle": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT1M"}},
			"slowdown": {"actionId": "aws:lambda:invocation-add-delay", "parameters": {"duration": "PT2M"}, "targets": {"Functions": "fn"}, "startAfter": ["settle"]}},
		"stopConditions": [{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"}]}`)
	tests := []struct {
		name     string
		template []byte
		opts     func(o *fis.Options)
		method   []string // name, pause, value of every method action
		probes   []string // hypothesis probe names
		guard    string
		check    func(t *testing.T, e *experiments.Experiment, c *experiments.Compiled)
	}{
		{name: "invocation-add-delay, by ARN, alarm stop condition", template: read(t, "add-delay.json"),
			method: []string{`slowdown 300s {"latency":{"enabled":true,"max_latency":3000,"min_latency":3000,"percentage":50}}`},
			probes: []string{"alarm ChaosLab-EtlErrors"}, guard: "alarm ChaosLab-EtlErrors",
			check: func(t *testing.T, e *experiments.Experiment, c *experiments.Compiled) {
				if e.Title != "Slow half of the ETL invocations by 3 s for 5 minutes" || e.Name != "fis-template.json" {
					t.Errorf("title %q name %q", e.Title, e.Name)
				}
				if strings.Join(e.Tags, ",") != "aws-fis,Name=slow-etl,team=etl" {
					t.Errorf("tags %v", e.Tags)
				}
				if !strings.Contains(e.Description, "Not carried over") || !strings.Contains(e.Description, "roleArn") {
					t.Errorf("description %q", e.Description)
				}
				if len(e.Rollbacks) != 1 || value(t, e.Rollbacks[0]) != `{"isEnabled":false}` || args(t, e.Rollbacks[0])["name"] != experiments.SeedFaultParameter {
					t.Errorf("rollbacks %+v", e.Rollbacks)
				}
				p := c.SteadyState.Probes[0]
				if p.Tolerance.Min != -math.MaxFloat64 || p.Tolerance.Max != 0 || p.NoData != experiments.NoDataZero || p.WindowSeconds != 120 {
					t.Errorf("alarm probe %+v", p)
				}
				ms := p.MetricDataQueries[0].MetricStat
				if ms.Metric.Namespace != "AWS/Lambda" || ms.Metric.MetricName != "Errors" || ms.Stat != "Sum" || ms.Metric.Dimensions[0].Value != function {
					t.Errorf("alarm metric %+v", ms)
				}
				if !c.Guard.Enabled || c.Guard.Probe.Name != "alarm ChaosLab-EtlErrors" || c.Method[0].Parameter != experiments.SeedFaultParameter {
					t.Errorf("guard %+v, parameter %s", c.Guard, c.Method[0].Parameter)
				}
			}},
		{name: "the get-experiment-template wrapper, tags target, error then HTTP response, a lent hypothesis", template: read(t, "get-experiment-template.json"),
			opts: func(o *fis.Options) {
				o.FunctionTags = map[string]string{"app": "chaoslab", "stage": "lab"}
				o.Hypothesis = exp1
			},
			method: []string{
				`errors 120s {"exception":{"enabled":true,"exception_msg":"Injected by AWS FIS action errors (aws:lambda:invocation-error)","percentage":20}}`,
				`unavailable 180s {"statuscode":{"enabled":true,"percentage":10,"status_code":503}}`,
			},
			probes: []string{"zero-sns-errors", "messages-in-flight", "normal-error-rates"},
			check: func(t *testing.T, e *experiments.Experiment, c *experiments.Compiled) {
				if e.Name != "fis-EXT4Bq9wVd2Lm8ReZ.json" || e.Title != "Errors, then HTTP 503 answers from the ETL function" {
					t.Errorf("name %q title %q", e.Name, e.Title)
				}
				if !strings.Contains(e.Description, "logConfiguration") || !strings.Contains(e.Description, "experimentOptions") || c.Guard.Enabled {
					t.Errorf("description %q guard %+v", e.Description, c.Guard)
				}
			}},
		{name: "startAfter: delay, wait, then errors beside a second delay; an alarm in the Metrics form",
			template: []byte(strings.Replace(string(read(t, "sequence.json")), "alarm:ChaosLab-ErrorRate", "alarm:ChaosLab-ErrorCount", 1)),
			method: []string{
				`first-delay 120s {"latency":{"enabled":true,"max_latency":1500,"min_latency":1500,"percentage":100}}`,
				`no fault (quiet) 60s {"isEnabled":false}`,
				`errors + second-delay 90s {"exception":{"enabled":true,"exception_msg":"Injected by AWS FIS action errors (aws:lambda:invocation-error)","percentage":100},"latency":{"enabled":true,"max_latency":1000,"min_latency":1000,"percentage":100}}`,
				`errors 90s {"exception":{"enabled":true,"exception_msg":"Injected by AWS FIS action errors (aws:lambda:invocation-error)","percentage":100}}`,
			},
			probes: []string{"alarm ChaosLab-ErrorCount"}, guard: "alarm ChaosLab-ErrorCount",
			check: func(t *testing.T, e *experiments.Experiment, c *experiments.Compiled) {
				p := c.SteadyState.Probes[0]
				if p.Tolerance.Max != math.Nextafter(5, math.Inf(-1)) || p.Tolerance.Max >= 5 || p.WindowSeconds != 180 || len(p.MetricDataQueries) != 1 {
					t.Errorf("Metrics-form probe %+v", p)
				}
				if !strings.Contains(p.Query, "AWS/Lambda Errors{FunctionName=ChaosLab-Etl} Sum") {
					t.Errorf("query %q", p.Query)
				}
				var origin struct {
					Name    string           `json:"name"`
					Actions []map[string]any `json:"actions"`
				}
				_ = json.Unmarshal(e.Extensions[len(e.Extensions)-1], &origin)
				if origin.Name != fis.ExtensionName || len(origin.Actions) != 4 || origin.Actions[2]["startSeconds"] != 180.0 || origin.Actions[2]["flag"] != "exception" {
					t.Errorf("origin %+v", origin)
				}
			}},
		{name: "a leading wait is the first fault's pause before, so the window after starts at the fault", template: leadingWait,
			method: []string{`slowdown 120s {"latency":{"enabled":true,"max_latency":1000,"min_latency":1000,"percentage":100}}`},
			probes: []string{"alarm ChaosLab-EtlErrors"}, guard: "alarm ChaosLab-EtlErrors",
			check: func(t *testing.T, e *experiments.Experiment, c *experiments.Compiled) {
				// The machine starts the window after the method at method[0]'s inForceAt.
				if len(c.Method) != 1 || c.Method[0].PauseBeforeSeconds != 60 || !strings.Contains(string(c.Method[0].Value), `"latency":{"enabled":true`) {
					t.Errorf("method: %d actions, the first %q writes %s after %d s", len(c.Method), c.Method[0].Name, c.Method[0].Value, c.Method[0].PauseBeforeSeconds)
				}
			}},
		{name: "a Maximum compared with GreaterThan", template: withAlarm(t, "ChaosLab-Slowest"),
			opts: func(o *fis.Options) {
				a := metricAlarm("ChaosLab-Slowest", "Duration", "Maximum", "GreaterThanThreshold", 2500)
				a.Unit, a.EvaluationPeriods = "Milliseconds", 5
				o.Alarms = append(o.Alarms, a)
			},
			method: []string{`slowdown 300s {"latency":{"enabled":true,"max_latency":3000,"min_latency":3000,"percentage":50}}`},
			probes: []string{"alarm ChaosLab-Slowest"}, guard: "alarm ChaosLab-Slowest",
			check: func(t *testing.T, e *experiments.Experiment, c *experiments.Compiled) {
				p := c.SteadyState.Probes[0]
				ms := p.MetricDataQueries[0].MetricStat
				if ms.Stat != "Maximum" || ms.Unit != "Milliseconds" || p.Tolerance.Max != 2500 || p.WindowSeconds != 300 {
					t.Errorf("Maximum probe %+v %+v", p, ms)
				}
			}},
		{name: "a Minimum compared with LessThan", template: withAlarm(t, "ChaosLab-Idle"),
			opts: withAlarms(func() fis.Alarm {
				a := metricAlarm("ChaosLab-Idle", "Invocations", "Minimum", "LessThanThreshold", 1)
				a.TreatMissingData = "breaching"
				return a
			}()),
			method: []string{`slowdown 300s {"latency":{"enabled":true,"max_latency":3000,"min_latency":3000,"percentage":50}}`},
			probes: []string{"alarm ChaosLab-Idle"}, guard: "alarm ChaosLab-Idle",
			check: func(t *testing.T, e *experiments.Experiment, c *experiments.Compiled) {
				if p := c.SteadyState.Probes[0]; p.Tolerance.Min != 1 || p.NoData != experiments.NoDataFail {
					t.Errorf("Minimum probe %+v", p)
				}
			}},
		{name: "the function's ARN, account and region checked", template: read(t, "add-delay.json"),
			opts:   func(o *fis.Options) { o.FunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:" + function },
			method: []string{`slowdown 300s {"latency":{"enabled":true,"max_latency":3000,"min_latency":3000,"percentage":50}}`},
			probes: []string{"alarm ChaosLab-EtlErrors"}, guard: "alarm ChaosLab-EtlErrors"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := fis.Options{FunctionName: function, Alarms: alarms(t)}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			e, problems, err := fis.Translate(tc.template, opts)
			if err != nil || len(problems) > 0 {
				t.Fatalf("err %v, problems:\n%s", err, (&experiments.Error{Problems: problems}).Error())
			}
			if got := methodSummary(t, e); strings.Join(got, "\n") != strings.Join(tc.method, "\n") {
				t.Errorf("method:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.method, "\n"))
			}
			var probes []string
			for _, p := range e.SteadyState.Probes {
				probes = append(probes, p.Name)
			}
			if strings.Join(probes, ",") != strings.Join(tc.probes, ",") || guardOf(t, e) != tc.guard {
				t.Errorf("probes %v guard %q, want %v %q", probes, guardOf(t, e), tc.probes, tc.guard)
			}
			if err := experiments.Validate(e); err != nil {
				t.Fatal(err)
			}
			c, err := experiments.Compile(e, experiments.CompileOptions{FaultParameterName: faultName, Env: env})
			if err != nil {
				t.Fatal(err)
			}
			// The experiment survives being written and read back (what the CLI does).
			b, err := json.MarshalIndent(e, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			back, err := experiments.Parse(b, e.Name, e.FS, e.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := experiments.Validate(back); err != nil {
				t.Fatalf("written and read back: %v\n%s", err, b)
			}
			if tc.check != nil {
				tc.check(t, e, c)
			}
		})
	}
}

// TestExpiryFollowsOverrides: an imported template's faults get their expiry from the compiler,
// like any experiment's (the rest of the method + the margin), so -pause and -expiry-margin
// (Overrides.Pause, ExpiryMargin) set it: a fault never expires before its pause ends.
func TestExpiryFollowsOverrides(t *testing.T) {
	sequence := []byte(strings.Replace(string(read(t, "sequence.json")), "alarm:ChaosLab-ErrorRate", "alarm:ChaosLab-ErrorCount", 1))
	tests := []struct {
		name      string
		template  []byte
		overrides experiments.Overrides
		want      []int // each method action's expiresAfterSeconds (0: none, a fault-free write)
	}{
		{name: "the template's durations", template: read(t, "add-delay.json"), want: []int{300 + 120}},
		{name: "-pause 10m", template: read(t, "add-delay.json"),
			overrides: experiments.Overrides{Pause: 10 * time.Minute}, want: []int{600 + 120}},
		{name: "-pause 10m -expiry-margin 30s", template: read(t, "add-delay.json"),
			overrides: experiments.Overrides{Pause: 10 * time.Minute, ExpiryMargin: 30 * time.Second}, want: []int{600 + 30}},
		{name: "stretches 120, 60 (a wait), 90, 90 s; -expiry-margin 30s", template: sequence,
			overrides: experiments.Overrides{ExpiryMargin: 30 * time.Second}, want: []int{360 + 30, 0, 180 + 30, 90 + 30}},
		{name: "stretches, -pause 1m", template: sequence,
			overrides: experiments.Overrides{Pause: time.Minute}, want: []int{240 + 120, 0, 120 + 120, 60 + 120}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, problems, err := fis.Translate(tc.template, fis.Options{FunctionName: function, Alarms: alarms(t)})
			if err != nil || len(problems) > 0 {
				t.Fatalf("err %v, problems %+v", err, problems)
			}
			c, err := experiments.Compile(e, experiments.CompileOptions{FaultParameterName: faultName, Env: env, Overrides: tc.overrides})
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, a := range c.Method {
				var v struct {
					ExpiresAfterSeconds int `json:"expiresAfterSeconds"`
				}
				if err := json.Unmarshal(a.Value, &v); err != nil {
					t.Fatal(err)
				}
				got = append(got, v.ExpiresAfterSeconds)
			}
			if jsonString(got) != jsonString(tc.want) {
				t.Errorf("expiresAfterSeconds %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTranslateProblems(t *testing.T) {
	twoDelays := []byte(`{"targets": {"fn": {"resourceType": "aws:lambda:function", "resourceArns": ["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"], "selectionMode": "ALL"}},
		"actions": {
			"a": {"actionId": "aws:lambda:invocation-add-delay", "parameters": {"duration": "PT2M"}, "targets": {"Functions": "fn"}},
			"b": {"actionId": "aws:lambda:invocation-add-delay", "parameters": {"duration": "PT1M"}, "targets": {"Functions": "fn"}}},
		"stopConditions": [{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"}]}`)
	cycle := []byte(`{"targets": {}, "actions": {
			"a": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT1M"}, "startAfter": ["b"]},
			"b": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT1M"}, "startAfter": ["a"]}},
		"stopConditions": [{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"}]}`)
	lessMinimum := fis.Alarm{AlarmName: "ChaosLab-FewWrites", Namespace: "ChaosTransformer", MetricName: "SymbolWriteCount",
		Statistic: "Minimum", Period: 60, EvaluationPeriods: 1, Threshold: ptr(1), ComparisonOperator: "LessThanThreshold"}

	tests := []struct {
		name     string
		template []byte
		opts     func(o *fis.Options)
		want     map[string]string // path → part of the reason; every one must be reported
		only     bool              // and nothing else
	}{
		{name: "everything this lab cannot translate", template: read(t, "problems.json"), only: true, want: map[string]string{
			"unknownMember":                                     "unknown member",
			"targets.instances.resourceType":                    `"aws:ec2:instance" is not translated`,
			"targets.other-function.resourceArns[0]":            `names function "SomeoneElsesFunction", not the stack's function "ChaosLab-Etl"`,
			"targets.etl.selectionMode":                         "PERCENT(50)",
			"actions.stop-instances.actionId":                   "aws:ec2:stop-instances is not translated",
			"actions.elsewhere.targets.Functions":               `target "other-function" does not select the stack's function`,
			"actions.slowdown.targets.Functions":                `target "etl" does not select`,
			"actions.slowdown.parameters.invocationPercentage":  "want a string",
			"actions.slowdown.parameters.foo":                   "has no parameter foo",
			"actions.slowdown.parameters.duration":              `"5 minutes" is not an ISO 8601 duration`,
			"actions.run-then-fail.parameters.preventExecution": `"false" (run the function, then answer the fault) is not translated`,
			"actions.run-then-fail.targets.Functions":           `target "etl" does not select`,
			"actions.teapot.parameters.statusCode":              "999 is not translated",
			"actions.teapot.targets.Functions":                  `target "etl" does not select`,
			"actions.short-wait.parameters.duration":            "from one minute to 12 hours",
			"actions.short-wait.startAfter[0]":                  `no action is named "nobody"`,
			"actions.months.parameters.duration":                "years, months and weeks are not translated",
			"stopConditions[0].value":                           `alarm "NoSuchAlarm" does not exist`,
			"stopConditions[1].source":                          `"aws:cloudwatch:composite-alarm" is not translated`,
			"experimentOptions.accountTargeting":                `"multi-account" is not translated`,
		}},
		// A typo of an action it translates is said as one.
		{name: "a misspelt Lambda action", template: []byte(strings.Replace(string(read(t, "add-delay.json")), `"aws:lambda:invocation-add-delay"`, `"aws:lambda:invocation-add-dely"`, 1)),
			want: map[string]string{"actions.slowdown.actionId": "aws:lambda:invocation-add-dely is no FIS action: did you mean aws:lambda:invocation-add-delay?"}},
		// DescribeAlarms answered none (import-fis -alarms with []): the alarm is missing, said
		// once; the template has an alarm stop condition, so not "no alarm stop condition" too.
		{name: "the stop condition's alarm not described", template: read(t, "add-delay.json"), only: true,
			opts: func(o *fis.Options) { o.Alarms = nil },
			want: map[string]string{"stopConditions[0].value": `does not exist`}},
		{name: "a stop condition's value that is no alarm ARN", only: true,
			template: []byte(strings.Replace(string(read(t, "add-delay.json")), "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors", "ChaosLab-EtlErrors", 1)),
			want:     map[string]string{"stopConditions[0].value": `is not a CloudWatch alarm ARN`}},
		// Only a wait: nothing would be injected, said of the template (not of the method it would make).
		{name: "waits only", only: true, template: []byte(`{"actions": {"w": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT2M"}}}, "targets": {},
			"stopConditions": [{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"}]}`),
			want: map[string]string{"actions": "no action injects a fault (aws:fis:wait only delays what starts after it)"}},
		// Misspelt, the stop conditions are the unknown member's news, not "no alarm stop condition" too.
		{name: "StopConditions misspelt", only: true,
			template: []byte(strings.Replace(string(read(t, "add-delay.json")), `"stopConditions"`, `"StopConditions"`, 1)),
			want:     map[string]string{"StopConditions": `unknown member of an experiment template; did you mean "stopConditions"?`}},
		{name: "two delays at once", template: twoDelays, want: map[string]string{
			"actions.b": "runs at the same time as actions.a (from 0s to 60s), and both are failure-lambda's latency flag"}, only: true},
		{name: "a startAfter cycle", template: cycle, want: map[string]string{"actions.a.startAfter": "cycle: a → b → a"}, only: true},
		// The guard judges one value over its whole window; the alarm, DatapointsToAlarm of
		// EvaluationPeriods periods. Every form whose whole-window value can stay within the
		// threshold while the alarm goes to ALARM is refused.
		{name: "a total compared with LessThan", template: withAlarm(t, "ChaosLab-LowTraffic"), only: true, want: map[string]string{
			"stopConditions[0].value": `alarm "ChaosLab-LowTraffic": a Sum compared with LessThanThreshold is not translated`}},
		{name: "a ratio in metric math (2 of 3 minutes at 6 % alarm; the window's 3 % would not)", template: withAlarm(t, "ChaosLab-ErrorRate"), only: true, want: map[string]string{
			"stopConditions[0].value": `alarm "ChaosLab-ErrorRate": metric math (query "rate": 100 * errors / invocations) is not translated`}},
		{name: "a percentile", template: withAlarm(t, "ChaosLab-SlowP99"), only: true, want: map[string]string{
			"stopConditions[0].value": `alarm "ChaosLab-SlowP99": a p99 compared with GreaterThanThreshold is not translated`}},
		{name: "an Average", template: withAlarm(t, "ChaosLab-SlowAverage"), only: true,
			opts: withAlarms(metricAlarm("ChaosLab-SlowAverage", "Duration", "Average", "GreaterThanOrEqualToThreshold", 2000)),
			want: map[string]string{"stopConditions[0].value": `alarm "ChaosLab-SlowAverage": an Average compared with GreaterThanOrEqualToThreshold is not translated: the lab's probe judges one Average over its whole window`}},
		{name: "a Minimum compared with GreaterThan", template: withAlarm(t, "ChaosLab-AlwaysSlow"), only: true,
			opts: withAlarms(metricAlarm("ChaosLab-AlwaysSlow", "Duration", "Minimum", "GreaterThanThreshold", 2000)),
			want: map[string]string{"stopConditions[0].value": `a Minimum compared with GreaterThanThreshold is not translated`}},
		{name: "a Maximum compared with LessThan", template: withAlarm(t, "ChaosLab-NoneFast"), only: true,
			opts: withAlarms(func() fis.Alarm {
				a := metricAlarm("ChaosLab-NoneFast", "Duration", "Maximum", "LessThanOrEqualToThreshold", 10)
				a.TreatMissingData = "breaching"
				return a
			}()),
			want: map[string]string{"stopConditions[0].value": `a Maximum compared with LessThanOrEqualToThreshold is not translated`}},
		{name: "a total compared with LessThan, in the Metrics form", template: withAlarm(t, "ChaosLab-LowTrafficMetrics"), only: true,
			opts: withAlarms(func() fis.Alarm {
				a := metricAlarm("ChaosLab-LowTrafficMetrics", "Invocations", "Sum", "LessThanThreshold", 1)
				a.TreatMissingData = "breaching"
				a.Metrics = []experiments.MetricDataQuery{{Id: "m1", MetricStat: &experiments.MetricStat{
					Metric: experiments.Metric{Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions}, Period: 60, Stat: "Sum"}}}
				a.Namespace, a.MetricName, a.Statistic, a.Dimensions, a.Period = "", "", "", nil, 0
				return a
			}()),
			want: map[string]string{"stopConditions[0].value": `a Sum compared with LessThanThreshold is not translated`}},
		{name: "no data would breach", template: withAlarm(t, "ChaosLab-FewWrites"), only: true,
			opts: func(o *fis.Options) { o.Alarms = append(o.Alarms, lessMinimum) },
			want: map[string]string{"stopConditions[0].value": "with no data the probe counts 0, which LessThanThreshold the threshold 1"}},
		{name: "a composite alarm", template: withAlarm(t, "ChaosLab-AnyTrouble"), only: true, want: map[string]string{
			"stopConditions[0].value": "a composite alarm is not translated"}},
		{name: "tags without the function's tags", template: read(t, "get-experiment-template.json"), want: map[string]string{
			"targets.etl-by-tag.resourceTags": "the stack function's tags are not known"}},
		{name: "a tag not among those given", template: read(t, "get-experiment-template.json"),
			opts: func(o *fis.Options) { o.FunctionTags = map[string]string{"team": "etl"} },
			want: map[string]string{"targets.etl-by-tag.resourceTags.app": "has no tag app among the tags given (chaoslab import-fis -function-tag), so this target selects another function (or none); if the function has it, add -function-tag app=chaoslab"}},
		{name: "tags the function does not have", template: read(t, "get-experiment-template.json"),
			opts: func(o *fis.Options) { o.FunctionTags = map[string]string{"app": "other"} },
			want: map[string]string{"targets.etl-by-tag.resourceTags.app": "has the tag app=other (as given with -function-tag), not app=chaoslab"}},
		// A value of the wrong type is told once, not again as what it then lacks.
		{name: "actions and stop conditions of the wrong type", only: true,
			template: []byte(`{"targets": {}, "actions": [], "stopConditions": {"source": "none"}}`),
			want:     map[string]string{"actions": "want an object of named actions", "stopConditions": "want a list of"}},
		{name: "misspelt members get the member they may be",
			template: []byte(strings.Replace(strings.Replace(string(read(t, "add-delay.json")), `"stopConditions"`, `"stopCondition"`, 1), `"actionId"`, `"actionID"`, 1)),
			want: map[string]string{"stopCondition": `unknown member of an experiment template; did you mean "stopConditions"?`,
				"actions.slowdown.actionID": `unknown member of an action; did you mean "actionId"?`}},
		// Read while translating, after the template's own problems were taken: they were lost, and
		// the template imported with no id and a made-up title.
		{name: "a description and an id that are not strings", only: true,
			template: []byte(strings.Replace(string(read(t, "add-delay.json")), `"description": "Slow half`, `"id": 123, "description": 5, "x": "Slow half`, 1)),
			want:     map[string]string{"id": "want a string", "description": "want a string", "x": "unknown member"}},
		{name: "another account's function of the same name", template: read(t, "add-delay.json"), only: true,
			opts: func(o *fis.Options) { o.FunctionARN = "arn:aws:lambda:us-east-1:000000000000:function:" + function },
			want: map[string]string{"targets.EtlFunction.resourceArns[0]": "another account's or region's function",
				"actions.slowdown.targets.Functions": `target "EtlFunction" does not select the stack's function`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := fis.Options{FunctionName: function, Alarms: alarms(t)}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			e, problems, err := fis.Translate(tc.template, opts)
			if err != nil {
				t.Fatal(err)
			}
			if e != nil {
				t.Errorf("an experiment beside problems")
			}
			got := map[string][]string{}
			for _, p := range problems {
				got[p.Path] = append(got[p.Path], p.Reason)
			}
			for path, reason := range tc.want {
				if !strings.Contains(strings.Join(got[path], " | "), reason) {
					t.Errorf("%s: got %q, want a reason containing %q", path, got[path], reason)
				}
			}
			if tc.only {
				for path, reasons := range got {
					if _, ok := tc.want[path]; !ok || len(reasons) != 1 {
						t.Errorf("unexpected problem %s: %q (want one, of the reason %q)", path, reasons, tc.want[path])
					}
				}
			}
		})
	}
}

func ptr(f float64) *float64 { return &f }

func TestNotATemplate(t *testing.T) {
	for _, in := range []string{`[1, 2]`, `{"Resources": {}}`, `not json`, `{"experimentTemplate": {"actions": {}}, "x": 1}`} {
		if _, _, err := fis.Translate([]byte(in), fis.Options{FunctionName: function}); !errors.Is(err, fis.ErrNotTemplate) {
			t.Errorf("%s: err = %v, want ErrNotTemplate", in, err)
		}
	}
	if _, _, err := fis.Translate([]byte(`[{"actionId": "x"}]`), fis.Options{FunctionName: function}); !errors.Is(err, fis.ErrNotTemplate) || !strings.HasSuffix(err.Error(), "want a JSON object, got JSON array") {
		t.Errorf("an array: err = %v, want ErrNotTemplate saying what it got", err)
	}
	if _, _, err := fis.Translate([]byte(" \n"), fis.Options{FunctionName: function}); !errors.Is(err, fis.ErrNotTemplate) || !strings.HasSuffix(err.Error(), ": the file is empty") {
		t.Errorf("an empty file: err = %v, want ErrNotTemplate saying the file is empty", err)
	}
	// A JSON syntax error says where it is (a truncated file said "unexpected EOF" alone).
	for in, want := range map[string]string{
		"{\n  \"actions\": {\n": ": line 3 column 1: unexpected end of JSON input",
		"{\"a\": 1,\n \"b\": }": ": line 2 column 7: invalid character '}' looking for beginning of value",
		"[":                     ": line 1 column 2: unexpected end of JSON input",
		"{x":                    ": line 1 column 2: invalid character 'x' looking for beginning of object key string",
	} {
		if _, _, err := fis.Translate([]byte(in), fis.Options{FunctionName: function}); !errors.Is(err, fis.ErrNotTemplate) || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%q: err = %v, want ErrNotTemplate ending %q", in, err, want)
		}
	}
	if _, _, err := fis.Translate(read(t, "add-delay.json"), fis.Options{}); err == nil {
		t.Error("no function name: want an error")
	}
}

func TestAlarmNamesAndCheckAlarms(t *testing.T) {
	tpl := read(t, "problems.json")
	names, err := fis.AlarmNames(tpl)
	if err != nil || strings.Join(names, ",") != "NoSuchAlarm" {
		t.Fatalf("AlarmNames = %v, %v", names, err)
	}
	ps, err := fis.CheckAlarms(tpl, alarms(t), "(DescribeAlarms did not return it)")
	if err != nil || len(ps) != 1 || ps[0].Path != "stopConditions[0].value" || !strings.Contains(ps[0].Reason, `"NoSuchAlarm" does not exist`) {
		t.Fatalf("CheckAlarms = %+v, %v", ps, err)
	}
	if ps, _ := fis.CheckAlarms(read(t, "add-delay.json"), alarms(t), "(DescribeAlarms did not return it)"); len(ps) != 0 {
		t.Errorf("CheckAlarms of an existing alarm: %+v", ps)
	}
	if names, _ := fis.AlarmNames(read(t, "get-experiment-template.json")); len(names) != 0 {
		t.Errorf("source none names no alarm: %v", names)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want float64 // seconds; < 0: an error
	}{
		{"PT5M", 300}, {"PT1H30M", 5400}, {"PT90S", 90}, {"PT0.5S", 0.5}, {"P1D", 86400}, {"P1DT1M", 86460}, {"PT1.5M", 90},
		{"P", -1}, {"PT", -1}, {"P1DT", -1}, {"5M", -1}, {"PT5m", -1}, {"P1M", -1}, {"P1W", -1}, {"P1Y", -1}, {"PT-5M", -1}, {"", -1},
	}
	for _, tc := range tests {
		d, err := fis.ParseDuration(tc.in)
		if (err != nil) != (tc.want < 0) || (err == nil && d.Seconds() != tc.want) {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v s", tc.in, d, err, tc.want)
		}
	}
}

// An empty resourceTags ({}) or resourceArns ([]) beside the other selects nothing: the target is
// read from the member that selects, not refused as giving both.
func TestEmptyTargetMemberIsNotGiven(t *testing.T) {
	template := read(t, "add-delay.json")
	withEmptyTags := bytes.Replace(template, []byte(`"resourceArns": [`), []byte(`"resourceTags": {}, "resourceArns": [`), 1)
	if bytes.Equal(withEmptyTags, template) {
		t.Fatal("add-delay.json has no resourceArns")
	}
	e, problems, err := fis.Translate(withEmptyTags, fis.Options{FunctionName: function, Alarms: alarms(t)})
	if err != nil || len(problems) > 0 || e == nil {
		t.Errorf("resourceArns beside an empty resourceTags: %v %v", problems, err)
	}
}

// FIS's Lambda extension applies conflicting actions one at a time: "If two identical or
// conflicting actions are applied to the same function, then only the action with the earliest
// start date will be applied", and its example of a conflicting pair is invocation-error and
// invocation-http-integration-response (FIS user guide, use-lambda-actions, "Understanding
// concurrency"). failure-lambda's exception and statuscode flags are different flags that both
// roll on every invocation, so writing them together is not what FIS runs.
func TestConflictingLambdaActions(t *testing.T) {
	const head = `{"targets": {"fn": {"resourceType": "aws:lambda:function", "resourceArns": ["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"], "selectionMode": "ALL"}},
		"stopConditions": [{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"}],
		"actions": {
			"errors": {"actionId": "aws:lambda:invocation-error", "parameters": {"duration": "PT3M", "invocationPercentage": "20", "preventExecution": "true"}, "targets": {"Functions": "fn"}},
			"settle": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT1M"}},
			"unavailable": {"actionId": "aws:lambda:invocation-http-integration-response", "targets": {"Functions": "fn"},
				"parameters": {"duration": "PT3M", "invocationPercentage": "10", "preventExecution": "true", "statusCode": "503", "contentTypeHeader": "application/json"}`
	for name, tc := range map[string]struct{ startAfter, want string }{
		"both at the start":        {"", "runs at the same time as actions.errors (from 0s to 180s)"},
		"the second a minute late": {`, "startAfter": ["settle"]`, "runs at the same time as actions.errors (from 60s to 180s)"},
		"one after the other":      {`, "startAfter": ["errors"]`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			tpl := []byte(head + tc.startAfter + "}}}")
			e, problems, err := fis.Translate(tpl, fis.Options{FunctionName: function, Alarms: alarms(t)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(problems) > 0 {
					t.Fatalf("problems %v", problems)
				}
				if got := methodSummary(t, e); len(got) != 2 || !strings.HasPrefix(got[1], "unavailable 180s") {
					t.Errorf("method %q", got)
				}
				return
			}
			var reasons []string
			for _, p := range problems {
				if p.Path == "actions.unavailable" && strings.Contains(p.Reason, tc.want) && strings.Contains(p.Reason, "earliest start") {
					return
				}
				reasons = append(reasons, p.Path+": "+p.Reason)
			}
			if e != nil {
				t.Errorf("translated with both flags on at once: %q", methodSummary(t, e))
			}
			t.Errorf("want a problem at actions.unavailable with %q, got %q", tc.want, reasons)
		})
	}
}

// CloudFormation's AWS::FIS::ExperimentTemplate, as CDK and SAM apps define FIS templates (its
// members in PascalCase), is read as the API's JSON in each of its forms: a template holding one
// such resource, the resource alone, its Properties. It translates as the same template in the
// API's spelling does; an intrinsic function where nothing is translated (RoleArn, the log
// configuration) stands unread.
func TestCloudFormationForms(t *testing.T) {
	opts := fis.Options{FunctionName: function, Alarms: alarms(t), Name: "fis-template.json"}
	wantJSON := addDelayWithLogs(t, opts)
	var doc struct {
		Resources map[string]json.RawMessage
	}
	whole := read(t, "cloudformation.json")
	if err := json.Unmarshal(whole, &doc); err != nil {
		t.Fatal(err)
	}
	var resource struct{ Properties json.RawMessage }
	if err := json.Unmarshal(doc.Resources["SlowEtl"], &resource); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		form, from string
		data       []byte
	}{
		{"a template", "the CloudFormation template's resource SlowEtl", whole},
		{"the resource", "a CloudFormation AWS::FIS::ExperimentTemplate resource", doc.Resources["SlowEtl"]},
		{"its Properties", "a CloudFormation AWS::FIS::ExperimentTemplate's Properties", resource.Properties},
	} {
		if from := fis.Form(c.data); from != c.from {
			t.Errorf("%s: Form = %q, want %q", c.form, from, c.from)
		}
		names, err := fis.AlarmNames(c.data)
		if err != nil || len(names) != 1 || names[0] != "ChaosLab-EtlErrors" {
			t.Errorf("%s: AlarmNames = %v, %v", c.form, names, err)
		}
		got, problems, err := fis.Translate(c.data, opts)
		if err != nil || len(problems) > 0 {
			t.Errorf("%s: %v %v", c.form, err, problems)
			continue
		}
		if gotJSON, _ := experiments.MarshalFile(got); !bytes.Equal(gotJSON, wantJSON) {
			t.Errorf("%s: translated as\n%s\nwant (the API's spelling)\n%s", c.form, gotJSON, wantJSON)
		}
	}
	if from := fis.Form(read(t, "add-delay.json")); from != "" {
		t.Errorf("the API's JSON: Form = %q, want none", from)
	}
}

// A template in YAML (a SAM or CloudFormation template.yaml, `aws fis get-experiment-template
// --output yaml`) is read as the JSON it stands for: the CloudFormation form's unquoted numbers are
// the strings FIS takes, its short tags the long forms (!GetAtt where nothing is translated stands
// unread; where a value is translated it is the problem the long form is), anchors followed.
func TestYAMLTemplates(t *testing.T) {
	opts := fis.Options{FunctionName: function, Alarms: alarms(t), Name: "fis-template.json"}
	wantJSON := addDelayWithLogs(t, opts)
	yml := read(t, "cloudformation.yaml")
	if from := fis.Form(yml); from != "the CloudFormation template's resource SlowEtl" {
		t.Errorf("Form = %q", from)
	}
	if names, err := fis.AlarmNames(yml); err != nil || !slices.Equal(names, []string{"ChaosLab-EtlErrors"}) {
		t.Errorf("AlarmNames = %v, %v", names, err)
	}
	got, problems, err := fis.Translate(yml, opts)
	if err != nil || len(problems) > 0 {
		t.Fatalf("the YAML template: %v %v", err, problems)
	}
	if gotJSON, _ := experiments.MarshalFile(got); !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("the YAML template translated as\n%s\nwant (the JSON's)\n%s", gotJSON, wantJSON)
	}
	if r, err := fis.Resource(yml, "SlowEtl"); err != nil || !strings.Contains(string(r), `"invocationPercentage":50`) {
		t.Errorf("Resource of the YAML template: %s, %v", r, err)
	}

	// The API's form in YAML (get-experiment-template --output yaml) takes its strings as FIS does:
	// an unquoted 50 there is refused, as the API refuses it.
	apiYAML := "experimentTemplate:\n  id: EXT1a2b3c\n  targets:\n    EtlFunction:\n      resourceType: aws:lambda:function\n" +
		"      resourceArns: [arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl]\n      selectionMode: ALL\n" +
		"  actions:\n    slowdown:\n      actionId: aws:lambda:invocation-add-delay\n      parameters: {duration: PT5M, invocationPercentage: 50}\n" +
		"      targets: {Functions: EtlFunction}\n  stopConditions:\n  - source: aws:cloudwatch:alarm\n" +
		"    value: arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors\n"
	if _, problems, err := fis.Translate([]byte(apiYAML), opts); err != nil || len(problems) != 1 ||
		problems[0].Path != "actions.slowdown.parameters.invocationPercentage" || !strings.Contains(problems[0].Reason, "want a string") {
		t.Errorf("the API's form in YAML with an unquoted number: %v %v, want it refused as the API does", err, problems)
	}
	quoted := strings.Replace(apiYAML, "invocationPercentage: 50", `invocationPercentage: "50"`, 1)
	if e, problems, err := fis.Translate([]byte(quoted), opts); err != nil || len(problems) > 0 || e.Name != "fis-template.json" {
		t.Errorf("the API's form in YAML: %v %v", err, problems)
	}

	// A short tag where a value is translated is the problem its long form is, at its path.
	tagged := strings.Replace(string(yml), "- &etl arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl", "- !GetAtt EtlFn.Arn", 1)
	if _, problems, err := fis.Translate([]byte(tagged), opts); err != nil || len(problems) != 1 ||
		problems[0].Path != "targets.EtlFunction.resourceArns[0]" || !strings.Contains(problems[0].Reason, "(Fn::GetAtt)") {
		t.Errorf("!GetAtt where the function's ARN is: %v %v", err, problems)
	}

	for _, c := range []struct{ name, data, want string }{
		{"bad YAML", "Resources:\n  A: [1,\n", "read as YAML (it is not JSON): line"},
		{"two documents", "actions: {}\n---\nactions: {}\n", "several documents"},
		{"an SSM document", "description: Stop an instance\nschemaVersion: '0.3'\nmainSteps:\n  - name: stop\n    action: aws:changeInstanceState\n", "an SSM document"},
		{"an unknown tag", "actions: !Frobnicate x\n", "line 1: the tag !Frobnicate is no CloudFormation function"},
		{"a billion laughs", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
			"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nactions: [*e, *e]\n", "over 100000 YAML nodes"},
	} {
		if _, _, err := fis.Translate([]byte(c.data), opts); !errors.Is(err, fis.ErrNotTemplate) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrNotTemplate saying %q", c.name, err, c.want)
		}
	}
}

// Several alarm stop conditions: each a probe of the hypothesis, and the guard checks all of them,
// as FIS stops the experiment when any goes to ALARM.
func TestSeveralAlarmsGuardTogether(t *testing.T) {
	opts := fis.Options{FunctionName: function, Alarms: alarms(t)}
	two := []byte(strings.Replace(string(read(t, "add-delay.json")), `"stopConditions": [`,
		`"stopConditions": [{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-ErrorCount"},`, 1))
	e, problems, err := fis.Translate(two, opts)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	var names []string
	for _, p := range e.SteadyState.Probes {
		names = append(names, p.Name)
	}
	if want := "alarm ChaosLab-ErrorCount,alarm ChaosLab-EtlErrors"; strings.Join(names, ",") != want {
		t.Errorf("hypothesis probes %v, want %s", names, want)
	}
	c, err := experiments.Compile(e, experiments.CompileOptions{Env: env, FaultParameterName: faultName})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Guard.Probes) != 2 || c.Guard.Probes[0].Name != "alarm ChaosLab-ErrorCount" || c.Guard.Probes[1].Name != "alarm ChaosLab-EtlErrors" {
		t.Errorf("guard %+v, want both alarms' probes", c.Guard)
	}
}

// A contentTypeHeader other than the flag's own is translated, and the description says how.
func TestContentTypeIsSaid(t *testing.T) {
	opts := fis.Options{FunctionName: function, Alarms: alarms(t)}
	tpl := strings.Replace(string(read(t, "add-delay.json")), `"aws:lambda:invocation-add-delay"`, `"aws:lambda:invocation-http-integration-response"`, 1)
	tpl = strings.Replace(tpl, `"startupDelayMilliseconds": "3000"`, `"preventExecution": "true", "statusCode": "503", "contentTypeHeader": "text/html"`, 1)
	e, problems, err := fis.Translate([]byte(tpl), opts)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if !strings.Contains(e.Description, `Translated as near as it goes: action slowdown's contentTypeHeader "text/html" is answered as application/json`) {
		t.Errorf("description %q, want the content type said", e.Description)
	}
	// A byte-order mark before the JSON (Windows editors write one) is not the template's.
	if _, problems, err := fis.Translate(append([]byte("\ufeff"), read(t, "add-delay.json")...), opts); err != nil || len(problems) > 0 {
		t.Errorf("with a byte-order mark: %v %v", err, problems)
	}
}

// CloudFormation passes a number or a boolean where FIS takes a string as that string: a
// template's "invocationPercentage": 50 is "50" (the API's JSON refuses it, as the API does).
// A parameter of the wrong type is told once: as such, not also as missing.
func TestCloudFormationScalarsAreStrings(t *testing.T) {
	opts := fis.Options{FunctionName: function, Alarms: alarms(t)}
	cfn := strings.Replace(string(read(t, "cloudformation.json")), `"invocationPercentage": "50"`, `"invocationPercentage": 50`, 1)
	cfn = strings.Replace(cfn, `"team": "etl"`, `"team": 5, "ok": true`, 1)
	if e, problems, err := fis.Translate([]byte(cfn), opts); err != nil || len(problems) > 0 {
		t.Errorf("a CloudFormation number: %v %v", err, problems)
	} else if !slices.Contains(e.Tags, "team=5") || !slices.Contains(e.Tags, "ok=true") {
		t.Errorf("tags %v, want team=5 and ok=true", e.Tags)
	}
	cfnErr := strings.Replace(string(read(t, "cloudformation.json")), `"aws:lambda:invocation-add-delay"`, `"aws:lambda:invocation-error"`, 1)
	cfnErr = strings.Replace(cfnErr, `"invocationPercentage": "50", "startupDelayMilliseconds": "3000"`, `"invocationPercentage": 50, "preventExecution": true`, 1)
	if e, problems, err := fis.Translate([]byte(cfnErr), opts); err != nil || len(problems) > 0 {
		t.Errorf("a CloudFormation boolean: %v %v", err, problems)
	} else if v := value(t, e.Method[0]); !strings.Contains(v, `"exception"`) {
		t.Errorf("the error action's write %s, want the exception flag", v)
	}
	api := strings.Replace(string(read(t, "add-delay.json")), `"aws:lambda:invocation-add-delay"`, `"aws:lambda:invocation-error"`, 1)
	api = strings.Replace(api, `"startupDelayMilliseconds": "3000"`, `"preventExecution": true`, 1)
	_, problems, err := fis.Translate([]byte(api), opts)
	if err != nil || len(problems) != 1 || problems[0].Path != "actions.slowdown.parameters.preventExecution" || !strings.Contains(problems[0].Reason, "want a string") {
		t.Errorf("the API's JSON with a boolean: %v %v, want it refused once, as a boolean (not also as missing)", err, problems)
	}
}

// An intrinsic function where a value is translated cannot be resolved: one problem at its path
// (not a second about the placeholder), saying to import the deployed template. Several FIS
// resources in one template, or none, are told apart.
func TestCloudFormationUnresolved(t *testing.T) {
	opts := fis.Options{FunctionName: function, Alarms: alarms(t)}
	data := strings.Replace(string(read(t, "cloudformation.json")), `["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"]`,
		`[{"Fn::GetAtt": ["EtlFn", "Arn"]}]`, 1)
	data = strings.Replace(data, `"invocationPercentage": "50"`, `"invocationPercentage": {"Ref": "Percent"}`, 1)
	_, problems, err := fis.Translate([]byte(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"targets.EtlFunction.resourceArns[0]":              "a CloudFormation intrinsic function (Fn::GetAtt), which import-fis cannot resolve: import the deployed template (aws fis get-experiment-template --id <its id> prints it resolved)",
		"actions.slowdown.parameters.invocationPercentage": "a CloudFormation intrinsic function (Ref)",
	}
	if len(problems) != len(want) {
		t.Errorf("problems %v, want one for each intrinsic function", problems)
	}
	for _, p := range problems {
		if w, ok := want[p.Path]; !ok || !strings.Contains(p.Reason, w) {
			t.Errorf("problem %s: %s; want %q", p.Path, p.Reason, w)
		}
	}
	two := strings.Replace(string(read(t, "cloudformation.json")), `"FisRole": {`, `"Other": {"Type": "AWS::FIS::ExperimentTemplate", "Properties": {"Actions": {}}}, "FisRole": {`, 1)
	for _, c := range []struct{ data, want string }{
		{two, "a CloudFormation template with 2 AWS::FIS::ExperimentTemplate resources (Other, SlowEtl): import one"},
		{`{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`, "a CloudFormation template without an AWS::FIS::ExperimentTemplate resource"},
	} {
		if _, _, err := fis.Translate([]byte(c.data), opts); !errors.Is(err, fis.ErrNotTemplate) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want ErrNotTemplate saying %q", err, c.want)
		}
	}
}

// What a hand-written or SAM template writes where a stop condition names its alarm and a target its
// function is resolved when the template itself says the value: a Fn::Sub of the pseudo parameters
// alone (the stack's own account and region), a Fn::GetAtt of the ARN of an alarm or a function of
// the template whose name is written out. Anything else stays the problem it was.
func TestCloudFormationResolvesWhatTheTemplateSays(t *testing.T) {
	const arn = "arn:aws:lambda:us-east-1:123456789012:function:" + function
	opts := fis.Options{FunctionName: function, FunctionARN: arn, Alarms: alarms(t)}
	base := string(read(t, "cloudformation.json"))
	withResources := func(data, more string) string {
		return strings.Replace(data, `"FisRole": {`, more+`, "FisRole": {`, 1)
	}
	subFunction := `{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:ChaosLab-Etl"}`
	subAlarm := `{"Fn::Sub": "arn:aws:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:ChaosLab-EtlErrors"}`
	alarmRes := `"EtlErrors": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "ChaosLab-EtlErrors", "Threshold": 5}}`
	fnRes := `"EtlFn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": {"Fn::Sub": "ChaosLab-${!Etl}"}}}`
	for _, c := range []struct {
		name string
		data string
		want string // a problem's path; "" for translated
	}{
		{name: "Fn::Sub of pseudo parameters", data: strings.NewReplacer(
			`["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"]`, "["+subFunction+"]",
			`"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"`, subAlarm).Replace(base)},
		{name: "Fn::GetAtt of the template's alarm and function", data: strings.NewReplacer(
			`["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"]`, `[{"Fn::GetAtt": ["EtlFn", "Arn"]}]`,
			`"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"`, `{"Fn::GetAtt": ["EtlErrors", "Arn"]}`).Replace(
			withResources(base, alarmRes+", "+strings.Replace(fnRes, "${!Etl}", "Etl", 1)))},
		{name: "Fn::Sub of a template parameter", want: "targets.EtlFunction.resourceArns[0]", data: strings.Replace(base,
			`["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"]`, `[{"Fn::Sub": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}"}]`, 1)},
		// ${!Etl} is the text ${Etl}: a function of another name, told as such
		{name: "Fn::Sub's escape", want: "targets.EtlFunction.resourceArns[0]", data: strings.Replace(withResources(base, fnRes),
			`["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"]`, `[{"Fn::GetAtt": ["EtlFn", "Arn"]}]`, 1)},
		{name: "Fn::GetAtt of a function whose name CloudFormation makes", want: "targets.EtlFunction.resourceArns[0]", data: strings.Replace(
			withResources(base, `"EtlFn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "provided.al2023"}}`),
			`["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"]`, `[{"Fn::GetAtt": ["EtlFn", "Arn"]}]`, 1)},
	} {
		_, problems, err := fis.Translate([]byte(c.data), opts)
		switch {
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want == "" && len(problems) > 0:
			t.Errorf("%s: %v, want it translated", c.name, problems)
		case c.want != "" && (len(problems) == 0 || problems[0].Path != c.want):
			t.Errorf("%s: %v, want a problem at %s first", c.name, problems, c.want)
		}
	}
	// A SAM function's ARN, and a Ref of a pseudo parameter inside a Fn::Join... is not read; a Ref
	// of one alone is.
	sam := strings.Replace(withResources(base, `"EtlFn": {"Type": "AWS::Serverless::Function", "Properties": {"FunctionName": "ChaosLab-Etl"}}`),
		`["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"]`, `[{"Fn::GetAtt": ["EtlFn", "Arn"]}]`, 1)
	sam = strings.Replace(sam, `"Tags": {"team": "etl"`, `"Tags": {"team": "etl", "region": {"Ref": "AWS::Region"}`, 1)
	if e, problems, err := fis.Translate([]byte(sam), opts); err != nil || len(problems) > 0 {
		t.Errorf("a SAM function's ARN: %v %v", err, problems)
	} else if !slices.Contains(e.Tags, "region=us-east-1") {
		t.Errorf("tags %v, want region=us-east-1 (a Ref of AWS::Region, the stack's)", e.Tags)
	}
	// Without the stack's function ARN its account and region are not known: a placeholder stands
	// in as an ARN's own account and region, whose name alone is compared, and nowhere else (an
	// alarm named after its region, a tag's value), where it would be a name nobody wrote.
	unknown := fis.Options{FunctionName: function, Alarms: alarms(t)}
	if _, problems, err := fis.Translate([]byte(strings.NewReplacer(
		`["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"]`, "["+subFunction+"]",
		`"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"`, subAlarm).Replace(base)), unknown); err != nil || len(problems) > 0 {
		t.Errorf("Fn::Sub of an ARN's account and region, unknown: %v %v, want them translated", err, problems)
	}
	regional := strings.Replace(withResources(base, `"EtlErrors": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": {"Fn::Sub": "ChaosLab-EtlErrors-${AWS::Region}"}}}`),
		`"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"`, `{"Fn::GetAtt": ["EtlErrors", "Arn"]}`, 1)
	if _, problems, err := fis.Translate([]byte(regional), unknown); err != nil || len(problems) == 0 || problems[0].Path != "stopConditions[0].value" {
		t.Errorf("an alarm named after the region, unknown: %v %v, want the stop condition unresolved", err, problems)
	}
	if names, _ := fis.AlarmNames([]byte(regional)); len(names) != 0 {
		t.Errorf("AlarmNames of an alarm named after an unknown region: %v, want none (not ChaosLab-EtlErrors-us-east-1)", names)
	}
	if e, _, err := fis.Translate([]byte(sam), unknown); err != nil || e == nil || slices.Contains(e.Tags, "region=us-east-1") {
		t.Errorf("a tag of Ref AWS::Region, unknown: %v, tags %v, want no placeholder region", err, e)
	}
	// The alarm a Fn::Sub names is the one DescribeAlarms is asked for.
	if names, err := fis.AlarmNames([]byte(strings.Replace(base, `"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors"`, subAlarm, 1))); err != nil ||
		!slices.Equal(names, []string{"ChaosLab-EtlErrors"}) {
		t.Errorf("AlarmNames of a Fn::Sub: %v, %v", names, err)
	}
	// Another account's function, written with the pseudo parameters, is the stack's account's.
	other := fis.Options{FunctionName: function, FunctionARN: "arn:aws:lambda:eu-west-1:999999999999:function:" + function, Alarms: alarms(t)}
	if _, problems, err := fis.Translate([]byte(strings.Replace(base, `["arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"]`, "["+subFunction+"]", 1)), other); err != nil || len(problems) > 0 {
		t.Errorf("Fn::Sub of pseudo parameters for a stack in eu-west-1: %v %v", err, problems)
	}
	// And in YAML, the short forms.
	yml := strings.NewReplacer("- &etl arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl",
		`- !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:ChaosLab-Etl"`,
		"Value: arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlErrors", "Value: !GetAtt EtlErrors.Arn",
		"Resources:\n", "Resources:\n  EtlErrors:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      AlarmName: ChaosLab-EtlErrors\n").Replace(string(read(t, "cloudformation.yaml")))
	if _, problems, err := fis.Translate([]byte(yml), opts); err != nil || len(problems) > 0 {
		t.Errorf("YAML's !Sub and !GetAtt: %v %v", err, problems)
	}
	// One of two FIS templates, picked by its logical id: the alarm its !GetAtt names is still the
	// template's (Resource once gave the resource alone, and nothing resolved).
	whole, err := fis.JSON([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]json.RawMessage
	var resources map[string]json.RawMessage
	if err := json.Unmarshal(whole, &tpl); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(tpl["Resources"], &resources); err != nil {
		t.Fatal(err)
	}
	resources["SlowerEtl"] = resources["SlowEtl"]
	tpl["Resources"], _ = json.Marshal(resources)
	two, _ := json.Marshal(tpl)
	picked, err := fis.Resource(two, "SlowerEtl")
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := fis.Translate(picked, opts); err != nil || len(problems) > 0 {
		t.Errorf("one of two templates, its !Sub and !GetAtt: %v %v", err, problems)
	}
}

// boto3's get_experiment_template answer, saved with json.dump, holds ResponseMetadata beside the
// template: it is read as the CLI's; any other member beside it is named.
func TestBoto3Answer(t *testing.T) {
	opts := fis.Options{FunctionName: function, Alarms: alarms(t)}
	inner := string(read(t, "add-delay.json"))
	answer := `{"experimentTemplate": ` + inner + `, "ResponseMetadata": {"RequestId": "x", "HTTPStatusCode": 200}}`
	if _, problems, err := fis.Translate([]byte(answer), opts); err != nil || len(problems) > 0 {
		t.Errorf("boto3's answer: %v %v", err, problems)
	}
	other := `{"experimentTemplate": ` + inner + `, "nextToken": "y"}`
	if _, _, err := fis.Translate([]byte(other), opts); !errors.Is(err, fis.ErrNotTemplate) || !strings.Contains(err.Error(), "experimentTemplate is not the only member (also nextToken)") {
		t.Errorf("another member beside it: %v", err)
	}
}

// What the review of the CloudFormation reader found: experimentOptions is translated (an
// intrinsic there is a problem, not a value), a tag's value or the whole Tags unread, an intrinsic
// where an action is, an empty key kept, and a template nested deeper than any FIS template read
// once to its bound, not again at every level.
func TestCloudFormationEdges(t *testing.T) {
	opts := fis.Options{FunctionName: function, Alarms: alarms(t)}
	base := string(read(t, "cloudformation.json"))
	for _, c := range []struct {
		name, from, to string
		want           map[string]string // path → reason; empty: translated
	}{
		{"experimentOptions", `"Tags":`, `"ExperimentOptions": {"AccountTargeting": {"Ref": "Acct"}}, "Tags":`,
			map[string]string{"experimentOptions.accountTargeting": "a CloudFormation intrinsic function (Ref)"}},
		{"a tag's value", `"team": "etl"`, `"team": {"Ref": "Team"}`, nil},
		{"the whole Tags", `"Tags": {"team": "etl", "Name": "slow-etl"}`, `"Tags": {"Fn::If": ["c", {}, {}]}`, nil},
		{"an action", `"slowdown": {`, `"other": {"Fn::If": ["c", {}, {}]}, "slowdown": {`,
			map[string]string{"actions.other": "a CloudFormation intrinsic function (Fn::If)"}},
		{"the whole Targets", `"Targets": {`, `"Targets": {"Fn::If": ["c", {}, {}]}, "Unused": {`,
			map[string]string{"targets": "a CloudFormation intrinsic function (Fn::If)", "unused": "unknown member of an experiment template",
				"actions.slowdown.targets.Functions": `no target is named "EtlFunction"`}},
	} {
		data := strings.Replace(base, c.from, c.to, 1)
		if data == base {
			t.Fatalf("%s: %q not in the fixture", c.name, c.from)
		}
		_, problems, err := fis.Translate([]byte(data), opts)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(problems) != len(c.want) {
			t.Errorf("%s: problems %v, want %v", c.name, problems, c.want)
		}
		for _, p := range problems {
			if w, ok := c.want[p.Path]; !ok || !strings.Contains(p.Reason, w) {
				t.Errorf("%s: problem %s: %s, want %q", c.name, p.Path, p.Reason, w)
			}
		}
	}
	// Nested far deeper than a template: not rewritten below the bound, and said so at it (each
	// level reads what is below it, so 9,000 levels with a large value at the bottom took minutes).
	deep := strings.Repeat("[", 9000) + `"` + strings.Repeat("x", 1<<20) + `"` + strings.Repeat("]", 9000)
	data := strings.Replace(base, `"duration": "PT5M"`, `"duration": "PT5M", "deep": `+deep, 1)
	_, problems, err := fis.Translate([]byte(data), opts)
	if err != nil || !slices.ContainsFunc(problems, func(p fis.Problem) bool {
		return strings.HasPrefix(p.Path, "actions.slowdown.parameters.deep[0]") && strings.Contains(p.Reason, "nested deeper than 16 levels")
	}) {
		t.Errorf("deep: %v %v", err, problems)
	}
}

// addDelayWithLogs is add-delay.json, with a log configuration as cloudformation.json's, translated
// with opts: what every form of cloudformation.json must translate to.
func addDelayWithLogs(t *testing.T, opts fis.Options) []byte {
	t.Helper()
	api := strings.Replace(string(read(t, "add-delay.json")), `"roleArn":`, `"logConfiguration": {"logSchemaVersion": 2}, "roleArn":`, 1)
	want, problems, err := fis.Translate([]byte(api), opts)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	wantJSON, _ := experiments.MarshalFile(want)
	return wantJSON
}
