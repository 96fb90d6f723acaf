package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cdkapp"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/report"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

func init() {
	register(command{name: "report", synopsis: "write a self-contained HTML report of a run from its journal", run: (*Main).report})
}

const reportUsage = `
chaoslab report writes one self-contained HTML file for a run (it opens from
disk and loads nothing): the verdict, the timeline, the probe table, and a
chart per probe and per dashboard widget over the run with the fault window
shaded and the tolerance band drawn. Failed, aborted and rolled-back runs get
one too, with their errors.

The metric data is read with CloudWatch GetMetricData over the run's window,
from AWS or, with AWS_ENDPOINT_URL, from the local cloud (read it before the
stack is gone); it is saved beside the report as <base>.series.json, which
-series reads back later without any cloud. A saved series of the same run
(the same window) that holds more data than CloudWatch gives now (the stack or the local cloud gone, a read
that failed) is kept, and the report drawn from it. -experiment names the
experiment the journal is from, so each probe gets a chart of its metrics
(the compile flags below, -pause and the rest, matter only with it: the
experiment is compiled as the run compiled it); the stack's dashboard (output
DashboardName) is charted widget by widget.

Exit status: 0 when the report is written whole; 2 when it could not be
written, or was written with only the metric data that could be read (with
-series: the saved series records a query that failed).

Usage:
  chaoslab report [flags] <journal.json>
`

// notOurs says whether path is a file that report did not write: not a report (its generator meta,
// or the header of one written before the meta) nor a saved series. A path with nothing there, or
// that cannot be read, is not refused here.
func notOurs(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.IsDir() {
		return false // WritableFile refuses a directory
	}
	if strings.HasSuffix(path, ".series.json") {
		_, err := report.ReadSeries(path)
		return err != nil
	}
	b, _ := io.ReadAll(io.LimitReader(f, 4<<20))
	return !bytes.Contains(b, []byte(`<meta name="generator" content="chaoslab report">`)) && !bytes.Contains(b, []byte(`<header class="r-head">`))
}

