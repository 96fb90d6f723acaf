package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/report"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner/runnertest"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
)

// A deviated exp_1 run that ended a minute ago: its journal, as `chaoslab run` writes it.
func deviatedJournal(t *testing.T, dir string) string {
	t.Helper()
	t0 := time.Now().Add(-90 * time.Second).UTC()
	at := func(s int) string { return t0.Add(time.Duration(s) * time.Second).Format(time.RFC3339Nano) }
	v := func(f float64) *float64 { return &f }
	tol := experiments.Tolerance{Type: "range", Min: 0, Max: 5, Text: "[0.0, 5.0]"}
	j := experiments.Journal{
		Title: "What is the impact of minor delays?", Verdict: experiments.VerdictDeviated, StartedAt: at(0), EndedAt: at(60),
		Before: []experiments.ProbeResult{{Name: "normal-error-rates", Tolerance: tol, Value: v(0.5), Status: "ok", Pass: true, Start: at(0), End: at(10)}},
		Method: []experiments.ActionResult{{Name: "Enable Lambda failure: LATENCY", PutAt: at(10), PauseAfterSeconds: 30,
			Value: json.RawMessage(`{"isEnabled": true, "failureMode": "latency", "rate": 0.5, "minLatency": 3000, "maxLatency": 5000}`)}},
		After:     []experiments.ProbeResult{{Name: "normal-error-rates", Tolerance: tol, Value: v(15.3), Status: "deviated", Start: at(10), End: at(40)}},
		Rollbacks: []experiments.ActionResult{{Name: "Disable Lambda failures", PutAt: at(41), Value: json.RawMessage(`{"isEnabled": false}`)}},
	}
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "journal-exp_1-minor_delay.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// GIVEN a journal and the stack's outputs WHEN `chaoslab report` runs against the cloud THEN it
// writes a self-contained HTML report and the series beside it, prints the report's path, and the
// saved series alone render the same report later (no cloud needed).
func TestReportFromJournal(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	dir := t.TempDir()
	journal := deviatedJournal(t, dir)
	outputs := outputsFile(t, "arn:aws:states:us-east-1:000000000000:stateMachine:unused", "fault")
	base := strings.TrimSuffix(journal, ".json")
	// The series the run's own report saved (here without data) knows the run's scenario; the
	// stack's outputs may be a later deploy's (runnertest's say flawed too: this one says
	// resilient, and must win).
	var jj experiments.Journal
	if err := json.Unmarshal(mustRead(t, journal), &jj); err != nil {
		t.Fatal(err)
	}
	wstart, wend, _ := report.Window(&jj, time.Now())
	if err := (&report.Series{Start: wstart, End: wend, Scenario: "resilient",
		Injected: &report.Injected{Function: "ChaosLab-Etl", From: wstart, To: wend, Count: 31, Exact: true}}).WriteFile(base + ".series.json"); err != nil {
		t.Fatal(err)
	}

	m, out, errb := newMain()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := m.Run(ctx, []string{"report", "-outputs", outputs, "-experiment", "exp_1-minor_delay", journal}); err != nil {
		t.Fatalf("report: %v\n%s", err, errb.String())
	}
	if got := strings.TrimSpace(out.String()); got != base+".report.html" {
		t.Errorf("printed %q, want the report's path %q", got, base+".report.html")
	}
	html, err := os.ReadFile(base + ".report.html")
	if err != nil {
		t.Fatal(err)
	}
	// The header names the run's scenario, and its facts the faults injected, from the series its
	// first report saved, as the lab's reports do.
	for _, want := range []string{"deviated", "What is the impact of minor delays?", "normal-error-rates", "uPlot", "scenario <strong>resilient</strong>",
		"31 by ChaosLab-Etl while the fault was on"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(string(html), `src="http`) || strings.Contains(string(html), `href="http`) {
		t.Error("report loads something from the network")
	}
	s, err := report.ReadSeries(base + ".series.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Probes) == 0 {
		t.Errorf("series hold no probe (the experiment's %d probes should each have their queries)", 3)
	}

	// A copy of the journal, with no series beside it: the header names the scenario of the
	// stack the outputs name (flawed), as run's own report does.
	copied := filepath.Join(dir, "copied.json")
	if err := os.WriteFile(copied, mustRead(t, journal), 0o644); err != nil {
		t.Fatal(err)
	}
	mc, _, errc := newMain()
	if err := mc.Run(ctx, []string{"report", "-outputs", outputs, "-experiment", "exp_1-minor_delay", copied}); err != nil {
		t.Fatalf("report of a copied journal: %v\n%s", err, errc.String())
	}
	if page := string(mustRead(t, filepath.Join(dir, "copied.report.html"))); !strings.Contains(page, "scenario <strong>flawed</strong>") ||
		!strings.Contains(page, "The scenario is the stack&#39;s now") {
		t.Error("the report of a journal without a saved series does not name the stack's scenario as the stack's")
	}
	// The stack's scenario is not the run's: the series written beside the copy does not keep it.
	if cs, err := report.ReadSeries(filepath.Join(dir, "copied.series.json")); err != nil || cs.Scenario != "" {
		t.Errorf("the copy's series: scenario %q (%v), want none", cs.Scenario, err)
	}

	// Later, without the cloud: from the saved series.
	m2, out2, errb2 := newMain()
	m2.AWSConfig = nil
	again := filepath.Join(dir, "again.report.html")
	if err := m2.Run(ctx, []string{"report", "-series", base + ".series.json", "-o", again, journal}); err != nil {
		t.Fatalf("report -series: %v\n%s", err, errb2.String())
	}
	if strings.TrimSpace(out2.String()) != again {
		t.Errorf("printed %q, want %q", out2.String(), again)
	}
	if page, err := os.ReadFile(again); err != nil {
		t.Error(err)
	} else if !strings.Contains(string(page), "scenario <strong>resilient</strong>") {
		t.Error("the report drawn again from the saved series does not name the scenario")
	}
	// Drawn once more at the same -o: a report there is replaced without -force; a file of the
	// user's is not (it was, HTML over notes.txt, exit 0), unless -force.
	if m, _, errb := newMain(); m.Run(ctx, []string{"report", "-series", base + ".series.json", "-o", again, journal}) != nil {
		t.Errorf("report -o over its own report: %s", errb)
	}
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("my notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m4, _, errb4 := newMain()
	if err := m4.Run(ctx, []string{"report", "-series", base + ".series.json", "-o", notes, journal}); err == nil ||
		!strings.Contains(err.Error(), "exists and is not a chaoslab report") || string(mustRead(t, notes)) != "my notes\n" {
		t.Errorf("report -o notes.txt: %v (%s), notes %q; want it refused and the notes kept", err, errb4, mustRead(t, notes))
	}
	if m, _, errb := newMain(); m.Run(ctx, []string{"report", "-series", base + ".series.json", "-force", "-o", notes, journal}) != nil ||
		!strings.Contains(string(mustRead(t, notes)), "<!doctype html>") {
		t.Errorf("report -force -o notes.txt: %s; want it replaced", errb)
	}

	// With the cloud gone (an endpoint nothing listens on), the saved series is the only copy of
	// the run's data: report keeps it, draws the report from it, says so, and exits 0.
	saved, err := os.ReadFile(base + ".series.json")
	if err != nil {
		t.Fatal(err)
	}
	gone := func(ctx context.Context) (aws.Config, error) {
		cfg, err := runnertest.AWSConfig(ctx)
		cfg.BaseEndpoint = aws.String("http://127.0.0.1:1")
		cfg.RetryMaxAttempts = 1
		return cfg, err
	}
	m4, out4, errb4 := newMain()
	m4.AWSConfig = gone
	err = m4.Run(ctx, []string{"report", "-outputs", outputs, "-experiment", "exp_1-minor_delay", journal})
	if code := cli.Report(errb4, err, ExitError); code != 0 || !strings.Contains(errb4.String(), "kept the saved series "+base+".series.json") {
		t.Errorf("report with the cloud gone: exit %d, stderr %q; want 0 and the saved series kept", code, errb4)
	}
	if now, _ := os.ReadFile(base + ".series.json"); !bytes.Equal(now, saved) {
		t.Errorf("the saved series was rewritten with the cloud gone (%d bytes, was %d)", len(now), len(saved))
	}
	if html, _ := os.ReadFile(base + ".report.html"); strings.TrimSpace(out4.String()) != base+".report.html" || !strings.Contains(string(html), "normal-error-rates") {
		t.Errorf("printed %q; the report drawn from the saved series lacks the probe's chart", out4)
	}
	// A run with no saved series and no cloud gets a partial report, and exit 2 says so.
	other := filepath.Join(dir, "other.json")
	if err := os.WriteFile(other, mustRead(t, journal), 0o644); err != nil {
		t.Fatal(err)
	}
	m5, _, errb5 := newMain()
	m5.AWSConfig = gone
	err = m5.Run(ctx, []string{"report", "-outputs", outputs, "-experiment", "exp_1-minor_delay", other})
	if code := cli.Report(errb5, err, ExitError); code != 2 || !strings.Contains(errb5.String(), "the report is written, but some metric data could not be read") {
		t.Errorf("report with neither cloud nor saved series: exit %d, stderr %q; want 2, the report partial", code, errb5)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.report.html")); err != nil {
		t.Errorf("the partial report: %v", err)
	}

	// -o names the report's file as given, whatever its name; the series goes beside it.
	m3, out3, errb3 := newMain()
	named := filepath.Join(dir, "weekly.html")
	if err := m3.Run(ctx, []string{"report", "-outputs", outputs, "-experiment", "exp_1-minor_delay", "-o", named, journal}); err != nil {
		t.Fatalf("report -o: %v\n%s", err, errb3.String())
	}
	if strings.TrimSpace(out3.String()) != named {
		t.Errorf("printed %q, want %q", out3.String(), named)
	}
	for _, p := range []string{named, filepath.Join(dir, "weekly.series.json")} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(named + ".report.html"); err == nil {
		t.Errorf("%s.report.html written: -o was not taken as the report's path", named)
	}
}

// GIVEN a run's journal and its saved series WHEN `chaoslab report -series` draws the report
// (no cloud) THEN a probe that totals a metric over its window (exp_1's zero-sns-errors, a Sum
// over 300 s) gets its "Sum over 300 s" line and note, as the lab's report has: from the series'
// own record of it, or, in a series saved before that was kept, from -experiment; AND a series
// that records a query that failed gives a report and exit 2, as a partial report does.
func TestReportFromSeriesAsTheLabDrawsIt(t *testing.T) {
	dir := t.TempDir()
	journal := deviatedJournal(t, dir)
	var j experiments.Journal
	if err := json.Unmarshal(mustRead(t, journal), &j); err != nil {
		t.Fatal(err)
	}
	start, end, _ := report.Window(&j, time.Now())
	j.Before = append(j.Before, experiments.ProbeResult{Name: "zero-sns-errors", Tolerance: experiments.Tolerance{Type: "exact", Text: "0"},
		Value: new(float64), Status: "ok", Pass: true, Start: j.StartedAt, End: j.EndedAt})
	b, _ := json.Marshal(j)
	if err := os.WriteFile(journal, b, 0o644); err != nil {
		t.Fatal(err)
	}
	series := func(name string, total *report.Total, queryErr string) string {
		res := dashboard.Result{ID: "m1", Label: "NumberOfNotificationsFailed"}
		for at := start; at.Before(end); at = at.Add(10 * time.Second) {
			res.Timestamps, res.Values = append(res.Timestamps, at), append(res.Values, 1)
		}
		s := &report.Series{Start: start, End: end, Probes: []report.QuerySet{
			{Name: "zero-sns-errors", Widget: -1, Period: 10, Results: []dashboard.Result{res}, Total: total},
			{Name: "normal-error-rates", Widget: -1, Period: 10, Results: []dashboard.Result{}, Error: queryErr}},
			Injected: &report.Injected{Function: "ChaosLab-Etl", From: start, To: end, Count: 77, Exact: true}}
		p := filepath.Join(dir, name)
		if err := s.WriteFile(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	outputs := outputsFile(t, "arn:aws:states:us-east-1:000000000000:stateMachine:unused", "fault")
	for _, tc := range []struct {
		name, series string
		args         []string
		code         int
		stderr       string
	}{
		{"the series records the total", series("new.series.json", &report.Total{Stat: "Sum", WindowSeconds: 300}, ""), nil, 0, ""},
		{"an older series, the total from -experiment", series("old.series.json", nil, ""), []string{"-outputs", outputs, "-experiment", "exp_1-minor_delay"}, 0, ""},
		// The shipped experiments share their probes' names: the title tells them apart.
		{"-experiment with the probes but another title", series("other.series.json", &report.Total{Stat: "Sum", WindowSeconds: 300}, ""),
			[]string{"-experiment", "exp_2-dynamodb_disruption"}, 0, "-experiment exp_2-dynamodb_disruption may not be the experiment " + journal + " is from: its title is "},
		{"a query failed", series("failed.series.json", &report.Total{Stat: "Sum", WindowSeconds: 300}, "InvalidParameterValue: bad"), nil, 2,
			"the report is written, but the saved series " + filepath.Join(dir, "failed.series.json") + " holds metric data that could not be read: probe normal-error-rates: InvalidParameterValue: bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, out, errb := newMain()
			m.AWSConfig = nil
			html := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".report.html")
			args := append(append([]string{"report", "-series", tc.series, "-o", html}, tc.args...), journal)
			err := m.Run(context.Background(), args)
			if code := cli.Report(errb, err, ExitError); code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb, tc.code, tc.stderr)
			}
			if strings.TrimSpace(out.String()) != html {
				t.Errorf("printed %q, want the report's path", out)
			}
			page := string(mustRead(t, html))
			// The faults injected, as the run counted them and saved them in its series.
			for _, want := range []string{`"label":"Sum over 300 s"`, "and its total over the last 300 s (the probe's window before the fault)", "77 by ChaosLab-Etl while the fault was on"} {
				if !strings.Contains(page, want) {
					t.Errorf("report lacks %q", want)
				}
			}
		})
	}
}

func TestReportArgumentErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "no journal", args: []string{"report"}, want: "want one journal"},
		{name: "-experiment that is none, with -series", args: []string{"report", "-series", writeFile(t, dir, "s.series.json", "{}"), "-experiment", "exp_9-nope",
			writeFile(t, dir, "j.json", `{"executionArn": "arn:aws:states:us-east-1:1:execution:m:e"}`)}, want: `-experiment: exp_9-nope: no such file here, nor a shipped experiment`},
		// Another experiment's probes charted the wrong metrics and none of the journal's (exit 0).
		{name: "-experiment another run's", args: []string{"report", "-series", writeFile(t, dir, "w.series.json", "{}"), "-experiment", "exp_1-minor_delay",
			writeFile(t, dir, "w.json", `{"title": "another", "executionArn": "arn:aws:states:us-east-1:1:execution:m:e", "before": [{"name": "p99-latency"}]}`)},
			want: `-experiment exp_1-minor_delay is not the experiment`},
		{name: "missing file", args: []string{"report", filepath.Join(dir, "nope.json")}, want: "nope.json"},
		{name: "not a journal", args: []string{"report", writeFile(t, dir, "bad.json", "[1, 2]")}, want: "bad.json: not a journal"},
		{name: "JSON, but not a journal", args: []string{"report", writeFile(t, dir, "outputs.json", `{"ChaosLab":{"BucketName":"b"}}`)}, want: "outputs.json: not a chaoslab journal"},
		{name: "a Chaos Toolkit journal", args: []string{"report", writeFile(t, dir, "j.ctk.json", `{"chaoslib-version":"1.45.0","status":"completed","experiment":{}}`)}, want: "j.ctk.json: not a chaoslab journal"},
		{name: "-series that is no series", args: []string{"report", "-series", writeFile(t, dir, "outputs-as-series.json", `{"ChaosLab":{"BucketName":"b"}}`),
			writeFile(t, dir, "n.json", `{"executionArn": "arn:aws:states:us-east-1:1:execution:m:e"}`)}, want: "outputs-as-series.json: not a saved series"},
		// Nothing it reads is written over.
		// A mistyped -o made the whole missing path of directories.
		{name: "-o in a directory that does not exist", args: []string{"report", "-series", writeFile(t, dir, "d.series.json", "{}"), "-o", filepath.Join(dir, "no", "such", "r.html"),
			writeFile(t, dir, "d.json", `{"executionArn": "arn:aws:states:us-east-1:1:execution:m:e"}`)}, want: "-o " + filepath.Join(dir, "no", "such", "r.html") + ": directory " + filepath.Join(dir, "no", "such") + " does not exist"},
		{name: "-o the journal", args: []string{"report", "-series", writeFile(t, dir, "k.series.json", "{}"), "-o", filepath.Join(dir, "k.json"),
			writeFile(t, dir, "k.json", `{"executionArn": "arn:aws:states:us-east-1:1:execution:m:e"}`)}, want: "would be written over the journal"},
		{name: "-o the series", args: []string{"report", "-series", writeFile(t, dir, "l.series.json", "{}"), "-o", filepath.Join(dir, "l.series.json"),
			writeFile(t, dir, "l.json", `{"executionArn": "arn:aws:states:us-east-1:1:execution:m:e"}`)}, want: "would be written over the -series file"},
		{name: "-o whose series is the journal", args: []string{"report", "-o", filepath.Join(dir, "m.html"),
			writeFile(t, dir, "m.series.json", `{"executionArn": "arn:aws:states:us-east-1:1:execution:m:e"}`)}, want: "m.series.json would be written over the journal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := map[string]string{}
			for _, a := range tc.args {
				if b, err := os.ReadFile(a); err == nil {
					before[a] = string(b)
				}
			}
			m, _, errb := newMain()
			err := m.Run(context.Background(), tc.args)
			if err == nil || !strings.Contains(err.Error()+errb.String(), tc.want) {
				t.Errorf("err = %v (stderr %q), want one naming %q", err, errb.String(), tc.want)
			}
			for f, b := range before {
				if after, _ := os.ReadFile(f); string(after) != b {
					t.Errorf("%s changed", f)
				}
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A journal that names the experiment file is refused before the run starts: the run's end wrote the
// journal over the experiment.
func TestRunRefusesTheExperimentFileAsItsJournal(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "experiments", "exp_1-minor_delay.json"))
	if err != nil {
		t.Fatal(err)
	}
	exp := writeFile(t, t.TempDir(), "mine.json", string(b))
	m, _, errb := newMain()
	err = m.Run(context.Background(), []string{"run", "-state-machine-arn", "arn:aws:states:us-east-1:000000000000:stateMachine:X",
		"-fault-parameter", "p", "-journal", exp, exp})
	if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "-journal "+exp+" is the experiment file") {
		t.Errorf("run -journal <the experiment>: exit %d, stderr %q; want 2, refused", code, errb)
	}
	if after, _ := os.ReadFile(exp); string(after) != string(b) {
		t.Errorf("the experiment file changed: %s", after)
	}
}

