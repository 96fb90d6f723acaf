package faultconfig

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

// FlagOrder is failure-lambda 1.0's injection order (src/types.ts FAILURE_MODE_ORDER): the
// pre-handler flags that go on (latency, timeout, diskspace, denylist), then those that end the
// invocation without the handler (statuscode, exception), then corruption, after the handler. A
// 1.0 Config lists its enabled flags in this order.
var FlagOrder = []Mode{ModeLatency, ModeTimeout, ModeDiskSpace, ModeDenylist, ModeStatusCode, ModeException, ModeCorruption}

// Defaults of failure-lambda 1.0's flag attributes (src/failures/*.ts), used when an attribute
// is omitted.
const (
	// DefaultPercentage: "When enabled, percentage defaults to 100 if omitted" (README).
	DefaultPercentage = 100
	// DefaultStatusCode: statuscode.ts answers 500 without status_code.
	DefaultStatusCode = 500
	// DefaultDiskSpaceMB: diskspace.ts fills 100 MB without disk_space.
	DefaultDiskSpaceMB = 100
	// DefaultExceptionMsg: exception.ts throws "Injected exception" without exception_msg.
	DefaultExceptionMsg = "Injected exception"
)

// flagCommon are the attributes every 1.0 flag has (README "Flag Attributes": *all*).
var flagCommon = []string{"enabled", "percentage", "match"}

// flagAttrs are the attributes of each 1.0 flag besides flagCommon (README "Flag Attributes").
var flagAttrs = map[Mode][]string{
	ModeLatency:    {"min_latency", "max_latency"},
	ModeTimeout:    {"timeout_buffer_ms"},
	ModeDiskSpace:  {"disk_space"},
	ModeDenylist:   {"deny_list"},
	ModeStatusCode: {"status_code"},
	ModeException:  {"exception_msg"},
	ModeCorruption: {"body"},
}

// flatSpelling maps a 0.x field name to its 1.0 spelling, for the error message of a 0.x name
// written inside a 1.0 flag.
var flatSpelling = map[string]string{
	"rate": "percentage (0..100)", "minLatency": "min_latency", "maxLatency": "max_latency",
	"exceptionMsg": "exception_msg", "statusCode": "status_code", "diskSpace": "disk_space",
	"denylist": "deny_list", "blacklist": "deny_list", "isEnabled": "enabled",
}

// flags parses a failure-lambda 1.0 config: one flag object per mode, plus our expiry. It adds
// every unknown field, each expiry field's problem and each flag's problems (flag).
func (p *parser) flags(top map[string]json.RawMessage) Config {
	c := Config{Format: FormatFlags}
	// A 0.x config whose isEnabled, failureMode or faults is misspelt ({"IsEnabled": true,
	// "FailureMode": ...}) is read as 1.0 for want of them: its misspelt keys are its problems, and
	// its other 0.x fields (rate, ...) fail only because of them.
	keys := slices.Sorted(maps.Keys(top))
	misspelt := func(k string) bool { return suggest.Nearest(k, flatKeys) != "" }
	if slices.ContainsFunc(keys, misspelt) {
		for _, k := range keys {
			if misspelt(k) {
				p.add(unknownFlagsField(k))
			}
		}
		return c
	}
	for _, k := range keys {
		if slices.Contains(FlagOrder, Mode(k)) || k == "expiresAt" || k == "expiresAfterSeconds" {
			continue
		}
		p.add(unknownFlagsField(k))
	}
	p.expiry(top, &c)
	for _, mode := range FlagOrder {
		raw, ok := top[string(mode)]
		if !ok {
			continue
		}
		if f, on, ok := p.flag(mode, raw); ok && on {
			c.Faults = append(c.Faults, f)
		}
	}
	c.Enabled = len(c.Faults) > 0
	return c
}

// unknownFlagsField is the problem of a top-level field k that a 1.0 config does not have.
func unknownFlagsField(k string) error {
	if slices.Contains(topFields, k) {
		return fmt.Errorf("unknown field %q: a failure-lambda 0.x field, but this config has no isEnabled, so it is read as 1.0 (one object per mode: %s); a 0.x config needs isEnabled", k, flagList())
	}
	if s := suggest.Nearest(k, flatKeys); s != "" {
		// {"IsEnabled": ...}: a 0.x config misspelt, read as 1.0 for want of its keys.
		return fmt.Errorf("unknown field %q; did you mean %q (failure-lambda 0.x)? Without isEnabled, failureMode or faults, spelt so, a config is read as 1.0 (one object per mode: %s)", k, s, flagList())
	}
	return fmt.Errorf("unknown field %q%s (a failure-lambda 1.0 config has the flags %s, and ours: expiresAt, expiresAfterSeconds)", k, suggest.Hint(k, append(modeNames(), "expiresAt", "expiresAfterSeconds")), flagList())
}

