package fis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
)

// Alarm is a CloudWatch alarm as DescribeAlarms returns it (the members this package reads).
// ParseAlarms reads `aws cloudwatch describe-alarms` output, or the SDK's DescribeAlarmsOutput
// marshalled with encoding/json: both use the API's member names.
type Alarm struct {
	AlarmName          string                        `json:"AlarmName"`
	AlarmArn           string                        `json:"AlarmArn"`
	Namespace          string                        `json:"Namespace"`
	MetricName         string                        `json:"MetricName"`
	Dimensions         []experiments.Dimension       `json:"Dimensions"`
	Statistic          string                        `json:"Statistic"`
	ExtendedStatistic  string                        `json:"ExtendedStatistic"`
	Period             int                           `json:"Period"`
	Unit               string                        `json:"Unit"`
	EvaluationPeriods  int                           `json:"EvaluationPeriods"`
	DatapointsToAlarm  int                           `json:"DatapointsToAlarm"`
	Threshold          *float64                      `json:"Threshold"`
	ComparisonOperator string                        `json:"ComparisonOperator"`
	TreatMissingData   string                        `json:"TreatMissingData"`
	Metrics            []experiments.MetricDataQuery `json:"Metrics"`
	ThresholdMetricID  string                        `json:"ThresholdMetricId"`
	StateValue         string                        `json:"StateValue"`
	// Composite is set for an entry of CompositeAlarms.
	Composite bool `json:"-"`
}

// ParseAlarms reads a DescribeAlarms answer: {"MetricAlarms": [...], "CompositeAlarms": [...]}
// (the aws CLI's output; json.Marshal of the SDK's *cloudwatch.DescribeAlarmsOutput) or a bare
// list of metric alarms.
func ParseAlarms(data []byte) ([]Alarm, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, fmt.Errorf("parse alarms: %w", err)
		}
		return decodeAlarms(raws, "")
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(data, &keys) == nil {
		_, metric := keys["MetricAlarms"]
		_, composite := keys["CompositeAlarms"]
		if !metric && !composite {
			return nil, errors.New("parse alarms: want DescribeAlarms' answer ({\"MetricAlarms\": [...]}, as aws cloudwatch describe-alarms prints it) or a list of alarms; this object has neither MetricAlarms nor CompositeAlarms")
		}
	}
	var out struct {
		MetricAlarms    []json.RawMessage `json:"MetricAlarms"`
		CompositeAlarms []struct {
			AlarmName  string `json:"AlarmName"`
			AlarmArn   string `json:"AlarmArn"`
			StateValue string `json:"StateValue"`
		} `json:"CompositeAlarms"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("parse alarms: want DescribeAlarms' answer ({\"MetricAlarms\": [...]}): %w", err)
	}
	list, err := decodeAlarms(out.MetricAlarms, "MetricAlarms")
	if err != nil {
		return nil, err
	}
	for _, c := range out.CompositeAlarms {
		list = append(list, Alarm{AlarmName: c.AlarmName, AlarmArn: c.AlarmArn, StateValue: c.StateValue, Composite: true})
	}
	return list, nil
}

// decodeAlarms decodes each alarm of the list at path ("" for a top-level list), naming the alarm
// and its member a wrong type is in (`MetricAlarms[0].Threshold: want a JSON number, got JSON
// string`), where the decoder's message named a Go struct field.
func decodeAlarms(raws []json.RawMessage, path string) ([]Alarm, error) {
	list := make([]Alarm, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &list[i]); err != nil {
			at := fmt.Sprintf("%s[%d]", path, i)
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return nil, fmt.Errorf("parse alarms: %s: %w", at, err)
			}
			want, got := "a JSON "+jsonfields.Kind(te.Type), "JSON "+te.Value
			if strings.HasPrefix(te.Value, "number ") {
				// A number where a number is wanted: a fraction or too large for the member's type.
				want, got = "a whole number in range", strings.TrimPrefix(te.Value, "number ")
			}
			switch first, rest, nested := strings.Cut(te.Field, "."); {
			case te.Field == "":
				return nil, fmt.Errorf("parse alarms: %s: want an alarm object, got %s", at, got)
			case nested:
				// The decoder's path has no list index: the element is named by its member.
				return nil, fmt.Errorf("parse alarms: %s.%s: its member %s: want %s, got %s", at, first, rest, want, got)
			default:
				return nil, fmt.Errorf("parse alarms: %s.%s: want %s, got %s", at, te.Field, want, got)
			}
		}
	}
	return list, nil
}

