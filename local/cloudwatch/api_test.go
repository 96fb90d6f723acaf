package cloudwatch_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// newClient serves store through a gateway on 127.0.0.1 and returns a real SDK client for it.
func newClient(t *testing.T, store *localcw.Store, interceptors ...func(http.Handler) http.Handler) *cloudwatch.Client {
	t.Helper()
	g := gateway.New(gateway.Options{})
	g.Handle("monitoring", store.Handler())
	for _, mw := range interceptors {
		g.Use("monitoring", mw)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := g.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		g.Close()
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("gateway still listening on %s after Close", addr)
		}
	})
	return cloudwatch.New(cloudwatch.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + addr),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""),
	})
}

func metric(name string, dims ...types.Dimension) *types.Metric {
	return &types.Metric{Namespace: aws.String("ChaosTransformer"), MetricName: aws.String(name), Dimensions: dims}
}

func TestPutThenGetMetricData(t *testing.T) {
	ctx := context.Background()
	store := localcw.NewStore()
	cw := newClient(t, store)
	start := time.Now().Add(-10 * time.Minute).Truncate(time.Minute)
	table := types.Dimension{Name: aws.String("DynamoDBTable"), Value: aws.String("chaos")}

	// m1 = documents in (2 writes expected each), m2/m3 = the two kinds of writes done.
	// Minute 0: 10 docs, 20/0 writes? use values giving a known in-flight %.
	put := func(name string, minute int, v float64) {
		t.Helper()
		_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("ChaosTransformer"), MetricData: []types.MetricDatum{{
			MetricName: aws.String(name), Dimensions: []types.Dimension{table}, Value: aws.Float64(v), Unit: types.StandardUnitCount,
			Timestamp: aws.Time(start.Add(time.Duration(minute)*time.Minute + 10*time.Second)),
		}}})
		if err != nil {
			t.Fatalf("PutMetricData %s: %v", name, err)
		}
	}
	// Minute 0: m1 = 4+6 = 10, m2 = 8, m3 = 7 → ((20)-(15))/20*100 = 25.
	put("Published", 0, 4)
	put("Published", 0, 6)
	put("Summary", 0, 8)
	put("Message", 0, 7)
	// Minute 2: m1 = 5, m2 = 5, m3 = 5 → 0. Minute 1 has no data: no datapoint (not 0).
	put("Published", 2, 5)
	put("Summary", 2, 5)
	put("Message", 2, 5)

	stat := func(id, name, s string, ret bool) types.MetricDataQuery {
		return types.MetricDataQuery{Id: aws.String(id), ReturnData: aws.Bool(ret), MetricStat: &types.MetricStat{
			Metric: metric(name, table), Period: aws.Int32(60), Stat: aws.String(s)}}
	}
	out, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(start.Add(5 * time.Minute)), ScanBy: types.ScanByTimestampAscending,
		MetricDataQueries: []types.MetricDataQuery{
			stat("m1", "Published", "Sum", false),
			stat("m2", "Summary", "Sum", false),
			stat("m3", "Message", "Sum", true),
			{Id: aws.String("inflight"), Expression: aws.String("((2*m1)-(m2+m3))/(2*m1)*100"), Label: aws.String("in-flight %")},
			{Id: aws.String("filled"), Expression: aws.String("FILL(m3, 0)")},
			{Id: aws.String("avg"), ReturnData: aws.Bool(true), MetricStat: &types.MetricStat{Metric: metric("Published", table), Period: aws.Int32(60), Stat: aws.String("Average")}},
			{Id: aws.String("none"), MetricStat: &types.MetricStat{Metric: metric("Nothing", table), Period: aws.Int32(60), Stat: aws.String("Sum")}},
		},
	})
	if err != nil {
		t.Fatalf("GetMetricData: %v", err)
	}
	got := map[string]types.MetricDataResult{}
	for _, r := range out.MetricDataResults {
		got[aws.ToString(r.Id)] = r
	}
	if _, ok := got["m1"]; ok {
		t.Error("m1 has ReturnData=false but was returned")
	}
	tests := []struct {
		name   string
		id     string
		label  string
		values []float64
		times  []time.Time
	}{
		{name: "expression over ids per timestamp", id: "inflight", label: "in-flight %", values: []float64{25, 0}, times: []time.Time{start, start.Add(2 * time.Minute)}},
		{name: "metric stat sum, empty buckets absent", id: "m3", label: "Message", values: []float64{7, 5}, times: []time.Time{start, start.Add(2 * time.Minute)}},
		{name: "FILL fills every period with 0", id: "filled", label: "filled", values: []float64{7, 0, 5, 0, 0}},
		{name: "average", id: "avg", label: "Published", values: []float64{5, 5}},
		{name: "empty series has no values", id: "none", label: "Nothing", values: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := got[tc.id]
			if !ok {
				t.Fatalf("no result for %s", tc.id)
			}
			if aws.ToString(r.Label) != tc.label {
				t.Errorf("label = %q, want %q", aws.ToString(r.Label), tc.label)
			}
			if fmt.Sprint(r.Values) != fmt.Sprint(tc.values) && !(len(r.Values) == 0 && len(tc.values) == 0) {
				t.Errorf("values = %v, want %v", r.Values, tc.values)
			}
			if tc.times != nil {
				for i, ts := range r.Timestamps {
					if i < len(tc.times) && !ts.Equal(tc.times[i]) {
						t.Errorf("timestamp[%d] = %v, want %v", i, ts, tc.times[i])
					}
				}
			}
			if r.StatusCode != types.StatusCodeComplete {
				t.Errorf("status = %v", r.StatusCode)
			}
		})
	}

	// Default ScanBy is newest first.
	desc, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(start.Add(5 * time.Minute)),
		MetricDataQueries: []types.MetricDataQuery{stat("m3", "Message", "Sum", true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := desc.MetricDataResults[0].Values; fmt.Sprint(v) != "[5 7]" {
		t.Errorf("TimestampDescending values = %v, want [5 7]", v)
	}
}

func TestGetMetricDataErrorsAreTyped(t *testing.T) {
	ctx := context.Background()
	cw := newClient(t, localcw.NewStore())
	now := time.Now()
	tests := []struct {
		name  string
		in    *cloudwatch.GetMetricDataInput
		check func(error) bool
	}{
		{
			name: "unknown id in expression",
			in: &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now),
				MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("e1"), Expression: aws.String("m9 * 2")}}},
			check: func(err error) bool { var v *types.ValidationException; return errors.As(err, &v) },
		},
		{
			name: "start after end",
			in: &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour)),
				MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("e1"), Expression: aws.String("1")}}},
			check: func(err error) bool { var v *types.InvalidParameterValueException; return errors.As(err, &v) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cw.GetMetricData(ctx, tc.in)
			if err == nil || !tc.check(err) {
				t.Fatalf("err = %v (%T), want the typed error", err, err)
			}
		})
	}
	_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/SQS"), MetricData: []types.MetricDatum{{MetricName: aws.String("x"), Value: aws.Float64(1)}}})
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) {
		t.Errorf("PutMetricData into AWS/ = %v, want InvalidParameterValueException", err)
	}
	_, err = cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("missing")})
	var nf *types.DashboardNotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("GetDashboard(missing) = %v, want DashboardNotFoundError", err)
	}
}

