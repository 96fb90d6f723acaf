package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
)

// Run is what a report is about.
type Run struct {
	// Journal is the run's journal. Required; a failed, aborted or rolled-back run's journal is
	// fine (phases that did not run are nil).
	Journal *experiments.Journal
	// Compiled is the experiment as run (the execution input). Optional: its probes' metric data
	// queries give each probe a chart of its metrics over the run (the journal has no queries).
	Compiled *experiments.Compiled
	// Dashboards are the stack's dashboards as deployed (name and DashboardBody). Optional.
	Dashboards []Dashboard
	// Scenario and Experiment label the report (e.g. "flawed", "exp_1-minor_delay"). Optional.
	Scenario, Experiment string
	// StackScenario is the scenario of the stack the outputs name now, for a run whose own is not
	// known (a copied journal, no series saved by its run): the report's header shows it, saying
	// whose it is, and the series written beside the journal does not keep it as the run's.
	StackScenario string
	// Error is the run's error as the runner reported it, shown with the journal's. Optional.
	Error string
	// Documents is what became of the documents published during the run, in words, as the lab
	// reconciled them ("506 published, 452 converted, ..."). Optional: a lab's trial has it.
	Documents string
	// Index is the results page the report belongs to, relative to the report ("index.html"), for a
	// link back. Optional: a lab's trial has one.
	Index string
	// Injected is how many faults the function injected while the fault was on (CountInjected).
	// Optional: the report says it among its facts, and when none fired, what the verdict is worth.
	Injected *Injected
}

// Dashboard is a deployed dashboard.
type Dashboard struct{ Name, Body string }

