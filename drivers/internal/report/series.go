package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/atomicfile"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
)

// Series are the metric data of one run, fetched once (before the stack is torn down) and
// rendered any time after: JSON, saved beside the journal.
type Series struct {
	// Start and End are the window charted: the run, with a period of margin on each side.
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	FetchedAt time.Time `json:"fetchedAt"`
	// Probes are the steady-state probes' queries over the window, one per probe name.
	Probes []QuerySet `json:"probes"`
	// Dashboards are the dashboards' widgets over the window.
	Dashboards []DashboardSeries `json:"dashboards"`
	// Scenario is the run's (Run.Scenario), so that a report drawn again from the series names it
	// as the first did ("" when the run's stack was not known).
	Scenario string `json:"scenario,omitempty"`
	// Injected is the run's count of the faults its function injected (Run.Injected), so that a
	// report drawn again from the series states it as the first did.
	Injected *Injected `json:"injected,omitempty"`
}

// QuerySet is one GetMetricData call's answer: a probe's, or a dashboard widget's.
type QuerySet struct {
	// Name is the probe's name; for a widget, its index in the body as "w<N>".
	Name   string `json:"name"`
	Widget int    `json:"widget"`
	// Period is the period its metrics were fetched at, in seconds.
	Period  int                `json:"period"`
	Results []dashboard.Result `json:"results"`
	Error   string             `json:"error,omitempty"`
	// Total is what a probe that totals one metric over its window reads (probeTotal): kept
	// with its data, so a report drawn from the saved series alone draws that total too.
	Total *Total `json:"total,omitempty"`
}

// Total is a probe's statistic (Sum or SampleCount) totalled over its window, in seconds.
type Total struct {
	Stat          string `json:"stat"`
	WindowSeconds int    `json:"windowSeconds"`
}

// DashboardSeries is one dashboard: its body as deployed and the data of each metric widget.
type DashboardSeries struct {
	Name    string     `json:"name"`
	Body    string     `json:"body"`
	Widgets []QuerySet `json:"widgets"`
	// Error: why the body could not be read (no widget was queried); "" when it was.
	Error string `json:"error,omitempty"`
}

// MetricData is the one CloudWatch call Fetch makes; *cloudwatch.Client is one (against AWS, or
// against the local cloud with AWS_ENDPOINT_URL: the same code path).
type MetricData interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

var _ MetricData = (*cloudwatch.Client)(nil)

// Window is the span a report charts for a journal: from the run's start to its end (or its
// last recorded time), with a period of margin on each side, and the period graphs use over it.
// A run shorter than a minute is charted over the minute that ends with it: the time before it is
// its steady state's context, where the minute after it was drawn blank when the report was made
// as the run ended (the lab's 45 s runs: a quarter of each chart), and said so in each single
// value's "over ... " span.
func Window(j *experiments.Journal, now time.Time) (start, end time.Time, period int) {
	first, last := journalSpan(j)
	if first.IsZero() {
		first = now.Add(-15 * time.Minute)
	}
	if last.IsZero() || last.Before(first) {
		last = now
	}
	if last.Sub(first) < time.Minute {
		first = last.Add(-time.Minute)
	}
	period = dashboard.GraphPeriod(dashboard.DefaultPeriod, int(last.Sub(first).Seconds()))
	margin := time.Duration(period) * time.Second
	return first.Add(-margin), last.Add(margin), period
}

// Of reports whether s, a saved series, is of the run j: of its window, or of one that covers the
// whole run (saved when Window drew a short run's minute after it: a report drawn again keeps that
// series, which may be the run's only copy of its data, rather than taking it for another run's).
func (s *Series) Of(j *experiments.Journal, now time.Time) bool {
	start, end, _ := Window(j, now)
	if s.Start.Equal(start) && s.End.Equal(end) {
		return true
	}
	// Only a run that has ended has a span to cover (one with a start alone spans an instant).
	if j == nil || parseTime(j.EndedAt).IsZero() {
		return false
	}
	first, last := journalSpan(j)
	return !first.IsZero() && !s.Start.After(first) && !s.End.Before(last)
}

