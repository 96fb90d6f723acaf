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
		var empty *response // the emulator's first empty answer
		for {
			asked := time.Now()
			rec := &response{header: http.Header{}}
			next.ServeHTTP(rec, withBody(r, body))
			switch {
			case rec.status != http.StatusOK && empty != nil:
				empty.copyTo(w) // the queue went away while the poll waited: the poll ends empty
				return
			case rec.status != http.StatusOK || rec.hasMessages() || ctx.Err() != nil:
				rec.copyTo(w)
				return
			}
			if empty == nil {
				empty = rec
			}
			left := time.Until(deadline)
			if left < time.Second {
				pause(ctx, left) // the last fraction of the wait
				empty.copyTo(w)
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

// response holds the emulator's answer until LongPoll knows it is the one to send.
type response struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *response) Header() http.Header { return r.header }

func (r *response) WriteHeader(code int) {
	if r.status == 0 && code >= 200 { // 1xx are informational
		r.status = code
	}
}

func (r *response) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

func (r *response) hasMessages() bool {
	var out struct{ Messages []json.RawMessage }
	return json.Unmarshal(r.body.Bytes(), &out) != nil || len(out.Messages) > 0 // unreadable: pass it on
}

func (r *response) copyTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(r.body.Len()))
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}
