package template

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/internal/xmlchar"
	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/esm"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/cfnname"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/lambdaname"
	"github.com/chaoslab/serverless-chaos-lab/local/lambda"
)

type creator func(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error

// creators are the resource types the local cloud creates.
var creators map[string]creator

func init() {
	creators = map[string]creator{
		"AWS::S3::Bucket":                  createBucket,
		"AWS::SQS::Queue":                  createQueue,
		"AWS::SNS::Topic":                  createTopic,
		"AWS::SNS::Subscription":           createSubscription,
		"AWS::DynamoDB::Table":             createTable,
		"AWS::SSM::Parameter":              createParameter,
		"AWS::Lambda::Function":            createFunction,
		"AWS::Lambda::EventSourceMapping":  createMapping,
		"Custom::S3BucketNotifications":    createBucketNotifications,
		"AWS::CloudWatch::Dashboard":       createDashboard,
		"AWS::StepFunctions::StateMachine": createStateMachine,
		"AWS::Events::Rule":                createRule,
		"AWS::CloudWatch::Alarm":           createAlarm,
	}
}

// convert round-trips v through JSON into out: CloudFormation's property shapes match the API's for
// key schemas, filters and the like.
func convert(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func intProp(props map[string]any, key string) (int, bool, error) {
	v, ok := props[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	s, err := scalar(v, key)
	if err != nil {
		return 0, false, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %q is not an integer", key, s)
	}
	return n, true, nil
}

func createBucket(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	name := str(props, "BucketName")
	if name == "" {
		name = cfnname.PhysicalName(d.asm.StackName, id, 63, true)
	}
	if err := d.claim("AWS::S3::Bucket", name); err != nil {
		return err
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	// The bucket's Object Ownership (its ACLs on or off), as CloudFormation creates it: S3's
	// default, BucketOwnerEnforced, when the template names none.
	var oc struct {
		Rules []struct{ ObjectOwnership string }
	}
	if err := convert(props["OwnershipControls"], &oc); err != nil {
		return fmt.Errorf("OwnershipControls: %w", err)
	}
	if len(oc.Rules) > 0 && oc.Rules[0].ObjectOwnership != "" {
		in.ObjectOwnership = s3types.ObjectOwnership(oc.Rules[0].ObjectOwnership)
	}
	if _, err := d.s3.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("CreateBucket %s: %w", name, err)
	}
	attrs := map[string]string{
		"Arn":                 "arn:aws:s3:::" + name,
		"DomainName":          name + ".s3.amazonaws.com",
		"RegionalDomainName":  name + ".s3." + d.ctx.Region + ".amazonaws.com",
		"DualStackDomainName": name + ".s3.dualstack." + d.ctx.Region + ".amazonaws.com",
		"WebsiteURL":          "http://" + name + ".s3-website-" + d.ctx.Region + ".amazonaws.com",
	}
	d.createdWithin(id, "AWS::S3::Bucket", name, attrs, func(ctx context.Context) error { return emptyAndDeleteBucket(ctx, d.s3, name) }, bucketDeleteTimeout)
	if nc, ok := props["NotificationConfiguration"]; ok {
		return putNotifications(ctx, d, name, nc)
	}
	return nil
}

func emptyAndDeleteBucket(ctx context.Context, c *s3.Client, name string) error {
	// An upload can land between emptying the bucket and deleting it (a publisher still running while
	// its stack is replaced): then the delete answers BucketNotEmpty, and the bucket is emptied again.
	// Bounded, so a writer that never stops fails the delete with S3's own error.
	const attempts = 10
	var err error
	for range attempts {
		if err = emptyBucket(ctx, c, name); err != nil {
			return err
		}
		_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
		var ae smithy.APIError
		if err == nil || !errors.As(err, &ae) || ae.ErrorCode() != "BucketNotEmpty" {
			return err
		}
	}
	return fmt.Errorf("bucket %s: still written to after %d attempts to empty it: %w", name, attempts, err)
}

// emptyBucket deletes every object, up to a thousand keys per DeleteObjects call (S3's most, and
// ListObjectsV2's page): one DeleteObject per key took over 30 s for four lab stacks' buckets of
// 1,300 objects each, deleted at once on a loaded machine. A page the local S3 cannot take in one
// DeleteObjects (MalformedXML: a key it would read as another, such as one holding the text "&lt;")
// is deleted a key at a time. It lists with encoding-type url, as the AWS CLI does, and decodes
// the keys: XML cannot carry a key holding a control character any other way.
func emptyBucket(ctx context.Context, c *s3.Client, name string) error {
	var first string // the first key of the last page deleted
	for {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(name), EncodingType: s3types.EncodingTypeUrl})
		if err != nil {
			return err
		}
		if len(out.Contents) == 0 {
			return nil
		}
		// An S3 that did not encode the keys says so by EncodingType: they are as they are.
		if out.EncodingType == s3types.EncodingTypeUrl {
			for i, o := range out.Contents {
				key, err := url.QueryUnescape(aws.ToString(o.Key))
				if err != nil {
					return fmt.Errorf("bucket %s: listed key %q: %w", name, aws.ToString(o.Key), err)
				}
				out.Contents[i].Key = aws.String(key)
			}
		}
		if aws.ToString(out.Contents[0].Key) == first {
			return fmt.Errorf("bucket %s: %q still listed after it was deleted", name, first)
		}
		first = aws.ToString(out.Contents[0].Key)
		if err := deletePage(ctx, c, name, out.Contents); err != nil {
			return err
		}
	}
}

// deletePage deletes a listed page's keys: in one DeleteObjects, but for a key XML cannot carry (a
// control character: the SDK would send U+FFFD in its place and S3 would delete nothing), which is
// deleted by its own DeleteObject, whose key is in the URL.
func deletePage(ctx context.Context, c *s3.Client, name string, objects []s3types.Object) error {
	var ids, singles []s3types.ObjectIdentifier
	for _, o := range objects {
		if xmlchar.Valid(aws.ToString(o.Key)) {
			ids = append(ids, s3types.ObjectIdentifier{Key: o.Key})
		} else {
			singles = append(singles, s3types.ObjectIdentifier{Key: o.Key})
		}
	}
	if err := deleteEach(ctx, c, name, singles); err != nil || len(ids) == 0 {
		return err
	}
	res, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(name),
		Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "MalformedXML" {
		return deleteEach(ctx, c, name, ids)
	}
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		e := res.Errors[0]
		return fmt.Errorf("DeleteObjects %s: %d of %d keys not deleted, the first %q: %s: %s", name, len(res.Errors), len(ids),
			aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
	}
	return nil
}

func deleteEach(ctx context.Context, c *s3.Client, name string, ids []s3types.ObjectIdentifier) error {
	for _, id := range ids {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: id.Key}); err != nil {
			return err
		}
	}
	return nil
}

