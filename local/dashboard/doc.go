// Package dashboard is the local cloud's live dashboard page, and the one renderer of CloudWatch
// dashboard widgets that the page and the run reports (drivers/internal/report) share.
//
// The page shows the dashboard the stack deployed, not one written here: the
// AWS::CloudWatch::Dashboard's DashboardBody reaches the local CloudWatch through PutDashboard
// at deploy time, and the page reads it back (Store.Dashboard), whatever widgets it holds.
// Use it in this order (local/cloud does):
//
//	srv, err := dashboard.New(dashboard.Options{Metrics: store, Parameters: ssmService})
//	addr, err := srv.Listen(ctx, 0)          // 127.0.0.1, any free port
//	fmt.Println(srv.URL("ChaosLab-Dashboard")) // http://127.0.0.1:<port>/dashboards/<name>?token=<token>
//	defer srv.Close()
//
// Every request needs the token New made (403 otherwise): a browser cannot SigV4-sign, so the
// page is unsigned and the token keeps other local users and web pages out. The pages load
// nothing but their own origin (a Content-Security-Policy says so): the chart library, uPlot,
// is served from node_modules at run time (package.json pins it; none of it is committed).
//
// What the page draws, every few seconds, over the range chosen (1, 5, 15 min or the whole run,
// i.e. since the dashboard was last deployed):
//
//   - metric widgets: timeSeries as lines or stacked areas, singleValue as the last datapoint,
//     bar/pie/gauge/table as a table of latest values. Their queries (metrics, and metric math
//     over them by id; hidden lines are evaluated, not drawn) go to the local CloudWatch's
//     GetMetricData, the evaluator the experiment probes use. A graph's period is the body's,
//     or shorter when the range would hold fewer than MinPoints points (GraphPeriod). Its value
//     axes are as wide as their labels; with lines on both axes the legend marks the right
//     axis' lines "(right axis)", and lines the body left unlabelled that share a metric name
//     are named after their dimensions ("NumberOfMessagesSent (ChaosLab-JsonQueue)").
//   - text widgets: the markdown, rendered with goldmark (no raw HTML, images as their alt text).
//   - any other type (alarm, log, explorer, custom, ...): a placeholder naming the type.
//
// Widgets sit where the body's x, y, width and height put them on a 24-column grid. The page
// takes ?refresh=<seconds> (default 5) and #range=60|300|900|run in its URL.
//
// Fault windows, shaded on every graph: which parameter is "the fault parameter" is decided from
// the values, not from a name (see Fault): a parameter whose value is a failure config with a fault
// enabled — {"isEnabled": true, ...} (failure-lambda 0.x and ours) or a mode object with
// {"enabled": true} (failure-lambda 1.0) — has a fault on from that write until the next write
// that has none, its deletion, or its expiry (expiresAt, or expiresAfterSeconds after the write).
// The writes come from the local Parameter Store's history (ssm.Service.Writes); a report takes
// them from the journal's actions instead. Both go through FaultWindows.
//
// Files: body.go parses a dashboard body and turns widgets into GetMetricData queries; view.go is
// the data the renderer draws (View) and BuildView, which fills it through a QueryFunc (the
// local CloudWatch here, the AWS SDK in reports); faults.go the fault windows; markdown.go the text
// widgets; server.go the live page's HTTP server; assets.go the embedded page code and the chart
// library. web/ holds the page code: widgets.js and widgets.css (the shared renderer), live.html,
// live.js, live.css and index.html (the live page). Package browsertest drives Chromium for the
// tests of the page and of the reports.
package dashboard
