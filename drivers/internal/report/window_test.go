package report

import (
	"slices"
	"strings"
	"testing"
	"time"

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

	got, win, ok := windowTotal(sum("Sum"), set)
	// Each point's window: the six periods ending with it (t-50 s .. t).
	want := []float64{1, 1 + 2, 1 + 2 + 3, 1 + 2 + 3 + 5, 1 + 2 + 3 + 5 + 6, 2 + 3 + 5 + 6 + 7, 3 + 5 + 6 + 7 + 8, 5 + 6 + 7 + 8 + 9}
	if !ok || win != 60 || !slices.Equal(got.Values, want) || len(got.Timestamps) != len(want) || got.Label != "Sum over 60 s" {
		t.Errorf("windowTotal = %v %v (%q), %d, %t; want %v", got.Values, got.Timestamps, got.Label, win, ok, want)
	}
	for _, p := range []experiments.CompiledProbe{sum("Average"), sum("Maximum"), {Name: "ratio", WindowSeconds: 60, MetricDataQueries: []experiments.MetricDataQuery{{Id: "e1", Expression: "m1/m2*100"}}}} {
		if _, _, ok := windowTotal(p, set); ok {
			t.Errorf("%s %+v: a window total drawn; only a Sum or SampleCount reads one", p.Name, p.MetricDataQueries[0])
		}
	}
	if _, _, ok := windowTotal(experiments.CompiledProbe{Name: "errors", WindowSeconds: 10, MetricDataQueries: sum("Sum").MetricDataQueries}, set); ok {
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
	if !slices.Equal(labels, []string{"errors", "Sum over 60 s"}) || !strings.Contains(w.Note, "its total over the probe's 60 s, what the probe reads") {
		t.Errorf("lines %q, note %q", labels, w.Note)
	}
}
