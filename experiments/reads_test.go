package experiments

import (
	"strings"
	"testing"
)

// What the report says a probe reads, for every probe of the shipped experiments: the metric math
// with the queries' labels where the ids stood, in the operators a reader writes.
func TestShippedProbesReadInWords(t *testing.T) {
	want := map[string]string{
		"messages-in-flight": "Percent in flight = ((2 × JSON messages in) − (DynamoDB writes + CSV messages out)) / (2 × JSON messages in) × 100 (each metric a Sum over the window)",
		"zero-sns-errors":    "the Sum of AWS/SNS NumberOfNotificationsFailed over the window",
		"normal-error-rates": "Error rate percent = Function errors / JSON messages in × 100 (each metric a Sum over the window)",
	}
	seen := map[string]bool{}
	for _, name := range Names() {
		e, err := LoadDefinition(name)
		if err != nil {
			t.Fatal(err)
		}
		c := mustCompile(t, e, CompileOptions{Env: testEnv, FaultParameterName: "/ChaosLab/fault"})
		for _, p := range c.SteadyState.Probes {
			got := p.Reads()
			if w, ok := want[p.Name]; ok && got != w {
				t.Errorf("%s: %s reads %q, want %q", name, p.Name, got, w)
			}
			// No probe reads as its ids: m1, e1.
			for _, q := range p.MetricDataQueries {
				if strings.Contains(" "+got+" ", " "+q.Id+" ") || strings.Contains(got, "("+q.Id) || strings.Contains(got, q.Id+")") {
					t.Errorf("%s: %s reads %q, which names the query id %s", name, p.Name, got, q.Id)
				}
			}
			if got == "" {
				t.Errorf("%s: %s reads nothing", name, p.Name)
			}
			seen[p.Name] = true
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no shipped experiment has the probe %s", name)
		}
	}
}

// Unlabelled metrics read as their metric's name, with their dimensions' values where two share it;
// a single metric as its statistic and name.
func TestUnlabelledProbeReadsItsMetrics(t *testing.T) {
	f := false
	stat := func(id, name, queue string) MetricDataQuery {
		return MetricDataQuery{Id: id, ReturnData: &f, MetricStat: &MetricStat{Stat: "Sum",
			Metric: Metric{Namespace: "AWS/SQS", MetricName: name, Dimensions: []Dimension{{Name: "QueueName", Value: queue}}}}}
	}
	p := CompiledProbe{Name: "in-flight", MetricDataQueries: []MetricDataQuery{
		stat("m1", "NumberOfMessagesSent", "json"), stat("m2", "NumberOfMessagesSent", "csv"), stat("m3", "NumberOfMessagesDeleted", "csv"),
		{Id: "e1", Expression: "(m1-m2-m3)/m1*100", Label: "in-flight"}}}
	if got, want := p.Reads(), "(NumberOfMessagesSent (json) − NumberOfMessagesSent (csv) − NumberOfMessagesDeleted) / NumberOfMessagesSent (json) × 100 (each metric a Sum over the window)"; got != want {
		t.Errorf("Reads() = %q, want %q", got, want)
	}
	one := CompiledProbe{Name: "depth", MetricDataQueries: []MetricDataQuery{stat("m1", "ApproximateNumberOfMessagesVisible", "json")}}
	one.MetricDataQueries[0].ReturnData = nil
	one.MetricDataQueries[0].MetricStat.Stat = "Maximum"
	if got, want := one.Reads(), "the Maximum of AWS/SQS ApproximateNumberOfMessagesVisible over the window"; got != want {
		t.Errorf("Reads() = %q, want %q", got, want)
	}
}

func TestReadExpression(t *testing.T) {
	names := map[string]string{"m1": "Errors", "m2": "Invocations", "e2": "e2"}
	name := func(id string) (string, bool) { n, ok := names[id]; return n, ok }
	for _, tt := range []struct{ expr, want string }{
		{"m1/m2*100", "Errors / Invocations × 100"},
		{"-m1 + 1e-3", "−Errors + 1e-3"},
		{"IF(m2 > 0, m1 / m2, 0)", "IF(Invocations > 0, Errors / Invocations, 0)"},
		{"FILL(m1, REPEAT) - e2", "FILL(Errors, REPEAT) − e2"},
		{`SEARCH('{AWS/Lambda,FunctionName} Errors', 'Sum', 60)`, `SEARCH('{AWS/Lambda,FunctionName} Errors', 'Sum', 60)`},
		{"m1 * (-2)", "Errors × (−2)"},
		{"x1 >= m2", "x1 >= Invocations"},
		{"m1 > 0 && m2 > 0 || m1 == 0", "Errors > 0 && Invocations > 0 || Errors == 0"},
		{"m1 > 0 AND -m2 < 0", "Errors > 0 AND −Invocations < 0"},
	} {
		got, ok := readExpression(tt.expr, name)
		if !ok || got != tt.want {
			t.Errorf("readExpression(%q) = %q, %v; want %q", tt.expr, got, ok, tt.want)
		}
	}
	// A character metric math has no use for: shown as written.
	if _, ok := readExpression("m1 # m2", name); ok {
		t.Error("readExpression of an expression with # read it")
	}
}
