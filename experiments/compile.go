package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// SeedFaultParameter is the seed lab's parameter name; experiments that write it write the stack's
// fault parameter.
const SeedFaultParameter = "failureLambdaConfig"

// DefaultExpiryMargin is how long a fault may outlive the method's planned end (rollbacks switch it
// off before that; the margin only matters when the machine itself is broken or aborted).
const DefaultExpiryMargin = 120 * time.Second

// DefaultGuardInterval is how often a guard is checked during a pause when the experiment says not.
const DefaultGuardInterval = 60 * time.Second

// DefaultFaultOnset is how long a fault written to the parameter takes to be in force: the
// failure layer's config cache TTL (functions/failure DefaultTTL, the function's FAILURE_CACHE_TTL),
// since a sandbox that fetched the config just before the write uses the old one that long.
const DefaultFaultOnset = 5 * time.Second

// CompileOptions are what a run adds to an experiment file.
type CompileOptions struct {
	// FaultParameterName is the stack's fault parameter (stack output FaultParameterName). An action
	// may write it or the seed's failureLambdaConfig; both mean this parameter. Empty: only the
	// seed's name is accepted.
	FaultParameterName string
	// Env holds the values of the configuration's {"type": "env"} entries (see EnvFromOutputs).
	Env map[string]string
	// Missing, when set, says how a user gives the environment variable key that Env lacks (the
	// stack output and flag it comes from); empty: the variable itself.
	Missing func(key string) string
	// Overrides shorten or lengthen the experiment's durations (a local run compresses time).
	Overrides Overrides
}

// Overrides replace durations of the experiment when not zero (Onset: when not nil). Durations are
// rounded up to whole seconds.
type Overrides struct {
	Pause         time.Duration // every method action's pauses.after
	ProbeWindow   time.Duration // every probe's window (and so the observation before)
	Recovery      time.Duration // the observation after the rollbacks. Default: the observation before
	GuardInterval time.Duration // how often the guard is checked. Default: the experiment's, else 60 s
	ExpiryMargin  time.Duration // added to a fault's expiresAfterSeconds. Default: 120 s
	// Onset is how long a written fault takes to be in force: nil, DefaultFaultOnset; 0, none (the
	// window after the method starts at the write, as the seed's lab measured it). A pointer, since
	// here 0 is a value a user asks for, not "unset".
	Onset *time.Duration
}

// FaultOnset is the onset the compiler uses (before it rounds it up to whole seconds): Onset, or
// DefaultFaultOnset when it is not set.
func (o Overrides) FaultOnset() time.Duration { return onsetOr(o.Onset, DefaultFaultOnset) }

// Validate reports every problem of e that does not depend on a run's options: environment
// variables that are not set are not problems here.
func Validate(e *Experiment) error {
	_, err := Plan(e)
	return err
}

