package cloudwatch

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseEMF(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		ok     bool
		want   []string // "ns/name{dims}=value unit"
		millis int64
	}{
		{name: "the function's SymbolWriteCount", ok: true, millis: 1700000000000,
			line: `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"ChaosTransformer","Dimensions":[["DynamoDBTable"]],"Metrics":[{"Name":"SymbolWriteCount","Unit":"Count"}]}]},"DynamoDBTable":"chaos","SymbolWriteCount":1}`,
			want: []string{"ChaosTransformer/SymbolWriteCount{DynamoDBTable=chaos}=1 Count"}},
		{name: "two dimension sets and an array value", ok: true, millis: 1700000000000,
			line: `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["A"],["A","B"]],"Metrics":[{"Name":"L","Unit":"Milliseconds"}]}]},"A":"a","B":"b","L":[3,4]}`,
			want: []string{"N/L{A=a}=3 Milliseconds", "N/L{A=a}=4 Milliseconds", "N/L{A=a,B=b}=3 Milliseconds", "N/L{A=a,B=b}=4 Milliseconds"}},
		{name: "no dimensions", ok: true, millis: 1700000000000,
			line: `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"X"}]}]},"X":2.5}`,
			want: []string{"N/X{}=2.5 "}},
		{name: "missing metric value is skipped", ok: true, millis: 1700000000000,
			line: `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"X"}]}]}}`},
		{name: "plain log line", line: `{"level":"INFO","msg":"converted"}`},
		{name: "not json", line: `START RequestId: 1 Version: $LATEST`},
		{name: "broken json mentioning _aws", line: `{"_aws": {`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, ok := ParseEMF([]byte(tc.line))
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			var got []string
			for _, d := range data {
				ks, _ := keyOf(d.Namespace, d.Name, dimsOf(d.Dimensions))
				dims := ""
				for i, c := range ks.dims {
					if c == 0 {
						dims += ","
					} else {
						dims += string(ks.dims[i])
					}
				}
				got = append(got, fmt.Sprintf("%s/%s{%s}=%v %s", d.Namespace, d.Name, dims, d.Value, d.Unit))
				if d.Time.UnixMilli() != tc.millis {
					t.Errorf("time = %v, want %d ms", d.Time, tc.millis)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("data = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMetricMath(t *testing.T) {
	s := NewStore()
	start := time.Unix(1700000000, 0).UTC()
	at := func(i int) time.Time { return start.Add(time.Duration(i)*time.Minute + time.Second) }
	for i, v := range []float64{1, 2, 3} { // a: minutes 0,1,2
		s.Put(Datum{Namespace: "N", Name: "a", Value: v, Time: at(i)})
	}
	for i, v := range []float64{10, 0} { // b: minutes 0,2 (none at 1), 0 at 2
		s.Put(Datum{Namespace: "N", Name: "b", Value: v, Time: at(2 * i)})
	}
	q := func(id, name string) Query {
		return Query{ID: id, MetricStat: &MetricStat{Namespace: "N", Name: name, Period: time.Minute, Stat: "Sum"}}
	}
	tests := []struct {
		name    string
		expr    string
		want    string
		wantErr bool
		errSays string // when wantErr, what the error must say (any error when "")
	}{
		{name: "precedence", expr: "a + 2 * a", want: "[3 6 9]"},
		{name: "parens and unary minus", expr: "-(a - 4) * 2", want: "[6 4 2]"},
		{name: "series op series at common timestamps", expr: "a + b", want: "[11 3]"},
		{name: "division by zero drops the point", expr: "a / b", want: "[0.1]"},
		{name: "FILL with 0", expr: "FILL(b, 0)", want: "[10 0 0 0 0]"},
		{name: "FILL REPEAT", expr: "FILL(b, REPEAT)", want: "[10 10 0 0 0]"},
		{name: "SUM(METRICS()) per timestamp", expr: "SUM(METRICS())", want: "[11 2 3]"},
		{name: "METRICS filter", expr: `SUM(METRICS("a"))`, want: "[1 2 3]"},
		{name: "SUM of one series is a scalar", expr: "SUM(a) + 0", want: "[6 6 6 6 6]"},
		{name: "constant", expr: "100", want: "[100 100 100 100 100]"},
		{name: "ABS", expr: "ABS(b - 5)", want: "[5 5]"},
		{name: "seed in-flight formula", expr: "((2*a)-(a+b))/(2*a)*100", want: "[-450 50]"},
		{name: "IF guards a division", expr: "IF(b > 0, a / b * 100, 0)", want: "[10 0]"},
		{name: "IF without a false value", expr: "IF(a >= 2, a)", want: "[2 3]"},
		{name: "IF of a scalar condition", expr: "IF(SUM(a) > 5, 1, 2)", want: "[1 1 1 1 1]"},
		{name: "comparison below arithmetic", expr: "a + 1 > 2", want: "[0 1 1]"},
		{name: "AND", expr: "a > 1 AND a < 3", want: "[0 1 0]"},
		{name: "OR and ==", expr: "a == 1 || a == 3", want: "[1 0 1]"},
		{name: "NOT", expr: "NOT (a == 2)", want: "[1 0 1]"},
		{name: "NOT below comparison", expr: "NOT a == 2", want: "[1 0 1]"},    // NOT (a == 2), not (NOT a) == 2
		{name: "NOT below arithmetic", expr: "NOT a - 1", want: "[1 0 0]"},     // NOT (a - 1)
		{name: "NOT above AND", expr: "NOT a == 1 AND a < 3", want: "[0 1 0]"}, // (NOT (a == 1)) AND (a < 3)
		{name: "!= and <=", expr: "(a != 2) && (a <= 2)", want: "[1 0 0]"},
		{name: "IF with one argument", expr: "IF(a)", wantErr: true},
		{name: "a scalar with no value times a number", expr: "0/0*0", want: "[]"}, // it panicked (FuzzMetricMath)
		{name: "unknown id", expr: "zz + 1", wantErr: true},
		{name: "unknown function", expr: "ANOMALY_DETECTION_BAND(a)", wantErr: true},
		{name: "syntax", expr: "a +", wantErr: true},
		{name: "self reference", expr: "e + 1", wantErr: true},
		// A Metrics Insights query is said to be one the local CloudWatch does not serve, not a
		// syntax error in the caller's query.
		{name: "Metrics Insights", expr: `SELECT SUM(Invocations) FROM "AWS/Lambda"`, wantErr: true, errSays: "Metrics Insights queries (SELECT ... FROM ...) are not served"},
		{name: "Metrics Insights, lowercase", expr: `select avg(CPUUtilization) from SCHEMA("AWS/EC2")`, wantErr: true, errSays: "Metrics Insights"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.GetMetricData([]Query{q("a", "a"), q("b", "b"), {ID: "e", Expression: tc.expr, ReturnData: true}},
				start, start.Add(5*time.Minute), false)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.errSays) {
					t.Fatalf("got %+v, %v; want an error saying %q", res, err, tc.errSays)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || fmt.Sprint(res[0].Values) != tc.want {
				t.Errorf("values = %+v, want %s", res, tc.want)
			}
		})
	}
}

func TestStatisticsAndPercentiles(t *testing.T) {
	s := NewStore()
	start := time.Unix(1700000000, 0)
	for i := 1; i <= 100; i++ {
		s.Put(Datum{Namespace: "N", Name: "d", Value: float64(i), Time: start.Add(time.Duration(i) * 100 * time.Millisecond)})
	}
	tests := []struct {
		stat string
		want float64
	}{
		{"Sum", 5050}, {"Average", 50.5}, {"Minimum", 1}, {"Maximum", 100}, {"SampleCount", 100}, {"p50", 50}, {"p99", 99}, {"p100", 100},
	}
	for _, tc := range tests {
		t.Run(tc.stat, func(t *testing.T) {
			res, err := s.GetMetricData([]Query{{ID: "m", ReturnData: true, MetricStat: &MetricStat{Namespace: "N", Name: "d", Period: time.Minute, Stat: tc.stat}}},
				start, start.Add(time.Minute), false)
			if err != nil || len(res[0].Values) != 1 || res[0].Values[0] != tc.want {
				t.Errorf("%s = %+v, %v; want %v", tc.stat, res, err, tc.want)
			}
		})
	}
}

// BenchmarkGetMetricData runs the seed's in-flight formula over three metrics of 10k datapoints
// each (one every second), 1-minute periods.
func BenchmarkGetMetricData(b *testing.B) {
	s := NewStore()
	start := time.Unix(1700000000, 0)
	const n = 10000
	for i := range n {
		t := start.Add(time.Duration(i) * time.Second)
		s.Put(Datum{Namespace: "N", Name: "m1", Value: 2, Time: t}, Datum{Namespace: "N", Name: "m2", Value: 1, Time: t}, Datum{Namespace: "N", Name: "m3", Value: 2, Time: t})
	}
	q := func(id string) Query {
		return Query{ID: id, MetricStat: &MetricStat{Namespace: "N", Name: id, Period: time.Minute, Stat: "Sum"}}
	}
	queries := []Query{q("m1"), q("m2"), q("m3"), {ID: "e", Expression: "((2*m1)-(m2+m3))/(2*m1)*100", ReturnData: true}}
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.GetMetricData(queries, start, start.Add(n*time.Second), false)
		if err != nil || len(res[0].Values) == 0 || res[0].Values[0] != 25 {
			b.Fatalf("%+v %v", res, err)
		}
	}
}

// FuzzMetricMath: any expression is evaluated or refused with an error that says why, never a
// panic (the parser and IF's per-datapoint choice are the cloud's own code reading a user's text).
func FuzzMetricMath(f *testing.F) {
	for _, seed := range []string{"((2*a)-(a+b))/(2*a)*100", "IF(b > 0, a / b * 100, 0)", "NOT (a == 2) AND a >= 1 || b != 0",
		`SUM(METRICS("a"))`, "FILL(b, REPEAT)", "-(a - 4) * 2", "IF(a)"} {
		f.Add(seed)
	}
	s := NewStore()
	start := time.Unix(1700000000, 0).UTC()
	for i := range 3 {
		s.Put(Datum{Namespace: "N", Name: "a", Value: float64(i), Time: start.Add(time.Duration(i) * time.Minute)},
			Datum{Namespace: "N", Name: "b", Value: float64(2 - i), Time: start.Add(time.Duration(i) * time.Minute)})
	}
	q := func(id string) Query {
		return Query{ID: id, MetricStat: &MetricStat{Namespace: "N", Name: id, Period: time.Minute, Stat: "Sum"}}
	}
	f.Fuzz(func(t *testing.T, expr string) {
		_, err := s.GetMetricData([]Query{q("a"), q("b"), {ID: "e", Expression: expr, ReturnData: true}}, start, start.Add(3*time.Minute), false)
		if err != nil && err.Error() == "" {
			t.Fatal("an empty error")
		}
	})
}
