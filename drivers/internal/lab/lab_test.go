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

func TestWaitBacklog(t *testing.T) {
	cases := []struct {
		name      string
		reads     []int // the backlog, read after read; the last repeats
		wantReads int   // 0: as many as fit in the wait
		wantLast  int
	}{
		{name: "keeping up from the start: two low reads", reads: []int{3, 0}, wantReads: 2, wantLast: 0},
		{name: "a backlog that drains", reads: []int{40, 25, 12, 8, 11, 9, 4}, wantReads: 7, wantLast: 4},
		{name: "the limit itself is low enough", reads: []int{10, 10}, wantReads: 2, wantLast: 10},
		{name: "one low read between high ones is not enough", reads: []int{5, 30, 6, 7}, wantReads: 4, wantLast: 7},
		{name: "a backlog that never drains: waits its whole time", reads: []int{50}, wantLast: 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN a backlog read after read WHEN the lab waits for the pipeline to keep up (limit 10,
			// at most 100 ms, a read every 10 ms) THEN it stops at the second low read in a row, or
			// at its limit, and returns the last read.
			reads := 0
			backlog := func() int {
				reads++
				return c.reads[min(reads, len(c.reads))-1]
			}
			const d = 100 * time.Millisecond
			waited, last := waitBacklog(context.Background(), backlog, 10, d, 10*time.Millisecond)
			if c.wantReads != 0 && reads != c.wantReads {
				t.Errorf("%d reads, want %d", reads, c.wantReads)
			}
			if c.wantReads == 0 && (waited < d-10*time.Millisecond || reads < 2) {
				t.Errorf("gave up after %s and %d reads, want the whole %s", waited, reads, d)
			}
			if last != c.wantLast {
				t.Errorf("last read %d, want %d", last, c.wantLast)
			}
		})
	}
	// AND a cancelled context ends the wait at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	reads := 0
	waitBacklog(ctx, func() int { reads++; return 50 }, 10, time.Minute, 10*time.Millisecond)
	if reads != 1 {
		t.Errorf("a cancelled wait read %d times, want 1", reads)
	}
}
