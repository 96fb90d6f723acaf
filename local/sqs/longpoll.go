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
// Long polls on one queue take turns to wait on the emulator: one waits there, the others in the
// gateway until it returns, then the next asks for the time it has left. So a message wakes one
// poll, not every poll of an event source mapping (five under load) to ask again: in a `make lab`
// the emulator answered 2.6 receives for each one a client made before the turns, about 1 after.
// A poll whose turn does not come before its wait is over asks the emulator without waiting and
// gets what the queue has then (empty, unless a message came as the wait ended), as SQS would.
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
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// LongPoll is the gateway interceptor (see the package doc).
func LongPoll(next http.Handler) http.Handler {
	var ts turns
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
		var wait int
		if raw, ok := in["WaitTimeSeconds"]; ok && string(raw) != "null" {
			wait, err = strconv.Atoi(string(raw))
		} else {
			wait = queueWait(r, next, in["QueueUrl"])
		}
		if err != nil || wait <= 0 || wait > 20 { // no long poll, or one the emulator refuses
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		deadline := time.Now().Add(time.Duration(wait) * time.Second)
		release, ok := ts.take(ctx, queueKey(in["QueueUrl"]), deadline)
		if !ok {
			if ctx.Err() == nil { // the wait is over and no turn came: what the queue has now
				in["WaitTimeSeconds"] = json.RawMessage("0")
				body, _ = json.Marshal(in)
				next.ServeHTTP(w, withBody(r, body))
			}
			return
		}
		answer, rest := poll(ctx, next, r, in, deadline)
		release()
		pause(ctx, rest)
		answer.SendTo(w)
	})
}

// poll asks the emulator, holding the queue's turn, until it answers with messages or an error, or
// the wait is over; rest is the last fraction of the wait, to be waited out before an empty answer
// is sent.
func poll(ctx context.Context, next http.Handler, r *http.Request, in map[string]json.RawMessage, deadline time.Time) (answer *gateway.ResponseBuffer, rest time.Duration) {
	var empty *gateway.ResponseBuffer // the emulator's first empty answer
	for {
		// The whole seconds left; the first ask rounds, not to lose a second to the milliseconds
		// since the request came (a later one is asked only with a second or more left).
		secs := time.Until(deadline) / time.Second
		if empty == nil {
			secs = time.Until(deadline).Round(time.Second) / time.Second
		}
		in["WaitTimeSeconds"] = json.RawMessage(strconv.Itoa(int(secs)))
		body, _ := json.Marshal(in)
		asked := time.Now()
		rec := gateway.NewResponseBuffer()
		next.ServeHTTP(rec, withBody(r, body))
		switch {
		case rec.Status() != http.StatusOK && empty != nil:
			return empty, 0 // the queue went away while the poll waited: the poll ends empty
		case rec.Status() != http.StatusOK || hasMessages(rec) || ctx.Err() != nil:
			return rec, 0
		}
		if empty == nil {
			empty = rec
		}
		left := time.Until(deadline)
		if left < time.Second {
			return empty, left
		}
		if time.Since(asked) < minAsk {
			pause(ctx, minAsk) // an emulator that answers at once is not asked in a tight loop
		}
	}
}

// turns holds, per queue, the one turn to wait on the emulator.
type turns struct {
	mu sync.Mutex
	m  map[string]*turn
}

type turn struct {
	token chan struct{} // full while a poll holds the turn
	users int           // polls holding or waiting for it; the turn is dropped at 0
}

// take waits until queue's turn is free and holds it; ok is false if deadline or ctx came first.
// release gives the turn back.
func (ts *turns) take(ctx context.Context, queue string, deadline time.Time) (release func(), ok bool) {
	ts.mu.Lock()
	if ts.m == nil {
		ts.m = map[string]*turn{}
	}
	t := ts.m[queue]
	if t == nil {
		t = &turn{token: make(chan struct{}, 1)}
		ts.m[queue] = t
	}
	t.users++
	ts.mu.Unlock()
	done := func() {
		ts.mu.Lock()
		if t.users--; t.users == 0 {
			delete(ts.m, queue)
		}
		ts.mu.Unlock()
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case t.token <- struct{}{}:
		return func() { <-t.token; done() }, true
	case <-timer.C:
	case <-ctx.Done():
	}
	done()
	return nil, false
}

// queueKey names a queue by its URL's path (account and name), whatever host the client used.
func queueKey(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw)
	}
	if u, err := url.Parse(s); err == nil && u.Path != "" {
		return u.Path
	}
	return s
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
