package pipeline

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Key filters of the two bucket notifications (the seed's).
const (
	InputPrefix  = "input/"
	InputSuffix  = ".json"
	OutputPrefix = "output/"
	OutputSuffix = ".csv"
)

// Pipeline is the lab's data path. Its fields are what it built, so callers can wire, grant and add
// outputs without lookups.
type Pipeline struct {
	constructs.Construct

	// Scenario is the resolved scenario table row the pipeline was built with.
	Scenario Scenario
	// Bucket receives input/*.json documents and the function's output/*.csv files.
	Bucket awss3.Bucket
	// Topic receives the bucket's output/*.csv notifications and fans them out to CsvQueue.
	Topic awssns.Topic
	// JsonQueue receives the bucket's input/*.json notifications; the function consumes it.
	JsonQueue awssqs.Queue
	// CsvQueue is subscribed to Topic (SNS envelope, not raw delivery); the subscriber drains it.
	CsvQueue awssqs.Queue
	// ErrorQueue is JsonQueue's redrive target, and where the resilient function parks poison documents.
	ErrorQueue awssqs.Queue
	// Table holds the summary row (entryType "latest") and one row per message, keyed symbol/entryType.
	Table awsdynamodb.Table
	// FaultParameter holds the failure-injection config (contracts §3).
	FaultParameter awsssm.StringParameter
	// Function is the ETL function.
	Function awslambda.Function
	// FunctionRole is the function's execution role (no managed policies; every grant is explicit).
	FunctionRole awsiam.Role
	// FunctionLogGroup receives the function's logs (and its EMF metrics).
	FunctionLogGroup awslogs.LogGroup
	// EventSource connects JsonQueue to Function.
	EventSource awslambdaeventsources.SqsEventSource
	// CodeHash is the SHA-256 of the function's bootstrap binary, used as the asset hash.
	CodeHash string
	// FailureCacheTTL is the function's FAILURE_CACHE_TTL: how long a written fault takes to be in
	// force in every sandbox (the stack output FailureCacheTTL, chaoslab run's default -onset).
	FailureCacheTTL time.Duration
}

// NewPipeline builds the pipeline. nil props mean all defaults. Invalid props, or a function that does
// not compile, fail synth with every problem listed.
func NewPipeline(scope constructs.Construct, id string, props *PipelineProps) *Pipeline {
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("pipeline %q: invalid props:\n%w", id, err))
	}
	v := props.withDefaults()
	scenario, _ := LookupScenario(v.Scenario)
	logRetention, _ := retention(v.LogRetention)

	// Children hang off the embedded construct, not the Go struct: jsii tracks the construct object,
	// and passing the wrapper as a scope would register a second identity for it.
	c := constructs.NewConstruct(scope, jsii.String(id))
	p := &Pipeline{Construct: c, Scenario: scenario}
	removal := awscdk.RemovalPolicy_DESTROY
	if v.RetainData {
		removal = awscdk.RemovalPolicy_RETAIN
	}

	p.Bucket = awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     removal,
		// Empties the bucket on stack deletion so `cdk destroy` succeeds (the seed's force_destroy).
		AutoDeleteObjects: jsii.Bool(!v.RetainData),
	})

	// Queues use SSE-SQS: encrypted at rest with no KMS key policy to maintain. S3 and SNS can deliver
	// to SSE-SQS queues; with a KMS key each producer would need kms:GenerateDataKey in its key policy.
	p.ErrorQueue = awssqs.NewQueue(c, jsii.String("ErrorQueue"), &awssqs.QueueProps{
		Encryption: awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL: jsii.Bool(true),
		// The SQS maximum: parked documents stay inspectable for two weeks.
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	p.JsonQueue = awssqs.NewQueue(c, jsii.String("JsonQueue"), &awssqs.QueueProps{
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		VisibilityTimeout: seconds(scenario.VisibilityTimeout),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           p.ErrorQueue,
			MaxReceiveCount: jsii.Number(float64(v.MaxReceiveCount)),
		},
	})
	p.CsvQueue = awssqs.NewQueue(c, jsii.String("CsvQueue"), &awssqs.QueueProps{
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		VisibilityTimeout: seconds(DefaultCsvVisibilityTimeout),
	})

	// The topic is not KMS-encrypted: S3 can publish to an encrypted topic only with a customer-managed
	// key whose policy admits s3.amazonaws.com (the AWS-managed aws/sns key's policy cannot be changed,
	// so S3's publishes would fail). See nag.go for the suppression.
	p.Topic = awssns.NewTopic(c, jsii.String("CsvTopic"), &awssns.TopicProps{
		EnforceSSL: jsii.Bool(true),
	})
	// Envelope delivery (not raw), as the seed: the subscriber parses the SNS envelope. The subscription
	// also writes the queue policy that admits only this topic (aws:SourceArn).
	p.Topic.AddSubscription(awssnssubscriptions.NewSqsSubscription(p.CsvQueue, &awssnssubscriptions.SqsSubscriptionProps{
		RawMessageDelivery: jsii.Bool(false),
	}))

	// Each destination writes the queue/topic policy that admits only this bucket (aws:SourceArn).
	p.Bucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewSqsDestination(p.JsonQueue),
		&awss3.NotificationKeyFilter{Prefix: jsii.String(InputPrefix), Suffix: jsii.String(InputSuffix)})
	p.Bucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewSnsDestination(p.Topic),
		&awss3.NotificationKeyFilter{Prefix: jsii.String(OutputPrefix), Suffix: jsii.String(OutputSuffix)})

	p.Table = awsdynamodb.NewTable(c, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("symbol"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String("entryType"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		// The AWS-managed key (aws/dynamodb) rather than the AWS-owned default: key use shows in CloudTrail.
		Encryption: awsdynamodb.TableEncryption_AWS_MANAGED,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: removal,
	})

	p.FaultParameter = awsssm.NewStringParameter(c, jsii.String("FaultParameter"), &awsssm.StringParameterProps{
		Description:   jsii.String("Failure-injection config of the ETL function (failure-lambda schema + faults/targets/expiresAt)"),
		StringValue:   jsii.String(v.InitialFaultConfig),
		ParameterName: optionalString(v.FaultParameterName),
		Tier:          awsssm.ParameterTier_STANDARD,
	})

	p.FunctionLogGroup = awslogs.NewLogGroup(c, jsii.String("FunctionLogs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// An explicit role without AWSLambdaBasicExecutionRole: that managed policy grants logs on every
	// log group of the account; here the function may write to its own log group only.
	p.FunctionRole = awsiam.NewRole(c, jsii.String("FunctionRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("ETL function of the chaos lab: least-privilege grants only"),
	})

	codeDir, hash := v.FunctionCodeDir, ""
	if codeDir == "" {
		b, err := BuildFunction(v.FunctionSource, goarch[v.Architecture],
			filepath.Join(*awscdk.Stage_Of(c).Outdir(), ".chaoslab-build"))
		if err != nil {
			panic(fmt.Errorf("pipeline %q: %w", id, err))
		}
		codeDir, hash = b.Dir, b.Hash
	} else {
		h, err := HashCodeDir(codeDir)
		if err != nil {
			panic(fmt.Errorf("pipeline %q: FunctionCodeDir: %w", id, err))
		}
		abs, err := filepath.Abs(codeDir)
		if err != nil {
			panic(fmt.Errorf("pipeline %q: FunctionCodeDir: %w", id, err))
		}
		codeDir, hash = abs, h
	}
	p.CodeHash = hash
	p.FailureCacheTTL = v.FailureCacheTTL

	env := map[string]*string{
		"SCENARIO":                jsii.String(scenario.Name),
		"CHAOS_DATA_TABLE":        p.Table.TableName(),
		"ERROR_QUEUE_URL":         p.ErrorQueue.QueueUrl(),
		"FAILURE_INJECTION_PARAM": p.FaultParameter.ParameterName(),
		"FAILURE_CACHE_TTL":       jsii.String(v.FailureCacheTTL.String()),
	}
	if v.LogLevel != "" {
		env["LOG_LEVEL"] = jsii.String(strings.ToLower(v.LogLevel))
	}
	arch := awslambda.Architecture_ARM_64()
	if v.Architecture == ArchitectureX8664 {
		arch = awslambda.Architecture_X86_64()
	}
	p.Function = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:  jsii.String(fmt.Sprintf("Chaos lab ETL: JSON in S3 -> CSV in S3 + DynamoDB rows (%s scenario)", scenario.Name)),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Handler:      jsii.String("bootstrap"),
		Architecture: arch,
		Code: awslambda.Code_FromAsset(jsii.String(codeDir), &awss3assets.AssetOptions{
			AssetHash:     jsii.String(hash),
			AssetHashType: awscdk.AssetHashType_CUSTOM,
		}),
		MemorySize:  jsii.Number(float64(scenario.MemorySize)),
		Timeout:     seconds(scenario.Timeout),
		Role:        p.FunctionRole,
		LogGroup:    p.FunctionLogGroup,
		Environment: &env,
	})

	p.EventSource = awslambdaeventsources.NewSqsEventSource(p.JsonQueue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(float64(scenario.BatchSize)),
		MaxBatchingWindow:       optionalSeconds(scenario.MaxBatchingWindow),
		ReportBatchItemFailures: jsii.Bool(true),
	})
	p.Function.AddEventSource(p.EventSource)

	p.grantFunction(v)
	p.suppressNagFindings(v)
	return p
}

