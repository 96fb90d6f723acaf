package lambda

import (
	"context"
	"errors"
	"time"
)

// Lambda's asynchronous invocation queue (InvocationType Event), with its defaults: an event the
// function could not take (throttled, or its sandbox would not start) is retried with backoff until
// it is MaxEventAge old; an event the function failed (an error, a crash, a timeout) is retried
// twice, the first after AsyncRetryDelay and the second after twice that. An event that runs out is
// dropped (AsyncEventsDropped), as Lambda drops one with no failure destination.
const (
	asyncRetries       = 2
	defaultAsyncDelay  = time.Minute
	defaultMaxEventAge = 6 * time.Hour
	asyncBackoffStart  = time.Second
	asyncBackoffLimit  = 5 * time.Minute
)

// runAsync is the life of one event in the queue. It ends when the event ran, was dropped, its
// function was deleted, or the service closed.
func (s *Service) runAsync(fn *function, invokedARN string, payload []byte) {
	defer s.async.Done()
	received := time.Now()
	s.metric("AsyncEventsReceived", fn.cfg.Name, 1, "Count", received)
	retries, backoff := 0, asyncBackoffStart
	for {
		if fn.isClosed() {
			s.log.Info("async event dropped: the function was deleted", "function", fn.cfg.Name)
			return
		}
		// A cold start may take InitTimeout, then start again within the function's timeout; the
		// margin is for the sandbox's start and stop.
		ctx, cancel := context.WithTimeout(withInvokedARN(s.asyncCtx, invokedARN), fn.cfg.Timeout+s.opts.InitTimeout+5*time.Second)
		_, fnErr, err := fn.invoke(ctx, payload, nil)
		cancel()
		if s.asyncCtx.Err() != nil {
			return // the service is closing
		}
		s.metric("AsyncEventAge", fn.cfg.Name, float64(time.Since(received).Milliseconds()), "Milliseconds", time.Now())
		var wait time.Duration
		switch {
		case err == nil && fnErr == nil:
			return
		case err != nil: // not run: throttled, or no sandbox
			wait, backoff = backoff, min(2*backoff, asyncBackoffLimit)
			if time.Since(received)+wait > s.opts.MaxEventAge {
				s.dropAsync(fn, "its maximum age passed while it could not run", err)
				return
			}
		default: // run, and failed
			if retries == asyncRetries {
				s.dropAsync(fn, "the function failed it on every attempt", errors.New(fnErr.Type+": "+fnErr.Message))
				return
			}
			retries++
			wait = time.Duration(retries) * s.opts.AsyncRetryDelay
		}
		select {
		case <-time.After(wait):
		case <-s.asyncCtx.Done():
			return
		}
	}
}

func (s *Service) dropAsync(fn *function, why string, last error) {
	s.metric("AsyncEventsDropped", fn.cfg.Name, 1, "Count", time.Now())
	s.log.Warn("async event dropped: "+why, "function", fn.cfg.Name, "last", last.Error())
}

func (fn *function) isClosed() bool {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	return fn.closed
}
