package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// historyPage is how many events a GetExecutionHistory call of history asks for. A poll a
// second finds a few new events, and each event carries its state's input or output (the whole
// experiment state, kilobytes): the API's default page of 100 made every poll of a long
// execution serialize and parse 100 events to keep 2, 17 % of the lab's CPU with ten trials.
const historyPage = 10

// history reads the events of an execution after lastID, oldest first. It
// pages newest-first and stops at lastID, so a poll costs a page of the
// newest events, not the execution's whole history.
func history(ctx context.Context, c *sfn.Client, arn string, lastID int64) ([]types.HistoryEvent, error) {
	var got []types.HistoryEvent
	var token *string
	for {
		out, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
			ExecutionArn: aws.String(arn), ReverseOrder: true, IncludeExecutionData: aws.Bool(true),
			MaxResults: historyPage, NextToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("get execution history: %w", err)
		}
		for _, e := range out.Events {
			if e.Id <= lastID {
				slices.Reverse(got)
				return got, nil
			}
			got = append(got, e)
		}
		if out.NextToken == nil {
			slices.Reverse(got)
			return got, nil
		}
		token = out.NextToken
	}
}

// waitSpec is a Wait state's duration as the definition states it.
type waitSpec struct {
	InputPath     *string  `json:"InputPath"`
	Seconds       *float64 `json:"Seconds"`
	SecondsPath   string   `json:"SecondsPath"`
	Timestamp     string   `json:"Timestamp"`
	TimestampPath string   `json:"TimestampPath"`
}

// eachState calls fn with every state of an ASL definition, inside Map and Parallel states too.
func eachState(definition string, fn func(name, typ string, state json.RawMessage)) {
	var walk func(raw json.RawMessage)
	walk = func(raw json.RawMessage) {
		var sm struct {
			States map[string]json.RawMessage `json:"States"`
		}
		if json.Unmarshal(raw, &sm) != nil {
			return
		}
		for name, st := range sm.States {
			var s struct {
				Type          string            `json:"Type"`
				Iterator      json.RawMessage   `json:"Iterator"`
				ItemProcessor json.RawMessage   `json:"ItemProcessor"`
				Branches      []json.RawMessage `json:"Branches"`
			}
			if json.Unmarshal(st, &s) != nil {
				continue
			}
			fn(name, s.Type, st)
			for _, sub := range append([]json.RawMessage{s.Iterator, s.ItemProcessor}, s.Branches...) {
				if len(sub) > 0 {
					walk(sub)
				}
			}
		}
	}
	walk(json.RawMessage(definition))
}

// waitStates finds every Wait state of an ASL definition by name.
func waitStates(definition string) map[string]waitSpec {
	out := map[string]waitSpec{}
	eachState(definition, func(name, typ string, st json.RawMessage) {
		var w waitSpec
		if typ == "Wait" && json.Unmarshal(st, &w) == nil {
			out[name] = w
		}
	})
	return out
}

// faultParameterOf is the parameter an experiment machine's definition writes its faults to: the
// one Name of its ssm:putParameter tasks ("" when it has none, or several).
func faultParameterOf(definition string) string {
	names := map[string]bool{}
	eachState(definition, func(_, typ string, st json.RawMessage) {
		var t struct {
			Resource   string `json:"Resource"`
			Parameters struct {
				Name string `json:"Name"`
			} `json:"Parameters"`
		}
		if typ == "Task" && json.Unmarshal(st, &t) == nil && t.Resource == putParameterTask && t.Parameters.Name != "" {
			names[t.Parameters.Name] = true
		}
	})
	if len(names) != 1 {
		return ""
	}
	for n := range names {
		return n
	}
	return ""
}

// putParameterTask is the Resource of the experiment machine's fault writes.
const putParameterTask = "arn:aws:states:::aws-sdk:ssm:putParameter"

var pathStep = regexp.MustCompile(`^(?:\.([A-Za-z0-9_$@-]+)|\['([^']*)'\]|\[(\d+)\])`)

// jsonPath evaluates the plain reference paths Step Functions allows in
// SecondsPath and InputPath: $, .field, ['field'], [n].
func jsonPath(path string, v any) (any, bool) {
	if !strings.HasPrefix(path, "$") {
		return nil, false
	}
	rest := path[1:]
	for rest != "" {
		m := pathStep.FindStringSubmatch(rest)
		if m == nil {
			return nil, false
		}
		rest = rest[len(m[0]):]
		switch {
		case m[3] != "":
			arr, ok := v.([]any)
			i, _ := strconv.Atoi(m[3])
			if !ok || i >= len(arr) {
				return nil, false
			}
			v = arr[i]
		default:
			key := m[1] + m[2]
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = obj[key]; !ok {
				return nil, false
			}
		}
	}
	return v, true
}

