package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	ssmapi "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfnapi "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner/runnertest"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
)

// The local cloud's own parts (gateway, Parameter Store, CloudWatch, Step
// Functions on the real ASL interpreter), started once per test binary.
func TestMain(m *testing.M) {
	os.Exit(runnertest.Main(m))
}

func outputsFile(t *testing.T, machineArn, param string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "outputs.json")
	b, _ := json.Marshal(map[string]map[string]string{"ChaosLab": runnertest.Outputs(machineArn, param)})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newMain() (*Main, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Main{Stdout: &out, Stderr: &errb, AWSConfig: runnertest.AWSConfig,
		Now: func() time.Time { return time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC) }}, &out, &errb
}

func TestRunFollowsAndReportsVerdict(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	tests := []struct {
		name    string
		verdict string
		code    int
	}{
		{name: "held", verdict: experiments.VerdictHeld, code: ExitHeld},
		{name: "deviated", verdict: experiments.VerdictDeviated, code: ExitDeviated},
		{name: "not steady before", verdict: experiments.VerdictNotSteadyBefore, code: ExitDeviated},
		{name: "aborted verdict", verdict: experiments.VerdictAborted, code: ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each has its own machine and parameter
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			param := "fault-" + strings.ReplaceAll(tt.name, " ", "-")
			outputs := outputsFile(t, lc.Machine(t, tt.verdict, param), param)
			journal := filepath.Join(t.TempDir(), "journal.json")
			m, out, errb := newMain()
			err := m.Run(ctx, []string{"run", "-outputs", outputs, "-pause", "3s", "-onset", "0", "-window", "1s", "-poll", "200ms",
				"-countdown", "500ms", "-journal", journal, "exp_1-minor_delay"})
			if code := cli.Code(err, ExitError); code != tt.code {
				t.Fatalf("exit %d, want %d (err %v)\nstdout:\n%s\nstderr:\n%s", code, tt.code, err, out, errb)
			}
			s := out.String()
			for _, want := range []string{
				"execution started",
				"→ Probe before", "probe zero-sns-errors: m1=0, tolerance 0",
				"put " + param + " = {", `"isEnabled":true`,
				"⏸ Pause: pause 3s", "s left", "▶ Pause: pause over",
				"put " + param + ` = {"isEnabled": false}`,
				"PHASE", "zero-sns-errors",
				"verdict: " + tt.verdict,
				"report: " + strings.TrimSuffix(journal, ".json") + ".report.html",
			} {
				if !strings.Contains(s, want) {
					t.Errorf("output lacks %q:\n%s", want, s)
				}
			}
			// The report and its series are written beside the journal, whatever the verdict.
			html, err := os.ReadFile(strings.TrimSuffix(journal, ".json") + ".report.html")
			if err != nil || !strings.Contains(string(html), tt.verdict) {
				t.Errorf("report beside the journal: %v (holds the verdict %q: %v)", err, tt.verdict, strings.Contains(string(html), tt.verdict))
			}
			// It names the stack's scenario (its Scenario output, read as the run starts).
			if !strings.Contains(string(html), "scenario <strong>flawed</strong>") {
				t.Error("the run's report does not name the stack's scenario, flawed")
			}
			if _, err := os.Stat(strings.TrimSuffix(journal, ".json") + ".series.json"); err != nil {
				t.Errorf("series beside the journal: %v", err)
			}
			b, err := os.ReadFile(journal)
			if err != nil {
				t.Fatal(err)
			}
			j, err := experiments.ParseJournal(b)
			if err != nil || j.Verdict != tt.verdict || len(j.Before) != 1 || j.Before[0].Value == nil || *j.Before[0].Value != 0 {
				t.Fatalf("journal %s: %v", b, err)
			}
			if v := lc.Param(t, param); v != `{"isEnabled": false}` {
				t.Errorf("fault parameter after the run: %s", v)
			}
		})
	}
}

// TestRunAbortFollowsRollback: however an execution is aborted, chaoslab run exits 2, the fault
// is off, and (with the rollback guard) it follows the rollback execution and writes its journal.
func TestRunAbortFollowsRollback(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	tests := []struct {
		name        string
		guard       bool   // the rollback guard rule exists
		interrupt   bool   // Ctrl-C (else the execution is stopped elsewhere, as from the console)
		wantOut     string // printed
		wantErr     string // in the error
		wantJournal bool   // the rollback execution's journal is written
	}{
		{name: "ctrl-c", guard: true, interrupt: true, wantOut: "rollback execution: ", wantErr: "the rollback guard rolled it back", wantJournal: true},
		{name: "stopped elsewhere", guard: true, wantOut: "execution ABORTED", wantErr: "the rollback guard rolled it back", wantJournal: true},
		{name: "no rollback guard", interrupt: true, wantOut: "waiting up to 2s", wantErr: "no rollback execution started within 2s"},
		// Stopped by someone else and no guard: nothing in the cloud rolls it back, so chaoslab does.
		{name: "stopped elsewhere without a rollback guard", wantOut: "no rollback execution came: fault parameter fault-abort-stopped-elsewhere-without-a-rollback-guard set to",
			wantErr: "chaoslab switched the fault off itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			param := "fault-abort-" + strings.ReplaceAll(tt.name, " ", "-")
			machineArn := lc.Machine(t, experiments.VerdictHeld, param)
			if tt.guard {
				lc.RollbackGuard(t, machineArn)
			}
			outputs := outputsFile(t, machineArn, param)
			journal := filepath.Join(t.TempDir(), "j.json")
			client := sfnapi.NewFromConfig(lc.AWS)
			m, out, _ := newMain()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() { // during the 60 s pause: once the execution is running, and a second more
				var list *sfnapi.ListExecutionsOutput
				var err error
				poll.Until(30*time.Second, 100*time.Millisecond, func() bool {
					list, err = client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: aws.String(machineArn)})
					return err != nil || len(list.Executions) > 0
				})
				if err != nil || len(list.Executions) != 1 {
					t.Errorf("executions %+v %v, want one within 30 s", list, err)
					cancel()
					return
				}
				time.Sleep(time.Second)
				if tt.interrupt {
					cancel()
					return
				}
				client.StopExecution(context.Background(), &sfnapi.StopExecutionInput{ExecutionArn: list.Executions[0].ExecutionArn})
			}()
			err := m.Run(ctx, []string{"run", "-outputs", outputs, "-pause", "60s", "-window", "1s", "-poll", "200ms",
				"-rollback-wait", "2s", "-journal", journal, "exp_1-minor_delay"})
			if code := cli.Code(err, ExitError); code != ExitError || !strings.Contains(fmt.Sprint(err), tt.wantErr) {
				t.Fatalf("exit %d err %v, want 2 %q\n%s", code, err, tt.wantErr, out)

			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("output lacks %q:\n%s", tt.wantOut, out)
			}
			if v := lc.Param(t, param); v != `{"isEnabled": false}` {
				t.Errorf("fault parameter after the abort: %s", v)
			}
			list, err := client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: aws.String(machineArn)})
			if err != nil {
				t.Fatal(err)
			}
			aborted := list.Executions[len(list.Executions)-1]
			if aborted.Status != sfntypes.ExecutionStatusAborted {
				t.Errorf("first execution %s, want ABORTED", aborted.Status)
			}
			b, jerr := os.ReadFile(journal)
			if !tt.wantJournal {
				if jerr == nil || len(list.Executions) != 1 {
					t.Errorf("journal written (%v) or %d executions, want none and 1", jerr, len(list.Executions))
				}
				return
			}
			j, err := experiments.ParseJournal(b)
			if err != nil || j.Verdict != experiments.VerdictAborted || j.RollbackOf != aws.ToString(aborted.ExecutionArn) || len(j.Rollbacks) != 1 {
				t.Fatalf("journal %s (%v), want the rollback of %s", b, err, aws.ToString(aborted.ExecutionArn))
			}
			if len(list.Executions) != 2 || list.Executions[0].Status != sfntypes.ExecutionStatusSucceeded {
				t.Errorf("executions %+v, want the aborted one and its succeeded rollback", list.Executions)
			}
		})
	}
}

