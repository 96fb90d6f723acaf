package report_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/report"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
)

// CountInjected reads, through the CloudWatch API, the faults the function's failure layer counted
// while the journal's fault was on: the function's own (another function's are not), in the
// fault's window only (those before the write and after the rollback are not).
func TestCountInjected(t *testing.T) {
	store, cw := cloudWatch(t)
	now := time.Now().UTC().Truncate(time.Second)
	put := now.Add(-5 * time.Minute).Truncate(time.Minute).Add(10 * time.Second) // 10 s into a minute
	off := put.Add(3 * time.Minute)
	injected := func(function string, at time.Time, n float64) {
		store.Put(localcw.Datum{Namespace: "ChaosTransformer", Name: "FaultsInjected", Unit: "Count",
			Dimensions: map[string]string{"FunctionName": function}, Value: n, Time: at})
	}
	injected("ChaosLab-Etl", put.Add(20*time.Second), 7)
	injected("ChaosLab-Etl", put.Add(2*time.Minute), 5)
	injected("Other-Etl", put.Add(time.Minute), 100)                                              // another function's
	injected("ChaosLab-Etl", put.Add(-3*time.Minute), 1000)                                       // before the write
	injected("ChaosLab-Etl", put.Add(-5*time.Second), 100)                                        // before the write, in its minute (a fault switched off just before)
	injected("ChaosLab-Etl", off.Add(time.Minute), 1000)                                          // after the rollback, before now whatever now's second
	store.Put(localcw.Datum{Namespace: "ChaosTransformer", Name: "FaultsInjected", Unit: "Count", // the Mode set
		Dimensions: map[string]string{"Mode": "latency"}, Value: 12, Time: put.Add(20 * time.Second)})

	on, _ := json.Marshal(map[string]any{"isEnabled": true, "failureMode": "latency", "minLatency": 100, "maxLatency": 400})
	journal := func(method json.RawMessage) *experiments.Journal {
		return &experiments.Journal{Verdict: experiments.VerdictHeld,
			StartedAt: put.Add(-time.Minute).Format(time.RFC3339Nano), EndedAt: off.Add(time.Minute).Format(time.RFC3339Nano),
			Method:    []experiments.ActionResult{{Name: "fault", Parameter: "p", Value: method, PutAt: put.Format(time.RFC3339Nano)}},
			Rollbacks: []experiments.ActionResult{{Name: "off", Parameter: "p", Value: json.RawMessage(`{"isEnabled": false}`), PutAt: off.Format(time.RFC3339Nano)}},
		}
	}
	ctx := context.Background()

	in, ok, err := report.CountInjected(ctx, cw, "ChaosLab-Etl", journal(on), now)
	if err != nil || !ok {
		t.Fatalf("CountInjected: %v (read %v)", err, ok)
	}
	if in.Count != 12 || !in.Data {
		t.Errorf("count %v (data %v), want the 12 of ChaosLab-Etl's while the fault was on", in.Count, in.Data)
	}
	if line := in.Line(); !strings.HasPrefix(line, "injected: 12 faults by ChaosLab-Etl while the fault was on") ||
		!strings.Contains(line, put.Format("15:04:05")+"–"+off.Format("15:04:05")+" UTC") {
		t.Errorf("line %q", line)
	}

	// CloudWatch may round a StartTime down to the minute: a datapoint then returned from before the
	// write (the 100 at 5 s before it) is not the run's.
	if in, _, err := report.CountInjected(ctx, roundingStart{cw}, "ChaosLab-Etl", journal(on), now); err != nil || in.Count != 12 {
		t.Errorf("StartTime rounded down by CloudWatch: count %v, %v; want 12", in.Count, err)
	}

	// Two writes one after the other (a method of two actions): the same count as one write's over
	// the same time.
	j := journal(on)
	second := put.Add(80 * time.Second)
	j.Method = append(j.Method, experiments.ActionResult{Name: "more", Parameter: "p", Value: on, PutAt: second.Format(time.RFC3339Nano)})
	if in, _, err := report.CountInjected(ctx, cw, "ChaosLab-Etl", j, now); err != nil || in.Count != 12 {
		t.Errorf("two writes: count %v, %v; want 12", in.Count, err)
	}

	// A function that injected nothing: the line says what the verdict is worth, and what to check.
	in, ok, err = report.CountInjected(ctx, cw, "Quiet-Etl", journal(on), now)
	if err != nil || !ok || in.Count != 0 || in.Data {
		t.Fatalf("quiet function: %+v, read %v, %v", in, ok, err)
	}
	for _, want := range []string{"injected: none: Quiet-Etl's failure layer counted no fault", "says nothing of the fault", "targets"} {
		if !strings.Contains(in.Line(), want) {
			t.Errorf("line %q lacks %q", in.Line(), want)
		}
	}

	// No fault was on (a method that only switches off): nothing to count, nothing read.
	if _, ok, err := report.CountInjected(ctx, cw, "ChaosLab-Etl", journal(json.RawMessage(`{"isEnabled": false}`)), now); ok || err != nil {
		t.Errorf("a journal without a fault on: read %v, %v", ok, err)
	}

	// A fault never switched off counts up to now, the datapoints after the "rollback" included.
	j = journal(on)
	j.Rollbacks = nil
	if in, _, err := report.CountInjected(ctx, cw, "ChaosLab-Etl", j, now); err != nil || in.Count != 1012 {
		t.Errorf("a fault left on: count %v, %v; want 1012", in.Count, err)
	}

	// A run more than 3 hours back (CloudWatch keeps 1 s datapoints that long): read by whole
	// minutes, those its fault touched.
	old := now.Add(-5 * time.Hour).Truncate(time.Minute).Add(10 * time.Second)
	injected("ChaosLab-Old", old.Add(-5*time.Second), 3) // in the write's minute: counted, by the minute
	injected("ChaosLab-Old", old.Add(time.Minute), 4)
	injected("ChaosLab-Old", old.Add(-2*time.Minute), 1000)
	j = journal(on)
	j.Method[0].PutAt = old.Format(time.RFC3339Nano)
	j.Rollbacks[0].PutAt = old.Add(2 * time.Minute).Format(time.RFC3339Nano)
	in, _, err = report.CountInjected(ctx, cw, "ChaosLab-Old", j, now)
	if err != nil || in.Count != 7 || in.Exact {
		t.Errorf("an old run: %+v, %v; want 7 by whole minutes", in, err)
	}
	if want := old.Truncate(time.Minute).Format("15:04") + "–" + old.Add(3*time.Minute).Truncate(time.Minute).Format("15:04") + " UTC"; !strings.Contains(in.Line(), want) {
		t.Errorf("an old run's line %q lacks %q", in.Line(), want)
	}
	// Two spans of an old run in one minute (on at :10, off at :30, on again at :40): that minute is
	// read once.
	older := now.Add(-6 * time.Hour).Truncate(time.Minute)
	injected("ChaosLab-Older", older.Add(20*time.Second), 3)
	j = journal(on)
	j.Method[0].PutAt = older.Add(10 * time.Second).Format(time.RFC3339Nano)
	j.Method = append(j.Method, experiments.ActionResult{Name: "off", Parameter: "p", Value: json.RawMessage(`{"isEnabled": false}`), PutAt: older.Add(30 * time.Second).Format(time.RFC3339Nano)},
		experiments.ActionResult{Name: "on again", Parameter: "p", Value: on, PutAt: older.Add(40 * time.Second).Format(time.RFC3339Nano)})
	j.Rollbacks[0].PutAt = older.Add(50 * time.Second).Format(time.RFC3339Nano)
	if in, _, err := report.CountInjected(ctx, cw, "ChaosLab-Older", j, now); err != nil || in.Count != 3 {
		t.Errorf("two spans in one minute of an old run: count %v, %v; want 3, once", in.Count, err)
	}
	if in.Count = 1; !strings.HasPrefix(in.Line(), "injected: 1 fault by") {
		t.Errorf("one fault: %q", in.Line())
	}
}

