package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var testEnv = EnvFromOutputs(map[string]string{
	"TopicName": "ChaosLab-Topic", "JsonQueueName": "ChaosLab-Json", "CsvQueueName": "ChaosLab-Csv",
	"TableName": "ChaosLab-Table", "FunctionName": "ChaosLab-Etl", "BucketName": "chaos-bucket",
	"FaultParameterName": "/ChaosLab/fault",
})

func mustCompile(t *testing.T, e *Experiment, opts CompileOptions) *Compiled {
	t.Helper()
	c, err := Compile(e, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func probeNamed(t *testing.T, c *Compiled, name string) CompiledProbe {
	t.Helper()
	for _, p := range c.SteadyState.Probes {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no probe %q", name)
	return CompiledProbe{}
}

func valueOf(t *testing.T, a CompiledAction) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.Value, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestShippedDefinitions(t *testing.T) {
	tests := []struct {
		name        string
		flightMax   float64
		fault       string // a substring of the fault's value
		probeStyles string // provider type of messages-in-flight
	}{
		{name: "exp_1-minor_delay.json", flightMax: 80, fault: `"failureMode":"latency"`},
		{name: "exp_2-dynamodb_disruption.json", flightMax: 20, fault: `"blacklist":["dynamodb.*.amazonaws.com"]`},
		{name: "exp_3-output_write_failure.json", flightMax: 20, fault: `"targets":["s3:PutObject"]`},
		{name: "exp_4-dynamodb_throttling.json", flightMax: 10, fault: `"error":"throttling"`},
		{name: "exp_5-slow_documents.json", flightMax: 80, fault: `"match":[{"operator":"regex","path":"body.Records.0.s3.object.key"`},
	}
	if got := Names(); len(got) != len(tests) {
		t.Fatalf("Names() = %v, want %d experiments", got, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := LoadDefinition(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(e); err != nil {
				t.Fatal(err)
			}
			c := mustCompile(t, e, CompileOptions{Env: testEnv, FaultParameterName: "/ChaosLab/fault"})
			raw, _ := json.Marshal(c)
			if strings.Contains(string(raw), "${") {
				t.Errorf("unsubstituted ${var} in %s", raw)
			}
			for _, want := range []string{"ChaosLab-Json", "ChaosLab-Csv", "ChaosLab-Table", "ChaosLab-Etl", "ChaosLab-Topic"} {
				if !strings.Contains(string(raw), want) {
					t.Errorf("compiled experiment never names %s", want)
				}
			}
			if f := probeNamed(t, c, "messages-in-flight"); f.Tolerance.Min != -10 || f.Tolerance.Max != tt.flightMax || f.NoData != NoDataFail {
				t.Errorf("messages-in-flight = %+v, want [-10, %v] failing on no data", f.Tolerance, tt.flightMax)
			}
			if e := probeNamed(t, c, "normal-error-rates"); e.Tolerance.Min != 0 || e.Tolerance.Max != 5 {
				t.Errorf("normal-error-rates = %+v, want [0, 5]", e.Tolerance)
			}
			if s := probeNamed(t, c, "zero-sns-errors"); s.Tolerance.Type != ToleranceExact || s.Tolerance.Max != 0 || s.NoData != NoDataZero {
				t.Errorf("zero-sns-errors = %+v", s)
			}
			if len(c.Method) != 1 || len(c.Rollbacks) != 1 {
				t.Fatalf("method %d, rollbacks %d actions; want 1 and 1", len(c.Method), len(c.Rollbacks))
			}
			m := c.Method[0]
			if m.PauseAfterSeconds != 300 || !strings.Contains(string(m.Value), tt.fault) {
				t.Errorf("method = pause %d value %s; want pause 300 and %s", m.PauseAfterSeconds, m.Value, tt.fault)
			}
			if v := valueOf(t, m); v["expiresAfterSeconds"] != float64(300+120) {
				t.Errorf("expiresAfterSeconds = %v, want pause + default margin = 420", v["expiresAfterSeconds"])
			}
			if v := valueOf(t, c.Rollbacks[0]); v["isEnabled"] != false || v["expiresAfterSeconds"] != nil {
				t.Errorf("rollback value = %v, want {isEnabled: false} without expiry", v)
			}
			if c.SteadyState.ObserveSeconds != 300 || c.Guard.Enabled {
				t.Errorf("observe %d guard %v", c.SteadyState.ObserveSeconds, c.Guard.Enabled)
			}
		})
	}
}

func TestSeedLab4CompilesUnchanged(t *testing.T) {
	e, err := Load("testdata/seed/exp_2-dynamodb_disruption.json")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"S3_BUCKET_NAME": "chaos-bucket-x", "SNS_TOPIC_NAME": "chaos-csv-notification-topic", "LAMBDA_FUNCTION_NAME": "ChaosTransformer"}
	c := mustCompile(t, e, CompileOptions{Env: env})

	sns := probeNamed(t, c, "zero-sns-errors")
	q := sns.MetricDataQueries[0].MetricStat
	if sns.WindowSeconds != 900 || q.Metric.Dimensions[0].Value != "chaos-csv-notification-topic" || q.Stat != "Sum" {
		t.Errorf("zero-sns-errors = window %d, %+v", sns.WindowSeconds, q)
	}
	flight := probeNamed(t, c, "messages-in-flight")
	if flight.WindowSeconds != 300 || flight.Tolerance.Max != 50 || len(flight.MetricDataQueries) != 4 {
		t.Errorf("messages-in-flight = window %d, tolerance %+v, %d queries", flight.WindowSeconds, flight.Tolerance, len(flight.MetricDataQueries))
	}
	if r := flight.MetricDataQueries[3]; r.Id != "e1" || !*r.ReturnData || *flight.MetricDataQueries[0].ReturnData {
		t.Errorf("only e1 must return data: %+v", flight.MetricDataQueries)
	}
	// The seed's own labels are kept (a query without one gets the probe's name: probe_test.go).
	if r := flight.MetricDataQueries[3]; r.Label != "Percent in flight" || flight.MetricDataQueries[0].Label != "JSON messages in" {
		t.Errorf("labels: returned %q, first %q; want the seed's", r.Label, flight.MetricDataQueries[0].Label)
	}
	// The longest window (900 s) is observed; one period covers it.
	if c.SteadyState.ObserveSeconds != 900 || flight.MetricDataQueries[0].MetricStat.Period != 900+periodSlack {
		t.Errorf("observe %d period %d", c.SteadyState.ObserveSeconds, flight.MetricDataQueries[0].MetricStat.Period)
	}
	a := c.Method[0]
	v := valueOf(t, a)
	if a.Parameter != SeedFaultParameter || v["failureMode"] != "blacklist" || v["rate"] != 0.5 || a.PauseAfterSeconds != 300 {
		t.Errorf("method = %+v %v", a, v)
	}
	if c.Rollbacks[0].Name != "Disable Lambda failures" {
		t.Errorf("rollback = %+v", c.Rollbacks[0])
	}
}

// base is a minimal valid experiment; tests patch it.
const base = `{
 "title": "t", "description": "d",
 "configuration": {"topic": {"type": "env", "key": "SNS_TOPIC_NAME"}, "lit": "literal-queue", "dflt": {"type": "env", "key": "NOPE", "default": "fallback"}},
 "steady-state-hypothesis": {"title": "h", "probes": [PROBES]},
 "method": [METHOD],
 "rollbacks": [{"type": "action", "name": "off", "provider": {"type": "process", "path": "aws",
   "arguments": "ssm put-parameter --name failureLambdaConfig --type String --overwrite --value '{\"isEnabled\": false}'"}}]
}`

const okProbe = `{"type": "probe", "name": "sns", "tolerance": 0, "provider": {"type": "python", "module": "chaosaws.cloudwatch.probes",
  "func": "get_metric_statistics", "arguments": {"namespace": "AWS/SNS", "metric_name": "NumberOfNotificationsFailed",
  "dimension_name": "TopicName", "dimension_value": "${topic}", "statistic": "Sum", "duration": 60}}}`

const okAction = `{"type": "action", "name": "on", "provider": {"type": "process", "path": "aws",
  "arguments": "ssm put-parameter --name failureLambdaConfig --type String --overwrite --value '{\"isEnabled\": true, \"failureMode\": \"latency\", \"minLatency\": 1, \"maxLatency\": 2}'"},
  "pauses": {"after": 30}}`

const cliProbe = `{"type": "probe", "name": "flight", "tolerance": {"type": "range", "range": [-10, 50], "target": "stdout"}, "provider": {"type": "process", "path": "aws",
  "arguments": "cloudwatch get-metric-data --metric-data-queries ARG --start-time ` + "`date --date '5 min ago' -u`" + ` --end-time ` + "`date -u`" + ` --query 'MetricDataResults[0].Values[0]'"}}`

func experiment(t *testing.T, probes, method string) *Experiment {
	t.Helper()
	return parseExperiment(t, strings.NewReplacer("PROBES", probes, "METHOD", method).Replace(base))
}

// parseExperiment parses src as test.json, beside the query files the tests name.
func parseExperiment(t *testing.T, src string) *Experiment {
	t.Helper()
	fsys := fstest.MapFS{
		"q.json":    {Data: []byte(`[{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent", "Dimensions": [{"Name": "QueueName", "Value": "${lit}"}]}, "Period": 300, "Stat": "Sum"}}]`)},
		"bad.json":  {Data: []byte(`[{"Id": "m1", "Expression": "1"}, {"Id": "m2", "Expression": "2"}]`)},
		"junk.json": {Data: []byte("{\n  nope")},
	}
	e, err := Parse([]byte(src), "test.json", fsys, ".")
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return e
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, probe, action string
		opts                CompileOptions
		want                []string // "path: reason substring"
	}{
		{name: "unknown provider function", probe: strings.Replace(okProbe, "get_metric_statistics", "describe_alarms", 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].provider: python provider chaosaws.cloudwatch.probes.describe_alarms is not translated"}},
		{name: "misspelt argument", probe: strings.Replace(okProbe, `"duration": 60`, `"duraton": 60`, 1), action: okAction,
			want: []string{`steady-state-hypothesis.probes[0].provider.arguments.duraton: argument is not translated; did you mean duration? (known: `}},
		{name: "unit CloudWatch has not", probe: strings.Replace(okProbe, `"duration": 60`, `"duration": 60, "unit": "Seconds/Second"`, 1), action: okAction,
			want: []string{`steady-state-hypothesis.probes[0].provider.arguments.unit: "Seconds/Second" is not a CloudWatch unit`}},
		{name: "other aws command", probe: strings.Replace(cliProbe, "cloudwatch get-metric-data", "sqs purge-queue", 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].provider.arguments: only `aws cloudwatch get-metric-data ...` probes are translated, got `aws sqs purge-queue`"}},
		{name: "absolute start time", probe: strings.Replace(cliProbe, "`date --date '5 min ago' -u`", "2021-01-01T00:00:00Z", 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].provider.arguments: --start-time \"2021-01-01T00:00:00Z\""}},
		{name: "end time not now", probe: strings.NewReplacer("ARG", "file://q.json", "--end-time `date -u`", "--end-time `date -d '1 min ago'`").Replace(cliProbe), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].provider.arguments: --end-time must be now"}},
		{name: "other query", probe: strings.NewReplacer("ARG", "file://q.json", "Values[0]", "Values").Replace(cliProbe), action: okAction,
			want: []string{"probes[0].provider.arguments: --query must be"}},
		{name: "absolute file", probe: strings.Replace(cliProbe, "ARG", "file:///etc/q.json", 1), action: okAction,
			want: []string{"file:///etc/q.json: a file:// path is relative to the experiment file's folder and inside it"}},
		{name: "file outside the folder", probe: strings.Replace(cliProbe, "ARG", "file://../q.json", 1), action: okAction,
			want: []string{"file://../q.json: a file:// path is relative to the experiment file's folder and inside it"}},
		{name: "missing file", probe: strings.Replace(cliProbe, "ARG", "file://nope.json", 1), action: okAction,
			want: []string{"probes[0].provider.arguments --metric-data-queries: read nope.json (relative to the experiment file): no such file"}},
		// A shipped experiment copied without its query files is told which to copy.
		{name: "a shipped query file missing", probe: strings.Replace(cliProbe, "ARG", "file://steadyStateFlight.json", 1), action: okAction,
			want: []string{"read steadyStateFlight.json (relative to the experiment file): no such file: a query file of the shipped experiments, copy experiments/steadyStateFlight.json beside the experiment"}},
		{name: "broken file", probe: strings.Replace(cliProbe, "ARG", "file://junk.json", 1), action: okAction,
			want: []string{"--metric-data-queries: metric data queries: line 2 column"}},
		{name: "two returned queries", probe: strings.Replace(cliProbe, "ARG", "file://bad.json", 1), action: okAction,
			want: []string{"--metric-data-queries[1].ReturnData: only one query may return data"}},
		{name: "pipe in arguments", probe: strings.Replace(cliProbe, "ARG", "file://q.json | jq .", 1), action: okAction,
			want: []string{"probes[0].provider.arguments: shell operator '|'"}},
		{name: "tolerance type", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "regex", "pattern": "x"}`, 1), action: okAction,
			want: []string{"probes[0].tolerance.type: tolerance type \"regex\" is not translated"}},
		{name: "tolerance object without a type", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"range": [0, 5]}`, 1), action: okAction,
			want: []string{`probes[0].tolerance: an object tolerance needs a type: write {"type": "range", "range": [min, max]}`}},
		{name: "range bounds as members", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range", "min": 0, "max": 5}`, 1), action: okAction,
			want: []string{`probes[0].tolerance: a range tolerance has its bounds in one member: write "range": [min, max] (got "max" and "min")`}},
		{name: "a bound beside the range", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range", "range": [0, 5], "max": 5}`, 1), action: okAction,
			want: []string{`probes[0].tolerance.max: unknown key`}},
		{name: "misspelt range member", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range", "range": [0, 5], "traget": "stdout"}`, 1), action: okAction,
			want: []string{`probes[0].tolerance.traget: unknown key; did you mean "target"?`}},
		{name: "reversed range", probe: strings.Replace(cliProbe, "[-10, 50]", "[5, 1]", 1), action: okAction,
			want: []string{"probes[0].tolerance.range: min 5 is above max 1"}},
		{name: "offset", probe: strings.Replace(okProbe, `"duration": 60`, `"duration": 60, "offset": 60`, 1), action: okAction,
			want: []string{"probes[0].provider.arguments.offset: must be 0"}},
		// chaosaws' get_metric_data averages a SampleCount over its periods; the machine counts over the window.
		{name: "get_metric_data SampleCount per period", probe: `{"type": "probe", "name": "d", "tolerance": [0, 5], "provider": {"type": "python", "module": "chaosaws.cloudwatch.probes", "func": "get_metric_data",
			"arguments": {"namespace": "N", "metric_name": "M", "dimension_name": "A", "dimension_value": "B", "statistic": "SampleCount"}}}`, action: okAction,
			want: []string{"probes[0].provider.arguments.statistic: SampleCount over periods of 60 s: chaosaws returns the mean per period, where the state machine reads one SampleCount over the whole 300 s window (5 times as much)"}},
		{name: "get_metric_data trimmed sum per period", probe: `{"type": "probe", "name": "d", "tolerance": [0, 5], "provider": {"type": "python", "module": "chaosaws.cloudwatch.probes", "func": "get_metric_data",
			"arguments": {"namespace": "N", "metric_name": "M", "dimension_name": "A", "dimension_value": "B", "statistic": "ts90"}}}`, action: okAction,
			want: []string{"probes[0].provider.arguments.statistic: ts90 over periods of 60 s: chaosaws returns the mean per period"}},
		// A statistic from the configuration, not given yet: the configuration's to say, not a bad statistic.
		{name: "a statistic of an unset variable", probe: strings.Replace(okProbe, `"statistic": "Sum"`, `"statistic": "${nostat}"`, 1), action: okAction,
			want: []string{"${nostat} is not defined in configuration"}},
		{name: "get_metric_data period 0", probe: `{"type": "probe", "name": "d", "tolerance": [0, 5], "provider": {"type": "python", "module": "chaosaws.cloudwatch.probes", "func": "get_metric_data",
			"arguments": {"namespace": "N", "metric_name": "M", "dimension_name": "A", "dimension_value": "B", "statistic": "Sum", "period": 0}}}`, action: okAction,
			want: []string{"probes[0].provider.arguments.period: want a whole number of seconds from 1 to 31622400 (366 days), got 0"}},
		// A statistic CloudWatch does not compute failed only when the state machine queried it.
		{name: "a misspelt statistic", probe: strings.Replace(okProbe, `"statistic": "Sum"`, `"statistic": "Summ"`, 1), action: okAction,
			want: []string{`probes[0].provider.arguments.statistic: "Summ" is not a CloudWatch statistic: did you mean Sum? (SampleCount, Average, Sum, Minimum, Maximum; a percentile goes in extended_statistic)`}},
		{name: "a percentile as get_metric_statistics' statistic", probe: strings.Replace(okProbe, `"statistic": "Sum"`, `"statistic": "p99"`, 1), action: okAction,
			want: []string{`probes[0].provider.arguments.statistic: "p99" is not a CloudWatch statistic (SampleCount, Average, Sum, Minimum, Maximum; a percentile goes in extended_statistic)`}},
		{name: "an extended statistic that is no percentile", probe: strings.Replace(okProbe, `"statistic": "Sum"`, `"extended_statistic": "p101"`, 1), action: okAction,
			want: []string{`probes[0].provider.arguments.extended_statistic: "p101" is not a CloudWatch percentile (p0.0 to p100, e.g. p99)`}},
		{name: "get_metric_data's Stat is any CloudWatch statistic, not a made-up one", probe: `{"type": "probe", "name": "d", "tolerance": [0, 5], "provider": {"type": "python", "module": "chaosaws.cloudwatch.probes", "func": "get_metric_data",
			"arguments": {"namespace": "N", "metric_name": "M", "dimension_name": "A", "dimension_value": "B", "statistic": "Avg"}}}`, action: okAction,
			want: []string{`probes[0].provider.arguments.statistic: "Avg" is not a CloudWatch statistic (SampleCount, Average, Sum, Minimum, Maximum, or an extended statistic such as p99)`}},
		// Each chaosaws function's own arguments, and its dimensions as chaosaws reads them.
		{name: "get_metric_data extended_statistic", probe: `{"type": "probe", "name": "d", "tolerance": [0, 5], "provider": {"type": "python", "module": "chaosaws.cloudwatch.probes", "func": "get_metric_data",
			"arguments": {"namespace": "N", "metric_name": "M", "dimension_name": "A", "dimension_value": "B", "extended_statistic": "p99"}}}`, action: okAction,
			want: []string{"probes[0].provider.arguments.extended_statistic: argument is not translated (known: namespace, metric_name, dimension_name, dimension_value, dimensions, statistic, duration, offset, unit, period)"}},
		{name: "get_metric_statistics period", probe: strings.Replace(okProbe, `"duration": 60`, `"duration": 60, "period": 60`, 1), action: okAction,
			want: []string{"probes[0].provider.arguments.period: argument is not translated"}},
		{name: "dimensions and dimension_name", probe: strings.Replace(okProbe, `"statistic"`, `"dimensions": [{"Name": "Resource", "Value": "f:live"}], "statistic"`, 1), action: okAction,
			want: []string{"probes[0].provider.arguments.dimension_name: give dimensions or dimension_name and dimension_value, not both: chaosaws queries the dimensions list alone and ignores dimension_name",
				"probes[0].provider.arguments.dimension_value: give dimensions or dimension_name and dimension_value, not both"}},
		{name: "unknown variable", probe: strings.Replace(okProbe, "${topic}", "${nope}", 1), action: okAction,
			want: []string{"probes[0].provider.arguments: ${nope} is not defined in configuration"}},
		{name: "env not set", probe: okProbe, action: okAction, opts: CompileOptions{Env: map[string]string{}},
			want: []string{"probes[0].provider.arguments: configuration topic: environment variable SNS_TOPIC_NAME is not set"}},
		{name: "other parameter", probe: okProbe, action: strings.Replace(okAction, "--name failureLambdaConfig", "--name /prod/db-password", 1),
			want: []string{"method[0].provider.arguments: parameter \"/prod/db-password\": the state machine may write only the fault parameter"}},
		{name: "unknown fault mode", probe: okProbe, action: strings.Replace(okAction, `\"failureMode\": \"latency\"`, `\"failureMode\": \"meteor\"`, 1),
			want: []string{`method[0].provider.arguments: the value is not a valid failure config: failureMode: unknown mode "meteor"`}},
		{name: "unknown fault config field", probe: okProbe, action: strings.Replace(okAction, `\"failureMode\": \"latency\"`, `\"failureMode\": \"latency\", \"colour\": 1`, 1),
			want: []string{`method[0].provider.arguments: the value is not a valid failure config: unknown field "colour"`}},
		{name: "scope is not a top-level field", probe: okProbe, action: chaosawsAction(`{"isEnabled": true, "failureMode": "denylist", "denylist": ["x"], "scope": "call"}`),
			want: []string{`method[0].provider.arguments: the value is not a valid failure config: unknown field "scope"`}},
		{name: "unknown sdkerror", probe: okProbe, action: chaosawsAction(`{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "throttle"}]}`),
			want: []string{`method[0].provider.arguments: the value is not a valid failure config: faults[0].error: unknown error "throttle"`}},
		// A fault value's problems are each a problem of the file's: all told at once.
		{name: "a fault value with two problems", probe: okProbe, action: chaosawsAction(`{"isEnabled": true, "failureMode": "latency", "rate": 5, "minLatancy": 1}`),
			want: []string{`method[0].provider.arguments: the value is not a valid failure config: unknown field "minLatancy"; did you mean "minLatency"?`,
				`method[0].provider.arguments: the value is not a valid failure config: rate: want 0 ≤ rate ≤ 1, got 5`}},
		{name: "call scope on a latency without targets", probe: okProbe, action: chaosawsAction(`{"isEnabled": true, "faults": [{"mode": "latency", "minLatency": 1, "scope": "call"}]}`),
			want: []string{`method[0].provider.arguments: the value is not a valid failure config: faults[0].scope: "call" needs targets`}},
		{name: "bad denylist regex", probe: okProbe, action: chaosawsAction(`{"isEnabled": true, "failureMode": "blacklist", "blacklist": ["dynamodb.(*"]}`),
			want: []string{`method[0].provider.arguments: the value is not a valid failure config: blacklist[0]: bad regex`}},
		{name: "statuscode without statusCode", probe: okProbe, action: chaosawsAction(`{"isEnabled": true, "faults": [{"mode": "statuscode"}]}`),
			want: []string{`method[0].provider.arguments: the value is not a valid failure config: faults[0].statusCode: required`}},
		{name: "the added expiry is beyond the parser's limit", probe: okProbe, action: strings.Replace(okAction, `"pauses": {"after": 30}`, `"pauses": {"after": 31622400}`, 1),
			want: []string{"method[0].provider.arguments: with the expiry the compiler adds (expiresAfterSeconds 31622520 = the rest of the method + the expiry margin): expiresAfterSeconds: want 0 < seconds ≤ 31622400"}},
		{name: "value not json", probe: okProbe, action: strings.Replace(okAction, `--value '{`, `--value '{{`, 1),
			want: []string{"method[0].provider.arguments: the value must be a failure config in JSON"}},
		{name: "probe in method", probe: okProbe, action: `{"type": "probe", "name": "p", "provider": {"type": "process", "path": "aws", "arguments": "x"}}`,
			want: []string{"method[0].type: want \"action\", got \"probe\""}},
		{name: "http provider and negative pause", probe: okProbe, action: `{"type": "action", "name": "h", "provider": {"type": "http", "url": "http://x"}, "pauses": {"after": -1}}`,
			want: []string{"method[0].pauses.after: want seconds ≥ 0", "method[0].provider.type: provider type \"http\" is not translated"}},
		{name: "no method", probe: okProbe, action: ``, want: []string{"method: at least one action is required"}},
		{name: "[min, max] on a process probe", probe: strings.NewReplacer("ARG", "file://q.json", `{"type": "range", "range": [-10, 50], "target": "stdout"}`, `[-10, 50]`).Replace(cliProbe), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].tolerance: a list on a process probe is the exit statuses Chaos Toolkit accepts"}},
		{name: "a number on a process probe", probe: strings.NewReplacer("ARG", "file://q.json", `{"type": "range", "range": [-10, 50], "target": "stdout"}`, `0`).Replace(cliProbe), action: okAction,
			want: []string{`steady-state-hypothesis.probes[0].tolerance: a number on a process probe is the exit status Chaos Toolkit checks, not the value the command prints: write {"type": "range", "range": [0, 0], "target": "stdout"}`}},
		{name: "a boolean on a process probe", probe: strings.NewReplacer("ARG", "file://q.json", `{"type": "range", "range": [-10, 50], "target": "stdout"}`, `true`).Replace(cliProbe), action: okAction,
			want: []string{`steady-state-hypothesis.probes[0].tolerance: a boolean on a process probe is compared with the process's whole result`}},
		{name: "a range on a process probe without its target", probe: strings.NewReplacer("ARG", "file://q.json", `, "target": "stdout"}`, `}`).Replace(cliProbe), action: okAction,
			want: []string{`steady-state-hypothesis.probes[0].tolerance: a range on a process probe needs "target": "stdout"`}},
		{name: "a target on a python probe", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range", "range": [0, 1], "target": "stdout"}`, 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].tolerance.target: a python probe's value is the number itself: leave target out"}},
		{name: "a list of three values", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": [0, 1, 2]`, 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].tolerance: a list of 3 values is Chaos Toolkit's list of the values a probe may return, which the lab does not translate: write [min, max]"}},
		{name: "a list of strings", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": ["0", "5"]`, 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].tolerance: want [min, max], two numbers"}},
		{name: "a range of a string and a number", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range", "range": ["a", 80]}`, 1), action: okAction,
			want: []string{`steady-state-hypothesis.probes[0].tolerance.range[0]: want a number, got JSON string "a"`}},
		{name: "a range that is null", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range", "range": null}`, 1), action: okAction,
			want: []string{`steady-state-hypothesis.probes[0].tolerance.range: want [min, max], got null`}},
		{name: "a range tolerance without its range", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range"}`, 1), action: okAction,
			want: []string{`steady-state-hypothesis.probes[0].tolerance.range: want [min, max], got none (required)`}},
		{name: "a range that is no list", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range", "range": 80}`, 1), action: okAction,
			want: []string{`steady-state-hypothesis.probes[0].tolerance.range: want [min, max], got JSON number 80`}},
		{name: "a list upside down", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": [5, 0]`, 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].tolerance: min 5 is above max 0"}},
		// Beyond float64 the bound would be +Inf, which no journal can hold (JSON has no Infinity).
		{name: "a bound beyond float64", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": [0, 1e400]`, 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].tolerance[1]: 1e400 is not a number this tool can hold"}},
		{name: "a range bound beyond float64", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range", "range": [-1e400, 0]}`, 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].tolerance.range[0]: -1e400 is not a number this tool can hold"}},
		{name: "an exact tolerance beyond float64", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": 1e400`, 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].tolerance: 1e400 is not a number this tool can hold"}},
		{name: "controls on an action", probe: okProbe, action: strings.Replace(okAction, `"pauses"`, `"controls": [`+tracing+`], "pauses"`, 1),
			want: []string{"method[0].controls: controls are not supported"}},
		{name: "controls on a probe", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": 0, "controls": [`+tracing+`]`, 1), action: okAction,
			want: []string{"steady-state-hypothesis.probes[0].controls: controls are not supported"}},
		{name: "every problem at once", probe: strings.Replace(okProbe, "get_metric_statistics", "x", 1), action: strings.Replace(okAction, "ssm put-parameter", "ssm delete-parameter", 1),
			want: []string{"probes[0].provider: python provider", "method[0].provider.arguments: only `aws ssm put-parameter ...` actions are translated, got `aws ssm delete-parameter`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if opts.Env == nil {
				opts.Env = testEnv
			}
			_, err := Compile(experiment(t, tt.probe, tt.action), opts)
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if len(cerr.Problems) < len(tt.want) {
				t.Errorf("%d problems, want ≥ %d", len(cerr.Problems), len(tt.want))
			}
		})
	}
}