func TestPutMetricDataGzipAndStatistics(t *testing.T) {
	ctx := context.Background()
	store := localcw.NewStore()
	var encodings []string
	cw := newClient(t, store, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/PutMetricData") {
				encodings = append(encodings, r.Header.Get("Content-Encoding"))
			}
			next.ServeHTTP(w, r)
		})
	})
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	// 1000 data (> 10 KiB) make the SDK gzip the body.
	var data []types.MetricDatum
	for i := range 1000 {
		data = append(data, types.MetricDatum{MetricName: aws.String("Latency"), Unit: types.StandardUnitMilliseconds,
			Dimensions: []types.Dimension{{Name: aws.String("Function"), Value: aws.String("etl-with-a-long-dimension-value-" + strings.Repeat("x", 20))}},
			Value:      aws.Float64(float64(i % 100)), Timestamp: aws.Time(start.Add(time.Duration(i) * time.Second))})
	}
	if _, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("Lab"), MetricData: data}); err != nil {
		t.Fatalf("PutMetricData (gzip): %v", err)
	}
	if fmt.Sprint(encodings) != "[gzip]" {
		t.Fatalf("PutMetricData Content-Encoding = %v, want the SDK to have gzipped the body", encodings)
	}
	dim := types.Dimension{Name: aws.String("Function"), Value: aws.String("etl-with-a-long-dimension-value-" + strings.Repeat("x", 20))}
	st, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("Lab"), MetricName: aws.String("Latency"), Dimensions: []types.Dimension{dim},
		StartTime: aws.Time(start), EndTime: aws.Time(start.Add(100 * time.Second)), Period: aws.Int32(120),
		Statistics: []types.Statistic{types.StatisticSum, types.StatisticSampleCount, types.StatisticMaximum, types.StatisticMinimum, types.StatisticAverage},
	})
	if err != nil {
		t.Fatalf("GetMetricStatistics: %v", err)
	}
	if len(st.Datapoints) != 1 {
		t.Fatalf("datapoints = %d, want 1", len(st.Datapoints))
	}
	dp := st.Datapoints[0]
	if aws.ToFloat64(dp.Sum) != 4950 || aws.ToFloat64(dp.SampleCount) != 100 || aws.ToFloat64(dp.Maximum) != 99 || aws.ToFloat64(dp.Minimum) != 0 || math.Abs(aws.ToFloat64(dp.Average)-49.5) > 1e-9 {
		t.Errorf("datapoint = sum %v count %v max %v min %v avg %v", aws.ToFloat64(dp.Sum), aws.ToFloat64(dp.SampleCount), aws.ToFloat64(dp.Maximum), aws.ToFloat64(dp.Minimum), aws.ToFloat64(dp.Average))
	}
	// Statistics and ExtendedStatistics are asked for in separate calls ("either ... but not both").
	st, err = cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("Lab"), MetricName: aws.String("Latency"), Dimensions: []types.Dimension{dim},
		StartTime: aws.Time(start), EndTime: aws.Time(start.Add(100 * time.Second)), Period: aws.Int32(120), ExtendedStatistics: []string{"p50"},
	})
	if err != nil || len(st.Datapoints) != 1 {
		t.Fatalf("GetMetricStatistics p50: %+v, %v", st, err)
	}
	if dp := st.Datapoints[0]; dp.Unit != types.StandardUnitMilliseconds || dp.ExtendedStatistics["p50"] != 49 {
		t.Errorf("unit %v p50 %v", dp.Unit, dp.ExtendedStatistics)
	}
	lm, err := cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Lab"), Dimensions: []types.DimensionFilter{{Name: aws.String("Function")}}})
	if err != nil || len(lm.Metrics) != 1 || aws.ToString(lm.Metrics[0].MetricName) != "Latency" {
		t.Errorf("ListMetrics = %+v, %v", lm, err)
	}
	if _, err := cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String("lab"), DashboardBody: aws.String(`{"widgets":[]}`)}); err != nil {
		t.Fatal(err)
	}
	d, err := cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("lab")})
	if err != nil || aws.ToString(d.DashboardBody) != `{"widgets":[]}` {
		t.Errorf("GetDashboard = %+v, %v", d, err)
	}
	ld, err := cw.ListDashboards(ctx, &cloudwatch.ListDashboardsInput{})
	if err != nil || len(ld.DashboardEntries) != 1 {
		t.Errorf("ListDashboards = %+v, %v", ld, err)
	}
}

