package dashboard

import (
	"cmp"
	"html"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseTheLabBody(t *testing.T) {
	// GIVEN the body the lab's dashboard construct synthesizes (resolved names)
	raw, err := os.ReadFile("testdata/lab-body.json")
	if err != nil {
		t.Fatal(err)
	}
	// WHEN it is parsed
	b, err := Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	// THEN every widget is there, placed, with its lines
	if len(b.Widgets) != 14 || b.Start != "-PT1H" {
		t.Fatalf("%d widgets, start %q; want 14, -PT1H", len(b.Widgets), b.Start)
	}
	w := b.Widgets[0]
	if w.Type != "metric" || w.View != "timeSeries" || w.Title != "In flight %" || w.X != 0 || w.Y != 0 || w.Width != 8 || w.Height != 6 || !w.Placed || w.Period != 300 {
		t.Errorf("widget 0 = %+v", w)
	}
	if len(w.Lines) != 4 || w.Lines[0].Expression == "" || w.Lines[0].ID != "e1" || !w.Lines[0].Visible {
		t.Fatalf("widget 0 lines = %+v", w.Lines)
	}
	if l := w.Lines[1]; l.ID != "csvSent" || l.Visible || l.Namespace != "AWS/SQS" || l.MetricName != "NumberOfMessagesSent" ||
		len(l.Dimensions) != 1 || l.Dimensions[0] != (Dimension{"QueueName", "ChaosLab-CsvQueue"}) || l.Stat != "Sum" || l.Period != 300 {
		t.Errorf("widget 0 line 1 = %+v", l)
	}
	if b.Widgets[3].View != "singleValue" || b.Widgets[3].X != 0 || b.Widgets[3].Y != 6 {
		t.Errorf("widget 3 = %+v", b.Widgets[3])
	}
	eq := b.Widgets[10]
	if eq.Title != "Error queue" || eq.Lines[1].Axis != "right" || eq.Lines[0].Axis != "left" || eq.Lines[0].Stat != "Maximum" {
		t.Errorf("error queue widget = %+v", eq)
	}
	// A line without a stat takes the widget's (CloudWatch's default, Average).
	if d := b.Widgets[11]; d.Lines[0].Stat != "Average" || d.Lines[0].ID != "m1" {
		t.Errorf("duration widget line 0 = %+v", d.Lines[0])
	}

	// AND the queries evaluate hidden lines without returning them, at the period asked
	qs := w.Queries(10)
	if len(qs) != 4 || !qs[0].ReturnData || qs[1].ReturnData || qs[1].Period != 10 || qs[0].Period != 0 || qs[0].Label != "In flight %" {
		t.Errorf("queries = %+v", qs)
	}
}

func TestParseShorthandOptionsAndOtherTypes(t *testing.T) {
	body := `{"widgets":[
	 {"type":"metric","x":0,"y":0,"width":12,"height":4,"properties":{"title":"CPU","stacked":true,"period":60,"stat":"Maximum",
	  "metrics":[["AWS/EC2","CPUUtilization","InstanceId","i-1",{"id":"a"}],["...","i-2"],[".",".",".","i-3",{"yAxis":"right","color":"#123456","label":"third"}],["AWS/EC2","NetworkIn","InstanceId","i-1"]],
	  "yAxis":{"left":{"min":0,"max":100,"label":"%"}},
	  "annotations":{"horizontal":[{"value":80,"label":"hot"}],"vertical":[{"value":"2026-01-01T00:00:00Z","label":"deploy"}]}}},
	 {"type":"text","width":24,"height":2,"properties":{"markdown":"## Notes\n<script>alert(1)</script>\n\n![logo](http://example.com/x.png) **bold** <b>raw</b>"}},
	 {"type":"log","x":0,"y":6,"width":6,"height":6,"properties":{"query":"fields @message"}},
	 {"type":"metric","properties":{"view":"gauge","metrics":[["NS","M"]]}}
	]}`
	b, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	w := b.Widgets[0]
	if !w.Stacked || w.Period != 60 || w.Stat != "Maximum" || len(w.Lines) != 4 {
		t.Fatalf("widget = %+v", w)
	}
	want := []string{"i-1", "i-2", "i-3", "i-1"}
	ids := []string{"a", "m2", "m3", "m4"}
	for i, l := range w.Lines {
		if l.Namespace != "AWS/EC2" || len(l.Dimensions) != 1 || l.Dimensions[0].Value != want[i] || l.ID != ids[i] {
			t.Errorf("line %d = %+v, want InstanceId %s id %s", i, l, want[i], ids[i])
		}
	}
	if l := w.Lines[2]; l.Axis != "right" || l.Color != "#123456" || l.Label != "third" || l.MetricName != "CPUUtilization" {
		t.Errorf("line 2 = %+v", l)
	}
	if w.YAxis.Left.Min == nil || *w.YAxis.Left.Max != 100 || w.YAxis.Left.Label != "%" {
		t.Errorf("yAxis = %+v", w.YAxis)
	}
	if len(w.Horizontal) != 1 || w.Horizontal[0].Value != 80 || len(w.Vertical) != 1 || w.Vertical[0].Time != "2026-01-01T00:00:00Z" {
		t.Errorf("annotations = %+v %+v", w.Horizontal, w.Vertical)
	}
	text := b.Widgets[1]
	if text.Placed || text.Width != 24 {
		t.Errorf("text widget = %+v", text)
	}
	html := Markdown(text.Markdown)
	if !strings.Contains(html, "<h2>Notes</h2>") || strings.Contains(html, "<script") || strings.Contains(html, "<b>") || strings.Contains(html, "<img") ||
		!strings.Contains(html, "[image: logo]") || !strings.Contains(html, "<strong>bold</strong>") {
		t.Errorf("markdown = %s", html)
	}
	if b.Widgets[2].Type != "log" || b.Widgets[2].Describe() != "log" {
		t.Errorf("log widget = %+v", b.Widgets[2])
	}
	if g := b.Widgets[3]; g.View != "gauge" || g.Width != 6 || g.Height != 6 || g.Lines[0].Stat != "Average" || g.Period != 300 {
		t.Errorf("gauge widget = %+v", g)
	}
}

func TestParseReportsBadLinesAndKeepsTheRest(t *testing.T) {
	b, err := Parse(`{"widgets":[{"type":"metric","properties":{"metrics":[["OnlyNamespace"],["NS","M"]]}},{"type":"text","properties":{"markdown":"x"}}]}`)
	if err == nil || !strings.Contains(err.Error(), "widgets[0]") {
		t.Errorf("err = %v, want one naming widgets[0]", err)
	}
	if b == nil || len(b.Widgets) != 2 || len(b.Widgets[0].Lines) != 1 {
		t.Errorf("body = %+v, want both widgets and the good line", b)
	}
	if _, err := Parse("not json"); err == nil {
		t.Error("Parse(not json) = nil error")
	}
}

func TestGraphPeriod(t *testing.T) {
	for _, c := range []struct{ period, rng, want int }{
		{300, 60, 1},     // one minute: 1 s points
		{300, 300, 10},   // 5 min: 30 points of 10 s
		{300, 900, 30},   // 15 min: 30 points of 30 s
		{300, 7200, 300}, // 2 h: the body's period holds enough points
		{60, 3600, 60},   // never longer than the body's
		{300, 3000, 120}, // whole minutes above a minute
		{0, 300, 10},     // the default period, 300
	} {
		if got := GraphPeriod(c.period, c.rng); got != c.want {
			t.Errorf("GraphPeriod(%d, %d) = %d, want %d", c.period, c.rng, got, c.want)
		}
	}
}

// A text widget's links lead to http, https, mailto or a relative address; any other scheme, however
// spelled, is drawn as its text (a report allows inline script: a javascript: link there would run).
func TestMarkdownLinks(t *testing.T) {
	for _, tt := range []struct {
		src, want, not string
	}{
		{src: "[runbook](https://example.com/a?b=1&c=2)", want: `<a href="https://example.com/a?b=1&amp;c=2">runbook</a>`},
		{src: `[docs](../docs/labs/README.md "the labs")`, want: `<a href="../docs/labs/README.md" title="the labs">docs</a>`},
		{src: "<https://example.com/x>", want: `<a href="https://example.com/x">https://example.com/x</a>`},
		{src: "write to <ops@example.com>", want: `<a href="mailto:ops@example.com">ops@example.com</a>`},
		{src: "www.example.com", want: `<a href="http://www.example.com">www.example.com</a>`},
		{src: "[x](javascript:alert(1))", want: "<p>x</p>", not: "<a"},
		{src: "<javascript:alert(1)>", want: "javascript:alert(1)", not: "<a"},
		{src: "[x](&#106;avascript:alert(1))", want: "<p>x</p>", not: "<a"},
		{src: "[x](JavaScript&#58;alert(1))", want: "<p>x</p>", not: "<a"},
		{src: "[x](data:text/html;base64,PHNjcmlwdD4=)", want: "<p>x</p>", not: "<a"},
		{src: "[x](vbscript:msgbox)", want: "<p>x</p>", not: "<a"},
	} {
		got := Markdown(tt.src)
		if !strings.Contains(got, tt.want) || tt.not != "" && strings.Contains(got, tt.not) {
			t.Errorf("Markdown(%q) = %q, want it to hold %q and not %q", tt.src, got, tt.want, tt.not)
		}
	}
}

// FuzzMarkdown: whatever a text widget holds, its HTML has no script, no raw HTML from the source,
// and no link whose address (as the browser reads the attribute) runs code.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"[x](javascript:alert(1))", "<javascript:alert(1)>", "[x](&#106;avascript:1)", "www.example.com",
		"<b>raw</b> <script>x</script>", "[a](https://example.com \"t\")", "![i](http://x/y.png)", "| a | b |\n|---|---|\n| 1 | 2 |"} {
		f.Add(s)
	}
	href := regexp.MustCompile(`(?i)\shref="([^"]*)"`)
	f.Fuzz(func(t *testing.T, src string) {
		out := Markdown(src)
		if strings.Contains(strings.ToLower(out), "<script") || strings.Contains(strings.ToLower(out), "<img") {
			t.Fatalf("Markdown(%q) = %q: a script or an image", src, out)
		}
		for _, m := range href.FindAllStringSubmatch(out, -1) {
			u := strings.ToLower(strings.TrimLeftFunc(html.UnescapeString(m[1]), func(r rune) bool { return r <= ' ' }))
			u = strings.Map(func(r rune) rune {
				if r == '\t' || r == '\n' || r == '\r' { // the URL parser drops them anywhere
					return -1
				}
				return r
			}, u)
			for _, bad := range []string{"javascript:", "vbscript:", "data:", "file:"} {
				if strings.HasPrefix(u, bad) {
					t.Fatalf("Markdown(%q) = %q: a %s link", src, out, bad)
				}
			}
		}
	})
}