// parseTime reads a journal timestamp (RFC 3339, as $$.State.EnteredTime gives it).
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// journalSpan is the earliest and the latest time the journal records.
func journalSpan(j *experiments.Journal) (first, last time.Time) {
	take := func(s string) {
		t := parseTime(s)
		if t.IsZero() {
			return
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	if j == nil {
		return
	}
	take(j.StartedAt)
	take(j.EndedAt)
	for _, ps := range [][]experiments.ProbeResult{j.Before, j.After, j.AfterRollback} {
		for _, p := range ps {
			take(p.Start)
			take(p.End)
		}
	}
	for _, as := range [][]experiments.ActionResult{j.Method, j.Rollbacks} {
		for _, a := range as {
			take(a.PutAt)
			take(a.EndedAt)
		}
	}
	if j.GuardBreach != nil {
		take(j.GuardBreach.PutAt)
		take(j.GuardBreach.Probe.Start)
		take(j.GuardBreach.Probe.End)
	}
	return first, last
}

// faultWindows are the spans when the journal's writes had a fault on. A rollback run's journal
// (rollbackOf) starts with the fault already on: its window starts at the chart's start.
func faultWindows(j *experiments.Journal, start time.Time) []dashboard.FaultWindow {
	var ws []dashboard.Write
	for _, as := range [][]experiments.ActionResult{j.Method, j.Rollbacks} {
		for _, a := range as {
			if t := parseTime(a.PutAt); !t.IsZero() {
				ws = append(ws, dashboard.Write{Parameter: a.Parameter, Time: t, Value: string(a.Value)})
			}
		}
	}
	if j.RollbackOf != "" && len(j.Method) == 0 && len(j.Rollbacks) > 0 {
		ws = append(ws, dashboard.Write{Parameter: j.Rollbacks[0].Parameter, Time: start,
			Value: `{"isEnabled": true, "failureMode": "on before this rollback run"}`})
	}
	// A guard breach fails the method's Map, whose results are lost: the breached action's write
	// time is the guard's record of it (its value is in the experiment, not the journal). Its
	// parameter is the rollbacks'; when their Map failed too, the journal names none, and nothing
	// switched the fault off: it is on from the write to the journal's end (the report said no
	// fault was on, under a timeline with the fault written and the rollback failed).
	if g := j.GuardBreach; g != nil && len(j.Method) == 0 {
		if t := parseTime(g.PutAt); !t.IsZero() {
			param, until := guardParameter, g.Action+", not rolled back"
			if len(j.Rollbacks) > 0 {
				param, until = j.Rollbacks[0].Parameter, g.Action+", until the guard breached"
			}
			mode, _ := json.Marshal(until)
			value := `{"isEnabled": true, "failureMode": ` + string(mode) + `}`
			if len(g.Value) > 0 { // the breach kept the write (machines deployed since it does)
				value = string(g.Value)
			}
			if g.Parameter != "" {
				param = g.Parameter
			}
			ws = append(ws, dashboard.Write{Parameter: param, Time: t, Value: value})
		}
	}
	return dashboard.FaultWindows(ws)
}

// faultWords follows a fault's summary with what it does, in words (dashboard.FaultWords).
func faultWords(value json.RawMessage) string {
	if words := dashboard.FaultWords(string(value)); words != "" {
		return " — " + words
	}
	return ""
}

// guardParameter names the parameter of a fault the guard breached on when the journal names
// none (the method's and the rollbacks' results both lost).
const guardParameter = "its parameter (not in the journal)"

// verdicts say what each verdict means, for the reader of the report.
var verdicts = map[string]string{
	experiments.VerdictHeld:            "The steady state held before the fault and with the fault on (the check after the rollback is recorded, not judged).",
	experiments.VerdictDeviated:        "The steady state did not hold once the fault was on: the experiment found a weakness.",
	experiments.VerdictNotSteadyBefore: "The system was not in its steady state before the fault: nothing was injected.",
	experiments.VerdictAborted:         "The run did not reach a verdict: a step failed, the guard breached, or the execution was stopped or timed out. Its rollbacks ran, in this run or in a rollback run.",
}

// verdictClass is the CSS class of a verdict's badge: one of the four verdicts' own, else
// verdict-none (a lab trial's "error", no verdict), so that no badge is left without a colour.
func verdictClass(v string) string {
	if _, known := verdicts[v]; known {
		return "verdict-" + v
	}
	return "verdict-none"
}

// step is one row of the timeline.
type step struct {
	Phase, Detail, When string
	Kind                string // steady, fault, pause, after, rollback, recovery, guard, error
	Ran                 bool
	Failed              string  // a step that did not run because it failed: the error
	Left, Width         float64 // percent of the chart window
	Instant             bool
}

// probeRow is one row of the probe table.
type probeRow struct {
	Phase, Name, Query, Value, Tolerance, Status, Window string
	Pass                                                 bool
	// Unjudged is set for the rows after the rollback (ProbeResult.Unjudged): recorded to show the
	// recovery, not read by the verdict, so neither pass nor FAIL.
	Unjudged string
}

// reading says in words what one probe measures (experiments.CompiledProbe.Reads).
type reading struct{ Name, Reads string }

// readings are the table's probes' readings, each once, in the table's order; none without the
// compiled experiment (a report from a journal alone).
func readings(c *experiments.Compiled, rows []probeRow) []reading {
	reads := map[string]string{}
	for _, p := range compiledProbes(c) {
		reads[p.Name] = p.Reads()
	}
	var out []reading
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.Name] && reads[r.Name] != "" {
			seen[r.Name] = true
			out = append(out, reading{r.Name, reads[r.Name]})
		}
	}
	return out
}

// errorBox is one error the run ended with.
type errorBox struct{ Title, Error, Cause string }

type model struct {
	Title, Experiment, Scenario, ExecutionArn, RollbackOf, RolledBackBy string
	Documents, Index, Injected                                          string
	Verdict, VerdictClass, VerdictText                                  string
	Started, Ended, Duration                                            string
	Errors                                                              []errorBox
	Timeline                                                            []step
	Probes                                                              []probeRow
	Reads                                                               []reading
	Faults                                                              []string
	Notes                                                               []string
	Views                                                               views
	HasProbeCharts                                                      bool
	Dashboards                                                          []string
}