// TestRunFailureFollowsRollback: an execution that fails before its rollbacks (States.Runtime, which
// no Catch sees) is rolled back by the rollback guard, and chaoslab run follows that run, writes its
// journal and exits 2, as for an abort; a deliberate failure (the machine's own Fail state, after
// its rollbacks) exits 1 at once, and the guard starts nothing.
func TestRunFailureFollowsRollback(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	tests := []struct {
		name     string
		failing  bool // the machine fails with States.Runtime before its rollback (else: deviated)
		code     int
		wantOut  []string
		wantErr  string
		runs     int    // executions of the machine in the end
		rbError  string // the journal's error: the rollback run's journal, with the original error
		noOutput string
	}{
		{name: "runtime error", failing: true, code: ExitError, runs: 2, rbError: "States.Runtime",
			wantOut: []string{"execution failed: States.Runtime", "execution FAILED with States.Runtime before its rollbacks ran",
				"waiting up to 30s for the rollback guard's execution", "rollback execution: ", "verdict: aborted"},
			wantErr: "the rollback guard rolled it back"},
		{name: "deliberate failure", code: ExitDeviated, runs: 1, wantOut: []string{"execution failed: SteadyStateDeviated", "verdict: deviated"},
			noOutput: "waiting up to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			param := "fault-failure-" + strings.ReplaceAll(tt.name, " ", "-")
			machineArn := lc.Machine(t, experiments.VerdictDeviated, param)
			if tt.failing {
				machineArn = lc.FailingMachine(t, param)
			}
			lc.RollbackGuard(t, machineArn)
			outputs := outputsFile(t, machineArn, param)
			journal := filepath.Join(t.TempDir(), "j.json")
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			m, out, _ := newMain()
			start := time.Now()
			err := m.Run(ctx, []string{"run", "-outputs", outputs, "-pause", "1s", "-onset", "0", "-window", "1s", "-poll", "200ms",
				"-rollback-wait", "30s", "-journal", journal, "exp_1-minor_delay"})
			took := time.Since(start)
			if code := cli.Code(err, ExitError); code != tt.code || !strings.Contains(fmt.Sprint(err), tt.wantErr) {
				t.Fatalf("exit %d err %v, want %d %q\n%s", code, err, tt.code, tt.wantErr, out)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tt.noOutput != "" && (strings.Contains(out.String(), tt.noOutput) || took > 25*time.Second) {
				t.Errorf("waited for a rollback run (%s):\n%s", took.Round(time.Second), out)
			}
			if v := lc.Param(t, param); v != `{"isEnabled": false}` {
				t.Errorf("fault parameter after the run: %s", v)
			}
			b, err := os.ReadFile(journal)
			if err != nil {
				t.Fatal(err)
			}
			j, err := experiments.ParseJournal(b)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second) // a rollback run the rule wrongly started would be listed by now
			client := sfnapi.NewFromConfig(lc.AWS)
			list, err := client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: aws.String(machineArn)})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Executions) != tt.runs {
				t.Fatalf("%d executions %+v, want %d", len(list.Executions), list.Executions, tt.runs)
			}
			first := list.Executions[len(list.Executions)-1]
			if tt.rbError == "" {
				if j.Verdict != experiments.VerdictDeviated || j.RollbackOf != "" {
					t.Errorf("journal %s, want the deviated run's own", b)
				}
				return
			}
			if first.Status != sfntypes.ExecutionStatusFailed || list.Executions[0].Status != sfntypes.ExecutionStatusSucceeded {
				t.Errorf("executions %+v, want the failed one and its succeeded rollback", list.Executions)
			}
			if j.Verdict != experiments.VerdictAborted || j.RollbackOf != aws.ToString(first.ExecutionArn) || j.Error == nil || j.Error.Error != tt.rbError {
				t.Errorf("journal %s, want the rollback of %s with error %s", b, aws.ToString(first.ExecutionArn), tt.rbError)
			}
		})
	}
}

func TestRollback(t *testing.T) {
	lc := runnertest.Need(t)
	putParam(t, lc, "manual-fault", `{"isEnabled": true, "failureMode": "latency", "minLatency": 100, "maxLatency": 200}`)
	m, out, errb := newMain()
	err := m.Run(context.Background(), []string{"rollback", "-fault-parameter", "manual-fault"})
	if err != nil {
		t.Fatalf("%v\n%s", err, errb)
	}
	if v := lc.Param(t, "manual-fault"); v != `{"isEnabled": false}` {
		t.Fatalf("parameter %s", v)
	}
	if !strings.Contains(out.String(), "manual-fault") {
		t.Errorf("output %q", out)
	}
	// -param, failure-lambda's CLI's spelling, as chaoslab fault takes it.
	putParam(t, lc, "manual-fault", `{"isEnabled": true, "failureMode": "latency", "minLatency": 100, "maxLatency": 200}`)
	m, _, errb = newMain()
	if err := m.Run(context.Background(), []string{"rollback", "-param", "manual-fault"}); err != nil {
		t.Fatalf("rollback -param: %v\n%s", err, errb)
	}
	if v := lc.Param(t, "manual-fault"); v != `{"isEnabled": false}` {
		t.Fatalf("after rollback -param: parameter %s", v)
	}
	// A parameter that does not exist is a wrong name: refused, and not created.
	m, _, errb = newMain()
	if err := m.Run(context.Background(), []string{"rollback", "-fault-parameter", "manual-fualt"}); err == nil ||
		!strings.Contains(err.Error(), "ParameterNotFound") || !strings.Contains(err.Error(), "nothing written") {
		t.Errorf("rollback of a parameter that does not exist: %v, want ParameterNotFound and nothing written\n%s", err, errb)
	}
	if _, err := ssmapi.NewFromConfig(lc.AWS).GetParameter(context.Background(), &ssmapi.GetParameterInput{Name: aws.String("manual-fualt")}); err == nil {
		t.Error("rollback created the parameter it was given")
	}
}

func TestValidateAndCompileShipped(t *testing.T) {
	for _, n := range experiments.Names() {
		t.Run(n, func(t *testing.T) {
			m, out, errb := newMain()
			if err := m.Run(context.Background(), []string{"validate", n}); err != nil {
				t.Fatalf("validate: %v\n%s", err, errb)
			}
			if !strings.HasPrefix(out.String(), "ok ") {
				t.Errorf("validate output %q", out)
			}
			m, out, errb = newMain()
			outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
			if err := m.Run(context.Background(), []string{"compile", "-outputs", outputs, "-pause", "7s", "-window", "60s", n}); err != nil {
				t.Fatalf("compile: %v\n%s", err, errb)
			}
			var c experiments.Compiled
			if err := json.Unmarshal(out.Bytes(), &c); err != nil {
				t.Fatalf("compile output is not a Compiled: %v", err)
			}
			if len(c.Method) == 0 || c.Method[0].PauseAfterSeconds != 7 || c.SteadyState.ObserveSeconds != 60 {
				t.Errorf("overrides not applied: method %+v observe %d", c.Method, c.SteadyState.ObserveSeconds)
			}
		})
	}
}

// Flags may follow the experiment, as they follow a fault's mode (`fault enable latency -for 2m`):
// they were taken for more arguments ("want one experiment, got 3 arguments") or, for validate, for
// a file. After "--" a word that looks like a flag is an argument.
func TestFlagsAfterTheExperiment(t *testing.T) {
	outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
	m, out, errb := newMain()
	if err := m.Run(context.Background(), []string{"compile", "exp_1-minor_delay", "-outputs", outputs, "-pause", "7s"}); err != nil {
		t.Fatalf("compile with flags after the experiment: %v\n%s", err, errb)
	}
	var c experiments.Compiled
	if err := json.Unmarshal(out.Bytes(), &c); err != nil || len(c.Method) == 0 || c.Method[0].PauseAfterSeconds != 7 {
		t.Errorf("compile exp_1 -pause 7s: %v, method %+v; want a pause of 7 s", err, c.Method)
	}
	// validate takes no -outputs: said so, where it read "-outputs" as a file that was not there.
	m, _, errb = newMain()
	err := m.Run(context.Background(), []string{"validate", "exp_1-minor_delay", "-outputs", outputs})
	if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "flag provided but not defined: -outputs") {
		t.Errorf("validate exp_1 -outputs: exit %d, stderr %q; want 2, the flag named", code, errb)
	}
	m, _, errb = newMain()
	err = m.Run(context.Background(), []string{"compile", "-outputs", outputs, "--", "-pause"})
	if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "-pause") {
		t.Errorf("compile -- -pause: exit %d, stderr %q; want 2, -pause read as the experiment's name", code, errb)
	}
}

// -onset defaults to the failure layer's cache TTL, and 0 asks for no onset at all (a stack whose
// function reads the parameter on every invocation): not for the default.
func TestCompileOnset(t *testing.T) {
	outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
	for _, tt := range []struct {
		args        []string
		onset, rest int
	}{
		{args: nil, onset: 5, rest: 25},
		{args: []string{"-onset", "0"}, onset: 0, rest: 30},
		{args: []string{"-onset", "2s"}, onset: 2, rest: 28},
	} {
		m, out, errb := newMain()
		args := append(append([]string{"compile", "-outputs", outputs, "-pause", "30s", "-guard-interval", "60s"}, tt.args...), "exp_2-dynamodb_disruption")
		if err := m.Run(context.Background(), args); err != nil {
			t.Fatalf("%v: %v\n%s", tt.args, err, errb)
		}
		var c experiments.Compiled
		if err := json.Unmarshal(out.Bytes(), &c); err != nil {
			t.Fatalf("%v: compile output is not a Compiled: %v", tt.args, err)
		}
		a := c.Method[0]
		if a.OnsetSeconds != tt.onset || len(a.PauseSlices) != 1 || a.PauseSlices[0] != tt.rest {
			t.Errorf("%v: onset %d, slices %v; want %d, [%d]", tt.args, a.OnsetSeconds, a.PauseSlices, tt.onset, tt.rest)
		}
	}
}

