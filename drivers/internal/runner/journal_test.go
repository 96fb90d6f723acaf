package runner

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/columns"
)

// A probe outside its tolerance fails as its phase means it: not steady before the fault, breached
// at the guard's check, deviated after the fault (the verdict's word, left unsaid).
func TestPrintJournalSaysWhatAFailureMeansInItsPhase(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: -10, Max: 20, Text: "[-10, 20]"}
	out := func(name string, x float64) experiments.ProbeResult {
		return experiments.ProbeResult{Name: name, Tolerance: tol, Value: v(x), Status: experiments.ProbeDeviated}
	}
	for _, tc := range []struct {
		j    experiments.Journal
		want string
	}{
		{experiments.Journal{Verdict: experiments.VerdictNotSteadyBefore, Before: []experiments.ProbeResult{out("messages-in-flight", 31)}},
			`(?m)^before\s+messages-in-flight\s+31\s+\[-10, 20\]\s+FAIL \(not steady\)$`},
		{experiments.Journal{Verdict: experiments.VerdictAborted, GuardBreach: &experiments.GuardBreach{Probe: out("error-rate", 40)}},
			`(?m)^guard\s+error-rate\s+40\s+\[-10, 20\]\s+FAIL \(breached\)$`},
		{experiments.Journal{Verdict: experiments.VerdictDeviated, After: []experiments.ProbeResult{out("messages-in-flight", 25),
			{Name: "zero-sns-errors", Tolerance: tol, Status: experiments.ProbeNoData}}},
			`(?m)^after\s+messages-in-flight\s+25\s+\[-10, 20\]\s+FAIL\nafter\s+zero-sns-errors\s+no data\s+\[-10, 20\]\s+FAIL \(no-data\)$`},
	} {
		var b bytes.Buffer
		PrintJournal(&b, &tc.j)
		if !regexp.MustCompile(tc.want).MatchString(b.String()) {
			t.Errorf("%s: no line like %s in:\n%s", tc.j.Verdict, tc.want, b.String())
		}
	}
}

// The probe table judges the phases before and after the fault; the rows after the rollback say
// where the value is, never pass or FAIL, since the verdict does not read them.
func TestPrintJournalDoesNotJudgeTheRecovery(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: -10, Max: 80, Text: "[-10, 80]"}
	j := &experiments.Journal{Verdict: experiments.VerdictHeld,
		Before: []experiments.ProbeResult{{Name: "messages-in-flight", Tolerance: tol, Value: v(2), Status: experiments.ProbeOK, Pass: true}},
		After:  []experiments.ProbeResult{{Name: "messages-in-flight", Tolerance: tol, Value: v(95), Status: experiments.ProbeDeviated}},
		AfterRollback: []experiments.ProbeResult{
			{Name: "messages-in-flight", Tolerance: tol, Value: v(-24), Status: experiments.ProbeDeviated},
			{Name: "normal-error-rates", Tolerance: tol, Value: v(1), Status: experiments.ProbeOK, Pass: true},
			{Name: "zero-sns-errors", Tolerance: tol, Status: experiments.ProbeNoData}},
	}
	var out bytes.Buffer
	PrintJournal(&out, j)
	for _, want := range []string{
		`(?m)^before\s+messages-in-flight\s+2\s+\[-10, 80\]\s+pass$`,
		`(?m)^after\s+messages-in-flight\s+95\s+\[-10, 80\]\s+FAIL$`,
		`(?m)^after-rollback\s+messages-in-flight\s+-24\s+\[-10, 80\]\s+outside, not judged$`,
		`(?m)^after-rollback\s+normal-error-rates\s+1\s+\[-10, 80\]\s+inside, not judged$`,
		`(?m)^after-rollback\s+zero-sns-errors\s+no data\s+\[-10, 80\]\s+no data, not judged$`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("no line like %s in:\n%s", want, out.String())
		}
	}
}

