package experiments

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCompileTranslates(t *testing.T) {
	tests := []struct {
		name  string
		probe string
		check func(t *testing.T, p CompiledProbe)
	}{
		{name: "cli probe with file", probe: strings.Replace(cliProbe, "ARG", "file://q.json", 1), check: func(t *testing.T, p CompiledProbe) {
			if p.WindowSeconds != 300 || p.MetricDataQueries[0].MetricStat.Metric.Dimensions[0].Value != "literal-queue" || p.NoData != NoDataFail {
				t.Errorf("%+v", p)
			}
		}},
		{name: "cli probe inline json, macOS date", probe: strings.NewReplacer("ARG", `'[{\"Id\": \"e1\", \"Expression\": \"SUM(METRICS())\"}]'`, "--date '5 min ago'", "-v-2M").Replace(cliProbe), check: func(t *testing.T, p CompiledProbe) {
			if p.WindowSeconds != 120 || p.MetricDataQueries[0].Expression != "SUM(METRICS())" {
				t.Errorf("%+v", p)
			}
		}},
		{name: "chaosaws statistics", probe: okProbe, check: func(t *testing.T, p CompiledProbe) {
			m := p.MetricDataQueries[0].MetricStat
			if p.WindowSeconds != 60 || m.Metric.Dimensions[0].Value != "ChaosLab-Topic" || m.Stat != "Sum" || p.NoData != NoDataZero {
				t.Errorf("%+v %+v", p, m)
			}
		}},
		{name: "chaosaws get_metric_data defaults", probe: `{"type": "probe", "name": "d", "tolerance": true, "provider": {"type": "python", "module": "chaosaws.cloudwatch.probes", "func": "get_metric_data",
			"arguments": {"namespace": "N", "metric_name": "M", "dimensions": [{"Name": "A", "Value": "${dflt}"}]}}}`, check: func(t *testing.T, p CompiledProbe) {
			m := p.MetricDataQueries[0].MetricStat
			if p.WindowSeconds != 300 || m.Stat != "Average" || m.Metric.Dimensions[0].Value != "fallback" || p.Tolerance != (Tolerance{Type: ToleranceBoolean, Min: 1, Max: 1, Text: "true"}) {
				t.Errorf("%+v %+v", p, m)
			}
			if l := p.MetricDataQueries[0].Label; l != "d" {
				t.Errorf("label %q, want the probe's name", l)
			}
		}},
		{name: "chaosaws get_metric_data SampleCount over one period", probe: `{"type": "probe", "name": "d", "tolerance": [0, 5], "provider": {"type": "python", "module": "chaosaws.cloudwatch.probes", "func": "get_metric_data",
			"arguments": {"namespace": "N", "metric_name": "M", "dimension_name": "A", "dimension_value": "B", "statistic": "SampleCount", "duration": 120, "period": 120}}}`, check: func(t *testing.T, p CompiledProbe) {
			if m := p.MetricDataQueries[0].MetricStat; p.WindowSeconds != 120 || m.Stat != "SampleCount" {
				t.Errorf("%+v %+v", p, m)
			}
		}},
		{name: "chaosaws with a [min, max] tolerance", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": [0, 5.5]`, 1), check: func(t *testing.T, p CompiledProbe) {
			if p.Tolerance != (Tolerance{Type: ToleranceRange, Min: 0, Max: 5.5, Text: "[0, 5.5]"}) {
				t.Errorf("tolerance %+v, want the range [0, 5.5]", p.Tolerance)
			}
		}},
		// The text is the numbers, not their spelling: jq 1.6 rewrites -10.0 as -10 and jq 1.7 keeps
		// it, and the lab guides' expected output must not depend on which one wrote the file.
		{name: "tolerance text whatever the spelling", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": {"type": "range", "range": [-10.0, 8.0e1]}`, 1), check: func(t *testing.T, p CompiledProbe) {
			if p.Tolerance != (Tolerance{Type: ToleranceRange, Min: -10, Max: 80, Text: "[-10, 80]"}) {
				t.Errorf("tolerance %+v, want [-10, 80] as its text", p.Tolerance)
			}
		}},
		{name: "exact tolerance text", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": 2.50`, 1), check: func(t *testing.T, p CompiledProbe) {
			if p.Tolerance.Text != "2.5" {
				t.Errorf("tolerance %+v, want 2.5 as its text", p.Tolerance)
			}
		}},
		{name: "tolerance text of -0 and a tiny bound", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": [-0.0, 1e-7]`, 1), check: func(t *testing.T, p CompiledProbe) {
			if p.Tolerance.Text != "[0, 1e-07]" {
				t.Errorf("tolerance %+v, want [0, 1e-07] as its text", p.Tolerance)
			}
		}},
		{name: "tolerance text of a huge bound", probe: strings.Replace(okProbe, `"tolerance": 0`, `"tolerance": [1000000, 1e21]`, 1), check: func(t *testing.T, p CompiledProbe) {
			if p.Tolerance.Text != "[1000000, 1e+21]" {
				t.Errorf("tolerance %+v, want [1000000, 1e+21] as its text", p.Tolerance)
			}
		}},
		{name: "native inline queries", probe: `{"type": "probe", "name": "n", "tolerance": false, "provider": {"type": "python", "module": "chaoslab.cloudwatch", "func": "metric_data",
			"arguments": {"duration": 120, "no_data": "zero", "metric_data_queries": [{"Id": "e1", "Expression": "m1*2", "ReturnData": true}, {"Id": "m1", "ReturnData": false, "MetricStat": {"Metric": {"Namespace": "N", "MetricName": "M"}, "Period": 60, "Stat": "Sum"}}]}}}`,
			check: func(t *testing.T, p CompiledProbe) {
				if p.WindowSeconds != 120 || p.NoData != NoDataZero || p.Tolerance.Max != 0 || !strings.HasPrefix(p.Query, "e1 = m1*2 where m1 = N M{} Sum") {
					t.Errorf("%+v", p)
				}
				// The returned query, unlabelled, is labelled with the probe's name; the others stay unlabelled.
				if p.MetricDataQueries[0].Label != "n" || p.MetricDataQueries[1].Label != "" {
					t.Errorf("labels %q, %q; want the probe's name on e1 only", p.MetricDataQueries[0].Label, p.MetricDataQueries[1].Label)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, experiment(t, tt.probe, okAction), CompileOptions{Env: testEnv})
			tt.check(t, c.SteadyState.Probes[0])
		})
	}
}

