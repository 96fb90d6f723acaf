package cloudwatch

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// clockStore is a store whose clock the test moves.
func clockStore(t0 time.Time) (*Store, *time.Time) {
	s := NewStore()
	now := t0
	s.now = func() time.Time { return now }
	return s, &now
}

func errorsAlarm(mod func(a *Alarm)) Alarm {
	a := Alarm{Name: "errors", Namespace: "AWS/Lambda", MetricName: "Errors", Dimensions: map[string]string{"FunctionName": "etl"},
		Statistic: "Sum", Period: time.Minute, EvaluationPeriods: 1, Threshold: 5, ComparisonOperator: "GreaterThanThreshold"}
	if mod != nil {
		mod(&a)
	}
	return a
}

func TestAlarmEvaluation(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0).UTC() // on a minute boundary
	type step struct {
		at     time.Duration // since t0: when the datum is put (value ≥ 0) and the state read
		value  float64       // < 0: no datum
		want   string
		reason string // part of the reason
	}
	tests := []struct {
		name  string
		alarm Alarm
		steps []step
	}{
		{name: "crossing the threshold flips to ALARM and back", alarm: errorsAlarm(nil), steps: []step{
			{at: 0, value: -1, want: StateInsufficientData, reason: "Unchecked: Initial alarm creation"},
			{at: 30 * time.Second, value: 2, want: StateOK, reason: "Threshold Crossed: 1 datapoint [2.0 (15/01/27 07:59:31)] was not greater than the threshold (5.0)."},
			{at: 90 * time.Second, value: 7, want: StateAlarm, reason: "1 out of the last 1 datapoints [7.0 (15/01/27 08:00:31)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition)."},
			{at: 200 * time.Second, value: 1, want: StateOK},
		}},
		{name: "the threshold itself does not breach GreaterThan", alarm: errorsAlarm(nil), steps: []step{
			{at: 10 * time.Second, value: 5, want: StateOK},
		}},
		{name: "GreaterThanOrEqualTo breaches at the threshold", alarm: errorsAlarm(func(a *Alarm) { a.ComparisonOperator = "GreaterThanOrEqualToThreshold" }), steps: []step{
			{at: 10 * time.Second, value: 5, want: StateAlarm, reason: "greater than or equal to the threshold (5.0)"},
		}},
		{name: "LessThan", alarm: errorsAlarm(func(a *Alarm) { a.ComparisonOperator = "LessThanThreshold"; a.Threshold = 1 }), steps: []step{
			{at: 10 * time.Second, value: 3, want: StateOK},
			{at: 70 * time.Second, value: 0, want: StateAlarm, reason: "was less than the threshold (1.0)"},
		}},
		{name: "missing data is INSUFFICIENT_DATA by default", alarm: errorsAlarm(nil), steps: []step{
			{at: 10 * time.Second, value: 9, want: StateAlarm},
			{at: 3 * time.Minute, value: -1, want: StateInsufficientData, reason: "Insufficient Data: 1 datapoint was unknown."},
		}},
		{name: "missing data treated as breaching", alarm: errorsAlarm(func(a *Alarm) { a.TreatMissingData = "breaching" }), steps: []step{
			{at: 10 * time.Second, value: -1, want: StateAlarm},
		}},
		{name: "missing data treated as not breaching", alarm: errorsAlarm(func(a *Alarm) { a.TreatMissingData = "notBreaching" }), steps: []step{
			{at: 10 * time.Second, value: 9, want: StateAlarm},
			{at: 3 * time.Minute, value: -1, want: StateOK},
		}},
		{name: "ignore keeps the state", alarm: errorsAlarm(func(a *Alarm) { a.TreatMissingData = "ignore" }), steps: []step{
			{at: 10 * time.Second, value: 9, want: StateAlarm},
			{at: 5 * time.Minute, value: -1, want: StateAlarm},
		}},
		{name: "2 out of 3", alarm: errorsAlarm(func(a *Alarm) { a.EvaluationPeriods, a.DatapointsToAlarm = 3, 2 }), steps: []step{
			{at: 10 * time.Second, value: 9, want: StateOK, reason: "1 datapoint [9.0"},
			{at: 70 * time.Second, value: 1, want: StateOK},
			{at: 130 * time.Second, value: 8, want: StateAlarm, reason: "2 out of the last 3 datapoints [8.0 (15/01/27 08:01:11), 1.0 (15/01/27 08:00:11), 9.0 (15/01/27 07:59:11)]"},
		}},
		{name: "metric math: the returned expression is compared", alarm: Alarm{Name: "rate", EvaluationPeriods: 1, Threshold: 50, ComparisonOperator: "GreaterThanThreshold",
			Metrics: []Query{
				{ID: "e", MetricStat: &MetricStat{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: map[string]string{"FunctionName": "etl"}, Period: time.Minute, Stat: "Sum"}},
				{ID: "rate", Expression: "e * 10", ReturnData: true},
			}}, steps: []step{
			{at: 10 * time.Second, value: 4, want: StateOK},
			{at: 70 * time.Second, value: 6, want: StateAlarm, reason: "[60.0"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, now := clockStore(t0)
			if err := s.PutAlarm(tc.alarm); err != nil {
				t.Fatal(err)
			}
			for _, st := range tc.steps {
				*now = t0.Add(st.at)
				if st.value >= 0 {
					s.Put(Datum{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: map[string]string{"FunctionName": "etl"}, Value: st.value, Time: *now})
				}
				*now = now.Add(time.Second) // the read comes after the datum
				got, ok := s.Alarm(tc.alarm.Name)
				if !ok {
					t.Fatal("alarm not found")
				}
				if got.Value != st.want || !strings.Contains(got.Reason, st.reason) {
					t.Fatalf("at %v: %s %q, want %s containing %q", st.at, got.Value, got.Reason, st.want, st.reason)
				}
				if got.ARN != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:"+tc.alarm.Name {
					t.Errorf("ARN %s", got.ARN)
				}
			}
		})
	}
}