// until is when a Wait state entered at `at` with `input` ends, if the
// definition says so in a way that can be read.
func (w waitSpec) until(at time.Time, input string) (time.Time, bool) {
	var in any
	if err := json.Unmarshal([]byte(input), &in); err != nil && (w.SecondsPath != "" || w.TimestampPath != "") {
		return time.Time{}, false
	}
	if w.InputPath != nil {
		v, ok := jsonPath(*w.InputPath, in)
		if !ok {
			return time.Time{}, false
		}
		in = v
	}
	switch {
	case w.Seconds != nil:
		return at.Add(time.Duration(*w.Seconds * float64(time.Second))), true
	case w.SecondsPath != "":
		if v, ok := jsonPath(w.SecondsPath, in); ok {
			if f, ok := v.(float64); ok && f >= 0 && !math.IsInf(f, 0) {
				return at.Add(time.Duration(f * float64(time.Second))), true
			}
		}
	case w.Timestamp != "":
		t, err := time.Parse(time.RFC3339, w.Timestamp)
		return t, err == nil
	case w.TimestampPath != "":
		if v, ok := jsonPath(w.TimestampPath, in); ok {
			if s, ok := v.(string); ok {
				t, err := time.Parse(time.RFC3339, s)
				return t, err == nil
			}
		}
	}
	return time.Time{}, false
}

// follower prints an execution's events as they arrive: states entered,
// probe values, fault writes, pauses with a countdown, failures.
type follower struct {
	w         io.Writer
	start     time.Time
	waits     map[string]waitSpec
	countdown time.Duration        // how often a pause prints the time left
	verbose   bool                 // also Pass and Choice states
	probes    map[string]probeLine // by resultKey: the probe a GetMetricData answer is for

	lastID int64
	// guard are the exits of the guard's record states seen (experiments.GuardChecks reads them):
	// the machine's journal does not keep the checks, its history does.
	guard   []experiments.StateExit
	pause   string    // Wait state in progress
	until   time.Time // its end, zero if unknown
	entered time.Time
	next    time.Time // next countdown line
}

func (f *follower) printf(at time.Time, format string, args ...any) {
	fmt.Fprintf(f.w, "[%7.1fs] %s\n", at.Sub(f.start).Seconds(), fmt.Sprintf(format, args...))
}

// event prints one history event and reports whether the execution ended.
func (f *follower) event(e types.HistoryEvent) (done bool) {
	f.lastID = e.Id
	at := aws.ToTime(e.Timestamp)
	if at.IsZero() {
		at = time.Now()
	}
	if d := e.StateExitedEventDetails; d != nil && experiments.IsGuardCheckState(aws.ToString(d.Name)) {
		f.guard = append(f.guard, experiments.StateExit{Name: aws.ToString(d.Name), At: at, Output: aws.ToString(d.Output)})
	}
	switch e.Type {
	case types.HistoryEventTypeExecutionStarted:
		f.printf(at, "execution started")
	case types.HistoryEventTypeWaitStateEntered:
		d := e.StateEnteredEventDetails
		name := aws.ToString(d.Name)
		f.pause, f.entered, f.until = name, at, time.Time{}
		if w, ok := f.waits[name]; ok {
			if u, ok := w.until(at, aws.ToString(d.Input)); ok {
				f.until = u
			}
		}
		if !f.until.IsZero() {
			f.printf(at, "⏸ %s: pause %s (until %s)", name, f.until.Sub(at).Round(time.Second), f.until.Local().Format("15:04:05"))
		} else {
			f.printf(at, "⏸ %s: pause", name)
		}
		f.next = time.Now().Add(f.countdown)
	case types.HistoryEventTypeWaitStateExited:
		f.pause = ""
		f.printf(at, "▶ %s: pause over after %s", aws.ToString(e.StateExitedEventDetails.Name), at.Sub(f.entered).Round(time.Second))
	case types.HistoryEventTypePassStateEntered, types.HistoryEventTypeChoiceStateEntered:
		if f.verbose {
			f.printf(at, "→ %s", aws.ToString(e.StateEnteredEventDetails.Name))
		}
	case types.HistoryEventTypeTaskStateEntered, types.HistoryEventTypeMapStateEntered, types.HistoryEventTypeParallelStateEntered,
		types.HistoryEventTypeFailStateEntered, types.HistoryEventTypeSucceedStateEntered:
		f.printf(at, "→ %s", aws.ToString(e.StateEnteredEventDetails.Name))
	case types.HistoryEventTypeTaskScheduled:
		d := e.TaskScheduledEventDetails
		if strings.EqualFold(aws.ToString(d.Resource), "putParameter") {
			var p struct{ Name, Value string }
			if json.Unmarshal([]byte(aws.ToString(d.Parameters)), &p) == nil {
				f.printf(at, "  put %s = %s", p.Name, p.Value)
			}
		}
	case types.HistoryEventTypeTaskSucceeded:
		d := e.TaskSucceededEventDetails
		if strings.EqualFold(aws.ToString(d.Resource), "getMetricData") {
			f.printf(at, "  %s", f.probeValues(aws.ToString(d.Output)))
		}
	case types.HistoryEventTypeTaskFailed:
		d := e.TaskFailedEventDetails
		f.printf(at, "  ✗ %s %s: %s", aws.ToString(d.Resource), aws.ToString(d.Error), clip(aws.ToString(d.Cause), 300))
	case types.HistoryEventTypeExecutionSucceeded:
		f.printf(at, "execution succeeded")
		return true
	case types.HistoryEventTypeExecutionFailed:
		d := e.ExecutionFailedEventDetails
		f.printf(at, "execution failed: %s", aws.ToString(d.Error))
		return true
	case types.HistoryEventTypeExecutionAborted:
		f.printf(at, "execution aborted")
		return true
	case types.HistoryEventTypeExecutionTimedOut:
		f.printf(at, "execution timed out")
		return true
	}
	return false
}

