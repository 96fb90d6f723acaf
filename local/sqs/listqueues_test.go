package sqs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	localsqs "github.com/chaoslab/serverless-chaos-lab/local/sqs"
)

// On fauxqs, which cut ListQueues at MaxResults with no NextToken: the SDK's paginator, a page of
// two at a time, lists every queue of the prefix once, in order, and a queue deleted between two
// pages does not make the next one repeat or skip another.
func TestListQueuesPagesOnTheEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := onTheEmulator(ctx, t, localsqs.ListQueues)
	var want []string
	for _, name := range []string{"page-e", "page-a", "page-c", "other", "page-b", "page-d"} {
		q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if name != "other" {
			want = append(want, aws.ToString(q.QueueUrl))
		}
	}
	slices.Sort(want)

	var got []string
	pages := 0
	for p := sqs.NewListQueuesPaginator(c, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("page-"), MaxResults: aws.Int32(2)}); p.HasMorePages(); pages++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.QueueUrls...)
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("paged by 2 in %d pages: %v, want %v in 3", pages, got, want)
	}

	// A deletion between pages: the next page starts after the last queue answered.
	first, err := c.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("page-"), MaxResults: aws.Int32(2)})
	if err != nil || len(first.QueueUrls) != 2 || first.NextToken == nil {
		t.Fatalf("first page = %+v, %v", first, err)
	}
	if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(first.QueueUrls[1])}); err != nil {
		t.Fatal(err)
	}
	next, err := c.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("page-"), MaxResults: aws.Int32(10), NextToken: first.NextToken})
	if err != nil || !slices.Equal(next.QueueUrls, want[2:]) || next.NextToken != nil {
		t.Errorf("the page after a deletion = %+v, %v; want %v and no token", next, err, want[2:])
	}

	// Without MaxResults or a token, every queue at once, as before.
	all, err := c.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil || len(all.QueueUrls) != 5 || all.NextToken != nil {
		t.Errorf("ListQueues = %+v, %v; want the 5 queues left", all, err)
	}

	for _, bad := range []*sqs.ListQueuesInput{
		{MaxResults: aws.Int32(0)},
		{MaxResults: aws.Int32(1001)},
		{QueueNamePrefix: aws.String("other"), MaxResults: aws.Int32(2), NextToken: first.NextToken}, // another prefix's token
		{MaxResults: aws.Int32(2), NextToken: aws.String("not-a-token")},
	} {
		_, err := c.ListQueues(ctx, bad)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" {
			t.Errorf("ListQueues(%s): %v, want InvalidParameterValue", describe(bad), err)
		}
	}
}

func describe(in *sqs.ListQueuesInput) string {
	return fmt.Sprintf("prefix %q, MaxResults %v, NextToken %q", aws.ToString(in.QueueNamePrefix), aws.ToInt32(in.MaxResults), aws.ToString(in.NextToken))
}
