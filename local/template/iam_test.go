package template

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/iam"
)

// assembly decodes a template given as JSON into a one-stack assembly.
func assembly(t *testing.T, stack, template string) *Assembly {
	t.Helper()
	var tmpl Template
	if err := json.Unmarshal([]byte(template), &tmpl); err != nil {
		t.Fatal(err)
	}
	return &Assembly{StackName: stack, Template: &tmpl}
}

const rolesTemplate = `{"Resources": {
  "FnRole": {"Type": "AWS::IAM::Role", "Properties": {
    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}%s}},
  "FnPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "p", "Roles": [{"Ref": "FnRole"}],
    "PolicyDocument": {"Version": "2012-10-17", "Statement": [
      {"Sid": "ReadFaultConfig", "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": {"Fn::Sub": "arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/p"}},
      {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "Resource": "arn:aws:sqs:us-east-1:000000000000:q"}]}}}
}}`

// TestDeployLoadsIAM: roles and policies are handed to local/iam as they are recorded, the engine
// that results is the one the hook returns, and the report lists what each role may do.
func TestDeployLoadsIAM(t *testing.T) {
	asm := assembly(t, "T", strings.Replace(rolesTemplate, "%s", "", 1))
	var mu sync.Mutex
	var calls [][]string
	dep, err := Deploy(context.Background(), asm, Options{ScratchDir: t.TempDir(), IAM: func(rs []iam.Resource) (*iam.Engine, error) {
		mu.Lock()
		defer mu.Unlock()
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.LogicalID)
		}
		calls = append(calls, ids)
		return iam.Load(iam.Stack{Resources: rs})
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || strings.Join(calls[0], ",") != "FnRole" || strings.Join(calls[1], ",") != "FnRole,FnPolicy" {
		t.Errorf("IAM hook calls = %v, want the role, then the role and its policy", calls)
	}
	if len(dep.IAM) != 2 || dep.IAM[0].Attrs["Arn"] != "arn:aws:iam::000000000000:role/"+dep.IAM[0].Ref {
		t.Errorf("dep.IAM = %+v", dep.IAM)
	}
	eng, err := iam.Load(iam.Stack{Resources: dep.IAM})
	if err != nil {
		t.Fatal(err)
	}
	role := dep.IAM[0].Attrs["Arn"]
	if d := eng.Authorize(iam.Request{Principal: role, Action: "ssm:GetParameter", Resource: "arn:aws:ssm:us-east-1:000000000000:parameter/p"}); !d.Allowed {
		t.Errorf("the role's grant: %s", d.Reason)
	}
	report := dep.Report()
	t.Log("\n" + report)
	for _, want := range []string{
		"IAM enforced: 1 roles, 0 resource-based policies",
		"  role FnRole (assumed by lambda.amazonaws.com)\n",
		"    allow ssm:GetParameter on arn:aws:ssm:us-east-1:000000000000:parameter/p [ReadFaultConfig]\n",
		"    allow sqs:ReceiveMessage, DeleteMessage on arn:aws:sqs:us-east-1:000000000000:q\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(report, "recorded FnRole") {
		t.Errorf("the role is listed as a recorded resource as well as in the IAM summary")
	}
}

// TestDeployRefusesUnknownManagedPolicy: a managed policy from outside the template that the local
// IAM does not know fails the deploy at the role, naming the role and the policy.
func TestDeployRefusesUnknownManagedPolicy(t *testing.T) {
	asm := assembly(t, "T", strings.Replace(rolesTemplate, "%s", `, "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]`, 1))
	_, err := Deploy(context.Background(), asm, Options{ScratchDir: t.TempDir()})
	if err == nil {
		t.Fatal("deployed")
	}
	for _, want := range []string{"resource FnRole (AWS::IAM::Role)", "arn:aws:iam::aws:policy/AdministratorAccess", "not known to the local IAM"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// A known one deploys.
	asm = assembly(t, "T", strings.Replace(rolesTemplate, "%s", `, "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]`, 1))
	if _, err := Deploy(context.Background(), asm, Options{ScratchDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
}

// alarmRecorder keeps what PutAlarm got and checks it with the real store.
type alarmRecorder struct {
	store *localcw.Store
	put   []localcw.Alarm
}

func (r *alarmRecorder) PutAlarm(a localcw.Alarm) error {
	r.put = append(r.put, a)
	return r.store.PutAlarm(a)
}

func (r *alarmRecorder) DeleteAlarms(names ...string) error { return r.store.DeleteAlarms(names...) }

// TestDeployCreatesAlarms: AWS::CloudWatch::Alarm goes to the local CloudWatch, a query without
// ReturnData returning its data (CloudFormation's default), and teardown deletes it.
func TestDeployCreatesAlarms(t *testing.T) {
	asm := assembly(t, "T", `{"Resources": {
  "Errors": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
    "AlarmName": "fn-errors", "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 60,
    "Dimensions": [{"Name": "FunctionName", "Value": "fn"}], "EvaluationPeriods": 3, "DatapointsToAlarm": 2,
    "Threshold": 1.5, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
    "ActionsEnabled": false, "AlarmActions": ["arn:aws:sns:us-east-1:000000000000:t"]}},
  "InFlight": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
    "EvaluationPeriods": 1, "Threshold": 80, "ComparisonOperator": "GreaterThanThreshold",
    "Metrics": [
      {"Id": "m1", "ReturnData": false, "MetricStat": {"Metric": {"Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent",
        "Dimensions": [{"Name": "QueueName", "Value": "q"}]}, "Period": 300, "Stat": "Sum"}},
      {"Id": "e1", "Expression": "m1 * 2", "Label": "doubled"}]}}
}, "Outputs": {"Name": {"Value": {"Ref": "InFlight"}}, "Arn": {"Value": {"Fn::GetAtt": ["Errors", "Arn"]}}}}`)
	rec := &alarmRecorder{store: localcw.NewStore()}
	dep, err := Deploy(context.Background(), asm, Options{ScratchDir: t.TempDir(), Alarms: rec})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.put) != 2 {
		t.Fatalf("PutAlarm calls: %+v", rec.put)
	}
	byName := map[string]localcw.Alarm{}
	for _, a := range rec.put {
		byName[a.Name] = a
	}
	e := byName["fn-errors"]
	if e.Namespace != "AWS/Lambda" || e.MetricName != "Errors" || e.Statistic != "Sum" || e.Period.Seconds() != 60 ||
		e.Dimensions["FunctionName"] != "fn" || e.EvaluationPeriods != 3 || e.DatapointsToAlarm != 2 || e.Threshold != 1.5 ||
		e.TreatMissingData != "notBreaching" || e.ActionsEnabled == nil || *e.ActionsEnabled || len(e.AlarmActions) != 1 {
		t.Errorf("fn-errors = %+v", e)
	}
	name := dep.Outputs["Name"]
	if !strings.HasPrefix(name, "T-InFlight-") {
		t.Fatalf("generated name %q", name)
	}
	m := byName[name].Metrics
	if len(m) != 2 || m[0].ReturnData || !m[1].ReturnData || m[0].MetricStat == nil || m[0].MetricStat.Period.Seconds() != 300 ||
		m[0].MetricStat.Dimensions["QueueName"] != "q" || m[1].Expression != "m1 * 2" {
		t.Errorf("metric math alarm: %+v", m)
	}
	if dep.Outputs["Arn"] != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:fn-errors" {
		t.Errorf("Arn = %s", dep.Outputs["Arn"])
	}
	if _, ok := rec.store.Alarm("fn-errors"); !ok {
		t.Error("the alarm is not in the store")
	}
	if err := dep.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := rec.store.AlarmNames(); len(n) != 0 {
		t.Errorf("alarms left after teardown: %v", n)
	}
}