// Plan is Validate's compile: e's durations (its pauses, windows, onset) as Compile would plan
// them with no overrides, for what validate can tell without the stack (a method the default
// fault onset takes whole). Names from the environment may be left as they were (${...}); the
// result is for its durations, not to be started.
func Plan(e *Experiment) (*Compiled, error) {
	c := &compiler{e: e, lenient: true}
	out := c.compile()
	if err := c.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Compile translates e into the state machine's input, or returns an *Error listing every problem.
func Compile(e *Experiment, opts CompileOptions) (*Compiled, error) {
	c := &compiler{e: e, opts: opts}
	out := c.compile()
	if err := c.err(); err != nil {
		return nil, err
	}
	return out, nil
}

type compiler struct {
	e        *Experiment
	opts     CompileOptions
	lenient  bool
	problems []Problem
	vars     map[string]string
	typed    map[string]any    // the configuration's numbers and booleans, as JSON gave them (json.Number, bool)
	missing  map[string]string // configuration name → why it has no value
	notes    []string          // Compiled.Notes
}

// note records what the machine does otherwise than the experiment asks, at path p.
func (c *compiler) note(p, format string, args ...any) {
	c.notes = append(c.notes, p+": "+fmt.Sprintf(format, args...))
}

func (c *compiler) fail(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (c *compiler) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &Error{Experiment: c.e.Name, Problems: c.problems}
}

func (c *compiler) compile() *Compiled {
	e := c.e
	out := &Compiled{Version: CompiledVersion, Title: e.Title, Source: e.Name,
		Method: []CompiledAction{}, Rollbacks: []CompiledAction{}}
	c.problems = append(c.problems, e.keyProblems...)
	if strings.TrimSpace(e.Title) == "" {
		c.fail("title", "required")
	}
	// Chaos Toolkit refuses an experiment without a description (chaoslib's "experiment requires a
	// description"); one that runs here must run there.
	if e.Description == "" {
		c.fail("description", "required, as Chaos Toolkit requires it: a sentence saying what the experiment asks")
	}
	c.noControls(e.Controls, "controls")
	c.runtime()
	c.configuration()

	if e.SteadyState == nil {
		c.fail("steady-state-hypothesis", "required: an experiment without a hypothesis cannot deviate")
	} else {
		out.SteadyState.Title = e.SteadyState.Title
		if e.SteadyState.Title == "" {
			c.fail("steady-state-hypothesis.title", "required, as Chaos Toolkit requires it: a sentence saying what holds")
		}
		c.noControls(e.SteadyState.Controls, "steady-state-hypothesis.controls")
		if len(e.SteadyState.Probes) == 0 {
			c.fail("steady-state-hypothesis.probes", "at least one probe is required")
		}
		seen := map[string]bool{}
		for i, a := range e.SteadyState.Probes {
			p := fmt.Sprintf("steady-state-hypothesis.probes[%d]", i)
			if seen[a.Name] && a.Name != "" {
				c.fail(p+".name", "duplicate probe name %q", a.Name)
			}
			seen[a.Name] = true
			if pr, ok := c.probe(a, p); ok {
				out.SteadyState.Probes = append(out.SteadyState.Probes, pr)
			}
		}
	}
	if len(e.Method) == 0 {
		c.fail("method", "at least one action is required")
	}
	for i, a := range e.Method {
		if act, ok := c.action(a, fmt.Sprintf("method[%d]", i)); ok {
			out.Method = append(out.Method, act)
		}
	}
	// The machine observes the steady state after from the moment method[0]'s value is in force
	// (the first fault's onset): a first action that enables nothing would put fault-free time in
	// that window and dilute what it measures.
	if len(out.Method) > 0 && out.Method[0].Source == "method[0]" {
		if cfg, err := faultconfig.Parse(out.Method[0].Value); err == nil && !cfg.Enabled {
			c.fail("method[0]", "the first action enables no fault: the steady state after is observed from the moment the first action's value is in force, so its window would start before any fault; begin with the first fault (wait before it with its pauses.before)")
		}
	}
	for i, a := range e.Rollbacks {
		if act, ok := c.action(a, fmt.Sprintf("rollbacks[%d]", i)); ok {
			out.Rollbacks = append(out.Rollbacks, act)
		}
	}
	// The machine runs the rollbacks as written, and what the last one writes stays: a run must end
	// with the fault off (the enabling values' expiry is the backstop, not the plan).
	if len(e.Rollbacks) == 0 {
		c.fail("rollbacks", "at least one action is required, the last switching the fault off (e.g. the value {\"isEnabled\": false}): no run may leave a fault on")
	} else if n := len(e.Rollbacks) - 1; len(out.Rollbacks) == len(e.Rollbacks) {
		if cfg, err := faultconfig.Parse(out.Rollbacks[n].Value); err == nil && cfg.Enabled {
			c.fail(fmt.Sprintf("rollbacks[%d]", n), "the last rollback enables a fault, which would stay on after the run: end the rollbacks with the fault off (e.g. the value {\"isEnabled\": false})")
		}
	}
	guardNames, guardInterval := c.guardExtension()
	out.Notes = c.notes
	if len(c.problems) > 0 {
		return out
	}
	c.durations(out, guardNames, guardInterval)
	return out
}

// onlyRef reports (as one problem) an entry that is only Chaos Toolkit's reference to another
// activity, {"ref": "<name>"}: its missing type, name and provider would only repeat it.
func (c *compiler) onlyRef(a Activity, p, kind string) bool {
	if a.Ref == "" || a.Type != "" || a.Name != "" || a.Provider != nil {
		return false
	}
	c.fail(p+".ref", "a reference to the activity %q is not translated: write the %s out here", a.Ref, kind)
	return true
}

// activityBasics checks what every activity needs, whatever its kind ("probe" or "action").
func (c *compiler) activityBasics(a Activity, p, kind string) {
	if a.Ref != "" {
		c.fail(p+".ref", "references are not supported: write the %s out", kind)
	}
	if a.Name == "" {
		c.fail(p+".name", "required")
	}
	if a.Background {
		c.fail(p+".background", "background activities are not supported")
	}
	c.noControls(a.Controls, p+".controls")
}

// noControls refuses Chaos Toolkit controls (at the experiment's, the hypothesis's or an
// activity's level): they are Python code chaostoolkit runs around each level, which the state
// machine cannot run.
func (c *compiler) noControls(raw json.RawMessage, p string) {
	if t := bytes.TrimSpace(nonNull(raw)); len(t) > 0 && !isEmptyList(t) {
		c.fail(p, "controls are not supported: the state machine runs the experiment, not chaostoolkit")
	}
}

// runtime accepts Chaos Toolkit's runtime strategies where they say what the state machine does:
// it always rolls back (rollbacks default or always; never and deviated would leave a fault on)
// and checks the hypothesis before and after the method (hypothesis default; a chaoslab guard
// extension checks a probe during it).
func (c *compiler) runtime() {
	if len(nonNull(c.e.Runtime)) == 0 {
		return
	}
	var rt map[string]json.RawMessage
	if err := json.Unmarshal(c.e.Runtime, &rt); err != nil {
		c.fail("runtime", "want {\"rollbacks\": {\"strategy\": ...}, \"hypothesis\": {\"strategy\": ...}}")
		return
	}
	allowed := map[string][]string{"rollbacks": {"default", "always"}, "hypothesis": {"default"}}
	for _, k := range slices.Sorted(maps.Keys(rt)) {
		p := "runtime." + k
		ok, known := allowed[k]
		if !known {
			c.fail(p, "unknown key (known: hypothesis, rollbacks)")
			continue
		}
		if len(nonNull(rt[k])) == 0 {
			continue
		}
		var s map[string]json.RawMessage
		if err := json.Unmarshal(rt[k], &s); err != nil {
			c.fail(p, "want {\"strategy\": ...}")
			continue
		}
		for _, sk := range slices.Sorted(maps.Keys(s)) {
			var v string
			switch {
			case sk != "strategy":
				c.fail(p+"."+sk, "unknown key (known: strategy)")
			case json.Unmarshal(s[sk], &v) != nil:
				c.fail(p+".strategy", "want a string")
			case !slices.Contains(ok, v):
				c.fail(p+".strategy", "%q is not what the state machine does (want %s): %s", v, strings.Join(ok, " or "), runtimeWhy[k])
			}
		}
	}
}

var runtimeWhy = map[string]string{
	"rollbacks":  "it always rolls back, whatever ended the run",
	"hypothesis": "it checks the hypothesis before and after the method (a chaoslab guard extension checks a probe during the pauses)",
}

// isEmptyList reports whether t is the JSON of an empty list ([], white space allowed inside).
func isEmptyList(t []byte) bool {
	var l []json.RawMessage
	return t[0] == '[' && json.Unmarshal(t, &l) == nil && len(l) == 0
}
