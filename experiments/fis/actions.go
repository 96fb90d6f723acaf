package fis

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

// The FIS actions translated, with the parameters each takes (true: required) and the
// failure-lambda 1.0 flag it becomes ("" for a wait).
const (
	actionDelay = "aws:lambda:invocation-add-delay"
	actionError = "aws:lambda:invocation-error"
	actionHTTP  = "aws:lambda:invocation-http-integration-response"
	actionWait  = "aws:fis:wait"
)

type actionSpec struct {
	flag   faultconfig.Mode
	params map[string]bool
}

var actionSpecs = map[string]actionSpec{
	actionDelay: {faultconfig.ModeLatency, map[string]bool{"duration": true, "invocationPercentage": false, "startupDelayMilliseconds": false}},
	actionError: {faultconfig.ModeException, map[string]bool{"duration": true, "invocationPercentage": false, "preventExecution": true}},
	actionHTTP: {faultconfig.ModeStatusCode, map[string]bool{"duration": true, "invocationPercentage": false, "preventExecution": true,
		"statusCode": true, "contentTypeHeader": true}},
	actionWait: {"", map[string]bool{"duration": true}},
}

// FIS's documented limits (fis-actions-reference: aws:fis:wait "from one minute to 12 hours",
// startupDelayMilliseconds 0-900,000 with default 1000, invocationPercentage 1-100 with default
// 100) and its 12-hour experiment limit (fis-quotas).
const (
	maxExperiment         = 12 * time.Hour
	minWait               = time.Minute
	defaultStartupDelayMs = 1000
	maxStartupDelayMs     = 900000
	defaultPercentage     = 100
)

// statusCodeContentType is the Content-Type of functions/failure's statuscode answer (failure-lambda
// 1.0's src/failures/statuscode.ts).
const statusCodeContentType = "application/json"

// fisAction is one FIS action, translated.
type fisAction struct {
	name, path string
	id         string
	flag       faultconfig.Mode // "" for a wait
	value      map[string]any   // the flag's object
	duration   time.Duration
	after      []string
	start, end time.Duration
}

// actions reads every action; targets are the names of the targets that select the stack's
// function. Only actions without problems are returned.
func (tr *translator) actions(targets map[string]bool) []*fisAction {
	if len(tr.t.actions) == 0 && !tr.t.failedAt("actions") { // a list given for the object is told once
		tr.fail("actions", "at least one action is required")
	}
	var out []*fisAction
	for _, na := range tr.t.actions {
		if a := tr.action(na, targets); a != nil {
			out = append(out, a)
		}
	}
	return out
}

func (tr *translator) action(na namedRaw, targets map[string]bool) *fisAction {
	a := &fisAction{name: na.name, path: member("actions", na.name)}
	n := len(tr.t.problems)
	keys, m, err := object(na.raw)
	if err != nil {
		tr.fail(a.path, "want an action object: %v", err)
		return nil
	}
	for _, k := range keys {
		if known := []string{"actionId", "description", "parameters", "startAfter", "targets"}; !slices.Contains(known, k) {
			tr.fail(member(a.path, k), "%s", unknownMember("an action", k, known))
		}
	}
	if err := json.Unmarshal(m["actionId"], &a.id); err != nil || a.id == "" {
		tr.fail(a.path+".actionId", "required")
		return nil
	}
	spec, ok := actionSpecs[a.id]
	if !ok {
		// A typo of one it translates is said as one (aws:lambda:invocation-add-dely was told the
		// lab injects faults into its Lambda function only).
		if near := suggest.Nearest(a.id, slices.Collect(maps.Keys(actionSpecs))); near != "" {
			tr.fail(a.path+".actionId", "%s is no FIS action: did you mean %s?", a.id, near)
			return nil
		}
		tr.fail(a.path+".actionId", "%s is not translated: this lab injects faults into its Lambda function only (translated: %s, %s, %s, %s)",
			a.id, actionDelay, actionError, actionHTTP, actionWait)
		return nil
	}
	a.flag = spec.flag
	if raw, ok := m["startAfter"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &a.after); err != nil {
			tr.fail(a.path+".startAfter", "want a list of action names")
		}
		for i, dep := range a.after {
			if !tr.actionNames[dep] {
				tr.fail(fmt.Sprintf("%s.startAfter[%d]", a.path, i), "no action is named %q", dep)
			}
		}
	}
	tr.actionTargets(a, m["targets"], targets)
	params := map[string]string{}
	var named []string // every parameter named, a string or not (one that is not is a problem already)
	if raw, ok := m["parameters"]; ok && !isNull(raw) {
		_, params = stringMap(raw, a.path+".parameters", tr.fail)
		named, _, _ = object(raw)
	}
	for _, k := range sortedKeys(params) {
		if _, known := spec.params[k]; !known {
			tr.fail(a.path+".parameters."+k, "%s has no parameter %s (known: %s)", a.id, k, strings.Join(sortedKeys(spec.params), ", "))
		}
	}
	for _, k := range sortedKeys(spec.params) {
		if spec.params[k] && !slices.Contains(named, k) {
			tr.fail(a.path+".parameters."+k, "required by %s", a.id)
		}
	}
	pp := a.path + ".parameters."
	if d, ok := params["duration"]; ok {
		dur, err := ParseDuration(d)
		switch {
		case err != nil:
			tr.fail(pp+"duration", "%v", err)
		case dur <= 0:
			tr.fail(pp+"duration", "%q: want a duration above 0", d)
		case dur > maxExperiment:
			tr.fail(pp+"duration", "%q: longer than FIS's 12-hour limit", d)
		case a.id == actionWait && dur < minWait:
			tr.fail(pp+"duration", "%q: FIS waits from one minute to 12 hours", d)
		}
		a.duration = dur
	}
	if a.flag != "" {
		a.value = tr.flagValue(a, params, pp)
	}
	if len(tr.t.problems) > n {
		return nil
	}
	return a
}

