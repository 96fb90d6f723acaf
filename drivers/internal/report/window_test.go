package report

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
)

// A probe that totals a metric over its window (a Sum over 60 s, say) is judged on that total,
// and its chart's line is per period (10 s): a sixth of it. The chart draws the probe's reading
// beside the line, the total over the 60 s up to each point, on the tolerance's scale.
func TestSumProbeChartShowsTheWindowTotal(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	sum := func(stat string) experiments.CompiledProbe {
		return experiments.CompiledProbe{Name: "errors", WindowSeconds: 60, MetricDataQueries: []experiments.MetricDataQuery{{Id: "m1",
			MetricStat: &experiments.MetricStat{Metric: experiments.Metric{Namespace: "AWS/Lambda", MetricName: "Errors"}, Stat: stat}}}}
	}
	// Nine periods of 10 s, one a minute missing (no datapoint), values 1..9 but the fourth.
	var r dashboard.Result
	for i := range 9 {
		if i == 3 {
			continue
		}
		r.Timestamps = append(r.Timestamps, t0.Add(time.Duration(i)*10*time.Second))
		r.Values = append(r.Values, float64(i+1))
	}
	r.ID, r.Label = "m1", "errors"
	set := QuerySet{Name: "errors", Widget: -1, Period: 10, Results: []dashboard.Result{r}}

	got, win, ok := windowTotal(probeTotal(sum("Sum")), set)
	// Each point's window: the six periods ending with it (t-50 s .. t).
	want := []float64{1, 1 + 2, 1 + 2 + 3, 1 + 2 + 3 + 5, 1 + 2 + 3 + 5 + 6, 2 + 3 + 5 + 6 + 7, 3 + 5 + 6 + 7 + 8, 5 + 6 + 7 + 8 + 9}
	if !ok || win != 60 || !slices.Equal(got.Values, want) || len(got.Timestamps) != len(want) || got.Label != "Sum over 60 s" {
		t.Errorf("windowTotal = %v %v (%q), %d, %t; want %v", got.Values, got.Timestamps, got.Label, win, ok, want)
	}
	for _, p := range []experiments.CompiledProbe{sum("Average"), sum("Maximum"), {Name: "ratio", WindowSeconds: 60, MetricDataQueries: []experiments.MetricDataQuery{{Id: "e1", Expression: "m1/m2*100"}}}} {
		if _, _, ok := windowTotal(probeTotal(p), set); ok {
			t.Errorf("%s %+v: a window total drawn; only a Sum or SampleCount reads one", p.Name, p.MetricDataQueries[0])
		}
	}
	if _, _, ok := windowTotal(probeTotal(experiments.CompiledProbe{Name: "errors", WindowSeconds: 10, MetricDataQueries: sum("Sum").MetricDataQueries}), set); ok {
		t.Error("a window no longer than the chart's period: its line is the probe's reading already")
	}

	// AND the report's probe chart has both lines, and says which is which
	run := Run{Journal: &experiments.Journal{Title: "x", StartedAt: t0.Format(time.RFC3339)},
		Compiled: &experiments.Compiled{SteadyState: experiments.CompiledHypothesis{Probes: []experiments.CompiledProbe{sum("Sum")}}}}
	run.Journal.Before = []experiments.ProbeResult{{Name: "errors", Tolerance: experiments.Tolerance{Type: "range", Min: 0, Max: 5, Text: "[0, 5]"}}}
	v := buildViews(run, run.Journal, &Series{Probes: []QuerySet{set}}, t0, t0.Add(2*time.Minute), nil)
	if len(v.Probes.Widgets) != 1 {
		t.Fatalf("%d probe charts, want 1", len(v.Probes.Widgets))
	}
	w := v.Probes.Widgets[0]
	var labels []string
	for _, l := range w.Lines {
		labels = append(labels, l.Label)
	}
	if !slices.Equal(labels, []string{"errors", "Sum over 60 s"}) || !strings.Contains(w.Note, "its total over the last 60 s (the probe's window before the fault) beside it") {
		t.Errorf("lines %q, note %q", labels, w.Note)
	}
}

// A point without a number (NaN) adds nothing to the totals, then or after it has left the window.
func TestWindowTotalSkipsNaN(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	p := experiments.CompiledProbe{Name: "e", WindowSeconds: 20, MetricDataQueries: []experiments.MetricDataQuery{{Id: "m1",
		MetricStat: &experiments.MetricStat{Metric: experiments.Metric{Namespace: "N", MetricName: "M"}, Stat: "Sum"}}}}
	r := dashboard.Result{ID: "m1", Timestamps: []time.Time{t0, t0.Add(10 * time.Second), t0.Add(20 * time.Second), t0.Add(30 * time.Second)},
		Values: []float64{1, math.NaN(), 2, 3}}
	got, _, ok := windowTotal(probeTotal(p), QuerySet{Period: 10, Results: []dashboard.Result{r}})
	if want := []float64{1, 1, 2, 5}; !ok || !slices.Equal(got.Values, want) {
		t.Errorf("totals %v, want %v", got.Values, want)
	}
}

