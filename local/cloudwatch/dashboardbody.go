package cloudwatch

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// PutDashboard checks a body's widgets as CloudWatch does, after "Dashboard Body Structure and
// Syntax" (the CloudWatch API Reference), and refuses a body with problems with
// InvalidParameterInput, listing each as CloudWatch's validator does ({"dataPath", "message"}):
// "The dashboard body is invalid, there are 3 validation errors: [...]". A dashboard made or
// changed here would otherwise pass, then fail its deploy in AWS. The checks:
//
//   - at most 500 widgets, each an object with a type (metric, text, log, alarm, explorer,
//     custom) and its properties;
//   - x 0–23, y ≥ 0, width 1–24, height 1–1000, each a whole number;
//   - a metric widget names its region and a data source (metrics) or an alarm annotation, and
//     each of its metrics is an array of a namespace and a name (or "..." shorthand, or a math
//     expression's object);
//   - a text widget has markdown, a log widget a query and a region, an alarm widget alarms;
//   - start and end, when given, are a relative time (-PT3H) or a date and time.
//
// The messages of the checks CloudWatch's published errors show are its own ("Should have
// required property 'metrics'", "The metric widget should have specified a region and a data
// source or an alarm annotation"); the others are worded the same way.

// dashboardValidation is one problem of a dashboard body.
type dashboardValidation struct {
	DataPath string `json:"dataPath"`
	Message  string `json:"message"`
}

var widgetTypes = map[string]bool{"metric": true, "text": true, "log": true, "alarm": true, "explorer": true, "custom": true}

// relativeTime is a dashboard's relative start or end: minus an ISO 8601 duration in minutes,
// hours, days, weeks or months ("-PT5M", "-PT3H", "-P1D", "-P1W", "-P3M", as the CDK's Dashboard
// start documents them); a T takes at least one of hours, minutes and seconds.
var relativeTime = regexp.MustCompile(`^-P(\d+[WDMY]|(\d+D)?T(\d+H)?(\d+M)?(\d+S)?)$`)

// relativeTimeOK reports whether s is a relative time with something after its T.
func relativeTimeOK(s string) bool {
	return relativeTime.MatchString(s) && !strings.HasSuffix(s, "T")
}

// checkDashboardBody returns the body's problems (none: nil). body is valid JSON with a widgets
// array (putDashboard checked).
func checkDashboardBody(body string) []dashboardValidation {
	var b struct {
		Widgets []json.RawMessage `json:"widgets"`
		Start   json.RawMessage   `json:"start"`
		End     json.RawMessage   `json:"end"`
	}
	if json.Unmarshal([]byte(body), &b) != nil {
		return []dashboardValidation{{"", "Should be object"}}
	}
	var out []dashboardValidation
	add := func(path, format string, a ...any) {
		out = append(out, dashboardValidation{path, fmt.Sprintf(format, a...)})
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"start", b.Start}, {"end", b.End}} {
		if len(f.raw) == 0 {
			continue
		}
		var s string
		if json.Unmarshal(f.raw, &s) != nil {
			add("/"+f.name, "Should be string")
		} else if _, err := time.Parse(time.RFC3339, s); err != nil && !relativeTimeOK(s) {
			add("/"+f.name, "Should be a relative time (-PT3H) or a date and time (2026-12-04T10:00:00Z), got %q", s)
		}
	}
	if len(b.Widgets) > 500 {
		add("/widgets", "Should NOT have more than 500 items")
	}
	for i, raw := range b.Widgets {
		at := "/widgets/" + strconv.Itoa(i)
		var w map[string]json.RawMessage
		if json.Unmarshal(raw, &w) != nil || w == nil {
			add(at, "Should be object")
			continue
		}
		var typ string
		if t, ok := w["type"]; !ok {
			add(at, "Should have required property 'type'")
		} else if json.Unmarshal(t, &typ) != nil || !widgetTypes[typ] {
			add(at+"/type", "Should be equal to one of the allowed values (metric, text, log, alarm, explorer, custom)")
		}
		for _, g := range []struct {
			name     string
			min, max float64
		}{{"x", 0, 23}, {"y", 0, math.Inf(1)}, {"width", 1, 24}, {"height", 1, 1000}} {
			v, ok := w[g.name]
			if !ok {
				continue
			}
			var n float64
			switch {
			case json.Unmarshal(v, &n) != nil || n != math.Trunc(n):
				add(at+"/"+g.name, "Should be integer")
			case n < g.min:
				add(at+"/"+g.name, "Should be >= %g", g.min)
			case n > g.max:
				add(at+"/"+g.name, "Should be <= %g", g.max)
			}
		}
		rawProps, ok := w["properties"]
		if !ok {
			add(at, "Should have required property 'properties'")
			continue
		}
		var props map[string]json.RawMessage
		if json.Unmarshal(rawProps, &props) != nil || props == nil {
			add(at+"/properties", "Should be object")
			continue
		}
		out = append(out, checkWidgetProperties(at+"/properties", typ, props)...)
	}
	return out
}

// checkWidgetProperties checks the properties a widget of type typ requires.
func checkWidgetProperties(at, typ string, props map[string]json.RawMessage) []dashboardValidation {
	var out []dashboardValidation
	need := func(name string) bool {
		if _, ok := props[name]; !ok {
			out = append(out, dashboardValidation{at, "Should have required property '" + name + "'"})
			return false
		}
		return true
	}
	switch typ {
	case "metric":
		rawMetrics, hasMetrics := props["metrics"]
		if hasMetrics && string(rawMetrics) == "null" {
			out = append(out, dashboardValidation{at + "/metrics", "Should be array"})
			return out
		}
		var ann struct {
			Alarms []json.RawMessage `json:"alarms"`
		}
		hasAlarms := json.Unmarshal(props["annotations"], &ann) == nil && len(ann.Alarms) > 0
		if _, ok := props["region"]; !ok || !hasMetrics && !hasAlarms {
			out = append(out, dashboardValidation{at, "The metric widget should have specified a region and a data source or an alarm annotation"})
		}
		if !hasMetrics && !hasAlarms {
			out = append(out, dashboardValidation{at, "Should have required property 'metrics'"},
				dashboardValidation{at, "Should have required property 'annotations'"})
		}
		if hasMetrics {
			out = append(out, checkMetrics(at+"/metrics", props["metrics"])...)
		}
	case "text":
		need("markdown")
	case "log":
		need("query")
		need("region")
	case "alarm":
		need("alarms")
	}
	return out
}

// checkMetrics checks a metric widget's metrics array: each metric an array holding a namespace
// and a metric name ("..." repeats the metric before), or a math expression's object alone.
func checkMetrics(at string, raw json.RawMessage) []dashboardValidation {
	var metrics []json.RawMessage
	if json.Unmarshal(raw, &metrics) != nil {
		return []dashboardValidation{{at, "Should be array"}}
	}
	var out []dashboardValidation
	for i, m := range metrics {
		mat := at + "/" + strconv.Itoa(i)
		var items []json.RawMessage
		if json.Unmarshal(m, &items) != nil {
			out = append(out, dashboardValidation{mat, "Should be array"})
			continue
		}
		names := 0 // the strings before a rendering object
		for _, it := range items {
			var s string
			if json.Unmarshal(it, &s) != nil {
				break
			}
			names++
		}
		expression := names == 0 && len(items) == 1
		if !expression && names < 2 && !(names == 1 && string(items[0]) == `"..."`) {
			out = append(out, dashboardValidation{mat, "Should NOT have fewer than 2 items (a namespace and a metric name)"})
		}
	}
	return out
}