// A journal that cannot be written is refused before the run starts (it failed only after the whole
// experiment, the run's record lost).
func TestRunRefusesAnUnwritableJournal(t *testing.T) {
	for _, tt := range []struct{ journal, want string }{
		{filepath.Join(t.TempDir(), "no", "such", "dir", "j.json"), "dir does not exist"},
		{t.TempDir(), "is a directory"},
	} {
		for _, cmd := range [][]string{
			{"run", "-state-machine-arn", "arn:aws:states:us-east-1:000000000000:stateMachine:X", "-fault-parameter", "p", "-journal", tt.journal, "exp_1-minor_delay"},
			{"follow", "-journal", tt.journal, "arn:aws:states:us-east-1:000000000000:execution:X:e"},
		} {
			m, _, errb := newMain()
			err := m.Run(context.Background(), cmd)
			if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "-journal") || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("%s -journal %s: exit %d, stderr %q; want 2, -journal named and %q", cmd[0], tt.journal, code, errb.String(), tt.want)
			}
		}
	}
}

// With no AWS region the report is still there to draw from the run's saved series: the error
// says how.
func TestReportWithoutAWSNamesTheSavedSeries(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	dir := t.TempDir()
	t.Chdir(dir)
	journal := writeFile(t, dir, "run.json", `{"executionArn": "arn:aws:states:us-east-1:1:execution:m:e"}`)
	writeFile(t, dir, "run.series.json", `{"start": "2026-12-05T20:00:00Z", "end": "2026-12-05T20:05:00Z"}`)
	// The stack's dashboard is there to be read: without anything to read, no AWS is asked for.
	outputs := writeFile(t, dir, "outputs.json", `{"ChaosLab": {"DashboardName": "ChaosLab-Dashboard"}}`)
	m, _, errb := newMain()
	m.AWSConfig = nil
	err := m.Run(context.Background(), []string{"report", "-outputs", outputs, journal})
	if err == nil || !strings.Contains(err.Error(), "no AWS region configured") || !strings.Contains(err.Error(), "chaoslab report -series "+filepath.Join(dir, "run.series.json")) {
		t.Errorf("report without a region: %v\n%s; want the saved series named", err, errb)
	}
}