// stopAlarm is an alarm a stop condition names, and where.
type stopAlarm struct {
	name, arn, path string
}

// alarmName reads the alarm name of a CloudWatch alarm ARN
// (arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>; the name may hold colons).
func alarmName(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "cloudwatch" || parts[5] != "alarm" || parts[6] == "" {
		return "", false
	}
	return parts[6], true
}

// AlarmNames lists the alarms the template's stop conditions name, for DescribeAlarms'
// AlarmNames (the answer goes to CheckAlarms and Options.Alarms).
func AlarmNames(template []byte) ([]string, error) {
	t, err := parseTemplate(template, "")
	if err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	for _, a := range t.stopAlarms() {
		if !seen[a.name] {
			seen[a.name] = true
			names = append(names, a.name)
		}
	}
	return names, nil
}

// CheckAlarms reports every alarm a stop condition names that is not among alarms (a
// DescribeAlarms answer, ParseAlarms), at the stop condition's path: an imported template whose
// stop condition is missing would run without the stop its author meant. where says where the
// alarms were looked for, after "does not exist" ("(DescribeAlarms did not return it)").
func CheckAlarms(template []byte, alarms []Alarm, where string) ([]Problem, error) {
	t, err := parseTemplate(template, "")
	if err != nil {
		return nil, err
	}
	var ps []Problem
	for _, sa := range t.stopAlarms() {
		if findAlarm(alarms, sa.name) == nil {
			ps = append(ps, Problem{Path: sa.path, Reason: fmt.Sprintf("alarm %q does not exist %s", sa.name, where)})
		}
	}
	return ps, nil
}

func findAlarm(alarms []Alarm, name string) *Alarm {
	for i := range alarms {
		if alarms[i].AlarmName == name {
			return &alarms[i]
		}
	}
	return nil
}

// okRange is the values an alarm's comparison does not breach, as an inclusive [lo, hi]; the
// strict comparisons take the next float below or above the threshold.
func okRange(op string, threshold float64) (lo, hi float64, ok bool) {
	switch op {
	case "GreaterThanThreshold":
		return -math.MaxFloat64, threshold, true
	case "GreaterThanOrEqualToThreshold":
		return -math.MaxFloat64, math.Nextafter(threshold, math.Inf(-1)), true
	case "LessThanThreshold":
		return threshold, math.MaxFloat64, true
	case "LessThanOrEqualToThreshold":
		return math.Nextafter(threshold, math.Inf(1)), math.MaxFloat64, true
	}
	return 0, 0, false
}

