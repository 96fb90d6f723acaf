package testenv

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestCI(t *testing.T) {
	for _, c := range []struct {
		name, value string
		set, want   bool
	}{
		{name: "unset", want: false},
		{name: "true", value: "true", set: true, want: true},
		{name: "1", value: "1", set: true, want: true},
		{name: "empty counts as set", value: "", set: true, want: true},
		{name: "false", value: "false", set: true, want: false},
		{name: "0", value: "0", set: true, want: false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.set {
				t.Setenv("CI", c.value)
			} else {
				t.Setenv("CI", "x")
				os.Unsetenv("CI")
			}
			if got := CI(); got != c.want {
				t.Errorf("CI() with CI=%q (set %v) = %v, want %v", c.value, c.set, got, c.want)
			}
		})
	}
}

// TestRequireChild is run by TestRequire in a child process, so that its failure or skip is observed
// from outside.
func TestRequireChild(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "" {
		return // a helper process: does nothing unless TestRequire starts it
	}
	Require(t, "the frobnicator (apt install frob)", errors.New("exec: frob: not found"))
	t.Log("after Require")
}

func TestRequire(t *testing.T) {
	SkipIfShort(t, "runs the test binary twice")
	for _, c := range []struct {
		name, ci string
		fails    bool
	}{
		{name: "CI fails", ci: "true", fails: true},
		{name: "no CI skips", ci: "false", fails: false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run", "^TestRequireChild$", "-test.v")
			cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+c.ci)
			out, err := cmd.CombinedOutput()
			if got := err != nil; got != c.fails {
				t.Fatalf("child failed = %v, want %v; output:\n%s", got, c.fails, out)
			}
			if !strings.Contains(string(out), "prerequisite missing: the frobnicator (apt install frob): exec: frob: not found") {
				t.Errorf("output does not name what is missing:\n%s", out)
			}
			if strings.Contains(string(out), "after Require") {
				t.Errorf("the test went on after Require:\n%s", out)
			}
			if !c.fails && !strings.Contains(string(out), "--- SKIP") {
				t.Errorf("without CI the test should skip:\n%s", out)
			}
		})
	}
}
