package lab

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cdkapp"
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

// Every stack is synthesized in one run of the app, into one cdk.out that every trial gets; a second
// lab with the same inputs and stacks reuses it, and another set of stacks synthesizes again.
func TestSynthOnceForEveryStack(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/app\n\ngo 1.22\n")
	write("app.go", "package main\n\nfunc main() {}\n")
	write("functions/etl/main.go", "package main\n\nfunc main() {}\n")
	var calls [][]cdkapp.Stack
	lab := func(stacks []cdkapp.Stack, fail error) *synthesizer {
		t.Helper()
		s := newSynthesizer(Config{Root: dir, Dir: filepath.Join(dir, ".lab"), Results: dir}, stacks)
		s.synthStacks = func(ctx context.Context, root string, stacks []cdkapp.Stack, out string, log io.Writer) error {
			calls = append(calls, stacks)
			if fail != nil {
				return fail
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(out, "manifest.json"), []byte("{}"), 0o644)
		}
		s.run(context.Background())
		return s
	}
	two := []cdkapp.Stack{{Name: "ChaosLab-flawed-exp1", Scenario: "flawed"}, {Name: "ChaosLab-resilient-exp1", Scenario: "resilient"}}

	s := lab(two, nil)
	if len(calls) != 1 || !slices.Equal(calls[0], two) {
		t.Fatalf("synth calls %v, want one with %v", calls, two)
	}
	for _, st := range two {
		out, err := s.wait(context.Background(), st.Name)
		if err != nil || out != filepath.Join(dir, ".lab", "cdk.out.lab") {
			t.Errorf("wait(%s) = %s, %v; want .lab/cdk.out.lab", st.Name, out, err)
		}
	}
	if _, err := s.wait(context.Background(), "ChaosLab-flawed-exp9"); err == nil || !strings.Contains(err.Error(), "no stack ChaosLab-flawed-exp9") {
		t.Errorf("wait for a stack not synthesized: %v", err)
	}

	// THEN the same stacks from the same inputs are reused; other stacks are synthesized.
	if s := lab(two, nil); !s.reused || len(calls) != 1 {
		t.Errorf("same inputs and stacks: reused %v, %d synth calls; want reused, 1", s.reused, len(calls))
	}
	if s := lab(two[:1], nil); s.reused || len(calls) != 2 {
		t.Errorf("one stack fewer: reused %v, %d synth calls; want a new synth", s.reused, len(calls))
	}

	// AND a failed synth is every trial's error, names its log, and leaves nothing to reuse.
	failed := lab(two, errors.New("cdk synth failed"))
	for _, st := range two {
		if _, err := failed.wait(context.Background(), st.Name); err == nil || !strings.Contains(err.Error(), "cdk synth failed") ||
			!strings.Contains(err.Error(), "synth.log") {
			t.Errorf("wait(%s) after a failed synth: %v", st.Name, err)
		}
	}
	if s := lab(two, nil); s.reused {
		t.Error("a failed synth's cdk.out was reused")
	}
}