// views is what the renderer draws: one View of the probes, one per dashboard.
type views struct {
	Probes     dashboard.View   `json:"probes"`
	Dashboards []dashboard.View `json:"dashboards"`
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("15:04:05")
}

func buildModel(run Run, s *Series, now time.Time) model {
	j := run.Journal
	if j == nil {
		j = &experiments.Journal{}
	}
	m := model{Title: j.Title, Experiment: run.Experiment, Scenario: run.Scenario, ExecutionArn: j.ExecutionArn,
		RollbackOf: j.RollbackOf, RolledBackBy: j.RolledBackBy, Verdict: j.Verdict, Documents: run.Documents, Index: run.Index}
	if m.Title == "" {
		m.Title = "(untitled experiment)"
	}
	if m.Scenario == "" && run.StackScenario != "" {
		m.Scenario = run.StackScenario
		m.Notes = append(m.Notes, "The scenario is the stack's now: the journal does not record its run's, and no series saved by the run says it.")
	}
	if run.Journal == nil {
		m.Notes = append(m.Notes, "The run left no journal: only its error is known.")
	}
	if in := run.Injected; in != nil {
		m.Injected = in.Fact()
		if in.Count == 0 {
			m.Notes = append(m.Notes, in.NoneNote())
		}
	}
	m.VerdictClass = verdictClass(j.Verdict)
	m.VerdictText = verdicts[j.Verdict]
	if j.Verdict == "" {
		m.Verdict, m.VerdictClass, m.VerdictText = "no verdict", "verdict-none", "The run ended before it reached a verdict."
	}
	var start, end time.Time
	if s != nil {
		start, end = s.Start, s.End
	} else {
		start, end, _ = Window(j, now)
	}
	first, last := journalSpan(j)
	m.Started, m.Ended = clock(first), clock(last)
	if !first.IsZero() && !last.IsZero() {
		m.Duration = last.Sub(first).Round(time.Second).String()
	}
	if first.IsZero() {
		m.Started = "–"
	} else {
		m.Started = first.UTC().Format("2006-01-02 15:04:05 UTC")
	}

	for _, e := range []struct {
		title string
		err   *experiments.StepError
	}{{"The experiment failed", j.Error}, {"A rollback failed", j.RollbackError}, {"The check after the rollback could not run", j.RecoveryError}} {
		if e.err != nil {
			m.Errors = append(m.Errors, errorBox{Title: e.title, Error: e.err.Error, Cause: e.err.Cause})
		}
	}
	if run.Error != "" {
		m.Errors = append(m.Errors, errorBox{Title: "The run reported", Error: run.Error})
	}

	span := end.Sub(start).Seconds()
	pos := func(a, b time.Time) (float64, float64) {
		if span <= 0 || a.IsZero() {
			return 0, 0
		}
		if b.IsZero() || b.Before(a) {
			b = a
		}
		l := math.Max(0, math.Min(100, a.Sub(start).Seconds()/span*100))
		r := math.Max(0, math.Min(100, b.Sub(start).Seconds()/span*100))
		return l, r - l
	}
	window := func(ps []experiments.ProbeResult) (a, b time.Time) {
		for _, p := range ps {
			if t := parseTime(p.Start); !t.IsZero() && (a.IsZero() || t.Before(a)) {
				a = t
			}
			if t := parseTime(p.End); t.After(b) {
				b = t
			}
		}
		return a, b
	}
	// A phase that did not run claims no result: its detail (a count of probes, a pause's
	// length) is of a run that happened.
	add := func(phase, kind, detail string, ran bool, a, b time.Time, instant bool) {
		st := step{Phase: phase, Kind: kind, Ran: ran, Instant: instant}
		if ran {
			st.Detail = detail
			st.Left, st.Width = pos(a, b)
			if instant {
				st.When = clock(a)
			} else {
				st.When = clock(a) + " → " + clock(b)
				if !a.IsZero() && !b.IsZero() {
					st.When += " (" + b.Sub(a).Round(time.Second).String() + ")"
				}
			}
		}
		m.Timeline = append(m.Timeline, st)
	}
	phaseDetail := func(ps []experiments.ProbeResult) string {
		failed := 0
		for _, p := range ps {
			if !p.Pass {
				failed++
			}
		}
		if failed == 0 {
			return fmt.Sprintf("%d probes, all within tolerance", len(ps))
		}
		return fmt.Sprintf("%d of %d probes out of tolerance", failed, len(ps))
	}

	// What the guard's checks in each action's pause read, for its Pause row, by the action's name
	// and write (two actions may share a name).
	type pauseOf struct{ action, putAt string }
	guarded := map[pauseOf]string{}
	for _, g := range experiments.SummarizeGuardChecks(j.GuardChecks) {
		guarded[pauseOf{g.Action, g.PutAt}] += "; the guard's " + g.Text // a summary per probe of a guard of several
	}
	if j.RollbackOf == "" {
		a, b := window(j.Before)
		if a.IsZero() {
			a = parseTime(j.StartedAt)
		}
		add("Steady state before", "steady", phaseDetail(j.Before), j.Before != nil, a, b, false)
		if g := j.GuardBreach; j.Method == nil && g != nil && !parseTime(g.PutAt).IsZero() {
			// The method's results are lost with the breach; the guard kept the breached write's time.
			put := parseTime(g.PutAt)
			detail, pause := "its value is the experiment's", g.Ended()
			if a, ok := g.Write(); ok { // the breach kept the write (machines deployed since it does)
				detail = written(a, put)
				if a.InForceAt != "" {
					pause = inForce(a) + "; " + pause
				}
			}
			add("Fault written: "+g.Action, "fault", detail, true, put, put, true)
			add("Pause", "pause", pause+guarded[pauseOf{g.Action, g.PutAt}], true, put, parseTime(g.Probe.End), false)
		} else if j.Method == nil {
			add("Fault written", "fault", "", false, time.Time{}, time.Time{}, true)
		}
		for _, act := range j.Method {
			put, ended := parseTime(act.PutAt), parseTime(act.EndedAt)
			add("Fault written: "+act.Name, "fault", written(act, put), !put.IsZero(), put, put, true)
			pause := fmt.Sprintf("%d s after the write", act.PauseAfterSeconds)
			if act.InForceAt != "" {
				pause += ", " + inForce(act)
			}
			if took := ended.Sub(put); !put.IsZero() && !ended.IsZero() && took < time.Duration(act.PauseAfterSeconds)*time.Second-time.Second {
				pause += fmt.Sprintf("; cut short after %s, when the execution ended", took.Round(time.Second))
			}
			add("Pause", "pause", pause+guarded[pauseOf{act.Name, act.PutAt}], !put.IsZero() && !ended.IsZero(), put, ended, false)
		}
		if g := j.GuardBreach; g != nil {
			t := parseTime(g.Probe.End)
			add("Guard breached", "guard", fmt.Sprintf("%s = %s, tolerance %s: the method ended there", g.Probe.Name, value(g.Probe), g.Probe.Tolerance.Text), true, t, t, true)
		}
		a, b = window(j.After)
		add("Steady state after", "after", phaseDetail(j.After), j.After != nil, a, b, false)
	}
	if j.Rollbacks == nil {
		add("Rollback", "rollback", "", false, time.Time{}, time.Time{}, true)
		if e := j.RollbackError; e != nil {
			// The rollbacks' Map failed: its results are lost, its error is the journal's.
			m.Timeline[len(m.Timeline)-1].Failed = e.Error
		}
	}
	for _, act := range j.Rollbacks {
		put := parseTime(act.PutAt)
		detail := act.Parameter
		if on, _, summary := dashboard.Fault(string(act.Value), put); on {
			detail += " = " + summary
		} else {
			detail += ": fault off"
		}
		add("Rollback: "+act.Name, "rollback", detail, !put.IsZero(), put, put, true)
	}
	a, b := window(j.AfterRollback)
	add("Steady state after rollback", "recovery", phaseDetail(j.AfterRollback), j.AfterRollback != nil, a, b, false)

	faults := faultWindows(j, start)
	for _, f := range faults {
		e := "still on at the end of the journal"
		if !f.End.IsZero() {
			e = "to " + clock(f.End) + " (" + f.End.Sub(f.Start).Round(time.Second).String() + ")"
		}
		m.Faults = append(m.Faults, fmt.Sprintf("%s on %s from %s %s", f.Summary, f.Parameter, clock(f.Start), e))
	}

	// In the order they ran: the guard's checks during the pause, between before and after. The
	// checks when the journal has them (chaoslab run reads them from the history), the breach the
	// last of them; else the breach alone, as the machine's journal keeps it.
	guard := make([]experiments.ProbeResult, 0, len(j.GuardChecks))
	for _, c := range j.GuardChecks {
		guard = append(guard, c.ProbeResult)
	}
	if g := j.GuardBreach; g != nil && len(j.GuardChecks) == 0 {
		guard = append(guard, g.Probe)
	}
	for _, ph := range []struct {
		name string
		ps   []experiments.ProbeResult
	}{{"before", j.Before}, {"guard", guard}, {"after", j.After}, {phaseAfterRollback, j.AfterRollback}} {
		for _, p := range ph.ps {
			m.Probes = append(m.Probes, row(ph.name, p))
		}
	}
	m.Reads = readings(run.Compiled, m.Probes)

	m.Views = buildViews(run, j, s, start, end, faults)
	m.HasProbeCharts = len(m.Views.Probes.Widgets) > 0
	for _, v := range m.Views.Dashboards {
		m.Dashboards = append(m.Dashboards, v.Title)
	}
	if s == nil {
		m.Notes = append(m.Notes, "No metric series were fetched for this run: the charts show the probes' measured values only.")
	} else if run.Compiled == nil && len(s.Probes) == 0 && len(m.Probes) > 0 {
		m.Notes = append(m.Notes, "The probes' metric queries were not given (the compiled experiment): their charts show the measured values only.")
	}
	return m
}