// TestAlarmCatchUp: a read long after the crossing dates the change to the minute a periodic
// evaluator would have seen it, not to the read.
func TestAlarmCatchUp(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0).UTC()
	s, now := clockStore(t0)
	if err := s.PutAlarm(errorsAlarm(nil)); err != nil {
		t.Fatal(err)
	}
	s.Put(Datum{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: map[string]string{"FunctionName": "etl"}, Value: 9, Time: t0.Add(150 * time.Second)})
	*now = t0.Add(time.Hour)
	got, _ := s.Alarm("errors")
	// Evaluations at t0+1m, +2m: no data (INSUFFICIENT_DATA stays); +3m sees [2m, 3m) with 9: ALARM;
	// +4m: missing again, and so on until the read.
	if got.Value != StateInsufficientData {
		t.Fatalf("an hour later: %s, want INSUFFICIENT_DATA (the datum left the range)", got.Value)
	}
	s2, now2 := clockStore(t0)
	_ = s2.PutAlarm(errorsAlarm(func(a *Alarm) { a.TreatMissingData = "ignore" }))
	s2.Put(Datum{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: map[string]string{"FunctionName": "etl"}, Value: 9, Time: t0.Add(150 * time.Second)})
	*now2 = t0.Add(time.Hour)
	got, _ = s2.Alarm("errors")
	if got.Value != StateAlarm || !got.UpdatedAt.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("ignore, an hour later: %s updated %v, want ALARM since %v", got.Value, got.UpdatedAt, t0.Add(3*time.Minute))
	}
	if !strings.Contains(got.ReasonData, `"recentDatapoints":[9]`) || !strings.Contains(got.ReasonData, `"threshold":5`) {
		t.Errorf("reason data %s", got.ReasonData)
	}
}

func TestPutAlarmValidation(t *testing.T) {
	tests := []struct {
		name string
		mod  func(a *Alarm)
		msg  string
	}{
		{name: "no name", mod: func(a *Alarm) { a.Name = "" }, msg: "AlarmName"},
		{name: "no evaluation periods", mod: func(a *Alarm) { a.EvaluationPeriods = 0 }, msg: "EvaluationPeriods"},
		{name: "datapoints above periods", mod: func(a *Alarm) { a.DatapointsToAlarm = 2 }, msg: "DatapointsToAlarm"},
		{name: "anomaly band", mod: func(a *Alarm) { a.ComparisonOperator = "LessThanLowerOrGreaterThanUpperThreshold" }, msg: "anomaly"},
		// An operator CloudWatch does not have is the caller's mistake, said as CloudWatch says it.
		{name: "no such operator", mod: func(a *Alarm) { a.ComparisonOperator = "Greater" }, msg: "Value 'Greater' at 'comparisonOperator' failed to satisfy constraint"},
		{name: "both statistics", mod: func(a *Alarm) { a.ExtendedStatistic = "p99" }, msg: "Statistic and ExtendedStatistic"},
		{name: "percentile as Statistic", mod: func(a *Alarm) { a.Statistic = "p99" }, msg: "Statistic"},
		{name: "period of 45 s", mod: func(a *Alarm) { a.Period = 45 * time.Second }, msg: "10, 20, 30 or a multiple of 60"},
		{name: "bad treatment", mod: func(a *Alarm) { a.TreatMissingData = "zero" }, msg: "TreatMissingData"},
		{name: "six actions", mod: func(a *Alarm) { a.InsufficientDataActions = make([]string, 6) }, msg: "InsufficientDataActions must not have a size greater than 5"},
		{name: "an action that is not an ARN", mod: func(a *Alarm) { a.AlarmActions = []string{"arn:aws:sns"} }, msg: "AlarmActions.member.1"},
		{name: "a long description", mod: func(a *Alarm) { a.Description = strings.Repeat("d", 1025) }, msg: "AlarmDescription"},
		{name: "a namespace starting with a colon", mod: func(a *Alarm) { a.Namespace = ":x" }, msg: "Namespace"},
		{name: "metric and metrics", mod: func(a *Alarm) {
			a.Metrics = []Query{{ID: "m", ReturnData: true, MetricStat: &MetricStat{Namespace: "N", Name: "x", Period: time.Minute, Stat: "Sum"}}}
		}, msg: "cannot be specified with Metrics"},
		{name: "metrics returning two", mod: func(a *Alarm) {
			*a = Alarm{Name: "x", EvaluationPeriods: 1, ComparisonOperator: "GreaterThanThreshold", Metrics: []Query{
				{ID: "a", ReturnData: true, MetricStat: &MetricStat{Namespace: "N", Name: "x", Period: time.Minute, Stat: "Sum"}},
				{ID: "b", ReturnData: true, Expression: "a * 2"}}}
		}, msg: "Exactly one element"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := NewStore().PutAlarm(errorsAlarm(tc.mod))
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want one about %s", err, tc.msg)
			}
		})
	}
}