// TestGetMetricDataPages: MaxDatapoints pages the answer (PartialData and a NextToken while
// datapoints remain, in ScanBy's order), the token continues the same request only, and an empty
// result is returned once.
func TestGetMetricDataPages(t *testing.T) {
	ctx := context.Background()
	store := localcw.NewStore()
	cw := newClient(t, store)
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	for i := range 7 {
		store.Put(localcw.Datum{Namespace: "Lab", Name: "A", Value: float64(i + 1), Time: start.Add(time.Duration(i) * time.Minute)})
	}
	for i := range 2 {
		store.Put(localcw.Datum{Namespace: "Lab", Name: "B", Value: float64(10 * (i + 1)), Time: start.Add(time.Duration(i) * time.Minute)})
	}
	query := func(id, name string) types.MetricDataQuery {
		return types.MetricDataQuery{Id: aws.String(id), MetricStat: &types.MetricStat{Metric: &types.Metric{Namespace: aws.String("Lab"), MetricName: aws.String(name)},
			Period: aws.Int32(60), Stat: aws.String("Sum")}}
	}
	in := func(scan types.ScanBy) *cloudwatch.GetMetricDataInput {
		return &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(start.Add(10 * time.Minute)), ScanBy: scan, MaxDatapoints: aws.Int32(3),
			MetricDataQueries: []types.MetricDataQuery{query("a", "A"), query("none", "Nothing"), query("b", "B")}}
	}
	tests := []struct {
		scan  types.ScanBy
		pages []string // each page: id status values; ...
	}{
		{scan: types.ScanByTimestampAscending, pages: []string{
			"a PartialData [1 2 3]",
			"a PartialData [4 5 6]",
			"a Complete [7]; none Complete []; b Complete [10 20]",
		}},
		{scan: types.ScanByTimestampDescending, pages: []string{
			"a PartialData [7 6 5]",
			"a PartialData [4 3 2]",
			"a Complete [1]; none Complete []; b Complete [20 10]",
		}},
	}
	for _, tc := range tests {
		t.Run(string(tc.scan), func(t *testing.T) {
			req := in(tc.scan)
			for i, want := range tc.pages {
				out, err := cw.GetMetricData(ctx, req)
				if err != nil {
					t.Fatalf("page %d: %v", i+1, err)
				}
				var got []string
				for _, r := range out.MetricDataResults {
					got = append(got, fmt.Sprintf("%s %s %v", aws.ToString(r.Id), r.StatusCode, r.Values))
				}
				if strings.Join(got, "; ") != want {
					t.Errorf("page %d = %q, want %q", i+1, strings.Join(got, "; "), want)
				}
				if last := i == len(tc.pages)-1; last != (out.NextToken == nil) {
					t.Fatalf("page %d: NextToken %v", i+1, aws.ToString(out.NextToken))
				}
				req.NextToken = out.NextToken
			}
		})
	}

	first, err := cw.GetMetricData(ctx, in(types.ScanByTimestampAscending))
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	other := in(types.ScanByTimestampAscending)
	other.EndTime = aws.Time(start.Add(9 * time.Minute))
	other.NextToken = first.NextToken
	var bad *types.InvalidNextToken
	if _, err := cw.GetMetricData(ctx, other); !errors.As(err, &bad) {
		t.Errorf("a token with another request: %v, want InvalidNextToken", err)
	}
}

