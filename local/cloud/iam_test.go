package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	snssdk "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/dirlock"
	"github.com/chaoslab/serverless-chaos-lab/internal/lambdabuild"
	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/iam"
	localsfn "github.com/chaoslab/serverless-chaos-lab/local/sfn"
	"github.com/chaoslab/serverless-chaos-lab/local/sns"
)

// The lab's stack as the CDK synthesizes it (local/iam's snapshot: resilient, x86_64), deployed
// under its own name with the ETL function (functions/etl) built for this host.
const (
	labTemplateFile = "../iam/testdata/ChaosLab.template.json"
	labStackName    = "ChaosLab"
)

// The lab's logical ids the tests name.
const (
	labFnRole       = "PipelineFunctionRole401437C7"
	labMachineRole  = "ExperimentRoleB2A893DC"
	labEventsRole   = "ExperimentStateMachineEventsRole400BB0EE"
	labRollbackRule = "ExperimentRollbackAborted96F5B7C3"
)

// startingLock is the lock the starting process holds.
var startingLock *os.File

// startingEnv makes the test binary a local cloud that is starting: it holds the run directory's
// lock (of the directory it names), writes no state, says so on stdout and waits to be signalled.
const startingEnv = "CLOUD_TEST_STARTING"

func TestMain(m *testing.M) {
	if dir := os.Getenv(startingEnv); dir != "" {
		var err error
		// Kept in a package variable: a lock file nothing refers to is closed by its finalizer, and
		// its lock let go, at the next garbage collection (under make test's load, within a second).
		if startingLock, err = dirlock.Lock(lockPath(dir)); err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("held\n")
		time.Sleep(10 * time.Minute) // until signalled (the test kills it at its end)
		os.Exit(0)
	}
	code := m.Run()
	if etl.staging != "" {
		os.RemoveAll(etl.staging)
	}
	os.Exit(code)
}

// etl is functions/etl built once per test binary.
var etl struct {
	once    sync.Once
	staging string // made by buildETL, holding dir
	dir     string
	err     error
}

func buildETL(t *testing.T) string {
	t.Helper()
	etl.once.Do(func() {
		staging, err := os.MkdirTemp("", "chaoslab-etl-")
		if err != nil {
			etl.err = err
			return
		}
		etl.staging = staging
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a cold build of the SDK takes ~70 s here
		defer cancel()
		b, err := lambdabuild.Compile(ctx, lambdabuild.ETL, runtime.GOARCH, staging)
		etl.dir, etl.err = b.Dir, err
	})
	if etl.err != nil {
		t.Fatalf("build functions/etl: %v", etl.err)
	}
	return etl.dir
}