// written says what an action wrote, for the timeline: its parameter, the fault in short and in words.
func written(act experiments.ActionResult, put time.Time) string {
	_, _, summary := dashboard.Fault(string(act.Value), put)
	if summary == "" {
		summary = "fault off"
	}
	return act.Parameter + " = " + summary + faultWords(act.Value)
}

// inForce says when an action's fault was in force everywhere, after its onset.
func inForce(act experiments.ActionResult) string {
	return fmt.Sprintf("the first %d s for the fault to be in force everywhere (to %s)", act.OnsetSeconds, clock(parseTime(act.InForceAt)))
}

// value is a probe's value as the table shows it; the 0 an empty result counts as says so.
func value(p experiments.ProbeResult) string {
	switch {
	case p.Value == nil:
		return "no data"
	case p.NoData:
		return strconv.FormatFloat(*p.Value, 'g', 6, 64) + " (no data)"
	}
	return strconv.FormatFloat(*p.Value, 'g', 6, 64)
}

// phaseAfterRollback names the phase whose probes the verdict does not read.
const phaseAfterRollback = "after rollback"

func row(phase string, p experiments.ProbeResult) probeRow {
	r := probeRow{Phase: phase, Name: p.Name, Query: p.Query, Value: value(p), Tolerance: p.Tolerance.Text,
		Status: p.Failed(phase), Pass: p.Pass}
	if phase == phaseAfterRollback {
		r.Unjudged = p.Unjudged()
	}
	a, b := parseTime(p.Start), parseTime(p.End)
	r.Window = clock(a) + " → " + clock(b)
	if !a.IsZero() && !b.IsZero() {
		r.Window += " (" + b.Sub(a).Round(time.Second).String() + ")"
	}
	return r
}

