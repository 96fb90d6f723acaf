// Package sqs is the local cloud's SQS semantics that the emulator lacks: a long poll returns
// empty only when its wait is over (LongPoll), a receive gets message attributes only when it
// names them (MessageAttributes, in attributes.go), an unknown attribute name or a delay over
// 900 s is refused (Checks, in checks.go), and ListQueues pages (ListQueues, in listqueues.go).
//
// fauxqs wakes every ReceiveMessage waiting on a queue when a message arrives; one of them takes
// it and the others return at once with nothing, though their wait is not over. In SQS a long poll
// returns when there are messages for it or when WaitTimeSeconds has passed. LongPoll, a gateway
// interceptor for the "sqs" signing name (JSON protocol: the gateway translates the query
// protocol before any interceptor), asks the emulator again for the whole seconds left whenever a
// long poll comes back empty early, and waits out the last fraction of a second itself, so clients
// see SQS's behaviour: an event source mapping's pollers do not spin through an empty receive per
// message, and a driver's empty receive means an idle queue. If a second ask fails (the queue was
// deleted while the poll waited), the client gets the first, empty, answer.
//
// A request without WaitTimeSeconds waits the queue's ReceiveMessageWaitTimeSeconds, as in SQS:
// LongPoll asks the emulator for it (GetQueueAttributes) and then treats the poll as one that
// named it. WaitTimeSeconds 0 in the request is a short poll whatever the queue says.
package sqs

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
)

// LongPoll is the gateway interceptor (see the package doc).
func LongPoll(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.ReceiveMessage" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := gateway.PeekBody(r, maxCheckedBody)
		var in map[string]json.RawMessage
		if err != nil || exactjson.Unmarshal(body, &in) != nil {
			next.ServeHTTP(w, r) // the emulator answers what it cannot read
			return
		}
		var wait int
		if raw, ok := in["WaitTimeSeconds"]; ok && string(raw) != "null" {
			wait, err = strconv.Atoi(string(raw))
		} else if wait = queueWait(r, next, in["QueueUrl"]); wait > 0 {
			in["WaitTimeSeconds"] = json.RawMessage(strconv.Itoa(wait))
			body, _ = json.Marshal(in)
		}
		if err != nil || wait <= 0 || wait > 20 { // no long poll, or one the emulator refuses
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		deadline := time.Now().Add(time.Duration(wait) * time.Second)
		var empty *gateway.ResponseBuffer // the emulator's first empty answer
		for {
			asked := time.Now()
			rec := gateway.NewResponseBuffer()
			next.ServeHTTP(rec, withBody(r, body))
			switch {
			case rec.Status() != http.StatusOK && empty != nil:
				empty.SendTo(w) // the queue went away while the poll waited: the poll ends empty
				return
			case rec.Status() != http.StatusOK || hasMessages(rec) || ctx.Err() != nil:
				rec.SendTo(w)
				return
			}
			if empty == nil {
				empty = rec
			}
			left := time.Until(deadline)
			if left < time.Second {
				pause(ctx, left) // the last fraction of the wait
				empty.SendTo(w)
				return
			}
			if time.Since(asked) < minAsk {
				pause(ctx, minAsk) // an emulator that answers at once is not asked in a tight loop
			}
			in["WaitTimeSeconds"] = json.RawMessage(strconv.Itoa(int(time.Until(deadline) / time.Second)))
			body, _ = json.Marshal(in)
		}
	})
}

// queueWait is the queue's ReceiveMessageWaitTimeSeconds, asked of the emulator; 0 when it has
// none or cannot say (the receive then goes to the emulator as it came, to be answered there).
func queueWait(r *http.Request, next http.Handler, queueURL json.RawMessage) int {
	if len(queueURL) == 0 {
		return 0
	}
	body, _ := json.Marshal(map[string]any{"QueueUrl": queueURL, "AttributeNames": []string{"ReceiveMessageWaitTimeSeconds"}})
	ask := withBody(r, body)
	ask.Header.Set("X-Amz-Target", "AmazonSQS.GetQueueAttributes")
	rec := gateway.NewResponseBuffer()
	next.ServeHTTP(rec, ask)
	var out struct{ Attributes map[string]string }
	if rec.Status() != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		return 0
	}
	wait, err := strconv.Atoi(out.Attributes["ReceiveMessageWaitTimeSeconds"])
	if err != nil {
		return 0
	}
	return wait
}

// minAsk is the least time between two asks of one long poll.
const minAsk = 50 * time.Millisecond

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// withBody is r with body as its body.
func withBody(r *http.Request, body []byte) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return r2
}

// hasMessages says whether an answer to ReceiveMessage carries messages (an unreadable one is
// passed on as it is).
func hasMessages(b *gateway.ResponseBuffer) bool {
	var out struct{ Messages []json.RawMessage }
	return json.Unmarshal(b.Body.Bytes(), &out) != nil || len(out.Messages) > 0
}
