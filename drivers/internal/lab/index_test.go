package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// GIVEN the results of a lab WHEN the index is written THEN each run's verdict links to its report
// (relative, so the folder can be moved), and a run without a report still shows its verdict and error.
func TestWriteIndexLinksEveryReport(t *testing.T) {
	dir := t.TempDir()
	rs := []Result{
		{Experiment: "exp_1-minor_delay", Scenario: "flawed", Verdict: "deviated", Report: filepath.Join(dir, "flawed-exp_1-minor_delay.report.html")},
		{Experiment: "exp_1-minor_delay", Scenario: "resilient", Verdict: "held", Report: filepath.Join(dir, "resilient-exp_1-minor_delay.report.html")},
		{Experiment: "exp_2-dynamodb_disruption", Scenario: "flawed", Verdict: "error", Error: "deploy: boom"},
	}
	path := filepath.Join(dir, "index.html")
	if err := writeIndex(path, rs); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, want := range []string{`href="flawed-exp_1-minor_delay.report.html"`, `href="resilient-exp_1-minor_delay.report.html"`,
		"deviated", "held", "exp_2-dynamodb_disruption", "deploy: boom"} {
		if !strings.Contains(html, want) {
			t.Errorf("index lacks %s", want)
		}
	}
	if strings.Contains(html, dir) {
		t.Error("index links by absolute path; want links relative to the index")
	}
}
