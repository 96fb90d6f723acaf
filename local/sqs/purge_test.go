package sqs_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
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

// Two purges of a queue at the same instant: the one that comes while the first is purging is
// PurgeQueueInProgress and never reaches the queue. A purge that fails (no such queue) does not
// count, so the next one goes through.
func TestPurgeQueueTwoAtOnce(t *testing.T) {
	purges := localsqs.NewPurges(nil)
	entered, release := make(chan struct{}, 2), make(chan struct{})
	var status atomic.Int32
	status.Store(http.StatusOK)
	h := purges.Interceptor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		w.WriteHeader(int(status.Load()))
	}))
	purge := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"QueueUrl":"http://127.0.0.1:1/000000000000/q"}`))
		r.Header.Set("X-Amz-Target", "AmazonSQS.PurgeQueue")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- purge() }()
	<-entered
	second := make(chan *httptest.ResponseRecorder)
	go func() { second <- purge() }()
	select {
	case <-entered:
		t.Fatal("a second purge reached the queue while the first was purging it")
	case w := <-second:
		if !strings.Contains(w.Body.String(), "PurgeQueueInProgress") {
			t.Errorf("the second purge: %d %s, want PurgeQueueInProgress", w.Code, w.Body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second purge neither answered nor reached the queue in 10 s")
	}
	close(release)
	if w := <-first; w.Code != http.StatusOK {
		t.Errorf("the first purge: %d %s", w.Code, w.Body)
	}

	failing := localsqs.NewPurges(nil)
	status.Store(http.StatusBadRequest)
	h = failing.Interceptor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	if w := purge(); w.Code != http.StatusBadRequest {
		t.Fatalf("a purge that fails: %d", w.Code)
	}
	status.Store(http.StatusOK)
	if w := purge(); w.Code != http.StatusOK {
		t.Errorf("a purge after one that failed: %d %s, want it through", w.Code, w.Body)
	}
}