// A line with no datapoint in the range is named (its label, else the metric), so the page can
// say which metric is missing; lines with data, and hidden lines, are not.
func TestSetResultsNamesLinesWithoutData(t *testing.T) {
	b, err := Parse(`{"widgets":[{"type":"metric","properties":{"metrics":[
		["NS","Has"],["NS","Empty",{"label":"empty one"}],["NS","Absent"],["NS","Hidden",{"visible":false}]]}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	w := b.Widgets[0]
	var v WidgetView
	v.SetResults(w, []Result{{ID: "m1", Label: "Has", Timestamps: []time.Time{time.Now()}, Values: []float64{1}},
		{ID: "m2", Label: "Empty"}})
	if want := []string{"empty one", "Absent"}; !slices.Equal(v.NoData, want) {
		t.Errorf("NoData = %q, want %q", v.NoData, want)
	}
}

// Lines the body gave no label, of one metric name ("..." repeats it with other dimensions), are
// told apart in the legend and the no-data note by their dimensions, and their statistic when
// that differs too: the legend read "NumberOfMessagesSent" twice, and nothing said which line was
// which queue. Labels the body gave, and lines whose label is their own, are kept.
func TestSetResultsTellsApartLinesOfOneName(t *testing.T) {
	b, err := Parse(`{"widgets":[{"type":"metric","properties":{"stat":"Sum","metrics":[
		["AWS/SQS","NumberOfMessagesSent","QueueName","JsonQueue"],["...","CsvQueue"],["...","ErrorQueue"],
		["AWS/Lambda","Duration","FunctionName","F"],["...",{"stat":"Maximum"}],
		["AWS/Lambda","Errors","FunctionName","F",{"label":"Errors"}],["AWS/Lambda","Errors","FunctionName","G",{"label":"Errors"}],
		["AWS/Lambda","Invocations","FunctionName","F"],
		["A","Throttles"],["B","Throttles"],
		["AWS/Lambda","Timeouts","FunctionName","F",{"stat":"Maximum","label":"Timeouts"}],["AWS/Lambda","Timeouts","Resource","G"],["AWS/Lambda","Timeouts","FunctionName","G"]]}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	w := b.Widgets[0]
	now := []time.Time{time.Now()}
	var results []Result
	for _, l := range w.Lines {
		r := Result{ID: l.ID, Label: cmp.Or(l.Label, l.MetricName)}
		if l.ID != "m3" { // the error queue's line has no data
			r.Timestamps, r.Values = now, []float64{1}
		}
		results = append(results, r)
	}
	var v WidgetView
	v.SetResults(w, results)
	var got []string
	for _, l := range v.Lines {
		got = append(got, l.Label)
	}
	want := []string{"NumberOfMessagesSent (JsonQueue)", "NumberOfMessagesSent (CsvQueue)", "NumberOfMessagesSent (ErrorQueue)",
		"Duration (F, Sum)", "Duration (F, Maximum)", "Errors", "Errors", "Invocations",
		// Other namespaces, no dimensions; the same value under other dimension names; a labelled
		// line's statistic is no reason to name one of the unlabelled ones'.
		"Throttles (A)", "Throttles (B)", "Timeouts", "Timeouts (AWS/Lambda, Resource=G)", "Timeouts (AWS/Lambda, FunctionName=G)"}
	if !slices.Equal(got, want) {
		t.Errorf("labels %q\nwant %q", got, want)
	}
	if want := []string{"NumberOfMessagesSent (ErrorQueue)"}; !slices.Equal(v.NoData, want) {
		t.Errorf("NoData = %q, want %q", v.NoData, want)
	}
}