// buildViews makes the renderer's data: a chart per probe (its series, its tolerance as a band,
// its measured values as marks) and each dashboard's widgets, all over [start, end] with the
// fault windows.
func buildViews(run Run, j *experiments.Journal, s *Series, start, end time.Time, faults []dashboard.FaultWindow) views {
	v := views{Probes: dashboard.View{Title: "Probes", Start: dashboard.Seconds(start), End: dashboard.Seconds(end),
		Faults: dashboard.Spans(faults, end), Widgets: []dashboard.WidgetView{}}, Dashboards: []dashboard.View{}}
	// The probes, in the order the journal has them, then any the series has besides.
	type probeInfo struct {
		tolerance experiments.Tolerance
		query     string
		marks     []dashboard.Mark
	}
	info := map[string]*probeInfo{}
	var names []string
	note := func(phase string, p experiments.ProbeResult) {
		pi := info[p.Name]
		if pi == nil {
			pi = &probeInfo{tolerance: p.Tolerance, query: p.Query}
			info[p.Name] = pi
			names = append(names, p.Name)
		}
		a, b := parseTime(p.Start), parseTime(p.End)
		if !a.IsZero() && !b.IsZero() {
			// A window measured with no value has its mark too, saying so: no gap where a phase was.
			m := dashboard.Mark{Start: dashboard.Seconds(a), End: dashboard.Seconds(b), Label: phase, Pass: p.Pass,
				NotJudged: phase == phaseAfterRollback, NoData: p.Value == nil}
			if p.Value != nil {
				m.Value = *p.Value
			}
			pi.marks = append(pi.marks, m)
		}
	}
	for _, p := range j.Before {
		note("before", p)
	}
	for _, p := range j.After {
		note("after", p)
	}
	if j.GuardBreach != nil {
		note("guard", j.GuardBreach.Probe)
	}
	for _, p := range j.AfterRollback {
		note(phaseAfterRollback, p)
	}
	compiled := map[string]experiments.CompiledProbe{}
	for _, p := range compiledProbes(run.Compiled) {
		compiled[p.Name] = p
	}
	sets := map[string]QuerySet{}
	if s != nil {
		for _, q := range s.Probes {
			sets[q.Name] = q
			if info[q.Name] == nil {
				info[q.Name] = &probeInfo{}
				names = append(names, q.Name)
			}
		}
	}
	for i, name := range names {
		pi := info[name]
		w := dashboard.WidgetView{ID: "p" + strconv.Itoa(i), Type: "metric", View: "timeSeries", Width: 12, Height: 7,
			Title: name, Lines: []dashboard.LineView{}}
		rolled := 0 // the probe's window, when its rolling total is drawn
		if set, ok := sets[name]; ok {
			w.Period = set.Period
			results := set.Results
			total := set.Total // the series' own record; one saved before it was kept: the experiment's
			if total == nil {
				total = probeTotal(compiled[name])
			}
			if r, win, ok := windowTotal(total, set); ok {
				results, rolled = append(slices.Clip(results), r), win
			}
			var lines []dashboard.Line
			for _, r := range results {
				lines = append(lines, dashboard.Line{ID: r.ID, Label: r.Label, Visible: true, Axis: "left"})
			}
			w.SetResults(dashboard.Widget{Lines: lines}, results)
			w.Error = set.Error
		}
		if pi.tolerance.Text != "" {
			w.Bands = []dashboard.Band{{Min: pi.tolerance.Min, Max: pi.tolerance.Max, Label: "tolerance " + pi.tolerance.Text}}
			// The probe's value (the marks, and the band it is judged against) is of its whole
			// window; the line is at the chart's shorter period: a Sum reads smaller on the line.
			w.Note = "tolerance " + pi.tolerance.Text + ", judged over each measured window (the marks)"
			if w.Period > 0 {
				w.Note += fmt.Sprintf("; the line per %d s", w.Period)
			}
			if rolled > 0 {
				// The probe's window before the fault; the windows after it and after the rollback
				// are the pause's and the recovery's, whose totals are the marks.
				w.Note += fmt.Sprintf(", and its total over the last %d s (the probe's window before the fault) beside it", rolled)
			}
		}
		w.Marks = pi.marks
		v.Probes.Widgets = append(v.Probes.Widgets, w)
	}

	var dashes []DashboardSeries
	if s != nil {
		dashes = s.Dashboards
	} else {
		for _, d := range run.Dashboards {
			dashes = append(dashes, DashboardSeries{Name: d.Name, Body: d.Body})
		}
	}
	for _, d := range dashes {
		body, err := dashboard.Parse(d.Body)
		if body == nil {
			v.Dashboards = append(v.Dashboards, dashboard.View{Title: d.Name + " (body not readable: " + err.Error() + ")",
				Start: dashboard.Seconds(start), End: dashboard.Seconds(end), Faults: []dashboard.FaultSpan{}, Widgets: []dashboard.WidgetView{}})
			continue
		}
		byWidget := map[int]QuerySet{}
		for _, q := range d.Widgets {
			byWidget[q.Widget] = q
		}
		var replay dashboard.QueryFunc
		if s != nil {
			replay = func(i int, _ []dashboard.Query, _, _ time.Time) ([]dashboard.Result, error) {
				q, ok := byWidget[i]
				if !ok {
					return nil, errors.New("no data was fetched for this widget")
				}
				if q.Error != "" {
					return q.Results, errors.New(q.Error)
				}
				return q.Results, nil
			}
		}
		v.Dashboards = append(v.Dashboards, dashboard.BuildView(d.Name, body, start, end, faults, replay))
	}
	return v
}