func (m *Main) report(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab report", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cf := bindCompileFlags(fs)
	exp := fs.String("experiment", "", "the experiment `file or name` the journal is from (its probes are charted)")
	seriesFile := fs.String("series", "", "render from this saved series `file` instead of reading CloudWatch")
	out := fs.String("o", "", "write the report to this `file` (default: beside the journal, x.journal.json → x.report.html, x.json → x.report.html); its series goes beside it as <file without .report.html or .html>.series.json")
	force := fs.Bool("force", false, "replace a file at -o (or its series' place) that is not a chaoslab report (or saved series)")
	fs.Usage = usageFunc(fs, reportUsage)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Argsf(fs, "chaoslab report [flags] <journal.json>", "chaoslab report: want one journal, got %d arguments", fs.NArg())
	}
	journalPath := fs.Arg(0)
	b, err := os.ReadFile(journalPath)
	if err != nil {
		return cli.Usagef("chaoslab report: %w", err)
	}
	var j experiments.Journal
	if err := json.Unmarshal(b, &j); err != nil {
		return cli.Usagef("chaoslab report: %s: not a journal: %w", journalPath, err)
	}
	// Any JSON object unmarshals: a journal names its execution or its start (a Chaos Toolkit
	// journal, outputs.json or {} made an empty report that read "the run ended before a verdict").
	if j.ExecutionArn == "" && j.StartedAt == "" {
		return cli.Usagef("chaoslab report: %s: not a chaoslab journal (neither executionArn nor startedAt; a Chaos Toolkit journal, *.ctk.json, is not read)", journalPath)
	}
	// The report goes to -o as given, its series beside it (<name without .report.html or .html>.series.json);
	// by default both are named as the run or the lab named them (report.Base), so that a saved
	// series is found and kept.
	base := report.Base(journalPath)
	path := base + ".report.html"
	if *out != "" {
		path = *out
		base = strings.TrimSuffix(strings.TrimSuffix(*out, ".html"), ".report")
		// A mistyped -o made the whole missing path of directories.
		if err := cli.WritableFile(path); err != nil {
			return cli.Usagef("chaoslab report: -o %s: %v", path, err)
		}
	}
	// Nothing written goes over what the report is drawn from (the journal, a saved series: maybe
	// the run's only copy of its data). The series is written only when read from CloudWatch.
	written := []string{path}
	if *seriesFile == "" {
		written = append(written, base+".series.json")
	}
	for _, w := range written {
		for what, in := range map[string]string{"the journal": journalPath, "the -series file": *seriesFile} {
			if in != "" && sameFile(w, in) {
				return cli.Usagef("chaoslab report: %s would be written over %s (%s): give -o another file", w, what, in)
			}
		}
		// A report, or a series, is drawn again in its place; another file at -o's (notes.txt) is
		// the user's, replaced only with -force. The places beside the journal are the run's own.
		if *out != "" && !*force && notOurs(w) {
			return cli.Usagef("chaoslab report: %s exists and is not a chaoslab report or saved series: pass -force to replace it, or -o another file", w)
		}
	}
	if *exp != "" {
		// Only its name is used with -series (the series hold the probes' data), but a name that
		// is no experiment is a mistake to say, not to print in the report's title.
		e, err := loadExperiment(*exp)
		if err != nil {
			return cli.Usagef("chaoslab report: -experiment: %w", err)
		}
		// Another experiment's probes charted the wrong metrics and left the journal's without
		// charts, with exit 0.
		if missing := probesNotIn(j, e); len(missing) > 0 {
			return cli.Usagef("chaoslab report: -experiment %s is not the experiment %s is from: its steady-state hypothesis has no probe %s (the journal's run is %q)",
				*exp, journalPath, strings.Join(missing, ", "), j.Title)
		}
		// The shipped experiments share their probes' names: the title tells them apart (the report
		// was headed with one experiment and titled with the other's hypothesis). Said, not refused:
		// an experiment's title may have been edited since its run.
		if j.Title != "" && e.Title != j.Title {
			fmt.Fprintf(m.Stderr, "chaoslab report: -experiment %s may not be the experiment %s is from: its title is %q, the journal's run's %q (the report is headed with %s)\n",
				*exp, journalPath, e.Title, j.Title, experimentName(*exp))
		}
	}
	run := report.Run{Journal: &j}
	if *exp != "" {
		run.Experiment = experimentName(*exp)
	}
	root, _ := cdkapp.FindRoot() // node_modules (the chart library): the repository, when run from it
	opts := report.Options{Root: root}

	if *seriesFile != "" {
		s, err := report.ReadSeries(*seriesFile)
		if err != nil {
			return cli.Usagef("chaoslab report: %w", err)
		}
		if *exp != "" {
			// A series saved before it recorded each probe's total (QuerySet.Total) takes it from
			// the experiment. Without the stack's names it does not compile: the charts are drawn
			// all the same, without that total.
			if compiled, _, err := cf.compile(*exp, m.Stderr); err == nil {
				run.Compiled = compiled
			} else if !s.HasTotals() {
				fmt.Fprintf(m.Stderr, "chaoslab report: -experiment %s did not compile (a probe that totals a metric over its window gets no line of that total): %v\n", *exp, err)
			}
		}
		run.Scenario, run.Injected = s.Scenario, s.Injected
		if err := opts.WriteFile(path, run, s); err != nil {
			return fmt.Errorf("chaoslab report: %w", err)
		}
		fmt.Fprintln(m.Stdout, path)
		if err := s.Err(); err != nil {
			return fmt.Errorf("chaoslab report: the report is written, but the saved series %s holds metric data that could not be read: %w", *seriesFile, err)
		}
		return nil
	}

	if *exp != "" {
		compiled, _, err := cf.compile(*exp, m.Stderr)
		if err != nil {
			return cli.Usagef("chaoslab report: -experiment: %w", err)
		}
		run.Compiled = compiled
	}
	var dashboards []string
	if name, err := cf.names.Optional(stack.DashboardName); err != nil {
		return cli.Usagef("chaoslab report: %w", err)
	} else if name != "" {
		dashboards = []string{name}
	}
	// The stack's scenario heads the report, said to be the stack's, when the series the run saved
	// beside its journal does not name the run's own (the journal does not record it).
	run.StackScenario = cf.names.Scenario()
	if run.Compiled == nil && len(dashboards) == 0 {
		return m.reportWithoutQueries(run, opts, journalPath, path, noDashboard(cf.names))
	}
	cfg, err := m.awsConfig(ctx)
	if err != nil {
		// Without AWS the report can still be drawn from the series the run saved, if it did.
		if saved := report.Base(journalPath) + ".series.json"; *seriesFile == "" && fileExists(saved) {
			return fmt.Errorf("%w\nthe run's saved series is there: chaoslab report -series %s %s draws the report without AWS", err, saved, journalPath)
		}
		return err
	}
	path, err = opts.MakeAt(ctx, cloudwatch.NewFromConfig(cfg), run, dashboards, path, base+".series.json")
	if path == "" {
		return fmt.Errorf("chaoslab report: %w", err)
	}
	fmt.Fprintln(m.Stdout, path)
	if errors.Is(err, report.ErrSeriesKept) {
		// Drawn from the saved data, which held more: whole, unless that data missed some too.
		fmt.Fprintf(m.Stderr, "chaoslab report: %v\n", err)
	}
	if err := report.Incomplete(err); err != nil {
		// The report is written with what could be read: a partial report is not a success.
		return fmt.Errorf("chaoslab report: the report is written, but some metric data could not be read: %w", err)
	}
	return nil
}

