package runner

import (
	"strings"
	"testing"
)

// A name given for an execution is checked against Step Functions' rule before anything runs; the
// names ExecutionName makes always pass it.
func TestCheckExecutionName(t *testing.T) {
	for _, ok := range []string{"a", "exp_1-minor_delay-20261203T101010Z", strings.Repeat("n", 80), "dé-jà", ExecutionName("exp 1/2: a run")} {
		if err := CheckExecutionName(ok); err != nil {
			t.Errorf("CheckExecutionName(%q) = %v, want nil", ok, err)
		}
	}
	for name, want := range map[string]string{
		"":                      "1 to 80 characters",
		strings.Repeat("n", 81): "1 to 80 characters",
		strings.Repeat("😀", 41): "1 to 80 characters", // 82 UTF-16 units, as the service counts them
		"has space":             `(' ')`,
		"tab\there":             `('\t')`,
		"a\u00a0b":              `('\u00a0')`,
		"c1\u0085":              `('\u0085')`,
		"del\u007f":             `('\x7f')`,
		"a/b":                   `('/')`,
		"[x]":                   `('[')`,
		"50%":                   `('%')`,
	} {
		if err := CheckExecutionName(name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckExecutionName(%q) = %v, want an error containing %s", name, err, want)
		}
	}
}

// A name of characters an execution name cannot have is not a row of dashes: a run of them is one,
// and none leads.
func TestExecutionNameOfOtherCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"実験 🚀-20261205T210335Z":              "20261205T210335Z",
		"exp 1/2: a run-20261205T210335Z":    "exp-1-2-a-run-20261205T210335Z",
		"exp_1-minor_delay-20261205T210335Z": "exp_1-minor_delay-20261205T210335Z",
		"🚀":                                  "experiment",
	} {
		if got := ExecutionName(in); got != want || CheckExecutionName(got) != nil {
			t.Errorf("ExecutionName(%q) = %q, want %q", in, got, want)
		}
	}
}