// TestListMetricsPages: ListMetrics answers 500 metrics at a time with a NextToken for the rest,
// and RecentlyActive (PT3H) keeps the metrics with a datapoint in the past three hours.
func TestListMetricsPages(t *testing.T) {
	ctx := context.Background()
	store := localcw.NewStore()
	cw := newClient(t, store)
	now := time.Now()
	for i := range 501 {
		store.Put(localcw.Datum{Namespace: "Lab", Name: fmt.Sprintf("M%03d", i), Value: 1, Time: now.Add(-time.Minute)})
	}
	store.Put(localcw.Datum{Namespace: "Lab", Name: "Old", Value: 1, Time: now.Add(-4 * time.Hour)})
	var names []string
	in := &cloudwatch.ListMetricsInput{Namespace: aws.String("Lab")}
	for page := 1; ; page++ {
		out, err := cw.ListMetrics(ctx, in)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if page == 1 && len(out.Metrics) != 500 {
			t.Errorf("first page: %d metrics, want 500", len(out.Metrics))
		}
		for _, m := range out.Metrics {
			names = append(names, aws.ToString(m.MetricName))
		}
		if out.NextToken == nil {
			break
		}
		if page == 1 {
			// Another listing's token is refused; a metric that sorts before the page's end, put
			// between the pages, shifts nothing: the next page starts after the last one named.
			other := &cloudwatch.ListMetricsInput{Namespace: aws.String("Lab"), MetricName: aws.String("M001"), NextToken: out.NextToken}
			var bad *types.InvalidNextToken
			if _, err := cw.ListMetrics(ctx, other); !errors.As(err, &bad) {
				t.Errorf("another listing's token: %v, want InvalidNextToken", err)
			}
			store.Put(localcw.Datum{Namespace: "Lab", Name: "A-late", Value: 1, Time: now.Add(-time.Minute)})
		}
		in.NextToken = out.NextToken
	}
	if len(names) != 502 || names[0] != "M000" || names[500] != "M500" || names[501] != "Old" {
		t.Errorf("listed %d metrics (%v … %v), want 502, M000 … M500, Old", len(names), names[0], names[len(names)-1])
	}
	out, err := cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Lab"), MetricName: aws.String("Old"), RecentlyActive: types.RecentlyActivePt3h})
	if err != nil || len(out.Metrics) != 0 {
		t.Errorf("RecentlyActive PT3H listed %+v, %v; want nothing (Old's datapoint is 4 hours old)", out, err)
	}
}