// labAssembly writes a cloud assembly holding template as the stack ChaosLab: the function runs on
// this host's architecture, from the ETL build.
func labAssembly(t *testing.T, template []byte) string {
	t.Helper()
	code := buildETL(t)
	dir := filepath.Join(t.TempDir(), "cdk.out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(template, &tmpl); err != nil {
		t.Fatal(err)
	}
	for _, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		meta, _ := res["Metadata"].(map[string]any)
		rt, _ := props["Runtime"].(string)
		if res["Type"] != "AWS::Lambda::Function" || !strings.HasPrefix(rt, "provided") || meta["aws:asset:path"] == nil {
			continue
		}
		props["Architectures"] = []string{hostArch()}
		if err := os.Symlink(code, filepath.Join(dir, meta["aws:asset:path"].(string))); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	manifest := `{"version": "48.0.0", "artifacts": {"` + labStackName + `": {"type": "aws:cloudformation:stack",
  "properties": {"templateFile": "` + labStackName + `.template.json", "stackName": "` + labStackName + `"}}}}`
	for name, content := range map[string][]byte{labStackName + ".template.json": b, "manifest.json": []byte(manifest)} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// lab is the deployed lab stack: its outputs and its principals.
type lab struct {
	c                          *Cloud
	out                        Outputs
	fnRole, smRole, eventsRole string
	rule                       localsfn.Rule // the rollback guard's rule, as EventBridge runs it
}

// forgetAPIPolicies puts the engine back to the deployed templates' policies, as before any was set
// through an API, for the tests that follow on the same lab.
func forgetAPIPolicies(t *testing.T, c *Cloud) {
	t.Helper()
	c.iam.mu.Lock()
	defer c.iam.mu.Unlock()
	eng, err := c.loadIAMLocked(c.iam.stacks, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.iam.policies = nil
	c.iam.engine.Store(eng)
}

// deployLab deploys template as the stack ChaosLab (replacing the one deployed).
func deployLab(ctx context.Context, t *testing.T, c *Cloud, template []byte, progress io.Writer) (*lab, error) {
	t.Helper()
	out, err := c.DeployStack(ctx, StackDeploy{CdkOut: labAssembly(t, template), StackName: labStackName, Progress: progress})
	if err != nil {
		return nil, err
	}
	l := &lab{c: c, out: out}
	for _, r := range c.Stack(labStackName).IAM {
		switch r.LogicalID {
		case labFnRole:
			l.fnRole = r.Attrs["Arn"]
		case labMachineRole:
			l.smRole = r.Attrs["Arn"]
		case labEventsRole:
			l.eventsRole = r.Attrs["Arn"]
		}
	}
	for _, r := range c.Stack(labStackName).Created {
		if r.LogicalID == labRollbackRule {
			l.rule = localsfn.Rule{Name: r.PhysicalID, Arn: "arn:aws:events:" + Region + ":" + AccountID + ":rule/" + r.PhysicalID}
		}
	}
	if l.fnRole == "" || l.smRole == "" || l.eventsRole == "" || l.rule.Name == "" {
		t.Fatalf("the lab stack lacks a role or its rule: %+v", l)
	}
	return l, nil
}

// as is an SDK config signing with principal's key from the cloud's key store (what the function's
// sandbox, the machine's tasks or a service's deliveries sign with).
func (l *lab) as(principal string) aws.Config { return l.c.as(principal) }

func (l *lab) target() localsfn.Target {
	return localsfn.Target{ID: "Target0", Arn: l.out["ExperimentStateMachineArn"], RoleArn: l.eventsRole}
}

// experiment is exp_1 compiled for the stack, with short windows and only the probes that pass
// without traffic (no data counts as zero): a run writes the fault parameter, probes, and rolls back.
func (l *lab) experiment(t *testing.T) string {
	t.Helper()
	e, err := experiments.LoadDefinition("exp_1-minor_delay.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := experiments.Compile(e, experiments.CompileOptions{FaultParameterName: l.out["FaultParameterName"],
		Env:       experiments.EnvFromOutputs(l.out),
		Overrides: experiments.Overrides{Pause: time.Second, ProbeWindow: time.Second, Recovery: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	var probes []experiments.CompiledProbe
	for _, p := range c.SteadyState.Probes {
		if p.NoData == experiments.NoDataZero {
			probes = append(probes, p)
		}
	}
	if len(probes) == 0 {
		t.Fatal("exp_1 has no probe that passes without traffic")
	}
	c.SteadyState.Probes = probes
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// run starts the experiment as the user and waits for its end.
func (l *lab) run(ctx context.Context, t *testing.T, input string) *sfn.DescribeExecutionOutput {
	t.Helper()
	sc := sfn.NewFromConfig(l.c.Config())
	ex, err := sc.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(l.out["ExperimentStateMachineArn"]), Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if _, err := l.c.StepFunctions().WaitExecution(wctx, aws.ToString(ex.ExecutionArn)); err != nil {
		t.Fatalf("execution %s: %v", aws.ToString(ex.ExecutionArn), err)
	}
	d, err := sc.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The calls the function and the machine make, each as its principal through the gateway. With the
// grant, none is refused by IAM (it may fail otherwise, e.g. a missing execution).
var (
	fnGetInput = func(ctx context.Context, l *lab) error {
		_, err := s3.NewFromConfig(l.as(l.fnRole), func(o *s3.Options) { o.UsePathStyle = true }).GetObject(ctx,
			&s3.GetObjectInput{Bucket: aws.String(l.out["BucketName"]), Key: aws.String("input/iam-probe.json")})
		return err
	}
	// fnGetMissing reads an input document that is not there: S3 says so (NoSuchKey, which the
	// function parks as no_such_object) only to a caller that may list the bucket.
	fnGetMissing = func(ctx context.Context, l *lab) error {
		_, err := s3.NewFromConfig(l.as(l.fnRole), func(o *s3.Options) { o.UsePathStyle = true }).GetObject(ctx,
			&s3.GetObjectInput{Bucket: aws.String(l.out["BucketName"]), Key: aws.String("input/iam-missing.json")})
		var nsk *s3types.NoSuchKey
		switch {
		case errors.As(err, &nsk):
			return nil
		case err == nil:
			return errors.New("input/iam-missing.json was read: it must not exist")
		}
		return err
	}
	fnPutOutput = func(ctx context.Context, l *lab) error {
		_, err := s3.NewFromConfig(l.as(l.fnRole), func(o *s3.Options) { o.UsePathStyle = true }).PutObject(ctx,
			&s3.PutObjectInput{Bucket: aws.String(l.out["BucketName"]), Key: aws.String("output/iam-probe.json.csv"), Body: strings.NewReader("symbol\n")})
		return err
	}
	fnWriteRow = func(ctx context.Context, l *lab) error {
		_, err := dynamodb.NewFromConfig(l.as(l.fnRole)).UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(l.out["TableName"]),
			Key: map[string]ddbtypes.AttributeValue{"symbol": &ddbtypes.AttributeValueMemberS{Value: "IAMPROBE"},
				"entryType": &ddbtypes.AttributeValueMemberS{Value: "probe"}},
			UpdateExpression:          aws.String("SET probed = :t"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":t": &ddbtypes.AttributeValueMemberBOOL{Value: true}},
		})
		return err
	}
	fnPark = func(ctx context.Context, l *lab) error {
		_, err := sqs.NewFromConfig(l.as(l.fnRole)).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(l.out["ErrorQueueUrl"]), MessageBody: aws.String("{}")})
		return err
	}
	fnReadFault = func(ctx context.Context, l *lab) error {
		_, err := ssm.NewFromConfig(l.as(l.fnRole)).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(l.out["FaultParameterName"])})
		return err
	}
	fnPoll = func(ctx context.Context, l *lab) error {
		_, err := sqs.NewFromConfig(l.as(l.fnRole)).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(l.out["JsonQueueUrl"]), VisibilityTimeout: 0})
		return err
	}
	smWriteFault = func(ctx context.Context, l *lab) error {
		_, err := ssm.NewFromConfig(l.as(l.smRole)).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(l.out["FaultParameterName"]),
			Value: aws.String(`{"isEnabled": false}`), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)})
		return err
	}
	smReadMetrics = func(ctx context.Context, l *lab) error {
		_, err := cloudwatch.NewFromConfig(l.as(l.smRole)).GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(time.Now().Add(-5 * time.Minute)), EndTime: aws.Time(time.Now()),
			MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("m1"), MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String("AWS/SQS"), MetricName: aws.String("NumberOfMessagesSent"),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("QueueName"), Value: aws.String(l.out["JsonQueueName"])}}},
				Period: aws.Int32(60), Stat: aws.String("Sum")}}},
		})
		return err
	}
	smDescribe = func(ctx context.Context, l *lab) error {
		machine := l.out["ExperimentStateMachineArn"]
		execution := strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":iam-probe"
		_, err := sfn.NewFromConfig(l.as(l.smRole)).DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execution)})
		var missing interface{ ErrorCode() string }
		if errors.As(err, &missing) && missing.ErrorCode() == "ExecutionDoesNotExist" {
			return nil // authorized; there is no such execution
		}
		return err
	}
	ruleStarts = func(ctx context.Context, l *lab) error {
		_, err := sfn.NewFromConfig(l.as(l.eventsRole)).StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(l.out["ExperimentStateMachineArn"]), Input: aws.String(`{"iam": "probe"}`)})
		return err
	}
	snsDelivers = func(ctx context.Context, l *lab) error {
		src := gateway.Source{Arn: l.out["TopicArn"], Account: AccountID}
		_, err := sqs.NewFromConfig(l.as(PrincipalSNS)).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(l.out["CsvQueueUrl"]), MessageBody: aws.String("{}")},
			func(o *sqs.Options) { o.APIOptions = append(o.APIOptions, gateway.WithSource(src)) })
		return err
	}
	ruleMayStart = func(_ context.Context, l *lab) error { return l.c.authorizeTarget(l.rule, l.target()) }
)

