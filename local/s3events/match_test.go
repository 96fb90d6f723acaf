package s3events

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func TestMatchesAndEncodeKey(t *testing.T) {
	in := &Filter{Key: KeyFilter{FilterRules: []FilterRule{{Name: "prefix", Value: "input/"}, {Name: "Suffix", Value: ".json"}}}}
	tests := []struct {
		name   string
		events []string
		filter *Filter
		event  string
		key    string
		want   bool
	}{
		{name: "wildcard created, both rules", events: []string{"s3:ObjectCreated:*"}, filter: in, event: "ObjectCreated:Put", key: "input/a.json", want: true},
		{name: "copy matches wildcard", events: []string{"s3:ObjectCreated:*"}, filter: in, event: "ObjectCreated:Copy", key: "input/a.json", want: true},
		{name: "exact event only", events: []string{"s3:ObjectCreated:Put"}, filter: nil, event: "ObjectCreated:CompleteMultipartUpload", key: "x", want: false},
		{name: "removed is not created", events: []string{"s3:ObjectCreated:*"}, filter: nil, event: "ObjectRemoved:Delete", key: "x", want: false},
		{name: "prefix fails", events: []string{"s3:ObjectCreated:*"}, filter: in, event: "ObjectCreated:Put", key: "output/a.json", want: false},
		{name: "suffix fails", events: []string{"s3:ObjectCreated:*"}, filter: in, event: "ObjectCreated:Put", key: "input/a.csv", want: false},
		{name: "no filter", events: []string{"s3:ObjectRemoved:*"}, filter: nil, event: "ObjectRemoved:Delete", key: "any", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := matches(tc.events, tc.filter, tc.event, tc.key); got != tc.want {
				t.Errorf("matches = %v, want %v", got, tc.want)
			}
		})
	}
	keys := []struct{ name, key, want string }{
		{name: "plain", key: "input/a.json", want: "input/a.json"},
		{name: "space is plus", key: "input/my doc.json", want: "input/my+doc.json"},
		{name: "reserved", key: "input/a+b=c&d.json", want: "input/a%2Bb%3Dc%26d.json"},
		{name: "unicode", key: "input/é.json", want: "input/%C3%A9.json"},
	}
	for _, tc := range keys {
		t.Run("encode "+tc.name, func(t *testing.T) {
			if got := EncodeKey(tc.key); got != tc.want {
				t.Errorf("EncodeKey(%q) = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}

// queueFunc delivers to SQS with a function (the internal tests' fake queue).
type queueFunc func(body string)

func (f queueFunc) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("http://queues/" + aws.ToString(in.QueueName))}, nil
}

func (f queueFunc) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f(aws.ToString(in.MessageBody))
	return &sqs.SendMessageOutput{MessageId: aws.String("m")}, nil
}

// A later event on a key has the greater sequencer: "If you compare the sequencer strings from two
// event notifications on the same object key, the event notification with the greater sequencer
// hexadecimal value is the event that occurred later." (Amazon S3 User Guide, Event message
// structure), also across 2027-01-31T23:57:30Z (2^56 × 25 ns since 1970) and in the same nanosecond.
func TestSequencerGrows(t *testing.T) {
	var mu sync.Mutex
	var seqs []string
	n := New(Options{Queues: queueFunc(func(body string) {
		var ev struct {
			Records []struct {
				S3 struct {
					Object struct {
						Sequencer string `json:"sequencer"`
					} `json:"object"`
				} `json:"s3"`
			}
		}
		if json.Unmarshal([]byte(body), &ev) == nil && len(ev.Records) == 1 {
			mu.Lock()
			seqs = append(seqs, ev.Records[0].S3.Object.Sequencer)
			mu.Unlock()
		}
	})})
	if err := n.SetConfiguration(context.Background(), "lab", Configuration{QueueConfigurations: []QueueConfiguration{
		{QueueArn: "arn:aws:sqs:us-east-1:000000000000:work", Events: []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}}}}); err != nil {
		t.Fatal(err)
	}
	wrap := time.Unix(0, 25<<56)
	for _, at := range []time.Time{wrap.Add(-time.Microsecond), wrap.Add(-time.Microsecond), wrap, wrap.Add(time.Second)} {
		n.now = func() time.Time { return at }
		n.Notify("lab", "ObjectCreated:Put", Object{Key: "k", Size: 1, ETag: "e"}, "127.0.0.1", "R", "H")
		n.Wait()
	}
	if len(seqs) != 4 {
		t.Fatalf("sequencers %q, want 4", seqs)
	}
	for i := 1; i < len(seqs); i++ {
		a, b := seqs[i-1], seqs[i]
		// "first right pad the shorter value with zeros, and then do a lexicographical comparison"
		for len(a) < len(b) {
			a += "0"
		}
		for len(b) < len(a) {
			b += "0"
		}
		if b <= a {
			t.Errorf("sequencer %d %s is not greater than the one before, %s (all: %q)", i+1, seqs[i], seqs[i-1], seqs)
		}
	}
}
