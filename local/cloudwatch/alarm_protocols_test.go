package cloudwatch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
)

// TestProtocolsAlarms runs PutMetricAlarm, DescribeAlarms and DeleteAlarms in every protocol (the
// hand-written clients of protocols_test.go): a single-metric and a metric-math alarm, a metric
// crossing their thresholds, the filters and pages of DescribeAlarms, and the answers' shapes.
func TestProtocolsAlarms(t *testing.T) {
	fn := []any{map[string]any{"Name": "FunctionName", "Value": "etl"}}
	errorsMetric := map[string]any{"Namespace": "Lab", "MetricName": "Errors", "Dimensions": fn}
	for _, p := range protos {
		t.Run(p.name, func(t *testing.T) {
			store := localcw.NewStore()
			h := store.Handler()
			call := func(op string, in map[string]any) any { t.Helper(); return p.call(t, h, op, in) }
			alarms := func(in map[string]any) []any {
				t.Helper()
				out := call("DescribeAlarms", in)
				if n := length(t, at(t, out, "CompositeAlarms")); n != 0 {
					t.Errorf("CompositeAlarms: %d", n)
				}
				if l, ok := at(t, out, "MetricAlarms").([]any); ok {
					return l
				}
				return nil // the query protocol's empty list
			}

			call("PutMetricAlarm", map[string]any{"AlarmName": "lab-errors", "AlarmDescription": "errors of etl",
				"Namespace": "Lab", "MetricName": "Errors", "Dimensions": fn, "Statistic": "Sum", "Period": 60.0,
				"EvaluationPeriods": 1.0, "Threshold": 5.0, "ComparisonOperator": "GreaterThanThreshold",
				"TreatMissingData": "notBreaching", "AlarmActions": []any{"arn:aws:sns:us-east-1:000000000000:ops"}})
			call("PutMetricAlarm", map[string]any{"AlarmName": "lab-rate", "EvaluationPeriods": 1.0, "DatapointsToAlarm": 1.0,
				"Threshold": 50.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Metrics": []any{
					map[string]any{"Id": "e", "ReturnData": false, "MetricStat": map[string]any{"Metric": errorsMetric, "Period": 60.0, "Stat": "Sum"}},
					map[string]any{"Id": "r", "Expression": "e * 10", "Label": "ten times"},
				}})

			got := alarms(map[string]any{})
			if len(got) != 2 {
				t.Fatalf("DescribeAlarms: %d alarms, want 2", len(got))
			}
			e, r := got[0].(map[string]any), got[1].(map[string]any)
			if e["AlarmName"] != "lab-errors" || e["AlarmArn"] != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:lab-errors" ||
				e["AlarmDescription"] != "errors of etl" || e["Statistic"] != "Sum" || num(t, e["Period"]) != 60 ||
				num(t, e["Threshold"]) != 5 || num(t, e["EvaluationPeriods"]) != 1 || e["DatapointsToAlarm"] != nil ||
				fmt.Sprint(e["ActionsEnabled"]) != "true" || at(t, e, "AlarmActions.0") != "arn:aws:sns:us-east-1:000000000000:ops" ||
				length(t, e["OKActions"]) != 0 || at(t, e, "Dimensions.0.Value") != "etl" || e["TreatMissingData"] != "notBreaching" {
				t.Errorf("lab-errors = %v", e)
			}
			// DatapointsToAlarm is answered when it was given, as CloudWatch answers it.
			if num(t, r["DatapointsToAlarm"]) != 1 {
				t.Errorf("lab-rate's DatapointsToAlarm = %v, want the 1 given", r["DatapointsToAlarm"])
			}
			// No data: notBreaching is OK at once; missing (the default) stays INSUFFICIENT_DATA.
			if e["StateValue"] != "OK" || r["StateValue"] != "INSUFFICIENT_DATA" {
				t.Errorf("states without data: %v %v", e["StateValue"], r["StateValue"])
			}
			if ts := stamp(t, p, e["StateUpdatedTimestamp"]); time.Since(ts).Abs() > time.Minute {
				t.Errorf("StateUpdatedTimestamp %v", ts)
			}
			for _, k := range []string{"Statistic", "Period", "MetricName", "Namespace"} {
				if _, ok := r[k]; ok {
					t.Errorf("the metric-math alarm has %s: %v", k, r)
				}
			}
			if length(t, r["Metrics"]) != 2 || fmt.Sprint(at(t, r, "Metrics.0.ReturnData")) != "false" || at(t, r, "Metrics.1.Expression") != "e * 10" ||
				num(t, at(t, r, "Metrics.0.MetricStat.Period")) != 60 || at(t, r, "Metrics.0.MetricStat.Metric.MetricName") != "Errors" {
				t.Errorf("lab-rate metrics = %v", r["Metrics"])
			}

			call("PutMetricData", map[string]any{"Namespace": "Lab", "MetricData": []any{map[string]any{
				"MetricName": "Errors", "Dimensions": fn, "Value": 7.0, "Timestamp": time.Now().Add(-5 * time.Second)}}})
			got = alarms(map[string]any{"StateValue": "ALARM"})
			if len(got) != 2 {
				t.Fatalf("ALARM after 7 errors: %d alarms, want both", len(got))
			}
			if reason := got[0].(map[string]any)["StateReason"].(string); !strings.Contains(reason, "[7.0 (") || !strings.Contains(reason, "was greater than the threshold (5.0)") {
				t.Errorf("reason %q", reason)
			}
			if reason := got[1].(map[string]any)["StateReason"].(string); !strings.Contains(reason, "[70.0 (") {
				t.Errorf("metric-math reason %q", reason)
			}

			if got = alarms(map[string]any{"AlarmNamePrefix": "lab-r"}); len(got) != 1 || got[0].(map[string]any)["AlarmName"] != "lab-rate" {
				t.Errorf("prefix lab-r: %v", got)
			}
			if got = alarms(map[string]any{"AlarmNames": []any{"lab-errors", "other"}}); len(got) != 1 {
				t.Errorf("names: %v", got)
			}
			if got = alarms(map[string]any{"StateValue": "OK"}); len(got) != 0 {
				t.Errorf("OK: %v", got)
			}
			page := call("DescribeAlarms", map[string]any{"MaxRecords": 1.0})
			token, _ := at(t, page, "NextToken").(string)
			if length(t, at(t, page, "MetricAlarms")) != 1 || token == "" {
				t.Fatalf("first page %v", page)
			}
			if got = alarms(map[string]any{"MaxRecords": 1.0, "NextToken": token}); len(got) != 1 || got[0].(map[string]any)["AlarmName"] != "lab-rate" {
				t.Errorf("second page %v", got)
			}
			// A token is good for its own listing only: under another filter it would skip or repeat.
			if rec := serve(h, p.request("DescribeAlarms", map[string]any{"MaxRecords": 1.0, "AlarmNamePrefix": "lab", "NextToken": token})); rec.Code != http.StatusBadRequest ||
				!strings.Contains(rec.Body.String(), "InvalidNextToken") {
				t.Errorf("another listing's token: %d %s, want 400 InvalidNextToken", rec.Code, rec.Body)
			}
			// The next page starts after the last alarm answered, not at a count: with the first alarm
			// deleted between the pages, the second is still answered.
			call("DeleteAlarms", map[string]any{"AlarmNames": []any{"lab-errors"}})
			if got = alarms(map[string]any{"MaxRecords": 1.0, "NextToken": token}); len(got) != 1 || got[0].(map[string]any)["AlarmName"] != "lab-rate" {
				t.Errorf("second page after the first alarm's deletion: %v", got)
			}

			call("DeleteAlarms", map[string]any{"AlarmNames": []any{"lab-errors", "lab-rate"}})
			if got = alarms(map[string]any{}); len(got) != 0 {
				t.Errorf("after DeleteAlarms: %v", got)
			}
		})
	}
}

