package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/tally"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// The lab and local commands reject bad input before they synthesize or start anything; the whole
// lab runs in test/ (end to end).
func TestLabAndLocalArguments(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string // in the output or the error
	}{
		{name: "lab -h lists every flag", args: []string{"lab", "-h"}, code: 0,
			wants: []string{"-scenarios", "-experiments", "-window", "-pause", "-recovery", "-rate", "-warmup", "-drain", "-quiet", "-results", "-dir", "-parallel"}},
		{name: "unknown scenario", args: []string{"lab", "-scenarios", "flawed,chaotic"}, code: 2, wants: []string{`"chaotic"`, "flawed, resilient"}},
		{name: "unknown experiment names the shipped ones", args: []string{"lab", "-experiments", "exp_9-nope"}, code: 2,
			wants: []string{"exp_9-nope", "exp_1-minor_delay"}},
		{name: "rate must be positive", args: []string{"lab", "-rate", "0"}, code: 2, wants: []string{"-rate"}},
		{name: "local without a subcommand", args: []string{"local"}, code: 2, wants: []string{"up, deploy, env or down"}},
		{name: "local unknown subcommand", args: []string{"local", "sideways", "-dir", "DIR"}, code: 2, wants: []string{`"sideways"`}},
		{name: "local env with no cloud running", args: []string{"local", "env", "-dir", "DIR"}, code: 2, wants: []string{"no local cloud is running"}},
		{name: "local deploy with no cloud running", args: []string{"local", "deploy", "-dir", "DIR"}, code: 2, wants: []string{"no local cloud is running"}},
		{name: "local bad scenario", args: []string{"local", "up", "-scenario", "chaotic", "-dir", "DIR"}, code: 2, wants: []string{`"chaotic"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for i, a := range tt.args {
				if a == "DIR" {
					tt.args[i] = dir
				}
			}
			m, out, errb := newMain()
			err := m.Run(context.Background(), tt.args)
			if code := cli.Report(errb, err, ExitError); code != tt.code {
				t.Fatalf("exit %d, want %d (err %v)\n%s", code, tt.code, err, errb)
			}
			text := out.String() + errb.String()
			for _, w := range tt.wants {
				if !strings.Contains(text, w) {
					t.Errorf("output does not mention %q:\n%s", w, text)
				}
			}
		})
	}
}

// The lab's proof: every experiment flips, resilient loses nothing, every fault is off; anything else
// is named.
func TestLabExpectations(t *testing.T) {
	ok := func(s, e string) LabResult {
		v := experiments.VerdictDeviated
		if s == "resilient" {
			v = experiments.VerdictHeld
		}
		return LabResult{Scenario: s, Experiment: e, Verdict: v, FaultOff: true}
	}
	tests := []struct {
		name  string
		edit  func(rs []LabResult)
		wants []string
	}{
		{name: "all flipped", edit: func([]LabResult) {}},
		{name: "flawed held", edit: func(rs []LabResult) { rs[0].Verdict = experiments.VerdictHeld },
			wants: []string{"exp_1 on flawed: verdict held, want deviated"}},
		{name: "resilient not steady", edit: func(rs []LabResult) { rs[1].Verdict = experiments.VerdictNotSteadyBefore },
			wants: []string{"exp_1 on resilient: verdict not-steady-before, want held"}},
		{name: "resilient lost a document", edit: func(rs []LabResult) {
			rs[1].Lost = 1
			rs[1].Documents = tally.Report{LostKeys: []string{"doc-7.json"}}
		}, wants: []string{"exp_1 on resilient: 1 documents lost (in no queue and no output): doc-7.json"}},
		{name: "pending is not lost", edit: func(rs []LabResult) { rs[1].Pending = 2 }},
		{name: "fault left on", edit: func(rs []LabResult) { rs[0].FaultOff = false }, wants: []string{"exp_1 on flawed: the fault parameter was still on"}},
		{name: "a run failed", edit: func(rs []LabResult) { rs[0].Error = "deploy: boom" }, wants: []string{"exp_1 on flawed: deploy: boom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := []LabResult{ok("flawed", "exp_1"), ok("resilient", "exp_1")}
			tt.edit(rs)
			got := labExpectations(rs)
			if len(got) != len(tt.wants) {
				t.Fatalf("problems %q, want %d", got, len(tt.wants))
			}
			for i, w := range tt.wants {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q does not say %q", got[i], w)
				}
			}
		})
	}
}

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
			w := indent(&prefixWriter{w: shared, prefix: "[" + lane + "] "})
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