// grantCase is one statement of the lab's template and what taking it away does.
type grantCase struct {
	statement string // iam.StatementRef.String(), as iam.TemplateStatements lists it
	// call is what the grant allows, made through the gateway as its principal: allowed with the
	// statement, refused with code without it (the message naming action).
	call         func(context.Context, *lab) error
	code, action string
	// inProcess is decided where it happens (not at the gateway): nil with the statement, an error
	// naming action without it.
	inProcess func(context.Context, *lab) error
	// deploy: without the statement the deploy fails, saying this (as CloudFormation's would).
	deploy string
	// none says why no local call depends on the statement.
	none string
}

var labGrants = []grantCase{
	// The function's role.
	{statement: "PipelineFunctionRole401437C7 AssumeRolePolicyDocument statement #0", deploy: "The role defined for the function cannot be assumed by Lambda"},
	{statement: "PipelineFunctionRoleDefaultPolicyEAF49FF5 statement #0", call: fnPoll,
		deploy: "The provided execution role does not have permissions to call ReceiveMessage on SQS"},
	{statement: "PipelineFunctionRoleDefaultPolicyEAF49FF5 statement ReadInputDocuments", call: fnGetInput, code: "AccessDenied", action: "s3:GetObject"},
	{statement: "PipelineFunctionRoleDefaultPolicyEAF49FF5 statement ListInputDocuments", call: fnGetMissing, code: "AccessDenied", action: "s3:ListBucket"},
	{statement: "PipelineFunctionRoleDefaultPolicyEAF49FF5 statement WriteOutputCsv", call: fnPutOutput, code: "AccessDenied", action: "s3:PutObject"},
	{statement: "PipelineFunctionRoleDefaultPolicyEAF49FF5 statement WriteSymbolRows", call: fnWriteRow, code: "AccessDeniedException", action: "dynamodb:UpdateItem"},
	{statement: "PipelineFunctionRoleDefaultPolicyEAF49FF5 statement ParkPoisonDocuments", call: fnPark, code: "AccessDenied", action: "sqs:SendMessage"},
	{statement: "PipelineFunctionRoleDefaultPolicyEAF49FF5 statement ReadFaultConfig", call: fnReadFault, code: "AccessDeniedException", action: "ssm:GetParameter"},
	{statement: "PipelineFunctionRoleDefaultPolicyEAF49FF5 statement #7", none: "logs:CreateLogStream/PutLogEvents: the sandboxes' lines go into the local CloudWatch Logs directly, not through PutLogEvents"},
	// The state machine's role.
	{statement: "ExperimentRoleB2A893DC AssumeRolePolicyDocument statement #0", deploy: "Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role"},
	{statement: "ExperimentRoleDefaultPolicy5F77114F statement #0", call: smWriteFault, code: "AccessDeniedException", action: "ssm:PutParameter"},
	{statement: "ExperimentRoleDefaultPolicy5F77114F statement ReadMetrics", call: smReadMetrics, code: "AccessDenied", action: "cloudwatch:GetMetricData"},
	{statement: "ExperimentRoleDefaultPolicy5F77114F statement ReadOwnExecutions", call: smDescribe, code: "AccessDeniedException", action: "states:DescribeExecution"},
	// The rollback guard's rule: EventBridge assumes its role, which starts the machine.
	{statement: "ExperimentStateMachineEventsRole400BB0EE AssumeRolePolicyDocument statement #0", inProcess: ruleMayStart, action: "sts:AssumeRole"},
	{statement: "ExperimentStateMachineEventsRoleDefaultPolicyCE4D6858 statement #0", call: ruleStarts, code: "AccessDeniedException", action: "states:StartExecution",
		inProcess: ruleMayStart},
	// Deliveries: S3 to the JSON queue and the topic (validated when the notification is
	// configured, as S3 does), SNS to the CSV queue.
	{statement: "PipelineJsonQueuePolicy1528CCFB statement #1", deploy: "Unable to validate the following destination configurations"},
	{statement: "PipelineCsvTopicPolicy5EC97B2B statement 1", deploy: "Unable to validate the following destination configurations"},
	{statement: "PipelineCsvQueuePolicyED0CB15E statement #1", call: snsDelivers, code: "AccessDenied", action: "sqs:SendMessage"},
	// Denies: taking one away denies nothing.
	{statement: "PipelineBucketPolicy5F75DE89 statement #0", none: "a Deny (plain HTTP)"},
	{statement: "PipelineCsvQueuePolicyED0CB15E statement #0", none: "a Deny (plain HTTP)"},
	{statement: "PipelineCsvTopicPolicy5EC97B2B statement AllowPublishThroughSSLOnly", none: "a Deny (plain HTTP)"},
	{statement: "PipelineErrorQueuePolicy01B1F8FB statement #0", none: "a Deny (plain HTTP)"},
	{statement: "PipelineJsonQueuePolicy1528CCFB statement #0", none: "a Deny (plain HTTP)"},
	// The CDK's custom resource providers: the deployer does their job, their functions never run.
	{statement: "PipelineBucketPolicy5F75DE89 statement #1", none: "the auto-delete provider's grant: the provider does not run locally"},
	{statement: "CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092 AssumeRolePolicyDocument statement #0", none: "the auto-delete provider does not run locally"},
	{statement: "BucketNotificationsHandler050a0587b7544547bf325f094a3db834RoleB6FB88EC AssumeRolePolicyDocument statement #0", none: "the notifications handler does not run locally"},
	{statement: "BucketNotificationsHandler050a0587b7544547bf325f094a3db834RoleDefaultPolicy2CF63D36 statement #0", none: "the notifications handler does not run locally"},
}

