package sqs_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	localsqs "github.com/chaoslab/serverless-chaos-lab/local/sqs"
)

// emulator is a stand-in for fauxqs: it answers each ReceiveMessage from a script and records the
// WaitTimeSeconds it was asked for.
type emulator struct {
	mu      sync.Mutex
	answers []string // bodies, in turn; the last repeats
	waits   []int
	other   int // requests that were neither ReceiveMessage nor GetQueueAttributes
	// queueWait, when set, is the queue's ReceiveMessageWaitTimeSeconds, given to GetQueueAttributes;
	// asked counts those requests.
	queueWait string
	asked     int
}

func (e *emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.Header.Get("X-Amz-Target") == "AmazonSQS.GetQueueAttributes" && e.queueWait != "" {
		e.asked++
		var in struct {
			QueueUrl       string
			AttributeNames []string
		}
		if b, _ := io.ReadAll(r.Body); json.Unmarshal(b, &in) != nil || in.QueueUrl != "q" ||
			len(in.AttributeNames) != 1 || in.AttributeNames[0] != "ReceiveMessageWaitTimeSeconds" {
			http.Error(w, "GetQueueAttributes: want q's ReceiveMessageWaitTimeSeconds", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, `{"Attributes":{"ReceiveMessageWaitTimeSeconds":"`+e.queueWait+`"}}`)
		return
	}
	if r.Header.Get("X-Amz-Target") != "AmazonSQS.ReceiveMessage" {
		e.other++
		w.WriteHeader(http.StatusTeapot)
		return
	}
	b, _ := io.ReadAll(r.Body)
	if int(r.ContentLength) != len(b) {
		http.Error(w, "Content-Length does not match the body", http.StatusBadRequest)
		return
	}
	var in struct{ WaitTimeSeconds int }
	_ = json.Unmarshal(b, &in)
	e.waits = append(e.waits, in.WaitTimeSeconds)
	body := e.answers[min(len(e.waits), len(e.answers))-1]
	if strings.HasPrefix(body, "error") {
		w.WriteHeader(http.StatusBadRequest)
	}
	_, _ = io.WriteString(w, body)
}

func receive(t *testing.T, h http.Handler, body string) (*httptest.ResponseRecorder, time.Duration) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", "AmazonSQS.ReceiveMessage")
	w := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(w, r)
	return w, time.Since(start)
}