// A run that is not steady before the fault because no probe read any data is told what it
// lacks: the load (a run on a stack nobody publishes to). One with data gets no hint.
func TestPrintJournalSaysWhenNothingFlowed(t *testing.T) {
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: -10, Max: 80, Text: "[-10, 80]"}
	two := 2.0
	for _, tc := range []struct {
		name   string
		before []experiments.ProbeResult
		hint   bool
	}{
		{name: "no data anywhere", hint: true, before: []experiments.ProbeResult{
			{Name: "a", Tolerance: tol, Status: experiments.ProbeNoData}, {Name: "b", Tolerance: tol, Status: experiments.ProbeNoData}}},
		// The shipped zero-sns-errors counts no data as 0 and passes: still nothing flowed.
		{name: "no data, one probe counting it as 0", hint: true, before: []experiments.ProbeResult{
			{Name: "a", Tolerance: tol, Status: experiments.ProbeNoData}, {Name: "zero", Tolerance: tol, Value: new(float64), NoData: true, Status: experiments.ProbeOK, Pass: true}}},
		{name: "one probe read data", before: []experiments.ProbeResult{
			{Name: "a", Tolerance: tol, Status: experiments.ProbeNoData}, {Name: "b", Tolerance: tol, Value: &two, Status: experiments.ProbeDeviated}}},
	} {
		var out bytes.Buffer
		PrintJournal(&out, &experiments.Journal{Verdict: experiments.VerdictNotSteadyBefore, Before: tc.before})
		if got := bytes.Contains(out.Bytes(), []byte("hint:    no probe read any data before the fault")) && bytes.Contains(out.Bytes(), []byte("drivers/publisher")); got != tc.hint {
			t.Errorf("%s: hint printed %v, want %v:\n%s", tc.name, got, tc.hint, out.String())
		}
	}
}

// A probe that counts no data as 0 (chaosaws' way) passes a tolerance that holds 0 with nothing
// measured: its value says "(no data)", and a run in which every judged probe read nothing says
// that its verdict judged zeros, whatever the verdict. One probe with data is a run that measured.
func TestPrintJournalSaysWhenEveryProbeReadNothing(t *testing.T) {
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: 0, Max: 5, Text: "[0, 5]"}
	zero, two := 0.0, 2.0
	noData := experiments.ProbeResult{Name: "errors", Tolerance: tol, Value: &zero, NoData: true, Status: experiments.ProbeOK, Pass: true}
	measured := experiments.ProbeResult{Name: "errors", Tolerance: tol, Value: &two, Status: experiments.ProbeOK, Pass: true}
	for _, tc := range []struct {
		name          string
		verdict       string
		before, after experiments.ProbeResult
		hint          bool
	}{
		{name: "held on zeros", verdict: experiments.VerdictHeld, before: noData, after: noData, hint: true},
		{name: "deviated on zeros", verdict: experiments.VerdictDeviated, before: noData, after: noData, hint: true},
		{name: "data after the fault", verdict: experiments.VerdictHeld, before: noData, after: measured},
		{name: "data before the fault", verdict: experiments.VerdictHeld, before: measured, after: noData},
	} {
		var out bytes.Buffer
		PrintJournal(&out, &experiments.Journal{Verdict: tc.verdict, Before: []experiments.ProbeResult{tc.before}, After: []experiments.ProbeResult{tc.after}})
		saysNoData(t, tc.name, tc.before, tc.hint, out.String())
	}
	// A guard's breach ends the run without a check after the fault: the guard's reading is one.
	var out bytes.Buffer
	PrintJournal(&out, &experiments.Journal{Verdict: experiments.VerdictDeviated, Before: []experiments.ProbeResult{noData},
		GuardBreach: &experiments.GuardBreach{Action: "a", Probe: experiments.ProbeResult{Name: "errors", Tolerance: tol, Value: &two, Status: experiments.ProbeDeviated}}})
	saysNoData(t, "a guard that read data", noData, false, out.String())
}

