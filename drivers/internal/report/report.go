package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
)

// web holds the report's page code: report.html and index.html (templates), report.js and
// report.css. The widget renderer and the chart library come from package dashboard.
//
//go:embed web
var web embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"pct":  func(f float64) string { return fmt.Sprintf("%.3f%%", f) },
	"add1": func(i int) int { return i + 1 },
}).ParseFS(web, "web/*.html"))

func asset(name string) string {
	b, err := web.ReadFile("web/" + name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return string(b)
}

// Options configure rendering.
type Options struct {
	// Chart is the chart library to inline. Default: dashboard.LoadChartLibrary(Root).
	Chart *dashboard.ChartLibrary
	// Root holds node_modules. Default: dashboard.FindRoot (walking up from the working directory).
	Root string
	// Now is the report's "generated" time. Default: time.Now.
	Now func() time.Time
}

// Render writes the report of run as one self-contained HTML file: the chart library, the widget
// renderer and the data are inline, so it opens from disk with no network. s may be nil (no
// metric data fetched): the report then has the journal's tables and the probes' measured values.
func Render(w io.Writer, run Run, s *Series) error { return Options{}.Render(w, run, s) }

// Render is Render with these options.
func (o Options) Render(w io.Writer, run Run, s *Series) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	chart := o.Chart
	if chart == nil {
		c, err := dashboard.LoadChartLibrary(o.Root)
		if err != nil {
			return err
		}
		chart = c
	}
	now := o.Now()
	m := buildModel(run, s, now)
	data, err := jsonData(m.Views)
	if err != nil {
		return err
	}
	chartJS, rendererJS, reportJS := string(chart.JS), string(dashboard.RendererJS()), asset("report.js")
	page := struct {
		model
		Generated, ChartVersion string
		ChartJS, RendererJS     template.JS
		ReportJS, Data          template.JS
		CSS                     template.CSS
		ScriptHashes            string
	}{
		// The page runs its three scripts and nothing else: a script that a text widget or a name
		// smuggled in would not match a hash.
		ScriptHashes: scriptHash(chartJS) + " " + scriptHash(rendererJS) + " " + scriptHash(reportJS),
		model:        m,
		Generated:    now.UTC().Format("2006-01-02 15:04:05 UTC"),
		ChartVersion: chart.Version,
		ChartJS:      template.JS(chartJS),
		RendererJS:   template.JS(rendererJS),
		ReportJS:     template.JS(reportJS),
		Data:         template.JS(data),
		CSS:          template.CSS(string(chart.CSS) + "\n" + string(dashboard.RendererCSS()) + "\n" + asset("report.css")),
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "report.html", page); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// scriptHash is a Content-Security-Policy source that allows the inline script js.
func scriptHash(js string) string {
	sum := sha256.Sum256([]byte(js))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// WriteFile renders the report to path (its directory is made).
func (o Options) WriteFile(path string, run Run, s *Series) error {
	var b bytes.Buffer
	if err := o.Render(&b, run, s); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// IndexRow is one run of a lab: an experiment on a scenario.
type IndexRow struct {
	Experiment string
	// Title is the experiment's title, shown under its name ("" for none).
	Title    string
	Scenario string
	Verdict  string
	// Report is the link to the run's report (relative to the index file); "" when it has none.
	Report string
	// Error is the run's error, if any; Detail one more line to show (e.g. "0 documents lost").
	Error, Detail string
	// Why is what decided the verdict, under it: the readings out of tolerance ("" for none).
	Why string
	// Earlier are the attempts before this one that were not steady before their fault (the lab
	// runs such a trial again): each is said under the verdict, with a link to its report.
	Earlier []EarlierAttempt
}

// EarlierAttempt is an attempt of a trial that did not count: its report (relative to the index
// file; "" for none) and why it did not.
type EarlierAttempt struct {
	Report, Why string
}

// Index writes the lab's results page: a verdict table with an experiment per row and a
// scenario per column (in the order they first appear in rows), each verdict linking to its
// report. It needs no script and no network.
func Index(w io.Writer, rows []IndexRow) error {
	type cell struct {
		IndexRow
		Class string
		Found bool
	}
	type line struct {
		Experiment, Title string
		Cells             []cell
	}
	var scenarios, experiments []string
	seen := map[string]bool{}
	byKey := map[[2]string]IndexRow{}
	titles := map[string]string{}
	for _, r := range rows {
		if !seen["s:"+r.Scenario] {
			seen["s:"+r.Scenario] = true
			scenarios = append(scenarios, r.Scenario)
		}
		if !seen["e:"+r.Experiment] {
			seen["e:"+r.Experiment] = true
			experiments = append(experiments, r.Experiment)
		}
		byKey[[2]string{r.Experiment, r.Scenario}] = r
		if r.Title != "" {
			titles[r.Experiment] = r.Title
		}
	}
	var lines []line
	for _, e := range experiments {
		l := line{Experiment: e, Title: titles[e]}
		for _, s := range scenarios {
			r, ok := byKey[[2]string{e, s}]
			c := cell{IndexRow: r, Found: ok, Class: verdictClass(r.Verdict)}
			l.Cells = append(l.Cells, c)
		}
		lines = append(lines, l)
	}
	var b bytes.Buffer
	err := templates.ExecuteTemplate(&b, "index.html", struct {
		Scenarios []string
		Lines     []line
		Generated string
		CSS       template.CSS
	}{scenarios, lines, time.Now().UTC().Format("2006-01-02 15:04:05 UTC"), template.CSS(asset("report.css"))})
	if err != nil {
		return fmt.Errorf("report index: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// CloudWatch is what Make calls: GetDashboard/ListDashboards and GetMetricData. *cloudwatch.Client
// is one.
type CloudWatch interface {
	DashboardAPI
	MetricData
}

// Base is the path a journal's report and series are named after: the journal's without
// ".journal.json" (the lab's <trial>.journal.json: <trial>.report.html) or else without ".json"
// (chaoslab run's journal-<name>-<time>.json). Every writer and reader of them names them so.
func Base(journalPath string) string {
	if b, ok := strings.CutSuffix(journalPath, ".journal.json"); ok {
		return b
	}
	return strings.TrimSuffix(journalPath, ".json")
}

// Make does both steps for a run whose stack still exists: it reads the dashboards named (none:
// no dashboard charts), fetches the series, writes them to base+".series.json" and the report to
// base+".report.html", and returns the report's path. A metric query or dashboard that fails is
// returned as the error, but the report is written all the same (with what could be read), so a
// run always has its report; the error is "" only when nothing failed.
func (o Options) Make(ctx context.Context, cw CloudWatch, run Run, dashboards []string, base string) (string, error) {
	return o.MakeAt(ctx, cw, run, dashboards, base+".report.html", base+".series.json")
}

// ErrSeriesKept is in MakeAt's error when the series saved at its path held more data than
// CloudWatch gave, and the report was drawn from it (the file left as it was).
var ErrSeriesKept = errors.New("kept the saved series")

// Incomplete is MakeAt's error less its ErrSeriesKept note: nil when the report was drawn from
// all the data of the run (read now, or kept), else what is missing from it.
func Incomplete(err error) error {
	var rest []error
	for _, e := range flatten(err) {
		if !errors.Is(e, ErrSeriesKept) {
			rest = append(rest, e)
		}
	}
	return errors.Join(rest...)
}

// flatten lists the errors errors.Join joined in err (err itself when it is no join).
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// MakeAt is Make with the report's and the series' paths given.
func (o Options) MakeAt(ctx context.Context, cw CloudWatch, run Run, dashboards []string, path, seriesPath string) (string, error) {
	var errs []error
	if len(dashboards) > 0 {
		ds, err := Dashboards(ctx, cw, dashboards...)
		if err != nil {
			errs = append(errs, err)
		}
		run.Dashboards = ds
	}
	s, err := Fetch(ctx, cw, run)
	if err != nil {
		errs = append(errs, err)
	}
	// A series saved before (by the run, or an earlier report) of the same window is the same
	// run's: another run's journal at that path has another.
	old, rerr := ReadSeries(seriesPath)
	sameRun := rerr == nil && s != nil && old.Of(run.Journal, time.Now())
	// The scenario is the run's, known when it ran (the lab's trial, chaoslab run's stack): a
	// report drawn later takes it from the series saved then, not from a stack that may have been
	// deployed again with the other scenario since (run.StackScenario, shown as such otherwise).
	if sameRun && run.Scenario == "" {
		run.Scenario, s.Scenario = old.Scenario, old.Scenario
	}
	// So is the count of the faults injected, read when the run ended.
	if sameRun && run.Injected == nil {
		run.Injected, s.Injected = old.Injected, old.Injected
	}
	// That series may be the only copy of the run's data: the stack deleted, the local cloud
	// stopped, the metrics aged out. One that holds more data points than CloudWatch gives now, or
	// as many when a read failed, is kept, and the report drawn from it.
	if sameRun && (old.Points() > s.Points() || err != nil && old.Points() >= s.Points()) {
		// What failed to be read now is not missing from the report: said, but as text only.
		failed := ""
		if len(errs) > 0 {
			failed = fmt.Sprintf(" (reading now: %v)", errors.Join(errs...))
		}
		errs = []error{fmt.Errorf("%w %s: it holds %d data points, CloudWatch gave %d now%s; the report is drawn from it (delete it to draw from CloudWatch)",
			ErrSeriesKept, seriesPath, old.Points(), s.Points(), failed)}
		if err := old.Err(); err != nil {
			errs = append(errs, fmt.Errorf("the saved series %s: %w", seriesPath, err))
		}
		s = old
	} else if s != nil {
		if err := s.WriteFile(seriesPath); err != nil {
			errs = append(errs, err)
		}
	}
	if err := o.WriteFile(path, run, s); err != nil {
		return "", errors.Join(append(errs, err)...)
	}
	return path, errors.Join(errs...)
}
