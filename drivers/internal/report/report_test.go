package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/report"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard/browsertest"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// root holds node_modules (the chart library).
const root = "../../.."

// labBody is the lab's synthesized dashboard body, the live page's fixture.
func labBody(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "local", "dashboard", "testdata", "lab-body.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cloudWatch serves a local CloudWatch store through a gateway and returns the SDK client for it:
// the client a lab run uses with AWS_ENDPOINT_URL.
func cloudWatch(t *testing.T) (*localcw.Store, *cloudwatch.Client) {
	t.Helper()
	store := localcw.NewStore()
	g := gateway.New(gateway.Options{})
	g.Handle("monitoring", store.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addr, err := g.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return store, cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
}

func f(v float64) *float64 { return &v }

// scenario is a deviated run of a minor-delay experiment, t0 being its start: steady state
// observed for 60 s, the fault written at t0+60 s with a 120 s pause, the steady state after
// over the fault's window, the rollback at t0+185 s, and the recovery observed for 60 s.
type scenario struct {
	t0                     time.Time
	journal                *experiments.Journal
	compiled               *experiments.Compiled
	faultOn, faultOff, end time.Time
}

func newScenario(t0 time.Time) scenario {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	ts := func(s int) string { return at(s).UTC().Format(time.RFC3339Nano) }
	const param = "/ChaosLab/failureLambdaConfig"
	inFlight := experiments.Tolerance{Type: experiments.ToleranceRange, Min: -10, Max: 80, Text: "[-10, 80]"}
	errorsTol := experiments.Tolerance{Type: experiments.ToleranceExact, Min: 0, Max: 0, Text: "0"}
	probe := func(name, query string, tol experiments.Tolerance, v *float64, pass bool, from, to int) experiments.ProbeResult {
		status := experiments.ProbeOK
		if !pass {
			status = experiments.ProbeDeviated
		}
		return experiments.ProbeResult{Name: name, Query: query, Tolerance: tol, Value: v, Status: status, Pass: pass, Start: ts(from), End: ts(to)}
	}
	const q = "e1 = ((2*m1) - (m2+m3)) / (2*m1) * 100"
	j := &experiments.Journal{
		Title: "What happens when the function is slow?", ExecutionArn: "arn:aws:states:us-east-1:000000000000:execution:Machine:exp-1",
		Verdict: experiments.VerdictDeviated, StartedAt: ts(0), EndedAt: ts(250),
		Before: []experiments.ProbeResult{probe("messages-in-flight", q, inFlight, f(25), true, 0, 60), probe("lambda-errors", "m1 (AWS/Lambda Errors Sum)", errorsTol, f(0), true, 0, 60)},
		Method: []experiments.ActionResult{{Name: "enable-latency", Parameter: param, Value: json.RawMessage(`{"isEnabled":true,"failureMode":"latency","rate":1,"minLatency":3000,"maxLatency":5000,"expiresAfterSeconds":300}`),
			PauseAfterSeconds: 120, PutAt: ts(60), OnsetSeconds: 5, InForceAt: ts(65), EndedAt: ts(180)}},
		After:     []experiments.ProbeResult{probe("messages-in-flight", q, inFlight, f(87.5), false, 60, 180), probe("lambda-errors", "m1 (AWS/Lambda Errors Sum)", errorsTol, nil, false, 60, 180)},
		Rollbacks: []experiments.ActionResult{{Name: "disable-fault", Parameter: param, Value: json.RawMessage(`{"isEnabled":false}`), PutAt: ts(185), EndedAt: ts(185)}},
		AfterRollback: []experiments.ProbeResult{probe("messages-in-flight", q, inFlight, f(25), true, 185, 245),
			probe("lambda-errors", "m1 (AWS/Lambda Errors Sum)", errorsTol, f(2), false, 185, 245)},
		Error: &experiments.StepError{Error: experiments.ErrSteadyStateDeviated, Cause: "messages-in-flight 87.5 is outside [-10, 80]"},
	}
	stat := func(id, ns, name, dim, val string) experiments.MetricDataQuery {
		return experiments.MetricDataQuery{Id: id, ReturnData: aws.Bool(false), MetricStat: &experiments.MetricStat{Period: 420, Stat: "Sum",
			Metric: experiments.Metric{Namespace: ns, MetricName: name, Dimensions: []experiments.Dimension{{Name: dim, Value: val}}}}}
	}
	c := &experiments.Compiled{Version: experiments.CompiledVersion, Title: j.Title, SteadyState: experiments.CompiledHypothesis{Probes: []experiments.CompiledProbe{
		{Name: "messages-in-flight", Query: q, Tolerance: inFlight, MetricDataQueries: []experiments.MetricDataQuery{
			stat("m1", "AWS/SQS", "NumberOfMessagesSent", "QueueName", "ChaosLab-JsonQueue"),
			stat("m2", "AWS/SQS", "NumberOfMessagesSent", "QueueName", "ChaosLab-CsvQueue"),
			stat("m3", "ChaosTransformer", "SymbolWriteCount", "DynamoDBTable", "ChaosLab-Table"),
			{Id: "e1", Expression: "((2*m1) - (m2+m3)) / (2*m1) * 100", Label: "in flight %", ReturnData: aws.Bool(true)}}},
		{Name: "lambda-errors", Query: "m1", Tolerance: errorsTol, WindowSeconds: 60, MetricDataQueries: []experiments.MetricDataQuery{
			func() experiments.MetricDataQuery {
				m := stat("m1", "AWS/Lambda", "Errors", "FunctionName", "ChaosLab-Function")
				m.ReturnData = nil
				return m
			}()}},
	}}}
	return scenario{t0: t0, journal: j, compiled: c, faultOn: at(60), faultOff: at(185), end: at(250)}
}

// putTraffic puts a second of pipeline traffic at each second of [from, to): 4 JSON messages,
// and while the fault is on the CSV side and the symbol writes fall from 3 to 0.5 a second
// (in flight: 25 % steady, 87.5 % under the fault).
func putTraffic(store *localcw.Store, sc scenario, from, to time.Time) {
	for at := from; at.Before(to); at = at.Add(time.Second) {
		out := 3.0
		if !at.Before(sc.faultOn) && at.Before(sc.faultOff) {
			out = 0.5
		}
		store.Put(
			localcw.Datum{Namespace: "AWS/SQS", Name: "NumberOfMessagesSent", Dimensions: map[string]string{"QueueName": "ChaosLab-JsonQueue"}, Value: 4, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "AWS/SQS", Name: "NumberOfMessagesReceived", Dimensions: map[string]string{"QueueName": "ChaosLab-JsonQueue"}, Value: 4, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "AWS/SQS", Name: "NumberOfMessagesSent", Dimensions: map[string]string{"QueueName": "ChaosLab-CsvQueue"}, Value: out, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "ChaosTransformer", Name: "SymbolWriteCount", Dimensions: map[string]string{"DynamoDBTable": "ChaosLab-Table"}, Value: out, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "AWS/Lambda", Name: "Duration", Dimensions: map[string]string{"FunctionName": "ChaosLab-Function"}, Value: 150, Unit: "Milliseconds", Time: at},
		)
	}
}

func TestFetchReadsTheRunWindowWithTheSDK(t *testing.T) {
	// GIVEN a run that ended a minute ago, and its traffic in CloudWatch
	sc := newScenario(time.Now().Add(-5 * time.Minute).Truncate(time.Second))
	store, cw := cloudWatch(t)
	putTraffic(store, sc, sc.t0.Add(-30*time.Second), sc.end)
	run := report.Run{Journal: sc.journal, Compiled: sc.compiled, Dashboards: []report.Dashboard{{Name: "ChaosLab-Dashboard", Body: labBody(t)}}}

	// WHEN the series are fetched
	s, err := report.Fetch(context.Background(), cw, run)
	if err != nil {
		t.Fatal(err)
	}

	// THEN the window covers the run with a period of margin, at a period giving ≥ 24 points
	if s.Start.After(sc.t0) || s.End.Before(sc.end) || s.End.Sub(s.Start) > 6*time.Minute {
		t.Errorf("window %s – %s, want around %s – %s", s.Start, s.End, sc.t0, sc.end)
	}
	if len(s.Probes) != 2 || s.Probes[0].Name != "messages-in-flight" || s.Probes[0].Period != 10 {
		t.Fatalf("probes = %+v", s.Probes)
	}
	// The probe's expression is evaluated per 10 s: 25 % before the fault, 87.5 % under it.
	r := s.Probes[0].Results
	if len(r) != 1 || r[0].ID != "e1" || len(r[0].Values) < 20 {
		t.Fatalf("in-flight results = %+v", r)
	}
	var steady, faulted int
	for i, v := range r[0].Values {
		mid := r[0].Timestamps[i].Add(5 * time.Second)
		switch {
		case mid.Before(sc.faultOn) && math.Abs(v-25) < 0.01:
			steady++
		case mid.After(sc.faultOn.Add(10*time.Second)) && mid.Before(sc.faultOff.Add(-10*time.Second)) && math.Abs(v-87.5) < 0.01:
			faulted++
		}
	}
	if steady < 5 || faulted < 8 {
		t.Errorf("in flight: %d points at 25 before the fault, %d at 87.5 under it; values %v", steady, faulted, r[0].Values)
	}
	// A probe whose one query names no ReturnData returns it (CloudWatch's default).
	if len(s.Probes[1].Results) != 1 {
		t.Errorf("lambda-errors results = %+v", s.Probes[1].Results)
	}
	// The series keeps what a probe that totals one metric reads, for a report drawn from it alone.
	if s.Probes[0].Total != nil || s.Probes[1].Total == nil || s.Probes[1].Total.Stat != "Sum" {
		t.Errorf("totals %+v, %+v; want none for the expression, Sum for lambda-errors", s.Probes[0].Total, s.Probes[1].Total)
	}
	// Every metric widget of the dashboard was fetched.
	if len(s.Dashboards) != 1 || len(s.Dashboards[0].Widgets) != 14 {
		t.Fatalf("dashboards = %d, widgets = %d, want 1 and 14", len(s.Dashboards), len(s.Dashboards[0].Widgets))
	}
	for _, w := range s.Dashboards[0].Widgets {
		if w.Error != "" {
			t.Errorf("widget %s: %s", w.Name, w.Error)
		}
		// The period saved is the one the data came at: a single value's too (its own 300 s).
		if want := 10; w.Widget < 3 || w.Widget > 5 {
			if w.Period != want {
				t.Errorf("widget %s: period %d, want %d (the graph's, ≥ 24 points over the window)", w.Name, w.Period, want)
			}
		} else if w.Period != 300 {
			t.Errorf("single value %s: period %d, want its own 300", w.Name, w.Period)
		}
	}

	// AND the series survive a round trip through the file saved beside the journal
	path := filepath.Join(t.TempDir(), "run.series.json")
	if err := s.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadSeries(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Probes[0].Results[0].Values) != len(r[0].Values) || !back.Start.Equal(s.Start) {
		t.Error("series changed across WriteFile/ReadSeries")
	}
}

func TestFetchRecordsFailedQueries(t *testing.T) {
	sc := newScenario(time.Now().Add(-5 * time.Minute))
	_, cw := cloudWatch(t)
	sc.compiled.SteadyState.Probes[0].MetricDataQueries[3].Expression = "m1 +* 2"
	s, err := report.Fetch(context.Background(), cw, report.Run{Journal: sc.journal, Compiled: sc.compiled})
	if err == nil || !strings.Contains(err.Error(), "messages-in-flight") {
		t.Errorf("err = %v, want one naming the probe", err)
	}
	if s == nil || s.Probes[0].Error == "" || s.Probes[1].Error != "" {
		t.Errorf("series = %+v, want the first probe's error recorded and the second fetched", s)
	}
}

// A dashboard whose body cannot be read is recorded in the series as an error, so a report drawn
// from the saved series says it is partial (chaoslab report -series exits 2), as one drawn now does.
func TestFetchRecordsAnUnreadableDashboard(t *testing.T) {
	sc := newScenario(time.Now().Add(-5 * time.Minute))
	_, cw := cloudWatch(t)
	run := report.Run{Journal: sc.journal, Compiled: sc.compiled,
		Dashboards: []report.Dashboard{{Name: "broken", Body: "{not json"}}}
	s, err := report.Fetch(context.Background(), cw, run)
	if err == nil || !strings.Contains(err.Error(), "dashboard broken") {
		t.Errorf("Fetch: %v, want an error naming the dashboard", err)
	}
	if s == nil || len(s.Dashboards) != 1 || s.Dashboards[0].Error == "" {
		t.Fatalf("series = %+v, want the dashboard's error recorded", s)
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "dashboard broken: body not read") {
		t.Errorf("Series.Err = %v, want the unreadable body", err)
	}
}

func TestRenderEveryKindOfRun(t *testing.T) {
	chart, err := dashboard.LoadChartLibrary(root)
	if err != nil {
		t.Fatal(err)
	}
	opts := report.Options{Chart: chart}
	sc := newScenario(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	held := *sc.journal
	held.Verdict, held.Error = experiments.VerdictHeld, nil
	notSteady := experiments.Journal{Title: "x", Verdict: experiments.VerdictNotSteadyBefore, StartedAt: sc.journal.StartedAt,
		Before: sc.journal.After, Error: &experiments.StepError{Error: experiments.ErrNotSteadyBefore, Cause: "{}"}}
	rollback := experiments.Journal{Title: "x", RollbackOf: "arn:aws:states:us-east-1:000000000000:execution:Machine:exp-1", Verdict: experiments.VerdictAborted,
		StartedAt: sc.journal.StartedAt, Rollbacks: sc.journal.Rollbacks, AfterRollback: sc.journal.AfterRollback,
		RollbackError: &experiments.StepError{Error: "States.TaskFailed", Cause: "AccessDenied on ssm:PutParameter"}}
	// A guard breach fails the method's Map: no method results, the breached write's time kept by the guard.
	breach := *sc.journal
	breach.Verdict, breach.Method, breach.After = experiments.VerdictAborted, nil, nil
	breach.GuardBreach = &experiments.GuardBreach{Action: "enable-latency", PutAt: sc.journal.Method[0].PutAt, Probe: sc.journal.After[0]}
	breach.Error = &experiments.StepError{Error: experiments.ErrGuardBreached, Cause: "{}"}
	// A guard breach of a machine that keeps the breached write in the breach: its value, its
	// parameter and its onset are the report's, as an action's record's are.
	breachKept := breach
	m0 := sc.journal.Method[0]
	breachKept.GuardBreach = &experiments.GuardBreach{Action: "enable-latency", PutAt: m0.PutAt, Probe: sc.journal.After[0],
		Parameter: m0.Parameter, Value: m0.Value, OnsetSeconds: m0.OnsetSeconds, InForceAt: m0.InForceAt}
	// A guard breach whose rollbacks failed too: no result names the parameter, and nothing
	// switched the fault off.
	breachNotRolledBack := breach
	breachNotRolledBack.Rollbacks, breachNotRolledBack.AfterRollback = nil, nil
	breachNotRolledBack.RollbackError = &experiments.StepError{Error: "Ssm.InternalServerError", Cause: "{}"}
	// A run stopped during its pause (Ctrl-C), as chaoslab writes its journal: the phases it ran,
	// then the rollback guard's run's rollbacks.
	interrupted := *sc.journal
	interrupted.Verdict, interrupted.After, interrupted.Error = experiments.VerdictAborted, nil, nil
	interrupted.RolledBackBy = "arn:aws:states:us-east-1:000000000000:execution:Machine:rollback-1"
	interrupted.Method = slices.Clone(sc.journal.Method)
	interrupted.Method[0].EndedAt = sc.journal.Method[0].InForceAt
	// A rollback that failed in the run: its Map's results are lost, its error kept.
	rollbackFailed := held
	rollbackFailed.Rollbacks = nil
	rollbackFailed.RollbackError = &experiments.StepError{Error: "Ssm.InternalServerError", Cause: "{}"}
	for _, c := range []struct {
		name string
		run  report.Run
		want []string
	}{
		{"guard breach", report.Run{Journal: &breach}, []string{">aborted<", "Fault written: enable-latency", "ended by the guard&#39;s breach", "Guard breached", `FAIL <span class="r-sub">breached</span>`,
			"enable-latency, until the guard breached on", "shaded red in every chart"}},
		{"guard breach that kept the write", report.Run{Journal: &breachKept}, []string{"Fault written: enable-latency", m0.Parameter + " = ",
			"for the fault to be in force everywhere", "ended by the guard&#39;s breach", "Guard breached"}},
		{"rollback failed", report.Run{Journal: &rollbackFailed}, []string{`<td class="r-when">failed</td>`, "Ssm.InternalServerError"}},
		// The fault the guard breached on, never rolled back, is on to the journal's end and shaded
		// (the report said "No fault was on during this run").
		{"guard breach not rolled back", report.Run{Journal: &breachNotRolledBack}, []string{"Fault written: enable-latency", "Guard breached",
			`<td class="r-when">failed</td>`, "enable-latency, not rolled back on its parameter (not in the journal) from 12:01:00 still on at the end of the journal",
			"shaded red in every chart", `"summary":"enable-latency, not rolled back","ongoing":true`}},
		{"deviated", report.Run{Journal: sc.journal, Scenario: "flawed", Experiment: "exp_1-minor_delay"},
			[]string{">deviated<", "SteadyStateDeviated", "messages-in-flight 87.5 is outside", "Fault written: enable-latency", "latency", "scenario <strong>flawed</strong>", "87.5", "[-10, 80]", `FAIL <span class="r-sub">deviated</span>`,
				`"label":"after rollback","pass":true,"notJudged":true`, "judged over each measured window (the marks)"}},
		{"held", report.Run{Journal: &held}, []string{">held<", "held before the fault"}},
		{"not steady before", report.Run{Journal: &notSteady}, []string{">not-steady-before<", "NotSteadyBefore", "did not run", "No fault was on",
			// a probe outside its tolerance before the fault is not steady, not "deviated"
			`FAIL <span class="r-sub">not steady</span>`}},
		{"interrupted, rolled back by the guard", report.Run{Journal: &interrupted}, []string{">aborted<", "Rolled back by", "rollback-1",
			"Fault written: enable-latency", "from 12:01:00 to 12:03:05 (2m5s)", "120 s after the write", "cut short after 5s, when the execution ended"}},
		{"rollback run", report.Run{Journal: &rollback}, []string{">aborted<", "Rollback of", "A rollback failed", "AccessDenied", "on before this rollback run"}},
		{"no journal", report.Run{Error: "execution ex-1 without a journal: States.Runtime"}, []string{"no verdict", "without a journal", "left no journal"}},
		{"empty journal", report.Run{Journal: &experiments.Journal{}}, []string{"no verdict", "(untitled experiment)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := opts.Render(&b, c.run, nil); err != nil {
				t.Fatal(err)
			}
			html := b.String()
			// Only the page's own scripts run: hashes, not 'unsafe-inline'.
			if csp := html[strings.Index(html, "Content-Security-Policy"):]; !strings.Contains(csp[:strings.Index(csp, ">")], "script-src &#39;sha256-") ||
				strings.Contains(csp[:strings.Index(csp, ">")], "script-src &#39;unsafe-inline") {
				t.Errorf("Content-Security-Policy %s: want the scripts' hashes, not 'unsafe-inline'", csp[:strings.Index(csp, ">")])
			}
			for _, w := range c.want {
				if !strings.Contains(html, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			// Only uPlot's license header and its SVG namespace name a URL: the browser test
			// shows that nothing is requested.
			for rest := html; ; {
				i := strings.Index(rest, "://")
				if i < 0 {
					break
				}
				u := rest[max(0, i-5):min(len(rest), i+30)]
				if !strings.Contains(u, "://github.com/leeoniya/uPlot") && !strings.Contains(u, "://www.w3.org/") {
					t.Errorf("report names a URL: %q", u)
				}
				rest = rest[i+3:]
			}
		})
	}
}

func TestIndexPutsScenariosSideBySide(t *testing.T) {
	var b bytes.Buffer
	err := report.Index(&b, []report.IndexRow{
		{Experiment: "exp_1-minor_delay", Scenario: "flawed", Verdict: "deviated", Report: "flawed/exp_1.report.html", Detail: "12 lost"},
		{Experiment: "exp_1-minor_delay", Scenario: "resilient", Verdict: "held", Report: "resilient/exp_1.report.html"},
		{Experiment: "exp_2-dynamodb_disruption", Scenario: "flawed", Verdict: "", Error: "local cloud did not start"},
		{Experiment: "exp_3-output_write_failure", Scenario: "flawed", Verdict: "error", Error: "no journal"},
		{Experiment: "exp_3-output_write_failure", Scenario: "resilient", Verdict: "held", Report: "r3-again-1.report.html",
			Earlier: []report.EarlierAttempt{{Report: "r3.report.html", Why: "messages-in-flight 95.0 outside [-10, 80]"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, w := range []string{`<th>flawed</th><th>resilient</th>`, `href="flawed/exp_1.report.html" aria-label="exp_1-minor_delay on flawed: deviated (its report)">deviated</a>`,
		`href="resilient/exp_1.report.html" aria-label="exp_1-minor_delay on resilient: held (its report)">held</a>`, "12 lost", "local cloud did not start", "not run",
		// A trial run again says so, and links the attempt that did not count.
		`run again: attempt 1 was not steady before its fault (messages-in-flight 95.0 outside [-10, 80]), <a href="r3.report.html">its report</a>`} {
		if !strings.Contains(html, w) {
			t.Errorf("index lacks %q", w)
		}
	}
	if strings.Count(html, "<tr>") != 4 { // header + three experiments
		t.Errorf("want 3 experiment rows:\n%s", html)
	}
	// A verdict that is none of the four (the lab's "error") has a badge of a colour, not none.
	if strings.Contains(html, "verdict-error") || strings.Count(html, "verdict-none") < 2 {
		t.Errorf("an error verdict's badge: want the class verdict-none:\n%s", html)
	}
}

// A journal's report and series are named as the run and the lab name them, so that report finds
// (and keeps) the series they saved.
func TestBase(t *testing.T) {
	for in, want := range map[string]string{
		"lab-results/flawed-exp_1.journal.json": "lab-results/flawed-exp_1",
		"journal-exp_1-20261203T0800Z.json":     "journal-exp_1-20261203T0800Z",
		"x.journal":                             "x.journal",
	} {
		if got := report.Base(in); got != want {
			t.Errorf("Base(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestReportInChromium renders a deviated run's report with fetched series and opens the file
// in headless Chromium.
func TestReportInChromium(t *testing.T) {
	begin := time.Now()
	b := browsertest.Start(t, 60*time.Second)
	// The run starts 90 s before a 5-minute boundary of the clock, so that the fault (60 s to 185 s
	// in) spans two of the single values' 5-minute periods whatever the time: from now - 5 min, the
	// report's range fell inside one period now and then, one datapoint spanned it, and a single
	// value rightly said nothing of the fault (the test failed at those minutes).
	sc := newScenario(time.Now().Add(-10 * time.Minute).Truncate(5 * time.Minute).Add(-90 * time.Second))
	store, cw := cloudWatch(t)
	putTraffic(store, sc, sc.t0.Add(-30*time.Second), sc.end)
	body := labBody(t)
	run := report.Run{Journal: sc.journal, Compiled: sc.compiled, Scenario: "flawed", Experiment: "exp_1-minor_delay",
		Dashboards: []report.Dashboard{{Name: "ChaosLab-Dashboard", Body: body}}, Error: "verdict deviated",
		Documents: "506 published, 452 converted, 0 in the error queue, 54 pending in the work queue, 0 lost; 0 DynamoDB writes missing",
		Index:     "../index.html", Injected: &report.Injected{Function: "ChaosLab-Etl", From: sc.t0, To: sc.end, Count: 212, Exact: true}}
	s, err := report.Fetch(context.Background(), cw, run)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "flawed", "exp_1.report.html")
	if err := (report.Options{Root: root}).WriteFile(path, run, s); err != nil {
		t.Fatal(err)
	}
	// The index beside it, linking to it.
	var idx bytes.Buffer
	if err := report.Index(&idx, []report.IndexRow{{Experiment: "exp_1-minor_delay", Scenario: "flawed", Verdict: "deviated", Report: "flawed/exp_1.report.html"},
		{Experiment: "exp_1-minor_delay", Scenario: "resilient", Verdict: "held"}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), idx.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// WHEN the index is opened from disk and its link followed
	ip := b.Open(t, (&url.URL{Scheme: "file", Path: filepath.Join(dir, "index.html")}).String(), browsertest.FileOnly)
	href := browsertest.Eval[string](t, ip, `document.querySelector('td[data-scenario="flawed"] a').href`)
	// AND the link says which run it is to a screen reader (five of them read "deviated")
	if label := browsertest.Eval[string](t, ip, `document.querySelector('td[data-scenario="flawed"] a').getAttribute("aria-label")`); label != "exp_1-minor_delay on flawed: deviated (its report)" {
		t.Errorf("the verdict link's label = %q", label)
	}
	// AND at a phone's width the page does not scroll sideways: the table scrolls in itself
	ip.Viewport(t, 420, 800)
	if w := browsertest.Eval[float64](t, ip, `document.documentElement.scrollWidth`); w > 420 {
		t.Errorf("the index is %v px wide in a 420 px window, want no sideways scrolling", w)
	}
	ip.Viewport(t, 1280, 1000)
	ip.Check(t)
	p := b.Open(t, href, browsertest.FileOnly)
	p.Wait(t, `document.body.dataset.rendered === "true"`, 10*time.Second)

	// THEN it links back to the index, and says what became of the documents
	if back := browsertest.Eval[string](t, p, `document.querySelector(".r-back a").href`); back != (&url.URL{Scheme: "file", Path: filepath.Join(dir, "index.html")}).String() {
		t.Errorf("the link back = %q, want the index", back)
	}
	if docs := browsertest.Eval[string](t, p, `document.getElementById("documents").textContent`); docs != run.Documents {
		t.Errorf("documents = %q", docs)
	}
	// AND how many faults the function injected while the fault was on
	if in := browsertest.Eval[string](t, p, `document.getElementById("injected").textContent`); !strings.HasPrefix(in, "212 by ChaosLab-Etl while the fault was on") {
		t.Errorf("faults injected = %q", in)
	}
	// AND the verdict is there in large type, and the error
	verdict := browsertest.Eval[map[string]any](t, p, `(() => { const v = document.getElementById("verdict");
		return {text: v.textContent, size: parseFloat(getComputedStyle(v).fontSize)}; })()`)
	if verdict["text"] != "deviated" || verdict["size"].(float64) < 32 {
		t.Errorf("verdict = %v, want deviated in large type", verdict)
	}
	if errs := browsertest.Eval[string](t, p, `document.getElementById("errors").textContent`); !strings.Contains(errs, "SteadyStateDeviated") || !strings.Contains(errs, "verdict deviated") {
		t.Errorf("errors section = %q", errs)
	}
	// AND the timeline has every phase, in order
	phases := browsertest.Eval[[]string](t, p, `[...document.querySelectorAll("#timeline th")].map(e => e.textContent)`)
	if strings.Join(phases, " | ") != "Steady state before | Fault written: enable-latency | Pause | Steady state after | Rollback: disable-fault | Steady state after rollback" {
		t.Errorf("timeline = %q", phases)
	}
	// AND the fault's write says what the fault does, in words
	if cells := browsertest.Eval[string](t, p, `document.getElementById("timeline").textContent`); !strings.Contains(cells, "= latency — latency 3000–5000 ms, 100% of invocations") {
		t.Errorf("timeline text lacks the fault in words:\n%s", cells)
	}
	// AND the pause says when the fault was in force, where the window after the method starts
	if cells := browsertest.Eval[string](t, p, `document.getElementById("timeline").textContent`); !strings.Contains(cells, "120 s after the write, the first 5 s for the fault to be in force everywhere (to "+sc.t0.Add(65*time.Second).UTC().Format("15:04:05")) {
		t.Errorf("timeline text lacks the fault's onset:\n%s", cells)
	}
	// AND the probe table, a row per probe and phase
	rows := browsertest.Eval[[][]string](t, p, `[...document.querySelectorAll("#probes tbody tr")].map(r => [...r.cells].map(c => c.textContent.trim()))`)
	if len(rows) != 6 || rows[2][1] != "messages-in-flight" || rows[2][3] != "87.5" || rows[2][4] != "[-10, 80]" || !strings.HasPrefix(rows[2][5], "FAIL") {
		t.Errorf("probe rows = %q", rows)
	}
	// AND the rows after the rollback say where the value is, but neither pass nor FAIL: the verdict does not read them
	if len(rows) == 6 && (rows[4][0] != "after rollback" || rows[4][5] != "inside, not judged" || rows[5][5] != "outside, not judged") {
		t.Errorf("after-rollback rows = %q, want inside/outside, not judged", rows[4:])
	}

	// AND above the table, what each probe reads, once each, in words: the metric math with the
	// metrics named where its ids stood
	reads := browsertest.Eval[[]string](t, p, `[...document.querySelectorAll(".r-reads dt, .r-reads dd")].map(e => e.textContent)`)
	if want := []string{"messages-in-flight", "in flight % = ((2 × NumberOfMessagesSent (ChaosLab-JsonQueue)) − (NumberOfMessagesSent (ChaosLab-CsvQueue) + SymbolWriteCount)) / (2 × NumberOfMessagesSent (ChaosLab-JsonQueue)) × 100 (each metric a Sum over the window)",
		"lambda-errors", "the Sum of AWS/Lambda Errors over the window"}; !slices.Equal(reads, want) {
		t.Errorf("probe readings %q, want %q", reads, want)
	}

	// AND a chart per probe and per dashboard widget, holding the fetched points
	probes := browsertest.Eval[[]map[string]any](t, p, `[...document.querySelectorAll('[data-view="probes"] .cd-widget')].map(e => {
		const u = ChaosDash.charts[e.dataset.widgetId]; let n = 0, max = -Infinity;
		for (let s = 1; s < u.data.length; s++) for (const v of u.data[s]) if (v != null) { n++; max = Math.max(max, v); }
		return {title: e.querySelector(".cd-title").textContent, points: n, max: max, faults: JSON.parse(u.root.dataset.faults || "[]")}; })`)
	if len(probes) != 2 || probes[0]["title"] != "messages-in-flight" || probes[0]["points"].(float64) < 20 || probes[0]["max"] != 87.5 {
		t.Errorf("probe charts = %v", probes)
	}
	widgets := browsertest.Eval[[]map[string]string](t, p, `[...document.querySelectorAll('[data-view="dashboard"] .cd-widget')].map(e => ({type: e.dataset.type, view: e.dataset.view, points: e.dataset.points}))`)
	parsed, _ := dashboard.Parse(body)
	if len(widgets) != len(parsed.Widgets) {
		t.Fatalf("%d dashboard widgets in the report, want %d", len(widgets), len(parsed.Widgets))
	}
	for i, w := range parsed.Widgets {
		hasData := !strings.Contains(w.Title, "SNS") && w.Title != "Error queue" && w.Title != "Function concurrency" && w.Title != "Function invocations" && w.Title != "Error %"
		if hasData && widgets[i]["points"] == "0" {
			t.Errorf("widget %d %q: no points", i, w.Title)
		}
	}

	// AND a single value says the span its number covers, cut at the report's end, not only when
	// its period began
	end := time.Unix(int64(browsertest.Eval[float64](t, p, `JSON.parse(document.getElementById("report-data").textContent).dashboards[0].end`)), 0).UTC().Format("15:04:05")
	captions := browsertest.Eval[[]string](t, p, `[...document.querySelectorAll('[data-view="dashboard"] .cd-single-time')].map(e => e.textContent)`)
	if len(captions) != 2 { // Error % has no data
		t.Errorf("single value captions %q, want 2", captions)
	}
	for _, c := range captions {
		// The span of the last period with data: cut at the report's end, or whole when the report
		// ended just after a period boundary (the period under way then has no datapoint yet).
		var from, to string
		if _, err := fmt.Sscanf(strings.SplitN(c, " (", 2)[0], "over %8s–%8s UTC", &from, &to); err != nil {
			t.Errorf("single value caption %q: %v", c, err)
			continue
		}
		f, _ := time.Parse("15:04:05", from)
		if to != end && to != f.Add(5*time.Minute).Format("15:04:05") {
			t.Errorf("single value caption %q, want the span it covers, to the report's end %s (or its whole 5-minute period)", c, end)
		}
	}

	// AND a single value with data while the fault was on says what it read then: its number is
	// the range's last datapoint, after the rollback
	during := browsertest.Eval[[]map[string]string](t, p, `[...document.querySelectorAll('[data-view="dashboard"] .cd-single-fault')].map(e => ({text: e.textContent, min: e.dataset.min, max: e.dataset.max, last: e.dataset.last}))`)
	window := "during the fault, " + sc.faultOn.UTC().Format("15:04:05") + "–" + sc.faultOff.UTC().Format("15:04:05") + " UTC: "
	if len(during) == 0 {
		t.Errorf("no single value says what it read during the fault")
	}
	for _, d := range during {
		lo, _ := strconv.ParseFloat(d["min"], 64)
		hi, herr := strconv.ParseFloat(d["max"], 64)
		last, lerr := strconv.ParseFloat(d["last"], 64)
		if !strings.HasPrefix(d["text"], window) || herr != nil || lerr != nil || last < lo || last > hi {
			t.Errorf("single value during the fault: %v, want %q..., its last value between its lowest and highest", d, window)
		}
	}

	// AND the fault window is shaded where the journal put it, on every chart
	want := []float64{dashboard.Seconds(sc.faultOn), dashboard.Seconds(sc.faultOff)}
	all := browsertest.Eval[map[string][][]float64](t, p, `(() => { const o = {}; for (const [id, u] of Object.entries(ChaosDash.charts)) o[id] = JSON.parse(u.root.dataset.faults || "[]"); return o; })()`)
	if len(all) < 12 {
		t.Errorf("%d charts, want the 2 probes and the dashboard's graphs", len(all))
	}
	for id, spans := range all {
		if len(spans) != 1 || math.Abs(spans[0][0]-want[0]) > 0.01 || math.Abs(spans[0][1]-want[1]) > 0.01 {
			t.Errorf("chart %s: fault spans %v, want [%v]", id, spans, want)
		}
	}
	// AND in the pixels: red under the fault, green in the tolerance band, neutral elsewhere
	mid, before := (want[0]+want[1])/2, want[0]-25
	if px := browsertest.ChartPixels(t, p, "p0", mid, "b.top + 2"); !px.Mostly(browsertest.Red) {
		t.Errorf("pixels under the fault = %v, want red-tinted", px)
	}
	if px := browsertest.ChartPixels(t, p, "p0", before, `u.valToPos(-5, "y", true)`); !px.Mostly(browsertest.Green) {
		t.Errorf("pixels in the tolerance band = %v, want green-tinted", px)
	}
	if px := browsertest.ChartPixels(t, p, "p0", before, "b.top + 2"); !px.Mostly(browsertest.Neutral) {
		t.Errorf("pixels outside = %v, want neutral", px)
	}
	// AND a probe chart with no datapoints but values measured (lambda-errors: no Errors were put,
	// the journal has readings) says its marks are the probe's readings, not only "no data"; one
	// with data says nothing
	notes := browsertest.Eval[[]string](t, p, `["p0", "p1"].map(id => { const n = document.querySelector('[data-widget-id="' + id + '"] .cd-nodata'); return n ? n.textContent : ""; })`)
	if notes[0] != "" || !strings.HasPrefix(notes[1], "No data in this range") || !strings.Contains(notes[1], "the marks are the probe's readings") {
		t.Errorf("no-data notes %q, want none on messages-in-flight and lambda-errors' saying what its marks are", notes)
	}
	// AND a probe measured with no value (lambda-errors after the fault) has its mark: a dashed
	// segment in the failure's red (#c11b1b) along the chart's bottom over its window
	marked := 0
	for _, c := range browsertest.ChartPixels(t, p, "p1", mid, `b.top + b.height - 3 * devicePixelRatio`) {
		if math.Abs(float64(c[0]-193)) < 10 && c[1] < 40 && c[2] < 40 {
			marked++
		}
	}
	if marked < 3 {
		t.Errorf("lambda-errors' no-data mark: %d of 9 pixels the mark's red, want ≥ 3", marked)
	}

	// AND at 1280 px no time-axis label overlaps or touches the next (8-column graphs are about 400 px wide)
	p.Viewport(t, 1280, 1000)
	p.Wait(t, `ChaosDash.charts.w0.width < 400`, 5*time.Second)
	for id, ls := range browsertest.TickLabels(t, p) {
		if len(ls) < 2 {
			t.Errorf("chart %s: time-axis labels %v, want several", id, ls)
		}
		if o := browsertest.Crowded(ls, 8); len(o) > 0 {
			t.Errorf("chart %s: time-axis labels less than 8 px apart at 1280 px: %v", id, o)
		}
	}
	// AND every probe chart's title (the probe's name) is shown whole, and its note wraps inside the widget
	heads := browsertest.Eval[[]map[string]any](t, p, `[...document.querySelectorAll('[data-view="probes"] .cd-widget')].map(e => {
		const h = e.querySelector(".cd-title"), m = e.querySelector(".cd-meta");
		return {title: h.textContent, width: h.getBoundingClientRect().width, titleClipped: h.scrollWidth > h.clientWidth,
			note: m.textContent, noteClipped: m.scrollWidth > m.clientWidth || m.getBoundingClientRect().right > e.getBoundingClientRect().right}; })`)
	for _, h := range heads {
		if h["width"].(float64) <= 0 || h["titleClipped"].(bool) || h["noteClipped"].(bool) {
			t.Errorf("probe chart %q: title %v px wide (clipped: %v), note %q clipped: %v; want the title whole and the note wrapped",
				h["title"], h["width"], h["titleClipped"], h["note"], h["noteClipped"])
		}
	}
	if len(heads) != 2 || !strings.Contains(heads[1]["note"].(string), "its total over the last 60 s (the probe's window before the fault)") {
		t.Errorf("probe charts %v, want the second's note to name its total (a long note)", heads)
	}
	// AND at a phone's 420 px the page does not scroll sideways: the timeline gives its bars' room
	// to its words, and the probe table scrolls inside itself
	p.Viewport(t, 420, 900)
	p.Wait(t, `window.innerWidth === 420`, 5*time.Second)
	if w := browsertest.Eval[map[string]float64](t, p, `({page: document.documentElement.scrollWidth, view: window.innerWidth,
			timeline: document.getElementById("timeline").getBoundingClientRect().right})`); w["page"] > w["view"] || w["timeline"] > w["view"] {
		t.Errorf("at 420 px: page %v px wide, timeline to %v px, window %v px; want nothing wider than the window", w["page"], w["timeline"], w["view"])
	}
	// AND each chart takes a row of its own there (three a row were 120 px wide, their numbers cut),
	// its canvas as wide as its box
	// (the charts follow their boxes' width as a ResizeObserver tells them: waited for, not read at once)
	const narrowCharts = `[...document.querySelectorAll(".cd-widget")].filter(w => {
			const c = w.querySelector("canvas"); return w.getBoundingClientRect().width <= 300 || c && c.getBoundingClientRect().width < w.getBoundingClientRect().width - 40;
		}).map(w => w.querySelector(".cd-title").textContent)`
	deadline := time.Now().Add(5 * time.Second)
	narrow := browsertest.Eval[[]string](t, p, narrowCharts)
	for len(narrow) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		narrow = browsertest.Eval[[]string](t, p, narrowCharts)
	}
	if len(narrow) > 0 {
		t.Errorf("at 420 px, charts not a row wide (box over 300 px, canvas as wide as its box): %v", narrow)
	}
	p.Viewport(t, 1400, 1000)

	// AND nothing but the file itself was loaded, and no error was logged
	p.Check(t)
	t.Logf("report %d KB; %d requests; test %s", fileSize(t, path)/1024, len(p.Requests()), time.Since(begin).Round(time.Millisecond))
}

func ftoa(v float64) string { b, _ := json.Marshal(v); return string(b) }

func fileSize(t *testing.T, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func TestDashboardsReadsTheDeployedBodies(t *testing.T) {
	_, cw := cloudWatch(t)
	ctx := context.Background()
	for _, n := range []string{"A", "B"} {
		if _, err := cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String(n), DashboardBody: aws.String(`{"widgets":[]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := report.Dashboards(ctx, cw)
	if err != nil || len(all) != 2 || all[0].Name != "A" || all[1].Body != `{"widgets":[]}` {
		t.Errorf("Dashboards() = %+v, %v", all, err)
	}
	one, err := report.Dashboards(ctx, cw, "B")
	if err != nil || len(one) != 1 || one[0].Name != "B" {
		t.Errorf("Dashboards(B) = %+v, %v", one, err)
	}
	if _, err := report.Dashboards(ctx, cw, "missing"); err == nil {
		t.Error("Dashboards(missing): no error")
	}
}

// The badges and the greys a reader relies on meet WCAG AA (4.5:1) in Chromium: the verdicts
// not-steady-before and no verdict, a phase that did not run; and each chart is an image named
// after its widget and metrics.
func TestReportIsReadable(t *testing.T) {
	b := browsertest.Start(t, 60*time.Second)
	sc := newScenario(time.Date(2026, 12, 3, 2, 47, 0, 0, time.UTC))
	notSteady := experiments.Journal{Title: "x", Verdict: experiments.VerdictNotSteadyBefore, StartedAt: sc.journal.StartedAt, Before: sc.journal.After}
	interrupted := experiments.Journal{Title: "x", StartedAt: sc.journal.StartedAt, Before: sc.journal.Before}
	dir := t.TempDir()
	for name, j := range map[string]*experiments.Journal{"not-steady-before": &notSteady, "no verdict": &interrupted} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".html")
		if err := (report.Options{Root: root}).WriteFile(path, report.Run{Journal: j}, nil); err != nil {
			t.Fatal(err)
		}
		p := b.Open(t, (&url.URL{Scheme: "file", Path: path}).String(), browsertest.FileOnly)
		p.Wait(t, `document.body.dataset.rendered === "true"`, 10*time.Second)
		for _, sel := range []string{"#verdict", ".r-skipped th", ".r-skipped td", ".r-detail", ".r-kicker", ".r-sub"} {
			for _, c := range browsertest.Contrast(t, p, sel) {
				if c < 4.5 {
					t.Errorf("%s report: %s contrast %.2f:1, want ≥ 4.5:1", name, sel, c)
				}
			}
		}
		if n := len(browsertest.Contrast(t, p, ".r-skipped th")); n == 0 {
			t.Errorf("%s report: no phase that did not run", name)
		}
		// At a tablet's width the page does not scroll sideways: the timeline wraps.
		p.Viewport(t, 768, 1000)
		if w := browsertest.Eval[float64](t, p, `document.documentElement.scrollWidth`); w > 768 {
			t.Errorf("%s report: %v px wide in a 768 px window, want no sideways scrolling", name, w)
		}
		p.Viewport(t, 1280, 1000)
		// A journal alone does not say what the probes read (no compiled experiment): no readings.
		if n := browsertest.Eval[float64](t, p, `document.querySelectorAll(".r-reads").length`); n != 0 {
			t.Errorf("%s report without the compiled experiment: %v probe readings, want none", name, n)
		}
		labels := browsertest.Eval[[]string](t, p, `[...document.querySelectorAll('[data-view="probes"] canvas')].map(c => c.getAttribute("role") + " " + c.getAttribute("aria-label"))`)
		if len(labels) == 0 || !strings.HasPrefix(labels[0], "img messages-in-flight: ") {
			t.Errorf("%s report: probe charts' canvases %q, want role img named after the probe", name, labels)
		}
		// AND each chart's label reads its values, for a reader with no mouse to hover them
		if len(labels) > 0 && !strings.HasSuffix(labels[0], "(no data in this range)") && !regexp.MustCompile(` -?[0-9.]+ latest(, -?[0-9.]+ to -?[0-9.]+ in the range)?`).MatchString(labels[0]) {
			t.Errorf("%s report: the first probe chart's label %q does not read its values", name, labels[0])
		}
		// AND Tab reaches every chart, whose arrow keys read it (the live page's test presses them)
		if n := browsertest.Eval[float64](t, p, `[...document.querySelectorAll(".cd-widget canvas")].filter(c => c.tabIndex !== 0).length`); n != 0 {
			t.Errorf("%s report: %v charts Tab does not reach", name, n)
		}
		p.Check(t)
	}
}

// A probe chart's per-second line can go far outside its band and marks (in flight at -1,235 %
// after a rollback, when more CSVs came out than documents went in that second): the value axis
// keeps the band and the judged marks in view, where the failing mark had been squeezed into a
// few pixels, and a note above the chart says how far the line goes beyond it. A chart whose line
// stays near its band has no note.
func TestProbeChartKeepsTheJudgedReadingsInView(t *testing.T) {
	b := browsertest.Start(t, 60*time.Second)
	sc := newScenario(time.Now().Add(-10 * time.Minute).Truncate(5 * time.Minute).Add(-90 * time.Second))
	store, cw := cloudWatch(t)
	putTraffic(store, sc, sc.t0.Add(-30*time.Second), sc.end)
	run := report.Run{Journal: sc.journal, Compiled: sc.compiled, Scenario: "flawed", Experiment: "exp_1-minor_delay"}
	s, err := report.Fetch(context.Background(), cw, run)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	open := func(name string) *browsertest.Page {
		path := filepath.Join(dir, name+".html")
		if err := (report.Options{Root: root}).WriteFile(path, run, s); err != nil {
			t.Fatal(err)
		}
		p := b.Open(t, (&url.URL{Scheme: "file", Path: path}).String(), browsertest.FileOnly)
		p.Wait(t, `document.body.dataset.rendered === "true"`, 10*time.Second)
		return p
	}
	const chart = `(() => { const e = [...document.querySelectorAll('[data-view="probes"] .cd-widget')].find(e => e.querySelector(".cd-title").textContent === "messages-in-flight");
		const u = ChaosDash.charts[e.dataset.widgetId], note = e.querySelector(".cd-clipped");
		return {clipped: e.dataset.clipped, min: u.scales.y.min, max: u.scales.y.max, note: note ? note.textContent : ""}; })()`
	before := browsertest.Eval[map[string]any](t, open("plain"), chart)
	if before["clipped"] != "false" || before["note"] != "" {
		t.Errorf("a line near its band: %v, want no note", before)
	}
	// One second of the in-flight expression at -1,235.
	found := false
	for i := range s.Probes {
		if s.Probes[i].Name != "messages-in-flight" {
			continue
		}
		for j := range s.Probes[i].Results {
			if r := &s.Probes[i].Results[j]; len(r.Values) > 5 {
				r.Values[len(r.Values)-3] = -1235
				found = true
			}
		}
	}
	if !found {
		t.Fatal("no messages-in-flight series to change")
	}
	p := open("outlier")
	after := browsertest.Eval[map[string]any](t, p, chart)
	// The band is [-10, 80] and the judged marks within [-10, 90]: the axis reaches at most a band's
	// height beyond them, not to -1,235.
	if min := after["min"].(float64); min < -200 || min > -10 || after["clipped"] != "true" || !strings.Contains(after["note"].(string), "the line (from -1235 to") {
		t.Errorf("a line at -1,235: %v, want an axis kept near the band and a note naming -1235", after)
	}
	p.Check(t)
}
