// Package poll waits, bounded in time, until a condition holds: how a test waits for the event it
// needs (a message delivered, an execution listed) instead of sleeping a guess, which a loaded
// machine (make test runs most packages at nice 19) can outlast, and how a driver looks again
// for something that may be on its way (the runner's execution after an interrupted start).
package poll

import "time"

// Until calls cond, then again every interval, until it returns true or within has passed since
// the first call; it reports whether cond held. cond is called at least once, and once more after
// the deadline has passed only if the last call came before it.
func Until(within, every time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(every)
	}
	return true
}