// An alarm's name and description are counted in characters: a description of 1,024 characters
// of three bytes each is AWS's longest, not three times too long.
func TestAlarmTextCountsCharacters(t *testing.T) {
	a := errorsAlarm(func(a *Alarm) {
		a.Name = strings.Repeat("警", 255)
		a.Description = strings.Repeat("警", 1024)
	})
	if err := NewStore().PutAlarm(a); err != nil {
		t.Errorf("255 and 1,024 characters: %v", err)
	}
}

// TestDeleteAlarmsSkipsUnknownNames: "If you specify any incorrect alarm names, the alarms you
// specify with correct names are still deleted" (DeleteAlarms' documentation), without an error.
func TestDeleteAlarmsSkipsUnknownNames(t *testing.T) {
	s := NewStore()
	_ = s.PutAlarm(errorsAlarm(nil))
	_ = s.PutAlarm(errorsAlarm(func(a *Alarm) { a.Name = "kept" }))
	if err := s.DeleteAlarms("errors", "nope"); err != nil {
		t.Fatalf("err = %v, want none", err)
	}
	if got := s.AlarmNames(); len(got) != 1 || got[0] != "kept" {
		t.Fatalf("alarms after deleting errors and nope: %v, want [kept]", got)
	}
}

// TestPutAlarmReplaces: PutMetricAlarm on an existing name replaces the configuration and keeps
// the state until the next evaluation.
func TestPutAlarmReplaces(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0).UTC()
	s, now := clockStore(t0)
	_ = s.PutAlarm(errorsAlarm(nil))
	s.Put(Datum{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: map[string]string{"FunctionName": "etl"}, Value: 9, Time: t0})
	*now = t0.Add(time.Second)
	if got, _ := s.Alarm("errors"); got.Value != StateAlarm {
		t.Fatalf("state %s", got.Value)
	}
	_ = s.PutAlarm(errorsAlarm(func(a *Alarm) { a.Threshold = 100 }))
	if got, _ := s.Alarm("errors"); got.Value != StateOK {
		t.Fatalf("after raising the threshold: %s, want OK", got.Value)
	}
}

// TestAlarmEvaluationRangeOfShortPeriods: "For alarms with a period of less than one hour (3,600
// seconds), the total evaluation period can't be longer than one day (86,400 seconds)"
// (PutMetricAlarm's Period), for metric-math alarms too; a day itself is accepted.
func TestAlarmEvaluationRangeOfShortPeriods(t *testing.T) {
	math := func(periods int) Alarm {
		return Alarm{Name: "m", EvaluationPeriods: periods, ComparisonOperator: "GreaterThanThreshold", Metrics: []Query{
			{ID: "a", ReturnData: true, MetricStat: &MetricStat{Namespace: "N", Name: "x", Period: time.Minute, Stat: "Sum"}}}}
	}
	for _, tc := range []struct {
		name string
		a    Alarm
		ok   bool
	}{
		{"a day of minutes", errorsAlarm(func(a *Alarm) { a.EvaluationPeriods = 1440 }), true},
		{"a day and a minute", errorsAlarm(func(a *Alarm) { a.EvaluationPeriods = 1441 }), false},
		{"a day and 10 s", errorsAlarm(func(a *Alarm) { a.Period = 10 * time.Second; a.EvaluationPeriods = 8641 }), false},
		{"metric math, a day and a minute", math(1441), false},
		{"seven days of hours", errorsAlarm(func(a *Alarm) { a.Period = time.Hour; a.EvaluationPeriods = 168 }), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := NewStore().PutAlarm(tc.a)
			if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), "one day") {
				t.Errorf("err = %v, want ok %v (or an error about one day)", err, tc.ok)
			}
		})
	}
}

