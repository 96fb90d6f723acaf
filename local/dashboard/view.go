package dashboard

import (
	"cmp"
	"math"
	"sort"
	"strings"
	"time"
)

// View is what the widget renderer (web/widgets.js) draws: a dashboard's widgets with their data
// over one time range, and the fault windows to shade. The live page fetches one every few
// seconds; a report inlines one per dashboard. Times are Unix seconds.
type View struct {
	Title   string       `json:"title"`
	Start   float64      `json:"start"`
	End     float64      `json:"end"`
	Faults  []FaultSpan  `json:"faults"`
	Widgets []WidgetView `json:"widgets"`
}

// FaultSpan is a FaultWindow in the view's units; End is the view's end while the fault is on.
type FaultSpan struct {
	Start     float64 `json:"start"`
	End       float64 `json:"end"`
	Parameter string  `json:"parameter"`
	Summary   string  `json:"summary"`
	Words     string  `json:"words,omitempty"` // FaultWindow.Words
	Ongoing   bool    `json:"ongoing"`
}

// WidgetView is one widget and its data.
type WidgetView struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	X      int    `json:"x"`
	Y      int    `json:"y"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Placed bool   `json:"placed"`
	Title  string `json:"title"`
	// View, Stacked, Period (seconds), Lines, YAxis and the annotations are for metric widgets.
	View       string       `json:"view,omitempty"`
	Stacked    bool         `json:"stacked,omitempty"`
	Period     int          `json:"period,omitempty"`
	Lines      []LineView   `json:"lines,omitempty"`
	YAxis      YAxes        `json:"yAxis"`
	Horizontal []Annotation `json:"horizontal,omitempty"`
	Vertical   []Annotation `json:"vertical,omitempty"`
	// Bands are shaded value ranges (a probe's tolerance); Marks are measured values drawn over
	// their window (a probe's value in each phase).
	Bands []Band `json:"bands,omitempty"`
	Marks []Mark `json:"marks,omitempty"`
	// HTML is a text widget's markdown, rendered (raw HTML and images left out).
	HTML string `json:"html,omitempty"`
	// Error says why the widget has no data (a failed query); Note adds a remark under its title.
	Error string `json:"error,omitempty"`
	Note  string `json:"note,omitempty"`
	// NoData names the widget's lines with no datapoint in the range (SetResults), so the page
	// can say which metric is missing: a line without points has nothing in the legend to show.
	NoData []string `json:"noData,omitempty"`
}

// LineView is one returned line: T[i] (Unix seconds) and V[i] are a datapoint, oldest first.
type LineView struct {
	ID    string    `json:"id"`
	Label string    `json:"label"`
	Color string    `json:"color"`
	Axis  string    `json:"axis"`
	T     []float64 `json:"t"`
	V     []float64 `json:"v"`
}

// Band is a shaded range of values [Min, Max].
type Band struct {
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Label string  `json:"label"`
}

// Mark is a value measured over [Start, End], drawn as a segment.
type Mark struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	Value float64 `json:"value"`
	Label string  `json:"label"`
	Pass  bool    `json:"pass"`
	// NotJudged marks a value recorded but not judged (a report's after-rollback probes): drawn
	// neither as a pass nor as a failure.
	NotJudged bool `json:"notJudged,omitempty"`
	// NoData marks a window measured with no value (Value is meaningless): drawn along the
	// bottom of the chart, labelled "no data".
	NoData bool `json:"noData,omitempty"`
}

// Result is one query's answer, in neither SDK's types.
type Result struct {
	ID         string      `json:"id"`
	Label      string      `json:"label"`
	Timestamps []time.Time `json:"timestamps"`
	Values     []float64   `json:"values"`
}

// Palette is CloudWatch's default line colours, in order.
var Palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// Seconds converts a time to the view's unit.
func Seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// NewWidgetView is the widget without data: layout, title, settings, a text widget's HTML.
// id names it on the page ("w0", ...); period is the period its queries use (0: the body's).
func NewWidgetView(id string, w Widget, period int) WidgetView {
	v := WidgetView{ID: id, Type: w.Type, X: w.X, Y: w.Y, Width: w.Width, Height: w.Height, Placed: w.Placed,
		Title: w.Title, YAxis: w.YAxis}
	switch w.Type {
	case "metric":
		v.View, v.Stacked, v.Horizontal, v.Vertical = w.View, w.Stacked, w.Horizontal, w.Vertical
		v.Period = period
		if period == 0 {
			v.Period = w.Period
		}
	case "text":
		v.HTML = Markdown(w.Markdown)
	}
	return v
}

// SetResults fills the widget's lines from query results: each result takes its line's label,
// colour and axis from the widget (matched by id). Non-finite values are dropped.
func (v *WidgetView) SetResults(w Widget, results []Result) {
	lines := map[string]Line{}
	color := map[string]string{}
	n := 0
	for _, l := range w.Lines {
		lines[l.ID] = l
		if !l.Visible {
			continue
		}
		color[l.ID] = l.Color
		if color[l.ID] == "" {
			color[l.ID] = Palette[n%len(Palette)]
		}
		n++
	}
	v.Lines = v.Lines[:0]
	for _, r := range results {
		l, ok := lines[r.ID]
		lv := LineView{ID: r.ID, Label: r.Label, Color: color[r.ID], Axis: "left", T: []float64{}, V: []float64{}}
		if ok {
			lv.Axis = l.Axis
			if l.Label != "" {
				lv.Label = l.Label
			}
		}
		if lv.Color == "" {
			lv.Color = Palette[len(v.Lines)%len(Palette)]
		}
		type pt struct{ t, v float64 }
		pts := make([]pt, 0, len(r.Values))
		for i, x := range r.Values {
			if i < len(r.Timestamps) && !math.IsNaN(x) && !math.IsInf(x, 0) {
				pts = append(pts, pt{Seconds(r.Timestamps[i]), x})
			}
		}
		sort.Slice(pts, func(i, j int) bool { return pts[i].t < pts[j].t })
		for _, p := range pts {
			lv.T = append(lv.T, p.t)
			lv.V = append(lv.V, p.v)
		}
		v.Lines = append(v.Lines, lv)
	}
	distinctLabels(w, v.Lines)
	v.NoData = noData(w, results, v.Lines)
}

// distinctLabels tells apart lines that would share a label in the legend: metrics the body
// gave no label, of one name ("..." repeats a metric with other dimensions), are named after their
// dimensions' values, and their statistic when that differs among them ("NumberOfMessagesSent
// (ChaosLab-JsonQueue)"); when that still leaves two alike (the same values under other dimension
// names, or other namespaces), after their namespace and dimensions in full. A label the body gave
// is kept as written.
func distinctLabels(w Widget, lines []LineView) {
	byID := map[string]Line{}
	for _, l := range w.Lines {
		byID[l.ID] = l
	}
	same := map[string][]int{}
	for i, l := range lines {
		same[l.Label] = append(same[l.Label], i)
	}
	for _, group := range same {
		if len(group) < 2 {
			continue
		}
		var renamed []int // the group's unlabelled metric lines
		stats := map[string]bool{}
		for _, i := range group {
			if l, ok := byID[lines[i].ID]; ok && l.Label == "" && l.Expression == "" {
				renamed = append(renamed, i)
				stats[l.Stat] = true
			}
		}
		describe := func(l Line, full bool) string {
			var parts []string
			if full {
				parts = append(parts, l.Namespace)
			}
			for _, d := range l.Dimensions {
				if full {
					parts = append(parts, d.Name+"="+d.Value)
				} else {
					parts = append(parts, d.Value)
				}
			}
			if len(stats) > 1 && l.Stat != "" {
				parts = append(parts, l.Stat)
			}
			if len(parts) == 0 {
				return ""
			}
			return " (" + strings.Join(parts, ", ") + ")"
		}
		for _, full := range []bool{false, true} {
			seen, alike := map[string]bool{}, false
			for _, i := range renamed {
				d := describe(byID[lines[i].ID], full)
				alike = alike || seen[d]
				seen[d] = true
			}
			if !alike || full {
				for _, i := range renamed {
					lines[i].Label += describe(byID[lines[i].ID], full)
				}
				break
			}
		}
	}
}

// noData names the visible lines of w (or, for lines w does not name, the results) that have
// no point in lines: by their label, else their metric or expression, else their id.
func noData(w Widget, results []Result, lines []LineView) []string {
	points := map[string]int{}
	labels := map[string]string{} // as the legend names them (distinctLabels)
	for _, l := range lines {
		points[l.ID] += len(l.V)
		labels[l.ID] = l.Label
	}
	var out []string
	named := map[string]bool{}
	for _, l := range w.Lines {
		named[l.ID] = true
		if !l.Visible || points[l.ID] > 0 {
			continue
		}
		name := cmp.Or(l.Label, labels[l.ID])
		for _, r := range results {
			if name == "" && r.ID == l.ID {
				name = r.Label
			}
		}
		if name == "" {
			name = cmp.Or(l.MetricName, l.Expression, l.ID)
		}
		out = append(out, name)
	}
	for _, r := range results {
		if !named[r.ID] && points[r.ID] == 0 {
			out = append(out, cmp.Or(r.Label, r.ID))
		}
	}
	return out
}

// Spans converts fault windows for a view ending at end (a window still on ends there).
func Spans(ws []FaultWindow, end time.Time) []FaultSpan {
	out := []FaultSpan{}
	for _, w := range ws {
		s := FaultSpan{Start: Seconds(w.Start), Parameter: w.Parameter, Summary: w.Summary, Words: w.Words}
		if w.End.IsZero() || w.End.After(end) {
			s.End, s.Ongoing = Seconds(end), w.End.IsZero() || w.End.After(end)
		} else {
			s.End = Seconds(w.End)
		}
		out = append(out, s)
	}
	return out
}
