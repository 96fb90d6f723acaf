package experiments

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestGuardExtension(t *testing.T) {
	e := experiment(t, okProbe, okAction)
	e.Extensions = []json.RawMessage{json.RawMessage(`{"name": "other-tool", "x": 1}`), json.RawMessage(`{"name": "chaoslab", "guard": {"probe": "nope"}}`)}
	if _, err := Compile(e, CompileOptions{Env: testEnv}); err == nil || !strings.Contains(err.Error(), `extensions[1].guard.probe: no hypothesis probe is named "nope"`) {
		t.Fatalf("err = %v", err)
	}
	e.Extensions[1] = json.RawMessage(`{"name": "chaoslab", "guard": {"probe": "sns", "interval": 20}}`)
	c := mustCompile(t, e, CompileOptions{Env: testEnv})
	if !c.Guard.Enabled || c.Guard.Probe.Name != "sns" || !equalInts(c.Method[0].PauseSlices, []int{20, 5}) {
		t.Fatalf("guard %+v slices %v", c.Guard, c.Method[0].PauseSlices)
	}
}

// A second chaoslab extension is refused, valid or not, rather than ignored or read instead.
func TestSecondGuardExtensionRefused(t *testing.T) {
	e := experiment(t, okProbe, okAction)
	for _, second := range []string{`{"name": "chaoslab", "guard": {"probe": "nope"}}`, `{"name": "chaoslab", "guard": {"probe": "sns", "interval": 10}}`} {
		e.Extensions = []json.RawMessage{json.RawMessage(`{"name": "chaoslab", "guard": {"probe": "sns", "interval": 20}}`), json.RawMessage(second)}
		if _, err := Compile(e, CompileOptions{Env: testEnv}); err == nil || !strings.Contains(err.Error(), "extensions[1]: a second chaoslab extension (the first is extensions[0]): give the guard once") {
			t.Errorf("second extension %s: %v, want it refused", second, err)
		}
	}
}

// The guard's members are told as the file's others are: each misspelt key with the key it may be,
// each value of the wrong type with the type it is, all at once.
func TestGuardMembersProblems(t *testing.T) {
	e := experiment(t, okProbe, okAction)
	for _, tt := range []struct{ guard, want string }{
		{`{"probe": "sns", "interval": "60"}`, `extensions[0].guard.interval: want a JSON number of seconds, got JSON string`},
		{`{"probe": "sns", "intervall": 60}`, `extensions[0].guard.intervall: unknown key; did you mean "interval"?`},
		{`{"probe": 5, "intervall": 60}`, `extensions[0].guard.probe: want a JSON string, got JSON number`},
		{`{"probe": 5, "intervall": 60}`, `extensions[0].guard.intervall: unknown key`},
		{`["sns", 60]`, `extensions[0].guard: want {"probe": "<hypothesis probe name>", "interval": seconds}, or {"probes": [names], ...} for several, got JSON array`},
		{`{"probes": "sns"}`, `extensions[0].guard.probes: want a JSON array of probe names, got JSON string`},
		{`{"probes": []}`, `extensions[0].guard.probes: empty: name at least one hypothesis probe`},
		{`{"probes": ["sns", 5]}`, `extensions[0].guard.probes[1]: want a JSON string, got JSON number`},
		{`{"probe": "sns", "probes": ["sns"]}`, `extensions[0].guard: both probe and probes: give one of them`},
		{`{"interval": 60}`, `extensions[0].guard: want {"probe": "<hypothesis probe name>", "interval": seconds}, or {"probes": [names], ...} for several: the probe is required`},
		{`{"probes": ["sns", "nope"]}`, `extensions[0].guard.probes[1]: no hypothesis probe is named "nope"`},
		{`{"probes": ["sns", "sns"]}`, `extensions[0].guard.probes[1]: "sns" is named twice`},
	} {
		e.Extensions = []json.RawMessage{json.RawMessage(`{"name": "chaoslab", "guard": ` + tt.guard + `}`)}
		if _, err := Compile(e, CompileOptions{Env: testEnv}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("guard %s: %v, want %q", tt.guard, err, tt.want)
		}
	}
}