// flag parses the 1.0 flag of mode, adding its problems: every unknown attribute (then nothing
// else: a misspelt attribute would read as missing), else each attribute's own problem, since they
// are independent (min_latency > max_latency only when both read). A disabled flag is validated all
// the same (as 1.0's validateFlagValue does) and reported with on false; ok is false when the flag
// had a problem.
func (p *parser) flag(mode Mode, raw json.RawMessage) (f Fault, on, ok bool) {
	at := string(mode)
	m, err := object(raw, at)
	if err != nil {
		return f, false, p.add(fmt.Errorf("%s: want a flag object such as {\"enabled\": true}, got %s", at, snippet(raw)))
	}
	before := len(p.problems)
	bad := func() bool { return len(p.problems) > before }
	own := flagAttrs[mode]
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if slices.Contains(flagCommon, k) || slices.Contains(own, k) {
			continue
		}
		p.add(unknownAttribute(mode, k))
	}
	if bad() {
		return f, false, false
	}
	if rawOn, ok := m["enabled"]; !ok {
		p.add(fmt.Errorf("%s: required", join(at, "enabled")))
	} else {
		on, err = p.boolean(rawOn, join(at, "enabled"))
		p.add(err)
	}
	f = Fault{Mode: mode, Rate: 1, Scope: ScopeInvocation}
	if raw, ok := m["percentage"]; ok {
		pct, err := p.integer(raw, join(at, "percentage"))
		switch {
		case err != nil:
			p.add(fmt.Errorf("%s: want a whole number 0..100, got %s", join(at, "percentage"), snippet(raw)))
		case pct < 0 || pct > 100:
			p.add(fmt.Errorf("%s: want a whole number 0..100, got %d", join(at, "percentage"), pct))
		default:
			f.Rate = float64(pct) / 100
		}
	}
	if raw, ok := m["match"]; ok {
		f.Match, err = p.conditions(raw, join(at, "match"))
		p.add(err)
	}
	switch mode {
	case ModeLatency:
		var minErr, maxErr error
		f.MinLatency, minErr = p.latency(m, "min_latency", at)
		f.MaxLatency, maxErr = p.latency(m, "max_latency", at)
		p.add(minErr)
		p.add(maxErr)
		_, hasMin := m["min_latency"]
		_, hasMax := m["max_latency"]
		if minErr == nil && maxErr == nil && hasMin && hasMax && f.MinLatency > f.MaxLatency {
			p.add(fmt.Errorf("%s: min_latency %d ms > max_latency %d ms", at, f.MinLatency.Milliseconds(), f.MaxLatency.Milliseconds()))
		}
		// 1.0 draws min + random·max(0, max − min) with both defaulting to 0: min alone is a
		// fixed delay of min.
		if !hasMax {
			f.MaxLatency = f.MinLatency
		}
	case ModeTimeout:
		f.TimeoutBuffer, err = p.latency(m, "timeout_buffer_ms", at)
		p.add(err)
	case ModeDiskSpace:
		f.DiskSpaceMB = DefaultDiskSpaceMB
		if raw, ok := m["disk_space"]; ok {
			if f.DiskSpaceMB, err = p.integer(raw, join(at, "disk_space")); err != nil {
				p.add(err)
			} else if f.DiskSpaceMB < 1 || f.DiskSpaceMB > MaxDiskSpaceMB {
				p.add(fmt.Errorf("%s: want 1..%d MB, got %d", join(at, "disk_space"), MaxDiskSpaceMB, f.DiskSpaceMB))
			}
		}
	case ModeDenylist:
		// 1.0 defaults deny_list to [] and then blocks nothing; an enabled denylist that blocks
		// nothing is a mistake here. A disabled one may carry an empty list.
		raw, ok := m["deny_list"]
		var list []json.RawMessage
		switch {
		case !ok && on:
			p.add(fmt.Errorf("%s: required when denylist is enabled (1.0 would block nothing)", join(at, "deny_list")))
		case ok && !on && json.Unmarshal(raw, &list) == nil && list != nil && len(list) == 0:
		case ok:
			f.Denylist, err = p.regexps(raw, join(at, "deny_list"))
			p.add(err)
		}
	case ModeStatusCode:
		f.StatusCode = DefaultStatusCode
		if raw, ok := m["status_code"]; ok {
			if f.StatusCode, err = p.integer(raw, join(at, "status_code")); err != nil {
				p.add(err)
			} else if f.StatusCode < 100 || f.StatusCode > 599 {
				p.add(fmt.Errorf("%s: want an HTTP status 100..599, got %d", join(at, "status_code"), f.StatusCode))
			}
		}
	case ModeException:
		f.ExceptionMsg = DefaultExceptionMsg
		if raw, ok := m["exception_msg"]; ok {
			f.ExceptionMsg, err = p.str(raw, join(at, "exception_msg"))
			p.add(err)
		}
	case ModeCorruption:
		if raw, ok := m["body"]; ok {
			f.Body, err = p.str(raw, join(at, "body"))
			p.add(err)
			f.ReplaceBody = err == nil
		}
	}
	return f, on, !bad()
}

// unknownAttribute is the problem of an attribute k that the flag of mode does not have.
func unknownAttribute(mode Mode, k string) error {
	at, own := string(mode), flagAttrs[mode]
	for other, attrs := range flagAttrs {
		if slices.Contains(attrs, k) {
			return fmt.Errorf("%s: %q is an attribute of %s, not of %s (known: %s)", join(at, k), k, other, mode, strings.Join(append(slices.Clone(flagCommon), own...), ", "))
		}
	}
	if s, ok := flatSpelling[k]; ok {
		return fmt.Errorf("%s: unknown attribute %q: the 0.x spelling; 1.0 writes %s", join(at, k), k, s)
	}
	known := append(slices.Clone(flagCommon), own...)
	return fmt.Errorf("%s: unknown attribute %q%s (known: %s)", join(at, k), k, suggest.Hint(k, known), strings.Join(known, ", "))
}

func flagList() string {
	return strings.Join(modeNames(), ", ")
}

// modeNames are FlagOrder's modes as strings.
func modeNames() []string {
	s := make([]string, len(FlagOrder))
	for i, m := range FlagOrder {
		s[i] = string(m)
	}
	return s
}