// queueAttributes are the AWS::SQS::Queue properties that are queue attributes. The KMS ones go to
// CreateQueue like the others, where the local cloud refuses a key (it has no KMS), so that a
// template asking for one fails to deploy saying so instead of deploying a queue without it.
var queueAttributes = []string{"VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize",
	"ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "RedriveAllowPolicy", "FifoQueue", "ContentBasedDeduplication",
	"DeduplicationScope", "FifoThroughputLimit", "SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"}

// generatedName is the name CloudFormation gives resource id of the stack when the template gives
// none, of at most max characters: a FIFO queue's or topic's ends in .fifo within them, as
// CreateQueue and CreateTopic require.
func (d *deployer) generatedName(id string, max int, fifo bool) string {
	if fifo {
		return cfnname.PhysicalName(d.asm.StackName, id, max-len(".fifo"), false) + ".fifo"
	}
	return cfnname.PhysicalName(d.asm.StackName, id, max, false)
}

func createQueue(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	name := str(props, "QueueName")
	fifo := str(props, "FifoQueue") == "true"
	if name == "" {
		name = d.generatedName(id, 80, fifo)
	}
	if err := d.claim("AWS::SQS::Queue", name); err != nil {
		return err
	}
	attrs := map[string]string{}
	for _, k := range queueAttributes {
		v, ok := props[k]
		if !ok || v == nil {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			// CloudFormation accepts the redrive policy as an object; the API wants JSON text.
			b, _ := json.Marshal(x)
			attrs[k] = string(b)
		default:
			s, err := scalar(x, k)
			if err != nil {
				return err
			}
			attrs[k] = s
		}
	}
	out, err := d.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		return fmt.Errorf("CreateQueue %s: %w", name, err)
	}
	url := aws.ToString(out.QueueUrl)
	arn := d.arn("sqs", name)
	d.created(id, "AWS::SQS::Queue", url, map[string]string{"Arn": arn, "QueueName": name, "QueueUrl": url},
		func(ctx context.Context) error {
			_, err := d.sqs.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
			return err
		})
	return nil
}

