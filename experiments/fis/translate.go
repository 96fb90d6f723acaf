package fis

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// Problem is one part of a template that cannot be translated: its JSON path in the template
// (relative to experimentTemplate in the wrapped form), e.g. actions.slowdown.parameters.foo, and
// why.
type Problem = experiments.Problem

// Options say which stack the template is translated for.
type Options struct {
	// FunctionName is the stack's function (stack output FunctionName). Required: a target must
	// name it (by ARN) or select it (by tags).
	FunctionName string
	// FunctionARN, when set, must be the account and region of every ARN target too (the
	// qualifier aside). Empty: ARNs are matched by function name, so a template written for an
	// AWS account imports into the local lab. A CloudFormation template's AWS::Region and
	// AWS::AccountId are its region and account; empty, they are resolved only as an ARN's own
	// (cfnresolve.go), where the name alone is compared.
	FunctionARN string
	// FunctionTags are the function's tags, to resolve resourceTags targets. Nil: tag targets
	// are problems.
	FunctionTags map[string]string
	// Alarms are the stop conditions' alarms as DescribeAlarms returns them (ParseAlarms). A stop
	// condition whose alarm is not here is a problem.
	Alarms []Alarm
	// Hypothesis, when set, lends its steady-state hypothesis and configuration (e.g. a shipped
	// experiment's): its probes come before the alarms'. Needed when the template has no alarm;
	// file:// arguments are then read from its directory (its FS and Dir).
	Hypothesis *experiments.Experiment
	// Name is the experiment's file name (Experiment.Name). Default: fis-<template id>.json.
	Name string
}

const sourceAlarm = "aws:cloudwatch:alarm"

// Extension names written in the experiment's extensions.
const (
	// ExtensionName is the extension that records where an imported experiment came from.
	ExtensionName  = "aws-fis"
	guardExtension = "chaoslab"
)

// Translate translates an AWS FIS experiment template (bare or as `aws fis
// get-experiment-template` prints it) into an experiment of ours for the stack opts describe.
// Either the experiment (which passes experiments.Validate) or the problems are returned: every
// part that cannot be translated, with its path and why, so that nothing runs half-translated.
// err is for input that is no template at all, or options without a function.
func Translate(template []byte, opts Options) (*experiments.Experiment, []Problem, error) {
	if opts.FunctionName == "" {
		return nil, nil, errors.New("fis: Options.FunctionName is required (the stack's function)")
	}
	t, err := parseTemplate(template, opts.FunctionARN)
	if err != nil {
		return nil, nil, err
	}
	tr := &translator{t: t, opts: opts, targetNames: map[string]bool{}, actionNames: map[string]bool{}}
	for _, tg := range t.targets {
		tr.targetNames[tg.name] = true
	}
	for _, a := range t.actions {
		tr.actionNames[a.name] = true
	}
	e := tr.translate()
	if len(t.problems) > 0 {
		return nil, t.problems, nil
	}
	if err := experiments.Validate(e); err != nil {
		var ve *experiments.Error
		if !errors.As(err, &ve) {
			return nil, nil, err
		}
		for _, p := range ve.Problems {
			tr.fail("(translated experiment) "+p.Path, "%s", p.Reason)
		}
		return nil, t.problems, nil
	}
	return e, nil, nil
}

type translator struct {
	t           *template
	opts        Options
	targetNames map[string]bool
	actionNames map[string]bool
	// notes are what the translation changed without refusing it, said in the description.
	notes []string
}

func (tr *translator) fail(path, format string, args ...any) {
	tr.t.fail(path, format, args...) // one list: the template's reading adds to it while translating too (t.str)
}

