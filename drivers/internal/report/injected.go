package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
)

// Injected is what the function's failure layer counted of the faults it injected while a run's
// fault was on: its FaultsInjected metric (namespace ChaosTransformer, unit Count, one per fault
// that fired), in the set of dimensions that names the function. A verdict on a fault that never
// fired (a target that matches no call the function makes, a function nobody invoked) says nothing
// of the fault: the count says whether it fired at all.
type Injected struct {
	Function string
	// From and To are the span read: from the first write that turned the fault on to the fault's
	// end. Exact: to the second; else by whole minutes (a span older than highResolutionKept).
	From, To time.Time
	Exact    bool
	// Count is the faults injected in it; Data whether CloudWatch had any datapoint there.
	Count float64
	Data  bool
}

// FaultWindows are the spans when the journal's writes had a fault on, ordered by start (a rollback
// run's starts at the journal's first record, with its fault already on).
func FaultWindows(j *experiments.Journal) []dashboard.FaultWindow {
	first, _ := journalSpan(j)
	return faultWindows(j, first)
}

// highResolutionKept is how long CloudWatch keeps a high-resolution metric's datapoints at 1 s
// (then at 1 min): a count from further back is read by whole minutes.
const highResolutionKept = 3 * time.Hour

// CountInjected reads the faults function injected while j's fault was on, up to now (a fault not
// switched off counts to now). false: no write of j turned a fault on (a not-steady-before run,
// a method that only switches off), and nothing was read.
//
// The failure layer's metric is high resolution: its datapoints are read at a period of 1 s over
// the spans the fault was on, to the second, so that faults of a fault switched off seconds before
// the run's write (by hand, by another run) are not this run's. A span that began more than
// highResolutionKept ago is read by whole minutes, the minutes it touches.
func CountInjected(ctx context.Context, cw MetricData, function string, j *experiments.Journal, now time.Time) (Injected, bool, error) {
	ws := FaultWindows(j)
	if len(ws) == 0 {
		return Injected{}, false, nil
	}
	exact := now.Sub(ws[0].Start) < highResolutionKept
	// Whole seconds, the high-resolution datapoints' (CloudWatch rounds a StartTime down to its
	// period's division of a minute, so a span from 12:00:03.400 is answered from 12:00:03, whose
	// datapoint holds the faults of 12:00:03.600); whole minutes further back. Rounded before the
	// spans are merged: two spans in one second or minute read it once.
	period := time.Second
	if !exact {
		period = time.Minute
	}
	round := func(t time.Time, up bool) time.Time {
		if up {
			return ceilTo(t, period)
		}
		return t.Truncate(period)
	}
	spans := onSpans(ws, now, round)
	if len(spans) == 0 {
		return Injected{}, false, nil
	}
	in := Injected{Function: function, From: spans[0][0], To: spans[len(spans)-1][1], Exact: exact}
	for _, sp := range spans {
		from, to := sp[0], sp[1]
		q := cwtypes.MetricDataQuery{
			Id: aws.String("injected"),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(contract.MetricsNamespace), MetricName: aws.String(contract.MetricFaultsInjected),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(function)}}},
				Period: aws.Int32(int32(period / time.Second)), Stat: aws.String("Sum"),
			},
		}
		input := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(from), EndTime: aws.Time(to), MetricDataQueries: []cwtypes.MetricDataQuery{q}}
		for page := 0; ; page++ {
			out, err := cw.GetMetricData(ctx, input)
			if err != nil {
				return in, true, fmt.Errorf("CloudWatch GetMetricData %s %s (FunctionName %s): %w", contract.MetricsNamespace, contract.MetricFaultsInjected, function, err)
			}
			// Each datapoint by its own time: CloudWatch may round a StartTime down (to the minute,
			// for some periods), which would take in faults from before the write.
			for _, r := range out.MetricDataResults {
				for i, v := range r.Values {
					if i < len(r.Timestamps) && (r.Timestamps[i].Before(from) || !r.Timestamps[i].Before(to)) {
						continue
					}
					in.Count += v
					in.Data = true
				}
			}
			if aws.ToString(out.NextToken) == "" || page == maxPages {
				break
			}
			input.NextToken = out.NextToken
		}
	}
	return in, true, nil
}

// maxPages bounds the pages of one span's datapoints (a page holds up to 100,800: a span of 3 hours
// at 1 s is one).
const maxPages = 10

// onSpans are the windows' [start, end) spans, each ended by now at the latest (a fault still on),
// rounded (start down, end up) as the reading needs, ordered and merged where they overlap or
// touch, so that no instant is counted twice.
func onSpans(ws []dashboard.FaultWindow, now time.Time, round func(t time.Time, up bool) time.Time) [][2]time.Time {
	var spans [][2]time.Time
	for _, w := range ws {
		end := w.End
		if end.IsZero() || end.After(now) {
			end = now
		}
		if !end.After(w.Start) {
			continue
		}
		spans = append(spans, [2]time.Time{round(w.Start, false), round(end, true)})
	}
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	var merged [][2]time.Time
	for _, sp := range spans {
		if n := len(merged); n > 0 && !sp[0].After(merged[n-1][1]) {
			if sp[1].After(merged[n-1][1]) {
				merged[n-1][1] = sp[1]
			}
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// ceilTo is t rounded up to a whole d.
func ceilTo(t time.Time, d time.Duration) time.Time {
	if m := t.Truncate(d); !m.Equal(t) {
		return m.Add(d)
	}
	return t
}

// Line is the count as chaoslab run prints it under the verdict: how many faults, when; and, when
// none fired, what the verdict is worth and what to check.
func (in Injected) Line() string {
	if in.Count > 0 {
		return fmt.Sprintf("injected: %s by %s while the fault was on (its FaultsInjected, %s)", in.faults(), in.Function, in.span())
	}
	return fmt.Sprintf("injected: none: %s's failure layer counted no fault while the fault was on (its FaultsInjected, %s), "+
		"so this verdict says nothing of the fault. %s", in.Function, in.span(), checkNone)
}

// Fact is the count as the report states it among the run's facts.
func (in Injected) Fact() string {
	return fmt.Sprintf("%s by %s while the fault was on (its FaultsInjected metric, %s)", in.count(), in.Function, in.span())
}

// NoneNote is what the report says when no fault fired.
func (in Injected) NoneNote() string {
	return fmt.Sprintf("No fault fired: %s's failure layer counted none while the fault was on, so this verdict says nothing of the fault. %s",
		in.Function, checkNone)
}

// checkNone is what to check when no fault fired.
const checkNone = "Check that the function ran (the load: publisher and subscriber for the whole run), " +
	"and that the fault matches what the function does (an sdkerror's or a denylist's targets, a rate, a match on the event). " +
	"In AWS, a count reaches CloudWatch a minute or so after the fault fired"

func (in Injected) count() string { return strconv.FormatFloat(in.Count, 'f', -1, 64) }

// faults is the count with its noun: "1 fault", "43 faults".
func (in Injected) faults() string {
	if in.Count == 1 {
		return "1 fault"
	}
	return in.count() + " faults"
}

func (in Injected) span() string {
	layout := "15:04:05"
	if !in.Exact {
		layout = "15:04"
	}
	return fmt.Sprintf("%s–%s UTC", in.From.UTC().Format(layout), in.To.UTC().Format(layout))
}