// A key the format does not have is refused with its JSON path (and the key it may be a typo
// of): encoding/json would drop it, silently changing the experiment (no pause, no rollback).
func TestUnknownKeys(t *testing.T) {
	src := strings.NewReplacer("PROBES", okProbe+", "+strings.Replace(cliProbe, "ARG", "file://q.json", 1), "METHOD", okAction).Replace(base)
	for _, tt := range []struct{ from, to, want string }{
		{`"pauses": {"after": 30}`, `"pause": {"after": 30}`, `method[0].pause: unknown key; did you mean "pauses"?`},
		{`"pauses": {"after": 30}`, `"pauses": {"afterr": 30}`, `method[0].pauses.afterr: unknown key; did you mean "after"?`},
		{`"rollbacks": [`, `"rollback": [`, `rollback: unknown key; did you mean "rollbacks"?`},
		{`"title": "t",`, `"title": "t", "bogusField": 1,`, `bogusField: unknown key`},
		{`"tolerance": 0,`, `"toleranc": 0,`, `steady-state-hypothesis.probes[0].toleranc: unknown key; did you mean "tolerance"?`},
		{`"module": "chaosaws.cloudwatch.probes"`, `"Module": "chaosaws.cloudwatch.probes"`, `steady-state-hypothesis.probes[0].provider.Module: unknown key; did you mean "module"?`},
		{`"path": "aws",
  "arguments": "cloudwatch`, `"path": "aws", "timeuot": 5,
  "arguments": "cloudwatch`, `steady-state-hypothesis.probes[1].provider.timeuot: unknown key; did you mean "timeout"?`},
		{`{"title": "h",`, `{"title": "h", "probe": [],`, `steady-state-hypothesis.probe: unknown key; did you mean "probes"?`},
		{`"steady-state-hypothesis"`, `"steady-state"`, `steady-state: unknown key; did you mean "steady-state-hypothesis"?`},
		{`"title": "t",`, `"title": "t", "dry": "actions",`, `dry: dry runs are not supported`},
		{`"name": "off",`, `"name": "off", "dry": true,`, `rollbacks[0].dry: dry runs are not supported`},
		{`"default": "fallback"`, `"defualt": "fallback"`, `configuration.dflt.defualt: unknown key; did you mean "default"?`},
		{`"key": "NOPE"`, `"key": "NOPE", "env_var_type": "json"`, `configuration.dflt.env_var_type: want "str", "int" or "float", got the string "json"`},
		{`"title": "t",`, `"title": "t", "extensions": [{"name": "chaoslab", "gaurd": {"probe": "sns"}}],`, `extensions[0].gaurd: unknown key; did you mean "guard"?`},
		{`"title": "t",`, `"title": "t", "runtime": {"rollbacks": {"strategy": "deviated"}},`, `runtime.rollbacks.strategy: "deviated" is not what the state machine does`},
		{`"title": "t",`, `"title": "t", "runtime": {"hypothesis": {"strategy": "continuously"}},`, `runtime.hypothesis.strategy: "continuously" is not what the state machine does`},
		{`"title": "t",`, `"title": "t", "runtime": {"rollback": {}},`, `runtime.rollback: unknown key`},
		// JSON keeps the last of two, silently: the first may be the one meant.
		{`"tolerance": 0,`, `"tolerance": 0, "tolerance": 5,`, `steady-state-hypothesis.probes[0].tolerance: given twice in one object (JSON keeps the last): say it once`},
		{`"default": "fallback"`, `"default": "fallback", "default": "other"`, `configuration.dflt.default: given twice`},
		{`"configuration": {`, `"configuration": {"dflt": 1, `, `configuration.dflt: given twice`},
	} {
		t.Run(tt.want, func(t *testing.T) {
			changed := strings.Replace(src, tt.from, tt.to, 1)
			if changed == src {
				t.Fatalf("%q is not in the experiment", tt.from)
			}
			err := Validate(parseExperiment(t, changed))
			if err == nil || !strings.Contains(err.Error(), "\n  "+tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// The keys a Chaos Toolkit experiment may carry that do not change what the state machine runs
// are accepted: metadata, secrets (a ${var} naming one is refused: not in configuration), the
// activities' references to them, timeouts, other tools' extensions, the runtime strategies
// the machine follows anyway.
func TestChaosToolkitKeysAccepted(t *testing.T) {
	src := strings.NewReplacer("PROBES", okProbe, "METHOD", okAction).Replace(base)
	src = strings.NewReplacer(
		`"title": "t",`, `"title": "t", "version": "1.0.0", "tags": ["a"], "contributions": {"reliability": "high"},
		 "secrets": {"aws": {"token": {"type": "env", "key": "AWS_TOKEN"}}}, "controls": null,
		 "runtime": {"rollbacks": {"strategy": "always"}, "hypothesis": {"strategy": "default"}},
		 "extensions": [{"name": "vendorX", "data": "..."}, {"name": "chaoslab-journal", "verdict": "held"}],`,
		`"name": "sns",`, `"name": "sns", "secrets": ["aws"], "configuration": "topic", "timeout": 10, "background": false,`,
		`"module": "chaosaws.cloudwatch.probes",`, `"module": "chaosaws.cloudwatch.probes", "secrets": ["aws"], "timeout": 30,`,
	).Replace(src)
	e := parseExperiment(t, src)
	if err := Validate(e); err != nil {
		t.Fatal(err)
	}
	// An http provider is refused as a whole, not member by member.
	e = experiment(t, okProbe, `{"type": "action", "name": "h", "provider": {"type": "http", "url": "http://x", "method": "POST", "headers": {}, "expected_status": 200}}`)
	err := Validate(e)
	var cerr *Error
	if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || !strings.Contains(err.Error(), `method[0].provider.type: provider type "http" is not translated`) {
		t.Errorf("err = %v, want only the provider type refused", err)
	}
}

// A duration too large for the machine (or for an int) is refused at its own path: it used to
// wrap around (a window of -9223372036854775808 s), become the default (a guard interval of 60 s)
// or be blamed on the expiry the compiler adds.
func TestDurationBounds(t *testing.T) {
	src := strings.NewReplacer("PROBES", okProbe+", "+strings.Replace(cliProbe, "ARG", "file://q.json", 1), "METHOD", okAction).Replace(base)
	for _, tt := range []struct{ from, to, want string }{
		{`"duration": 60`, `"duration": 1e19`, "steady-state-hypothesis.probes[0].provider.arguments.duration: want a whole number of seconds from 1 to 31622400 (366 days), got 1e19"},
		{`"duration": 60`, `"duration": 31622401`, "steady-state-hypothesis.probes[0].provider.arguments.duration: want a whole number of seconds from 1 to 31622400 (366 days), got 31622401"},
		// 0 was "must be > 0", -1 "from 0": the least allowed is said once, right.
		{`"duration": 60`, `"duration": 0`, "steady-state-hypothesis.probes[0].provider.arguments.duration: want a whole number of seconds from 1 to 31622400 (366 days), got 0"},
		{`"pauses": {"after": 30}`, `"pauses": {"after": 1e19}`, "method[0].pauses.after: want seconds ≤ 31622400 (366 days), got 1e+19"},
		{`"pauses": {"after": 30}`, `"pauses": {"before": 1e19, "after": 30}`, "method[0].pauses.before: want seconds ≤ 31622400 (366 days), got 1e+19"},
		{`"title": "t",`, `"title": "t", "extensions": [{"name": "chaoslab", "guard": {"probe": "sns", "interval": 1e19}}],`, "extensions[0].guard.interval: want seconds ≤ 31622400 (366 days), got 1e+19"},
		{`--date '5 min ago'`, `--date '9999999999999999 days ago'`, `steady-state-hypothesis.probes[1].provider.arguments: --start-time: date "9999999999999999 days ago": want at most 31622400 seconds (366 days) from now`},
		{`--date '5 min ago'`, `-v-999999999999999w`, `steady-state-hypothesis.probes[1].provider.arguments: --start-time: date -v-999999999999999w: want at most 31622400 seconds (366 days) from now`},
		{`--date '5 min ago'`, `--date '300000 min ago' --date '300000 min ago'`, `steady-state-hypothesis.probes[1].provider.arguments: --start-time: want a window of at most 31622400 seconds (366 days), got 36000000`},
	} {
		t.Run(tt.want, func(t *testing.T) {
			changed := strings.Replace(src, tt.from, tt.to, 1)
			if changed == src {
				t.Fatalf("%q is not in the experiment", tt.from)
			}
			_, err := Compile(parseExperiment(t, changed), CompileOptions{Env: testEnv})
			var cerr *Error
			if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || cerr.Problems[0].Path+": "+cerr.Problems[0].Reason != tt.want {
				t.Errorf("err = %v, want the one problem %q", err, tt.want)
			}
		})
	}
}

// A number from the configuration is substituted as Chaos Toolkit substitutes it: as Python
// prints the int or float its json module reads (an env default of 1000000 is 1000000, not
// 1e+06).
func TestConfigurationNumbers(t *testing.T) {
	probe := strings.Replace(okProbe, "${topic}", "topic-${dflt}-${lit}", 1)
	for _, tt := range []struct{ dflt, lit, want string }{
		{`1000000`, `"q"`, "topic-1000000-q"},
		{`12345678901234567890`, `-0`, "topic-12345678901234567890-0"},
		{`1e6`, `1.50`, "topic-1000000.0-1.5"},
		{`1e16`, `9999999999999998.0`, "topic-1e+16-9999999999999998.0"},
		{`0.0001`, `0.00001`, "topic-0.0001-1e-05"},
		{`-0.0`, `true`, "topic--0.0-True"},
		{`false`, `"q"`, "topic-False-q"},
	} {
		src := strings.NewReplacer("PROBES", probe, "METHOD", okAction, `"default": "fallback"`, `"default": `+tt.dflt, `"lit": "literal-queue"`, `"lit": `+tt.lit).Replace(base)
		c := mustCompile(t, parseExperiment(t, src), CompileOptions{Env: testEnv})
		if got := c.SteadyState.Probes[0].MetricDataQueries[0].MetricStat.Metric.Dimensions[0].Value; got != tt.want {
			t.Errorf("default %s, literal %s: substituted %q, want %q", tt.dflt, tt.lit, got, tt.want)
		}
	}
	src := strings.NewReplacer("PROBES", okProbe, "METHOD", okAction, `"default": "fallback"`, `"default": {"a": 1}`).Replace(base)
	if err := Validate(parseExperiment(t, src)); err == nil || !strings.Contains(err.Error(), "configuration.dflt.default: want a string, a number or a boolean") {
		t.Errorf("an object default: err = %v", err)
	}
}

// A python argument that is one ${name} and nothing else takes a number's or a boolean's type, as
// Chaos Toolkit substitutes it: "duration": "${window}" is the number; inside a longer string, the
// text; from the environment (always text), a string.
func TestTypedSubstitution(t *testing.T) {
	withDuration := func(dur, config string) *Experiment {
		probe := strings.Replace(okProbe, `"duration": 60`, `"duration": `+dur, 1)
		return parseExperiment(t, strings.NewReplacer("PROBES", probe, "METHOD", okAction, `"lit": "literal-queue"`, `"lit": "literal-queue", `+config).Replace(base))
	}
	c := mustCompile(t, withDuration(`"${window}"`, `"window": 120`), CompileOptions{Env: testEnv})
	if w := c.SteadyState.Probes[0].WindowSeconds; w != 120 {
		t.Errorf("duration ${window} with window 120: window %d s", w)
	}
	c = mustCompile(t, withDuration(`"${window}"`, `"window": {"type": "env", "key": "NO_SUCH_WINDOW", "default": 90}`), CompileOptions{Env: testEnv})
	if w := c.SteadyState.Probes[0].WindowSeconds; w != 90 {
		t.Errorf("duration ${window} with an env default of 90: window %d s", w)
	}
	env := maps.Clone(testEnv)
	env["WINDOW"] = "120"
	if _, err := Compile(withDuration(`"${window}"`, `"window": {"type": "env", "key": "WINDOW"}`), CompileOptions{Env: env}); err == nil ||
		!strings.Contains(err.Error(), `duration: want a number, got the string "120"`) {
		t.Errorf("duration ${window} from the environment (text in Chaos Toolkit): err %v, want a number wanted", err)
	}
	// chaoslib's env_var_type makes the variable's text a number (int, float), which a whole
	// ${name} then is; str keeps it text; a text that is no such number is the variable's problem.
	for _, tt := range []struct {
		typ, val string
		window   int
		err      string
	}{
		{"int", "120", 120, ""}, {"int", " +45 ", 45, ""}, {"float", "90.0", 90, ""},
		{"str", "120", 0, `duration: want a number, got the string "120"`},
		{"int", "2m", 0, `configuration.window: environment variable WINDOW is "2m", which is no int (env_var_type)`},
		{"int", "1.5", 0, `which is no int`},
	} {
		env["WINDOW"] = tt.val
		c, err := Compile(withDuration(`"${window}"`, `"window": {"type": "env", "key": "WINDOW", "env_var_type": "`+tt.typ+`"}`), CompileOptions{Env: env})
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("env_var_type %s of %q: err %v, want %q", tt.typ, tt.val, err, tt.err)
		case tt.err == "" && (err != nil || c.SteadyState.Probes[0].WindowSeconds != tt.window):
			t.Errorf("env_var_type %s of %q: %v, want a window of %d s", tt.typ, tt.val, err, tt.window)
		}
	}
}

// tracing is a Chaos Toolkit control, as its documentation declares one.
const tracing = `{"name": "tracing", "provider": {"type": "python", "module": "chaostracing.control"}}`

// Controls are refused at every level Chaos Toolkit applies them: the experiment, the hypothesis
// and each activity (TestCompileErrors).
func TestCompileRefusesControls(t *testing.T) {
	src := strings.NewReplacer("PROBES", okProbe, "METHOD", okAction).Replace(base)
	for _, tt := range []struct{ from, to, want string }{
		{`"title": "t",`, `"title": "t", "controls": [` + tracing + `],`, "controls: controls are not supported"},
		{`{"title": "h",`, `{"title": "h", "controls": [` + tracing + `],`, "steady-state-hypothesis.controls: controls are not supported"},
	} {
		e := parseExperiment(t, strings.Replace(src, tt.from, tt.to, 1))
		if err := Validate(e); err == nil || !strings.Contains(err.Error(), "\n  "+tt.want) {
			t.Errorf("err = %v, want %q", err, tt.want)
		}
	}
	// An empty list of controls is none, as in Chaos Toolkit (a template's "controls": []).
	for _, empty := range []string{`[]`, `[ ]`, `null`} {
		e := parseExperiment(t, strings.Replace(src, `"title": "t",`, `"title": "t", "controls": `+empty+`,`, 1))
		if err := Validate(e); err != nil {
			t.Errorf("controls %s: %v, want valid", empty, err)
		}
	}
}

// What Chaos Toolkit's files hold and the lab does not run is told in one problem each, saying what
// to write instead: a reference to another activity, a probe in the method (Chaos Toolkit runs one
// there), a configuration value that is an object without a type or of another type than env, and
// (with no stack's outputs, as validate has) a fault parameter named by the stack's own name.
func TestChaosToolkitFormsNotRun(t *testing.T) {
	src := strings.NewReplacer("PROBES", okProbe, "METHOD", okAction).Replace(base)
	probeInMethod := `{"type": "probe", "name": "peek", "provider": {"type": "python", "module": "chaosaws.cloudwatch.probes", "func": "get_metric_statistics", "arguments": {}}}`
	for _, tt := range []struct {
		name, from, to string
		want           []string // every problem, in order
	}{
		{"a reference", `"method": [`, `"method": [{"ref": "a"}, `,
			[]string{`method[0].ref: a reference to the activity "a" is not translated: write the action out here`}},
		{"a probe in the method", `"method": [`, `"method": [` + probeInMethod + `, `,
			[]string{`method[0].type: want "action", got "probe" (the state machine's method writes the fault and pauses, and reads no probe: move it to the steady-state hypothesis`}},
		{"an object without a type", `"configuration": {`, `"configuration": {"obj": {"a": 1}, `,
			[]string{`configuration.obj: an object without a type is a literal value in Chaos Toolkit, which the lab substitutes as text: give a string, a number or a boolean, or {"type": "env", "key": ...}`}},
		{"a value of another type", `"configuration": {`, `"configuration": {"url": {"type": "probe", "name": "x"}, `,
			[]string{`configuration.url.type: want "env" (an environment variable; or a literal value), got the string "probe" (configuration values of another type are not read here)`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := parseExperiment(t, strings.Replace(src, tt.from, tt.to, 1))
			err := Validate(e)
			var verr *Error
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			var got []string
			for _, p := range verr.Problems {
				got = append(got, p.Path+": "+p.Reason)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d: %s\nwant %s", i, got[i], w)
				}
			}
		})
	}
	e := parseExperiment(t, strings.Replace(src, SeedFaultParameter, "/orders/fault", 1))
	if err := Validate(e); err == nil || !strings.Contains(err.Error(), `parameter "/orders/fault": the state machine may write only the fault parameter (failureLambdaConfig, or the stack's own name where the stack's outputs are given (chaoslab compile or run -outputs))`) {
		t.Errorf("the stack's own name without outputs: %v", err)
	}
}

func TestValidateIgnoresUnsetEnv(t *testing.T) {
	e := experiment(t, okProbe, okAction)
	if err := Validate(e); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if _, err := Compile(e, CompileOptions{}); err == nil {
		t.Fatal("Compile without the env: want an error")
	}
}

// The fault parameter may be named by the stack's variable (FAILURE_INJECTION_PARAM, as the
// README lists it): validate, without the stack, leaves it to compile, which checks it is the
// stack's.
func TestFaultParameterFromTheEnvironment(t *testing.T) {
	src := strings.NewReplacer("PROBES", okProbe, "METHOD", okAction).Replace(base)
	src = strings.Replace(src, `"lit": "literal-queue",`, `"lit": "literal-queue", "fault_param": {"type": "env", "key": "FAILURE_INJECTION_PARAM"},`, 1)
	src = strings.ReplaceAll(src, "--name failureLambdaConfig", "--name ${fault_param}")
	e := parseExperiment(t, src)
	if err := Validate(e); err != nil {
		t.Errorf("Validate: %v", err)
	}
	out, err := Compile(e, CompileOptions{Env: testEnv, FaultParameterName: "/ChaosLab/fault"})
	if err != nil || out.Method[0].Parameter != "/ChaosLab/fault" {
		t.Fatalf("Compile with the stack's name: %v", err)
	}
	env := maps.Clone(testEnv)
	env["FAILURE_INJECTION_PARAM"] = "/prod/db-password"
	if _, err := Compile(e, CompileOptions{Env: env, FaultParameterName: "/ChaosLab/fault"}); err == nil ||
		!strings.Contains(err.Error(), `parameter "/prod/db-password": the state machine may write only the fault parameter`) {
		t.Errorf("Compile with another parameter's name: %v", err)
	}
}

func BenchmarkCompile(b *testing.B) {
	e, err := LoadDefinition("exp_2-dynamodb_disruption")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Compile(e, CompileOptions{Env: testEnv}); err != nil {
			b.Fatal(err)
		}
	}
}

// The rollbacks run as written and the last one's value stays: an experiment must end them with the
// fault off (the enabling values' expiry is a backstop, not the plan).
func TestRollbacksEndWithTheFaultOff(t *testing.T) {
	on := `{"type": "action", "name": "on again", "provider": {"type": "process", "path": "aws",
   "arguments": "ssm put-parameter --name failureLambdaConfig --type String --overwrite --value '{\"isEnabled\": true, \"failureMode\": \"latency\", \"minLatency\": 1, \"maxLatency\": 2}'"}}`
	off := `{"type": "action", "name": "off", "provider": {"type": "process", "path": "aws",
   "arguments": "ssm put-parameter --name failureLambdaConfig --type String --overwrite --value '{\"isEnabled\": false}'"}}`
	for _, tt := range []struct{ name, rollbacks, want string }{
		{"none", ``, `rollbacks: at least one action is required, the last switching the fault off`},
		{"the last enables a fault", off + ", " + on, `rollbacks[1]: the last rollback enables a fault, which would stay on after the run`},
		{"one enabling, then off", on + ", " + off, ``},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.NewReplacer("PROBES", okProbe, "METHOD", okAction).Replace(base)
			start := strings.Index(src, `"rollbacks": [`) + len(`"rollbacks": [`)
			src = src[:start] + tt.rollbacks + "]\n}"
			_, err := Compile(parseExperiment(t, src), CompileOptions{Env: testEnv})
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Compile: %v, want %q", err, tt.want)
			}
		})
	}
}