func createTopic(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	name := str(props, "TopicName")
	fifo := str(props, "FifoTopic") == "true"
	if name == "" {
		name = d.generatedName(id, 256, fifo)
	}
	if err := d.claim("AWS::SNS::Topic", name); err != nil {
		return err
	}
	// FifoTopic and ContentBasedDeduplication are topic attributes CreateTopic takes: CreateTopic
	// refuses a name ending in .fifo without FifoTopic true (local/sns), as SNS does.
	attrs := map[string]string{}
	for _, k := range []string{"FifoTopic", "ContentBasedDeduplication"} {
		if v := str(props, k); v != "" {
			attrs[k] = v
		}
	}
	out, err := d.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name), Attributes: attrs})
	if err != nil {
		return fmt.Errorf("CreateTopic %s: %w", name, err)
	}
	arn := aws.ToString(out.TopicArn)
	d.created(id, "AWS::SNS::Topic", arn, map[string]string{"TopicArn": arn, "TopicName": name},
		func(ctx context.Context) error {
			_, err := d.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)})
			return err
		})
	if subs, ok := props["Subscription"].([]any); ok {
		for i, s := range subs {
			m, _ := s.(map[string]any)
			m["TopicArn"] = arn
			if err := createSubscription(ctx, d, fmt.Sprintf("%s.Subscription[%d]", id, i), m, res); err != nil {
				return err
			}
		}
	}
	return nil
}

// subscriptionAttributes are the AWS::SNS::Subscription properties that are subscription attributes.
var subscriptionAttributes = []string{"RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "DeliveryPolicy"}

func createSubscription(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	attrs := map[string]string{}
	for _, k := range subscriptionAttributes {
		v, ok := props[k]
		if !ok || v == nil {
			continue
		}
		if m, isMap := v.(map[string]any); isMap {
			b, _ := json.Marshal(m)
			attrs[k] = string(b)
			continue
		}
		s, err := scalar(v, k)
		if err != nil {
			return err
		}
		attrs[k] = s
	}
	in := &sns.SubscribeInput{
		TopicArn: aws.String(str(props, "TopicArn")), Protocol: aws.String(str(props, "Protocol")),
		Endpoint: aws.String(str(props, "Endpoint")), ReturnSubscriptionArn: true,
	}
	if len(attrs) > 0 {
		in.Attributes = attrs
	}
	out, err := d.sns.Subscribe(ctx, in)
	if err != nil {
		return fmt.Errorf("Subscribe %s to %s: %w", aws.ToString(in.Endpoint), aws.ToString(in.TopicArn), err)
	}
	arn := aws.ToString(out.SubscriptionArn)
	d.created(id, "AWS::SNS::Subscription", arn, map[string]string{"Arn": arn}, func(ctx context.Context) error {
		_, err := d.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)})
		return err
	})
	return nil
}

