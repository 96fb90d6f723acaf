package dashboard

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// Which parameter is "the fault parameter" is decided from the values, not from a name: any
// parameter whose value is a failure config with a fault enabled (docs/contracts.md §3) has a
// fault on: failure-lambda 0.x's shape and ours, {"isEnabled": true, ...}, or failure-lambda
// 1.0's, one object per mode with {"enabled": true} (and a percentage above 0). It stays on until
// the next write of that parameter that has none, its deletion, or its expiry ("expiresAt", or
// "expiresAfterSeconds" after the write), whichever comes first. A value written as a JSON string
// holding that object counts too. Every other value (plain strings, "isEnabled": false, every
// flag disabled) is not a fault.

// Write is one write of a parameter, as the SSM history or a journal's actions record it.
type Write struct {
	Parameter string
	Time      time.Time
	Value     string
	Deleted   bool
}

// FaultWindow is a span when a fault was on.
type FaultWindow struct {
	Parameter string
	Start     time.Time
	// End is when the fault went off; zero while it is still on.
	End time.Time
	// Summary names the fault: its modes and rates ("latency 50%, sdkerror 75%").
	Summary string
	// Words says what the fault does, as the function reads the value (FaultWords); empty when
	// the function would not read it.
	Words string
}

// Fault reports whether value turns a fault on when written at written, when it expires by itself
// (zero: never) and a summary of its modes.
func Fault(value string, written time.Time) (on bool, expires time.Time, summary string) {
	raw := json.RawMessage(configBytes(value))
	var top map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &top) != nil {
		return false, time.Time{}, ""
	}
	var parts []string
	if _, flat := top["isEnabled"]; flat {
		parts, on = flatFault(raw)
	} else {
		parts, on = flagFaults(top)
	}
	if !on {
		return false, time.Time{}, ""
	}
	var exp struct {
		ExpiresAt           string   `json:"expiresAt"`
		ExpiresAfterSeconds *float64 `json:"expiresAfterSeconds"`
	}
	json.Unmarshal(raw, &exp)
	if t, err := time.Parse(time.RFC3339Nano, exp.ExpiresAt); err == nil {
		expires = t
	}
	if exp.ExpiresAfterSeconds != nil {
		if t := written.Add(time.Duration(*exp.ExpiresAfterSeconds * float64(time.Second))); expires.IsZero() || t.Before(expires) {
			expires = t
		}
	}
	if len(parts) == 0 {
		parts = []string{"fault enabled"}
	}
	return true, expires, strings.Join(parts, ", ")
}

// configBytes is a parameter value as the failure config it holds: the value itself, or the JSON
// string it is (as some writers quote it) unquoted.
func configBytes(value string) []byte {
	raw := []byte(strings.TrimSpace(value))
	var inner string
	if json.Unmarshal(raw, &inner) == nil {
		raw = []byte(strings.TrimSpace(inner))
	}
	return raw
}

// FaultWords says what a fault value does, in words, as the function reads it (faultconfig's
// Describe: "denylist: connections to hosts matching dynamodb.*.amazonaws.com fail, 50% of
// invocations"; faults joined with "; "): a summary such as "blacklist 50%" left the reader to
// know failure-lambda. Empty for a value that switches no fault on, or that the function would
// not read (a fault of another tool's: Fault still shades it).
func FaultWords(value string) string {
	c, err := faultconfig.Parse(configBytes(value))
	if err != nil || !c.Enabled {
		return ""
	}
	return strings.Join(c.Describe(), "; ")
}

// flatFault reads failure-lambda 0.x's shape and ours: isEnabled, failureMode and rate (0..1),
// and our faults list.
func flatFault(raw json.RawMessage) (parts []string, on bool) {
	var cfg struct {
		IsEnabled   bool     `json:"isEnabled"`
		FailureMode string   `json:"failureMode"`
		Rate        *float64 `json:"rate"`
		Faults      []struct {
			Mode  string   `json:"mode"`
			Rate  *float64 `json:"rate"`
			Error string   `json:"error"`
		} `json:"faults"`
	}
	if json.Unmarshal(raw, &cfg) != nil || !cfg.IsEnabled {
		return nil, false
	}
	// A mode at rate 0 fires on no call (as a 1.0 flag at percentage 0): enabled, it injects
	// nothing, and is not shaded.
	fires := func(rate *float64) bool { return rate == nil || *rate > 0 }
	if cfg.FailureMode != "" && fires(cfg.Rate) {
		parts = append(parts, withRate(cfg.FailureMode, cfg.Rate, 1))
	}
	for _, f := range cfg.Faults {
		if !fires(f.Rate) {
			continue
		}
		m := f.Mode
		if f.Error != "" {
			m += " (" + f.Error + ")"
		}
		parts = append(parts, withRate(m, f.Rate, 1))
	}
	if len(parts) == 0 && (cfg.FailureMode != "" || len(cfg.Faults) > 0) {
		return nil, false // every mode named is at rate 0
	}
	return parts, true
}

// flagFaults reads failure-lambda 1.0's shape: {"latency": {"enabled": true, "percentage": 50}, ...}.
func flagFaults(top map[string]json.RawMessage) (parts []string, on bool) {
	modes := make([]string, 0, len(top))
	for k := range top {
		modes = append(modes, k)
	}
	sort.Strings(modes)
	for _, mode := range modes {
		var flag struct {
			Enabled    bool     `json:"enabled"`
			Percentage *float64 `json:"percentage"`
		}
		v := top[mode]
		if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &flag) != nil || !flag.Enabled {
			continue
		}
		if flag.Percentage != nil && *flag.Percentage <= 0 {
			continue // enabled at 0 %: never injected
		}
		parts = append(parts, withRate(mode, flag.Percentage, 100))
		on = true
	}
	return parts, on
}

// withRate names a mode with its rate as a percentage when it is below always; whole is the
// rate that means always (1 for 0.x's rate, 100 for 1.0's percentage). The percentage has 15
// significant digits at most, which cuts the float product's noise in the 16th: a rate of 0.29
// reads "29%", not "28.999999999999996%", and any rate a person writes keeps its digits (0.9999999
// reads 99.99999%, not rounded up to always).
func withRate(mode string, rate *float64, whole float64) string {
	if rate != nil && *rate < whole {
		return mode + " " + strconv.FormatFloat(*rate/whole*100, 'g', 15, 64) + "%"
	}
	return mode
}

// FaultWindows turns writes (any order, any parameters) into the spans when a fault was on,
// ordered by start.
func FaultWindows(writes []Write) []FaultWindow {
	ws := append([]Write(nil), writes...)
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].Time.Before(ws[j].Time) })
	open := map[string]*FaultWindow{}
	var out []FaultWindow
	closeAt := func(name string, t time.Time) {
		w := open[name]
		if w == nil {
			return
		}
		if w.End.IsZero() || t.Before(w.End) {
			w.End = t
		}
		out = append(out, *w)
		delete(open, name)
	}
	for _, w := range ws {
		// A write ends the window in force (one that expired earlier keeps its expiry).
		closeAt(w.Parameter, w.Time)
		if w.Deleted {
			continue
		}
		if on, expires, summary := Fault(w.Value, w.Time); on {
			open[w.Parameter] = &FaultWindow{Parameter: w.Parameter, Start: w.Time, End: expires, Summary: summary, Words: FaultWords(w.Value)}
		}
	}
	for _, o := range open {
		out = append(out, *o)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}