// A pause may be "${name}" of the configuration, as Chaos Toolkit allows: a number, or a string
// that reads as one.
func TestPauseFromTheConfiguration(t *testing.T) {
	for _, tt := range []struct{ name, config, pause, want string }{
		{"a number", `"pause": 45`, `"${pause}"`, ""},
		{"a string of a number", `"pause": "45"`, `"${pause}"`, ""},
		{"an environment value", `"pause": {"type": "env", "key": "PAUSE"}`, `"${pause}"`, ""},
		{"not a number", `"pause": "soon"`, `"${pause}"`, `method[0].pauses.after: ${pause} is "soon", not a number of seconds`},
		{"undefined", `"other": 1`, `"${pause}"`, `method[0].pauses.after: ${pause} is not defined in configuration`},
		{"negative", `"pause": -5`, `"${pause}"`, `method[0].pauses.after: want seconds ≥ 0, got -5`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.NewReplacer("PROBES", okProbe, "METHOD", strings.Replace(okAction, `"pauses": {"after": 30}`, `"pauses": {"after": `+tt.pause+`}`, 1),
				`"lit": "literal-queue",`, `"lit": "literal-queue", `+tt.config+`,`).Replace(base)
			env := maps.Clone(testEnv)
			env["PAUSE"] = "45"
			c, err := Compile(parseExperiment(t, src), CompileOptions{Env: env})
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want == "" && c.Method[0].PauseAfterSeconds != 45:
				t.Errorf("pause after %d s, want 45", c.Method[0].PauseAfterSeconds)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Compile: %v, want %q", err, tt.want)
			}
		})
	}
	// A string that is not one ${name} is no pause.
	for _, pause := range []string{`"45"`, `"${pause}s"`, `true`} {
		src := strings.NewReplacer("PROBES", okProbe, "METHOD", strings.Replace(okAction, `"pauses": {"after": 30}`, `"pauses": {"after": `+pause+`}`, 1)).Replace(base)
		if _, err := Parse([]byte(src), "test.json", nil, "."); err == nil || !strings.Contains(err.Error(), "method[0].pauses.after: want a JSON number, got JSON") {
			t.Errorf("pause %s: %v, want it refused as no number", pause, err)
		}
	}
}

