package cloudwatch_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
)

// The tests of behaviours the service model (botocore data/cloudwatch/2010-08-01/service-2.json)
// documents, each of which the package once answered otherwise.

// TestPercentilesOfCountsAndStatisticSets: a percentile counts each of Values as often as Counts
// says ("the number of times the corresponding value in the Values array occurred"), a statistic
// set of equal Minimum and Maximum as SampleCount values, and is not available for a period with a
// statistic set of unequal Minimum and Maximum ("you can only retrieve percentile statistics for
// this data if ... The Min and Max are equal") or with a negative value ("Percentile statistics
// are not available for metrics when any of the metric values are negative numbers").
func TestPercentilesOfCountsAndStatisticSets(t *testing.T) {
	ctx := context.Background()
	store := localcw.NewStore()
	cw := newClient(t, store)
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	at := aws.Time(start.Add(10 * time.Second))
	set := func(count, sum, min, max float64) *types.StatisticSet {
		return &types.StatisticSet{SampleCount: aws.Float64(count), Sum: aws.Float64(sum), Minimum: aws.Float64(min), Maximum: aws.Float64(max)}
	}
	tests := []struct {
		name string
		data []types.MetricDatum
		want string // p50 and p90, or "none" for no datapoint
	}{
		{name: "Counts", want: "1 1", data: []types.MetricDatum{{Values: []float64{1, 100}, Counts: []float64{99, 1}}}},
		{name: "EqualSet", want: "10 10", data: []types.MetricDatum{{StatisticValues: set(10, 100, 10, 10)}, {Value: aws.Float64(100)}}},
		{name: "UnequalSet", want: "none", data: []types.MetricDatum{{StatisticValues: set(2, 10, 1, 9)}, {Value: aws.Float64(5)}}},
		{name: "Negative", want: "none", data: []types.MetricDatum{{Value: aws.Float64(-1)}, {Value: aws.Float64(2)}, {Value: aws.Float64(3)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.data {
				tc.data[i].MetricName, tc.data[i].Timestamp = aws.String(tc.name), at
			}
			if _, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("Lab"), MetricData: tc.data}); err != nil {
				t.Fatal(err)
			}
			st, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("Lab"), MetricName: aws.String(tc.name),
				StartTime: aws.Time(start), EndTime: aws.Time(start.Add(time.Minute)), Period: aws.Int32(60), ExtendedStatistics: []string{"p50", "p90"}})
			if err != nil {
				t.Fatal(err)
			}
			got := "none"
			if len(st.Datapoints) > 0 {
				e := st.Datapoints[0].ExtendedStatistics
				got = fmt.Sprint(e["p50"], " ", e["p90"])
			}
			if got != tc.want {
				t.Errorf("p50 p90 = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestListMetricsLeavesOutMetricsQuietForTwoWeeks: "ListMetrics doesn't return information about
// metrics if those metrics haven't reported data in the past two weeks" (its documentation).
func TestListMetricsLeavesOutMetricsQuietForTwoWeeks(t *testing.T) {
	ctx := context.Background()
	store := localcw.NewStore()
	cw := newClient(t, store)
	now := time.Now()
	store.SetClock(func() time.Time { return now })
	store.Put(localcw.Datum{Namespace: "Lab", Name: "Quiet", Value: 1, Time: now.Add(-13 * 24 * time.Hour)},
		localcw.Datum{Namespace: "Lab", Name: "Busy", Value: 1, Time: now.Add(-time.Hour)})
	now = now.Add(2 * 24 * time.Hour) // Quiet's datapoint is now 15 days old, Busy's 2 days
	out, err := cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Lab")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range out.Metrics {
		names = append(names, aws.ToString(m.MetricName))
	}
	if fmt.Sprint(names) != "[Busy]" {
		t.Errorf("listed %v, want [Busy]", names)
	}
}

// TestDashboardNamesAndDeletes: a dashboard name is at most 255 characters of "A-Z, a-z, 0-9, "-",
// and "_"" (PutDashboard's DashboardName; AWS answers InvalidParameterValue, aws/aws-cdk#2976);
// DeleteDashboards takes "up to 100 dashboards" and "If there is an error during this call, no
// dashboards are deleted" (its API reference): a missing name is ResourceNotFound, and the names
// that exist are kept.
func TestDashboardNamesAndDeletes(t *testing.T) {
	ctx := context.Background()
	store := localcw.NewStore()
	cw := newClient(t, store)
	put := func(name string) error {
		_, err := cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String(name), DashboardBody: aws.String(`{"widgets":[]}`)})
		return err
	}
	var invalid *types.InvalidParameterValueException
	for _, name := range []string{"lab dashboard", "lab.dashboard", "lab/x", strings.Repeat("d", 256)} {
		if err := put(name); !errors.As(err, &invalid) {
			t.Errorf("PutDashboard %.20q: %v, want InvalidParameterValue", name, err)
		}
	}
	for _, name := range []string{"Lab-dash_01", "kept", "deleted"} {
		if err := put(name); err != nil {
			t.Fatalf("PutDashboard %s: %v", name, err)
		}
	}
	names := make([]string, 101)
	for i := range names {
		names[i] = "kept"
	}
	if _, err := cw.DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: names}); !errors.As(err, &invalid) {
		t.Errorf("DeleteDashboards of 101 names: %v, want InvalidParameterValue", err)
	}
	if _, ok := store.Dashboard("kept"); !ok {
		t.Errorf("DeleteDashboards of 101 names deleted kept")
	}
	var notFound *types.DashboardNotFoundError // its code is ResourceNotFound
	if _, err := cw.DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: []string{"deleted", "missing"}}); !errors.As(err, &notFound) {
		t.Errorf("DeleteDashboards [deleted missing]: %v, want ResourceNotFound", err)
	}
	if _, ok := store.Dashboard("deleted"); !ok {
		t.Errorf("DeleteDashboards [deleted missing] deleted deleted, want nothing deleted")
	}
	if _, err := cw.DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: []string{"deleted", "kept"}}); err != nil {
		t.Fatalf("DeleteDashboards [deleted kept]: %v", err)
	}
	if _, ok := store.Dashboard("deleted"); ok {
		t.Errorf("DeleteDashboards [deleted kept] left deleted")
	}
}

