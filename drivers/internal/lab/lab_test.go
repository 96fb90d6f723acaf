package lab

import (
	"bytes"
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
