package sqs_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	localsqs "github.com/chaoslab/serverless-chaos-lab/local/sqs"
)

// On fauxqs, which has no message move tasks: the error queue's messages go back to the queue they
// were dead-lettered from (body and attributes), the task completes, and ListMessageMoveTasks says
// what it moved; a queue that is no dead-letter queue, a missing one, a second running task and a
// rate over 500 are refused as SQS refuses them; a task moving one message a second is cancelled
// halfway and keeps what it moved.
func TestMessageMoveTasksOnTheEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := onTheEmulator(ctx, t, localsqs.NewMoveTasks(ctx).Interceptor)
	queue := func(name string, attrs map[string]string) (url, arn string) {
		t.Helper()
		q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(q.QueueUrl), a.Attributes["QueueArn"]
	}
	dlqURL, dlq := queue("errors", nil)
	workURL, _ := queue("work", map[string]string{"VisibilityTimeout": "1",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":1}`, dlq)})
	otherURL, other := queue("other", nil)
	for i := 1; i <= 4; i++ {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(dlqURL), MessageBody: aws.String(fmt.Sprintf("doc %d", i)),
			MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String(fmt.Sprint(i))}}}); err != nil {
			t.Fatal(err)
		}
	}
	code := func(err error) string {
		var ae smithy.APIError
		if err == nil {
			return ""
		}
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return err.Error()
	}
	for _, tc := range []struct {
		name string
		in   sqs.StartMessageMoveTaskInput
		want string
	}{
		{"a queue that is nobody's dead-letter queue", sqs.StartMessageMoveTaskInput{SourceArn: aws.String(other)}, "InvalidParameterValue"},
		{"a queue that does not exist", sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq + "-gone")}, "ResourceNotFoundException"},
		{"a rate over 500", sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq), MaxNumberOfMessagesPerSecond: aws.Int32(501)}, "InvalidParameterValue"},
	} {
		if _, err := c.StartMessageMoveTask(ctx, &tc.in); code(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}

	// Back to the source queue, attributes and all.
	if _, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq)}); err != nil {
		t.Fatal(err)
	}
	task := waitForTask(ctx, t, c, dlq, "COMPLETED")
	if task.ApproximateNumberOfMessagesMoved != 4 || aws.ToInt64(task.ApproximateNumberOfMessagesToMove) != 4 || task.TaskHandle != nil {
		t.Errorf("completed task: moved %d of %d, handle %v; want 4 of 4 and no handle", task.ApproximateNumberOfMessagesMoved,
			aws.ToInt64(task.ApproximateNumberOfMessagesToMove), task.TaskHandle)
	}
	var got []string
	for deadline := time.Now().Add(10 * time.Second); len(got) < 4 && time.Now().Before(deadline); {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(workURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"}, VisibilityTimeout: 60})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			got = append(got, aws.ToString(m.Body)+"/"+aws.ToString(m.MessageAttributes["n"].StringValue))
		}
	}
	sort.Strings(got)
	if strings.Join(got, " ") != "doc 1/1 doc 2/2 doc 3/3 doc 4/4" {
		t.Errorf("the source queue received %q, want the four documents with their attributes", got)
	}
	if n := visible(ctx, t, c, dlqURL); n != 0 {
		t.Errorf("%d messages left in the dead-letter queue, want 0", n)
	}

	// To a queue of the user's choice, one a second, cancelled after the first.
	for i := 1; i <= 5; i++ {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(dlqURL), MessageBody: aws.String(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	start, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq), DestinationArn: aws.String(other), MaxNumberOfMessagesPerSecond: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq)}); code(err) != "InvalidParameterValue" {
		t.Errorf("a second task while one runs: %v, want InvalidParameterValue", err)
	}
	running := waitForTask(ctx, t, c, dlq, "RUNNING")
	if aws.ToString(running.TaskHandle) != aws.ToString(start.TaskHandle) || aws.ToString(running.DestinationArn) != other || aws.ToInt32(running.MaxNumberOfMessagesPerSecond) != 1 {
		t.Errorf("running task = %+v", running)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := c.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: start.TaskHandle}); err != nil {
		t.Fatal(err)
	}
	cancelled := waitForTask(ctx, t, c, dlq, "CANCELLED")
	moved := cancelled.ApproximateNumberOfMessagesMoved
	if moved < 1 || moved > 3 {
		t.Errorf("cancelled after 1.5 s at one a second: moved %d, want 1 to 3", moved)
	}
	if n := visible(ctx, t, c, otherURL); int64(n) != moved {
		t.Errorf("the destination holds %d, the task says it moved %d", n, moved)
	}
	if _, err := c.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: start.TaskHandle}); code(err) != "InvalidParameterValue" {
		t.Errorf("cancelling a cancelled task: %v, want InvalidParameterValue", err)
	}
	list, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlq), MaxResults: aws.Int32(10)})
	if err != nil || len(list.Results) != 2 || aws.ToString(list.Results[0].Status) != "CANCELLED" || aws.ToString(list.Results[1].Status) != "COMPLETED" {
		t.Errorf("ListMessageMoveTasks = %+v, %v; want the cancelled task, then the completed one", list, err)
	}

}

func visible(ctx context.Context, t *testing.T, c *sqs.Client, url string) int {
	t.Helper()
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(a.Attributes["ApproximateNumberOfMessages"], &n)
	return n
}

// waitForTask waits for the newest task of source to have status.
func waitForTask(ctx context.Context, t *testing.T, c *sqs.Client, source, status string) types.ListMessageMoveTasksResultEntry {
	t.Helper()
	var last types.ListMessageMoveTasksResultEntry
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(source)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Results) == 1 {
			if last = out.Results[0]; aws.ToString(last.Status) == status {
				return last
			}
		}
	}
	t.Fatalf("the task of %s is %s, want %s", source, aws.ToString(last.Status), status)
	return last
}