func TestLongPollAsksAgainForTheTimeLeft(t *testing.T) {
	msg := `{"Messages":[{"MessageId":"m1","Body":"x"}]}`
	tests := []struct {
		name      string
		request   string
		queueWait string // the queue's ReceiveMessageWaitTimeSeconds; "" for a stand-in without GetQueueAttributes
		answers   []string
		wantBody  string
		wantWaits []int
		wantAsked int // GetQueueAttributes requests
	}{
		{name: "an early empty answer is asked again", request: `{"QueueUrl":"q","WaitTimeSeconds":3}`,
			answers: []string{`{}`, msg}, wantBody: msg, wantWaits: []int{3, 2}},
		{name: "messages at once", request: `{"QueueUrl":"q","WaitTimeSeconds":3}`,
			answers: []string{msg}, wantBody: msg, wantWaits: []int{3}},
		{name: "no long poll: the emulator's answer", request: `{"QueueUrl":"q"}`, queueWait: "0",
			answers: []string{`{}`}, wantBody: `{}`, wantWaits: []int{0}, wantAsked: 1},
		{name: "no wait in the request: the queue's ReceiveMessageWaitTimeSeconds", request: `{"QueueUrl":"q"}`, queueWait: "3",
			answers: []string{`{}`, msg}, wantBody: msg, wantWaits: []int{3, 2}, wantAsked: 1},
		{name: "a null wait is no wait", request: `{"QueueUrl":"q","WaitTimeSeconds":null}`, queueWait: "3",
			answers: []string{`{}`, msg}, wantBody: msg, wantWaits: []int{3, 2}, wantAsked: 1},
		{name: "WaitTimeSeconds 0 is a short poll whatever the queue says", request: `{"QueueUrl":"q","WaitTimeSeconds":0}`, queueWait: "3",
			answers: []string{`{}`}, wantBody: `{}`, wantWaits: []int{0}},
		{name: "the queue's wait unknown: the emulator's answer", request: `{"QueueUrl":"q"}`,
			answers: []string{`{}`}, wantBody: `{}`, wantWaits: []int{0}},
		{name: "an error is passed on at once", request: `{"QueueUrl":"q","WaitTimeSeconds":3}`,
			answers: []string{`error: QueueDoesNotExist`}, wantBody: `error: QueueDoesNotExist`, wantWaits: []int{3}},
		{name: "a wait SQS refuses is the emulator's to refuse", request: `{"QueueUrl":"q","WaitTimeSeconds":21}`,
			answers: []string{`error: InvalidParameterValue`}, wantBody: `error: InvalidParameterValue`, wantWaits: []int{21}},
		{name: "the queue deleted while the poll waited: the first, empty, answer", request: `{"QueueUrl":"q","WaitTimeSeconds":3}`,
			answers: []string{`{}`, `error: QueueDoesNotExist`}, wantBody: `{}`, wantWaits: []int{3, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &emulator{answers: tc.answers, queueWait: tc.queueWait}
			w, _ := receive(t, localsqs.LongPoll(e), tc.request)
			if e.asked != tc.wantAsked {
				t.Errorf("the queue's wait asked %d times, want %d", e.asked, tc.wantAsked)
			}
			if got := w.Body.String(); got != tc.wantBody {
				t.Errorf("body %q, want %q", got, tc.wantBody)
			}
			if len(e.waits) != len(tc.wantWaits) || e.waits[0] != tc.wantWaits[0] || len(e.waits) > 1 && e.waits[1] > tc.wantWaits[1] {
				t.Errorf("the emulator was asked to wait %v, want %v", e.waits, tc.wantWaits)
			}
		})
	}
	t.Run("empty only when the wait is over, without asking in a tight loop", func(t *testing.T) {
		e := &emulator{answers: []string{`{}`}} // the emulator answers at once, always empty
		w, took := receive(t, localsqs.LongPoll(e), `{"QueueUrl":"q","WaitTimeSeconds":2}`)
		if w.Code != http.StatusOK || w.Body.String() != `{}` || took < 2*time.Second {
			t.Errorf("answered %d %q after %v, want 200 {} after the whole 2 s", w.Code, w.Body.String(), took)
		}
		if len(e.waits) < 2 || len(e.waits) > int(2*time.Second/(50*time.Millisecond))+1 || e.waits[1] > 1 {
			t.Errorf("waits asked %v: want 2, then at most the second left, at most one ask per 50 ms", e.waits)
		}
	})
	t.Run("other actions pass through", func(t *testing.T) {
		e := &emulator{}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"QueueUrl":"q","WaitTimeSeconds":3}`))
		r.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
		w := httptest.NewRecorder()
		localsqs.LongPoll(e).ServeHTTP(w, r)
		if w.Code != http.StatusTeapot || e.other != 1 {
			t.Errorf("status %d, %d passed through", w.Code, e.other)
		}
	})
}

// On fauxqs, which wakes every waiting poll when a message arrives: the poll that gets the message
// returns it, the others go on waiting until their wait is over, as in SQS.
func TestLongPollOnTheEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := onTheEmulator(ctx, t, localsqs.LongPoll)
	const wait = 3 * time.Second
	for _, tc := range []struct {
		name  string
		queue string
		attrs map[string]string
		wait  int32 // the request's WaitTimeSeconds; 0: none
	}{
		{name: "the request's WaitTimeSeconds", queue: "request-waits", wait: int32(wait / time.Second)},
		{name: "the queue's ReceiveMessageWaitTimeSeconds", queue: "queue-waits", attrs: map[string]string{"ReceiveMessageWaitTimeSeconds": "3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(tc.queue), Attributes: tc.attrs})
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				n    int
				took time.Duration
			}
			results := make(chan result, 3)
			start := time.Now()
			for range 3 {
				go func() {
					in := &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl}
					if tc.wait > 0 {
						in.WaitTimeSeconds = tc.wait
					}
					out, err := c.ReceiveMessage(ctx, in)
					if err != nil {
						t.Error(err)
						out = &sqs.ReceiveMessageOutput{}
					}
					results <- result{len(out.Messages), time.Since(start)}
				}()
			}
			time.Sleep(500 * time.Millisecond)
			if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("one")}); err != nil {
				t.Fatal(err)
			}
			got := 0
			for range 3 {
				r := <-results
				got += r.n
				// The message's poll returns at once; an empty one when its wait is over.
				if r.n == 0 && r.took < wait {
					t.Errorf("an empty poll returned after %v, before its %v wait was over", r.took.Round(time.Millisecond), wait)
				}
			}
			if got != 1 {
				t.Errorf("%d messages received, want 1", got)
			}
		})
	}
}