// saysNoData asserts PrintJournal's output for TestPrintJournalSaysWhenEveryProbeReadNothing: the
// hint printed or not, and a before-probe's 0 of no data said so.
func saysNoData(t *testing.T, name string, before experiments.ProbeResult, hint bool, out string) {
	t.Helper()
	if got := strings.Contains(out, "hint:    every probe read no data and counted it as 0") && strings.Contains(out, "names a metric of the stack"); got != hint {
		t.Errorf("%s: hint printed %v, want %v:\n%s", name, got, hint, out)
	}
	if before.NoData && !regexp.MustCompile(`(?m)^before\s+errors\s+0 \(no data\)\s+\[0, 5\]\s+pass$`).MatchString(out) {
		t.Errorf("%s: the 0 of no data is not said so:\n%s", name, out)
	}
}

// A probe's progress line names the probe: its query's label, when that is more than the id.
func TestMetricValuesNameTheProbe(t *testing.T) {
	for _, tc := range []struct{ output, want string }{
		{`{"MetricDataResults":[{"Id":"e1","Label":"messages-in-flight","Values":[14.399999999999999,3]}]}`, "messages-in-flight e1=14.4"},
		{`{"MetricDataResults":[{"Id":"e1","Label":"e1","Values":[]}]}`, "e1=no data"},
		{`{"MetricDataResults":[{"Id":"m1","Values":[0]}]}`, "m1=0"},
		{`{"MetricDataResults":[]}`, "no data"},
	} {
		if got := (&follower{}).probeValues(tc.output); got != "probe: "+tc.want {
			t.Errorf("probeValues(%s) = %q, want %q", tc.output, got, "probe: "+tc.want)
		}
	}
}

// A live probe line names the probe and its tolerance, also when its query keeps a label of its own
// (the seed's "In flight %"), as long as that query's Id and Label are the probe's alone: probes run
// at once, so two probes answering the same pair stay as the values say them.
func TestProbeLinesNameTheProbe(t *testing.T) {
	yes := true
	probe := func(name, id, label, tol string) experiments.CompiledProbe {
		return experiments.CompiledProbe{Name: name, Tolerance: experiments.Tolerance{Text: tol},
			MetricDataQueries: []experiments.MetricDataQuery{{Id: "hidden", ReturnData: new(bool)}, {Id: id, Label: label, ReturnData: &yes}}}
	}
	c := &experiments.Compiled{SteadyState: experiments.CompiledHypothesis{Probes: []experiments.CompiledProbe{
		probe("messages-in-flight", "e1", "In flight %", "[0, 20]"),
		probe("zero-sns-errors", "m1", "zero-sns-errors", "0"),
		probe("twin-a", "e2", "same", "0"),
		probe("twin-b", "e2", "same", "1"),
	}}}
	f := &follower{probes: probeLines(c)}
	for _, tc := range []struct{ output, want string }{
		{`{"MetricDataResults":[{"Id":"e1","Label":"In flight %","Values":[14.399999999999999]}]}`, "probe messages-in-flight: In flight % e1=14.4, tolerance [0, 20]"},
		{`{"MetricDataResults":[{"Id":"m1","Label":"zero-sns-errors","Values":[]}]}`, "probe zero-sns-errors: m1=no data, tolerance 0"},
		{`{"MetricDataResults":[{"Id":"e2","Label":"same","Values":[1]}]}`, "probe: same e2=1"},
		{`{"MetricDataResults":[{"Id":"e9","Label":"other","Values":[1]}]}`, "probe: other e9=1"},
	} {
		if got := f.probeValues(tc.output); got != tc.want {
			t.Errorf("probeValues(%s) = %q, want %q", tc.output, got, tc.want)
		}
	}
	if got := (&follower{}).probeValues(`{"MetricDataResults":[{"Id":"e1","Label":"In flight %","Values":[3]}]}`); got != "probe: In flight % e1=3" {
		t.Errorf("without the compiled experiment (a rollback run): %q", got)
	}
}

