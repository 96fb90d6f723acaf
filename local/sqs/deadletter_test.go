package sqs_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	localsqs "github.com/chaoslab/serverless-chaos-lab/local/sqs"
)

// On fauxqs, which answered InvalidAction: the queues whose redrive policy names a dead-letter
// queue are its sources, the others' are not; the SDK's paginator pages them one at a time; a
// dead-letter queue that does not exist is NonExistentQueue.
func TestListDeadLetterSourceQueuesOnTheEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := onTheEmulator(ctx, t, localsqs.ListDeadLetterSourceQueues)
	create := func(name string, attrs map[string]string) string {
		t.Helper()
		q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(q.QueueUrl)
	}
	arnOf := func(url string) string {
		t.Helper()
		out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes["QueueArn"]
	}
	dlq, other := create("errors", nil), create("other-dlq", nil)
	redrive := func(target string) map[string]string {
		return map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + arnOf(target) + `","maxReceiveCount":"3"}`}
	}
	want := []string{create("work-b", redrive(dlq)), create("work-a", redrive(dlq))}
	slices.Sort(want)
	create("elsewhere", redrive(other))
	create("plain", nil)

	all, err := c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq)})
	if err != nil || !slices.Equal(all.QueueUrls, want) || all.NextToken != nil {
		t.Errorf("sources of %s = %+v, %v; want %v and no token", dlq, all, err, want)
	}
	var got []string
	pages := 0
	for p := sqs.NewListDeadLetterSourceQueuesPaginator(c, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq), MaxResults: aws.Int32(1)}); p.HasMorePages(); pages++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.QueueUrls...)
	}
	if !slices.Equal(got, want) || pages != 2 {
		t.Errorf("paged by 1 in %d pages: %v, want %v in 2", pages, got, want)
	}
	none, err := c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(want[0])})
	if err != nil || len(none.QueueUrls) != 0 {
		t.Errorf("sources of a queue no policy names = %+v, %v; want none", none, err)
	}
	var apiErr smithy.APIError
	_, err = c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq + "-missing")})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "QueueDoesNotExist" && apiErr.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("a dead-letter queue that does not exist: %v, want NonExistentQueue", err)
	}
	_, err = c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq), MaxResults: aws.Int32(1001)})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("MaxResults 1001: %v, want InvalidParameterValue", err)
	}
}
