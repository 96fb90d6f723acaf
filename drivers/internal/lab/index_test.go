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
	html := indexOf(t, dir, rs)
	for _, want := range []string{`href="flawed-exp_1-minor_delay.report.html"`, `href="resilient-exp_1-minor_delay.report.html"`,
		"deviated", "held", "exp_2-dynamodb_disruption", "deploy: boom",
		"Dependency disruption should not impact processing"} { // the shipped experiment's title
		if !strings.Contains(html, want) {
			t.Errorf("index lacks %s", want)
		}
	}
	if strings.Contains(html, dir) {
		t.Error("index links by absolute path; want links relative to the index")
	}
}

// GIVEN a run whose documents did not all convert WHEN the index is written THEN its line accounts
// for every published document (converted, in the error queue, pending, lost), as the console's
// does: "506 published, 501 converted, 0 lost" left five unexplained.
func TestWriteIndexAccountsForEveryDocument(t *testing.T) {
	r := Result{Experiment: "exp_2-dynamodb_disruption", Scenario: "resilient", Verdict: "held", Published: 506, Pending: 1, WritesMissing: 0}
	r.Documents.Converted, r.Documents.InErrorQueue = 500, 5
	html := indexOf(t, t.TempDir(), []Result{r})
	want := "506 published, 500 converted, 5 in the error queue, 1 pending in the work queue, 0 lost; 0 DynamoDB writes missing"
	if !strings.Contains(html, want) {
		t.Errorf("index lacks %q:\n%s", want, html)
	}
	// With the faults the function injected, when they were read.
	n := 212.0
	r.Injected = &n
	if html := indexOf(t, t.TempDir(), []Result{r}); !strings.Contains(html, want+"; 212 faults injected") {
		t.Errorf("index lacks the faults injected:\n%s", html)
	}
}

// GIVEN a deviated run and one not steady before its fault WHEN the index is written THEN each
// verdict says which reading decided it, its distance and tolerance (the lab's verdict table's
// words); a held run says nothing more.
func TestWriteIndexSaysWhy(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	rs := []Result{
		{Experiment: "exp_2-dynamodb_disruption", Scenario: "flawed", Verdict: "deviated", Probes: []Probe{
			{Name: "zero-sns-errors", Value: v(0), Tolerance: "0", Pass: true},
			{Name: "messages-in-flight", Value: v(25.44), Tolerance: "[-10, 20]", Min: -10, Max: 20},
		}},
		{Experiment: "exp_1-minor_delay", Scenario: "resilient", Verdict: "not-steady-before", Before: []Probe{
			{Name: "normal-error-rates", Value: v(7), Tolerance: "[0, 5]", Min: 0, Max: 5},
		}},
		{Experiment: "exp_3-output_write_failure", Scenario: "resilient", Verdict: "held", Probes: []Probe{
			{Name: "messages-in-flight", Value: v(2), Tolerance: "[-10, 20]", Min: -10, Max: 20, Pass: true},
		}},
	}
	html := indexOf(t, t.TempDir(), rs)
	for _, want := range []string{
		`<div class="r-why">after the fault: messages-in-flight 25.4, 5.4 above max (tolerance [-10, 20])</div>`,
		`<div class="r-why">before the fault: normal-error-rates 7.0, 2.0 above max (tolerance [0, 5])</div>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("index lacks %s", want)
		}
	}
	if n := strings.Count(html, `class="r-why"`); n != 2 {
		t.Errorf("%d why lines, want 2 (none for the held run)", n)
	}
}

// indexOf writes the index of rs into dir, as the lab does, and returns it.
func indexOf(t *testing.T, dir string, rs []Result) string {
	t.Helper()
	path := filepath.Join(dir, "index.html")
	if err := writeIndex(path, rs, Config{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A trial run again after an attempt that was not steady before says so in the index, with the
// first attempt's reading and a link to its report when it has one (the index showed the last
// attempt alone, as if the trial had run once).
func TestIndexSaysATrialRanAgain(t *testing.T) {
	dir := t.TempDir()
	v := func(f float64) *float64 { return &f }
	first := filepath.Join(dir, "resilient-exp_4-dynamodb_throttling")
	rs := []Result{{Experiment: "exp_4-dynamodb_throttling", Scenario: "resilient", Verdict: "held",
		Report: filepath.Join(dir, "resilient-exp_4-dynamodb_throttling-again-1.report.html"),
		NotSteadyAttempts: []Attempt{
			{Journal: first + ".journal.json", Report: first + ".report.html", Before: []Probe{{Name: "messages-in-flight", Value: v(95), Tolerance: "[-10, 80]"}}},
			{Journal: filepath.Join(dir, "no-report.journal.json"), Before: []Probe{{Name: "normal-error-rates", Tolerance: "[0, 5]"}}},
		}}}
	html := indexOf(t, dir, rs)
	for _, want := range []string{
		`run again: attempt 1 was not steady before its fault (messages-in-flight 95.0 outside [-10, 80]), <a href="resilient-exp_4-dynamodb_throttling.report.html">its report</a>`,
		`run again: attempt 2 was not steady before its fault (normal-error-rates no data outside [0, 5])</div>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("index lacks %s:\n%s", want, html)
		}
	}
}