func createTable(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	name := str(props, "TableName")
	if name == "" {
		name = cfnname.PhysicalName(d.asm.StackName, id, 255, false)
	}
	if err := d.claim("AWS::DynamoDB::Table", name); err != nil {
		return err
	}
	in := &dynamodb.CreateTableInput{TableName: aws.String(name)}
	if err := convert(props["KeySchema"], &in.KeySchema); err != nil {
		return fmt.Errorf("KeySchema: %w", err)
	}
	if err := convert(props["AttributeDefinitions"], &in.AttributeDefinitions); err != nil {
		return fmt.Errorf("AttributeDefinitions: %w", err)
	}
	if v, ok := props["GlobalSecondaryIndexes"]; ok {
		if err := convert(v, &in.GlobalSecondaryIndexes); err != nil {
			return fmt.Errorf("GlobalSecondaryIndexes: %w", err)
		}
	}
	if v, ok := props["LocalSecondaryIndexes"]; ok {
		if err := convert(v, &in.LocalSecondaryIndexes); err != nil {
			return fmt.Errorf("LocalSecondaryIndexes: %w", err)
		}
	}
	billing := str(props, "BillingMode")
	if billing == "PAY_PER_REQUEST" {
		in.BillingMode = ddbtypes.BillingModePayPerRequest
	} else {
		in.BillingMode = ddbtypes.BillingModeProvisioned
		in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
		if v, ok := props["ProvisionedThroughput"]; ok {
			var pt struct{ ReadCapacityUnits, WriteCapacityUnits json.Number }
			if err := convert(v, &pt); err != nil {
				return fmt.Errorf("ProvisionedThroughput: %w", err)
			}
			r, _ := pt.ReadCapacityUnits.Int64()
			w, _ := pt.WriteCapacityUnits.Int64()
			in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(r), WriteCapacityUnits: aws.Int64(w)}
		}
	}
	// Encryption as the template asks for it (SSEEnabled: a KMS key; else a key DynamoDB owns).
	if sse, ok := props["SSESpecification"].(map[string]any); ok && str(sse, "SSEEnabled") == "true" {
		in.SSESpecification = &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSEType(str(sse, "SSEType"))}
		if k := str(sse, "KMSMasterKeyId"); k != "" {
			in.SSESpecification.KMSMasterKeyId = aws.String(k)
		}
	}
	if _, err := d.ddb.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("CreateTable %s: %w", name, err)
	}
	if pitr, ok := props["PointInTimeRecoverySpecification"].(map[string]any); ok && str(pitr, "PointInTimeRecoveryEnabled") == "true" {
		spec := &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}
		days, set, err := intProp(pitr, "RecoveryPeriodInDays")
		if err != nil {
			return fmt.Errorf("PointInTimeRecoverySpecification: %w", err)
		}
		if set {
			spec.RecoveryPeriodInDays = aws.Int32(int32(days))
		}
		if _, err := d.ddb.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String(name),
			PointInTimeRecoverySpecification: spec}); err != nil {
			return fmt.Errorf("UpdateContinuousBackups %s: %w", name, err)
		}
	}
	if ttl, ok := props["TimeToLiveSpecification"].(map[string]any); ok && str(ttl, "Enabled") == "true" {
		if _, err := d.ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(str(ttl, "AttributeName")), Enabled: aws.Bool(true)}}); err != nil {
			return fmt.Errorf("UpdateTimeToLive %s: %w", name, err)
		}
	}
	arn := d.arn("dynamodb", "table/"+name)
	d.created(id, "AWS::DynamoDB::Table", name, map[string]string{"Arn": arn, "StreamArn": arn + "/stream/local"},
		func(ctx context.Context) error {
			_, err := d.ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
			return err
		})
	return nil
}

func createParameter(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	name := str(props, "Name")
	if name == "" {
		name = "CFN-" + cfnname.PhysicalName(d.asm.StackName, id, 1000, false)
	}
	if err := d.claim("AWS::SSM::Parameter", name); err != nil {
		return err
	}
	typ := str(props, "Type")
	if typ == "" {
		typ = "String"
	}
	in := &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(str(props, "Value")), Type: ssmtypes.ParameterType(typ)}
	if desc := str(props, "Description"); desc != "" {
		in.Description = aws.String(desc)
	}
	if _, err := d.ssm.PutParameter(ctx, in); err != nil {
		return fmt.Errorf("PutParameter %s: %w", name, err)
	}
	d.created(id, "AWS::SSM::Parameter", name, map[string]string{"Type": typ, "Value": str(props, "Value")},
		func(ctx context.Context) error {
			_, err := d.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)})
			return err
		})
	return nil
}