// A guard of several probes checks each of them after each slice, in the order given (an imported
// FIS template's several alarm stop conditions); the first is also the machine input's probe, for a
// machine deployed before it read several.
func TestGuardOfSeveralProbes(t *testing.T) {
	e, err := LoadDefinition("exp_1-minor_delay")
	if err != nil {
		t.Fatal(err)
	}
	e.Extensions = []json.RawMessage{json.RawMessage(`{"name": "chaoslab", "guard": {"probes": ["normal-error-rates", "messages-in-flight"], "interval": 60}}`)}
	c := mustCompile(t, e, CompileOptions{Env: testEnv, FaultParameterName: "/ChaosLab/fault"})
	if !c.Guard.Enabled || len(c.Guard.Probes) != 2 || c.Guard.Probes[0].Name != "normal-error-rates" || c.Guard.Probes[1].Name != "messages-in-flight" ||
		c.Guard.Probe == nil || c.Guard.Probe.Name != "normal-error-rates" {
		t.Fatalf("guard %+v", c.Guard)
	}
	// Each probe's queries summarize the whole window, as the hypothesis' do.
	for _, g := range c.Guard.Probes {
		for _, q := range g.MetricDataQueries {
			if q.MetricStat != nil && q.MetricStat.Period != c.SteadyState.Probes[1].MetricDataQueries[0].MetricStat.Period {
				t.Errorf("guard probe %s: period %d, want the hypothesis' %d", g.Name, q.MetricStat.Period, c.SteadyState.Probes[1].MetricDataQueries[0].MetricStat.Period)
			}
		}
	}
	b, _ := json.Marshal(c.Guard)
	if !strings.Contains(string(b), `"probes":[{"name":"normal-error-rates"`) || !strings.Contains(string(b), `"probe":{"name":"normal-error-rates"`) {
		t.Errorf("machine input %s, want probes and probe", b)
	}
}

// A guard whose checks would outgrow the execution's history (Step Functions ends one at 25,000
// events) is refused before anything runs, with the interval that fits; a coarser one compiles.
func TestGuardChecksFitTheHistory(t *testing.T) {
	e, err := LoadDefinition("exp_1-minor_delay")
	if err != nil {
		t.Fatal(err)
	}
	e.Extensions = []json.RawMessage{json.RawMessage(`{"name": "chaoslab", "guard": {"probes": ["zero-sns-errors", "normal-error-rates", "messages-in-flight"]}}`)}
	opts := CompileOptions{Env: testEnv, FaultParameterName: "/ChaosLab/fault", Overrides: Overrides{Pause: 59 * time.Minute, GuardInterval: 10 * time.Second}}
	if _, err := Compile(e, opts); err == nil || !strings.Contains(err.Error(), "would take about") || !strings.Contains(err.Error(), "check every 13 s or more") {
		t.Errorf("err = %v, want the guard refused, with the interval that fits", err)
	}
	opts.Overrides.GuardInterval = 13 * time.Second
	if _, err := Compile(e, opts); err != nil {
		t.Errorf("at 13 s: %v", err)
	}
}

// The interval the refusal names is the least that fits, found without cutting a long pause into
// its slices at each interval tried (a year's pause checked every second is 31 million of them).
func TestGuardRefusalNamesTheLeastIntervalThatFits(t *testing.T) {
	e, err := LoadDefinition("exp_1-minor_delay")
	if err != nil {
		t.Fatal(err)
	}
	e.Extensions = []json.RawMessage{json.RawMessage(`{"name": "chaoslab", "guard": {"probe": "normal-error-rates"}}`)}
	opts := CompileOptions{Env: testEnv, FaultParameterName: "/ChaosLab/fault", Overrides: Overrides{Pause: 31_000_000 * time.Second, GuardInterval: time.Second}}
	_, err = Compile(e, opts)
	m := regexp.MustCompile(`check every (\d+) s or more`).FindStringSubmatch(fmt.Sprint(err))
	if m == nil {
		t.Fatalf("err = %v, want the guard refused, with the interval that fits", err)
	}
	least, _ := strconv.Atoi(m[1])
	opts.Overrides.GuardInterval = time.Duration(least) * time.Second
	if _, err := Compile(e, opts); err != nil {
		t.Errorf("at the %d s it names: %v", least, err)
	}
	opts.Overrides.GuardInterval = time.Duration(least-1) * time.Second
	if _, err := Compile(e, opts); err == nil {
		t.Errorf("at %d s, one less than it names, the guard compiled: the named interval is not the least", least-1)
	}
}

// A method of so many pausing actions that even one check a pause outgrows the history is refused
// as such (the search for an interval that fits had none to find, and never ended).
func TestGuardOfTooManyPausesIsRefused(t *testing.T) {
	e, err := LoadDefinition("exp_1-minor_delay")
	if err != nil {
		t.Fatal(err)
	}
	for len(e.Method) < 290 {
		e.Method = append(e.Method, e.Method[0])
	}
	e.Extensions = []json.RawMessage{json.RawMessage(`{"name": "chaoslab", "guard": {"probes": ["zero-sns-errors", "normal-error-rates", "messages-in-flight"]}}`)}
	err = Validate(e)
	if err == nil || !strings.Contains(err.Error(), "checked once a pause, 290 pauses × 3 probes would still take about 20010") ||
		!strings.Contains(err.Error(), "guard fewer probes, or split the method") {
		t.Errorf("err = %v, want the guard refused: no interval fits", err)
	}
}
