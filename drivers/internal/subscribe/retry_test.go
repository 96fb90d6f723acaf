package subscribe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// A receive that fails is counted, even where the SDK would retry it into a success: its lost
// answer may have hidden messages for the queue's visibility timeout, and a run that then says
// "lost" must have a failed receive to show for it. The client here is the SDK's with its default
// retries, against a queue whose first receive answers 500 (retryable) and the rest nothing.
func TestAFailedReceiveIsCountedNotRetriedOutOfSight(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if calls.Add(1) == 1 {
			w.Header().Set("X-Amzn-Query-Error", "InternalError;Receiver")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"__type": "com.amazonaws.sqs#InternalError", "message": "the answer that never came"}`))
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	q := sqs.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	sum, err := Run(ctx, q, nil, Config{QueueURL: srv.URL + "/000000000000/csv", Duration: 1500 * time.Millisecond,
		Wait: time.Second, Pollers: 1, GiveUp: 10 * time.Second})

	if err != nil {
		t.Fatal(err)
	}
	if sum.ReceiveErrors != 1 || sum.Receives < 1 {
		t.Errorf("receive_errors=%d receives=%d (%d requests); want the failed receive counted, then the next answered", sum.ReceiveErrors, sum.Receives, calls.Load())
	}
}