func createFunction(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	if d.opts.Lambda == nil {
		return fmt.Errorf("no local Lambda service")
	}
	if l, ok := props["Layers"].([]any); ok && len(l) > 0 {
		return fmt.Errorf("Layers: not supported locally")
	}
	name := str(props, "FunctionName")
	if name == "" {
		name = cfnname.PhysicalName(d.asm.StackName, id, 64, false)
	}
	if err := d.claim("AWS::Lambda::Function", name); err != nil {
		return err
	}
	// Lambda refuses a role it may not assume.
	if err := d.assumable("lambda.amazonaws.com", str(props, "Role")); err != nil {
		return fmt.Errorf("Role %s: InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda. (%v)", str(props, "Role"), err)
	}
	code, _ := props["Code"].(map[string]any)
	if _, inline := code["ZipFile"]; inline {
		return fmt.Errorf("Code.ZipFile: inline code cannot run locally (only OS-only runtimes with a bootstrap asset)")
	}
	dir, err := d.asm.CodeDir(id, res, str(code, "S3Key"), d.opts.ScratchDir)
	if err != nil {
		return err
	}
	f := lambda.Function{Name: name, Runtime: str(props, "Runtime"), Handler: str(props, "Handler"), CodeDir: dir, Role: str(props, "Role"),
		Environment: map[string]string{}}
	if a, ok := props["Architectures"].([]any); ok && len(a) > 0 {
		f.Architecture, _ = a[0].(string)
	}
	if n, ok, err := intProp(props, "MemorySize"); err != nil {
		return err
	} else if ok {
		f.MemoryMB = n
	}
	if n, ok, err := intProp(props, "Timeout"); err != nil {
		return err
	} else if ok {
		f.Timeout = time.Duration(n) * time.Second
	}
	if n, ok, err := intProp(props, "ReservedConcurrentExecutions"); err != nil {
		return err
	} else if ok {
		if n == 0 {
			return fmt.Errorf("ReservedConcurrentExecutions 0: the function could never run")
		}
		f.ReservedConcurrency = n
	}
	if env, ok := props["Environment"].(map[string]any); ok {
		vars, _ := env["Variables"].(map[string]any)
		for k, v := range vars {
			s, err := scalar(v, "Environment.Variables."+k)
			if err != nil {
				return err
			}
			f.Environment[k] = s
		}
	}
	if lc, ok := props["LoggingConfig"].(map[string]any); ok {
		f.LogGroup = str(lc, "LogGroup")
	}
	arn, err := d.opts.Lambda.CreateFunction(f)
	if err != nil {
		return err
	}
	d.created(id, "AWS::Lambda::Function", name, map[string]string{"Arn": arn}, func(ctx context.Context) error {
		return d.opts.Lambda.DeleteFunction(name)
	})
	return nil
}

func createMapping(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	if d.opts.ESM == nil {
		return fmt.Errorf("no local event source mapping service")
	}
	src := str(props, "EventSourceArn")
	if !strings.HasPrefix(src, "arn:aws:sqs:") {
		return fmt.Errorf("EventSourceArn %q: only SQS sources run locally", src)
	}
	if _, ok := props["FilterCriteria"]; ok {
		return fmt.Errorf("FilterCriteria: event filtering is not supported locally")
	}
	queueName := src[strings.LastIndex(src, ":")+1:]
	q, err := d.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queueName)})
	if err != nil {
		return fmt.Errorf("EventSourceArn %s: %w", src, err)
	}
	fn, err := mappingFunction(str(props, "FunctionName"))
	if err != nil {
		return err
	}
	role := d.functionRole(fn)
	if role == "" {
		return fmt.Errorf("FunctionName %s: ResourceNotFoundException: Function does not exist", fn)
	}
	// Lambda polls as the function's role, and refuses a mapping whose role may not.
	for _, action := range []string{"ReceiveMessage", "DeleteMessage", "GetQueueAttributes"} {
		if dec := d.authorize(role, "sqs:"+action, src); !dec.Allowed {
			return fmt.Errorf("InvalidParameterValueException: The provided execution role does not have permissions to call %s on SQS (%s)", action, dec.Reason)
		}
	}
	m := esm.Mapping{QueueURL: aws.ToString(q.QueueUrl), QueueARN: src, FunctionName: fn, Role: role}
	if n, ok, err := intProp(props, "BatchSize"); err != nil {
		return err
	} else if ok {
		m.BatchSize = n
	}
	if n, ok, err := intProp(props, "MaximumBatchingWindowInSeconds"); err != nil {
		return err
	} else if ok {
		m.BatchingWindow = time.Duration(n) * time.Second
	}
	if sc, ok := props["ScalingConfig"].(map[string]any); ok {
		if n, ok, err := intProp(sc, "MaximumConcurrency"); err != nil {
			return err
		} else if ok {
			m.MaximumConcurrency = n
		}
	}
	if types, ok := props["FunctionResponseTypes"].([]any); ok {
		for _, t := range types {
			if t == "ReportBatchItemFailures" {
				m.ReportBatchItemFailures = true
			}
		}
	}
	// Enabled false: made, listed and switched on by UpdateEventSourceMapping as in Lambda, but no
	// poller runs until then.
	m.Disabled = str(props, "Enabled") == "false"
	uuid, err := d.opts.ESM.Create(m)
	if err != nil {
		return err
	}
	d.created(id, "AWS::Lambda::EventSourceMapping", uuid, map[string]string{"Id": uuid}, func(ctx context.Context) error {
		return d.opts.ESM.Delete(uuid)
	})
	return nil
}

