// Package giveup is the rule by which a driver whose calls keep failing gives up (the publisher's
// uploads, the subscriber's receives): when a call fails and the first failure since the last
// success is at least the limit old. Failures alone count, not time without success, so a slow
// rate or an idle queue never gives up; any success starts the count again, so a run where some
// calls fail (a fault, a short blip) goes on.
package giveup

import "time"

// Streak is the failures since the last success. The zero value has none. Not safe for concurrent
// use: the drivers call it under the lock of their counts.
type Streak struct {
	since time.Time // the first failure since the last success; zero when none
}

// Failed records a failure at now and says whether the streak has lasted limit (0: never).
func (s *Streak) Failed(now time.Time, limit time.Duration) bool {
	if s.since.IsZero() {
		s.since = now
	}
	return limit > 0 && now.Sub(s.since) >= limit
}

// Succeeded ends the streak.
func (s *Streak) Succeeded() { s.since = time.Time{} }