// alarmProbe translates an alarm into a hypothesis probe over the alarm's own metric (or metric
// math) and threshold: our native chaoslab.cloudwatch.metric_data provider, whose value deviates
// exactly when it would breach the alarm's comparison.
func alarmProbe(a *Alarm, name, p string) (experiments.Activity, []Problem) {
	var ps []Problem
	fail := func(format string, args ...any) {
		ps = append(ps, Problem{Path: p, Reason: fmt.Sprintf("alarm %q: ", a.AlarmName) + fmt.Sprintf(format, args...)})
	}
	if a.Composite {
		fail("a composite alarm is not translated (the lab's probes read metrics): name one of its metric alarms")
		return experiments.Activity{}, ps
	}
	if a.ThresholdMetricID != "" {
		fail("an anomaly-detection band (ThresholdMetricId) is not translated")
	}
	if a.Threshold == nil {
		fail("no Threshold")
		return experiments.Activity{}, ps
	}
	lo, hi, ok := okRange(a.ComparisonOperator, *a.Threshold)
	if !ok {
		fail("comparison %q is not translated (GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold, LessThanOrEqualToThreshold)", a.ComparisonOperator)
	}
	evals := max(a.EvaluationPeriods, 1)
	var queries []experiments.MetricDataQuery
	period := a.Period
	if len(a.Metrics) > 0 {
		queries = a.Metrics
		for _, q := range a.Metrics {
			if q.Expression != "" {
				fail("metric math (query %q: %s) is not translated: the lab's probe evaluates the expression once, over each metric aggregated across its whole window, where the alarm evaluates it per period and counts the breaching periods (DatapointsToAlarm of EvaluationPeriods); a ratio of two window totals, say, can stay within the threshold while the alarm goes to ALARM, so the guard would leave the fault on where FIS would stop it. %s",
					q.Id, q.Expression, lenientAdvice)
			}
			if q.MetricStat != nil {
				period = max(period, q.MetricStat.Period)
				if why := laxer(q.MetricStat.Stat, a.ComparisonOperator); why != "" {
					fail("%s", why)
				}
			}
		}
	} else {
		stat := a.Statistic
		if stat == "" {
			stat = a.ExtendedStatistic
		}
		if a.Namespace == "" || a.MetricName == "" || stat == "" || a.Period <= 0 {
			fail("want a metric alarm with Namespace, MetricName, Statistic (or ExtendedStatistic) and Period, or Metrics")
			return experiments.Activity{}, ps
		}
		if why := laxer(stat, a.ComparisonOperator); why != "" {
			fail("%s", why)
		}
		t := true
		queries = []experiments.MetricDataQuery{{Id: "m1", ReturnData: &t, MetricStat: &experiments.MetricStat{
			Metric: experiments.Metric{Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions},
			Period: a.Period, Stat: stat, Unit: a.Unit}}}
	}
	if period <= 0 {
		fail("no Period in its metrics")
	}
	noData := experiments.NoDataZero
	switch a.TreatMissingData {
	case "breaching":
		noData = experiments.NoDataFail
	case "", "missing", "notBreaching", "ignore":
		// Missing data never puts the alarm in ALARM: the probe counts it as 0 (what chaosaws
		// does), which must then be inside the range.
		if ok && (0 < lo || 0 > hi) {
			fail("with no data the probe counts 0, which %s the threshold %v, while the alarm (TreatMissingData %q) does not go to ALARM without data: set TreatMissingData to breaching if no data should stop the experiment",
				a.ComparisonOperator, *a.Threshold, cmpOr(a.TreatMissingData, "missing"))
		}
	default:
		fail("TreatMissingData %q is not translated", a.TreatMissingData)
	}
	args := map[string]any{"metric_data_queries": queries, "duration": period * evals, "no_data": noData}
	rawArgs, err := json.Marshal(args)
	if err != nil {
		fail("%v", err)
	}
	tol, _ := json.Marshal(map[string]any{"type": "range", "range": []float64{lo, hi}})
	return experiments.Activity{Type: "probe", Name: name, Tolerance: tol, Provider: &experiments.Provider{
		Type: "python", Module: "chaoslab.cloudwatch", Func: "metric_data", Arguments: rawArgs}}, ps
}

// lenientAdvice says what to do with an alarm the guard would judge more laxly than CloudWatch.
const lenientAdvice = "Name an alarm on Sum, SampleCount or Maximum compared with GreaterThan(OrEqualTo)Threshold, or on Minimum compared with LessThan(OrEqualTo)Threshold, without metric math; or drop this stop condition and lend a hypothesis (chaoslab import-fis -hypothesis)"

// laxer says why a probe of stat compared with op would be laxer than the alarm, or "" when it is
// not. The probe (and the guard, whose window grows from the fault's write) judges one value of
// the statistic over its whole window, where the alarm judges the statistic of each period and
// goes to ALARM when DatapointsToAlarm of EvaluationPeriods of them breach. The whole window's
// value breaches whenever one period's does only for a statistic that cannot move away from the
// threshold as the window takes in more periods: a total (Sum, SampleCount; of values that are
// not negative, as every AWS count and duration) or the Maximum only grows, so compared with
// Greater* it breaches no later than the alarm (maybe earlier: stricter); the Minimum only falls,
// the same for Less*. Any other pairing (an Average, a percentile or another extended statistic,
// a Minimum with Greater*, a total or the Maximum with Less*) can stay within the threshold while
// the alarm goes to ALARM.
func laxer(stat, op string) string {
	less := strings.HasPrefix(op, "Less")
	switch {
	case !less && (stat == "Sum" || stat == "SampleCount" || stat == "Maximum"):
		return ""
	case less && stat == "Minimum":
		return ""
	}
	if !strings.HasPrefix(op, "Less") && !strings.HasPrefix(op, "Greater") {
		return "" // the comparison is reported on its own
	}
	article := "a"
	if stat != "" && strings.ContainsRune("AEIOU", rune(stat[0])) {
		article = "an"
	}
	return fmt.Sprintf("%s %s compared with %s is not translated: the lab's probe judges one %s over its whole window (the guard's grows from the fault's write), which can stay within the threshold while the alarm, judging each period, goes to ALARM (DatapointsToAlarm of EvaluationPeriods periods breaching): the guard would leave the fault on where FIS would stop it. %s",
		article, stat, op, stat, lenientAdvice)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