// A file that is JSON null decoded as an empty experiment and was judged as one: it is said to be
// null.
func TestNullFileIsNoExperiment(t *testing.T) {
	_, err := Parse([]byte(" null\n"), "null.json", Definitions, ".")
	if err == nil || !strings.Contains(err.Error(), "want a JSON object, an experiment, got JSON null") {
		t.Errorf("err = %v, want the file named null", err)
	}
}

// Chaos Toolkit reads YAML experiments too, and so does this lab: a shipped experiment written in
// YAML (as yq writes JSON out as YAML) compiles exactly as its JSON does; a problem names its path,
// and a YAML syntax error its line.
func TestYAMLExperiments(t *testing.T) {
	raw, err := fs.ReadFile(Definitions, "exp_1-minor_delay.json")
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Parse(raw, "exp_1-minor_delay.json", Definitions, ".")
	if err != nil {
		t.Fatal(err)
	}
	yml := toYAML(t, raw)
	fromYAML, err := Parse(yml, "exp_1-minor_delay.yaml", Definitions, ".")
	if err != nil {
		t.Fatalf("%v\n%s", err, yml)
	}
	opts := CompileOptions{Env: testEnv, FaultParameterName: "/ChaosLab/fault"}
	a, b := mustCompile(t, fromJSON, opts), mustCompile(t, fromYAML, opts)
	if a.Source != "exp_1-minor_delay.json" || b.Source != "exp_1-minor_delay.yaml" {
		t.Errorf("sources %s and %s, want each file's", a.Source, b.Source)
	}
	b.Source = a.Source
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("the YAML compiles as\n%s\nwant (the JSON's)\n%s", jb, ja)
	}
	if BaseName("dir/exp_1-minor_delay.yml") != "exp_1-minor_delay" || BaseName("x.JSON") != "x" || BaseName("a.b") != "a.b" {
		t.Errorf("BaseName: %s %s %s", BaseName("dir/exp_1-minor_delay.yml"), BaseName("x.JSON"), BaseName("a.b"))
	}

	for _, c := range []struct{ name, src, want string }{
		{"a type", "title: t\nmethod:\n  - name: 7\n", "method[0].name: want a JSON string, got JSON number"},
		{"syntax", "title: t\nmethod: [\n", "read as YAML: line"},
		{"a tag", "title: !Ref T\n", "read as YAML: line 1: the tag !Ref is not read here"},
	} {
		_, err := Parse([]byte(c.src), "e.yml", Definitions, ".")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

// toYAML writes JSON out as block YAML (what `yq -P` does), keys in their order: every string
// quoted, numbers, booleans and null as they are.
func toYAML(t *testing.T, data []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var b strings.Builder
	var value func(indent string, inList bool) // writes the value whose first token is next
	value = func(indent string, inList bool) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case json.Delim:
			empty := !dec.More()
			if empty {
				dec.Token()
				b.WriteString(map[json.Delim]string{'{': " {}\n", '[': " []\n"}[v])
				return
			}
			b.WriteString("\n")
			for first := true; dec.More(); first = false {
				if v == '{' {
					k, _ := dec.Token()
					kb, _ := json.Marshal(k)
					b.WriteString(indent + string(kb) + ":")
				} else {
					b.WriteString(indent + "-")
				}
				_ = first
				value(indent+"  ", v == '[')
			}
			dec.Token()
		case string:
			sb, _ := json.Marshal(v)
			b.WriteString(" " + string(sb) + "\n")
		case nil:
			b.WriteString(" null\n")
		default:
			b.WriteString(" " + fmt.Sprint(v) + "\n")
		}
	}
	value("", false)
	return []byte(strings.TrimPrefix(b.String(), "\n"))
}

