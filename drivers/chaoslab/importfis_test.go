package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	sfnapi "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner/runnertest"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/experiments/ctk"
	"github.com/chaoslab/serverless-chaos-lab/experiments/fis"
)

// The FIS templates of testdata/fis are written for the function ChaosLab-Etl (the FIS user
// guide's Lambda examples, with this lab's names); the stand-in stack of runnertest.Outputs
// names its function fn.
const templateFunction = "ChaosLab-Etl"

// template is testdata/fis/name, its targets naming function instead, written to a temporary file.
func template(t *testing.T, name, function string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fis", name))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("function:"+templateFunction), []byte("function:"+function))
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// putErrorsAlarm puts into the local CloudWatch the alarm the templates' stop condition names
// (ChaosLab-EtlErrors: any error of function), with the SDK as a user would, and a datapoint of
// its metric, which the stand-in machine's probe reads.
func putErrorsAlarm(t *testing.T, lc *runnertest.Cloud, function string) {
	t.Helper()
	putLambdaAlarm(t, lc, "ChaosLab-EtlErrors", "Errors", function)
}

// putLambdaAlarm puts alarm name on function's metric (any datapoint above 0), and a datapoint of 0.
func putLambdaAlarm(t *testing.T, lc *runnertest.Cloud, name, metric, function string) {
	t.Helper()
	_, err := cloudwatch.NewFromConfig(lc.AWS).PutMetricAlarm(context.Background(), &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name), Namespace: aws.String("AWS/Lambda"), MetricName: aws.String(metric),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(function)}},
		Statistic:  cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(2), DatapointsToAlarm: aws.Int32(1),
		Threshold: aws.Float64(0), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold, TreatMissingData: aws.String("notBreaching"),
	})
	if err != nil {
		t.Fatal(err)
	}
	lc.Metrics.Add("AWS/Lambda", metric, map[string]string{"FunctionName": function}, 0)
}

// fullJournalMachine is the stand-in machine ending with verdict, its journal also carrying what
// the real machine records and the stand-in leaves out, which a Chaos Toolkit journal needs: the
// run's times and execution ARN, the probe's window, the method's and the rollback's writes. It
// returns the machine's ARN.
func fullJournalMachine(t *testing.T, lc *runnertest.Cloud, verdict, param string) string {
	t.Helper()
	arn := lc.Machine(t, verdict, param)
	editJournal(t, lc, arn, func(params map[string]any) {
		fillJournal(params, param)
	})
	return arn
}

// editJournal changes the parameters of machine arn's Journal state (the journal it ends with).
func editJournal(t *testing.T, lc *runnertest.Cloud, arn string, edit func(params map[string]any)) {
	t.Helper()
	d, err := sfnapi.NewFromConfig(lc.AWS).DescribeStateMachine(context.Background(), &sfnapi.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(d.Definition)), &def); err != nil {
		t.Fatal(err)
	}
	edit(def["States"].(map[string]any)["Journal"].(map[string]any)["Parameters"].(map[string]any))
	b, _ := json.Marshal(def)
	if err := lc.States.UpdateStateMachine(arn, string(b), aws.ToString(d.RoleArn)); err != nil {
		t.Fatal(err)
	}
}

// fillJournal gives the test machine's journal what a real run's has: its times and the fault's writes.
func fillJournal(params map[string]any, param string) {
	const now = "$$.State.EnteredTime"
	params["startedAt.$"], params["endedAt.$"], params["executionArn.$"] = "$$.Execution.StartTime", now, "$$.Execution.Id"
	before := params["before"].([]any)[0].(map[string]any)
	before["start.$"], before["end.$"] = now, now
	params["method"] = []any{map[string]any{"name.$": "$.method[0].name", "parameter": param, "value.$": "$.method[0].value",
		"pauseAfterSeconds.$": "$.method[0].pauseAfterSeconds", "putAt.$": now, "endedAt.$": now}}
	params["rollbacks"] = []any{map[string]any{"name.$": "$.rollbacks[0].name", "parameter": param, "value.$": "$.rollbacks[0].value",
		"putAt.$": now, "endedAt.$": now}}
}

