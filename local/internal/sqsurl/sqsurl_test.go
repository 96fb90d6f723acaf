package sqsurl

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

type getter struct {
	asked []string
	known map[string]string
}

func (g *getter) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	g.asked = append(g.asked, *in.QueueName)
	u, ok := g.known[*in.QueueName]
	if !ok {
		return nil, errors.New("AWS.SimpleQueueService.NonExistentQueue")
	}
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String(u)}, nil
}

// A queue's URL is asked once; a queue SQS does not know is asked again (it may be made later);
// an ARN that is not a queue's is refused without asking.
func TestURLAsksOncePerQueue(t *testing.T) {
	g := &getter{known: map[string]string{"work": "http://127.0.0.1:1/000000000000/work"}}
	c := New(g)
	ctx := context.Background()
	for range 3 {
		if u, err := c.URL(ctx, "arn:aws:sqs:us-east-1:000000000000:work"); err != nil || u != "http://127.0.0.1:1/000000000000/work" {
			t.Fatalf("URL = %q, %v", u, err)
		}
	}
	for range 2 {
		if _, err := c.URL(ctx, "arn:aws:sqs:us-east-1:000000000000:later"); err == nil {
			t.Fatal("URL of a queue SQS does not know: no error")
		}
	}
	var nq *NotQueueError
	for _, arn := range []string{"arn:aws:sns:us-east-1:000000000000:topic", "work", "arn:aws:sqs:us-east-1:000000000000:", "arn:aws:sqs:us-east-1:000000000000:a:b"} {
		if _, err := c.URL(ctx, arn); !errors.As(err, &nq) || nq.ARN != arn {
			t.Errorf("URL(%q) = %v, want a NotQueueError", arn, err)
		}
	}
	if want := []string{"work", "later", "later"}; len(g.asked) != len(want) || g.asked[0] != want[0] || g.asked[1] != want[1] || g.asked[2] != want[2] {
		t.Errorf("asked %v, want %v", g.asked, want)
	}
}