// actionTargets checks an action's targets: a Lambda action names one target, under "Functions",
// that selects the stack's function; a wait names none.
func (tr *translator) actionTargets(a *fisAction, raw json.RawMessage, targets map[string]bool) {
	p := a.path + ".targets"
	var ts map[string]string
	if len(raw) > 0 && !isNull(raw) {
		_, ts = stringMap(raw, p, tr.fail)
	}
	if a.id == actionWait {
		if len(ts) > 0 {
			tr.fail(p, "%s takes no targets", a.id)
		}
		return
	}
	if len(ts) == 0 {
		tr.fail(p, "required: {\"Functions\": \"<target name>\"}")
		return
	}
	for _, k := range sortedKeys(ts) {
		if k != "Functions" {
			tr.fail(member(p, k), "%s takes its target under \"Functions\"", a.id)
			continue
		}
		name := ts[k]
		if _, declared := tr.targetNames[name]; !declared {
			tr.fail(p+".Functions", "no target is named %q", name)
		} else if !targets[name] {
			tr.fail(p+".Functions", "target %q does not select the stack's function (see targets.%s)", name, name)
		}
	}
}

// flagValue is the failure-lambda 1.0 flag that does what the action does.
func (tr *translator) flagValue(a *fisAction, params map[string]string, pp string) map[string]any {
	pct := defaultPercentage
	if s, ok := params["invocationPercentage"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			tr.fail(pp+"invocationPercentage", "%q: want a whole number from 1 to 100", s)
		}
		pct = n
	}
	v := map[string]any{"enabled": true, "percentage": pct}
	if s, ok := params["preventExecution"]; ok {
		prevent, err := strconv.ParseBool(s)
		switch {
		case err != nil || (s != "true" && s != "false"):
			tr.fail(pp+"preventExecution", "%q: want \"true\" or \"false\"", s)
		case !prevent:
			tr.fail(pp+"preventExecution", "\"false\" (run the function, then answer the fault) is not translated: functions/failure's %s flag answers without running the handler; use \"true\"", a.flag)
		}
	}
	switch a.id {
	case actionDelay:
		ms := defaultStartupDelayMs
		if s, ok := params["startupDelayMilliseconds"]; ok {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > maxStartupDelayMs {
				tr.fail(pp+"startupDelayMilliseconds", "%q: want a whole number of milliseconds from 0 to %d", s, maxStartupDelayMs)
			}
			ms = n
		}
		v["min_latency"], v["max_latency"] = ms, ms
	case actionError:
		v["exception_msg"] = "Injected by AWS FIS action " + a.name + " (" + actionError + ")"
	case actionHTTP:
		if s, ok := params["statusCode"]; ok {
			n, err := strconv.Atoi(s)
			switch {
			case err != nil || n < 0 || n > 999:
				tr.fail(pp+"statusCode", "%q: want an HTTP status code", s)
			case n < 100 || n > 599:
				tr.fail(pp+"statusCode", "%d is not translated: functions/failure answers status codes from 100 to 599", n)
			}
			v["status_code"] = n
		}
		// FIS takes any content type; the flag answers its own. Said in the description, not refused:
		// the lab's function is fed by SQS, where the answer's header reaches nobody.
		if s, ok := params["contentTypeHeader"]; ok && !strings.EqualFold(strings.TrimSpace(strings.Split(s, ";")[0]), statusCodeContentType) {
			tr.notes = append(tr.notes, fmt.Sprintf("action %s's contentTypeHeader %q is answered as %s (failure-lambda 1.0's statuscode answer)", a.name, s, statusCodeContentType))
		}
	}
	return v
}