// GIVEN a journal and neither -experiment nor a stack outputs file (so no dashboard) WHEN `chaoslab
// report` runs THEN nothing is read from CloudWatch (no AWS needed): the report charts the probes'
// measured values, the run's own saved series is drawn from when it is there (of the run's
// window, the file left as it was), and stderr says why there are no metric charts and what
// would give them. It wrote the report without a word, an empty series beside it, and with a
// saved series said "CloudWatch gave 0 now" of a read it never made.
func TestReportWithNothingToReadFromCloudWatch(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	here, _ := os.Getwd()
	noOutputs := "no dashboard: no stack outputs file outputs.json in " + here
	bare := writeFile(t, t.TempDir(), "outputs.json", `{"ChaosLab": {"TopicName": "t"}}`)
	const seriesMark = "SERIES" // in stderr: the saved series' path
	for _, tc := range []struct {
		name   string
		args   []string
		saved  bool
		other  bool   // the saved series is of another window
		broken string // the saved series' file holds this instead
		stderr []string
	}{
		{"no outputs file, no saved series", nil, false, false, "", []string{
			"chaoslab report: no metric charts: nothing to read from CloudWatch (no -experiment, and " + noOutputs,
			"and no saved series of the run at " + seriesMark + "; the report charts the probes' measured values", "For the charts: -experiment <the run's experiment> (its probes), and the stack's outputs file (-outputs: its dashboard)"}},
		{"an outputs file without a dashboard", []string{"-outputs", bare}, false, false, "", []string{
			"no dashboard: " + bare + ", stack ChaosLab has no output DashboardName"}},
		{"another run's saved series", nil, true, true, "", []string{
			"the series saved at " + seriesMark + " is of another window (", "-series " + seriesMark + " draws from it all the same"}},
		{"an unreadable saved series", nil, true, false, "{not json", []string{
			"and the saved series could not be read ("}},
		{"the run's saved series", nil, true, false, "", []string{
			"chaoslab report: nothing to read from CloudWatch (no -experiment, and " + noOutputs, "): drawn from the run's saved series " + seriesMark + "\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			journal := deviatedJournal(t, dir)
			seriesPath := strings.TrimSuffix(journal, ".json") + ".series.json"
			var saved []byte
			if tc.saved {
				var j experiments.Journal
				if err := json.Unmarshal(mustRead(t, journal), &j); err != nil {
					t.Fatal(err)
				}
				start, end, _ := report.Window(&j, time.Now())
				if tc.other {
					start, end = start.Add(-time.Hour), end.Add(-time.Hour)
				}
				s := &report.Series{Start: start, End: end, Scenario: "resilient", Probes: []report.QuerySet{}, Dashboards: []report.DashboardSeries{},
					Injected: &report.Injected{Function: "ChaosLab-Etl", From: start, To: end, Count: 41, Exact: true}}
				if err := s.WriteFile(seriesPath); err != nil {
					t.Fatal(err)
				}
				if tc.broken != "" {
					writeFile(t, dir, filepath.Base(seriesPath), tc.broken)
				}
				saved = mustRead(t, seriesPath)
			}
			m, out, errb := newMain()
			m.AWSConfig = nil
			err := m.Run(context.Background(), append(append([]string{"report"}, tc.args...), journal))
			if err != nil {
				t.Fatalf("report: %v\nstderr:\n%s", err, errb)
			}
			html := strings.TrimSuffix(journal, ".json") + ".report.html"
			if strings.TrimSpace(out.String()) != html {
				t.Errorf("printed %q, want the report's path %s", out, html)
			}
			for _, want := range tc.stderr {
				if want = strings.ReplaceAll(want, seriesMark, seriesPath); !strings.Contains(errb.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errb)
				}
			}
			if strings.Contains(errb.String(), "CloudWatch gave") {
				t.Errorf("stderr speaks of a CloudWatch read never made:\n%s", errb)
			}
			page := string(mustRead(t, html))
			if tc.saved {
				if got := mustRead(t, seriesPath); !bytes.Equal(got, saved) {
					t.Errorf("the saved series was written over:\n%s", got)
				}
			}
			if tc.saved && !tc.other && tc.broken == "" {
				if !strings.Contains(page, "41 by ChaosLab-Etl while the fault was on") {
					t.Errorf("the report is not drawn from the saved series (no count of the faults it saved)")
				}
				return
			}
			if _, err := os.Stat(seriesPath); !tc.saved && !os.IsNotExist(err) {
				t.Errorf("a series was written with nothing read: %v", err)
			}
			if !strings.Contains(page, "No metric series were fetched for this run") {
				t.Errorf("the report does not say it has no metric series")
			}
		})
	}
}
