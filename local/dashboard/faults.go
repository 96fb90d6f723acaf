package dashboard

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Which parameter is "the fault parameter" is decided from the values, not from a name: any
// parameter whose value is a JSON object with "isEnabled": true is a fault that is on (the
// failure config of docs/contracts.md §3, and failure-lambda's), until the next write of that
// parameter that is not, its deletion, or its expiry ("expiresAt", or "expiresAfterSeconds" after
// the write), whichever comes first. A value written as a JSON string holding that object counts
// too. Every other value (plain strings, "isEnabled": false) is not a fault.

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
}

// Fault reports whether value turns a fault on when written at written, when it expires by itself
// (zero: never) and a summary of its modes.
func Fault(value string, written time.Time) (on bool, expires time.Time, summary string) {
	raw := json.RawMessage(strings.TrimSpace(value))
	var inner string
	if json.Unmarshal(raw, &inner) == nil {
		raw = json.RawMessage(strings.TrimSpace(inner))
	}
	var cfg struct {
		IsEnabled           bool     `json:"isEnabled"`
		FailureMode         string   `json:"failureMode"`
		Rate                *float64 `json:"rate"`
		ExpiresAt           string   `json:"expiresAt"`
		ExpiresAfterSeconds *float64 `json:"expiresAfterSeconds"`
		Faults              []struct {
			Mode  string   `json:"mode"`
			Rate  *float64 `json:"rate"`
			Error string   `json:"error"`
		} `json:"faults"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &cfg) != nil || !cfg.IsEnabled {
		return false, time.Time{}, ""
	}
	if t, err := time.Parse(time.RFC3339Nano, cfg.ExpiresAt); err == nil {
		expires = t
	}
	if cfg.ExpiresAfterSeconds != nil {
		if t := written.Add(time.Duration(*cfg.ExpiresAfterSeconds * float64(time.Second))); expires.IsZero() || t.Before(expires) {
			expires = t
		}
	}
	var parts []string
	mode := func(m string, rate *float64) string {
		if rate != nil && *rate < 1 {
			return fmt.Sprintf("%s %g%%", m, *rate*100)
		}
		return m
	}
	if cfg.FailureMode != "" {
		parts = append(parts, mode(cfg.FailureMode, cfg.Rate))
	}
	for _, f := range cfg.Faults {
		m := f.Mode
		if f.Error != "" {
			m += " (" + f.Error + ")"
		}
		parts = append(parts, mode(m, f.Rate))
	}
	if len(parts) == 0 {
		parts = []string{"fault enabled"}
	}
	return true, expires, strings.Join(parts, ", ")
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
			open[w.Parameter] = &FaultWindow{Parameter: w.Parameter, Start: w.Time, End: expires, Summary: summary}
		}
	}
	for _, o := range open {
		out = append(out, *o)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}
