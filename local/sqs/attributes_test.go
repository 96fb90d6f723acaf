package sqs_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	localsqs "github.com/chaoslab/serverless-chaos-lab/local/sqs"
)

// On fauxqs, which gives every attribute to a receive that names none: a receive gets a message's
// attributes only when it names them (All, a name, a prefix), as in SQS.
func TestMessageAttributesOnTheEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := onTheEmulator(ctx, t, localsqs.MessageAttributes)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("attributes")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		names []string
		want  int // attributes received
	}{
		{"none named", nil, 0},
		{"an empty list", []string{}, 0},
		{"All", []string{"All"}, 2},
		{"one name", []string{"reason"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("doc"),
				MessageAttributes: map[string]types.MessageAttributeValue{
					"reason": {DataType: aws.String("String"), StringValue: aws.String("too_large")},
					"size":   {DataType: aws.String("Number"), StringValue: aws.String("300000")},
				}}); err != nil {
				t.Fatal(err)
			}
			out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MessageAttributeNames: tc.names, WaitTimeSeconds: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Messages) != 1 {
				t.Fatalf("%d messages received, want 1", len(out.Messages))
			}
			m := out.Messages[0]
			if len(m.MessageAttributes) != tc.want || (tc.want == 0) != (m.MD5OfMessageAttributes == nil) {
				t.Errorf("MessageAttributeNames %q: got %d attributes %v (MD5 %v), want %d", tc.names, len(m.MessageAttributes), m.MessageAttributes, aws.ToString(m.MD5OfMessageAttributes), tc.want)
			}
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		})
	}

	// A receive of some of the attributes gets the MD5 of those, the one the emulator gives a message
	// sent with only them (the SDKs that check it compute it over the attributes received).
	receive := func(attrs map[string]types.MessageAttributeValue, names ...string) types.Message {
		t.Helper()
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("doc"), MessageAttributes: attrs}); err != nil {
			t.Fatal(err)
		}
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MessageAttributeNames: names, WaitTimeSeconds: 1})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive: %+v, %v", out, err)
		}
		if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
		return out.Messages[0]
	}
	reason := types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("too_large")}
	blob := types.MessageAttributeValue{DataType: aws.String("Binary.gz"), BinaryValue: []byte{0, 1, 2, 0xff}}
	size := types.MessageAttributeValue{DataType: aws.String("Number"), StringValue: aws.String("300000")}
	alone := receive(map[string]types.MessageAttributeValue{"reason": reason, "blob": blob}, "All")
	some := receive(map[string]types.MessageAttributeValue{"reason": reason, "blob": blob, "size": size}, "reason", "blob")
	if len(some.MessageAttributes) != 2 || aws.ToString(some.MD5OfMessageAttributes) != aws.ToString(alone.MD5OfMessageAttributes) {
		t.Errorf("reason and blob of three: %d attributes, MD5 %s; want 2 and %s, the MD5 of a message with only them",
			len(some.MessageAttributes), aws.ToString(some.MD5OfMessageAttributes), aws.ToString(alone.MD5OfMessageAttributes))
	}
	if none := receive(map[string]types.MessageAttributeValue{"size": size}, "reason"); none.MessageAttributes != nil || none.MD5OfMessageAttributes != nil {
		t.Errorf("a name the message has not: %v, MD5 %v; want neither", none.MessageAttributes, aws.ToString(none.MD5OfMessageAttributes))
	}
}