// noCloud answers every GetMetricData with no data, as a cloud whose metrics are gone does.
type noCloud struct{ DashboardAPI }

func (noCloud) GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return &cloudwatch.GetMetricDataOutput{}, nil
}

// A saved series is kept only for the run it is of: at the same path, another run's (another
// window: a journal written again by a later run) is replaced by this run's, however few its points.
func TestSavedSeriesKeptOnlyForItsRun(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	j := &experiments.Journal{Title: "x", StartedAt: t0.Format(time.RFC3339), EndedAt: t0.Add(2 * time.Minute).Format(time.RFC3339)}
	start, end, _ := Window(j, time.Now())
	dir := t.TempDir()
	seriesPath := filepath.Join(dir, "j.series.json")
	saved := func(from, to time.Time) {
		s := &Series{Start: from, End: to, Probes: []QuerySet{{Name: "p", Results: []dashboard.Result{{ID: "m1", Timestamps: []time.Time{from}, Values: []float64{7}}}}}}
		if err := s.WriteFile(seriesPath); err != nil {
			t.Fatal(err)
		}
	}
	run := Run{Journal: j}
	saved(start, end) // this run's, with a point CloudWatch no longer has
	if _, err := (Options{}).MakeAt(context.Background(), noCloud{}, run, nil, filepath.Join(dir, "j.report.html"), seriesPath); !errors.Is(err, ErrSeriesKept) {
		t.Errorf("this run's saved series: err %v, want it kept", err)
	}
	if s, _ := ReadSeries(seriesPath); s == nil || s.Points() != 1 {
		t.Errorf("this run's saved series: %+v, want it as saved", s)
	}
	// A kept series that records a failed query is kept, but the report drawn from it is partial.
	failed := &Series{Start: start, End: end, Probes: []QuerySet{{Name: "p", Error: "Throttling: slow down",
		Results: []dashboard.Result{{ID: "m1", Timestamps: []time.Time{start}, Values: []float64{7}}}}}}
	if err := failed.WriteFile(seriesPath); err != nil {
		t.Fatal(err)
	}
	_, err := (Options{}).MakeAt(context.Background(), noCloud{}, run, nil, filepath.Join(dir, "j.report.html"), seriesPath)
	if rest := Incomplete(err); !errors.Is(err, ErrSeriesKept) || rest == nil || !strings.Contains(rest.Error(), "probe p: Throttling: slow down") {
		t.Errorf("a kept series with a failed query: err %v, incomplete %v; want it kept and the failure said", err, rest)
	}
	saved(start.Add(-time.Hour), end.Add(-time.Hour)) // another run's, an hour before
	if _, err := (Options{}).MakeAt(context.Background(), noCloud{}, run, nil, filepath.Join(dir, "j.report.html"), seriesPath); err != nil {
		t.Errorf("another run's saved series: err %v, want it replaced", err)
	}
	if s, _ := ReadSeries(seriesPath); s == nil || !s.Start.Equal(start) || s.Points() != 0 {
		t.Errorf("another run's saved series: %+v, want this run's window", s)
	}

	// A 45 s run's series saved when its window was the minute after its start (a report made
	// before 2026-12-06) is still this run's: kept, not taken for another run's and replaced.
	short := &experiments.Journal{Title: "x", StartedAt: t0.Format(time.RFC3339), EndedAt: t0.Add(45 * time.Second).Format(time.RFC3339)}
	start, end, _ = Window(short, time.Now())
	if !end.After(t0.Add(45*time.Second)) || end.After(t0.Add(50*time.Second)) || !start.Before(t0) {
		t.Errorf("a 45 s run's window %s to %s: want the minute that ends with it, and a period after it", start, end)
	}
	saved(t0.Add(-5*time.Second), t0.Add(65*time.Second))
	if _, err := (Options{}).MakeAt(context.Background(), noCloud{}, Run{Journal: short}, nil, filepath.Join(dir, "j.report.html"), seriesPath); !errors.Is(err, ErrSeriesKept) {
		t.Errorf("a short run's series of its former window: err %v, want it kept", err)
	}
	// A run with a start alone spans an instant: a series that covers it is not known to be its.
	started := &experiments.Journal{Title: "x", StartedAt: t0.Format(time.RFC3339)}
	if (&Series{Start: t0.Add(-2 * time.Hour), End: t0.Add(time.Second)}).Of(started, t0.Add(time.Minute)) {
		t.Error("a series of two hours before a run that has not ended taken for the run's")
	}
}