// A probe that reads another stack's resource (a name written into the experiment where a ${var}
// of the stack's would follow it) is noted: the fault goes into this stack's function, and such a
// probe holds whatever it does. The shipped experiment, reading the stack's names, gets no note.
func TestCompileNotesAnotherStacksResource(t *testing.T) {
	outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
	dir := t.TempDir()
	exp := strings.Replace(string(mustRead(t, "../../experiments/exp_1-minor_delay.json")), `"dimension_value": "${sns_topic}"`, `"dimension_value": "orders-prod-topic"`, 1)
	files := map[string]string{"e.json": exp}
	for _, q := range []string{"steadyStateFlight.json", "steadyStateError.json"} {
		files[q] = string(mustRead(t, "../../experiments/"+q))
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, _, errb := newMain()
	if err := m.Run(context.Background(), []string{"compile", "-outputs", outputs, filepath.Join(dir, "e.json")}); err != nil {
		t.Fatalf("%v\n%s", err, errb)
	}
	if want := "chaoslab: note: probe \"zero-sns-errors\" (steady-state-hypothesis.probes[0]) reads AWS/SNS TopicName=orders-prod-topic, which is not this stack's ("; !strings.Contains(errb.String(), want) ||
		strings.Count(errb.String(), "note: probe") != 1 {
		t.Errorf("stderr:\n%s\nwant one note: %s", errb, want)
	}
	m, _, errb = newMain()
	if err := m.Run(context.Background(), []string{"compile", "-outputs", outputs, "exp_1-minor_delay"}); err != nil || strings.Contains(errb.String(), "note: probe") {
		t.Errorf("the shipped experiment: %v, stderr:\n%s", err, errb)
	}
}

// An experiment that is valid but that run, with the default onset, refuses (its method does not
// pause after the fault's write long enough to observe it) is valid with a note that says so and
// what to change, before a run: Chaos Toolkit's own examples often have no pauses.
func TestValidateNotesAMethodTooShortToObserve(t *testing.T) {
	dir := t.TempDir()
	for _, q := range []string{"steadyStateFlight.json", "steadyStateError.json"} {
		if err := os.WriteFile(filepath.Join(dir, q), mustRead(t, "../../experiments/"+q), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exp1 := string(mustRead(t, "../../experiments/exp_1-minor_delay.json"))
	for _, tt := range []struct{ name, pauses, note string }{
		{"none", `"pauses": {}`, "the method does not pause after its first write: chaoslab run would observe nothing of the fault and refuses it; give the action pauses.after"},
		{"3 s", `"pauses": {"after": 3}`, "the method's pauses after its first write (3s) are no longer than the fault's default onset (5s): chaoslab run would observe nothing of the fault and refuses it; lengthen the pauses (pauses.after), or run with -onset 0"},
		{"the shipped 300 s", "", ""},
		// A pause from the environment is unknown to validate, which reads none: no note.
		{"from the environment", `"pauses": {"after": "${pause}"}`, ""},
		// One of the configuration's literal values is known, and judged.
		{"a literal of the configuration", `"pauses": {"after": "${pause3}"}`, "the method's pauses after its first write (3s) are no longer than the fault's default onset (5s)"},
	} {
		p := filepath.Join(dir, "e.json")
		body := exp1
		if tt.pauses != "" {
			body = regexp.MustCompile(`"pauses": \{[^}]*\}`).ReplaceAllLiteralString(exp1, tt.pauses)
			body = strings.Replace(body, `"configuration": {`, `"configuration": {"pause": {"type": "env", "key": "PAUSE_SECONDS"}, "pause3": 3, `, 1)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		m, out, errb := newMain()
		err := m.Run(context.Background(), []string{"validate", p})
		if err != nil || !strings.HasPrefix(out.String(), "ok ") || strings.Contains(errb.String(), "note:") != (tt.note != "") || !strings.Contains(errb.String(), tt.note) {
			t.Errorf("%s: %v\nstdout %s\nstderr %s\nwant valid, and the note %q", tt.name, err, out, errb, tt.note)
		}
	}
}

func TestValidateRejectsBadExperiment(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(p, []byte(`{"title":"bad","steady-state-hypothesis":{"title":"x","probes":[{"type":"probe","name":"p","tolerance":0,
		"provider":{"type":"http","url":"http://example.com"}}]},"method":[]}`), 0o600)
	m, out, errb := newMain()
	err := m.Run(context.Background(), []string{"validate", p})
	if code := cli.Report(errb, err, ExitError); code != 1 {
		t.Fatalf("exit %d, want 1 (err %v)", code, err)
	}
	if !strings.Contains(out.String(), "steady-state-hypothesis.probes[0]") {
		t.Errorf("output does not name the JSON path:\n%s", out)
	}
}

// An FIS template given where an experiment goes (validate, run) is told as one, with the command
// that translates it: in the API's JSON, and as a SAM template in YAML, whose tags a Chaos Toolkit
// reader refused ("the tag !Equals is not read here") and whose members it listed as unknown.
func TestAnFISTemplateIsPointedToImportFIS(t *testing.T) {
	dir := t.TempDir()
	api := filepath.Join(dir, "add-delay.json")
	b, err := os.ReadFile(filepath.Join("testdata", "fis", "add-delay.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(api, b, 0o600)
	sam := filepath.Join(dir, "template.yaml")
	os.WriteFile(sam, []byte("AWSTemplateFormatVersion: '2010-09-09'\nConditions:\n  Prod: !Equals [!Ref Env, prod]\nResources:\n"+
		"  A:\n    Type: AWS::FIS::ExperimentTemplate\n    Properties: {}\n  B:\n    Type: AWS::FIS::ExperimentTemplate\n    Properties: {}\n"), 0o600)
	for _, args := range [][]string{{"validate", api}, {"validate", sam}, {"run", "-outputs", filepath.Join(dir, "outputs.json"), api}} {
		m, out, errb := newMain()
		err := m.Run(context.Background(), args)
		cli.Report(errb, err, ExitError)
		file := args[len(args)-1]
		if want := file + " is an AWS FIS experiment template (or a CloudFormation template holding one), not a Chaos Toolkit experiment: translate it into one first (chaoslab import-fis " + file + ")"; !strings.Contains(out.String()+errb.String(), want) {
			t.Errorf("chaoslab %v: %v\nstdout:\n%s\nstderr:\n%s\nwant %q", args, err, out, errb, want)
		}
	}
}

// An experiment read from a pipe (validate <(cat exp.json), a named pipe) is read once: the check
// for an FIS template read it first, and the experiment's read found the pipe empty.
func TestValidateReadsAPipeOnce(t *testing.T) {
	p := filepath.Join(t.TempDir(), "piped.json")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	// The writer gives the experiment to the first open, and nothing to any later one: a second
	// read finds the pipe empty, as it does behind <(cat exp.json).
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		if f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil { // frees a writer waiting to open
			f.Close()
		}
	})
	go func() {
		for first := true; ; first = false {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			if first {
				f.WriteString(`{"title":"bad","steady-state-hypothesis":{"title":"x","probes":[{"type":"probe","name":"p","tolerance":0,
			"provider":{"type":"http","url":"http://example.com"}}]},"method":[]}`)
			}
			f.Close()
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	m, out, errb := newMain()
	err := m.Run(context.Background(), []string{"validate", p})
	cli.Report(errb, err, ExitError)
	if !strings.Contains(out.String(), "steady-state-hypothesis.probes[0]") {
		t.Errorf("validate of a pipe: %v\nstdout:\n%s\nstderr:\n%s\nwant the experiment's own problem (its content read)", err, out, errb)
	}
}

// A Chaos Toolkit experiment in YAML validates, and runs under its file's name without .yaml; a
// problem in it names its path.
func TestValidateYAMLExperiment(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "minor-delay.yaml")
	os.WriteFile(good, []byte(`title: Minor delays should not impact processing
description: 3 to 5 s of latency on half of the invocations.
configuration:
  sns_topic: {type: env, key: SNS_TOPIC_NAME}
steady-state-hypothesis:
  title: System operating within norms
  probes:
    - type: probe
      name: zero-sns-errors
      tolerance: 0
      provider:
        type: python
        module: chaosaws.cloudwatch.probes
        func: get_metric_statistics
        arguments: {namespace: AWS/SNS, metric_name: NumberOfNotificationsFailed, dimension_name: TopicName,
          dimension_value: "${sns_topic}", statistic: Sum, duration: 300}
method:
  - type: action
    name: Enable Lambda failure
    provider:
      type: process
      path: aws
      arguments: >-
        ssm put-parameter --name failureLambdaConfig --type String --overwrite
        --value '{"isEnabled": true, "failureMode": "latency", "rate": 0.5, "minLatency": 3000, "maxLatency": 5000}'
    pauses: {after: 300}
rollbacks:
  - type: action
    name: Disable Lambda failures
    provider:
      type: process
      path: aws
      arguments: "ssm put-parameter --name failureLambdaConfig --type String --overwrite --value '{\"isEnabled\": false}'"
`), 0o600)
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("title: t\nmethod:\n  - name: 7\n"), 0o600)
	m, out, errb := newMain()
	err := m.Run(context.Background(), []string{"validate", good, bad})
	if code := cli.Report(errb, err, ExitError); code != 1 {
		t.Fatalf("exit %d, want 1 (err %v)\n%s%s", code, err, out, errb)
	}
	for _, want := range []string{"ok      " + good + ": Minor delays should not impact processing", "invalid " + bad + ": ", "method[0].name: want a JSON string, got JSON number"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
	if name := experimentName(good); name != "minor-delay" {
		t.Errorf("experimentName = %q, want the file's name without .yaml", name)
	}
}

// validate reports every problem of every file: type errors at their indexed JSON paths with
// the unknown keys, and goes on past an invalid or unreadable file; exit 2 when a file cannot
// be read, else 1 when one is invalid.
func TestValidateChecksEveryFile(t *testing.T) {
	dir := t.TempDir()
	typed := filepath.Join(dir, "typed.json")
	os.WriteFile(typed, []byte(`{"title": 7, "method": [{"type": "action", "name": "a", "pause": {}, "pauses": {"after": "300"}}]}`), 0o600)
	var exp map[string]any
	b, _ := fs.ReadFile(experiments.Definitions, "exp_1-minor_delay.json")
	json.Unmarshal(b, &exp)
	exp["rollback"] = exp["rollbacks"]
	delete(exp, "rollbacks")
	b, _ = json.Marshal(exp)
	unknown := filepath.Join(dir, "unknown.json")
	os.WriteFile(unknown, b, 0o600)
	for _, q := range []string{"steadyStateFlight.json", "steadyStateError.json"} {
		b, _ := fs.ReadFile(experiments.Definitions, q)
		os.WriteFile(filepath.Join(dir, q), b, 0o600)
	}

	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{typed, unknown, "exp_1-minor_delay"}, 1},
		{[]string{typed, filepath.Join(dir, "missing.json"), unknown, "exp_1-minor_delay"}, 2},
	} {
		m, out, errb := newMain()
		err := m.Run(context.Background(), append([]string{"validate"}, tt.args...))
		if code := cli.Report(errb, err, ExitError); code != tt.code {
			t.Errorf("%v: exit %d, want %d (err %v)", tt.args, code, tt.code, err)
		}
		for _, want := range []string{
			"invalid " + typed + ": 3 problem(s):\n  title: want a JSON string, got JSON number\n  method[0].pause: unknown key; did you mean \"pauses\"?\n  method[0].pauses.after: want a JSON number, got JSON string \"300\" (a pause written as a string is \"${name}\" of the configuration)\n",
			"invalid " + unknown + ": 2 problem(s):\n  rollback: unknown key; did you mean \"rollbacks\"?\n  rollbacks: at least one action is required",
			"ok      exp_1-minor_delay: ",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: output does not contain %q:\n%s", tt.args, want, out)
			}
		}
		if tt.code == 2 && !strings.Contains(errb.String(), "no experiment file") {
			t.Errorf("%v: stderr %q does not say which file cannot be read", tt.args, errb)
		}
	}
}

// An experiment argument that is neither a file nor a shipped name is refused with what it was
// taken for (a directory, a missing file, an unknown name), never a crash.
func TestExperimentArgumentErrors(t *testing.T) {
	template, err := filepath.Abs("testdata/fis/no-stop-condition.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("adir", 0o755); err != nil {
		t.Fatal(err)
	}
	outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
	for _, tt := range []struct {
		ref, want string
	}{
		{"./adir", "./adir is a directory"},
		{"adir", "adir is a directory"},
		{"../" + filepath.Base(dir) + "/adir", "is a directory"},
		{"./missing.json", "no experiment file ./missing.json"},
		{"missing.json", "missing.json: no such file here, nor a shipped experiment of that name (have exp_1-minor_delay, exp_2"},
		{"", "the experiment is an empty argument"},
	} {
		cmds := [][]string{{"validate", tt.ref}, {"compile", "-outputs", outputs, tt.ref}}
		if tt.ref != "" { // import-fis -hypothesis "" is no -hypothesis
			cmds = append(cmds, []string{"import-fis", "-outputs", outputs, "-hypothesis", tt.ref, "-o", "imported.json", template})
		}
		for _, args := range cmds {
			m, _, errb := newMain()
			err := m.Run(context.Background(), args)
			if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("%q: exit %d, stderr %q; want 2 and %q", args, code, errb, tt.want)
			}
		}
	}
}

// A negative duration override is refused naming its flag, in each command that takes it.
func TestNegativeDurationNamesItsFlag(t *testing.T) {
	outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
	for _, flag := range []string{"pause", "window", "recovery", "guard-interval", "expiry-margin", "onset"} {
		for _, cmd := range []string{"compile", "run"} {
			m, _, errb := newMain()
			err := m.Run(context.Background(), []string{cmd, "-outputs", outputs, "-" + flag, "-2s", "exp_1-minor_delay"})
			if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "-"+flag+" -2s: a duration must not be negative") {
				t.Errorf("%s -%s -2s: exit %d, stderr %q; want 2 naming the flag", cmd, flag, code, errb)
			}
		}
	}
	// And the watch's own durations, in run and follow.
	for _, flag := range []string{"countdown", "rollback-wait"} {
		for _, args := range [][]string{{"run", "-outputs", outputs, "-" + flag, "-2s", "exp_1-minor_delay"},
			{"follow", "-" + flag, "-2s", "arn:aws:states:us-east-1:000000000000:execution:m:e"}} {
			m, _, errb := newMain()
			err := m.Run(context.Background(), args)
			if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "-"+flag+" -2s: a duration must not be negative") {
				t.Errorf("%q: exit %d, stderr %q; want 2 naming the flag", args, code, errb)
			}
		}
	}
	// An execution name Step Functions would refuse at StartExecution is refused before anything runs.
	m, _, errb := newMain()
	err := m.Run(context.Background(), []string{"run", "-outputs", outputs, "-name", "my run", "exp_1-minor_delay"})
	if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), `-name "my run": an execution name has no whitespace`) {
		t.Errorf("run -name 'my run': exit %d, stderr %q; want 2 naming the flag and the rule", code, errb)
	}
}