// denied checks that err is the IAM refusal a grant's absence gives.
func denied(err error, code, action string) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("error %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), "is not authorized to perform: "+action+" on resource: ") {
		return fmt.Errorf("%s: %s, want %s naming %s", ae.ErrorCode(), ae.ErrorMessage(), code, action)
	}
	return nil
}

// TestLabUnderIAM deploys the lab's synthesized stack with IAM enforced (it always is): a document
// goes through end to end and an experiment run writes the fault parameter, every call made as the
// principal AWS would make it with. Then, for each statement of the template, the template without
// it: the call the statement allows is refused with the service's AccessDenied, through the gateway
// with the principal's own key (or the deploy fails as CloudFormation's would, or the in-process
// check refuses), and the function and the machine meet the refusal with their own error handling.
func TestLabUnderIAM(t *testing.T) {
	testenv.SkipIfShort(t, "starts the local cloud and deploys the lab's stack, then each variant of it")
	tmpl, err := os.ReadFile(labTemplateFile)
	if err != nil {
		t.Fatal(err)
	}
	buildETL(t)
	seen := &principals{seen: map[string]map[string]bool{}}
	c := startCloud(t, Options{Dir: t.TempDir(), Log: testLog{t}, Authorize: seen.authorize})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	full, err := deployLab(ctx, t, c, tmpl, nil)
	if err != nil {
		t.Fatal(err)
	}
	user := c.Config()
	s3c := s3.NewFromConfig(user, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := full.out["BucketName"]

	t.Run("a document is converted end to end", func(t *testing.T) {
		doc := `{"symbol":"IAMDOC","messageId":7,"value":10,"objectName":"iam-doc.json","submissionDate":"23-Nov-2026 13:45:12","author":"iam_test","version":1.1}`
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("input/iam-doc.json"), Body: strings.NewReader(doc)}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "output/iam-doc.json.csv", func() bool {
			_, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("output/iam-doc.json.csv")})
			return err == nil
		})
		row, err := dynamodb.NewFromConfig(user).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(full.out["TableName"]),
			Key: map[string]ddbtypes.AttributeValue{"symbol": &ddbtypes.AttributeValueMemberS{Value: "IAMDOC"},
				"entryType": &ddbtypes.AttributeValueMemberS{Value: "latest"}}})
		if err != nil || len(row.Item) == 0 {
			t.Errorf("the summary row: %v %v", row, err)
		}
		// The CSV's notification: S3 → the topic (its policy) → SNS → the CSV queue (its policy).
		sq := sqs.NewFromConfig(user)
		waitFor(t, 30*time.Second, "the CSV's notification in the CSV queue", func() bool {
			out, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(full.out["CsvQueueUrl"]), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range out.Messages {
				if strings.Contains(aws.ToString(m.Body), "iam-doc.json.csv") {
					return true
				}
			}
			return false
		})
		for _, call := range []struct{ principal, call string }{
			{full.fnRole, "sqs AmazonSQS.ReceiveMessage"}, // the event source mapping
			{full.fnRole, "s3 GET /" + bucket + "/input/iam-doc.json"},
			{full.fnRole, "dynamodb DynamoDB_20120810.TransactWriteItems"},
			{full.fnRole, "s3 PUT /" + bucket + "/output/iam-doc.json.csv"},
			{full.fnRole, "ssm AmazonSSM.GetParameter"}, // the failure layer
			{PrincipalS3, "sqs AmazonSQS.SendMessage"},
			{PrincipalSNS, "sqs AmazonSQS.SendMessage"},
		} {
			if !seen.made(call.principal, call.call) {
				t.Errorf("no %q as %s; seen:\n%s", call.call, call.principal, seen)
			}
		}
	})

	t.Run("an experiment run writes the fault parameter", func(t *testing.T) {
		before := len(c.Parameters().History(full.out["FaultParameterName"]))
		d := full.run(ctx, t, full.experiment(t))
		if d.Status != "SUCCEEDED" {
			t.Fatalf("execution %s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		writes := c.Parameters().History(full.out["FaultParameterName"])[before:]
		if len(writes) < 2 { // the fault, then its rollback
			t.Errorf("%d writes of the fault parameter, want the fault and its rollback", len(writes))
		}
		if !seen.made(full.smRole, "ssm AmazonSSM.PutParameter") || !seen.made(full.smRole, "monitoring") {
			t.Errorf("the machine's role made no PutParameter or no GetMetricData; seen:\n%s", seen)
		}
		// Nothing flowed: every probe read no data and counted it as 0, and the journal says so
		// (a 0 inside a tolerance read as a pass with nothing measured).
		j, err := experiments.ParseJournal([]byte(aws.ToString(d.Output)))
		if err != nil {
			t.Fatalf("the execution's output is not a journal: %v\n%s", err, aws.ToString(d.Output))
		}
		for _, p := range slices.Concat(j.Before, j.After) {
			if p.Value == nil || *p.Value != 0 || !p.NoData {
				t.Errorf("probe %s: value %v, noData %t; want the 0 of no data, marked noData", p.Name, p.Value, p.NoData)
			}
		}
		if len(j.Before) == 0 || len(j.After) == 0 {
			t.Errorf("journal without probes before or after: %s", aws.ToString(d.Output))
		}
	})

	t.Run("a queue policy set through the SQS API is the queue's one policy", func(t *testing.T) {
		defer forgetAPIPolicies(t, c)
		sq := sqs.NewFromConfig(user)
		setPolicy := func(doc string) error {
			_, err := sq.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(full.out["CsvQueueUrl"]),
				Attributes: map[string]string{"Policy": doc}})
			return err
		}
		var api smithy.APIError
		if err := setPolicy(`{"Statement": [`); !errors.As(err, &api) || api.ErrorCode() != "InvalidAttributeValue" || !strings.Contains(err.Error(), "Policy") {
			t.Errorf("a policy that is not JSON: %v, want InvalidAttributeValue naming Policy", err)
		}
		if err := snsDelivers(ctx, full); err != nil {
			t.Fatalf("the template's policy lets the topic deliver: %v", err)
		}
		// The policy GetQueueAttributes answers is the one in force: the template's (the emulator
		// never saw it, and answered none), none once removed, the API's once set.
		policyOf := func(name string) string {
			t.Helper()
			out, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(full.out["CsvQueueUrl"]),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeName(name)}})
			if err != nil {
				t.Fatal(err)
			}
			return out.Attributes["Policy"]
		}
		for _, name := range []string{"Policy", "All"} {
			if doc := policyOf(name); !strings.Contains(doc, "sns.amazonaws.com") || !strings.Contains(doc, full.out["TopicArn"]) {
				t.Errorf("GetQueueAttributes %s of the stack's CSV queue: Policy %q, want the template's (the topic may send)", name, doc)
			}
		}
		// Removed: the template's policy no longer applies, as in SQS.
		if err := setPolicy(""); err != nil {
			t.Fatal(err)
		}
		if err := denied(snsDelivers(ctx, full), "AccessDenied", "sqs:SendMessage"); err != nil {
			t.Errorf("with the policy removed: %v", err)
		}
		if doc := policyOf("Policy"); doc != "" {
			t.Errorf("the policy once removed: %q, want none", doc)
		}
		// A deploy of the queue's stack sets the template's policy again.
		if _, err := c.setStackIAM(labStackName, c.Stack(labStackName).IAM); err != nil {
			t.Fatal(err)
		}
		if err := snsDelivers(ctx, full); err != nil {
			t.Errorf("after the stack's deploy: %v, want the template's policy again", err)
		}
		if doc := policyOf("Policy"); !strings.Contains(doc, "sns.amazonaws.com") {
			t.Errorf("the policy after the stack's deploy: %q, want the template's", doc)
		}
		if err := setPolicy(""); err != nil {
			t.Fatal(err)
		}
		allow, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]string{"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
			"Resource":  iam.QueueARN(full.out["CsvQueueUrl"], Region, AccountID),
			"Condition": map[string]any{"ArnEquals": map[string]string{"aws:SourceArn": full.out["TopicArn"]}}}}})
		if err := setPolicy(string(allow)); err != nil {
			t.Fatal(err)
		}
		if err := snsDelivers(ctx, full); err != nil {
			t.Errorf("with the topic allowed again through the API: %v", err)
		}
		if doc := policyOf("Policy"); doc != string(allow) {
			t.Errorf("the policy set through the API: %q, want %s", doc, allow)
		}
	})

	t.Run("a topic policy set through the SNS API is the topic's one policy", func(t *testing.T) {
		defer forgetAPIPolicies(t, c)
		snsc := snssdk.NewFromConfig(user)
		topic := full.out["TopicArn"]
		setPolicy := func(doc string) error {
			_, err := snsc.SetTopicAttributes(ctx, &snssdk.SetTopicAttributesInput{TopicArn: aws.String(topic),
				AttributeName: aws.String("Policy"), AttributeValue: aws.String(doc)})
			return err
		}
		s3Publishes := func() error {
			return c.authorizePublish(ctx, sns.Publisher{Principal: PrincipalS3, SourceArn: "arn:aws:s3:::" + bucket, SourceAccount: AccountID}, topic)
		}
		var api smithy.APIError
		if err := setPolicy(`{"Statement": [`); !errors.As(err, &api) || api.ErrorCode() != "InvalidParameter" || !strings.Contains(err.Error(), "Policy") {
			t.Errorf("a policy that is not JSON: %v, want InvalidParameter naming Policy", err)
		}
		if err := s3Publishes(); err != nil {
			t.Fatalf("the template's policy lets S3 publish: %v", err)
		}
		// GetTopicAttributes answers the policy in force: the template's, which the emulator never saw.
		policyOf := func() string {
			t.Helper()
			out, err := snsc.GetTopicAttributes(ctx, &snssdk.GetTopicAttributesInput{TopicArn: aws.String(topic)})
			if err != nil {
				t.Fatal(err)
			}
			return out.Attributes["Policy"]
		}
		if doc := policyOf(); !strings.Contains(doc, topic) || !strings.Contains(doc, `"Statement"`) {
			t.Errorf("GetTopicAttributes of the stack's topic: Policy %q, want the template's", doc)
		}
		if err := setPolicy(""); !errors.As(err, &api) || api.ErrorCode() != "InvalidParameter" || !strings.Contains(err.Error(), "Policy is empty") {
			t.Errorf("an empty policy: %v, want InvalidParameter (SNS refuses it)", err)
		}
		ownerOnly, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]string{"AWS": "arn:aws:iam::" + AccountID + ":root"}, "Action": "sns:Publish", "Resource": topic}}})
		if err := setPolicy(string(ownerOnly)); err != nil {
			t.Fatal(err)
		}
		if err := s3Publishes(); err == nil || !strings.Contains(err.Error(), "sns:Publish") {
			t.Errorf("with a policy that does not name S3: %v, want a refusal naming sns:Publish", err)
		}
		allow, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]string{"Service": "s3.amazonaws.com"}, "Action": "sns:Publish", "Resource": topic,
			"Condition": map[string]any{"ArnLike": map[string]string{"aws:SourceArn": "arn:aws:s3:::" + bucket}}}}})
		if err := setPolicy(string(allow)); err != nil {
			t.Fatal(err)
		}
		if err := s3Publishes(); err != nil {
			t.Errorf("with S3 allowed again through the API: %v", err)
		}
		if doc := policyOf(); doc != string(allow) {
			t.Errorf("the policy set through the API: %q, want %s", doc, allow)
		}
	})

	t.Run("a bucket policy set through the S3 API is the bucket's one policy", func(t *testing.T) {
		defer forgetAPIPolicies(t, c)
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("input/iam-probe.json"), Body: strings.NewReader("{}")}); err != nil {
			t.Fatal(err)
		}
		getPolicy := func() (string, error) {
			out, err := s3c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Policy), nil
		}
		if doc, err := getPolicy(); err != nil || !strings.Contains(doc, "aws:SecureTransport") {
			t.Errorf("GetBucketPolicy before any change: %q, %v; want the template's (its TLS-only deny)", doc, err)
		}
		var api smithy.APIError
		if _, err := s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String("not a policy")}); !errors.As(err, &api) || api.ErrorCode() != "MalformedPolicy" {
			t.Errorf("a policy that is not JSON: %v, want MalformedPolicy", err)
		}
		// What S3 refuses of a policy that parses: another service's action, another bucket's resource.
		for what, c := range map[string]struct{ action, resource, want string }{
			"an SQS action":                 {"sqs:SendMessage", "arn:aws:s3:::" + bucket + "/*", "Policy has invalid action"},
			"another bucket's objects":      {"s3:GetObject", "arn:aws:s3:::other-bucket/*", "Policy has invalid resource"},
			"every resource":                {"s3:GetObject", "*", "Policy has invalid resource"},
			"a bucket whose name is longer": {"s3:GetObject", "arn:aws:s3:::" + bucket + "-2/*", "Policy has invalid resource"},
		} {
			doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Deny", "Principal": "*", "Action": c.action, "Resource": c.resource}}})
			if _, err := s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(string(doc))}); !errors.As(err, &api) ||
				api.ErrorCode() != "MalformedPolicy" || !strings.Contains(err.Error(), c.want) {
				t.Errorf("a policy with %s: %v, want MalformedPolicy: %s", what, err, c.want)
			}
		}
		deny, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Deny", "Principal": map[string]string{"AWS": full.fnRole}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + bucket + "/*"}}})
		if _, err := s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(string(deny))}); err != nil {
			t.Fatal(err)
		}
		if err := denied(fnGetInput(ctx, full), "AccessDenied", "s3:GetObject"); err != nil {
			t.Errorf("with a Deny for the function's role: %v", err)
		}
		if doc, err := getPolicy(); err != nil || doc != string(deny) {
			t.Errorf("GetBucketPolicy = %q, %v; want the policy put", doc, err)
		}
		if _, err := s3c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Errorf("the bucket after DeleteBucketPolicy: %v (the emulator takes DELETE ?policy for DeleteBucket)", err)
		}
		if _, err := getPolicy(); !errors.As(err, &api) || api.ErrorCode() != "NoSuchBucketPolicy" {
			t.Errorf("GetBucketPolicy after the delete: %v, want NoSuchBucketPolicy", err)
		}
		// The emulator would take any DELETE of the bucket for DeleteBucket.
		if _, err := s3c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String(bucket)}); !errors.As(err, &api) || api.ErrorCode() != "NotImplemented" {
			t.Errorf("DeleteBucketTagging: %v, want NotImplemented", err)
		}
		if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Errorf("the bucket after DeleteBucketTagging: %v", err)
		}
		if err := fnGetInput(ctx, full); err != nil {
			t.Errorf("with the policy deleted (the role's own grant): %v", err)
		}
	})

	// The user's key is the account's root user: it needs no Allow, but a resource policy's
	// explicit Deny holds for it as for anyone (Principal "*"), and it may always take its bucket's
	// policy back, as S3 lets the root user do.
	t.Run("a resource policy's explicit Deny holds for the user's key, the root user", func(t *testing.T) {
		defer forgetAPIPolicies(t, c)
		key := "misc/root-probe.txt" // outside input/: no document for the pipeline
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("root")}); err != nil {
			t.Fatal(err)
		}
		get := func() error {
			_, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			return err
		}
		var api smithy.APIError
		denyAll := func(action, resource string) string {
			doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Deny", "Principal": "*", "Action": action, "Resource": resource}}})
			return string(doc)
		}
		if _, err := s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket),
			Policy: aws.String(denyAll("s3:*", "arn:aws:s3:::"+bucket+"/*"))}); err != nil {
			t.Fatal(err)
		}
		if err := get(); !errors.As(err, &api) || api.ErrorCode() != "AccessDenied" || !strings.Contains(err.Error(), "explicit deny") {
			t.Errorf("GetObject under a Deny of s3:* to everyone: %v, want AccessDenied by the explicit deny", err)
		}
		if _, err := s3c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)}); err != nil {
			t.Errorf("GetBucketPolicy, which the root user may always do: %v", err)
		}
		if _, err := s3c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatalf("DeleteBucketPolicy, which the root user may always do: %v", err)
		}
		if err := get(); err != nil {
			t.Errorf("GetObject with the policy deleted: %v", err)
		}

		sq := sqs.NewFromConfig(user)
		queue := aws.String(full.out["CsvQueueUrl"])
		arn, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sq.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: queue,
			Attributes: map[string]string{"Policy": denyAll("sqs:SendMessage", arn.Attributes["QueueArn"])}}); err != nil {
			t.Fatal(err)
		}
		if _, err := sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: queue, MessageBody: aws.String("denied")}); !errors.As(err, &api) || !strings.Contains(err.Error(), "explicit deny") {
			t.Errorf("SendMessage under a Deny of it to everyone: %v, want it denied by the explicit deny", err)
		}
		if _, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue, AttributeNames: []sqstypes.QueueAttributeName{"All"}}); err != nil {
			t.Errorf("GetQueueAttributes, which no statement denies: %v", err)
		}
	})

	t.Run("the rollback guard's rule may start the machine", func(t *testing.T) {
		if err := ruleMayStart(ctx, full); err != nil {
			t.Error(err)
		}
	})

	// Every statement has a row, and every row a statement.
	refs, err := iam.TemplateStatements(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]iam.StatementRef{}
	for _, r := range refs {
		byName[r.String()] = r
	}
	rows := map[string]bool{}
	for _, g := range labGrants {
		rows[g.statement] = true
		if _, ok := byName[g.statement]; !ok {
			t.Errorf("row %q: no such statement in the template", g.statement)
		}
	}
	for name := range byName {
		if !rows[name] {
			t.Errorf("statement %q has no row: say what taking it away does", name)
		}
	}

	// With every statement: no call is refused.
	for _, g := range labGrants {
		for _, f := range []func(context.Context, *lab) error{g.call, g.inProcess} {
			if f == nil {
				continue
			}
			if err := f(ctx, full); err != nil && strings.Contains(err.Error(), "not authorized") {
				t.Errorf("%s: refused with the statement: %v", g.statement, err)
			}
		}
	}
	// The object the function's read is tried on.
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("input/iam-probe.json"), Body: strings.NewReader("{}")}); err != nil {
		t.Fatal(err)
	}
	if err := fnGetInput(ctx, full); err != nil {
		t.Errorf("the function's read with its grant: %v", err)
	}

	for _, g := range labGrants {
		if g.none != "" {
			// Not a test of its own: nothing could fail. Listed so that every statement of the
			// template is accounted for (the table check above), with the reason no call needs it.
			t.Logf("without %s: no local call depends on it: %s", g.statement, g.none)
			continue
		}
		t.Run("without "+g.statement, func(t *testing.T) {
			less, err := iam.WithoutStatement(tmpl, byName[g.statement])
			if err != nil {
				t.Fatal(err)
			}
			l, err := deployLab(ctx, t, c, less, io.Discard)
			if g.deploy != "" {
				if err == nil || !strings.Contains(err.Error(), g.deploy) {
					t.Fatalf("deploy: %v, want it to fail with %q", err, g.deploy)
				}
				t.Logf("deploy fails: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.call != nil {
				err := g.call(ctx, l)
				if derr := denied(err, g.code, g.action); derr != nil {
					t.Error(derr)
				} else {
					t.Logf("%s", err)
				}
			}
			if g.inProcess != nil {
				if err := g.inProcess(ctx, l); err == nil || !strings.Contains(err.Error(), g.action) {
					t.Errorf("in process: %v, want a refusal naming %s", err, g.action)
				}
			}
			switch g.statement {
			case "PipelineFunctionRoleDefaultPolicyEAF49FF5 statement ReadInputDocuments":
				functionMeetsDenial(ctx, t, l)
			case "ExperimentRoleDefaultPolicy5F77114F statement #0":
				machineMeetsDenial(ctx, t, l)
			}
		})
	}
}

// functionMeetsDenial: the resilient function, refused its input, reports the record for
// redelivery (an AccessDenied is no poison: it is not parked in the error queue).
func functionMeetsDenial(ctx context.Context, t *testing.T, l *lab) {
	t.Helper()
	s3c := s3.NewFromConfig(l.c.Config(), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(l.out["BucketName"]), Key: aws.String("input/iam-denied.json"), Body: strings.NewReader("{}")}); err != nil {
		t.Fatal(err)
	}
	var line string
	waitFor(t, 30*time.Second, "the function's log of the refusal", func() bool {
		b, _ := os.ReadFile(l.c.Lambda().LogPath(l.out["FunctionName"]))
		for _, s := range strings.Split(string(b), "\n") {
			if strings.Contains(s, "iam-denied.json") && strings.Contains(s, "AccessDenied") {
				line = s
				return true
			}
		}
		return false
	})
	t.Logf("the function: %s", line)
	if !strings.Contains(line, "reported for redelivery") || !strings.Contains(line, "StatusCode: 403") {
		t.Errorf("the function's handling: %s", line)
	}
	// AND the denial names the function's session of its role, as AWS's does.
	session := gateway.SessionArn(l.fnRole, l.out["FunctionName"])
	if !strings.Contains(line, "User: "+session+" is not authorized to perform: s3:GetObject") {
		t.Errorf("the denial does not name the session %s: %s", session, line)
	}
}

// machineMeetsDenial: the machine, refused the fault parameter, retries the write (the Task's
// Retry on States.TaskFailed matches it), then aborts the experiment and runs its rollback, which
// is refused too: the run fails with RollbackFailed, and its journal holds both refusals.
func machineMeetsDenial(ctx context.Context, t *testing.T, l *lab) {
	t.Helper()
	d := l.run(ctx, t, l.experiment(t))
	j, err := experiments.ParseJournal([]byte(aws.ToString(d.Cause)))
	if err != nil {
		t.Fatalf("execution %s %s: %s (%v)", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), err)
	}
	t.Logf("the machine: %s %s, verdict %s; journal error %+v; rollbackError %+v", d.Status, aws.ToString(d.Error), j.Verdict, j.Error, j.RollbackError)
	for what, e := range map[string]*experiments.StepError{"error": j.Error, "rollbackError": j.RollbackError} {
		if e == nil || e.Error != "Ssm.AccessDeniedException" || !strings.Contains(e.Cause, "ssm:PutParameter") {
			t.Errorf("journal %s = %+v, want Ssm.AccessDeniedException naming ssm:PutParameter", what, e)
		}
	}
	if d.Status != "FAILED" || aws.ToString(d.Error) != experiments.ErrRollbackFailed || j.Verdict != "aborted" || len(j.Method) != 0 {
		t.Errorf("execution %s %s, verdict %s, %d method actions", d.Status, aws.ToString(d.Error), j.Verdict, len(j.Method))
	}
	// Each write was tried three times (MaxAttempts 2 after the first): a denial, even of the
	// rollback's write, is not retried as long as a throttle is (experiment.rollbackRetry).
	h, err := sfn.NewFromConfig(l.c.Config()).GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: d.ExecutionArn, MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, e := range h.Events {
		if e.Type == sfntypes.HistoryEventTypeTaskFailed {
			failed++
		}
	}
	if failed != 6 {
		t.Errorf("%d TaskFailed events, want 6: the fault's write and the rollback's, each tried three times", failed)
	}
}

// waitFor polls cond every 200 ms for at most within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !poll.Until(within, 200*time.Millisecond, cond) {
		t.Fatalf("%s: not within %s", what, within)
	}
}

// A table named by another account's or region's ARN never reaches DynamoDB Local, which would
// read it as the table of that name here; this cloud's ARN of it does.
func TestDynamoTablesByARN(t *testing.T) {
	c := &Cloud{log: slog.New(slog.DiscardHandler)}
	if err := c.loadIAM(); err != nil {
		t.Fatal(err)
	}
	forwarded := 0
	h := c.dynamoTables(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { forwarded++ }))
	for _, tc := range []struct {
		table, code string
	}{
		{"arn:aws:dynamodb:" + Region + ":" + AccountID + ":table/Victim", ""},
		{"arn:aws:dynamodb:" + Region + ":123456789012:table/Victim", "ResourceNotFoundException"},
		{"arn:aws:dynamodb:eu-west-1:" + AccountID + ":table/Victim", "ValidationException"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"TableName":"`+tc.table+`","Key":{"pk":{"S":"a"}}}`))
		r.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
		rec := httptest.NewRecorder()
		before := forwarded
		h.ServeHTTP(rec, r)
		if tc.code == "" {
			if forwarded != before+1 {
				t.Errorf("%s: not passed to DynamoDB Local: %d %s", tc.table, rec.Code, rec.Body)
			}
			continue
		}
		if forwarded != before || rec.Code != http.StatusBadRequest || rec.Header().Get("X-Amzn-ErrorType") != tc.code || !strings.Contains(rec.Body.String(), tc.table) {
			t.Errorf("%s: %d %s %s (forwarded %v), want 400 %s naming the ARN", tc.table, rec.Code, rec.Header().Get("X-Amzn-ErrorType"), rec.Body, forwarded != before, tc.code)
		}
	}
}
