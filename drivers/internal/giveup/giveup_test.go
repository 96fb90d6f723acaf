package giveup

import (
	"testing"
	"time"
)

func TestStreak(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	var s Streak
	if s.Failed(t0, time.Minute) || s.Failed(t0.Add(59*time.Second), time.Minute) {
		t.Fatal("gave up within the limit")
	}
	if !s.Failed(t0.Add(time.Minute), time.Minute) {
		t.Fatal("no give-up after failing for the limit")
	}
	s.Succeeded() // a success starts the count again
	if s.Failed(t0.Add(2*time.Minute), time.Minute) || s.Failed(t0.Add(2*time.Minute+59*time.Second), time.Minute) {
		t.Fatal("gave up within the limit of the new streak")
	}
	var never Streak
	if never.Failed(t0, 0) || never.Failed(t0.Add(time.Hour), 0) {
		t.Fatal("limit 0 gave up")
	}
}
