package experiments

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// action translates a method or rollback action, a write of the fault parameter (`aws ssm
// put-parameter` or chaosaws.ssm.actions.put_parameter), into a CompiledAction; false when it found
// problems.
func (c *compiler) action(a Activity, p string) (CompiledAction, bool) {
	n := len(c.problems)
	act := CompiledAction{Name: a.Name, Source: p}
	if c.onlyRef(a, p, "action") {
		return act, false
	}
	if a.Type != "action" {
		c.fail(p+".type", "want \"action\", got %q (%s)", a.Type, notAnAction(a.Type))
		if a.Type == "probe" {
			return act, false // its provider, a probe's, would only repeat it
		}
	}
	c.activityBasics(a, p, "action")
	if a.Pauses != nil {
		act.PauseBeforeSeconds = c.pause(a.Pauses.Before, p+".pauses.before")
		act.PauseAfterSeconds = c.pause(a.Pauses.After, p+".pauses.after")
	}
	if a.Provider == nil {
		c.fail(p+".provider", "required")
		return act, false
	}
	pp := p + ".provider"
	var name, value, typ string
	var valueObj any
	switch a.Provider.Type {
	case "process":
		args, ok := c.awsCommand(a.Provider, pp, "ssm", "put-parameter", "actions")
		if !ok {
			break
		}
		opts, err := cliOptions(args, withCommon(map[string]bool{"name": true, "value": true, "type": true,
			"overwrite": false, "no-overwrite": false, "description": true, "tier": true}))
		if err != nil {
			c.fail(pp+".arguments", "%v", err)
			break
		}
		c.commonNotes(opts, pp+".arguments")
		if _, ok := opts["no-overwrite"]; ok {
			c.fail(pp+".arguments", "--no-overwrite cannot change the fault parameter, which exists")
		}
		for k, w := range opts {
			if w.Subst != "" {
				c.fail(pp+".arguments", "--%s: command substitution is not translated", k)
			}
		}
		name, value, typ = opts["name"].Text, opts["value"].Text, opts["type"].Text
		if _, ok := opts["value"]; !ok {
			c.fail(pp+".arguments", "--value is required")
		}
	case "python":
		args, ok := c.pythonArgs(a.Provider, pp)
		if !ok {
			break
		}
		if a.Provider.Module+"."+a.Provider.Func != "chaosaws.ssm.actions.put_parameter" {
			c.fail(pp, "python provider %s.%s is not translated (want chaosaws.ssm.actions.put_parameter)", a.Provider.Module, a.Provider.Func)
			break
		}
		ap := pp + ".arguments"
		c.knownArgs(args, ap, "name", "value", "type", "overwrite", "description", "tier")
		name = c.argString(args, "name", ap, true)
		typ = c.argString(args, "type", ap, false)
		if ow, ok := args["overwrite"]; ok && ow != true {
			c.fail(ap+".overwrite", "must be true: the fault parameter exists")
		}
		switch v := args["value"].(type) {
		case string:
			value = v
		case map[string]any:
			valueObj = v
		default:
			c.fail(ap+".value", "required: the failure config, as an object or a JSON string")
		}
	default:
		c.fail(pp+".type", "provider type %q is not translated (want process or python)", a.Provider.Type)
	}
	if len(c.problems) > n {
		return act, false
	}
	vp := pp + ".arguments"
	// Without the stack (validate), a name from the environment is left as its ${name}: the stack's
	// FAILURE_INJECTION_PARAM, say, which compile and run check once they have it.
	unresolved := c.lenient && varRef.MatchString(name)
	if !unresolved && name != SeedFaultParameter && (c.opts.FaultParameterName == "" || name != c.opts.FaultParameterName) {
		c.fail(vp, "parameter %q: the state machine may write only the fault parameter (%s)", name, c.faultNames())
	}
	if typ != "" && typ != "String" {
		c.fail(vp, "parameter type %q: the fault parameter is a String", typ)
	}
	if valueObj == nil {
		dec := json.NewDecoder(strings.NewReader(value))
		dec.UseNumber()
		if err := dec.Decode(&valueObj); err != nil {
			c.fail(vp, "the value must be a failure config in JSON: %v", err)
			return act, false
		}
	}
	cfg, ok := valueObj.(map[string]any)
	if !ok {
		c.fail(vp, "the value must be a JSON object (a failure config)")
		return act, false
	}
	act.Parameter = name
	act.Value, _ = json.Marshal(cfg)
	if fc, ok := c.faultValue(act.Value, vp, "the value is not a valid failure config"); ok && strings.HasPrefix(p, "method") {
		for _, note := range fc.SQSNotes() { // a fault that does otherwise on this SQS-fed function
			c.note(p, "%s", note)
		}
	}
	return act, len(c.problems) == n
}

