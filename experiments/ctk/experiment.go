package ctk

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// ExtensionName is the experiment extension in which the journal keeps what Chaos Toolkit's
// journal has no member for: the verdict, the execution, the errors, and the steady state
// observed after the rollbacks.
const ExtensionName = "chaoslab-journal"

// experiment is the journal's "experiment": the experiment as its file has it (members that are
// absent there are left out), plus the chaoslab extension of the run.
func (w *writer) experiment() (json.RawMessage, error) {
	m := map[string]any{}
	if e := w.exp; e != nil {
		put := func(k string, v json.RawMessage) {
			if t := bytes.TrimSpace(v); len(t) > 0 && string(t) != "null" {
				m[k] = json.RawMessage(t)
			}
		}
		if e.Version != "" {
			m["version"] = e.Version
		}
		m["title"] = e.Title
		m["description"] = e.Description
		if len(e.Tags) > 0 {
			m["tags"] = e.Tags
		}
		if len(e.Configuration) > 0 {
			m["configuration"] = e.Configuration
		}
		put("secrets", e.Secrets)
		put("controls", e.Controls)
		if h := e.SteadyState; h != nil {
			m["steady-state-hypothesis"] = map[string]any{"title": h.Title, "probes": activities(h.Probes)}
		}
		m["method"] = activities(e.Method)
		if len(e.Rollbacks) > 0 {
			m["rollbacks"] = activities(e.Rollbacks)
		}
		var exts []any
		for _, x := range e.Extensions {
			exts = append(exts, json.RawMessage(bytes.TrimSpace(x)))
		}
		m["extensions"] = exts
	} else {
		m["title"] = w.j.Title
		m["method"] = []any{}
		m["extensions"] = []any{}
	}
	// Chaos Toolkit requires a description (chaoslib/experiment.py ensure_experiment_is_valid).
	if d, _ := m["description"].(string); d == "" {
		m["description"] = m["title"]
	}
	ext, err := w.extension()
	if err != nil {
		return nil, err
	}
	m["extensions"] = append(m["extensions"].([]any), ext)
	return marshal(m), nil
}

// extension is the run's chaoslab extension.
func (w *writer) extension() (map[string]any, error) {
	j := w.j
	ext := map[string]any{"name": ExtensionName, "verdict": j.Verdict, "executionArn": j.ExecutionArn}
	if j.RollbackOf != "" {
		ext["rollbackOf"] = j.RollbackOf
	}
	if j.RolledBackBy != "" {
		ext["rolledBackBy"] = j.RolledBackBy
	}
	for k, e := range map[string]*experiments.StepError{"error": j.Error, "rollbackError": j.RollbackError, "recoveryError": j.RecoveryError} {
		if e != nil {
			ext[k] = map[string]any{"Error": e.Error, "Cause": e.Cause}
		}
	}
	// The onset of each write (Chaos Toolkit has no member for it): the window after the method
	// starts at the method's inForceAt.
	var onsets []any
	method := j.Method
	if g := j.GuardBreach; g != nil && len(method) == 0 {
		if a, ok := g.Write(); ok { // the breach lost the method's records; it kept the breached write's
			method = []experiments.ActionResult{a}
		}
	}
	for _, p := range []struct {
		phase string
		as    []experiments.ActionResult
	}{{"method", method}, {"rollbacks", j.Rollbacks}} {
		phase := p.phase
		for _, a := range p.as {
			if a.OnsetSeconds > 0 || a.InForceAt != "" {
				o := map[string]any{"phase": phase, "activity": a.Name, "onsetSeconds": a.OnsetSeconds}
				if a.InForceAt != "" {
					at, err := pyTime(a.InForceAt)
					if err != nil {
						return nil, fmt.Errorf("ctk: %s %s: inForceAt: %w", phase, a.Name, err)
					}
					o["inForceAt"] = at
				}
				onsets = append(onsets, o)
			}
		}
	}
	if len(onsets) > 0 {
		ext["onsets"] = onsets
	}
	if len(w.pastFailure) > 0 {
		ext["probesPastFailure"] = w.pastFailure
	}
	if j.AfterRollback != nil {
		s, err := w.state(j.AfterRollback)
		if err != nil {
			return nil, err
		}
		ext["afterRollback"] = s
	}
	return ext, nil
}

func activities(as []experiments.Activity) []any {
	out := make([]any, 0, len(as))
	for _, a := range as {
		out = append(out, activityMap(a))
	}
	return out
}

// activityMap is an activity with only the members it has.
func activityMap(a experiments.Activity) map[string]any {
	m := map[string]any{"type": a.Type, "name": a.Name}
	raw := func(k string, v json.RawMessage) {
		if t := bytes.TrimSpace(v); len(t) > 0 {
			m[k] = json.RawMessage(t)
		}
	}
	if a.Ref != "" {
		m["ref"] = a.Ref
	}
	raw("tolerance", a.Tolerance)
	if p := a.Provider; p != nil {
		pm := map[string]any{"type": p.Type}
		for k, v := range map[string]string{"path": p.Path, "module": p.Module, "func": p.Func} {
			if v != "" {
				pm[k] = v
			}
		}
		if t := bytes.TrimSpace(p.Arguments); len(t) > 0 {
			pm["arguments"] = json.RawMessage(t)
		}
		if t := bytes.TrimSpace(p.Timeout); len(t) > 0 {
			pm["timeout"] = json.RawMessage(t)
		}
		m["provider"] = pm
	}
	if p := a.Pauses; p != nil {
		pm := map[string]any{}
		if p.Before != (experiments.Seconds{}) {
			pm["before"] = p.Before
		}
		if p.After != (experiments.Seconds{}) {
			pm["after"] = p.After
		}
		m["pauses"] = pm
	}
	if a.Background {
		m["background"] = true
	}
	raw("controls", a.Controls)
	return m
}