// putAlarm is a valid PutMetricAlarm input with the members of mod set.
func putAlarm(mod map[string]any) map[string]any {
	in := map[string]any{"AlarmName": "a", "Namespace": "N", "MetricName": "m", "Statistic": "Sum", "Period": 60.0,
		"EvaluationPeriods": 1.0, "Threshold": 1.0, "ComparisonOperator": "GreaterThanThreshold"}
	for k, v := range mod {
		in[k] = v
	}
	return in
}

// manyDimensions is n dimensions D1=v … Dn=v.
func manyDimensions(n int) []any {
	var ds []any
	for i := range n {
		ds = append(ds, map[string]any{"Name": fmt.Sprintf("D%d", i+1), "Value": "v"})
	}
	return ds
}

func TestProtocolAlarmErrors(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		in     map[string]any
		status int
		code   string
		shape  string
		msg    string
	}{
		{name: "six alarm actions", op: "PutMetricAlarm", in: putAlarm(map[string]any{"AlarmActions": []any{
			"arn:aws:sns:us-east-1:000000000000:a", "arn:aws:sns:us-east-1:000000000000:b", "arn:aws:sns:us-east-1:000000000000:c",
			"arn:aws:sns:us-east-1:000000000000:d", "arn:aws:sns:us-east-1:000000000000:e", "arn:aws:sns:us-east-1:000000000000:f"}}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "AlarmActions must not have a size greater than 5"},
		{name: "an action that is not an ARN", op: "PutMetricAlarm", in: putAlarm(map[string]any{"OKActions": []any{"not-an-arn"}}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "OKActions.member.1"},
		{name: "a description over 1024 characters", op: "PutMetricAlarm", in: putAlarm(map[string]any{"AlarmDescription": strings.Repeat("d", 1025)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "AlarmDescription must be at most 1024"},
		{name: "31 dimensions", op: "PutMetricAlarm", in: putAlarm(map[string]any{"Dimensions": manyDimensions(31)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "Dimensions must not have a size greater than 30"},
		{name: "a dimension named twice", op: "PutMetricAlarm", in: putAlarm(map[string]any{"Dimensions": []any{
			map[string]any{"Name": "F", "Value": "a"}, map[string]any{"Name": "F", "Value": "b"}}}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "Dimensions.member.2.Name is duplicated"},
		{name: "a namespace starting with a colon", op: "PutMetricAlarm", in: putAlarm(map[string]any{"Namespace": ":x"}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "Namespace"},
		{name: "no evaluation periods", op: "PutMetricAlarm", in: map[string]any{"AlarmName": "a", "Namespace": "N", "MetricName": "m",
			"Statistic": "Sum", "Period": 60.0, "Threshold": 1.0, "ComparisonOperator": "GreaterThanThreshold"},
			status: 400, code: "MissingParameter", shape: "MissingRequiredParameterException", msg: "EvaluationPeriods"},
		{name: "names and prefix", op: "DescribeAlarms", in: map[string]any{"AlarmNames": []any{"a"}, "AlarmNamePrefix": "a"},
			status: 400, code: "InvalidParameterCombination", shape: "InvalidParameterCombinationException", msg: "AlarmNamePrefix"},
		{name: "bad state filter", op: "DescribeAlarms", in: map[string]any{"StateValue": "RED"},
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "StateValue"},
	}
	for _, p := range protos {
		for _, tc := range tests {
			t.Run(p.name+"/"+tc.name, func(t *testing.T) {
				rec := serve(localcw.NewStore().Handler(), p.request(tc.op, tc.in))
				if rec.Code != tc.status {
					t.Errorf("status %d, want %d", rec.Code, tc.status)
				}
				checkFailure(t, p, rec, tc.code, tc.shape, tc.msg)
			})
		}
	}
}

// TestAlarmsWithTheSDK: the pinned SDK for Go (RPCv2-CBOR) reads the alarms and their history
// into its own types, and DeleteAlarms naming a missing alarm deletes the others and succeeds, as AWS's does.
func TestAlarmsWithTheSDK(t *testing.T) {
	ctx := context.Background()
	store := localcw.NewStore()
	// A clock that stands still: a state SetAlarmState sets holds until the next whole minute, and
	// a minute that turned between it and the reads below re-evaluated the alarm (ALARM again).
	t0 := time.Now().Truncate(time.Minute).Add(10 * time.Second)
	store.SetClock(func() time.Time { return t0 })
	cw := newClient(t, store)
	fn := types.Dimension{Name: aws.String("FunctionName"), Value: aws.String("etl")}
	_, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("etl-errors"), Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"),
		Dimensions: []types.Dimension{fn}, Statistic: types.StatisticSum, Period: aws.Int32(60),
		EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(0), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
	})
	if err != nil {
		t.Fatal(err)
	}
	store.Put(localcw.Datum{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: map[string]string{"FunctionName": "etl"}, Value: 1, Time: t0.Add(-time.Second)})
	out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"etl-errors"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricAlarms) != 1 {
		t.Fatalf("alarms: %+v", out.MetricAlarms)
	}
	a := out.MetricAlarms[0]
	if a.StateValue != types.StateValueAlarm || aws.ToFloat64(a.Threshold) != 0 || aws.ToInt32(a.Period) != 60 ||
		a.Statistic != types.StatisticSum || a.StateUpdatedTimestamp == nil || aws.ToString(a.AlarmArn) != localcw.AlarmARN("etl-errors") {
		t.Errorf("alarm = %+v (%s)", a, aws.ToString(a.StateReason))
	}
	// SetAlarmState, as a guard's test would: the state set, then its errors as the API reference has them.
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("etl-errors"), StateValue: types.StateValueOk,
		StateReason: aws.String("testing"), StateReasonData: aws.String(`{"x":1}`)}); err != nil {
		t.Fatal(err)
	}
	if out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"etl-errors"}}); err != nil ||
		out.MetricAlarms[0].StateValue != types.StateValueOk || aws.ToString(out.MetricAlarms[0].StateReason) != "testing" {
		t.Errorf("after SetAlarmState OK: %+v, %v", out, err)
	}
	// Its history through the SDK's own paginator, a page of one item at a time, newest first.
	var history []string
	pages := cloudwatch.NewDescribeAlarmHistoryPaginator(cw, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("etl-errors"), MaxRecords: aws.Int32(1)})
	for pages.HasMorePages() && len(history) < 10 {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range page.AlarmHistoryItems {
			history = append(history, string(h.HistoryItemType)+": "+aws.ToString(h.HistorySummary))
		}
	}
	if want := `StateUpdate: Alarm updated from ALARM to OK|StateUpdate: Alarm updated from INSUFFICIENT_DATA to ALARM|ConfigurationUpdate: Alarm "etl-errors" created`; strings.Join(history, "|") != want {
		t.Errorf("history through the paginator: %q, want %q", history, want)
	}
	var notFound *types.ResourceNotFound
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueAlarm, StateReason: aws.String("r")}); !errors.As(err, &notFound) {
		t.Errorf("SetAlarmState of a missing alarm: %v, want ResourceNotFound", err)
	}
	var badFormat *types.InvalidFormatFault
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("etl-errors"), StateValue: types.StateValueAlarm,
		StateReason: aws.String("r"), StateReasonData: aws.String("{not json")}); !errors.As(err, &badFormat) {
		t.Errorf("SetAlarmState with StateReasonData not JSON: %v, want InvalidFormat", err)
	}
	if _, err = cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"etl-errors", "nope"}}); err != nil {
		t.Fatalf("DeleteAlarms naming a missing alarm: %v, want success", err)
	}
	if _, ok := store.Alarm("etl-errors"); ok {
		t.Error("DeleteAlarms naming a missing alarm kept etl-errors, a correct name")
	}
}