// The journal's record of a switch-off the runner made itself names the command that ran it: the
// lab's read "chaoslab run".
func TestSwitchOffNamesTheCommand(t *testing.T) {
	at := time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC)
	for cmd, want := range map[string]string{"": "Switched off by chaoslab run (interrupted)", "chaoslab lab": "Switched off by chaoslab lab (interrupted)"} {
		r := &Runner{Command: cmd, FaultParameter: "p"}
		a, ok := r.switchOffAction("interrupted", at)
		if !ok || a.Name != want || a.Parameter != "p" {
			t.Errorf("Command %q: %+v, %v; want %q on p", cmd, a, ok, want)
		}
	}
}

// A guard breach loses the method's records; the fault line comes from the breach, which keeps
// the breached write, and says when the guard's breach ended it (not "early": the breach may come
// at the pause's last check).
func TestPrintJournalShowsTheBreachedFault(t *testing.T) {
	ten := 10.0
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: 0, Max: 5, Text: "[0, 5]"}
	j := &experiments.Journal{Verdict: experiments.VerdictDeviated, GuardBreach: &experiments.GuardBreach{
		Action: "Enable Lambda failure", PutAt: "2026-12-05T13:00:00Z", InForceAt: "2026-12-05T13:00:05Z", OnsetSeconds: 5,
		Parameter: "/f", Value: []byte(`{"isEnabled": true, "failureMode": "latency"}`),
		Probe: experiments.ProbeResult{Name: "errors", Tolerance: tol, Value: &ten, Status: experiments.ProbeDeviated, End: "2026-12-05T13:00:53.4Z"}}}
	var out bytes.Buffer
	PrintJournal(&out, j)
	want := `fault:    Enable Lambda failure at 2026-12-05T13:00:00Z (in force at 2026-12-05T13:00:05Z, after a 5 s onset): {"isEnabled":true,"failureMode":"latency"}, ended by the guard's breach 53 s after the write`
	if !strings.Contains(out.String(), want+"\n") || !strings.Contains(out.String(), "guard:    errors breached during Enable Lambda failure") {
		t.Errorf("no line %q, or no guard line, in:\n%s", want, out.String())
	}
}

// The guard's checks, read from the history, are told per action: how many, the values they
// read, and how they were judged; a check with no data is not a breach, and says so.
func TestPrintJournalTellsTheGuardChecks(t *testing.T) {
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: 0, Max: 5, Text: "[0, 5]"}
	check := func(action string, v *float64, status string) experiments.GuardCheck {
		return experiments.GuardCheck{Action: action, ProbeResult: experiments.ProbeResult{Name: "errors", Tolerance: tol, Value: v,
			Status: status, Pass: status == experiments.ProbeOK}}
	}
	j := &experiments.Journal{Verdict: experiments.VerdictDeviated, GuardChecks: []experiments.GuardCheck{
		check("Enable latency", new(0.4), experiments.ProbeOK),
		check("Enable latency", nil, experiments.ProbeNoData),
		check("Enable latency", new(3.1), experiments.ProbeOK),
		check("Enable errors", new(2.0), experiments.ProbeOK),
		check("Enable errors", new(12.0), experiments.ProbeDeviated),
	}}
	var out bytes.Buffer
	PrintJournal(&out, j)
	for _, want := range []string{
		"guard:    errors checked 3 times in the pause after \"Enable latency\": 0.4 to 3.1, all within [0, 5] (1 with no data: not known yet, not a breach)\n",
		"guard:    errors checked 2 times in the pause after \"Enable errors\": 2 to 12, 1 out of [0, 5]\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no line %q in:\n%s", want, out.String())
		}
	}
	// A guard of two probes checks them in turn: a line for each probe of a pause.
	inFlight := func(v float64) experiments.GuardCheck {
		c := check("Enable latency", &v, experiments.ProbeOK)
		c.Name = "in-flight"
		return c
	}
	out.Reset()
	PrintJournal(&out, &experiments.Journal{Verdict: experiments.VerdictHeld, GuardChecks: []experiments.GuardCheck{
		check("Enable latency", new(1.0), experiments.ProbeOK), inFlight(3), check("Enable latency", new(2.0), experiments.ProbeOK), inFlight(4)}})
	for _, want := range []string{
		"guard:    errors checked 2 times in the pause after \"Enable latency\": 1 to 2, all within [0, 5]\n",
		"guard:    in-flight checked 2 times in the pause after \"Enable latency\": 3 to 4, all within [0, 5]\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("two probes: no line %q in:\n%s", want, out.String())
		}
	}
	out.Reset()
	PrintJournal(&out, &experiments.Journal{Verdict: experiments.VerdictHeld, GuardChecks: []experiments.GuardCheck{check("Enable latency", new(1.0), experiments.ProbeOK)}})
	if !strings.Contains(out.String(), "guard:    errors checked once in the pause after \"Enable latency\": 1, all within [0, 5]\n") {
		t.Errorf("one check:\n%s", out.String())
	}
}