// reportWithoutQueries writes the report of a run with nothing to read from CloudWatch: no
// -experiment (its probes' queries) and no dashboard (why: noDashboard). The run's own saved series
// beside its journal, of the run's window, is drawn from; else the report charts the probes'
// measured values alone. Either way it is said, with what would give the charts: the report was
// written without a word, and "CloudWatch gave 0 now" said of a read never made.
func (m *Main) reportWithoutQueries(run report.Run, opts report.Options, journalPath, path, why string) error {
	saved := report.Base(journalPath) + ".series.json"
	s, err := report.ReadSeries(saved)
	start, end, _ := report.Window(run.Journal, time.Now())
	if err == nil && s.Of(run.Journal, time.Now()) {
		run.Scenario, run.Injected = s.Scenario, s.Injected
		if err := opts.WriteFile(path, run, s); err != nil {
			return fmt.Errorf("chaoslab report: %w", err)
		}
		fmt.Fprintln(m.Stdout, path)
		fmt.Fprintf(m.Stderr, "chaoslab report: nothing to read from CloudWatch (no -experiment, and %s): drawn from the run's saved series %s\n", why, saved)
		if err := s.Err(); err != nil {
			return fmt.Errorf("chaoslab report: the report is written, but the saved series %s holds metric data that could not be read: %w", saved, err)
		}
		return nil
	}
	var series string
	switch {
	case errors.Is(err, os.ErrNotExist):
		series = "no saved series of the run at " + saved
	case err != nil:
		series = fmt.Sprintf("the saved series could not be read (%v)", err)
	default:
		series = fmt.Sprintf("the series saved at %s is of another window (%s to %s; the run's is %s to %s: another run's, or this one's before it ended; -series %s draws from it all the same)",
			saved, s.Start.Format(time.RFC3339), s.End.Format(time.RFC3339), start.Format(time.RFC3339), end.Format(time.RFC3339), saved)
	}
	if err := opts.WriteFile(path, run, nil); err != nil {
		return fmt.Errorf("chaoslab report: %w", err)
	}
	fmt.Fprintln(m.Stdout, path)
	fmt.Fprintf(m.Stderr, "chaoslab report: no metric charts: nothing to read from CloudWatch (no -experiment, and %s), and %s; the report charts the probes' measured values. For the charts: -experiment <the run's experiment> (its probes), and the stack's outputs file (-outputs: its dashboard)\n", why, series)
	return nil
}

// noDashboard says why no dashboard is charted: no outputs file, or one without DashboardName.
func noDashboard(n *stack.Names) string {
	_, err := n.InFile(stack.DashboardName)
	switch {
	case err != nil:
		return fmt.Sprintf("no dashboard: %v", err)
	case !fileExists(n.Path()):
		dir, _ := os.Getwd()
		return fmt.Sprintf("no dashboard: no stack outputs file %s in %s (-outputs names one; the local cloud's is %s)", stack.DefaultFile, dir, stack.LocalCloudFile)
	default:
		return fmt.Sprintf("no dashboard: %s has no output %s", n.Source(), stack.DashboardName)
	}
}

// fileExists reports whether path names a file (not a directory) that exists.
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// sameFile reports whether a and b name one file that exists (a link or another spelling of the
// path included).
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// probesNotIn names the probes the journal judged that e's steady-state hypothesis does not have.
func probesNotIn(j experiments.Journal, e *experiments.Experiment) []string {
	have := map[string]bool{}
	if e.SteadyState != nil {
		for _, p := range e.SteadyState.Probes {
			have[p.Name] = true
		}
	}
	var missing []string
	for _, list := range [][]experiments.ProbeResult{j.Before, j.After, j.AfterRollback} {
		for _, p := range list {
			if !have[p.Name] && !slices.Contains(missing, strconv.Quote(p.Name)) {
				missing = append(missing, strconv.Quote(p.Name))
			}
		}
	}
	return missing
}
