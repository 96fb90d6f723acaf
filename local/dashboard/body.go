package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Body is a parsed CloudWatch dashboard body (the DashboardBody JSON of an
// AWS::CloudWatch::Dashboard, or GetDashboard's answer).
type Body struct {
	// Start is the body's default time range ("-PT1H"), as written; the page has its own selector.
	Start   string
	Widgets []Widget
}

// Widget is one widget of a body. Only what the page draws is parsed; Properties keeps the rest.
type Widget struct {
	// Type is the widget type: metric, text, alarm, log, explorer, custom, ...
	Type string
	// X, Y, Width, Height place the widget on CloudWatch's 24-column grid. Placed is false when the
	// body gave no x and y (CloudWatch then flows the widget into the next free place).
	X, Y, Width, Height int
	Placed              bool
	Title               string
	// View of a metric widget: timeSeries (default), singleValue, bar, pie, gauge or table.
	View    string
	Stacked bool
	// Period of a metric widget in seconds. Default: 300 (CloudWatch's).
	Period int
	// Stat of the metric lines that name none. Default: Average (CloudWatch's).
	Stat string
	// SetPeriodToTimeRange: a single value computed over the whole range shown.
	SetPeriodToTimeRange bool
	Lines                []Line
	YAxis                YAxes
	Horizontal           []Annotation
	Vertical             []Annotation
	// Markdown of a text widget.
	Markdown   string
	Properties json.RawMessage
}

// Line is one entry of a metric widget's "metrics" array: a metric or a math expression.
type Line struct {
	// ID is the line's id in the widget: as given, else m<N> for a metric and e<N> for an
	// expression (N its position), as the console names them.
	ID         string
	Label      string
	Expression string
	Namespace  string
	MetricName string
	// Dimensions in the order written, as name/value pairs.
	Dimensions []Dimension
	Stat       string
	Period     int // seconds; 0: the widget's
	Visible    bool
	// Axis is "left" or "right".
	Axis  string
	Color string
}

// Dimension is a metric dimension.
type Dimension struct{ Name, Value string }

// YAxes are a graph's axis settings.
type YAxes struct {
	Left  Axis `json:"left"`
	Right Axis `json:"right"`
}

// Axis is one y axis's settings; nil bounds are automatic.
type Axis struct {
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
	Label string   `json:"label,omitempty"`
}

// Annotation is a horizontal (Value) or vertical (Time, RFC 3339) annotation of a graph.
type Annotation struct {
	Value float64 `json:"value"`
	Time  string  `json:"time,omitempty"`
	Label string  `json:"label,omitempty"`
	Color string  `json:"color,omitempty"`
	// Fill is "above", "below" or "" (a line only).
	Fill string `json:"fill,omitempty"`
}

// DefaultPeriod and DefaultStat are CloudWatch's defaults for a metric widget.
const (
	DefaultPeriod = 300
	DefaultStat   = "Average"
)

// Parse parses a dashboard body. Widgets of any type are kept; a metric widget's lines are parsed,
// with CloudWatch's shorthand: "." repeats the previous line's value at that position, "..." the
// rest of the previous line's namespace, name and dimensions.
func Parse(body string) (*Body, error) {
	var raw struct {
		Start   string `json:"start"`
		Widgets []struct {
			Type       string          `json:"type"`
			X          *int            `json:"x"`
			Y          *int            `json:"y"`
			Width      int             `json:"width"`
			Height     int             `json:"height"`
			Properties json.RawMessage `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		return nil, fmt.Errorf("dashboard body: %w", err)
	}
	b := &Body{Start: raw.Start}
	var errs []error
	for i, rw := range raw.Widgets {
		w := Widget{Type: rw.Type, Width: rw.Width, Height: rw.Height, Properties: rw.Properties}
		// CloudWatch's defaults: 6 wide, 6 high.
		if w.Width <= 0 {
			w.Width = 6
		}
		if w.Width > 24 {
			w.Width = 24
		}
		if w.Height <= 0 {
			w.Height = 6
		}
		if rw.X != nil && rw.Y != nil {
			w.X, w.Y, w.Placed = *rw.X, *rw.Y, true
		}
		if err := w.parseProperties(); err != nil {
			errs = append(errs, fmt.Errorf("widgets[%d] (%s): %w", i, rw.Type, err))
		}
		b.Widgets = append(b.Widgets, w)
	}
	return b, errors.Join(errs...)
}

func (w *Widget) parseProperties() error {
	var p struct {
		Title                string            `json:"title"`
		View                 string            `json:"view"`
		Stacked              bool              `json:"stacked"`
		Period               json.Number       `json:"period"`
		Stat                 string            `json:"stat"`
		SetPeriodToTimeRange bool              `json:"setPeriodToTimeRange"`
		Markdown             string            `json:"markdown"`
		Metrics              []json.RawMessage `json:"metrics"`
		YAxis                struct {
			Left, Right struct {
				Min   *float64 `json:"min"`
				Max   *float64 `json:"max"`
				Label string   `json:"label"`
			}
		} `json:"yAxis"`
		Annotations struct {
			Horizontal []json.RawMessage `json:"horizontal"`
			Vertical   []json.RawMessage `json:"vertical"`
		} `json:"annotations"`
	}
	if len(w.Properties) > 0 {
		if err := json.Unmarshal(w.Properties, &p); err != nil {
			return fmt.Errorf("properties: %w", err)
		}
	}
	w.Title, w.View, w.Stacked, w.Stat, w.Markdown = p.Title, p.View, p.Stacked, p.Stat, p.Markdown
	w.SetPeriodToTimeRange = p.SetPeriodToTimeRange
	w.YAxis.Left = Axis{Min: p.YAxis.Left.Min, Max: p.YAxis.Left.Max, Label: p.YAxis.Left.Label}
	w.YAxis.Right = Axis{Min: p.YAxis.Right.Min, Max: p.YAxis.Right.Max, Label: p.YAxis.Right.Label}
	if w.Type != "metric" {
		return nil
	}
	if w.View == "" {
		w.View = "timeSeries"
	}
	if w.Stat == "" {
		w.Stat = DefaultStat
	}
	w.Period = DefaultPeriod
	if p.Period != "" {
		n, err := strconv.Atoi(string(p.Period))
		if err != nil || n <= 0 {
			return fmt.Errorf("period %s: want a positive whole number of seconds", p.Period)
		}
		w.Period = n
	}
	for _, a := range p.Annotations.Horizontal {
		if an, ok := annotation(a, false); ok {
			w.Horizontal = append(w.Horizontal, an)
		}
	}
	for _, a := range p.Annotations.Vertical {
		if an, ok := annotation(a, true); ok {
			w.Vertical = append(w.Vertical, an)
		}
	}
	return w.parseLines(p.Metrics)
}

// annotation reads {"value": ..., "label", "color", "fill"}; CloudWatch also allows a band
// ([{...}, {...}]), whose first bound is kept.
func annotation(raw json.RawMessage, vertical bool) (Annotation, bool) {
	var a struct {
		Value                    json.RawMessage `json:"value"`
		Label, Color, Fill, Time string
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		var band []json.RawMessage
		if json.Unmarshal(raw, &band) != nil || len(band) == 0 {
			return Annotation{}, false
		}
		return annotation(band[0], vertical)
	}
	out := Annotation{Label: a.Label, Color: a.Color, Fill: a.Fill}
	if vertical {
		if json.Unmarshal(a.Value, &out.Time) != nil {
			return Annotation{}, false
		}
		return out, true
	}
	if json.Unmarshal(a.Value, &out.Value) != nil {
		return Annotation{}, false
	}
	return out, true
}

// parseLines reads a metric widget's metrics array: each entry is
// [namespace, name, dimName, dimValue, ..., {options}] or [{"expression": ...}].
func (w *Widget) parseLines(metrics []json.RawMessage) error {
	var prev []string
	used := map[string]bool{}
	var errs []error
	for i, raw := range metrics {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			errs = append(errs, fmt.Errorf("metrics[%d]: want an array: %w", i, err))
			continue
		}
		var opts struct {
			ID, Label, Expression, Stat, Color string
			YAxis                              string `json:"yAxis"`
			Period                             int
			Visible                            *bool
		}
		var words []string
		for j, it := range items {
			var s string
			if json.Unmarshal(it, &s) == nil {
				words = append(words, s)
				continue
			}
			if j != len(items)-1 || json.Unmarshal(it, &opts) != nil {
				errs = append(errs, fmt.Errorf("metrics[%d][%d]: want a string, or the options object last", i, j))
			}
		}
		words = expand(words, prev)
		l := Line{ID: opts.ID, Label: opts.Label, Expression: opts.Expression, Stat: opts.Stat, Period: opts.Period,
			Visible: opts.Visible == nil || *opts.Visible, Axis: "left", Color: opts.Color}
		if opts.YAxis == "right" {
			l.Axis = "right"
		}
		if l.Expression == "" {
			if len(words) < 2 || len(words)%2 != 0 {
				errs = append(errs, fmt.Errorf("metrics[%d]: want namespace, metric name and dimension name/value pairs, got %q", i, words))
				continue
			}
			l.Namespace, l.MetricName = words[0], words[1]
			for k := 2; k+1 < len(words); k += 2 {
				l.Dimensions = append(l.Dimensions, Dimension{Name: words[k], Value: words[k+1]})
			}
			prev = words
		}
		if l.Stat == "" {
			l.Stat = w.Stat
		}
		if l.Period == 0 {
			l.Period = w.Period
		}
		if l.ID != "" {
			used[l.ID] = true
		}
		w.Lines = append(w.Lines, l)
	}
	// Lines without an id get the console's m<N>/e<N>, skipping ids the body already uses.
	for i := range w.Lines {
		l := &w.Lines[i]
		if l.ID != "" {
			continue
		}
		prefix := "m"
		if l.Expression != "" {
			prefix = "e"
		}
		for n := i + 1; ; n++ {
			if id := prefix + strconv.Itoa(n); !used[id] {
				l.ID, used[id] = id, true
				break
			}
		}
	}
	return errors.Join(errs...)
}

// expand applies the shorthand: "." takes the previous line's word at that position; "..."
// takes the previous line's words up to where the words after it take over
// (["...", "i-2"] after ["AWS/EC2", "CPUUtilization", "InstanceId", "i-1"] changes the last one).
func expand(words, prev []string) []string {
	var out []string
	for i, s := range words {
		switch {
		case s == "...":
			if end := len(prev) - (len(words) - i - 1); end > len(out) {
				out = append(out, prev[len(out):end]...)
			}
		case s == "." && len(out) < len(prev):
			out = append(out, prev[len(out)])
		default:
			out = append(out, s)
		}
	}
	return out
}

// Query is one GetMetricData query of a widget, in neither SDK's types: the live page turns it
// into the local CloudWatch's Query, the report into the SDK's MetricDataQuery.
type Query struct {
	ID, Label, Expression string
	Namespace, MetricName string
	Dimensions            []Dimension
	Stat                  string
	Period                int // seconds; set for metrics
	ReturnData            bool
}

// Queries are the widget's lines as GetMetricData queries, with every metric's period replaced
// by period (seconds; 0 keeps each line's own). Hidden lines are evaluated (expressions may use
// them) but not returned, as on the console.
func (w Widget) Queries(period int) []Query {
	out := make([]Query, 0, len(w.Lines))
	for _, l := range w.Lines {
		q := Query{ID: l.ID, Label: l.Label, Expression: l.Expression, ReturnData: l.Visible}
		if l.Expression == "" {
			q.Namespace, q.MetricName, q.Dimensions, q.Stat, q.Period = l.Namespace, l.MetricName, l.Dimensions, l.Stat, l.Period
			if period > 0 {
				q.Period = period
			}
		}
		if q.Label == "" {
			q.Label = l.MetricName
			if l.Expression != "" {
				q.Label = l.Expression
			}
		}
		out = append(out, q)
	}
	return out
}

// periods CloudWatch accepts below a minute (high resolution); above, whole minutes.
var shortPeriods = []int{1, 5, 10, 30}

// GraphPeriod is the period a graph of the widget uses over a range of rangeSeconds: the
// widget's period, or the longest period CloudWatch accepts (1, 5, 10, 30 s, whole minutes)
// that still puts MinPoints points in the range, when that is shorter. A local run lasts minutes:
// at the seed's 300 s a graph would hold one point.
func GraphPeriod(period, rangeSeconds int) int {
	if period <= 0 {
		period = DefaultPeriod
	}
	want := rangeSeconds / MinPoints
	if want >= period {
		return period
	}
	if want < 60 {
		best := 1
		for _, p := range shortPeriods {
			if p <= want {
				best = p
			}
		}
		return best
	}
	return want / 60 * 60
}

// MinPoints is how many points a graph should hold at least over the range shown.
const MinPoints = 24

// WidgetPeriod is the period of the widget's queries over a range of rangeSeconds: GraphPeriod
// for graphs; for a single value, the whole range when the body says setPeriodToTimeRange (as
// a period CloudWatch takes: 1, 5, 10, 30 or a multiple of 60 seconds, the range or just over it)
// and the widget's own period otherwise (its number is the last datapoint at that period).
func (w Widget) WidgetPeriod(rangeSeconds int) int {
	if w.View == "timeSeries" {
		return GraphPeriod(w.Period, rangeSeconds)
	}
	if w.WholeRange() && rangeSeconds > 0 {
		for _, p := range []int{1, 5, 10, 30} {
			if rangeSeconds <= p {
				return p
			}
		}
		return (rangeSeconds + 59) / 60 * 60
	}
	return 0
}

// WholeRange reports whether the widget's number sums up the whole range shown (a single value
// with setPeriodToTimeRange): its one period starts at the range's start, not at a multiple of
// the period, or the number would be of a part of the range.
func (w Widget) WholeRange() bool { return w.View != "timeSeries" && w.SetPeriodToTimeRange }

// Describe names the widget for placeholders and errors: its type, view and title.
func (w Widget) Describe() string {
	s := w.Type
	if w.View != "" && w.Type == "metric" {
		s += " (" + w.View + ")"
	}
	if w.Title != "" {
		s += " " + strconv.Quote(w.Title)
	}
	return strings.TrimSpace(s)
}