// Fetch gets the run's metric data with GetMetricData over the window of run's journal: each
// probe of run.Compiled (its metric data queries, at the chart's period) and each metric widget of
// run.Dashboards. A query that fails is recorded in its QuerySet and joined into the error; the
// Series is usable either way.
func Fetch(ctx context.Context, cw MetricData, run Run) (*Series, error) {
	if run.Journal == nil {
		return nil, errors.New("report: fetch: no journal")
	}
	start, end, period := Window(run.Journal, time.Now())
	s := &Series{Start: start, End: end, FetchedAt: time.Now().UTC(), Probes: []QuerySet{}, Dashboards: []DashboardSeries{}, Scenario: run.Scenario, Injected: run.Injected}
	var errs []error
	for _, p := range compiledProbes(run.Compiled) {
		qs := probeQueries(p, period)
		set := QuerySet{Name: p.Name, Widget: -1, Period: qs.period, Total: probeTotal(p)}
		rs, err := getMetricData(ctx, cw, qs.queries, start, end)
		if err != nil {
			set.Error = err.Error()
			errs = append(errs, fmt.Errorf("probe %s: %w", p.Name, err))
		}
		set.Results = rs
		s.Probes = append(s.Probes, set)
	}
	for _, d := range run.Dashboards {
		ds := DashboardSeries{Name: d.Name, Body: d.Body, Widgets: []QuerySet{}}
		body, err := dashboard.Parse(d.Body)
		if body == nil {
			ds.Error = err.Error()
			errs = append(errs, fmt.Errorf("dashboard %s: %w", d.Name, err))
			s.Dashboards = append(s.Dashboards, ds)
			continue
		}
		dashboard.BuildView(d.Name, body, start, end, nil, func(i int, qs []dashboard.Query, from, to time.Time) ([]dashboard.Result, error) {
			set := QuerySet{Name: fmt.Sprintf("w%d", i), Widget: i, Period: dashboard.QueryPeriod(qs)}
			if set.Period == 0 { // expressions only: the period the widget asked for
				set.Period = body.Widgets[i].WidgetPeriod(int(math.Round(end.Sub(start).Seconds())))
			}
			rs, err := getMetricData(ctx, cw, toSDK(qs), from, to)
			if err != nil {
				set.Error = err.Error()
				errs = append(errs, fmt.Errorf("dashboard %s widget %d (%s): %w", d.Name, i, body.Widgets[i].Describe(), err))
			}
			set.Results = rs
			ds.Widgets = append(ds.Widgets, set)
			return rs, err
		})
		s.Dashboards = append(s.Dashboards, ds)
	}
	return s, errors.Join(errs...)
}

// compiledProbes are the steady-state probes and the guard's, once per name.
func compiledProbes(c *experiments.Compiled) []experiments.CompiledProbe {
	if c == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []experiments.CompiledProbe
	for _, p := range c.SteadyState.Probes {
		if !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, p)
		}
	}
	for _, g := range c.Guard.Probes {
		if !seen[g.Name] {
			seen[g.Name] = true
			out = append(out, g)
		}
	}
	return out
}

type probeQuerySet struct {
	queries []types.MetricDataQuery
	period  int
}

// probeQueries are a probe's queries with every metric at the chart's period: the probe itself
// asks one period over its whole window, which would be one point.
func probeQueries(p experiments.CompiledProbe, chart int) probeQuerySet {
	out := probeQuerySet{period: chart}
	for _, q := range p.MetricDataQueries {
		in := types.MetricDataQuery{Id: aws.String(q.Id), ReturnData: q.ReturnData}
		if q.Label != "" {
			in.Label = aws.String(q.Label)
		}
		if q.Expression != "" {
			in.Expression = aws.String(q.Expression)
		}
		if q.AccountId != "" {
			in.AccountId = aws.String(q.AccountId)
		}
		if ms := q.MetricStat; ms != nil {
			m := &types.Metric{Namespace: aws.String(ms.Metric.Namespace), MetricName: aws.String(ms.Metric.MetricName)}
			for _, d := range ms.Metric.Dimensions {
				m.Dimensions = append(m.Dimensions, types.Dimension{Name: aws.String(d.Name), Value: aws.String(d.Value)})
			}
			in.MetricStat = &types.MetricStat{Metric: m, Period: aws.Int32(int32(chart)), Stat: aws.String(ms.Stat)}
			if ms.Unit != "" {
				in.MetricStat.Unit = types.StandardUnit(ms.Unit)
			}
		} else if q.Period > 0 {
			in.Period = aws.Int32(int32(q.Period))
		}
		out.queries = append(out.queries, in)
	}
	return out
}