// A journal written again for the same execution (follow after an interrupted run) keeps the
// runner's own switch-off the first one recorded, which the execution's history does not show;
// another execution's journal lends it nothing, and one already there is not written twice.
func TestJournalWrittenAgainKeepsTheRunnersSwitchOff(t *testing.T) {
	off := experiments.ActionResult{Name: "Switched off by chaoslab run (interrupted)", Parameter: "p", PutAt: "2026-12-05T21:00:00.000Z"}
	machine := experiments.ActionResult{Name: "Disable the fault", Parameter: "p", PutAt: "2026-12-05T21:00:05.000Z"}
	path := filepath.Join(t.TempDir(), "run.json")
	b, _ := json.Marshal(experiments.Journal{ExecutionArn: "arn:x", Rollbacks: []experiments.ActionResult{off, machine}})
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	names := func(j *experiments.Journal) string {
		var n []string
		for _, a := range j.Rollbacks {
			n = append(n, a.Name)
		}
		return strings.Join(n, "; ")
	}
	again := &experiments.Journal{ExecutionArn: "arn:x", Rollbacks: []experiments.ActionResult{machine}}
	if !keepSwitchOffs(path, again) || names(again) != off.Name+"; "+machine.Name {
		t.Errorf("the same execution's journal again: %s, want the switch-off first, then the machine's", names(again))
	}
	if keepSwitchOffs(path, again) || len(again.Rollbacks) != 2 {
		t.Errorf("kept twice: %s", names(again))
	}
	other := &experiments.Journal{ExecutionArn: "arn:y", Rollbacks: []experiments.ActionResult{machine}}
	if keepSwitchOffs(path, other) || len(other.Rollbacks) != 1 {
		t.Errorf("another execution's journal took %s", names(other))
	}
}

// A probe named in a script a terminal draws two columns wide (CJK, emoji) keeps the table's
// columns aligned on the terminal: text/tabwriter counted its runes, and each row after it
// started its value a column off per such character.
func TestPrintJournalAlignsWideProbeNames(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: 0, Max: 5, Text: "[0, 5]"}
	j := &experiments.Journal{Verdict: experiments.VerdictHeld,
		Before: []experiments.ProbeResult{
			{Name: "エラー率", Tolerance: tol, Value: v(1), Status: experiments.ProbeOK, Pass: true},
			{Name: "error-rate", Tolerance: tol, Value: v(2), Status: experiments.ProbeOK, Pass: true},
			{Name: "🔥-rate", Tolerance: tol, Value: v(3), Status: experiments.ProbeOK, Pass: true}},
	}
	var out bytes.Buffer
	PrintJournal(&out, j)
	at := map[int]bool{}
	for _, line := range strings.Split(out.String(), "\n") {
		if !strings.HasPrefix(line, "before") {
			continue
		}
		i := strings.Index(line, "[0, 5]")
		at[columns.Width(line[:i])] = true
	}
	if len(at) != 1 {
		t.Errorf("the tolerance starts at terminal columns %v, want one:\n%s", at, out.String())
	}
}