// TestDynamoDBAlarmsIgnoreMissingData: "Alarms that evaluate metrics in the AWS/DynamoDB namespace
// always ignore missing data even if you choose a different option for TreatMissingData. When an
// AWS/DynamoDB metric has missing data, alarms that evaluate that metric remain in their current
// state" (PutMetricAlarm's TreatMissingData); the alarm still shows the treatment it was given.
func TestDynamoDBAlarmsIgnoreMissingData(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0).UTC()
	for _, treat := range []string{"", "missing", "breaching"} {
		t.Run(treat, func(t *testing.T) {
			s, now := clockStore(t0)
			dims := map[string]string{"TableName": "chaos"}
			a := errorsAlarm(func(a *Alarm) {
				a.Namespace, a.MetricName, a.Dimensions, a.TreatMissingData = "AWS/DynamoDB", "ThrottledRequests", dims, treat
				a.ComparisonOperator, a.Threshold = "LessThanThreshold", 5 // 9 is OK; breaching missing data would not be
			})
			if err := s.PutAlarm(a); err != nil {
				t.Fatal(err)
			}
			s.Put(Datum{Namespace: "AWS/DynamoDB", Name: "ThrottledRequests", Dimensions: dims, Value: 9, Time: t0})
			*now = t0.Add(time.Second)
			if got, _ := s.Alarm("errors"); got.Value != StateOK {
				t.Fatalf("with a datapoint: %s, want OK", got.Value)
			}
			*now = t0.Add(10 * time.Minute)
			if got, _ := s.Alarm("errors"); got.Value != StateOK {
				t.Errorf("ten minutes without data: %s (%s), want OK (missing data ignored)", got.Value, got.Reason)
			}
			want := treat
			if want == "" {
				want = "missing"
			}
			if got := s.alarms.m["errors"].shape().TreatMissingData; got != want {
				t.Errorf("TreatMissingData shown = %q, want %q", got, want)
			}
		})
	}
}

// An alarm's Statistic is one of the basic five: a percentile or another extended statistic goes
// in ExtendedStatistic (PutMetricAlarm's page).
func TestAlarmStatisticIsBasic(t *testing.T) {
	s := NewStore()
	for _, stat := range []string{"p99", "tm90", "IQM", "TC(10%:90%)"} {
		if err := s.PutAlarm(errorsAlarm(func(a *Alarm) { a.Statistic = stat })); err == nil || !strings.Contains(err.Error(), "parameter Statistic is invalid") {
			t.Errorf("Statistic %q: %v, want it refused", stat, err)
		}
	}
	if err := s.PutAlarm(errorsAlarm(func(a *Alarm) { a.Statistic, a.ExtendedStatistic = "", "tm90" })); err != nil {
		t.Errorf("ExtendedStatistic tm90: %v", err)
	}
}

// SetAlarmState's state holds until the alarm's next evaluation (the next whole minute here),
// then the evaluation gives the alarm its actual state again, as AWS does ("returns to its actual
// state quickly").
func TestSetAlarmStateHoldsUntilTheNextEvaluation(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0).UTC() // a whole minute
	s, now := clockStore(t0)
	if err := s.PutAlarm(errorsAlarm(func(a *Alarm) { a.TreatMissingData = "notBreaching" })); err != nil {
		t.Fatal(err)
	}
	*now = t0.Add(90 * time.Second)
	if got, _ := s.Alarm("errors"); got.Value != StateOK {
		t.Fatalf("before: %s, want OK (no errors, missing data not breaching)", got.Value)
	}
	if err := s.SetAlarmState("errors", StateAlarm, "testing the guard", `{"by":"test"}`); err != nil {
		t.Fatal(err)
	}
	*now = t0.Add(119 * time.Second)
	if got, _ := s.Alarm("errors"); got.Value != StateAlarm || got.Reason != "testing the guard" || got.ReasonData != `{"by":"test"}` ||
		!got.UpdatedAt.Equal(t0.Add(90*time.Second)) {
		t.Errorf("before the next evaluation: %+v, want the state set", got)
	}
	*now = t0.Add(121 * time.Second)
	if got, _ := s.Alarm("errors"); got.Value != StateOK || !got.UpdatedAt.Equal(t0.Add(120*time.Second)) {
		t.Errorf("after the next evaluation (%v): %+v, want OK again since then", t0.Add(120*time.Second), got)
	}
	if err := s.SetAlarmState("nope", StateAlarm, "r", ""); !errors.Is(err, ErrNoSuchAlarm) {
		t.Errorf("an alarm that does not exist: %v, want ErrNoSuchAlarm", err)
	}
}