// TestGetMetricDataPageTokenNamesTheLastDatapoint: a datapoint put between two pages, in a period
// before the cut, neither repeats nor shifts what was answered: the next page starts after the
// last datapoint answered (its query and timestamp), not at a count into the answer.
func TestGetMetricDataPageTokenNamesTheLastDatapoint(t *testing.T) {
	ctx := context.Background()
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	query := func(id, name string) types.MetricDataQuery {
		return types.MetricDataQuery{Id: aws.String(id), MetricStat: &types.MetricStat{Metric: &types.Metric{Namespace: aws.String("Lab"), MetricName: aws.String(name)},
			Period: aws.Int32(60), Stat: aws.String("Sum")}}
	}
	for _, tc := range []struct {
		scan types.ScanBy
		late time.Duration // the time of the datapoint put after page 1, from start
		want string        // every page's results, id [values]
	}{
		// TimestampDescending (the default): the lab's newest datapoint sorts first.
		{scan: "", late: 7 * time.Minute, want: "a [7 6 5] a [4 3 2] a [1] b [10]"},
		// TimestampAscending: one in the window's first period, empty until then.
		{scan: types.ScanByTimestampAscending, late: -time.Minute, want: "a [1 2 3] a [4 5 6] a [7] b [10]"},
	} {
		t.Run(string(tc.scan), func(t *testing.T) {
			store := localcw.NewStore()
			cw := newClient(t, store)
			for i := range 7 {
				store.Put(localcw.Datum{Namespace: "Lab", Name: "A", Value: float64(i + 1), Time: start.Add(time.Duration(i) * time.Minute)})
			}
			store.Put(localcw.Datum{Namespace: "Lab", Name: "B", Value: 10, Time: start})
			req := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start.Add(-time.Minute)), EndTime: aws.Time(start.Add(10 * time.Minute)), ScanBy: tc.scan,
				MaxDatapoints: aws.Int32(3), MetricDataQueries: []types.MetricDataQuery{query("a", "A"), query("b", "B")}}
			var got []string
			for page := 1; page < 10; page++ {
				out, err := cw.GetMetricData(ctx, req)
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				for _, r := range out.MetricDataResults {
					got = append(got, fmt.Sprintf("%s %v", aws.ToString(r.Id), r.Values))
				}
				if page == 1 {
					store.Put(localcw.Datum{Namespace: "Lab", Name: "A", Value: 8, Time: start.Add(tc.late)})
				}
				if out.NextToken == nil {
					break
				}
				req.NextToken = out.NextToken
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("pages = %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
}
