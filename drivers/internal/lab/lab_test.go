package lab

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
)

// Lanes running side by side share stderr: every line comes out whole, with its lane's prefix, even
// through the indent of a nested writer.
func TestLaneOutputKeepsLinesWhole(t *testing.T) {
	var buf bytes.Buffer
	shared := &lockedWriter{w: &buf}
	var wg sync.WaitGroup
	for _, lane := range []string{"flawed", "resilient"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := cli.Indent(cli.Prefix(shared, "["+lane+"] "))
			for i := range 200 {
				fmt.Fprintf(w, "%s line %d\n", lane, i)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines, want 400", len(lines))
	}
	whole := regexp.MustCompile(`^\[(flawed|resilient)\]     (flawed|resilient) line \d+$`)
	for _, l := range lines {
		if m := whole.FindStringSubmatch(l); m == nil || m[1] != m[2] {
			t.Fatalf("mixed line %q", l)
		}
	}
}

func TestTrialsTakeSlotsExperimentByExperiment(t *testing.T) {
	var specs []trialSpec
	for _, s := range []string{"flawed", "resilient"} {
		for _, e := range []string{"exp_1", "exp_2", "exp_3"} {
			specs = append(specs, trialSpec{scenario: s, experiment: e})
		}
	}
	var got []string
	for _, i := range runOrder(specs) {
		got = append(got, specs[i].experiment+"/"+specs[i].scenario)
	}
	want := "exp_1/flawed exp_1/resilient exp_2/flawed exp_2/resilient exp_3/flawed exp_3/resilient"
	if strings.Join(got, " ") != want {
		t.Errorf("run order = %v, want %s (flawed trials spread over the run, not all at once)", got, want)
	}
}
func TestWaitSteady(t *testing.T) {
	cases := []struct {
		name       string
		reads      []int // the backlog, read after read; the last repeats
		wantReads  int   // 0: as many as fit in the wait
		wantSteady bool
	}{
		{name: "steady from the start: the eight reads the comparison needs", reads: []int{3, 2, 4, 3, 3, 2, 4, 3}, wantReads: 8, wantSteady: true},
		{name: "batches make it jump, but it does not move", reads: []int{0, 10, 0, 10, 0, 10, 0, 10}, wantReads: 8, wantSteady: true},
		{name: "catching up: not while it still falls (the -20 % of a window that starts then)",
			reads: []int{40, 30, 22, 16, 12, 9, 7, 5, 4, 3, 3, 3, 3, 3, 3, 3}, wantReads: 14, wantSteady: true},
		{name: "falling behind: never steady", reads: []int{2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42}},
		{name: "steady above the limit: not enough", reads: []int{30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN a backlog read after read WHEN the lab waits for the pipeline to be steady (limit
			// 20, trend 2.5, at most 200 ms, a read every 10 ms) THEN it stops once the last four
			// reads' mean is at most the limit and within the trend of the four before, or at its
			// time limit, not steady.
			reads := 0
			backlog := func() int {
				reads++
				return c.reads[min(reads, len(c.reads))-1]
			}
			const d = 200 * time.Millisecond
			waited, _, steady := waitSteady(context.Background(), backlog, 20, 2.5, d, 10*time.Millisecond)
			if steady != c.wantSteady {
				t.Errorf("steady = %v, want %v", steady, c.wantSteady)
			}
			if c.wantReads != 0 && reads != c.wantReads {
				t.Errorf("%d reads, want %d", reads, c.wantReads)
			}
			if c.wantReads == 0 && (waited < d-10*time.Millisecond || reads < steadyReads) {
				t.Errorf("gave up after %s and %d reads, want the whole %s", waited, reads, d)
			}
		})
	}
	// AND a cancelled context ends the wait at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	reads := 0
	if _, _, steady := waitSteady(ctx, func() int { reads++; return 50 }, 20, 2.5, time.Minute, 10*time.Millisecond); steady || reads != 1 {
		t.Errorf("a cancelled wait read %d times (steady %v), want once, not steady", reads, steady)
	}
}

func TestDrainEnd(t *testing.T) {
	// One step of the drain: at second at, the subscriber's count, and the work queue's depth when
	// the drain reads it (-2: not read, -1: the read failed).
	type step struct {
		at        float64
		converted int
		depth     int
	}
	const notRead = -2
	cases := []struct {
		name  string
		steps []step
		endAt float64 // the step the drain may end at; 0: none
	}{
		{name: "the queue empty and still empty 3 s later, nothing converted: the end",
			steps: []step{{0, 10, notRead}, {3, 10, 0}, {4, 10, 0}, {6, 10, 0}}, endAt: 6},
		{name: "a slow batch deleted after a quiet spell: its notifications come before the end (exp_5 resilient)",
			steps: []step{{0, 499, notRead}, {3, 499, 3}, {4, 499, 3}, {5, 499, 0}, {6, 502, notRead}, {9, 502, 0}, {11, 502, 0}, {12, 502, 0}},
			endAt: 12},
		{name: "messages back in the queue (a redelivery) restart the wait",
			steps: []step{{0, 10, 0}, {2, 10, 1}, {4, 10, 0}, {6, 10, 0}, {7, 10, 0}}, endAt: 7},
		{name: "a failed read is not an empty queue",
			steps: []step{{0, 10, 0}, {1, 10, -1}, {2, 10, 0}, {4, 10, 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN the drain's observations, second by second WHEN it asks whether it may end on an
			// empty queue THEN only once the queue has stayed empty for 3 s with nothing converted.
			t0 := time.Now()
			d := drainEnd{settle: 3 * time.Second, lastConverted: -1, lastChange: t0}
			var endedAt float64
			for _, s := range c.steps {
				now := t0.Add(time.Duration(s.at * float64(time.Second)))
				d.converted(s.converted, now)
				if s.depth != notRead && d.empty(s.depth, now) {
					endedAt = s.at
					break
				}
			}
			if endedAt != c.endAt {
				t.Errorf("ended at %gs, want %gs (0: not at all)", endedAt, c.endAt)
			}
		})
	}
}