func (tr *translator) translate() *experiments.Experiment {
	t := tr.t
	id, desc := t.str("id"), t.str("description")
	tr.options()
	targets := tr.targets()
	as := tr.actions(targets)
	tr.schedule(as)
	segs := tr.segments(as)
	// Waits before the first fault are the first write's pause before, not a write of their own:
	// the state machine's steady state after the method starts its window when method[0]'s write
	// is in force, which must be the first fault's, not a fault-free wait's.
	var lead time.Duration
	if len(segs) > 1 && len(segs[0].faults) == 0 {
		lead, segs = segs[0].end-segs[0].start, segs[1:]
	}
	hyp, guard := tr.hypothesis()
	// Only waits (or no action the lab translates): nothing would be injected, and the experiment
	// would only observe. Said of the template, not of the experiment it would make.
	if len(as) > 0 && !slices.ContainsFunc(segs, func(s segment) bool { return len(s.faults) > 0 }) && len(t.problems) == 0 {
		tr.fail("actions", "no action injects a fault (aws:fis:wait only delays what starts after it): an experiment of it would only observe; add one of the Lambda actions")
	}

	name := tr.opts.Name
	if name == "" {
		name = "fis-" + cmpOr(id, "template") + ".json"
	}
	e := &experiments.Experiment{
		Version:     "1.0.0",
		Title:       title(desc, id),
		Description: tr.description(id, desc, segs),
		Tags:        tr.tags(),
		SteadyState: hyp,
		Name:        name,
	}
	if h := tr.opts.Hypothesis; h != nil {
		e.Configuration, e.FS, e.Dir = h.Configuration, h.FS, h.Dir
	}
	names := segmentNames(segs)
	for i, s := range segs {
		e.Method = append(e.Method, tr.put(names[i], tr.segmentValue(s), s.end-s.start))
	}
	if lead > 0 {
		if e.Method[0].Pauses == nil {
			e.Method[0].Pauses = &experiments.Pauses{}
		}
		e.Method[0].Pauses.Before = experiments.Seconds{N: math.Ceil(lead.Seconds())}
	}
	e.Rollbacks = []experiments.Activity{tr.put("Turn the FIS faults off", map[string]any{"isEnabled": false}, 0)}
	if len(guard) > 0 {
		member := map[string]any{"probes": guard}
		if len(guard) == 1 {
			member = map[string]any{"probe": guard[0]} // the form of one, as a hand-written guard says it
		}
		g, _ := json.Marshal(map[string]any{"name": guardExtension, "guard": member})
		e.Extensions = append(e.Extensions, g)
	}
	origin := map[string]any{"name": ExtensionName, "templateId": id, "actions": tr.origin(as)}
	o, _ := json.Marshal(origin)
	e.Extensions = append(e.Extensions, o)
	return e
}

// options checks experimentOptions: one account; either empty-target mode (the target always
// resolves to the stack's function, or is a problem).
func (tr *translator) options() {
	raw, ok := tr.t.top["experimentOptions"]
	if !ok || isNull(raw) {
		return
	}
	_, m := stringMap(raw, "experimentOptions", tr.fail)
	for _, k := range sortedKeys(m) {
		switch v := m[k]; k {
		case "accountTargeting":
			if v != "single-account" {
				tr.fail("experimentOptions.accountTargeting", "%q is not translated: the lab runs in one account", v)
			}
		case "emptyTargetResolutionMode":
			if v != "fail" && v != "skip" {
				tr.fail("experimentOptions.emptyTargetResolutionMode", "%q: want fail or skip", v)
			}
		default:
			tr.fail("experimentOptions."+k, "unknown experiment option")
		}
	}
}

