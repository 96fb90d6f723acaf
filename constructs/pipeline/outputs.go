package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// AddOutputs writes the pipeline's stack outputs of docs/contracts.md §1, the names the drivers
// (publisher, subscriber, chaoslab) and the experiments read from `cdk deploy --outputs-file`:
// Scenario, BucketName, the queues' URLs and names, TopicArn, TopicName, TableName, FunctionName,
// FaultParameterName and FailureCacheTTL. They are created at the stack's scope, so their logical ids are exactly those
// ids (no path hash), which is what the outputs file and the local cloud key on: one pipeline's
// per stack (a second call in one stack fails synth, its ids taken). The lab's app calls it, with
// the dashboard's and the experiment's AddOutputs.
func (p *Pipeline) AddOutputs() {
	s := awscdk.Stack_Of(p.Construct)
	output := func(id string, value *string, description string) {
		awscdk.NewCfnOutput(s, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	output("Scenario", jsii.String(p.Scenario.Name), "Scenario this stack was synthesized with (flawed or resilient)")
	output("BucketName", p.Bucket.BucketName(), "Bucket: publish input/<name>.json; the function writes output/<name>.json.csv")
	output("JsonQueueUrl", p.JsonQueue.QueueUrl(), "JSON work queue (input/*.json notifications)")
	output("JsonQueueName", p.JsonQueue.QueueName(), "JSON work queue name (CloudWatch dimension)")
	output("CsvQueueUrl", p.CsvQueue.QueueUrl(), "CSV queue (SNS envelopes of output/*.csv notifications); the subscriber drains it")
	output("CsvQueueName", p.CsvQueue.QueueName(), "CSV queue name (CloudWatch dimension)")
	output("ErrorQueueUrl", p.ErrorQueue.QueueUrl(), "Error queue: the JSON queue's DLQ and the resilient function's poison-document queue")
	output("ErrorQueueName", p.ErrorQueue.QueueName(), "Error queue name (CloudWatch dimension)")
	output("TopicArn", p.Topic.TopicArn(), "CSV notification topic")
	output("TopicName", p.Topic.TopicName(), "CSV notification topic name (CloudWatch dimension)")
	output("TableName", p.Table.TableName(), "DynamoDB table (symbol / entryType)")
	output("FunctionName", p.Function.FunctionName(), "ETL function")
	output("FaultParameterName", p.FaultParameter.ParameterName(), "SSM parameter holding the failure-injection config")
	output("FailureCacheTTL", jsii.String(p.FailureCacheTTL.String()), "How long the function caches the failure-injection config (FAILURE_CACHE_TTL): a written fault is in force everywhere after it")
}