// checkCTKJournal reads a Chaos Toolkit journal: exactly ctk.Journal's members, and what
// experiments/ctk/testdata/journal.schema.json says of its top level (required members, no
// others, the status enum, Python's isoformat times). The schema's full validator is in
// experiments/ctk's tests, which hold FromJournal's every shape to it.
func checkCTKJournal(t *testing.T, b []byte) *ctk.Journal {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var j ctk.Journal
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("not a Chaos Toolkit journal: %v\n%s", err, b)
	}
	sb, err := os.ReadFile(filepath.Join("..", "..", "experiments", "ctk", "testdata", "journal.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Required   []string `json:"required"`
		Properties struct {
			Status struct {
				Enum []string `json:"enum"`
			} `json:"status"`
		} `json:"properties"`
		Defs struct {
			Isotime struct {
				Pattern string `json:"pattern"`
			} `json:"isotime"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(sb, &schema); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range schema.Required {
		if _, ok := doc[k]; !ok {
			t.Errorf("journal lacks the required member %q", k)
		}
	}
	for k := range doc {
		if !slices.Contains(schema.Required, k) {
			t.Errorf("journal has the member %q, which the schema does not allow", k)
		}
	}
	if !slices.Contains(schema.Properties.Status.Enum, j.Status) {
		t.Errorf("status %q, want one of %v", j.Status, schema.Properties.Status.Enum)
	}
	iso := regexp.MustCompile(schema.Defs.Isotime.Pattern)
	if !iso.MatchString(j.Start) || !iso.MatchString(j.End) {
		t.Errorf("start %q, end %q: not Python's isoformat (%s)", j.Start, j.End, iso)
	}
	return &j
}

// TestImportFISThenRun: a FIS template (add-delay, a stop condition on an alarm of the local
// CloudWatch) is imported for the stack's function, validated, and run on the stand-in machine
// with both journal formats.
func TestImportFISThenRun(t *testing.T) {
	lc := runnertest.Need(t)
	const param = "fault-import-fis"
	outputs := outputsFile(t, fullJournalMachine(t, lc, experiments.VerdictHeld, param), param)
	putErrorsAlarm(t, lc, runnertest.Outputs("", "")["FunctionName"])
	dir := t.TempDir()
	exp := filepath.Join(dir, "imported.json")

	// import-fis: the function from -outputs, the alarm from CloudWatch.
	m, out, errb := newMain()
	err := m.Run(context.Background(), []string{"import-fis", "-outputs", outputs, "-o", exp, template(t, "add-delay.json", "fn")})
	if err != nil {
		t.Fatalf("import-fis: %v\n%s", err, errb)
	}
	for _, want := range []string{"wrote " + exp + ": Add a 1 s startup delay", "hypothesis: alarm ChaosLab-EtlErrors",
		"guard:      alarm ChaosLab-EtlErrors", "method:     addDelay, then 300s", "rollback:   Turn the FIS faults off"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("import-fis output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(exp)
	if err != nil {
		t.Fatal(err)
	}
	// A Chaos Toolkit file: no empty members chaostoolkit would refuse ("ref": "").
	for _, absent := range []string{`"ref"`, `"controls"`, `"secrets"`, `"background"`, "null"} {
		if strings.Contains(string(b), absent) {
			t.Errorf("the experiment holds %s:\n%s", absent, b)
		}
	}

	m, out, errb = newMain()
	if err := m.Run(context.Background(), []string{"validate", exp}); err != nil || !strings.HasPrefix(out.String(), "ok ") {
		t.Fatalf("validate: %v %s\n%s", err, out, errb)
	}

	// run: the imported experiment, briefly, with both journals.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	journal := filepath.Join(dir, "journal.json")
	m, out, errb = newMain()
	err = m.Run(ctx, []string{"run", "-outputs", outputs, "-pause", "3s", "-onset", "0", "-window", "1s", "-poll", "200ms", "-countdown", "500ms",
		"-journal", journal, "-journal-format", "both", exp})
	if code := cli.Code(err, ExitError); code != ExitHeld {
		t.Fatalf("run: exit %d (%v)\nstdout:\n%s\nstderr:\n%s", code, err, out, errb)
	}
	ctkPath := filepath.Join(dir, "journal.ctk.json")
	for _, want := range []string{"probe alarm ChaosLab-EtlErrors: m1=0, tolerance", "put " + param + " = {", `"latency":{"enabled":true,"max_latency":1000,"min_latency":1000,"percentage":50}`,
		"verdict: held", "journal: " + journal, "Chaos Toolkit journal: " + ctkPath} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}
	b, err = os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	j, err := experiments.ParseJournal(b)
	if err != nil || j.Verdict != experiments.VerdictHeld || len(j.Before) != 1 || j.Before[0].Name != "alarm ChaosLab-EtlErrors" {
		t.Fatalf("journal %s (%v)", b, err)
	}
	b, err = os.ReadFile(ctkPath)
	if err != nil {
		t.Fatal(err)
	}
	cj := checkCTKJournal(t, b)
	if cj.Status != ctk.StatusCompleted || cj.Deviated || cj.SteadyStates.Before == nil || !cj.SteadyStates.Before.SteadyStateMet {
		t.Errorf("Chaos Toolkit journal: status %s deviated %v before %+v", cj.Status, cj.Deviated, cj.SteadyStates.Before)
	}
	if v := lc.Param(t, param); v != `{"isEnabled": false}` {
		t.Errorf("fault parameter after the run: %s", v)
	}
}

func TestImportFISProblems(t *testing.T) {
	lc := runnertest.Need(t)
	putErrorsAlarm(t, lc, templateFunction)
	putLambdaAlarm(t, lc, "ChaosLab-EtlThrottles", "Throttles", templateFunction)
	emptyAlarms := filepath.Join(t.TempDir(), "alarms.json")
	if err := os.WriteFile(emptyAlarms, []byte(`{"MetricAlarms": [], "CompositeAlarms": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	missingAlarm := strings.Replace(readFile(t, template(t, "add-delay.json", templateFunction)), "alarm:ChaosLab-EtlErrors", "alarm:NoSuchAlarm", 1)
	tests := []struct {
		name     string
		template string // a file of testdata/fis, or the template itself
		args     []string
		code     int
		problems []string // lines on stderr
		stderr   []string // also on stderr
		stdout   []string // on stdout
	}{
		{name: "unsupported action", template: "stop-instances.json", code: ExitDeviated, problems: []string{
			`targets.myInstances.resourceType: resource type "aws:ec2:instance" is not translated: this lab injects faults into its Lambda function only (aws:lambda:function)`,
			"actions.StopInstances.actionId: aws:ec2:stop-instances is not translated: this lab injects faults into its Lambda function only",
		}, stderr: []string{"2 part(s) not translated: nothing written"}},
		{name: "missing alarm, said once", template: missingAlarm, code: ExitDeviated, problems: []string{
			`stopConditions[0].value: alarm "NoSuchAlarm" does not exist (DescribeAlarms did not return it)`,
		}},
		// Read from a saved answer, the alarm is said missing from that file, not from DescribeAlarms.
		{name: "missing alarm in -alarms", template: missingAlarm, args: []string{"-alarms", emptyAlarms}, code: ExitDeviated, problems: []string{
			`stopConditions[0].value: alarm "NoSuchAlarm" does not exist in -alarms ` + emptyAlarms + ` (a saved aws cloudwatch describe-alarms answer)`,
		}},
		{name: "no stop condition, no hypothesis", template: "no-stop-condition.json", code: ExitDeviated, problems: []string{
			"stopConditions: no alarm stop condition, so nothing would judge a run (the lab judges one by a steady-state hypothesis): add an aws:cloudwatch:alarm stop condition, or lend a hypothesis: chaoslab import-fis -hypothesis exp_1-minor_delay (a shipped experiment, chaoslab list, or an experiment file)",
		}},
		{name: "tags without the function's tags", template: strings.Replace(readFile(t, template(t, "add-delay.json", templateFunction)),
			`"resourceArns": [
                "arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"
            ]`, `"resourceTags": {"app": "chaoslab"}`, 1), code: ExitDeviated, problems: []string{
			"targets.myLambdaFunctions.resourceTags: cannot tell which functions these tags select"}},
		{name: "tags of the function", template: strings.Replace(readFile(t, template(t, "add-delay.json", templateFunction)),
			`"resourceArns": [
                "arn:aws:lambda:us-east-1:123456789012:function:ChaosLab-Etl"
            ]`, `"resourceTags": {"app": "chaoslab"}`, 1), args: []string{"-function-tag", "app=chaoslab"}, code: 0},
		// The alarms cannot be read (a file that is not there): the rest of the template is told
		// all the same, and needs no alarm to be refused.
		{name: "alarms not read, the rest told", template: strings.Replace(readFile(t, template(t, "add-delay.json", templateFunction)),
			`"actions": {`, `"actions": {"automation": {"actionId": "aws:ssm:start-automation-execution", "parameters": {"documentArn": "arn:aws:ssm:us-east-1:123456789012:document/x", "maxDuration": "PT5M"}},`, 1),
			args: []string{"-alarms", filepath.Join(t.TempDir(), "none.json")}, code: ExitError, problems: []string{
				"actions.automation.actionId: aws:ssm:start-automation-execution is not translated"},
			stderr: []string{"none.json", "and 1 other part(s) of", "not translated (above), whatever the alarms"}},
		// CloudFormation's spelling (a CDK app's template), read as the API's JSON, said so.
		{name: "a CloudFormation template", template: strings.ReplaceAll(readFile(t, "../../experiments/fis/testdata/cloudformation.json"),
			"function:ChaosLab-Etl", "function:"+templateFunction), code: 0,
			stderr: []string{"reading the CloudFormation template's resource SlowEtl, its members in the API's spelling"}},
		// Two FIS templates in one stack: one at a time, by logical id.
		{name: "a CloudFormation template with two", template: twoFIS(t), code: ExitError,
			stderr: []string{"2 AWS::FIS::ExperimentTemplate resources (SlowEtl, SlowerEtl): import one, named by its logical id (chaoslab import-fis -resource SlowEtl)"}},
		{name: "one of two, by its logical id", template: twoFIS(t), args: []string{"-resource", "SlowerEtl"}, code: 0,
			stderr: []string{"reading the CloudFormation template's resource SlowerEtl, its members in the API's spelling"}},
		{name: "a logical id of none", template: twoFIS(t), args: []string{"-resource", "Slow"}, code: ExitError,
			stderr: []string{"-resource Slow:", "the template has no resource Slow (its AWS::FIS::ExperimentTemplate resources: SlowEtl, SlowerEtl)"}},
		{name: "a logical id of another type", template: twoFIS(t), args: []string{"-resource", "FisRole"}, code: ExitError,
			stderr: []string{`the template's resource FisRole is "AWS::IAM::Role", not an AWS::FIS::ExperimentTemplate`}},
		{name: "not a template", template: `{"title": "an experiment of ours"}`, code: ExitError,
			stderr: []string{"not an AWS FIS experiment template"}},
		// Two alarm stop conditions: each a hypothesis probe, and the guard checks both.
		{name: "two alarms, a guard of both", template: strings.Replace(readFile(t, template(t, "add-delay.json", templateFunction)),
			`"stopConditions": [`, `"stopConditions": [{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ChaosLab-EtlThrottles"},`, 1),
			code: 0, stdout: []string{"hypothesis: alarm ChaosLab-EtlThrottles, alarm ChaosLab-EtlErrors\n",
				"guard:      alarm ChaosLab-EtlThrottles, alarm ChaosLab-EtlErrors, checked during every pause\n"}},
		{name: "no template", code: ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var src string
			switch {
			case strings.HasPrefix(tt.template, "{"):
				src = filepath.Join(dir, "template.json")
				if err := os.WriteFile(src, []byte(tt.template), 0o600); err != nil {
					t.Fatal(err)
				}
			case tt.template != "":
				src = template(t, tt.template, templateFunction)
			}
			exp := filepath.Join(dir, "out.json")
			args := append([]string{"import-fis", "-function-name", templateFunction, "-o", exp}, tt.args...)
			if src != "" {
				args = append(args, src)
			}
			m, out, errb := newMain()
			err := m.Run(context.Background(), args)
			code := cli.Report(errb, err, ExitError)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (err %v)\nstdout:\n%s\nstderr:\n%s", code, tt.code, err, out, errb)
			}
			lines := strings.Split(errb.String(), "\n")
			for _, want := range tt.problems {
				n := 0
				for _, l := range lines {
					if strings.HasPrefix(l, want) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("stderr has %d lines starting %q, want 1:\n%s", n, want, errb)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errb.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errb)
				}
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			_, statErr := os.Stat(exp)
			if written := statErr == nil; written != (tt.code == 0) {
				t.Errorf("experiment written: %v, want %v", written, tt.code == 0)
			}
		})
	}
}

// twoFIS is the CloudFormation fixture with its FIS template twice, as SlowEtl and SlowerEtl.
func twoFIS(t *testing.T) string {
	t.Helper()
	var tpl map[string]json.RawMessage
	src := strings.ReplaceAll(readFile(t, "../../experiments/fis/testdata/cloudformation.json"), "function:ChaosLab-Etl", "function:"+templateFunction)
	if err := json.Unmarshal([]byte(src), &tpl); err != nil {
		t.Fatal(err)
	}
	var resources map[string]json.RawMessage
	if err := json.Unmarshal(tpl["Resources"], &resources); err != nil {
		t.Fatal(err)
	}
	resources["SlowerEtl"] = resources["SlowEtl"]
	tpl["Resources"], _ = json.Marshal(resources)
	b, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestImportFISBorrowedHypothesis: a template without a stop condition imports with a shipped
// experiment's hypothesis, whose file:// queries go inline: the file validates and compiles
// where no query file lies beside it. Offline: the template names no alarm.
func TestImportFISBorrowedHypothesis(t *testing.T) {
	dir := t.TempDir()
	exp := filepath.Join(dir, "borrowed.json")
	src := template(t, "no-stop-condition.json", "fn")
	m, out, errb := newMain()
	err := m.Run(context.Background(), []string{"import-fis", "-function-name", "fn", "-hypothesis", "exp_1-minor_delay", "-o", exp, src})
	if err != nil {
		t.Fatalf("%v\n%s", err, errb)
	}
	if !strings.Contains(out.String(), "hypothesis: zero-sns-errors, messages-in-flight, normal-error-rates") {
		t.Errorf("output:\n%s", out)
	}
	b, _ := os.ReadFile(exp)
	if strings.Contains(string(b), "file://") || !strings.Contains(string(b), `--metric-data-queries '[{\"Id\":\"m1\"`) {
		t.Errorf("file:// queries not written inline:\n%s", b)
	}
	m, out, errb = newMain()
	if err := m.Run(context.Background(), []string{"validate", exp}); err != nil {
		t.Fatalf("validate: %v\n%s%s", err, out, errb)
	}
	m, out, errb = newMain()
	outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
	if err := m.Run(context.Background(), []string{"compile", "-outputs", outputs, exp}); err != nil {
		t.Fatalf("compile: %v\n%s", err, errb)
	}
	var c experiments.Compiled
	var value bytes.Buffer
	if err := json.Unmarshal(out.Bytes(), &c); err != nil || len(c.SteadyState.Probes) != 3 || len(c.Method) != 1 ||
		json.Compact(&value, c.Method[0].Value) != nil || !strings.Contains(value.String(), `"status_code":503`) {
		t.Fatalf("compiled %s (%v)", out, err)
	}
	// The same experiment to stdout, and an existing file kept without -force.
	m, out, errb = newMain()
	if err := m.Run(context.Background(), []string{"import-fis", "-function-name", "fn", "-hypothesis", "exp_1-minor_delay", "-o", "-", src}); err != nil {
		t.Fatalf("-o -: %v\n%s", err, errb)
	}
	if !bytes.Equal(out.Bytes(), b) {
		t.Errorf("-o - wrote another experiment:\n%s", out)
	}
	m, _, errb = newMain()
	err = m.Run(context.Background(), []string{"import-fis", "-function-name", "fn", "-hypothesis", "exp_1-minor_delay", "-o", exp, src})
	if code := cli.Report(errb, err, ExitError); code != ExitError || !strings.Contains(errb.String(), "exists: pass -force") {
		t.Errorf("existing file: exit %d\n%s", code, errb)
	}
	// -o where no file can go says so, naming -o: a directory ("exists: pass -force", which then
	// failed), or a directory that does not exist (the error named neither the flag nor the fix).
	for o, want := range map[string]string{
		filepath.Dir(exp): "-o " + filepath.Dir(exp) + ": is a directory: name a file",
		filepath.Join(filepath.Dir(exp), "no", "x.json"): "-o " + filepath.Join(filepath.Dir(exp), "no", "x.json") + ": directory " + filepath.Join(filepath.Dir(exp), "no") + " does not exist",
	} {
		m, _, errb = newMain()
		err = m.Run(context.Background(), []string{"import-fis", "-function-name", "fn", "-hypothesis", "exp_1-minor_delay", "-force", "-o", o, src})
		if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), want) {
			t.Errorf("-o %s: exit %d, stderr %q; want 2 and %q", o, code, errb, want)
		}
	}
	m, _, errb = newMain()
	err = m.Run(context.Background(), []string{"import-fis", "-function-name", "fn", "-hypothesis", "exp_1-minor_delay", "-force", "-o", exp, src})
	if err != nil {
		t.Errorf("-force: %v\n%s", err, errb)
	}
	// -force replaces an output, never an input: the template, nor the experiment whose hypothesis
	// is borrowed (whose file would be the experiment it was borrowed into).
	before, _ := os.ReadFile(exp)
	for _, args := range [][]string{
		{"-hypothesis", "exp_1-minor_delay", "-o", src},
		{"-hypothesis", exp, "-o", exp},
	} {
		m, _, errb = newMain()
		err = m.Run(context.Background(), append(append([]string{"import-fis", "-function-name", "fn", "-force"}, args...), src))
		if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "is the template itself") && !strings.Contains(errb.String(), "is -hypothesis, an input") {
			t.Errorf("import-fis -force %v: exit %d, stderr %q; want 2, the input named", args, code, errb)
		}
	}
	if after, _ := os.ReadFile(exp); !bytes.Equal(before, after) {
		t.Errorf("the borrowed experiment was written over")
	}
	// A borrowed experiment with a key the format does not have is refused, not written without it.
	def, err := experiments.Definitions.Open("exp_1-minor_delay.json")
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := io.ReadAll(def)
	def.Close()
	bad := filepath.Join(dir, "typo.json")
	if err := os.WriteFile(bad, bytes.Replace(orig, []byte(`"tolerance": 0`), []byte(`"toleranc": 0`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	m, _, errb = newMain()
	err = m.Run(context.Background(), []string{"import-fis", "-function-name", "fn", "-hypothesis", bad, "-o", filepath.Join(dir, "never.json"), src})
	if code := cli.Report(errb, err, ExitError); code != 1 || !strings.Contains(errb.String(), "-hypothesis "+bad+" is not a valid experiment") ||
		!strings.Contains(errb.String(), "toleranc: unknown key") {
		t.Errorf("a borrowed experiment with an unknown key: exit %d\n%s", code, errb)
	}
	if _, err := os.Stat(filepath.Join(dir, "never.json")); err == nil {
		t.Error("written all the same")
	}
}

func TestDefaultImportName(t *testing.T) {
	tests := []struct{ name, template, src, resource, want string }{
		{name: "get-experiment-template's id", template: `{"experimentTemplate": {"id": "EXT1a2b3c"}}`, src: "dir/t.json", want: "fis-EXT1a2b3c.json"},
		{name: "bare, with an id", template: `{"id": "EXT9", "actions": {}}`, src: "t.json", want: "fis-EXT9.json"},
		{name: "no id: the file's name", template: `{"actions": {}}`, src: "templates/add-delay.json", want: "fis-add-delay.json"},
		{name: "an id that is a path", template: `{"id": "../x"}`, src: "a.json", want: "fis-a.json"},
		// In YAML, as `aws fis get-experiment-template --output yaml` prints it: its id too.
		{name: "get-experiment-template's id, in YAML", template: "experimentTemplate:\n  id: EXT4d5e6f\n", src: "dir/t.yaml", want: "fis-EXT4d5e6f.json"},
		{name: "YAML without an id: the file's name", template: "actions: {}\n", src: "templates/slow.yaml", want: "fis-slow.json"},
		// One of a CloudFormation template's: its logical id, so that each of them has a name.
		{name: "a resource picked", template: `{"Type": "AWS::FIS::ExperimentTemplate", "Properties": {}}`, src: "stack.json", resource: "SlowerEtl", want: "fis-SlowerEtl.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := fis.JSON([]byte(tt.template)) // as importFIS reads it
			if err != nil {
				t.Fatal(err)
			}
			if got := defaultImportName(tpl, tt.src, tt.resource); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestRunJournalFormat: -journal-format ctk writes Chaos Toolkit's journal at -journal (and
// nothing beside it); refused rollback strategies and unknown formats stop before anything runs.
func TestRunJournalFormat(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{name: "never", args: []string{"-rollback-strategy", "never"}, want: "rollback strategy refused: --rollback-strategy never: no run of this lab may leave a fault on"},
		{name: "deviated", args: []string{"-rollback-strategy", "deviated"}, want: "rollback strategy refused: --rollback-strategy deviated: rollbacks would be skipped when the hypothesis held"},
		{name: "unknown strategy", args: []string{"-rollback-strategy", "sometimes"}, want: `unknown rollback strategy "sometimes"`},
		{name: "unknown format", args: []string{"-journal-format", "yaml"}, want: `-journal-format "yaml": want chaoslab, ctk, both`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			journal := filepath.Join(t.TempDir(), "j.json")
			m, out, errb := newMain()
			// A machine that does not exist: refusing comes before any call.
			args := append([]string{"run", "-state-machine-arn", "arn:aws:states:us-east-1:1:stateMachine:none", "-fault-parameter", "p",
				"-journal", journal}, tt.args...)
			err := m.Run(context.Background(), append(args, "exp_1-minor_delay"))
			if code := cli.Report(errb, err, ExitError); code != ExitError || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, want 2 with %q\nstdout:\n%s\nstderr:\n%s", code, tt.want, out, errb)
			}
			if out.Len() > 0 {
				t.Errorf("something ran:\n%s", out)
			}
			if _, err := os.Stat(journal); err == nil {
				t.Errorf("journal written")
			}
		})
	}

	t.Run("ctk", func(t *testing.T) {
		lc := runnertest.Need(t)
		lc.Steady()
		const param = "fault-journal-ctk"
		outputs := outputsFile(t, fullJournalMachine(t, lc, experiments.VerdictDeviated, param), param)
		dir := t.TempDir()
		journal := filepath.Join(dir, "journal.json")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		m, out, errb := newMain()
		err := m.Run(ctx, []string{"run", "-outputs", outputs, "-pause", "2s", "-onset", "0", "-window", "1s", "-poll", "200ms", "-report=false",
			"-journal", journal, "-journal-format", "ctk", "-rollback-strategy", "always", "exp_1-minor_delay"})
		if code := cli.Code(err, ExitError); code != ExitDeviated {
			t.Fatalf("exit %d (%v), want 1\nstdout:\n%s\nstderr:\n%s", code, err, out, errb)
		}
		if !strings.Contains(out.String(), "Chaos Toolkit journal: "+journal+" (written over ours: -journal-format ctk)") {
			t.Errorf("output:\n%s", out)
		}
		b, err := os.ReadFile(journal)
		if err != nil {
			t.Fatal(err)
		}
		j := checkCTKJournal(t, b)
		if j.Status != ctk.StatusCompleted || !j.Deviated || len(j.Run) != 1 || len(j.Rollbacks) != 1 || j.SteadyStates.Before == nil || j.SteadyStates.Before.SteadyStateMet ||
			j.ChaoslibVersion != ctk.FormatVersion || !strings.HasPrefix(j.Node, "arn:aws:states:") {
			t.Errorf("journal: %s", b)
		}
		var x struct {
			Title string `json:"title"`
		}
		if err := json.Unmarshal(j.Experiment, &x); err != nil || x.Title != "Minor delays should not impact processing" {
			t.Errorf("experiment %s (%v)", j.Experiment, err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("files beside the journal: %v, want only the journal", entries)
		}
	})
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestImportFISAndJournalFlagsInHelp(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		flags []string
	}{
		{args: []string{"import-fis", "-h"}, flags: []string{"o", "force", "hypothesis", "alarms", "function-tag", "outputs", "stack", "function-name"}},
		{args: []string{"run", "-h"}, flags: []string{"journal-format", "rollback-strategy"}},
		{args: []string{"-h"}, flags: []string{"import-fis"}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			m, out, errb := newMain()
			if err := m.Run(context.Background(), tt.args); cli.Code(err, ExitError) != 0 {
				t.Fatalf("%v", err)
			}
			text := out.String() + errb.String()
			for _, f := range tt.flags {
				if !regexp.MustCompile(`(?m)^\s+-?` + regexp.QuoteMeta(f) + `\s`).MatchString(text) {
					t.Errorf("help does not list %s:\n%s", f, text)
				}
			}
		})
	}
}