// A probe's name becomes its returned query's label, unless CloudWatch would read it as a dynamic label.
func TestProbeLabel(t *testing.T) {
	if got := probeLabel("messages-in-flight"); got != "messages-in-flight" {
		t.Errorf("probeLabel = %q", got)
	}
	if got := probeLabel("errors of ${lambda_function}"); got != "" {
		t.Errorf("probeLabel of a name with ${ = %q, want none", got)
	}
}

// A value the verdict does not read is placed, not judged.
func TestUnjudged(t *testing.T) {
	v := 3.0
	for _, tc := range []struct {
		p    ProbeResult
		want string
	}{
		{ProbeResult{Value: &v, Pass: true}, "inside, not judged"},
		{ProbeResult{Value: &v}, "outside, not judged"},
		{ProbeResult{Status: ProbeNoData}, "no data, not judged"},
	} {
		if got := tc.p.Unjudged(); got != tc.want {
			t.Errorf("Unjudged(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// What CloudWatch refuses only when the machine queries it, minutes into a run, is a problem of the
// file: a statistic CloudWatch does not compute ("sum"), an expression naming an id that is none of
// the probe's queries, and a misspelt member of a query ("Dimension"), each at its path, with the
// word meant. An id inside a SEARCH's text, a function's name and a number's exponent are no ids.
func TestNativeQueriesCheckedAsCloudWatchChecksThem(t *testing.T) {
	native := func(queries string) string {
		return `{"type": "probe", "name": "n", "tolerance": 0, "provider": {"type": "python", "module": "chaoslab.cloudwatch", "func": "metric_data",
			"arguments": {"duration": 120, "metric_data_queries": [` + queries + `]}}}`
	}
	const csv = `{"Id": "csv", "ReturnData": false, "MetricStat": {"Metric": {"Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent"}, "Period": 60, "Stat": "Sum"}}`
	const p = "steady-state-hypothesis.probes[0].provider.arguments.metric_data_queries"
	for _, tt := range []struct{ name, queries, want string }{
		{"lower-case statistic", strings.Replace(csv, `"Sum"`, `"sum"`, 1) + `, {"Id": "e1", "Expression": "csv * 2"}`,
			p + `[0].MetricStat.Stat: "sum" is not a CloudWatch statistic: did you mean Sum?`},
		{"expression naming no query", csv + `, {"Id": "e1", "Expression": "csvv * 100 / (csv + 1e3)"}`,
			p + `[1].Expression: "csvv" is not the Id of a query of this probe (csv, e1); did you mean csv?`},
		{"unit CloudWatch has not", strings.Replace(csv, `"Stat": "Sum"`, `"Stat": "Sum", "Unit": "Millisecond"`, 1) + `, {"Id": "e1", "Expression": "csv"}`,
			p + `[0].MetricStat.Unit: "Millisecond" is not a CloudWatch unit: did you mean Milliseconds?`},
		{"misspelt member", strings.Replace(csv, `"MetricName"`, `"Dimension": [], "MetricName"`, 1) + `, {"Id": "e1", "Expression": "csv"}`,
			p + `[0].MetricStat.Metric.Dimension: unknown key; did you mean "Dimensions"?`},
	} {
		err := Validate(experiment(t, native(tt.queries), okAction))
		var cerr *Error
		if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want the one problem %q", tt.name, err, tt.want)
		}
	}
	ok := csv + `, {"Id": "e1", "Expression": "IF(csv > 1e3, SUM(METRICS()), FILL(csv, REPEAT)) + SEARCH('{AWS/SQS,QueueName} MetricName=\"x\"', 'Sum', 60) * 0"}`
	if err := Validate(experiment(t, native(ok), okAction)); err != nil {
		t.Errorf("functions, keywords, numbers and quoted text taken for ids: %v", err)
	}
	// A Metrics Insights query's words are metrics and dimensions, its keywords in any case; a
	// SEARCH's quoted text may hold an escaped quote.
	for _, expr := range []string{
		`select sum(symbolWrites) from ChaosTransformer where stage = 'prod'`,
		`SEARCH('{AWS/SQS,QueueName} QueueName=\'it\'s\' queue', 'Sum', 60)`,
	} {
		src, _ := json.Marshal(expr)
		if err := Validate(experiment(t, native(`{"Id": "q", "Expression": `+string(src)+`, "Period": 60}`), okAction)); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
}

// A range open on one side (import-fis writes an alarm's threshold so) reads as that side alone,
// not as float64's largest number.
func TestRangeText(t *testing.T) {
	for _, tt := range []struct {
		lo, hi float64
		want   string
	}{
		{-math.MaxFloat64, 50, "at most 50"},
		{5, math.MaxFloat64, "at least 5"},
		{-math.MaxFloat64, math.MaxFloat64, "any number"},
		{-10, 20, "[-10, 20]"},
	} {
		if got := rangeText(tt.lo, tt.hi); got != tt.want {
			t.Errorf("rangeText(%v, %v) = %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
}
