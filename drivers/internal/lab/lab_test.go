package lab

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

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
