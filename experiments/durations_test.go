package experiments

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure"
)

func TestOverrides(t *testing.T) {
	e, err := LoadDefinition("exp_1-minor_delay")
	if err != nil {
		t.Fatal(err)
	}
	e.Extensions = append(e.Extensions, json.RawMessage(`{"name": "chaoslab", "guard": {"probe": "normal-error-rates", "interval": 60}}`))
	tests := []struct {
		name       string
		o          Overrides
		observe    int
		recovery   int
		onset      int
		slices     []int
		expires    float64
		period     int
		guardEvery int
	}{
		{name: "none", observe: 300, recovery: 300, onset: 5, slices: []int{60, 60, 60, 60, 55}, expires: 420, period: 300 + periodSlack, guardEvery: 60},
		{name: "compressed", o: Overrides{Pause: 25 * time.Second, ProbeWindow: 10 * time.Second, Recovery: 5 * time.Second, GuardInterval: 10 * time.Second, ExpiryMargin: 30 * time.Second},
			observe: 10, recovery: 5, onset: 5, slices: []int{10, 10}, expires: 55, period: 60 + periodSlack, guardEvery: 10},
		{name: "onset set", o: Overrides{Pause: 30 * time.Second, Onset: new(2 * time.Second), GuardInterval: 10 * time.Second},
			observe: 300, recovery: 300, onset: 2, slices: []int{10, 10, 8}, expires: 150, period: 300 + periodSlack, guardEvery: 10},
		{name: "no onset: the window after starts at the write", o: Overrides{Pause: 30 * time.Second, Onset: new(time.Duration(0)), GuardInterval: 10 * time.Second},
			observe: 300, recovery: 300, onset: 0, slices: []int{10, 10, 10}, expires: 150, period: 300 + periodSlack, guardEvery: 10},
		{name: "sub-second rounds up; the onset is at most the pause", o: Overrides{Pause: 1500 * time.Millisecond, ProbeWindow: 100 * time.Millisecond},
			observe: 1, recovery: 1, onset: 2, slices: []int{}, expires: 122, period: 60 + periodSlack, guardEvery: 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, e, CompileOptions{Env: testEnv, Overrides: tt.o})
			if c.SteadyState.ObserveSeconds != tt.observe || c.SteadyState.RecoverySeconds != tt.recovery {
				t.Errorf("observe %d recovery %d, want %d %d", c.SteadyState.ObserveSeconds, c.SteadyState.RecoverySeconds, tt.observe, tt.recovery)
			}
			// The onset is the pause's first part; the guard's slices cover the rest.
			if got := c.Method[0].OnsetSeconds; got != tt.onset {
				t.Errorf("onset %d, want %d", got, tt.onset)
			}
			if got := c.Method[0].PauseSlices; !equalInts(got, tt.slices) {
				t.Errorf("slices %v, want %v", got, tt.slices)
			}
			if v := valueOf(t, c.Method[0]); v["expiresAfterSeconds"] != tt.expires {
				t.Errorf("expiresAfterSeconds %v, want %v", v["expiresAfterSeconds"], tt.expires)
			}
			for _, p := range append(c.SteadyState.Probes, *c.Guard.Probe) {
				for _, q := range p.MetricDataQueries {
					if q.MetricStat != nil && q.MetricStat.Period != tt.period {
						t.Errorf("%s %s period %d, want %d", p.Name, q.Id, q.MetricStat.Period, tt.period)
					}
				}
			}
			if !c.Guard.Enabled || c.Guard.IntervalSeconds != tt.guardEvery || c.Guard.Probe.Name != "normal-error-rates" {
				t.Errorf("guard = %+v", c.Guard)
			}
		})
	}
	if _, err := Compile(e, CompileOptions{Env: testEnv, Overrides: Overrides{Pause: -time.Second}}); err == nil || !strings.Contains(err.Error(), "overrides.Pause") {
		t.Errorf("negative override: err = %v", err)
	}
	if _, err := Compile(e, CompileOptions{Env: testEnv, Overrides: Overrides{Onset: new(-time.Second)}}); err == nil || !strings.Contains(err.Error(), "overrides.Onset") {
		t.Errorf("negative onset: err = %v", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The compiler gives an expiry to every value that enables injection as the function reads it
// (faultconfig.Parse): 0.x with isEnabled true and failure-lambda 1.0 configs (which have no
// isEnabled) alike; a value with its own expiry, or that enables nothing, is left as written.
func TestExpiryOfEveryEnablingValue(t *testing.T) {
	tests := []struct {
		name, value string
		expires     any // expiresAfterSeconds in the compiled value; nil: none
	}{
		{name: "0.x on", value: `{"isEnabled": true, "failureMode": "latency", "minLatency": 100, "maxLatency": 200}`, expires: float64(30 + 120)},
		{name: "1.0 on", value: `{"latency": {"enabled": true, "percentage": 50, "min_latency": 3000, "max_latency": 5000}}`, expires: float64(30 + 120)},
		{name: "1.0 with one of two flags on", value: `{"latency": {"enabled": false}, "denylist": {"enabled": true, "deny_list": ["dynamodb"]}}`, expires: float64(30 + 120)},
		{name: "1.0 with its own expiresAfterSeconds", value: `{"latency": {"enabled": true}, "expiresAfterSeconds": 60}`, expires: float64(60)},
		{name: "1.0 with its own expiresAt", value: `{"latency": {"enabled": true}, "expiresAt": "2030-01-01T00:00:00Z"}`},
		// An action that enables nothing is not first (the window after starts at the first action).
		{name: "0.x off", value: `{"isEnabled": false}`},
		{name: "1.0 with every flag off", value: `{"latency": {"enabled": false}, "exception": {"enabled": false}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, last := chaosawsAction(tt.value), 0
			if tt.expires == nil && !strings.Contains(tt.value, "expiresAt") {
				method, last = chaosawsAction(`{"isEnabled": true, "failureMode": "latency"}`)+","+method, 1
			}
			c := mustCompile(t, experiment(t, okProbe, method), CompileOptions{Env: testEnv})
			if got := valueOf(t, c.Method[last])["expiresAfterSeconds"]; got != tt.expires {
				t.Errorf("expiresAfterSeconds = %v, want %v (value %s)", got, tt.expires, c.Method[last].Value)
			}
		})
	}
}

// The window after the method starts when method[0]'s value is in force: a first action that
// enables nothing is refused (its window would take in fault-free time).
func TestFirstActionEnablesAFault(t *testing.T) {
	for _, off := range []string{`{"isEnabled": false}`, `{"latency": {"enabled": false}}`} {
		_, err := Compile(experiment(t, okProbe, chaosawsAction(off)+","+chaosawsAction(`{"isEnabled": true, "failureMode": "latency"}`)), CompileOptions{Env: testEnv})
		if err == nil || !strings.Contains(err.Error(), "method[0]: the first action enables no fault") {
			t.Errorf("first action %s: err %v, want method[0] refused", off, err)
		}
	}
}

// The onset the compiler waits for is the failure layer's config cache TTL, the longest a sandbox
// keeps using the config it fetched just before the fault was written.
func TestFaultOnsetIsTheFailureLayersCacheTTL(t *testing.T) {
	if DefaultFaultOnset != failure.DefaultTTL {
		t.Errorf("DefaultFaultOnset %v, failure.DefaultTTL %v: a window after the method would start before the fault is in force", DefaultFaultOnset, failure.DefaultTTL)
	}
}
