package sqs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	localsqs "github.com/chaoslab/serverless-chaos-lab/local/sqs"
)

// A queue is purged at most once a minute, as SQS allows: a second purge within it is
// PurgeQueueInProgress, and purges nothing; another queue, or the same one a minute later, purges.
func TestPurgeQueueOnceAMinute(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC).UnixNano())
	purges := localsqs.NewPurges(func() time.Time { return time.Unix(0, clock.Load()) })
	c := onTheEmulator(ctx, t, purges.Interceptor)
	a, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("purged")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("other")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: a.QueueUrl}); err != nil {
		t.Fatalf("first purge: %v", err)
	}
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: a.QueueUrl, MessageBody: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	clock.Add(int64(59 * time.Second))
	var inProgress *types.PurgeQueueInProgress
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: a.QueueUrl}); !errors.As(err, &inProgress) {
		t.Errorf("a purge 59 s after the last: %v, want PurgeQueueInProgress", err)
	}
	got, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: a.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil || got.Attributes["ApproximateNumberOfMessages"] != "1" {
		t.Errorf("after the refused purge: %v, %v; want its message kept", got, err)
	}
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: b.QueueUrl}); err != nil {
		t.Errorf("another queue's purge: %v", err)
	}
	clock.Add(int64(time.Second))
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: a.QueueUrl}); err != nil {
		t.Errorf("a purge 60 s after the last: %v", err)
	}
}