// tick prints the countdown of a pause in progress.
func (f *follower) tick(now time.Time) {
	if f.pause == "" || f.countdown <= 0 || now.Before(f.next) {
		return
	}
	f.next = now.Add(f.countdown)
	if !f.until.IsZero() {
		left := f.until.Sub(now).Round(time.Second)
		if left <= 0 {
			return // the exit event is about to arrive
		}
		fmt.Fprintf(f.w, "[%7.1fs]   %s: %s left\n", now.Sub(f.start).Seconds(), f.pause, left)
		return
	}
	fmt.Fprintf(f.w, "[%7.1fs]   %s: paused for %s\n", now.Sub(f.start).Seconds(), f.pause, now.Sub(f.entered).Round(time.Second))
}

// probeLine is what a live probe line says of the probe beside its value.
type probeLine struct {
	name      string
	tolerance string
}

// resultKey names a probe's first returned query by what GetMetricData answers of it: its Id and
// Label.
func resultKey(id, label string) string { return id + "\x00" + label }

// probeLines maps each probe's first returned query (the one the state machine judges) to the
// probe, for the live lines. The compiler labels that query with the probe's name only when it has
// no label of its own, so a seed's probes answer "In flight %" or "e1"; their Id and Label name the
// probe as long as no other probe's returned query has the same pair (those are left out: several
// probes run at once, and the history does not say which Task a value answers).
func probeLines(c *experiments.Compiled) map[string]probeLine {
	if c == nil {
		return nil
	}
	out := map[string]probeLine{}
	shared := map[string]bool{}
	for _, p := range c.SteadyState.Probes {
		for _, q := range p.MetricDataQueries {
			if q.ReturnData != nil && !*q.ReturnData {
				continue
			}
			if q.Label == "" {
				break // CloudWatch answers a label of its own choosing (a name holding "${" gets none)
			}
			k := resultKey(q.Id, q.Label)
			if prev, ok := out[k]; ok && prev.name != p.Name {
				shared[k] = true
			}
			out[k] = probeLine{name: p.Name, tolerance: p.Tolerance.Text}
			break
		}
	}
	for k := range shared {
		delete(out, k)
	}
	return out
}

// probeValues is the live line of a GetMetricData output: the probe's name and tolerance when its
// returned query names one probe of the experiment, then the values.
func (f *follower) probeValues(output string) string {
	var out struct{ MetricDataResults []metricResult }
	if err := json.Unmarshal([]byte(output), &out); err != nil {
		return "probe: " + clip(output, 200)
	}
	rs := out.MetricDataResults
	if len(rs) > 0 {
		if p, ok := f.probes[resultKey(rs[0].Id, rs[0].Label)]; ok {
			return fmt.Sprintf("probe %s: %s, tolerance %s", p.name, metricValues(rs, p.name), p.tolerance)
		}
	}
	return "probe: " + metricValues(rs, "")
}

// metricResult is one of GetMetricData's MetricDataResults, as the live lines read it.
type metricResult struct {
	Id     string
	Label  string
	Values []float64
}

// metricValues summarizes GetMetricData's results: each one's first value, or "no data", after
// its label when that is more than its id and not said already (said: the probe's name, which the
// compiler labels a probe's query with when it has no label of its own).
func metricValues(rs []metricResult, said string) string {
	var parts []string
	for _, r := range rs {
		v := "no data"
		if len(r.Values) > 0 {
			v = strconv.FormatFloat(r.Values[0], 'g', 6, 64)
		}
		if r.Label != "" && r.Label != r.Id && r.Label != said {
			parts = append(parts, fmt.Sprintf("%s %s=%s", r.Label, r.Id, v))
		} else {
			parts = append(parts, r.Id+"="+v)
		}
	}
	if len(parts) == 0 {
		return "no data"
	}
	return strings.Join(parts, " ")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