// schedule sets each action's start and end as FIS runs them: an action starts when every action
// of its startAfter has ended, else at the start of the experiment.
func (tr *translator) schedule(as []*fisAction) {
	byName := map[string]*fisAction{}
	for _, a := range as {
		byName[a.name] = a
	}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(a *fisAction, chain []string) bool
	visit = func(a *fisAction, chain []string) bool {
		switch state[a.name] {
		case 1:
			tr.fail(a.path+".startAfter", "startAfter makes a cycle: %s", strings.Join(append(chain, a.name), " → "))
			return false
		case 2:
			return true
		}
		state[a.name] = 1
		ok := true
		for _, dep := range a.after {
			d, found := byName[dep]
			if !found {
				ok = false // unknown (reported by action), or an action with problems of its own
				continue
			}
			if !visit(d, append(chain, a.name)) {
				ok = false
				continue
			}
			a.start = max(a.start, d.end)
		}
		a.end = a.start + a.duration
		state[a.name] = 2
		return ok
	}
	for _, a := range as {
		visit(a, nil)
	}
	var total time.Duration
	for _, a := range as {
		total = max(total, a.end)
	}
	if total > maxExperiment {
		tr.fail("actions", "the actions run for %v, longer than FIS's 12-hour limit", total)
	}
}

// segment is a stretch of the experiment during which the same faults are on.
type segment struct {
	start, end time.Duration
	faults     []*fisAction // in the template's order
	waits      []*fisAction
}

// segments cuts the schedule where an action starts or ends; consecutive stretches with the same
// faults are one segment. Two faults on at once that are the same flag are a problem (the fault
// parameter holds one config, with one flag per mode), and so are an error and an HTTP response
// (FIS applies one of them at a time: see conflict).
func (tr *translator) segments(as []*fisAction) []segment {
	var cuts []time.Duration
	for _, a := range as {
		cuts = append(cuts, a.start, a.end)
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i] < cuts[j] })
	cuts = slices.Compact(cuts)
	var out []segment
	clash := map[[2]string]bool{}
	for i := 0; i+1 < len(cuts); i++ {
		s := segment{start: cuts[i], end: cuts[i+1]}
		for _, a := range as {
			if a.start <= s.start && s.start < a.end {
				if a.flag == "" {
					s.waits = append(s.waits, a)
				} else {
					s.faults = append(s.faults, a)
				}
			}
		}
		for x, a := range s.faults {
			for _, b := range s.faults[x+1:] {
				if !conflict(a.flag, b.flag) || clash[[2]string{a.name, b.name}] {
					continue
				}
				clash[[2]string{a.name, b.name}] = true
				when := fmt.Sprintf("runs at the same time as actions.%s (from %s to %s)", a.name, formatSeconds(s.start), formatSeconds(min(a.end, b.end)))
				if a.flag == b.flag {
					tr.fail(b.path, "%s, and both are failure-lambda's %s flag: the fault parameter holds one; order them with startAfter", when, a.flag)
				} else {
					tr.fail(b.path, "%s: FIS applies conflicting Lambda actions (%s and %s) one at a time, only the one with the earliest start date, where failure-lambda's %s and %s flags would both be on; order them with startAfter",
						when, a.id, b.id, a.flag, b.flag)
				}
			}
		}
		if n := len(out); n > 0 && sameFaults(out[n-1].faults, s.faults) {
			out[n-1].end = s.end
			out[n-1].waits = appendNew(out[n-1].waits, s.waits)
			continue
		}
		out = append(out, s)
	}
	return out
}

// conflict says whether two flags' FIS actions cannot be on together as failure-lambda's flags
// are. FIS's Lambda extension applies every action that differs from the others, but "if two
// identical or conflicting actions are applied to the same function, then only the action with
// the earliest start date will be applied", invocation-error and
// invocation-http-integration-response being its example of a conflicting pair (FIS user guide,
// use-lambda-actions, "Understanding concurrency"); failure-lambda's exception and statuscode
// flags would both roll on every invocation. A delay goes with either, as in FIS ("you can add an
// initial delay before returning an error").
func conflict(a, b faultconfig.Mode) bool {
	answers := func(m faultconfig.Mode) bool {
		return m == faultconfig.ModeException || m == faultconfig.ModeStatusCode
	}
	return a == b || answers(a) && answers(b)
}

func sameFaults(a, b []*fisAction) bool {
	return slices.Equal(a, b)
}

func appendNew(list, more []*fisAction) []*fisAction {
	for _, a := range more {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}
