package report

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
)

// Injected is what the function's failure layer counted of the faults it injected while a run's
// fault was on: its FaultsInjected metric (namespace ChaosTransformer, unit Count, one per fault
// that fired), in the set of dimensions that names the function. A verdict on a fault that never
// fired (a target that matches no call the function makes, a function nobody invoked) says nothing
// of the fault: the count says whether it fired at all.
type Injected struct {
	Function string
	// From and To are the span read: the fault's windows, whole minutes (the metric's resolution).
	From, To time.Time
	// Count is the faults injected in it; Data whether CloudWatch had any datapoint there.
	Count float64
	Data  bool
}

// Namespace and metric of the failure layer's count (functions/failure: MetricFaultsInjected).
const (
	injectedNamespace = "ChaosTransformer"
	injectedMetric    = "FaultsInjected"
)

// FaultWindows are the spans when the journal's writes had a fault on, ordered by start (a rollback
// run's starts at the journal's first record, with its fault already on).
func FaultWindows(j *experiments.Journal) []dashboard.FaultWindow {
	first, _ := journalSpan(j)
	return faultWindows(j, first)
}

// CountInjected reads the faults function injected while j's fault was on, up to now (a fault not
// switched off counts to now). false: no write of j turned a fault on (a not-steady-before run,
// a method that only switches off), and nothing was read.
func CountInjected(ctx context.Context, cw MetricData, function string, j *experiments.Journal, now time.Time) (Injected, bool, error) {
	ws := FaultWindows(j)
	if len(ws) == 0 {
		return Injected{}, false, nil
	}
	in := Injected{Function: function, From: ws[0].Start.Truncate(time.Minute)}
	// One call per window, each over its own span (GetMetricData takes one): a minute's period
	// would read up to a run's length in datapoints, one sum over the whole span reads one.
	for _, w := range ws {
		end := w.End
		if end.IsZero() || end.After(now) {
			end = now
		}
		// Whole minutes: EMF metrics are stored at a minute's resolution. A minute holds this run's
		// faults only: the run refuses to start while another's is on.
		from, to := w.Start.Truncate(time.Minute), end.Truncate(time.Minute).Add(time.Minute)
		if to.After(in.To) {
			in.To = to
		}
		q := cwtypes.MetricDataQuery{
			Id: aws.String("injected"),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(injectedNamespace), MetricName: aws.String(injectedMetric),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(function)}}},
				Period: aws.Int32(int32(to.Sub(from) / time.Second)), Stat: aws.String("Sum"),
			},
		}
		out, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(from), EndTime: aws.Time(to), MetricDataQueries: []cwtypes.MetricDataQuery{q},
		})
		if err != nil {
			return in, true, fmt.Errorf("CloudWatch GetMetricData %s %s (FunctionName %s): %w", injectedNamespace, injectedMetric, function, err)
		}
		for _, r := range out.MetricDataResults {
			for _, v := range r.Values {
				in.Count += v
				in.Data = true
			}
		}
	}
	return in, true, nil
}

// Line is the count as chaoslab run prints it under the verdict: how many faults, when; and, when
// none fired, what the verdict is worth and what to check.
func (in Injected) Line() string {
	span := fmt.Sprintf("%s–%s UTC", in.From.UTC().Format("15:04"), in.To.UTC().Format("15:04"))
	if in.Count > 0 {
		return fmt.Sprintf("injected: %s faults by %s while the fault was on (its FaultsInjected, %s)",
			strconv.FormatFloat(in.Count, 'f', -1, 64), in.Function, span)
	}
	return fmt.Sprintf("injected: none: %s's failure layer counted no fault while the fault was on (its FaultsInjected, %s), "+
		"so this verdict says nothing of the fault. Check that the function ran (the load: publisher and subscriber for the whole run), "+
		"and that the fault matches what the function does (an sdkerror's or a denylist's targets, a rate, a match on the event). "+
		"In AWS, a count reaches CloudWatch a minute or so after the fault fired", in.Function, span)
}