// createBucketNotifications does what the CDK's BucketNotificationsHandler does in AWS:
// PutBucketNotificationConfiguration with the resource's NotificationConfiguration.
func createBucketNotifications(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	bucket := str(props, "BucketName")
	if err := putNotifications(ctx, d, bucket, props["NotificationConfiguration"]); err != nil {
		return err
	}
	d.created(id, "Custom::S3BucketNotifications", bucket+"-notifications", nil, func(ctx context.Context) error {
		_, err := d.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
			Bucket: aws.String(bucket), NotificationConfiguration: &s3types.NotificationConfiguration{}})
		return err
	})
	return nil
}

func putNotifications(ctx context.Context, d *deployer, bucket string, cfg any) error {
	var nc s3types.NotificationConfiguration
	if err := convert(cfg, &nc); err != nil {
		return fmt.Errorf("NotificationConfiguration: %w", err)
	}
	if len(nc.LambdaFunctionConfigurations) > 0 {
		return fmt.Errorf("NotificationConfiguration.LambdaFunctionConfigurations: S3 → Lambda notifications are not supported locally")
	}
	if _, err := d.s3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String(bucket), NotificationConfiguration: &nc, SkipDestinationValidation: aws.Bool(false),
	}); err != nil {
		return fmt.Errorf("PutBucketNotificationConfiguration %s: %w", bucket, err)
	}
	return nil
}

func createDashboard(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	name := str(props, "DashboardName")
	if name == "" {
		name = cfnname.PhysicalName(d.asm.StackName, id, 255, false)
	}
	body := str(props, "DashboardBody")
	if err := d.claim("AWS::CloudWatch::Dashboard", name); err != nil {
		return err
	}
	if _, err := d.cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String(name), DashboardBody: aws.String(body)}); err != nil {
		return fmt.Errorf("PutDashboard %s: %w", name, err)
	}
	d.created(id, "AWS::CloudWatch::Dashboard", name, nil, func(ctx context.Context) error {
		_, err := d.cw.DeleteDashboards(ctx, &cloudwatch.DeleteDashboardsInput{DashboardNames: []string{name}})
		return err
	})
	return nil
}

func createStateMachine(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	if d.opts.StateMachines == nil {
		return fmt.Errorf("no local Step Functions")
	}
	name := str(props, "StateMachineName")
	if name == "" {
		name = cfnname.PhysicalName(d.asm.StackName, id, 80, false)
	}
	def := str(props, "DefinitionString")
	if obj, ok := props["Definition"]; ok && def == "" {
		b, err := json.Marshal(obj)
		if err != nil {
			return fmt.Errorf("Definition: %w", err)
		}
		def = string(b)
	}
	if subs, ok := props["DefinitionSubstitutions"].(map[string]any); ok {
		for k, v := range subs {
			s, err := scalar(v, "DefinitionSubstitutions."+k)
			if err != nil {
				return err
			}
			def = strings.ReplaceAll(def, "${"+k+"}", s)
		}
	}
	if def == "" {
		return fmt.Errorf("DefinitionString: empty")
	}
	arn := d.arn("states", "stateMachine:"+name)
	// Step Functions refuses a role it may not assume.
	if role := str(props, "RoleArn"); role == "" {
		return fmt.Errorf("RoleArn: required")
	} else if err := d.assumable("states.amazonaws.com", role); err != nil {
		return fmt.Errorf("RoleArn %s: AccessDeniedException: Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role. (%v)", role, err)
	}
	if err := d.claim("AWS::StepFunctions::StateMachine", name); err != nil {
		return err
	}
	if err := d.opts.StateMachines.CreateStateMachine(name, arn, def, str(props, "RoleArn")); err != nil {
		return err
	}
	d.created(id, "AWS::StepFunctions::StateMachine", arn, map[string]string{"Arn": arn, "Name": name},
		func(ctx context.Context) error { return d.opts.StateMachines.DeleteStateMachine(arn) })
	return nil
}