// The statistics CloudWatch computes pass, by function: get_metric_statistics takes the basic five as
// statistic and a percentile as extended_statistic; get_metric_data any of them as statistic.
func TestCloudWatchStatistics(t *testing.T) {
	for _, tt := range []struct {
		args       map[string]any
		statistics bool
		ok         bool
	}{
		{map[string]any{"statistic": "Sum"}, true, true},
		{map[string]any{"statistic": "SampleCount"}, false, true},
		{map[string]any{"extended_statistic": "p99.9"}, true, true},
		{map[string]any{"extended_statistic": "p100"}, true, true},
		{map[string]any{"extended_statistic": "p100.0"}, true, true},
		{map[string]any{"extended_statistic": "tm90"}, true, false}, // GetMetricStatistics: percentiles only
		{map[string]any{"statistic": "p99"}, false, true},
		{map[string]any{"statistic": "tm90"}, false, true},
		{map[string]any{"statistic": "TM(10%:90%)"}, false, true},
		{map[string]any{"statistic": "PR(:300)"}, false, true},
		{map[string]any{"statistic": "IQM"}, false, true},
		{map[string]any{"statistic": "sum"}, true, false},
		{map[string]any{"statistic": "p99"}, true, false},
		{map[string]any{"statistic": "p"}, false, false},
		{map[string]any{"statistic": "TM10"}, false, false},
		// Bounds as the local CloudWatch reads them (internal/cwstat): what validates, it computes.
		{map[string]any{"statistic": "TM(150:1000)"}, false, true},
		{map[string]any{"statistic": "TM(abc:)"}, false, false},
		{map[string]any{"statistic": "TM(90%:10%)"}, false, false},
		{map[string]any{"statistic": "WM(10:90)"}, false, false},
		{map[string]any{"statistic": "PR(10%:20%)"}, false, false},
	} {
		stat, extended := tt.args["extended_statistic"].(string)
		if !extended {
			stat = tt.args["statistic"].(string)
		}
		if why := badStatistic(stat, extended, tt.statistics); (why == "") != tt.ok {
			t.Errorf("badStatistic(%v, get_metric_statistics %v) = %q, want ok %v", tt.args, tt.statistics, why, tt.ok)
		}
	}
}