func (c *compiler) faultNames() string {
	if c.opts.FaultParameterName == "" {
		// validate knows no stack: chaoslab compile and run take the stack's name too.
		return SeedFaultParameter + ", or the stack's own name where the stack's outputs are given (chaoslab compile or run -outputs)"
	}
	return SeedFaultParameter + " or " + c.opts.FaultParameterName
}

// notAnAction says why a method's or rollbacks' entry of another type than action is not one
// here: Chaos Toolkit runs a probe there too (its method is "a sequence of probe and action
// elements"), but the state machine's method is the fault's writes and their pauses, and its
// probes are the hypothesis's, read before and after, and the guard's, during.
func notAnAction(typ string) string {
	if typ == "probe" {
		return "the state machine's method writes the fault and pauses, and reads no probe: move it to the steady-state hypothesis, which is read before and after the method, or name it in the chaoslab extension's guard to read it during the pauses"
	}
	return "an entry of the method or the rollbacks is an action that writes the fault parameter"
}

// maxSeconds bounds every duration an experiment gives (pauses, probe windows, the guard's
// interval): 366 days, the longest a fault may stay on (faultconfig's expiresAfterSeconds) and
// longer than a Step Functions execution may run (a year). Beyond it, a number of seconds would
// also overflow the compiled ints.
const maxSeconds = 366 * 24 * 3600

// pause is a pause's seconds (seconds), its "${name}" substituted from the configuration first:
// a number, or a string that reads as one, as Chaos Toolkit would sleep for it.
func (c *compiler) pause(s Seconds, p string) int {
	if s.Var == "" {
		return c.seconds(s.N, p)
	}
	text := c.subst(s.Var, p)
	if text == s.Var {
		return 0 // not defined: subst said why
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil {
		c.fail(p, "%s is %q, not a number of seconds", s.Var, text)
		return 0
	}
	return c.seconds(f, p)
}

// seconds is a duration of the experiment in whole seconds, rounded up.
func (c *compiler) seconds(f float64, p string) int {
	if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		c.fail(p, "want seconds ≥ 0, got %v", f)
		return 0
	}
	if f > maxSeconds {
		c.fail(p, "want seconds ≤ %d (366 days), got %v", maxSeconds, f)
		return 0
	}
	if f != math.Ceil(f) {
		c.note(p, "%v s is waited as %v s: the state machine waits whole seconds (rounded up)", f, math.Ceil(f))
	}
	return int(math.Ceil(f))
}

// faultValue reports a fault parameter value that functions/failure would reject, with the very
// parser the function reads the parameter with (faultconfig), under the action's path p: a typo
// in an experiment fails at compile time, not as a silently fault-free run. It returns the value
// as the function reads it, and whether it is valid.
func (c *compiler) faultValue(v []byte, p, what string) (faultconfig.Config, bool) {
	cfg, err := faultconfig.Parse(v)
	var ps faultconfig.Problems
	if !errors.As(err, &ps) && err != nil {
		ps = faultconfig.Problems{err}
	}
	for _, e := range ps { // each a problem of the file's, as its other problems are
		c.fail(p, "%s: %v", what, e)
	}
	return cfg, err == nil
}