// jsonData is the views as JSON for a <script type="application/json"> element (json.Marshal
// escapes <, > and &, so the text cannot end the element).
func jsonData(v views) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// probeTotal is what a probe that totals one metric over its window (a Sum or SampleCount, no
// expression) reads; nil for any other probe.
func probeTotal(p experiments.CompiledProbe) *Total {
	if len(p.MetricDataQueries) != 1 {
		return nil
	}
	ms := p.MetricDataQueries[0].MetricStat
	if ms == nil || ms.Stat != "Sum" && ms.Stat != "SampleCount" {
		return nil
	}
	return &Total{Stat: ms.Stat, WindowSeconds: p.WindowSeconds}
}

// windowTotal is the line a probe that reads total (probeTotal) reads at each point of its
// chart: the total of the chart's periods over the probe's window up to that point. The chart's
// own line is per period, smaller than the tolerance it is judged by by the ratio of the two;
// this one is on the tolerance's scale. ok is false without a total, or for a window not longer
// than the chart's period.
func windowTotal(total *Total, set QuerySet) (r dashboard.Result, window int, ok bool) {
	if total == nil || len(set.Results) != 1 || set.Period <= 0 || total.WindowSeconds <= set.Period {
		return r, 0, false
	}
	src := set.Results[0]
	if len(src.Timestamps) != len(src.Values) {
		return r, 0, false
	}
	type point struct {
		t time.Time
		v float64
	}
	pts := make([]point, len(src.Values))
	for i, v := range src.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0 // a point without a number adds nothing, then or later
		}
		pts[i] = point{src.Timestamps[i], v}
	}
	slices.SortFunc(pts, func(a, b point) int { return a.t.Compare(b.t) })
	period, win := time.Duration(set.Period)*time.Second, time.Duration(total.WindowSeconds)*time.Second
	r = dashboard.Result{ID: src.ID + "_window", Label: fmt.Sprintf("%s over %d s", total.Stat, total.WindowSeconds)}
	from, sum := 0, 0.0
	for i, pt := range pts {
		sum += pt.v
		// A point stamped t covers [t, t+period): the window ending with it starts at t+period-win.
		for pts[from].t.Before(pt.t.Add(period - win)) {
			sum -= pts[from].v
			from++
		}
		r.Timestamps = append(r.Timestamps, pts[i].t)
		r.Values = append(r.Values, sum)
	}
	return r, total.WindowSeconds, true
}
