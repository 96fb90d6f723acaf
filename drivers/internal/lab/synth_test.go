package lab

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Each experiment and scenario has a stack of its own, named by the experiment's number unless two
// experiments share it.
func TestStackName(t *testing.T) {
	all := []string{"exp_1-minor_delay", "exp_2-dynamodb_disruption", "exp_2-other"}
	tests := []struct{ scenario, experiment, want string }{
		{"flawed", "exp_1-minor_delay", "ChaosLab-flawed-exp1"},
		{"resilient", "exp_1-minor_delay", "ChaosLab-resilient-exp1"},
		{"flawed", "exp_2-dynamodb_disruption", "ChaosLab-flawed-exp-2-dynamodb-disruption"},
	}
	for _, tt := range tests {
		if got := StackName(tt.scenario, tt.experiment, all); got != tt.want {
			t.Errorf("StackName(%s, %s) = %s, want %s", tt.scenario, tt.experiment, got, tt.want)
		}
		if !stackNameOK(StackName(tt.scenario, tt.experiment, all)) {
			t.Errorf("%s is not a CloudFormation stack name", StackName(tt.scenario, tt.experiment, all))
		}
	}
}

func stackNameOK(s string) bool {
	if s == "" || len(s) > 128 || !strings.ContainsAny(s[:1], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
		return false
	}
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

// A synthesized stack is reused only while everything the app builds from is unchanged: a Go file
// of a package the app or its function depends on, a file they embed, go.mod, cdk.json; tests,
// docs, and packages the app does not import (the drivers, the local cloud) do not count.
func TestAppInputs(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/app\n\ngo 1.22\n")
	write("cdk.json", "{}")
	write("app.go", "package main\n\nimport _ \"example.com/app/constructs\"\n\nfunc main() {}\n")
	write("constructs/c.go", "package constructs\n\nimport _ \"embed\"\n\n//go:embed exp_1.json\nvar E []byte\n")
	write("constructs/exp_1.json", "{}")
	write("functions/etl/main.go", "package main\n\nfunc main() {}\n")
	write("drivers/x.go", "package drivers\n")
	key := func() string {
		t.Helper()
		in, err := appInputs(context.Background(), root)
		if err != nil {
			t.Fatal(err)
		}
		return synthKey(in, "flawed", "ChaosLab-flawed-exp1", "x86_64")
	}
	base := key()
	for _, unchanged := range []string{"constructs/c_test.go", "README.md", "drivers/x.go", "local/y.go", "constructs/notes.txt",
		".lab/cdk.out.ChaosLab-flawed-exp1/manifest.json"} {
		body := "package whatever\n"
		if filepath.Dir(unchanged) == "constructs" {
			body = "package constructs\n"
		}
		write(unchanged, body)
		if key() != base {
			t.Errorf("writing %s changed the key", unchanged)
		}
	}
	for _, changed := range []string{"functions/etl/main.go", "constructs/exp_1.json", "cdk.json", "constructs/d.go", "go.sum"} {
		body := "changed"
		if filepath.Ext(changed) == ".go" {
			body = "package " + filepath.Base(filepath.Dir(changed)) + "\n\n// changed\n"
			if changed == "functions/etl/main.go" {
				body = "package main\n\nfunc main() { println() }\n"
			}
		}
		write(changed, body)
		k := key()
		if k == base {
			t.Errorf("changing %s left the key", changed)
		}
		base = k
	}
	in, _ := appInputs(context.Background(), root)
	if synthKey(in, "resilient", "ChaosLab-resilient-exp1", "x86_64") == base {
		t.Error("another scenario and stack gave the same key")
	}
}

// The first synthesis runs alone (with an empty Go build cache it compiles the CDK bindings for all),
// the rest Config.Synth at a time; a failed first one leaves the next to run alone.
func TestSynthFirstAlone(t *testing.T) {
	tests := []struct {
		name      string
		failFirst bool
	}{
		{name: "first succeeds"},
		{name: "first fails", failFirst: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			stacks := map[string]string{"A": "flawed", "B": "flawed", "C": "resilient", "D": "resilient", "E": "flawed"}
			s := newSynthesizer(Config{Root: dir, Dir: dir, Results: dir, Synth: 2}, &phaser{w: io.Discard}, stacks)
			s.once.Do(func() { s.inputs = "inputs" })
			var mu sync.Mutex
			var running, calls int
			var peaks []int // the most running at once during each call, in call order
			s.synthStack = func(ctx context.Context, root, scenario, stack, out string, log io.Writer) error {
				mu.Lock()
				running++
				calls++
				n := calls
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
				mu.Lock()
				peaks = append(peaks, running)
				running--
				mu.Unlock()
				if tc.failFirst && n == 1 {
					return errors.New("synth failed")
				}
				return os.MkdirAll(out, 0o755)
			}
			s.run(context.Background(), []string{"A", "B", "C", "D", "E"})
			if calls != 5 {
				t.Fatalf("%d syntheses, want 5", calls)
			}
			alone := 1
			if tc.failFirst {
				alone = 2 // the failed one, then the next
			}
			for i := range alone {
				if peaks[i] != 1 {
					t.Errorf("synthesis %d ran beside %d others, want alone (peaks %v)", i+1, peaks[i]-1, peaks)
				}
			}
			if slices.Max(peaks[alone:]) != 2 {
				t.Errorf("after the first, peaks %v: want 2 at a time", peaks)
			}
		})
	}
}
