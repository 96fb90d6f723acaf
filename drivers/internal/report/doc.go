// Package report renders the report of an experiment run: one self-contained HTML file per run,
// made from the run's journal (experiments.Journal) and its metric series, and the lab's results
// index. It works the same against AWS and against the local cloud.
//
// Use it in two steps, so the metrics are read while the stack still exists:
//
//	// 1. before teardown: GetMetricData over the run's window, with the SDK's CloudWatch client
//	//    (AWS, or the local cloud through AWS_ENDPOINT_URL: the same code path)
//	cw := cloudwatch.NewFromConfig(cfg)
//	dashboards, err := report.Dashboards(ctx, cw, outputs["DashboardName"]) // GetDashboard's bodies
//	run := report.Run{Journal: journal, Compiled: compiled, Scenario: "flawed", Experiment: "exp_1-minor_delay",
//		Dashboards: dashboards}
//	series, err := report.Fetch(ctx, cw, run) // partial data + err on failed queries
//	series.WriteFile("exp_1.series.json")                                // beside the journal
//
//	// 2. any time after: render (series may be nil, or read back with ReadSeries)
//	report.Options{}.WriteFile("exp_1.report.html", run, series)
//
//	// the lab's index: a verdict table, an experiment per row, a scenario per column
//	report.Index(w, []report.IndexRow{{Experiment: "exp_1", Scenario: "flawed", Verdict: "deviated", Report: "flawed/exp_1.report.html"}, ...})
//
// A report shows the title and the verdict in large type, every error the run ended with (a
// failed, aborted or rolled-back run still gets its report), the timeline (steady state before →
// fault written → pause → after → rollback → after rollback, with the phases that did not run),
// the probe table (query, value, tolerance, pass, window), a chart per probe over the whole run
// (its metrics at a period that gives the run about 24 points or more, its tolerance as a band, its
// measured values as segments over the windows they were measured on) and a chart per dashboard
// widget, laid out as the dashboard body lays them. Every chart shades the fault windows, taken
// from the journal's writes by the rule of the live page (dashboard.Fault).
//
// The charts are drawn by the widget renderer of the live dashboard page (package
// local/dashboard: one renderer for both), with uPlot read from node_modules at render time and
// inlined with it: the file loads nothing (its Content-Security-Policy allows no request) and runs
// only its own three scripts (script-src names their SHA-256 hashes).
//
// Files: model.go turns a journal and series into what the page shows; series.go fetches and
// stores the metric data; dashboards.go reads the dashboard bodies; report.go renders; web/ holds the templates (report.html, index.html),
// report.js and report.css.
package report