// A plan is the observation before, every pause, and the observation after the rollbacks.
func TestPlanned(t *testing.T) {
	c := Compiled{SteadyState: CompiledHypothesis{ObserveSeconds: 300, RecoverySeconds: 60},
		Method:    []CompiledAction{{PauseBeforeSeconds: 5, PauseAfterSeconds: 600}, {PauseAfterSeconds: 30}},
		Rollbacks: []CompiledAction{{PauseAfterSeconds: 10}}}
	if got, want := c.Planned(), 1005*time.Second; got != want {
		t.Errorf("Planned() = %s, want %s", got, want)
	}
	// No RecoverySeconds is the observation before's (its default).
	c.SteadyState.RecoverySeconds = 0
	if got, want := c.Planned(), 1245*time.Second; got != want {
		t.Errorf("Planned() without RecoverySeconds = %s, want %s", got, want)
	}
}

// What the experiment asks and the machine does otherwise, without being wrong, is a note: an aws
// CLI command's --region or --profile (before the service too, as the CLI takes them), chaosaws's
// aws_region. The probe is translated as without them.
func TestNotesForWhatTheMachineDoesOtherwise(t *testing.T) {
	plain := strings.Replace(cliProbe, "ARG", "file://q.json", 1)
	want := mustCompile(t, experiment(t, plain, okAction), CompileOptions{Env: testEnv})
	if len(want.Notes) != 0 {
		t.Fatalf("notes without a region: %v", want.Notes)
	}
	for _, tt := range []struct {
		name, from, to string
		notes          []string
	}{
		{"--region after", `"arguments": "cloudwatch get-metric-data`, `"arguments": "cloudwatch get-metric-data --region eu-west-2`,
			[]string{"steady-state-hypothesis.probes[0].provider.arguments: --region eu-west-2 is not used: the state machine works in its own stack's region"}},
		{"--region and --profile before the service", `"arguments": "cloudwatch get-metric-data`, `"arguments": "--region=eu-west-2 --profile lab cloudwatch get-metric-data`,
			[]string{"--region eu-west-2 is not used", "--profile lab is not used: the state machine acts with its own role"}},
	} {
		c := mustCompile(t, experiment(t, strings.Replace(plain, tt.from, tt.to, 1), okAction), CompileOptions{Env: testEnv})
		if len(c.Notes) != len(tt.notes) {
			t.Errorf("%s: notes %v, want %d", tt.name, c.Notes, len(tt.notes))
			continue
		}
		for i, n := range tt.notes {
			if !strings.Contains(c.Notes[i], n) {
				t.Errorf("%s: note %q, want %q", tt.name, c.Notes[i], n)
			}
		}
		if got, _ := json.Marshal(c.SteadyState); string(got) != string(must(json.Marshal(want.SteadyState))) {
			t.Errorf("%s: the probe is translated otherwise than without the options:\n%s\n%s", tt.name, got, must(json.Marshal(want.SteadyState)))
		}
	}
	c := mustCompile(t, parseExperiment(t, strings.NewReplacer("PROBES", plain, "METHOD", okAction, `"lit": "literal-queue"`, `"lit": "literal-queue", "aws_region": "eu-west-2"`).Replace(base)), CompileOptions{Env: testEnv})
	if len(c.Notes) != 1 || c.Notes[0] != "configuration.aws_region: not used: the state machine works in its own stack's region" {
		t.Errorf("aws_region: notes %v", c.Notes)
	}
	// A pause of a fraction of a second is waited whole seconds: said, with what is waited.
	c = mustCompile(t, experiment(t, plain, strings.Replace(okAction, `"after": 30`, `"after": 1.5`, 1)), CompileOptions{Env: testEnv})
	if len(c.Notes) != 1 || c.Notes[0] != "method[0].pauses.after: 1.5 s is waited as 2 s: the state machine waits whole seconds (rounded up)" || c.Method[0].PauseAfterSeconds != 2 {
		t.Errorf("a pause of 1.5 s: notes %v, pause %d s", c.Notes, c.Method[0].PauseAfterSeconds)
	}
	// chaosaws's profile and role: neither is used, and each is said so (a role in another account
	// would have been ignored unsaid).
	c = mustCompile(t, parseExperiment(t, strings.NewReplacer("PROBES", plain, "METHOD", okAction, `"lit": "literal-queue"`,
		`"lit": "literal-queue", "aws_profile_name": "ops", "aws_assume_role_arn": "arn:aws:iam::210987654321:role/chaos"`).Replace(base)), CompileOptions{Env: testEnv})
	if len(c.Notes) != 2 || c.Notes[0] != "configuration.aws_assume_role_arn: not used: the state machine calls AWS with its own execution role, in its own account; no other role is assumed" ||
		!strings.HasPrefix(c.Notes[1], "configuration.aws_profile_name: not used") {
		t.Errorf("aws_profile_name and aws_assume_role_arn: notes %v", c.Notes)
	}
	// A failure-lambda 1.0 condition on the SQS event's envelope never holds on this SQS-fed
	// function (the parser accepts it, as failure-lambda does): a note on the method's action.
	envelope := `{"type": "action", "name": "on", "provider": {"type": "python", "module": "chaosaws.ssm.actions", "func": "put_parameter",
		"arguments": {"name": "failureLambdaConfig", "type": "String", "overwrite": true,
		"value": {"exception": {"enabled": true, "match": [{"path": "Records.0.eventSource", "operator": "eq", "value": "aws:sqs"}]}}}},
		"pauses": {"after": 30}}`
	c = mustCompile(t, experiment(t, plain, envelope), CompileOptions{Env: testEnv})
	if len(c.Notes) != 1 || !strings.HasPrefix(c.Notes[0], `method[0]: the exception fault's condition Records.0.eventSource eq "aws:sqs" reads the SQS event's envelope`) {
		t.Errorf("a condition on the envelope: notes %v", c.Notes)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Chaos Toolkit refuses an experiment without a description ("experiment requires a
// description") and a hypothesis without a title ("hypothesis requires a title"); validate did
// not, so a file that passed here failed in `chaos run`.
func TestDescriptionAndHypothesisTitleRequired(t *testing.T) {
	src := strings.NewReplacer("PROBES", okProbe, "METHOD", okAction).Replace(base)
	for _, tt := range []struct{ from, to, want string }{
		{`"description": "d",`, ``, "description: required, as Chaos Toolkit requires it"},
		{`"description": "d",`, `"description": "",`, "description: required, as Chaos Toolkit requires it"},
		{`{"title": "h",`, `{`, "steady-state-hypothesis.title: required, as Chaos Toolkit requires it"},
		{`{"title": "h",`, `{"title": "",`, "steady-state-hypothesis.title: required, as Chaos Toolkit requires it"},
	} {
		e := parseExperiment(t, strings.Replace(src, tt.from, tt.to, 1))
		err := Validate(e)
		var cerr *Error
		if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s → %s: err = %v, want the one problem %q", tt.from, tt.to, err, tt.want)
		}
	}
}

// A configuration variable's problem is said once per activity, with the name meant: an env key no
// stack output gives lists the ones they give (the nearest first), and an undefined ${name} names
// the configuration's nearest. A probe's arguments and the queries among them said each twice.
func TestConfigurationProblemsNameWhatIsMeant(t *testing.T) {
	native := `{"type": "probe", "name": "n", "tolerance": 0, "provider": {"type": "python", "module": "chaoslab.cloudwatch", "func": "metric_data",
		"arguments": {"duration": 120, "metric_data_queries": [{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent",
		"Dimensions": [{"Name": "QueueName", "Value": "${VAR}"}]}, "Period": 60, "Stat": "Sum"}}]}}}`
	for _, tt := range []struct{ name, config, ref, want string }{
		{"env key no output gives", `"errq": {"type": "env", "key": "ERROR_QUEUE"}`, "${errq}",
			`configuration errq: environment variable ERROR_QUEUE is not set, and no stack output gives it: did you mean ERROR_QUEUE_NAME? (the stack's outputs give CSV_QUEUE_NAME, `},
		{"undefined name", `"error_queue": "q"`, "${eror_queue}", `${eror_queue} is not defined in configuration; did you mean ${error_queue}?`},
	} {
		src := strings.NewReplacer("PROBES", strings.Replace(native, "${VAR}", tt.ref, 1), "METHOD", okAction).Replace(base)
		src = strings.Replace(src, `"lit": "literal-queue",`, tt.config+", ", 1)
		_, err := Compile(parseExperiment(t, src), CompileOptions{Env: testEnv, FaultParameterName: "p"})
		var cerr *Error
		if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want the one problem %q", tt.name, err, tt.want)
		}
	}
}
