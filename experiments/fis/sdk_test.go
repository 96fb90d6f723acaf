package fis_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/experiments/fis"
)

// TestParseAlarmsOfTheSDK: the CLI can hand ParseAlarms the SDK's DescribeAlarmsOutput as
// json.Marshal writes it (the package itself imports no SDK client; only this test does).
func TestParseAlarmsOfTheSDK(t *testing.T) {
	fn := []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(function)}}
	out := &cloudwatch.DescribeAlarmsOutput{MetricAlarms: []types.MetricAlarm{{
		AlarmName: aws.String("ChaosLab-EtlErrors"), AlarmArn: aws.String("arn:aws:cloudwatch:us-east-1:000000000000:alarm:ChaosLab-EtlErrors"),
		EvaluationPeriods: aws.Int32(3), DatapointsToAlarm: aws.Int32(2), Threshold: aws.Float64(10),
		ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold, TreatMissingData: aws.String("notBreaching"),
		StateValue: types.StateValueOk,
		Metrics: []types.MetricDataQuery{
			{Id: aws.String("e"), ReturnData: aws.Bool(true), MetricStat: &types.MetricStat{Period: aws.Int32(60), Stat: aws.String("Sum"),
				Metric: &types.Metric{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"), Dimensions: fn}}},
		},
	}}}
	raw, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	as, err := fis.ParseAlarms(raw)
	if err != nil || len(as) != 1 || as[0].EvaluationPeriods != 3 || len(as[0].Metrics) != 1 || as[0].Metrics[0].MetricStat.Period != 60 {
		t.Fatalf("ParseAlarms = %+v, %v\n%s", as, err, raw)
	}
	e, problems, err := fis.Translate(read(t, "add-delay.json"), fis.Options{FunctionName: function, Alarms: as})
	if err != nil || len(problems) > 0 {
		t.Fatalf("%v %+v", err, problems)
	}
	c, err := experiments.Compile(e, experiments.CompileOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Guard.Probe; p == nil || p.WindowSeconds != 180 || p.Tolerance.Max >= 10 || len(p.MetricDataQueries) != 1 {
		t.Errorf("guard %+v", c.Guard)
	}
}

// A JSON object that is not DescribeAlarms' answer (an outputs.json, a template) is refused as
// such: it read as no alarms at all, and every stop condition's alarm as missing.
func TestParseAlarmsRefusesAnotherObject(t *testing.T) {
	for _, in := range []string{`{"ChaosLab": {"FunctionName": "f"}}`, `{}`} {
		if as, err := fis.ParseAlarms([]byte(in)); err == nil || !strings.Contains(err.Error(), "neither MetricAlarms nor CompositeAlarms") {
			t.Errorf("ParseAlarms(%s) = %v, %v; want refused", in, as, err)
		}
	}
	for _, in := range []string{`{"MetricAlarms": []}`, `{"CompositeAlarms": []}`, `[]`} {
		if _, err := fis.ParseAlarms([]byte(in)); err != nil {
			t.Errorf("ParseAlarms(%s): %v", in, err)
		}
	}
}

// A member of the wrong type names its alarm and member as the file has them, not a Go field.
func TestParseAlarmsNamesAWrongType(t *testing.T) {
	for in, want := range map[string]string{
		`{"MetricAlarms": [{"AlarmName": "a", "Threshold": 1}, {"AlarmName": "b", "Threshold": "0"}]}`: `parse alarms: MetricAlarms[1].Threshold: want a JSON number, got JSON string`,
		`[{"AlarmName": 5}]`:                           `parse alarms: [0].AlarmName: want a JSON string, got JSON number`,
		`[{"AlarmName": "a", "Period": 1.5}]`:          `parse alarms: [0].Period: want a whole number in range, got 1.5`,
		`[{"AlarmName": "a", "Metrics": [{"Id": 5}]}]`: `parse alarms: [0].Metrics: its member Id: want a JSON string, got JSON number`,
		`["x"]`: `parse alarms: [0]: want an alarm object, got JSON string`,
	} {
		if _, err := fis.ParseAlarms([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("ParseAlarms(%s): %v, want %q", in, err, want)
		}
	}
}