// TestDescribeAlarmsFamilyTakesNoOtherFilter: "If you specify ChildrenOfAlarmName, you cannot
// specify any other parameters in the request except for MaxRecords and NextToken. If you do so,
// you receive a validation error" (DescribeAlarms' ChildrenOfAlarmName; ParentsOfAlarmName alike).
func TestDescribeAlarmsFamilyTakesNoOtherFilter(t *testing.T) {
	ctx := context.Background()
	cw := newClient(t, localcw.NewStore())
	for _, in := range []*cloudwatch.DescribeAlarmsInput{
		{ChildrenOfAlarmName: aws.String("parent"), StateValue: types.StateValueAlarm},
		{ParentsOfAlarmName: aws.String("child"), AlarmNamePrefix: aws.String("lab")},
		{ChildrenOfAlarmName: aws.String("parent"), ParentsOfAlarmName: aws.String("child")},
	} {
		if _, err := cw.DescribeAlarms(ctx, in); err == nil {
			t.Errorf("DescribeAlarms %+v: no error, want a validation error", *in)
		}
	}
	if _, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{ChildrenOfAlarmName: aws.String("parent"), MaxRecords: aws.Int32(10)}); err != nil {
		t.Errorf("ChildrenOfAlarmName with MaxRecords: %v", err)
	}
}

// TestListDashboardsPages: "ListDashboards returns up to 1000 results on one page. If there are more
// than 1000 dashboards, you can call ListDashboards and paginate your results" (its documentation).
// The token continues after the last dashboard answered (one put meanwhile before it repeats
// nothing), and is refused with another prefix.
func TestListDashboardsPages(t *testing.T) {
	ctx := context.Background()
	cw := newClient(t, localcw.NewStore())
	put := func(name string) {
		t.Helper()
		if _, err := cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String(name), DashboardBody: aws.String(`{"widgets":[]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1002 {
		put(fmt.Sprintf("lab-%04d", i))
	}
	first, err := cw.ListDashboards(ctx, &cloudwatch.ListDashboardsInput{DashboardNamePrefix: aws.String("lab-")})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.DashboardEntries) != 1000 || first.NextToken == nil {
		t.Fatalf("first page: %d dashboards, token %v; want 1000 and a token", len(first.DashboardEntries), first.NextToken)
	}
	put("lab-0000a") // sorts within the page already answered
	second, err := cw.ListDashboards(ctx, &cloudwatch.ListDashboardsInput{DashboardNamePrefix: aws.String("lab-"), NextToken: first.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range second.DashboardEntries {
		names = append(names, aws.ToString(d.DashboardName))
	}
	if strings.Join(names, " ") != "lab-1000 lab-1001" || second.NextToken != nil {
		t.Errorf("second page: %v, token %v; want lab-1000 lab-1001 and no token", names, second.NextToken)
	}
	_, err = cw.ListDashboards(ctx, &cloudwatch.ListDashboardsInput{DashboardNamePrefix: aws.String("lab-1"), NextToken: first.NextToken})
	var apiErr interface{ ErrorCode() string }
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidNextToken" {
		t.Errorf("another prefix's token: %v, want InvalidNextToken", err)
	}
}