// grantFunction gives the function exactly the calls it makes, each on the one resource it makes them
// on. (The event source adds sqs:ReceiveMessage/DeleteMessage/ChangeMessageVisibility/GetQueueAttributes/
// GetQueueUrl on JsonQueue itself.)
func (p *Pipeline) grantFunction(v PipelineProps) {
	add := func(sid string, actions []string, resources ...*string) {
		p.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid),
			Actions:   jsii.Strings(actions...),
			Resources: &resources,
		}))
	}
	add("ReadInputDocuments", []string{"s3:GetObject"}, p.Bucket.ArnForObjects(jsii.String(InputPrefix+"*")))
	// S3 says that a document is gone (404 NoSuchKey, which the function parks as no_such_object) only
	// to a caller that may list the bucket; to any other a deleted document reads as 403 AccessDenied,
	// an error the function retries until the work queue's DLQ. Listing is limited to the input prefix.
	p.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ListInputDocuments"),
		Actions:    jsii.Strings("s3:ListBucket"),
		Resources:  &[]*string{p.Bucket.BucketArn()},
		Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": InputPrefix + "*"}},
	}))
	add("WriteOutputCsv", []string{"s3:PutObject"}, p.Bucket.ArnForObjects(jsii.String(OutputPrefix+"*")))
	// TransactWriteItems is authorized per underlying action (Put/Update/ConditionCheck), so these four
	// cover single and transactional writes.
	add("WriteSymbolRows", []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"},
		p.Table.TableArn())
	// The resilient scenario parks poison documents here at once, with the reason.
	add("ParkPoisonDocuments", []string{"sqs:SendMessage"}, p.ErrorQueue.QueueArn())
	add("ReadFaultConfig", []string{"ssm:GetParameter"}, p.FaultParameter.ParameterArn())
	// logs:CreateLogStream and logs:PutLogEvents on this log group only.
	p.FunctionLogGroup.GrantWrite(p.Function)

	if v.MetricsViaAPI {
		// cloudwatch:PutMetricData supports no resource-level scoping (AWS's service authorization
		// reference lists no resource type for it), so the resource must be "*"; the condition limits
		// it to the function's own namespace.
		p.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("PutOwnMetrics"),
			Actions:    jsii.Strings("cloudwatch:PutMetricData"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": MetricsNamespace}},
		}))
	}
}

func seconds(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}

func optionalSeconds(d time.Duration) awscdk.Duration {
	if d <= 0 {
		return nil
	}
	return seconds(d)
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