// roundingStart asks CloudWatch with the StartTime rounded down to the minute, as AWS may round it.
type roundingStart struct{ report.MetricData }

func (r roundingStart) GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	c := *in
	c.StartTime = aws.Time(in.StartTime.Truncate(time.Minute))
	return r.MetricData.GetMetricData(ctx, &c, optFns...)
}

// A report of a run whose fault never fired says so above its timeline, with what the verdict is
// worth: the terminal's line alone was lost with the terminal.
func TestReportSaysNoFaultFired(t *testing.T) {
	now := time.Now()
	j := &experiments.Journal{Title: "t", Verdict: experiments.VerdictHeld, StartedAt: now.Add(-2 * time.Minute).Format(time.RFC3339Nano), EndedAt: now.Format(time.RFC3339Nano)}
	for _, tt := range []struct {
		count float64
		want  string
		not   string
	}{
		{0, "No fault fired: ChaosLab-Etl&#39;s failure layer counted none while the fault was on, so this verdict says nothing of the fault.", ""},
		{5, "5 by ChaosLab-Etl while the fault was on", "No fault fired"},
	} {
		var b strings.Builder
		in := &report.Injected{Function: "ChaosLab-Etl", From: now.Add(-time.Minute), To: now, Count: tt.count, Exact: true}
		if err := report.Render(&b, report.Run{Journal: j, Injected: in}, nil); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tt.want) || tt.not != "" && strings.Contains(b.String(), tt.not) {
			t.Errorf("%v injected: the report lacks %q (or says %q)", tt.count, tt.want, tt.not)
		}
	}
}