func createRule(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	if d.opts.StateMachines == nil {
		return fmt.Errorf("no local Step Functions for the rule's targets")
	}
	name := str(props, "Name")
	if name == "" {
		name = cfnname.PhysicalName(d.asm.StackName, id, 64, false)
	}
	if bus := str(props, "EventBusName"); bus != "" && bus != "default" {
		return fmt.Errorf("EventBusName %q: only the default bus exists locally", bus)
	}
	if str(props, "ScheduleExpression") != "" {
		return fmt.Errorf("ScheduleExpression: scheduled rules are not supported locally")
	}
	if err := d.claim("AWS::Events::Rule", name); err != nil {
		return err
	}
	pattern, err := json.Marshal(props["EventPattern"])
	if err != nil {
		return fmt.Errorf("EventPattern: %w", err)
	}
	rule := Rule{Name: name, Arn: "arn:aws:events:" + d.ctx.Region + ":" + d.opts.AccountID + ":rule/" + name,
		EventPattern: pattern, Enabled: str(props, "State") != "DISABLED"}
	targets, _ := props["Targets"].([]any)
	for i, t := range targets {
		tm, _ := t.(map[string]any)
		rt := RuleTarget{ID: str(tm, "Id"), Arn: str(tm, "Arn"), RoleArn: str(tm, "RoleArn"), Input: str(tm, "Input"), InputPath: str(tm, "InputPath")}
		if !strings.HasPrefix(rt.Arn, "arn:aws:states:") {
			return fmt.Errorf("Targets[%d].Arn %q: only state machine targets run locally", i, rt.Arn)
		}
		if rt.RoleArn == "" { // EventBridge starts an execution only with a role
			return fmt.Errorf("Targets[%d].RoleArn: ValidationException: RoleArn is required for target %s", i, rt.Arn)
		}
		if it, ok := tm["InputTransformer"].(map[string]any); ok {
			rt.InputTransformer = &InputTransformer{InputPathsMap: map[string]string{}, InputTemplate: str(it, "InputTemplate")}
			paths, _ := it["InputPathsMap"].(map[string]any)
			for k, v := range paths {
				rt.InputTransformer.InputPathsMap[k] = str(map[string]any{k: v}, k)
			}
		}
		rule.Targets = append(rule.Targets, rt)
	}
	if err := d.opts.StateMachines.AddRule(rule); err != nil {
		return err
	}
	d.created(id, "AWS::Events::Rule", name, map[string]string{"Arn": rule.Arn}, func(ctx context.Context) error {
		return d.opts.StateMachines.RemoveRule(name)
	})
	return nil
}

// functionRole is the execution role of the function named fn (this stack's or another's), "" if
// unknown.
func (d *deployer) functionRole(fn string) string {
	if d.opts.Lambda == nil {
		return ""
	}
	for _, f := range d.opts.Lambda.Functions() {
		if f.Name == fn {
			return f.Role
		}
	}
	return ""
}

