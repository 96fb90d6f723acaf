// Package sqs is the local cloud's SQS semantics that the emulator lacks: a long poll returns
// empty only when its wait is over.
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
// Only a numeric WaitTimeSeconds in the request is honoured this way; a queue's
// ReceiveMessageWaitTimeSeconds (a request without one) is left to the emulator.
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
)

// LongPoll is the gateway interceptor (see the package doc).
func LongPoll(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.ReceiveMessage" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body)) // all of it, if read again
		var in map[string]json.RawMessage
		if err != nil || json.Unmarshal(body, &in) != nil {
			next.ServeHTTP(w, r) // the emulator answers what it cannot read
			return
		}
		wait, err := strconv.Atoi(string(in["WaitTimeSeconds"]))
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
