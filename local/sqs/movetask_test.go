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
	queue := func(name string, attrs map[string]string) (url, arn string) { return makeQueue(ctx, t, c, name, attrs) }
	dlqURL, dlq := queue("errors", nil)
	workURL, _ := queue("work", map[string]string{"VisibilityTimeout": "1",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":1}`, dlq)})
	otherURL, other := queue("other", nil)
	// Four documents dead-lettered as a pipeline's are: received once (maxReceiveCount 1), not
	// deleted, and moved to the dead-letter queue by the next receive after their visibility timeout.
	for i := 1; i <= 4; i++ {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(workURL), MessageBody: aws.String(fmt.Sprintf("doc %d", i)),
			MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String(fmt.Sprint(i))}}}); err != nil {
			t.Fatal(err)
		}
	}
	for seen := 0; seen < 4; {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(workURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		seen += len(out.Messages)
	}
	for deadline := time.Now().Add(15 * time.Second); inQueue(ctx, t, c, dlqURL) < 4; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 4 messages dead-lettered", inQueue(ctx, t, c, dlqURL))
		}
		time.Sleep(1100 * time.Millisecond)
		c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(workURL), MaxNumberOfMessages: 10}) // past maxReceiveCount: moves them
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
	if n := inQueue(ctx, t, c, dlqURL); n != 0 {
		t.Errorf("%d messages left in the dead-letter queue (visible or not), want 0", n)
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
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"cancel with a handle that is none", func() error {
			_, err := c.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String("not-a-handle")})
			return err
		}(), "InvalidParameterValue"},
		{"list of a queue that does not exist", func() error {
			_, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlq + "-gone")})
			return err
		}(), "ResourceNotFoundException"},
	} {
		if code(tc.err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.want)
		}
	}

	// A second queue dead-letters into the same queue: without DestinationArn a message's source
	// cannot be told (the emulator does not say it), and the task fails without hiding any.
	queue("work-2", map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":1}`, dlq)})
	if _, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq)}); err != nil {
		t.Fatal(err)
	}
	if failed := waitForTask(ctx, t, c, dlq, "FAILED"); aws.ToString(failed.FailureReason) != "CouldNotDetermineMessageSource" {
		t.Errorf("FailureReason %q, want CouldNotDetermineMessageSource", aws.ToString(failed.FailureReason))
	}
	if n := visible(ctx, t, c, dlqURL); n != 5-int(moved) {
		t.Errorf("%d visible in the dead-letter queue after the failed task, want %d (none hidden)", n, 5-moved)
	}
}

// A dead-letter queue someone looked at (a receive whose visibility timeout ran out, and no
// receive since): its message counts as visible again, as SQS counts it, and a move task moves
// it. The emulator moved it back only at the next receive, so the counts said 0 visible and 1 in
// flight for as long as nobody received, and the task, sized by them, moved nothing.
func TestMessageMoveTaskAfterALook(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := onTheEmulator(ctx, t, localsqs.NewMoveTasks(ctx).Interceptor)
	dlqURL, dlq := makeQueue(ctx, t, c, "errors", nil)
	workURL, work := makeQueue(ctx, t, c, "work", map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":5}`, dlq)})
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(dlqURL), MessageBody: aws.String("looked at")}); err != nil {
		t.Fatal(err)
	}
	// A short poll: a long one leaves the emulator moving timed-out messages back for a while.
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL), VisibilityTimeout: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("the look: %+v, %v", out, err)
	}
	time.Sleep(1500 * time.Millisecond)
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlqURL),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	if v, nv := a.Attributes["ApproximateNumberOfMessages"], a.Attributes["ApproximateNumberOfMessagesNotVisible"]; v != "1" || nv != "0" {
		t.Errorf("after its visibility timeout: %s visible, %s not visible; want 1 and 0", v, nv)
	}
	if _, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq), DestinationArn: aws.String(work)}); err != nil {
		t.Fatal(err)
	}
	if task := waitForTask(ctx, t, c, dlq, "COMPLETED"); task.ApproximateNumberOfMessagesMoved != 1 {
		t.Errorf("moved %d, want the message looked at", task.ApproximateNumberOfMessagesMoved)
	}
	if n := visible(ctx, t, c, workURL); n != 1 {
		t.Errorf("the source queue holds %d visible, want 1", n)
	}
}

// A cancel while messages move as fast as they can: the task ends CANCELLED, each message is in
// exactly one of the two queues (none lost, none copied), and the ones it had received but not
// moved are back in the source at once, not after a visibility timeout.
func TestMessageMoveTaskCancelledMidway(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := onTheEmulator(ctx, t, localsqs.NewMoveTasks(ctx).Interceptor)
	mk := func(name string, attrs map[string]string) (url, arn string) { return makeQueue(ctx, t, c, name, attrs) }
	dlqURL, dlq := mk("errors", nil)
	mk("work", map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":1}`, dlq)})
	outURL, out := mk("out", nil)
	const n = 300
	for i := 0; i < n; i += 10 {
		var entries []types.SendMessageBatchRequestEntry
		for j := i; j < i+10; j++ {
			entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(j)), MessageBody: aws.String(fmt.Sprint(j))})
		}
		if _, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(dlqURL), Entries: entries}); err != nil {
			t.Fatal(err)
		}
	}
	start, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq), DestinationArn: aws.String(out)})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); visible(ctx, t, c, outURL) < 20 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	if _, err := c.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: start.TaskHandle}); err != nil {
		t.Fatalf("cancel: %v (did the task end before it? 300 messages should take longer than 20)", err)
	}
	task := waitForTask(ctx, t, c, dlq, "CANCELLED")
	left, moved := inQueue(ctx, t, c, dlqURL), visible(ctx, t, c, outURL)
	if left+moved != n || int64(moved) != task.ApproximateNumberOfMessagesMoved {
		t.Errorf("after the cancel: %d in the source, %d in the destination, the task says %d moved; want %d in all, the destination's count the task's",
			left, moved, task.ApproximateNumberOfMessagesMoved, n)
	}
	if v := visible(ctx, t, c, dlqURL); v != left {
		t.Errorf("%d of the source's %d visible: the messages received but not moved must be visible again at once", v, left)
	}
	t.Logf("cancelled after %d of %d", moved, n)

}

// makeQueue creates a queue and gives its URL and ARN.
func makeQueue(ctx context.Context, t *testing.T, c *sqs.Client, name string, attrs map[string]string) (url, arn string) {
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

// inQueue is a queue's messages, visible or not.
func inQueue(ctx context.Context, t *testing.T, c *sqs.Client, url string) int {
	t.Helper()
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	var v, nv int
	fmt.Sscan(a.Attributes["ApproximateNumberOfMessages"], &v)
	fmt.Sscan(a.Attributes["ApproximateNumberOfMessagesNotVisible"], &nv)
	return v + nv
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