// An onset (given, or the default) that takes all the time from the first fault's write to the
// method's end leaves the window after the method empty: refused as a wrong command line, where the
// compiler clamped it to the pause in silence.
func TestOnsetLeavesTimeToObserve(t *testing.T) {
	outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
	for _, tt := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"-onset", "10m"}, false},
		{[]string{"-pause", "1000000h"}, false}, // and a duration beyond 366 days names its flag
		{[]string{"-pause", "30s", "-onset", "30s"}, false},
		{[]string{"-pause", "30s", "-onset", "29s"}, true},
		{[]string{"-pause", "2s"}, false}, // the default onset (5 s) takes the whole pause
		{[]string{"-pause", "2s", "-onset", "0"}, true},
	} {
		m, _, errb := newMain()
		err := m.Run(context.Background(), append(append([]string{"compile", "-outputs", outputs}, tt.args...), "exp_1-minor_delay"))
		code := cli.Report(errb, err, ExitError)
		if tt.ok != (code == 0) || !tt.ok && !strings.Contains(errb.String(), "leaves no time to observe the fault") && !strings.Contains(errb.String(), "-pause 1000000h0m0s: at most 366 days") {
			t.Errorf("%q: exit %d, stderr %q", tt.args, code, errb)
		}
		// A wrong command line: exit 2, and its two lines.
		if !tt.ok && (code != 2 || !strings.Contains(errb.String(), "\nusage: chaoslab compile [flags] <file|name>")) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and the synopsis on the second line", tt.args, code, errb)
		}
	}
	// The file's own pause, 3 s, against the default onset: the experiment's matter, said of the
	// file's pauses.after, with no usage line.
	dir := t.TempDir()
	for _, q := range []string{"steadyStateFlight.json", "steadyStateError.json"} {
		if err := os.WriteFile(filepath.Join(dir, q), mustRead(t, "../../experiments/"+q), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "short.json")
	short := regexp.MustCompile(`"pauses": \{[^}]*\}`).ReplaceAllLiteralString(string(mustRead(t, "../../experiments/exp_1-minor_delay.json")), `"pauses": {"after": 3}`)
	if err := os.WriteFile(p, []byte(short), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _, errb := newMain()
	err := m.Run(context.Background(), []string{"compile", "-outputs", outputs, p})
	if code := cli.Report(errb, err, ExitError); code == 0 || strings.Contains(errb.String(), "usage:") ||
		!strings.Contains(errb.String(), "the fault's onset (-onset, default 5s) leaves no time to observe the fault") ||
		!strings.Contains(errb.String(), "pauses.after in the experiment file") {
		t.Errorf("a 3 s pause in the file: exit %d, stderr %q; want it said of the file's pauses.after, without a usage line", code, errb)
	}
}

// Without -outputs and with no outputs.json in the working directory, the names an experiment
// needs are missing: compile and run say that the file is not there and how to make it, and exit
// 2 (the experiment is not invalid).
func TestCompileWithoutTheOutputsFile(t *testing.T) {
	exp1 := mustRead(t, "../../experiments/exp_1-minor_delay.json")
	t.Chdir(t.TempDir())
	for _, k := range []string{"SNS_TOPIC_NAME", "JSON_QUEUE_NAME", "CSV_QUEUE_NAME", "DYNAMODB_TABLE_NAME", "LAMBDA_FUNCTION_NAME"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	for _, cmd := range []string{"compile", "run"} {
		m, _, errb := newMain()
		err := m.Run(context.Background(), []string{cmd, "exp_1-minor_delay"})
		if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "no stack outputs file outputs.json in ") ||
			!strings.Contains(errb.String(), "npx cdk deploy --outputs-file outputs.json") || !strings.Contains(errb.String(), "the local cloud's is .lab/local/outputs.json") || !strings.Contains(errb.String(), "the environment variable SNS_TOPIC_NAME is not set, and there is no outputs file for the stack output TopicName (the flag: -topic-name)") ||
			strings.Contains(errb.String(), "missing or empty") {
			t.Errorf("%s: exit %d, stderr %q; want 2, the missing outputs.json and the names", cmd, code, errb)
		}
	}
	// An experiment that is invalid whatever the names is that (exit 1), not the missing file.
	bad := filepath.Join(t.TempDir(), "typo.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(exp1), `"pauses"`, `"pause"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _, errb := newMain()
	err := m.Run(context.Background(), []string{"compile", bad})
	if code := cli.Report(errb, err, ExitError); code != 1 || !strings.Contains(errb.String(), `unknown key; did you mean "pauses"?`) || strings.Contains(errb.String(), "no stack outputs file") {
		t.Errorf("an invalid experiment without outputs.json: exit %d, stderr %q; want 1 and its problem", code, errb)
	}
}

// -param and -fault-parameter naming two parameters are refused, in either order and before anything
// is read or written: the last one given won, and the rollback switched off the other parameter.
func TestParamAndFaultParameterMustAgree(t *testing.T) {
	for _, args := range [][]string{
		{"rollback", "-param", "a", "-fault-parameter", "b"},
		{"rollback", "-fault-parameter", "b", "-param", "a"},
		{"fault", "status", "-param", "a", "-fault-parameter", "b"},
		{"fault", "off", "-fault-parameter", "b", "-param", "a"},
	} {
		m, _, errb := newMain()
		err := m.Run(context.Background(), args)
		if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "-param a and -fault-parameter b name two parameters") {
			t.Errorf("%q: exit %d, stderr %q; want 2, both named", args, code, errb)
		}
	}
}

// A typo'd command gets the nearest one, as a typo'd flag does, and no page of usage above it.
func TestTypoedCommand(t *testing.T) {
	m, out, errb := newMain()
	err := m.Run(context.Background(), []string{"rnu", "exp_1-minor_delay"})
	if code := cli.Report(errb, err, ExitError); code != 2 || out.Len() != 0 ||
		errb.String() != "error: chaoslab: unknown command \"rnu\": did you mean run?\nusage: "+mainSynopsis+" (chaoslab -h for help)\n" {
		t.Errorf("chaoslab rnu: exit %d, stdout %q, stderr %q; want 2 and the two lines", code, out, errb)
	}
}

// A flag before the command (as some CLIs take global flags) is told where it goes, not called an
// unknown command.
func TestFlagBeforeTheCommand(t *testing.T) {
	for args, want := range map[string]string{
		"-outputs o.json run exp_1-minor_delay": "error: chaoslab: -outputs before the command: flags go after it, chaoslab run -outputs ...\n",
		"-version":                              "error: chaoslab: -version: a command comes first, then its flags (chaoslab -h lists the commands)\n",
	} {
		m, out, errb := newMain()
		err := m.Run(context.Background(), strings.Fields(args))
		if code := cli.Report(errb, err, ExitError); code != 2 || out.Len() != 0 || !strings.HasPrefix(errb.String(), want) {
			t.Errorf("chaoslab %s: exit %d, stdout %q, stderr %q; want 2 and %q", args, code, out, errb, want)
		}
	}
}

// An error every command may meet (no AWS region) names the command it came from, as the
// commands' own errors do.
func TestSharedErrorsNameTheCommand(t *testing.T) {
	m, _, errb := newMain()
	m.AWSConfig = func(context.Context) (aws.Config, error) { return aws.Config{}, cli.ErrNoRegion }
	err := m.Run(context.Background(), []string{"fault", "status", "-fault-parameter", "p"})
	if code := cli.Report(errb, err, ExitError); code == 0 || !strings.HasPrefix(errb.String(), "error: chaoslab fault: no AWS region configured") || !errors.Is(err, cli.ErrNoRegion) {
		t.Errorf("exit %d, stderr %q; want the error under chaoslab fault, still ErrNoRegion", code, errb)
	}
}

// A state machine ARN of the wrong shape is refused before anything is started, naming where it
// came from (AWS's answer names no flag).
func TestRunRefusesAMalformedMachineArn(t *testing.T) {
	m, _, errb := newMain()
	err := m.Run(context.Background(), []string{"run", "-state-machine-arn", "notanarn", "-fault-parameter", "p",
		"-function-name", "f", "-topic-name", "t", "-json-queue-name", "j", "-csv-queue-name", "c", "-table-name", "tb",
		"-journal", filepath.Join(t.TempDir(), "j.json"), "exp_1-minor_delay"})
	if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), `"notanarn" (-state-machine-arn) is not a state machine ARN`) {
		t.Errorf("run -state-machine-arn notanarn: exit %d, stderr %q", code, errb)
	}
}