// hypothesis is the steady-state hypothesis: Options.Hypothesis's probes, then one probe per
// alarm stop condition; the alarms' probes guard the method, all of them, as FIS stops on any.
func (tr *translator) hypothesis() (*experiments.Hypothesis, []string) {
	h := &experiments.Hypothesis{Title: "The stop conditions' alarms would not stop the experiment"}
	if lent := tr.opts.Hypothesis; lent != nil && lent.SteadyState != nil {
		h.Title = lent.SteadyState.Title
		h.Probes = append(h.Probes, lent.SteadyState.Probes...)
	}
	var guard []string
	seen := map[string]bool{}
	named := 0 // alarm stop conditions with an alarm's ARN: each one not translated says why itself
	for i, raw := range tr.t.stops {
		p := fmt.Sprintf("stopConditions[%d]", i)
		keys, m, err := object(raw)
		if err != nil {
			tr.fail(p, "want {\"source\", \"value\"}: %v", err)
			continue
		}
		for _, k := range keys {
			if k != "source" && k != "value" {
				tr.fail(member(p, k), "%s", unknownMember("a stop condition", k, []string{"source", "value"}))
			}
		}
		var source, value string
		_ = json.Unmarshal(m["source"], &source)
		_ = json.Unmarshal(m["value"], &value)
		switch source {
		case "none":
			continue
		case sourceAlarm:
			named++
		default:
			tr.fail(p+".source", "%q is not translated (want %s or none)", source, sourceAlarm)
			continue
		}
		name, ok := alarmName(value)
		if !ok {
			tr.fail(p+".value", "%q is not a CloudWatch alarm ARN (arn:aws:cloudwatch:<region>:<account>:alarm:<name>)", value)
			continue
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		a := findAlarm(tr.opts.Alarms, name)
		if a == nil {
			tr.fail(p+".value", "alarm %q does not exist (it is not among the alarms DescribeAlarms returned, Options.Alarms)", name)
			continue
		}
		probeName := "alarm " + name
		probe, ps := alarmProbe(a, probeName, p+".value")
		tr.t.problems = append(tr.t.problems, ps...)
		for _, q := range h.Probes {
			if q.Name == probeName {
				tr.fail(p, "the hypothesis already has a probe named %q", probeName)
			}
		}
		h.Probes = append(h.Probes, probe)
		guard = append(guard, probeName)
	}
	// Not when the stop conditions are there under another spelling (StopConditions): the unknown
	// member's "did you mean" is the news.
	misspelt := slices.ContainsFunc(tr.t.order, func(k string) bool { return k != "stopConditions" && strings.EqualFold(k, "stopConditions") })
	if len(h.Probes) == 0 && named == 0 && !tr.t.failedAt("stopConditions") && !misspelt {
		tr.fail("stopConditions", "no alarm stop condition, so nothing would judge a run (the lab judges one by a steady-state hypothesis): add an %s stop condition, or lend a hypothesis: chaoslab import-fis -hypothesis exp_1-minor_delay (a shipped experiment, chaoslab list, or an experiment file)", sourceAlarm)
	}
	return h, guard
}

// put is an action that writes value to the fault parameter, then pauses for pause.
func (tr *translator) put(name string, value map[string]any, pause time.Duration) experiments.Activity {
	// The seed's parameter name means the stack's fault parameter to the compiler, whichever
	// stack the experiment is compiled for (and experiments.Validate accepts only it).
	args, _ := json.Marshal(map[string]any{"name": experiments.SeedFaultParameter, "type": "String", "overwrite": true, "value": value})
	a := experiments.Activity{Type: "action", Name: name, Provider: &experiments.Provider{
		Type: "python", Module: "chaosaws.ssm.actions", Func: "put_parameter", Arguments: args}}
	if pause > 0 {
		a.Pauses = &experiments.Pauses{After: experiments.Seconds{N: math.Ceil(pause.Seconds())}}
	}
	return a
}

// segmentValue is the failure config of a segment: failure-lambda 1.0's flags of the faults on;
// {"isEnabled": false} when only waits run. It has no expiry of its own: the compiler gives it
// one as to any experiment's fault (the rest of the method + the expiry margin), which follows
// the run's overrides (a value's own expiresAfterSeconds would be kept as it is).
func (tr *translator) segmentValue(s segment) map[string]any {
	if len(s.faults) == 0 {
		return map[string]any{"isEnabled": false}
	}
	v := map[string]any{}
	for _, a := range s.faults {
		v[string(a.flag)] = a.value
	}
	return v
}

// segmentNames names each segment by the actions it runs, with its start when a name repeats.
func segmentNames(segs []segment) []string {
	names := make([]string, len(segs))
	count := map[string]int{}
	for i, s := range segs {
		var parts []string
		for _, a := range s.faults {
			parts = append(parts, a.name)
		}
		if len(parts) == 0 {
			var waits []string
			for _, a := range s.waits {
				waits = append(waits, a.name)
			}
			parts = []string{"no fault (" + strings.Join(waits, ", ") + ")"}
		}
		names[i] = strings.Join(parts, " + ")
		count[names[i]]++
	}
	for i, s := range segs {
		if count[names[i]] > 1 {
			names[i] += " (from " + formatSeconds(s.start) + ")"
		}
	}
	return names
}

// origin records each FIS action's translation: its kind, when it runs and the flag it became.
func (tr *translator) origin(as []*fisAction) []map[string]any {
	out := []map[string]any{}
	for _, a := range as {
		o := map[string]any{"name": a.name, "actionId": a.id, "startSeconds": a.start.Seconds(), "endSeconds": a.end.Seconds()}
		if a.flag != "" {
			o["flag"] = string(a.flag)
		}
		out = append(out, o)
	}
	return out
}

func title(desc, id string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(desc), "\n")
	if first != "" {
		return first
	}
	return "AWS FIS experiment template " + cmpOr(id, "(no id)")
}

// description says where the experiment came from and what of the template it does not carry.
func (tr *translator) description(id, desc string, segs []segment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Imported from AWS FIS experiment template %s", cmpOr(id, "(no id)"))
	if desc != "" {
		fmt.Fprintf(&b, ": %s", strings.TrimSpace(desc))
	}
	b.WriteString(". Each FIS Lambda action is a failure-lambda 1.0 flag in the fault parameter, written when the action starts")
	if len(segs) > 1 {
		fmt.Fprintf(&b, " (%d writes, one per stretch with the same faults on)", len(segs))
	}
	b.WriteString("; the rollback turns every fault off.")
	var dropped []string
	// experimentOptions is checked (options): one account, and either empty-target mode, since the
	// target always resolves to the stack's function; nothing of it changes the run either.
	for _, k := range []string{"roleArn", "logConfiguration", "experimentReportConfiguration", "experimentOptions"} {
		if raw, ok := tr.t.top[k]; ok && !isNull(raw) {
			dropped = append(dropped, k)
		}
	}
	if len(dropped) > 0 {
		fmt.Fprintf(&b, " Not carried over (they change nothing that runs; the journal is the report): %s.", strings.Join(dropped, ", "))
	}
	for _, n := range tr.notes {
		fmt.Fprintf(&b, " Translated as near as it goes: %s.", n)
	}
	return b.String()
}

// tags are "aws-fis" and the template's tags as key=value.
func (tr *translator) tags() []string {
	out := []string{"aws-fis"}
	raw, ok := tr.t.top["tags"]
	if !ok || isNull(raw) {
		return out
	}
	_, m := stringMap(raw, "tags", tr.fail)
	var kv []string
	for k, v := range m {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return append(out, kv...)
}