// TestProtocolsAlarmHistory runs DescribeAlarmHistory, DescribeAlarmsForMetric and
// Enable/DisableAlarmActions in every protocol: the history's pages (one item each, newest or
// oldest first), the alarms of one metric, and the refusals of what they do not take.
func TestProtocolsAlarmHistory(t *testing.T) {
	fn := []any{map[string]any{"Name": "FunctionName", "Value": "etl"}}
	for _, p := range protos {
		t.Run(p.name, func(t *testing.T) {
			store := localcw.NewStore()
			// A clock that stands still, as in TestAlarmsWithTheSDK: SetAlarmState's state holds
			// until the next whole minute, when missing data (breaching) would set ALARM again.
			t0 := time.Now().Truncate(time.Minute).Add(10 * time.Second)
			store.SetClock(func() time.Time { return t0 })
			h := store.Handler()
			call := func(op string, in map[string]any) any { t.Helper(); return p.call(t, h, op, in) }
			do := func(op string, in map[string]any) { t.Helper(); p.do(t, h, op, in) } // an operation without output
			list := func(v any) []any {
				if l, ok := v.([]any); ok {
					return l
				}
				return nil // the query protocol's empty list
			}
			do("PutMetricAlarm", putAlarm(map[string]any{"AlarmName": "errors", "Namespace": "Lab", "MetricName": "Errors", "Dimensions": fn,
				"TreatMissingData": "breaching", "AlarmActions": []any{"arn:aws:sns:us-east-1:000000000000:ops"}}))
			do("PutMetricAlarm", putAlarm(map[string]any{"AlarmName": "other", "Namespace": "Lab", "MetricName": "Errors"}))
			do("SetAlarmState", map[string]any{"AlarmName": "errors", "StateValue": "OK", "StateReason": "testing"})
			do("DisableAlarmActions", map[string]any{"AlarmNames": []any{"errors", "no-such-alarm"}})

			// One item a page, following the tokens: the whole history of errors, newest first.
			var summaries []string
			in := map[string]any{"AlarmName": "errors", "MaxRecords": 1.0}
			for page := 0; ; page++ {
				if page == 10 {
					t.Fatalf("more than 10 pages: %v", summaries)
				}
				out := call("DescribeAlarmHistory", in)
				items := list(at(t, out, "AlarmHistoryItems"))
				if len(items) != 1 {
					t.Fatalf("page %d: %d items, want 1: %v", page, len(items), out)
				}
				item := items[0].(map[string]any)
				if item["AlarmName"] != "errors" || item["AlarmType"] != "MetricAlarm" || stamp(t, p, item["Timestamp"]).IsZero() {
					t.Errorf("item %v", item)
				}
				summaries = append(summaries, item["HistoryItemType"].(string)+": "+item["HistorySummary"].(string))
				token, _ := out.(map[string]any)["NextToken"].(string) // absent on the last page
				if token == "" {
					break
				}
				in["NextToken"] = token
			}
			want := []string{`ConfigurationUpdate: Alarm "errors" updated`, "StateUpdate: Alarm updated from ALARM to OK",
				"StateUpdate: Alarm updated from INSUFFICIENT_DATA to ALARM", `ConfigurationUpdate: Alarm "errors" created`}
			if strings.Join(summaries, "|") != strings.Join(want, "|") {
				t.Errorf("history, newest first:\n%s\nwant\n%s", strings.Join(summaries, "\n"), strings.Join(want, "\n"))
			}
			out := call("DescribeAlarmHistory", map[string]any{"ScanBy": "TimestampAscending", "HistoryItemType": "ConfigurationUpdate"})
			if items := list(at(t, out, "AlarmHistoryItems")); len(items) != 3 || at(t, items[0], "HistorySummary") != `Alarm "errors" created` ||
				at(t, items[1], "HistorySummary") != `Alarm "other" created` || at(t, items[2], "HistorySummary") != `Alarm "errors" updated` {
				t.Errorf("configuration updates of both alarms, oldest first: %v", items)
			}
			if items := list(at(t, call("DescribeAlarmHistory", map[string]any{"AlarmTypes": []any{"CompositeAlarm"}}), "AlarmHistoryItems")); len(items) != 0 {
				t.Errorf("composite alarms' history: %v", items)
			}
			if items := list(at(t, call("DescribeAlarmHistory", map[string]any{"HistoryItemType": "AlarmContributorStateUpdate"}), "AlarmHistoryItems")); len(items) != 0 {
				t.Errorf("Contributor Insights alarms' history: %v", items)
			}

			// The alarms of Lab/Errors with FunctionName=etl: errors, not other (no dimensions).
			out = call("DescribeAlarmsForMetric", map[string]any{"Namespace": "Lab", "MetricName": "Errors", "Dimensions": fn, "Statistic": "Sum"})
			if alarms := list(at(t, out, "MetricAlarms")); len(alarms) != 1 || at(t, alarms[0], "AlarmName") != "errors" ||
				fmt.Sprint(at(t, alarms[0], "ActionsEnabled")) != "false" {
				t.Errorf("alarms for Errors{FunctionName=etl}: %v", alarms)
			}
			if alarms := list(at(t, call("DescribeAlarmsForMetric", map[string]any{"Namespace": "Lab", "MetricName": "Errors", "Dimensions": fn, "Period": 300.0}), "MetricAlarms")); len(alarms) != 0 {
				t.Errorf("alarms for Errors{FunctionName=etl} of period 300: %v", alarms)
			}
			do("EnableAlarmActions", map[string]any{"AlarmNames": []any{"errors"}})
			out = call("DescribeAlarms", map[string]any{"AlarmNames": []any{"errors"}})
			if fmt.Sprint(at(t, out, "MetricAlarms.0.ActionsEnabled")) != "true" {
				t.Errorf("after EnableAlarmActions: %v", out)
			}

			for _, tc := range []struct {
				op   string
				in   map[string]any
				code string
			}{
				{"DescribeAlarmHistory", map[string]any{"HistoryItemType": "Everything"}, "InvalidParameterValue"},
				{"DescribeAlarmHistory", map[string]any{"ScanBy": "Sideways"}, "InvalidParameterValue"},
				{"DescribeAlarmHistory", map[string]any{"MaxRecords": 101.0}, "InvalidParameterValue"},
				{"DescribeAlarmHistory", map[string]any{"StartDate": time.Now(), "EndDate": time.Now().Add(-time.Hour)}, "InvalidParameterValue"},
				{"DescribeAlarmHistory", map[string]any{"NextToken": "garbage"}, "InvalidNextToken"},
				{"DescribeAlarmsForMetric", map[string]any{"Namespace": "Lab"}, "MissingParameter"},
				{"DisableAlarmActions", map[string]any{}, "MissingParameter"},
			} {
				// The code is the query protocol's <Code>, the others' X-Amzn-Query-Error.
				if rec := serve(h, p.request(tc.op, tc.in)); rec.Code != http.StatusBadRequest ||
					!strings.Contains(rec.Body.String()+rec.Header().Get("X-Amzn-Query-Error"), tc.code) {
					t.Errorf("%s %v: %d %s, want 400 %s", tc.op, tc.in, rec.Code, rec.Body, tc.code)
				}
			}
		})
	}
}