// A journal, report or series of an earlier run where this one would write is refused before the
// run starts, naming the file (the earlier run's record was written over); -force replaces them.
// follow writes an execution's record again without -force, another execution's only with it.
func TestRunKeepsAnEarlierRunsRecord(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(dir, "j.json")
	if err := os.WriteFile(journal, []byte(`{"executionArn":"arn:aws:states:us-east-1:000000000000:execution:m:earlier"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	names := []string{"-state-machine-arn", "notanarn", "-fault-parameter", "p", "-function-name", "f", "-topic-name", "t",
		"-json-queue-name", "j", "-csv-queue-name", "c", "-table-name", "tb"}
	run := func(args ...string) (int, string) {
		m, _, errb := newMain()
		return cli.Report(errb, m.Run(context.Background(), args), ExitError), errb.String()
	}
	if code, stderr := run(append(append([]string{"run"}, names...), "-journal", journal, "exp_1-minor_delay")...); code != 2 ||
		!strings.Contains(stderr, journal+" exists (an earlier run's record)") || !strings.Contains(stderr, "-force") {
		t.Errorf("run over an earlier journal: exit %d, stderr %q; want 2, the journal named and -force offered", code, stderr)
	}
	// Only the report beside it: refused as well, by its name.
	other := filepath.Join(dir, "k.json")
	if err := os.WriteFile(filepath.Join(dir, "k.report.html"), []byte("<html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stderr := run(append(append([]string{"run"}, names...), "-journal", other, "exp_1-minor_delay")...); code != 2 || !strings.Contains(stderr, "k.report.html exists") {
		t.Errorf("run beside an earlier report: exit %d, stderr %q; want the report named", code, stderr)
	}
	// -force: on to the next check (the machine ARN here), the files untouched until the run writes.
	if code, stderr := run(append(append([]string{"run"}, names...), "-journal", journal, "-force", "exp_1-minor_delay")...); code != 2 || strings.Contains(stderr, "exists") ||
		!strings.Contains(stderr, "is not a state machine ARN") {
		t.Errorf("run -force: exit %d, stderr %q; want it past the check", code, stderr)
	}
	// follow: another execution's journal is kept; this execution's may be written again.
	if code, stderr := run("follow", "-journal", journal, "arn:aws:states:us-east-1:000000000000:execution:m:later"); code != 2 || !strings.Contains(stderr, journal+" exists") {
		t.Errorf("follow over another execution's journal: exit %d, stderr %q; want it refused", code, stderr)
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens: the follow fails after the check
	t.Setenv("AWS_REGION", "us-east-1")
	if code, stderr := run("follow", "-rollback-wait", "0s", "-journal", journal, "arn:aws:states:us-east-1:000000000000:execution:m:earlier"); code == 0 || strings.Contains(stderr, "exists") {
		t.Errorf("follow of the journal's own execution: exit %d, stderr %q; want it past the check", code, stderr)
	}
}

// A -fault-parameter that is not the one the state machine writes is refused before the run starts,
// naming both: an interrupt would have switched off the flag's parameter, the fault left on in the
// machine's (the journal saying it was switched off).
func TestRunRefusesAFaultParameterTheMachineDoesNotWrite(t *testing.T) {
	lc := runnertest.Need(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	outputs := outputsFile(t, lc.Machine(t, experiments.VerdictHeld, "fault-machine-writes"), "fault-machine-writes")
	m, out, errb := newMain()
	err := m.Run(ctx, []string{"run", "-outputs", outputs, "-fault-parameter", "fault-mistyped", "-pause", "3s", "-onset", "0", "-window", "1s",
		"-journal", filepath.Join(t.TempDir(), "journal.json"), "exp_1-minor_delay"})
	if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "the fault parameter fault-mistyped (-fault-parameter)") ||
		!strings.Contains(errb.String(), "writes the fault parameter fault-machine-writes") {
		t.Errorf("exit %d, stderr %q; want 2 naming both parameters", code, errb)
	}
	if strings.Contains(out.String(), "execution started") {
		t.Errorf("an execution started:\n%s", out)
	}
}

// A plan longer than the machine's timeout is refused with what to shorten.
func TestRunRefusesAPlanLongerThanTheTimeout(t *testing.T) {
	lc := runnertest.Need(t)
	outputs := outputsFile(t, lc.MachineWithTimeout(t, experiments.VerdictHeld, "fault-short-machine", 60), "fault-short-machine")
	m, _, errb := newMain()
	err := m.Run(context.Background(), []string{"run", "-outputs", outputs, "-pause", "2m", "-window", "1s",
		"-journal", filepath.Join(t.TempDir(), "journal.json"), "exp_1-minor_delay"})
	if code := cli.Report(errb, err, ExitError); code != 2 || !strings.Contains(errb.String(), "stops an execution after 1m0s (its TimeoutSeconds)") ||
		!strings.Contains(errb.String(), "shorten the pauses (-pause)") {
		t.Errorf("exit %d, stderr %q; want 2 saying the plan is longer than the timeout and what to shorten", code, errb)
	}
}

// Asked for, a command's help is its output (chaoslab run -h | less showed nothing: it went to
// stderr, where chaoslab -h's went to stdout).
func TestHelpGoesToStdout(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"run", "-h"}, {"compile", "--help"}, {"fault", "-h"}, {"fault", "status", "-h"},
		{"local", "-h"}, {"lab", "-h"}, {"report", "-help"}, {"bench", "-h"}, {"help", "run"}} {
		m, out, errb := newMain()
		err := m.Run(context.Background(), args)
		if code := cli.Report(errb, err, ExitError); code != 0 || out.Len() == 0 || errb.Len() != 0 {
			t.Errorf("chaoslab %q: exit %d, %d bytes on stdout, stderr %q; want 0, the help on stdout alone", args, code, out.Len(), errb)
		}
	}
}

// -param twice is a flag given twice: the last one wins, with no word of -fault-parameter, which
// was not given.
func TestParamTwice(t *testing.T) {
	for _, args := range [][]string{{"-param", "a", "-param", "b"}, {"-param", "b", "-fault-parameter", "b"}, {"-fault-parameter", "b", "-param", "b"}} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		names := stack.Bind(fs, map[string]string{stack.FaultParameterName: "fault-parameter"})
		agree := bindParamAlias(fs, names, "")
		if err := fs.Parse(args); err != nil {
			t.Errorf("%q: %v", args, err)
			continue
		}
		if err := agree(); err != nil || names.Flag(stack.FaultParameterName) != "b" {
			t.Errorf("%q: parameter %q, %v; want b", args, names.Flag(stack.FaultParameterName), err)
		}
	}
}

// A command without flags shows no "Flags:" heading with nothing under it; one with flags shows it.
func TestHelpFlagsHeading(t *testing.T) {
	for cmd, want := range map[string]bool{"list": false, "validate": false, "run": true, "compile": true} {
		m, out, _ := newMain()
		if err := m.Run(context.Background(), []string{cmd, "-h"}); err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), "\nFlags:\n"); got != want || strings.HasSuffix(out.String(), "Flags:\n") {
			t.Errorf("chaoslab %s -h: a Flags heading %v, want %v:\n%s", cmd, got, want, out)
		}
	}
}

// chaoslab's own wrong command lines get the two lines too: no command, an unknown one.
func TestUnknownCommandIsShort(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"help", "frobnicate"}, {"--version"}} {
		m, out, errb := newMain()
		err := m.Run(context.Background(), args)
		if code := cli.Report(errb, err, ExitError); code != 2 || out.Len() != 0 || strings.Count(errb.String(), "\n") != 2 ||
			!strings.HasSuffix(errb.String(), "\nusage: "+mainSynopsis+" (chaoslab -h for help)\n") {
			t.Errorf("chaoslab %q: exit %d, stdout %q, stderr %q; want 2 and two lines, the second the synopsis", args, code, out, errb)
		}
	}
}

func TestUsageAndHelp(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		code  int
		flags []string
	}{
		{name: "no command", args: nil, code: 2},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2},
		{name: "help of an unknown command", args: []string{"help", "frobnicate"}, code: 2},
		{name: "local help", args: []string{"local", "help"}, code: 0},
		{name: "help", args: []string{"-h"}, code: 0},
		{name: "run -h", args: []string{"run", "-h"}, code: 0, flags: []string{"outputs", "state-machine-arn", "fault-parameter",
			"pause", "window", "recovery", "guard-interval", "expiry-margin", "journal", "name", "poll", "countdown", "v", "rollback-wait"}},
		{name: "compile -h", args: []string{"compile", "-h"}, code: 0, flags: []string{"outputs", "pause", "window", "recovery", "guard-interval", "expiry-margin"}},
		{name: "rollback -h", args: []string{"rollback", "-h"}, code: 0, flags: []string{"outputs", "fault-parameter", "param"}},
		{name: "fault -h", args: []string{"fault", "-h"}, code: 0, flags: []string{"outputs", "fault-parameter", "param", "for", "json"}},
		{name: "run without machine", args: []string{"run", "-outputs", "/nonexistent/o.json", "exp_1-minor_delay"}, code: 2},
		{name: "run two experiments", args: []string{"run", "a", "b"}, code: 2},
		{name: "validate nothing", args: []string{"validate"}, code: 2},
		{name: "validate unknown name", args: []string{"validate", "exp_9-nope"}, code: 2},
		{name: "list takes no argument", args: []string{"list", "exp_1-minor_delay"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, out, errb := newMain()
			err := m.Run(context.Background(), tt.args)
			if code := cli.Report(errb, err, ExitError); code != tt.code {
				t.Fatalf("exit %d, want %d (err %v)", code, tt.code, err)
			}
			text := out.String() + errb.String()
			for _, c := range []string{"validate", "compile", "run", "rollback", "list", "fault"} {
				if tt.name == "help" && !strings.Contains(text, "  "+c+" ") {
					t.Errorf("usage does not list %s:\n%s", c, text)
				}
			}
			for _, f := range tt.flags {
				if !strings.Contains(text, "-"+f+" ") && !strings.Contains(text, "-"+f+"\n") && !strings.Contains(text, "-"+f+"\t") {
					t.Errorf("help does not mention -%s:\n%s", f, text)
				}
			}
		})
	}
}

// TestRunOutsideTheRepositoryKeepsTheJournal: run from a folder outside the repository (an
// installed binary), the report's chart library is not found; the run still gives its verdict and
// journal, and the message says where the library comes from and how to make the report later.
func TestRunOutsideTheRepositoryKeepsTheJournal(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	param := "fault-outside"
	outputs := outputsFile(t, lc.Machine(t, experiments.VerdictHeld, param), param)
	elsewhere := t.TempDir()
	t.Chdir(elsewhere)
	journal := filepath.Join(elsewhere, "journal.json")
	m, out, errb := newMain()
	err := m.Run(ctx, []string{"run", "-outputs", outputs, "-pause", "1s", "-onset", "0", "-window", "1s", "-poll", "200ms",
		"-countdown", "200ms", "-journal", journal, "exp_1-minor_delay"})
	if code := cli.Code(err, ExitError); code != ExitHeld {
		t.Fatalf("exit %d, want %d (err %v)\nstdout:\n%s\nstderr:\n%s", code, ExitHeld, err, out, errb)
	}
	for _, want := range []string{
		"chaoslab run: no report: chart library: no node_modules/uplot in " + elsewhere,
		"run from the lab's repository (or a chaoslab built into it: go build -o bin/chaoslab ./drivers/chaoslab), where `npm ci`",
		"`chaoslab report -experiment exp_1-minor_delay " + journal + "` (from the repository, with this run's -outputs and -stack) makes its report later",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb)
		}
	}
	if b, err := os.ReadFile(journal); err != nil {
		t.Error(err)
	} else if _, err := experiments.ParseJournal(b); err != nil {
		t.Errorf("journal: %v", err)
	}

	// With -journal-format ctk the journal at the path is Chaos Toolkit's, which chaoslab report does
	// not read: the message does not offer it.
	ctk := filepath.Join(elsewhere, "ctk.json")
	const ctkParam = "fault-outside-ctk"
	ctkOutputs := outputsFile(t, fullJournalMachine(t, lc, experiments.VerdictHeld, ctkParam), ctkParam)
	m, out, errb = newMain()
	err = m.Run(ctx, []string{"run", "-outputs", ctkOutputs, "-pause", "1s", "-onset", "0", "-window", "1s", "-poll", "200ms",
		"-countdown", "200ms", "-journal", ctk, "-journal-format", "ctk", "exp_1-minor_delay"})
	if code := cli.Code(err, ExitError); code != ExitHeld {
		t.Fatalf("ctk: exit %d, want %d (err %v)\nstdout:\n%s\nstderr:\n%s", code, ExitHeld, err, out, errb)
	}
	if s := errb.String(); !strings.Contains(s, "chaoslab run: no report: chart library") || strings.Contains(s, "chaoslab report ") {
		t.Errorf("ctk: stderr should say there is no report and not offer chaoslab report:\n%s", s)
	}
}

// TestRunWhoseRollbackFailed: a run whose rollback failed in the state machine (its retries spent:
// IAM, throttling) is an error whatever its verdict, and chaoslab switches the fault off itself.
func TestRunWhoseRollbackFailed(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	const param = "fault-rollback-failed"
	arn := lc.Machine(t, experiments.VerdictHeld, param)
	editJournal(t, lc, arn, func(params map[string]any) {
		params["rollbackError"] = map[string]any{"error": "States.TaskFailed", "cause": "AccessDenied on ssm:PutParameter"}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, out, errb := newMain()
	err := m.Run(ctx, []string{"run", "-outputs", outputsFile(t, arn, param), "-pause", "1s", "-onset", "0", "-window", "1s", "-poll", "200ms",
		"-countdown", "200ms", "-report=false", "-journal", filepath.Join(t.TempDir(), "journal.json"), "exp_1-minor_delay"})
	if code := cli.Code(err, ExitError); code != ExitError {
		t.Fatalf("exit %d, want %d: a failed rollback is an error, held or not (err %v)\nstdout:\n%s\nstderr:\n%s", code, ExitError, err, out, errb)
	}
	if !strings.Contains(err.Error(), "the rollback failed (States.TaskFailed: AccessDenied on ssm:PutParameter)") ||
		!strings.Contains(err.Error(), "chaoslab switched the fault off itself") {
		t.Errorf("error %q: want the rollback's failure and that chaoslab switched the fault off", err)
	}
	if !strings.Contains(out.String(), "the rollback failed in the state machine: fault parameter "+param+" set to") {
		t.Errorf("stdout does not say the fault was switched off from here:\n%s", out)
	}
	if v := lc.Param(t, param); v != `{"isEnabled": false}` {
		t.Errorf("fault parameter after the run: %s", v)
	}
}

// TestRunRefusesASecondExperimentOnTheMachine: two experiments on one stack share its fault
// parameter (each one's rollback would end the other's fault), so a run is refused while another
// execution of the machine runs, naming it; -alongside starts it anyway.
func TestRunRefusesASecondExperimentOnTheMachine(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	const param = "fault-busy"
	machineArn := lc.Machine(t, experiments.VerdictHeld, param)
	outputs := outputsFile(t, machineArn, param)
	client := sfnapi.NewFromConfig(lc.AWS)

	// GIVEN a run whose execution is in its 60 s pause
	ctxA, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	doneA := make(chan error, 1)
	go func() {
		a, _, _ := newMain()
		doneA <- a.Run(ctxA, []string{"run", "-outputs", outputs, "-pause", "60s", "-window", "1s", "-poll", "200ms", "-report=false",
			"-rollback-wait", "0", "-journal", filepath.Join(t.TempDir(), "a.json"), "exp_1-minor_delay"})
	}()
	var running *sfnapi.ListExecutionsOutput
	poll.Until(30*time.Second, 100*time.Millisecond, func() bool {
		running, _ = client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: aws.String(machineArn),
			StatusFilter: sfntypes.ExecutionStatusRunning})
		return running != nil && len(running.Executions) == 1
	})
	if running == nil || len(running.Executions) != 1 {
		t.Fatalf("the first run's execution is not running: %+v", running)
	}
	first := aws.ToString(running.Executions[0].ExecutionArn)

	// WHEN a second run starts on the same machine
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, out, _ := newMain()
	b.Now = func() time.Time { return time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC) }
	err := b.Run(ctx, []string{"run", "-outputs", outputs, "-pause", "1s", "-onset", "0", "-window", "1s", "-poll", "200ms", "-report=false",
		"-journal", filepath.Join(t.TempDir(), "b.json"), "exp_1-minor_delay"})
	// THEN it is refused, naming the running one, and starts nothing
	if code := cli.Code(err, ExitError); code != ExitError || !strings.Contains(fmt.Sprint(err), "another experiment is running on this state machine: "+first) ||
		!strings.Contains(fmt.Sprint(err), "-alongside") || !strings.Contains(fmt.Sprint(err), "`chaoslab follow "+first+"` follows it there") {
		t.Fatalf("second run: exit %d, err %v; want 2 naming %s, how to follow it and -alongside\n%s", code, err, first, out)
	}
	if list, _ := client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: aws.String(machineArn)}); len(list.Executions) != 1 {
		t.Errorf("%d executions, want the first one only", len(list.Executions))
	}

	// AND with -alongside it starts (and is stopped here: its Ctrl-C)
	c, outC, _ := newMain()
	c.Now = func() time.Time { return time.Date(2026, 11, 23, 14, 6, 0, 0, time.UTC) }
	ctxC, cancelC := context.WithCancel(context.Background())
	go func() {
		poll.Until(30*time.Second, 100*time.Millisecond, func() bool {
			l, _ := client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: aws.String(machineArn)})
			return l != nil && len(l.Executions) == 2
		})
		cancelC()
	}()
	errC := c.Run(ctxC, []string{"run", "-outputs", outputs, "-pause", "60s", "-window", "1s", "-poll", "200ms", "-report=false",
		"-rollback-wait", "0", "-alongside", "-journal", filepath.Join(t.TempDir(), "c.json"), "exp_1-minor_delay"})
	if list, _ := client.ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: aws.String(machineArn)}); len(list.Executions) != 2 ||
		strings.Contains(fmt.Sprint(errC), "another experiment is running") {
		t.Errorf("-alongside: %d executions, err %v; want it started beside the first\n%s", len(list.Executions), errC, outC)
	}
	cancelA()
	<-doneA
}

// TestFollowTakesUpAnExecution: chaoslab follow gives an execution chaoslab run did not follow to
// its end (started with the AWS API, here ended before the watch began) what run would have: its
// states, the verdict's exit code, the journal and the report.
func TestFollowTakesUpAnExecution(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	for _, tt := range []struct {
		verdict string
		code    int
	}{{experiments.VerdictHeld, ExitHeld}, {experiments.VerdictDeviated, ExitDeviated}} {
		t.Run(tt.verdict, func(t *testing.T) {
			t.Parallel() // each has its own machine and parameter
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			param := "fault-follow-" + tt.verdict
			machine := lc.Machine(t, tt.verdict, param)
			outputs := outputsFile(t, machine, param)
			arn := startByHand(ctx, t, lc, outputs, machine, "1s", true)

			journal := filepath.Join(t.TempDir(), "journal.json")
			m, out, errb := newMain()
			err := m.Run(ctx, []string{"follow", "-outputs", outputs, "-poll", "200ms", "-journal", journal, arn})

			if code := cli.Code(err, ExitError); code != tt.code {
				t.Fatalf("exit %d, want %d (err %v)\nstdout:\n%s\nstderr:\n%s", code, tt.code, err, out, errb)
			}
			for _, want := range []string{"execution:  " + arn, "its history follows", "→ Inject fault", "→ Rollback",
				"verdict: " + tt.verdict, "journal: " + journal, "report: " + strings.TrimSuffix(journal, ".json") + ".report.html"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if b, err := os.ReadFile(journal); err != nil || !strings.Contains(string(b), `"verdict": "`+tt.verdict+`"`) {
				t.Errorf("journal %s: %s %v", journal, b, err)
			}
		})
	}
}

// startByHand starts exp_1, compiled with outputs and pause, on machine as a user would with the
// AWS API (not chaoslab run), and returns the execution's ARN; with ended, once it has ended.
func startByHand(ctx context.Context, t *testing.T, lc *runnertest.Cloud, outputs, machine, pause string, ended bool) string {
	t.Helper()
	m, out, errb := newMain()
	if err := m.Run(ctx, []string{"compile", "-outputs", outputs, "-pause", pause, "-onset", "0", "-window", "1s", "exp_1-minor_delay"}); err != nil {
		t.Fatalf("compile: %v\n%s", err, errb)
	}
	client := sfnapi.NewFromConfig(lc.AWS)
	started, err := client.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(out.String())})
	if err != nil {
		t.Fatal(err)
	}
	if ended && !poll.Until(30*time.Second, 200*time.Millisecond, func() bool {
		d, err := client.DescribeExecution(ctx, &sfnapi.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		return err == nil && d.Status != sfntypes.ExecutionStatusRunning
	}) {
		t.Fatalf("execution %s did not end", aws.ToString(started.ExecutionArn))
	}
	return aws.ToString(started.ExecutionArn)
}

// TestFollowRefusesWhatIsNotAnExecution: the argument must be an execution's ARN, named in the error.
func TestFollowRefusesWhatIsNotAnExecution(t *testing.T) {
	for _, arg := range []string{"journal.json", "arn:aws:states:us-east-1:123456789012:stateMachine:ChaosLab", "arn:aws:states:us-east-1:123456789012:execution:ChaosLab:"} {
		m, _, _ := newMain()
		err := m.Run(context.Background(), []string{"follow", arg})
		if cli.Code(err, 0) != 2 || !strings.Contains(err.Error(), strconv.Quote(arg)+" is not an execution ARN") {
			t.Errorf("follow %s: %v, want a usage error naming it", arg, err)
		}
	}
}

// follow takes its region from the execution's ARN when none is configured: it asked for one the
// ARN names. Here nothing answers at the endpoint: the error is the connection's, not the region's.
func TestFollowTakesTheRegionFromTheARN(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Chdir(t.TempDir())
	m, _, errb := newMain()
	m.AWSConfig = nil // the command's own, from the environment
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := m.Run(ctx, []string{"follow", "-journal", filepath.Join(t.TempDir(), "j.json"), "arn:aws:states:eu-west-1:123456789012:execution:ChaosLab:x"})
	if err == nil || strings.Contains(err.Error(), "no AWS region configured") {
		t.Errorf("follow with no region configured: %v\n%s; want it to use the ARN's eu-west-1", err, errb)
	}
}

// TestFollowSwitchesOffOnlyALiveRunsFault: when the rollback failed in the machine, follow
// switches off the parameter the execution's machine writes (not the one of the outputs file's
// stack) if the execution was running when the watch began; for one that had ended it writes
// nothing (another experiment may hold the parameter by then) and says how to check it.
func TestFollowSwitchesOffOnlyALiveRunsFault(t *testing.T) {
	lc := runnertest.Need(t)
	lc.Steady()
	for _, tt := range []struct {
		name  string
		ended bool
	}{{"running", false}, {"ended", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			param, other := "fault-follow-off-"+tt.name, "fault-follow-other-"+tt.name
			machine := lc.Machine(t, experiments.VerdictHeld, param)
			editJournal(t, lc, machine, func(params map[string]any) {
				params["rollbackError"] = map[string]any{"error": "States.TaskFailed", "cause": "AccessDenied on ssm:PutParameter"}
			})
			otherMachine := lc.Machine(t, experiments.VerdictHeld, other)
			arn := startByHand(ctx, t, lc, outputsFile(t, machine, param), machine, "2s", tt.ended)
			// The parameters as another experiment would leave them: both faults on.
			const on = `{"isEnabled": true, "rate": 0.5, "failureMode": "latency"}`
			for _, p := range []string{param, other} {
				lc.SetParam(t, p, on)
			}

			m, out, errb := newMain()
			err := m.Run(ctx, []string{"follow", "-outputs", outputsFile(t, otherMachine, other), "-poll", "200ms", "-report=false",
				"-journal", filepath.Join(t.TempDir(), "journal.json"), arn})

			if cli.Code(err, ExitError) != ExitError || !strings.Contains(err.Error(), "the rollback failed") {
				t.Fatalf("err %v, want exit 2 for the failed rollback\nstdout:\n%s\nstderr:\n%s", err, out, errb)
			}
			if v := lc.Param(t, other); v != on {
				t.Errorf("the outputs file's stack's parameter was written: %s", v)
			}
			want, says := `{"isEnabled": false}`, "switched the fault off itself"
			if tt.ended {
				want, says = on, "not written from here"
			}
			if v := lc.Param(t, param); v != want || !strings.Contains(err.Error(), says) {
				t.Errorf("the machine's parameter %s = %s, want %s; err %v, want it to say %q", param, v, want, err, says)
			}
		})
	}
}

// The stack's names beat the environment's: LAMBDA_FUNCTION_NAME and its kin, exported for the seed's
// Chaos Toolkit lab, pointed the probes at another function than the stack's (over -outputs, and
// over -function-name itself), and said nothing. An empty one named the function "". A name left
// empty in the outputs file is missing, said with its output and flag.
func TestStackNamesBeatTheEnvironment(t *testing.T) {
	outputs := outputsFile(t, "arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
	functionOf := func(t *testing.T, args ...string) (string, string) {
		t.Helper()
		m, out, errb := newMain()
		if err := m.Run(context.Background(), append(append([]string{"compile", "-outputs", outputs}, args...), "exp_1-minor_delay")); err != nil {
			t.Fatalf("compile %q: %v\n%s", args, err, errb)
		}
		fn := regexp.MustCompile(`FunctionName=([^}]*)\}`).FindStringSubmatch(out.String())
		if fn == nil {
			t.Fatalf("compile %q: no FunctionName dimension in %s", args, out)
		}
		return fn[1], errb.String()
	}
	t.Setenv("LAMBDA_FUNCTION_NAME", "stale-fn")
	if fn, warn := functionOf(t); fn != "fn" || !strings.Contains(warn, "LAMBDA_FUNCTION_NAME=stale-fn in the environment is not used: the stack's FunctionName is fn ("+outputs+", stack ChaosLab)") {
		t.Errorf("the outputs file's function against the environment's: %q, stderr %q; want fn, and the environment's named as not used", fn, warn)
	}
	if fn, warn := functionOf(t, "-function-name", "flag-fn"); fn != "flag-fn" || !strings.Contains(warn, "is flag-fn (-function-name)") {
		t.Errorf("-function-name against the environment's: %q, stderr %q; want flag-fn", fn, warn)
	}
	t.Setenv("LAMBDA_FUNCTION_NAME", "")
	if fn, warn := functionOf(t); fn != "fn" || warn != "" {
		t.Errorf("an empty LAMBDA_FUNCTION_NAME: %q, stderr %q; want the stack's, nothing said", fn, warn)
	}

	o := runnertest.Outputs("arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
	o["FunctionName"] = " "
	b, _ := json.Marshal(map[string]map[string]string{"ChaosLab": o})
	blank := filepath.Join(t.TempDir(), "outputs.json")
	if err := os.WriteFile(blank, b, 0o600); err != nil {
		t.Fatal(err)
	}
	m, _, errb := newMain()
	err := m.Run(context.Background(), []string{"compile", "-outputs", blank, "exp_1-minor_delay"})
	if err == nil || !strings.Contains(err.Error(), "the stack output FunctionName is missing or empty in "+blank+", stack ChaosLab, and the environment variable LAMBDA_FUNCTION_NAME is not set (the flag: -function-name)") {
		t.Errorf("a blank FunctionName in the outputs file: %v; want it missing, with its output and flag", err)
	}
	// Exit 2, as run gives: the experiment is valid (exit 1 says it is not).
	if code := cli.Report(errb, err, ExitError); code != 2 {
		t.Errorf("a name missing from the stack: exit %d, want 2", code)
	}
}

// A command line with the wrong arguments gets the error, the command's synopsis and where its help
// is, and nothing else: the whole usage printed above the error (86 lines for run) scrolled the
// error out of sight.
func TestArgumentErrorsAreShort(t *testing.T) {
	tests := []struct {
		args     []string
		want     string
		synopsis string
	}{
		{[]string{"run"}, "want one experiment, got 0 arguments", "chaoslab run [flags] <file|name>"},
		{[]string{"compile", "a", "b"}, "want one experiment, got 2 arguments", "chaoslab compile [flags] <file|name>"},
		{[]string{"validate"}, "no experiment given", "chaoslab validate <file|name>..."},
		{[]string{"report"}, "want one journal", "chaoslab report [flags] <journal.json>"},
		{[]string{"follow", "a", "b"}, "want one execution ARN", "chaoslab follow [flags] <execution ARN>"},
		{[]string{"import-fis"}, "want one template", "chaoslab import-fis [flags] <template.json|.yaml>"},
		{[]string{"rollback", "now"}, `unexpected arguments ["now"]`, "chaoslab rollback [flags]"},
		{[]string{"fault"}, "want status, enable, off", faultSynopsis},
		{[]string{"fault", "sideways"}, `unknown subcommand "sideways"`, faultSynopsis},
		{[]string{"fault", "-for", "2m"}, "-for before the subcommand", faultSynopsis},
		{[]string{"fault", "status", "x"}, `unexpected arguments ["x"]`, faultSynopsis},
		{[]string{"local", "up", "extra"}, `unexpected argument "extra"`, localSynopsis},
		{[]string{"local", "-dir", "x", "env"}, "-dir before the subcommand: write the subcommand first", localSynopsis},
		{[]string{"list", "x"}, `unexpected arguments ["x"]`, "chaoslab list"},
		{[]string{"bench", "x"}, `unexpected arguments ["x"]`, "chaoslab bench [flags]"},
		{[]string{"lab", "x"}, `unexpected arguments ["x"]`, "chaoslab lab [flags]"},
		{[]string{"lab-compare", "a"}, "want two labs' results or more", "chaoslab lab-compare BASELINE CANDIDATE [CANDIDATE...]"},
		{[]string{"local"}, "want up, deploy, delete, env or down", localSynopsis},
		{[]string{"local", "sideways"}, `unknown subcommand "sideways"`, localSynopsis},
		// Flags and values the command does not take, as much as arguments wrong in number.
		{[]string{"run", "-bogus", "exp_1-minor_delay"}, "flag provided but not defined: -bogus", "chaoslab run [flags] <file|name>"},
		{[]string{"run", "-pause", "10", "exp_1-minor_delay"}, `-pause "10": want a duration`, "chaoslab run [flags] <file|name>"},
		{[]string{"run", "-journal-format", "xml", "exp_1-minor_delay"}, `-journal-format "xml"`, "chaoslab run [flags] <file|name>"},
		{[]string{"fault", "status", "-for", "1m"}, "-for is for enable only", faultSynopsis},
		{[]string{"fault", "enable"}, "enable what?", faultSynopsis},
		{[]string{"import-fis", "-function-tag", "bad", "t.json"}, `invalid value "bad" for flag -function-tag`, "chaoslab import-fis [flags] <template.json|.yaml>"},
		{[]string{"local", "down", "-stack", "x"}, "-stack does not apply to down", localSynopsis},
		// A flag given twice is refused (the last one was taken without a word).
		{[]string{"compile", "-pause", "10s", "-pause", "20s", "exp_1-minor_delay"}, `-pause: given twice: give it once ("10s", then "20s")`, "chaoslab compile [flags] <file|name>"},
		{[]string{"run", "-v", "-alongside", "-v", "exp_1-minor_delay"}, "flag v: given twice", "chaoslab run [flags] <file|name>"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			m, out, errb := newMain()
			err := m.Run(context.Background(), tt.args)
			if code := cli.Report(errb, err, ExitError); code != 2 {
				t.Fatalf("exit %d, want 2 (err %v)", code, err)
			}
			cmd := "chaoslab " + tt.args[0]
			want := "error: " + cmd // then ": ", or the subcommand first
			// The synopsis is the one the command's help shows.
			var help bytes.Buffer
			hm, _, _ := newMain()
			hm.Stdout, hm.Stderr = &help, &help
			_ = hm.Run(context.Background(), []string{tt.args[0], "-h"})
			if got := cli.SynopsisOf(help.String()); got != tt.synopsis {
				t.Errorf("%s -h shows the synopsis %q, the error %q", cmd, got, tt.synopsis)
			}
			if got := errb.String(); !strings.HasPrefix(got, want) || !strings.Contains(got, tt.want) ||
				!strings.HasSuffix(got, "\nusage: "+tt.synopsis+" ("+cmd+" -h for help)\n") || strings.Count(got, "\n") != 2 {
				t.Errorf("stderr:\n%s\nwant two lines: %q…%q, then the synopsis %q and where the help is", got, want, tt.want, tt.synopsis)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

// A name the experiment needs that outputs.json gives as a number is said so, with its flag (it
// was "missing or empty"); one the experiment does not read (Scenario) stands in no one's way.
func TestCompileRefusesANumberForAName(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "outputs.json")
	if err := os.WriteFile(file, []byte(`{"ChaosLab":{"TopicName":"t","JsonQueueName":"j","CsvQueueName":"c","FunctionName":"f","TableName":5,"Scenario":1}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _, errb := newMain()
	err := m.Run(context.Background(), []string{"compile", "-outputs", file, "exp_1-minor_delay"})
	if code := cli.Report(errb, err, ExitError); code == 0 || !strings.Contains(errb.String(), "ChaosLab.TableName: want a string, got a JSON number (the flag: -table-name)") ||
		strings.Contains(errb.String(), "missing or empty") || strings.Contains(errb.String(), "Scenario") {
		t.Errorf("exit %d, stderr %q", code, errb)
	}
}

// The fault's onset is the stack's FailureCacheTTL (its function's config cache) unless -onset is
// given: a team's stack with a TTL of 10 s was judged from 5 s after the write, before warm
// sandboxes had the fault. A stack without the output keeps the default; a value that is no
// duration is said and keeps it too.
func TestOnsetFromTheStacksFailureCacheTTL(t *testing.T) {
	for _, tc := range []struct {
		name, ttl string
		args      []string
		onset     int
		stderr    string
	}{
		{name: "the stack's TTL", ttl: "10s", onset: 10, stderr: "chaoslab: note: the fault's onset is 10s, the stack's FailureCacheTTL"},
		{name: "the default TTL", ttl: "5s", onset: 5},
		{name: "no output (a stack synthesized before it)", onset: 5},
		{name: "-onset wins", ttl: "10s", args: []string{"-onset", "3s"}, onset: 3},
		{name: "not a duration", ttl: "ten", onset: 5, stderr: `the stack output FailureCacheTTL "ten" is not a duration: the fault's onset stays 5s`},
		// Another stack's function: the file's stack's TTL is not its.
		{name: "-function-name of another function", ttl: "10s", args: []string{"-function-name", "other-fn"}, onset: 5,
			stderr: "the fault's onset stays 5s: -function-name names another function than the stack's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outs := runnertest.Outputs("arn:aws:states:us-east-1:1:stateMachine:x", "StackFault")
			if tc.ttl != "" {
				outs["FailureCacheTTL"] = tc.ttl
			}
			p := filepath.Join(t.TempDir(), "outputs.json")
			b, _ := json.Marshal(map[string]map[string]string{"ChaosLab": outs})
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			m, out, errb := newMain()
			args := append(append([]string{"compile", "-outputs", p, "-pause", "30s"}, tc.args...), "exp_1-minor_delay")
			if err := m.Run(context.Background(), args); err != nil {
				t.Fatalf("compile: %v\n%s", err, errb)
			}
			var c experiments.Compiled
			if err := json.Unmarshal(out.Bytes(), &c); err != nil || len(c.Method) == 0 || c.Method[0].OnsetSeconds != tc.onset {
				t.Errorf("compiled onset %+v (%v), want %d s", c.Method, err, tc.onset)
			}
			if tc.stderr != "" && !strings.Contains(errb.String(), tc.stderr) || tc.stderr == "" && strings.Contains(errb.String(), "onset") {
				t.Errorf("stderr %q, want %q", errb.String(), tc.stderr)
			}
		})
	}
}
