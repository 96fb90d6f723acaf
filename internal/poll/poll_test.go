package poll

import (
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	// GIVEN a condition that holds on its third call THEN Until reports it, after three calls.
	calls := 0
	if !Until(time.Second, time.Millisecond, func() bool { calls++; return calls == 3 }) || calls != 3 {
		t.Errorf("Until = false or %d calls, want true after 3", calls)
	}
	// GIVEN one that never holds THEN Until gives up once within has passed, and reports it.
	start := time.Now()
	if Until(50*time.Millisecond, 10*time.Millisecond, func() bool { return false }) {
		t.Error("Until = true for a condition that never holds")
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("gave up after %s, before the 50ms it was given", took)
	}
	// GIVEN no time at all THEN cond is still asked once.
	if !Until(0, time.Millisecond, func() bool { return true }) {
		t.Error("Until(0) = false for a condition that holds at once")
	}
}