// toSDK converts a widget's queries to the SDK's.
func toSDK(qs []dashboard.Query) []types.MetricDataQuery {
	out := make([]types.MetricDataQuery, 0, len(qs))
	for _, q := range qs {
		in := types.MetricDataQuery{Id: aws.String(q.ID), ReturnData: aws.Bool(q.ReturnData)}
		if q.Label != "" {
			in.Label = aws.String(q.Label)
		}
		if q.Expression != "" {
			in.Expression = aws.String(q.Expression)
		} else {
			m := &types.Metric{Namespace: aws.String(q.Namespace), MetricName: aws.String(q.MetricName)}
			for _, d := range q.Dimensions {
				m.Dimensions = append(m.Dimensions, types.Dimension{Name: aws.String(d.Name), Value: aws.String(d.Value)})
			}
			in.MetricStat = &types.MetricStat{Metric: m, Period: aws.Int32(int32(q.Period)), Stat: aws.String(q.Stat)}
		}
		out = append(out, in)
	}
	return out
}

// getMetricData runs queries over [start, end), every page of the answer.
func getMetricData(ctx context.Context, cw MetricData, queries []types.MetricDataQuery, start, end time.Time) ([]dashboard.Result, error) {
	byID := map[string]*dashboard.Result{}
	var order []string
	in := &cloudwatch.GetMetricDataInput{MetricDataQueries: queries, StartTime: aws.Time(start), EndTime: aws.Time(end),
		ScanBy: types.ScanByTimestampAscending}
	var messages []string
	for page := 0; ; page++ {
		out, err := cw.GetMetricData(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, r := range out.MetricDataResults {
			id := aws.ToString(r.Id)
			res := byID[id]
			if res == nil {
				res = &dashboard.Result{ID: id, Label: aws.ToString(r.Label), Timestamps: []time.Time{}, Values: []float64{}}
				byID[id] = res
				order = append(order, id)
			}
			res.Timestamps = append(res.Timestamps, r.Timestamps...)
			res.Values = append(res.Values, r.Values...)
			for _, m := range r.Messages {
				messages = append(messages, aws.ToString(m.Code)+": "+aws.ToString(m.Value))
			}
		}
		if out.NextToken == nil || page > 100 {
			break
		}
		in.NextToken = out.NextToken
	}
	out := make([]dashboard.Result, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	if len(messages) > 0 && len(out) == 0 {
		return out, errors.New(strings.Join(messages, "; "))
	}
	return out, nil
}

// WriteFile saves the series as JSON at path.
func (s *Series) WriteFile(path string) error {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return fmt.Errorf("series: %w", err)
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}

// Points is how many data points s holds, over every probe and widget (0 for nil).
func (s *Series) Points() int {
	if s == nil {
		return 0
	}
	n := 0
	count := func(sets []QuerySet) {
		for _, q := range sets {
			for _, r := range q.Results {
				n += len(r.Values)
			}
		}
	}
	count(s.Probes)
	for _, d := range s.Dashboards {
		count(d.Widgets)
	}
	return n
}

// Err joins the errors the series records (a probe's or a widget's query that failed, a
// dashboard body not read): nil when every query it holds was answered.
func (s *Series) Err() error {
	if s == nil {
		return nil
	}
	var errs []error
	record := func(where string, sets []QuerySet) {
		for _, q := range sets {
			if q.Error != "" {
				errs = append(errs, fmt.Errorf("%s %s: %s", where, q.Name, q.Error))
			}
		}
	}
	record("probe", s.Probes)
	for _, d := range s.Dashboards {
		if d.Error != "" {
			errs = append(errs, fmt.Errorf("dashboard %s: body not read: %s", d.Name, d.Error))
		}
		record("dashboard "+d.Name+" widget", d.Widgets)
	}
	return errors.Join(errs...)
}

// ReadSeries reads series saved with WriteFile.
func ReadSeries(path string) (*Series, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Series
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("series %s: %w", path, err)
	}
	// Any JSON object decodes: a saved series has its window (outputs.json, a journal or {} made an
	// empty report that exited 0).
	if s.Start.IsZero() || s.End.IsZero() {
		return nil, fmt.Errorf("series %s: not a saved series (no start and end): give the .series.json a run or report wrote beside the journal", path)
	}
	return &s, nil
}

// HasTotals reports whether any probe's data records its total (saved since QuerySet.Total was).
func (s *Series) HasTotals() bool {
	for _, q := range s.Probes {
		if q.Total != nil {
			return true
		}
	}
	return false
}