// createAlarm puts an AWS::CloudWatch::Alarm in the local CloudWatch (Options.Alarms), as
// PutMetricAlarm would: one metric, or metric math (Metrics; a query without ReturnData returns
// its data, as in CloudFormation).
func createAlarm(ctx context.Context, d *deployer, id string, props map[string]any, res Resource) error {
	if d.opts.Alarms == nil {
		return fmt.Errorf("no local CloudWatch alarms")
	}
	if str(props, "ThresholdMetricId") != "" {
		return fmt.Errorf("ThresholdMetricId: anomaly detection alarms are not supported locally")
	}
	name := str(props, "AlarmName")
	if name == "" {
		name = cfnname.PhysicalName(d.asm.StackName, id, 255, false)
	}
	a := localcw.Alarm{
		Name: name, Description: str(props, "AlarmDescription"),
		Namespace: str(props, "Namespace"), MetricName: str(props, "MetricName"),
		Statistic: str(props, "Statistic"), ExtendedStatistic: str(props, "ExtendedStatistic"), Unit: str(props, "Unit"),
		ComparisonOperator: str(props, "ComparisonOperator"), TreatMissingData: str(props, "TreatMissingData"),
		EvaluateLowSampleCountPercentile: str(props, "EvaluateLowSampleCountPercentile"),
	}
	if v, ok := props["ActionsEnabled"]; ok {
		s, err := scalar(v, "ActionsEnabled")
		if err != nil {
			return err
		}
		enabled := s == "true"
		a.ActionsEnabled = &enabled
	}
	var err error
	for key, dst := range map[string]*[]string{"AlarmActions": &a.AlarmActions, "OKActions": &a.OKActions, "InsufficientDataActions": &a.InsufficientDataActions} {
		if *dst, err = stringList(props, key); err != nil {
			return err
		}
	}
	if a.Dimensions, err = dimensions(props["Dimensions"], "Dimensions"); err != nil {
		return err
	}
	seconds := func(m map[string]any, key string) (time.Duration, error) {
		n, _, err := intProp(m, key)
		return time.Duration(n) * time.Second, err
	}
	if a.Period, err = seconds(props, "Period"); err != nil {
		return err
	}
	if a.EvaluationPeriods, _, err = intProp(props, "EvaluationPeriods"); err != nil {
		return err
	}
	if a.DatapointsToAlarm, _, err = intProp(props, "DatapointsToAlarm"); err != nil {
		return err
	}
	if v, ok := props["Threshold"]; ok {
		s, err := scalar(v, "Threshold")
		if err != nil {
			return err
		}
		if a.Threshold, err = strconv.ParseFloat(s, 64); err != nil {
			return fmt.Errorf("Threshold: %q is not a number", s)
		}
	}
	metrics, _ := props["Metrics"].([]any)
	for i, m := range metrics {
		mm, _ := m.(map[string]any)
		field := fmt.Sprintf("Metrics[%d]", i)
		q := localcw.Query{ID: str(mm, "Id"), Label: str(mm, "Label"), Expression: str(mm, "Expression"), ReturnData: true}
		if v, ok := mm["ReturnData"]; ok {
			s, err := scalar(v, field+".ReturnData")
			if err != nil {
				return err
			}
			q.ReturnData = s == "true"
		}
		if q.Period, err = seconds(mm, "Period"); err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		if acct := str(mm, "AccountId"); acct != "" && acct != d.opts.AccountID {
			return fmt.Errorf("%s.AccountId %s: cross-account metrics are not supported locally", field, acct)
		}
		if ms, ok := mm["MetricStat"].(map[string]any); ok {
			metric, _ := ms["Metric"].(map[string]any)
			stat := &localcw.MetricStat{Namespace: str(metric, "Namespace"), Name: str(metric, "MetricName"), Stat: str(ms, "Stat"), Unit: str(ms, "Unit")}
			if stat.Dimensions, err = dimensions(metric["Dimensions"], field+".MetricStat.Metric.Dimensions"); err != nil {
				return err
			}
			if stat.Period, err = seconds(ms, "Period"); err != nil {
				return fmt.Errorf("%s.MetricStat: %w", field, err)
			}
			q.MetricStat = stat
		}
		a.Metrics = append(a.Metrics, q)
	}
	if err := d.claim("AWS::CloudWatch::Alarm", name); err != nil {
		return err
	}
	if err := d.opts.Alarms.PutAlarm(a); err != nil {
		return fmt.Errorf("PutMetricAlarm %s: %w", name, err)
	}
	d.created(id, "AWS::CloudWatch::Alarm", name, map[string]string{"Arn": d.arn("cloudwatch", "alarm:"+name)},
		func(ctx context.Context) error { return d.opts.Alarms.DeleteAlarms(name) })
	return nil
}

// stringList reads a list of strings property (nil when absent).
func stringList(props map[string]any, key string) ([]string, error) {
	v, ok := props[key]
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list", key)
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		s, err := scalar(e, fmt.Sprintf("%s[%d]", key, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// dimensions reads CloudFormation's [{Name, Value}] dimensions.
func dimensions(v any, field string) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list of {Name, Value}", field)
	}
	out := map[string]string{}
	for i, e := range l {
		m, _ := e.(map[string]any)
		name, value := str(m, "Name"), str(m, "Value")
		if name == "" {
			return nil, fmt.Errorf("%s[%d]: no Name", field, i)
		}
		out[name] = value
	}
	return out, nil
}

// mappingFunction is the name of the function an event source mapping's FunctionName names (a
// name or an ARN, full or partial, as Lambda reads it). A qualifier other than $LATEST names a
// version or an alias, which the local cloud never publishes: refused as Lambda refuses a missing
// one, where it ran $LATEST before.
func mappingFunction(ref string) (string, error) {
	r, ok := lambdaname.Parse(ref)
	if !ok || len(ref) > lambdaname.MaxLen {
		return "", fmt.Errorf("FunctionName %q: not a function name or ARN (%s)", ref, lambdaname.Pattern)
	}
	if r.Qualifier != "" && r.Qualifier != "$LATEST" {
		return "", fmt.Errorf("FunctionName %s: ResourceNotFoundException: Function does not exist (version or alias %s: the local cloud publishes none)", ref, r.Qualifier)
	}
	return r.Name, nil
}
