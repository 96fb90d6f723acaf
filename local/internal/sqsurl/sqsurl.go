// Package sqsurl turns SQS queue ARNs into queue URLs for the local cloud's own deliveries (S3
// event notifications, SNS subscriptions), which name their queues by ARN: GetQueueUrl once per
// ARN, then remembered (a queue's URL follows from its name, so a queue deleted and made again
// has the same one).
package sqsurl

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Getter is the SQS call a Cache makes.
type Getter interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
}

// Name is the queue name of an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>); false for
// anything else.
func Name(arn string) (string, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[5] == "" {
		return "", false
	}
	return parts[5], true
}

// Cache remembers the URL of each queue ARN it was asked for. Safe for concurrent use.
type Cache struct {
	sqs  Getter
	mu   sync.RWMutex
	urls map[string]string
}

// New returns a Cache that asks q.
func New(q Getter) *Cache { return &Cache{sqs: q, urls: map[string]string{}} }

// URL is the URL of the queue arn names, asked of SQS the first time. An ARN that is not a queue's
// is an error; so is one SQS does not know (not remembered: the queue may be made later).
func (c *Cache) URL(ctx context.Context, arn string) (string, error) {
	c.mu.RLock()
	u, ok := c.urls[arn]
	c.mu.RUnlock()
	if ok {
		return u, nil
	}
	name, ok := Name(arn)
	if !ok {
		return "", &NotQueueError{ARN: arn}
	}
	out, err := c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return "", err
	}
	u = aws.ToString(out.QueueUrl)
	c.mu.Lock()
	c.urls[arn] = u
	c.mu.Unlock()
	return u, nil
}

// NotQueueError is URL's error for an ARN that is not an SQS queue's.
type NotQueueError struct{ ARN string }

func (e *NotQueueError) Error() string { return e.ARN + " is not an SQS queue ARN" }
