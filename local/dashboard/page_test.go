package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard"
	"github.com/chaoslab/serverless-chaos-lab/local/dashboard/browsertest"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/ssm"
	"github.com/chromedp/chromedp/kb"
)

// fakeWrites is a parameter history with chosen times (the real store stamps writes with now).
type fakeWrites struct {
	mu     sync.Mutex
	writes []ssm.Write
}

func (f *fakeWrites) Writes(since time.Time) []ssm.Write {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ssm.Write(nil), f.writes...)
}

// labBody is the lab's synthesized dashboard body plus widgets of every other kind: a stacked
// graph with CloudWatch's shorthand and a right axis, a gauge, text, and a log widget.
func labBody(t *testing.T) (string, int) {
	t.Helper()
	raw, err := os.ReadFile("testdata/lab-body.json")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Start   string           `json:"start"`
		Widgets []map[string]any `json:"widgets"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	var extra []map[string]any
	if err := json.Unmarshal([]byte(`[
	 {"type":"metric","x":0,"y":30,"width":12,"height":6,"properties":{"region":"us-east-1","title":"Queues stacked","stacked":true,"view":"timeSeries","region":"us-east-1","period":300,"stat":"Sum",
	  "metrics":[["AWS/SQS","NumberOfMessagesSent","QueueName","ChaosLab-JsonQueue"],["...","ChaosLab-CsvQueue"],["AWS/Lambda","Duration","FunctionName","ChaosLab-Function",{"stat":"Average","yAxis":"right","label":"duration"}]],
	  "annotations":{"horizontal":[{"value":2,"label":"budget"}]}}},
	 {"type":"metric","x":12,"y":30,"width":6,"height":6,"properties":{"region":"us-east-1","title":"Errors gauge","view":"gauge","metrics":[["AWS/Lambda","Errors","FunctionName","ChaosLab-Function",{"stat":"Sum"}]]}},
	 {"type":"text","x":18,"y":30,"width":6,"height":3,"properties":{"markdown":"## Runbook\nThe **fault** is shaded in red."}},
	 {"type":"log","x":18,"y":33,"width":6,"height":3,"properties":{"region":"us-east-1","title":"Function logs","query":"SOURCE '/aws/lambda/x' | fields @message"}}
	]`), &extra); err != nil {
		t.Fatal(err)
	}
	body.Widgets = append(body.Widgets, extra...)
	b, _ := json.Marshal(body)
	return string(b), len(body.Widgets)
}

// putLabMetrics puts a second of pipeline traffic at each of the given times: 4 JSON messages
// sent, 3 CSV messages, 3 symbol writes and 1 error (in flight: (8-6)/8 = 25 %).
func putLabMetrics(store *localcw.Store, ts ...time.Time) {
	for _, at := range ts {
		q := func(name string) map[string]string { return map[string]string{"QueueName": name} }
		fn := map[string]string{"FunctionName": "ChaosLab-Function"}
		store.Put(
			localcw.Datum{Namespace: "AWS/SQS", Name: "NumberOfMessagesSent", Dimensions: q("ChaosLab-JsonQueue"), Value: 4, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "AWS/SQS", Name: "NumberOfMessagesReceived", Dimensions: q("ChaosLab-JsonQueue"), Value: 4, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "AWS/SQS", Name: "NumberOfMessagesSent", Dimensions: q("ChaosLab-CsvQueue"), Value: 3, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "ChaosTransformer", Name: "SymbolWriteCount", Dimensions: map[string]string{"DynamoDBTable": "ChaosLab-Table"}, Value: 3, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: fn, Value: 1, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "AWS/Lambda", Name: "Invocations", Dimensions: fn, Value: 4, Unit: "Count", Time: at},
			localcw.Datum{Namespace: "AWS/Lambda", Name: "Duration", Dimensions: fn, Value: 120, Unit: "Milliseconds", Time: at},
		)
	}
}

// serve starts a gateway (for the SDK, as a deployment uses it) and the page server over store.
func serve(t *testing.T, store *localcw.Store, params dashboard.Parameters) (*dashboard.Server, *cloudwatch.Client) {
	t.Helper()
	return serveOpts(t, store, dashboard.Options{Metrics: store, Parameters: params, Root: "../.."})
}

// serveOpts is serve with the page server's options chosen (its clock).
func serveOpts(t *testing.T, store *localcw.Store, opts dashboard.Options) (*dashboard.Server, *cloudwatch.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	g := gateway.New(gateway.Options{})
	g.Handle("monitoring", store.Handler())
	addr, err := g.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	cw := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")})
	srv, err := dashboard.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Listen(ctx, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, cw
}

func TestServerNeedsTheToken(t *testing.T) {
	store := localcw.NewStore()
	srv, cw := serve(t, store, nil)
	if _, err := cw.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String("D"),
		DashboardBody: aws.String(`{"widgets":[{"type":"text","properties":{"markdown":"hi"}}]}`)}); err != nil {
		t.Fatal(err)
	}
	page := srv.URL("D")
	base, _, _ := strings.Cut(page, "?")
	for _, c := range []struct {
		url  string
		want int
	}{
		{page, 200},
		{base, 403},
		{base + "?token=wrong", 403},
		{strings.Replace(page, "/dashboards/D", "/api/dashboards/D", 1), 200},
		{strings.Replace(base, "/dashboards/D", "/assets/uPlot.iife.min.js", 1), 403},
		{strings.Replace(page, "/dashboards/D", "/assets/uPlot.iife.min.js", 1), 200},
		{strings.Replace(page, "/dashboards/D", "/dashboards/missing", 1), 404},
		{srv.IndexURL(), 200},
	} {
		resp, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("GET %s = %d %s, want %d", c.url, resp.StatusCode, body, c.want)
		}
		if resp.StatusCode == 200 && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("GET %s: no Content-Security-Policy", c.url)
		}
	}
	if !strings.HasPrefix(page, "http://127.0.0.1:") || !strings.Contains(page, "?token="+srv.Token()) {
		t.Errorf("URL = %s", page)
	}
}

// TestLivePageInChromium opens the live page of the lab's dashboard in headless Chromium while
// metrics arrive and a fault is on.
func TestLivePageInChromium(t *testing.T) {
	begin := time.Now()
	b := browsertest.Start(t, 60*time.Second)
	t.Logf("chromium started in %s", time.Since(begin).Round(time.Millisecond))

	// GIVEN the lab's dashboard deployed (PutDashboard), 4 minutes of traffic, and a fault that
	// was on from 150 s to 90 s ago and is on again since 30 s ago
	store := localcw.NewStore()
	params := &fakeWrites{}
	srv, cw := serve(t, store, params)
	body, widgets := labBody(t)
	if _, err := cw.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String("ChaosLab-Dashboard"), DashboardBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var ts []time.Time
	for s := 240; s >= 1; s-- {
		if s <= 200 && s > 170 { // 30 s with no traffic at all: a stall
			continue
		}
		ts = append(ts, now.Add(-time.Duration(s)*time.Second))
	}
	putLabMetrics(store, ts...)
	const param = "/ChaosLab/failureLambdaConfig"
	on1, off1, on2 := now.Add(-150*time.Second), now.Add(-90*time.Second), now.Add(-30*time.Second)
	params.writes = []ssm.Write{
		{Name: param, Time: now.Add(-200 * time.Second), Value: `{"isEnabled":false}`},
		{Name: "/ChaosLab/unrelated", Time: now.Add(-180 * time.Second), Value: `plain`},
		{Name: param, Time: on1, Value: `{"isEnabled":true,"failureMode":"latency","rate":0.5}`},
		{Name: param, Time: off1, Value: `{"isEnabled":false}`},
		{Name: param, Time: on2, Value: `{"isEnabled":true,"faults":[{"mode":"sdkerror","error":"throttling","rate":0.75}]}`},
	}

	// WHEN the page is opened over the last 5 minutes, refreshing every second
	url := srv.URL("ChaosLab-Dashboard") + "&refresh=1#range=300"
	p := b.Open(t, url, browsertest.Loopback)
	p.Wait(t, `Number(document.body.dataset.updates) >= 1`, 10*time.Second)

	// THEN every widget of the body is on the page, in the body's order, with its type
	got := browsertest.Eval[[]map[string]string](t, p, `[...document.querySelectorAll(".cd-widget")].map(e => ({
		type: e.dataset.type, view: e.dataset.view || "", title: e.querySelector(".cd-title").textContent, points: e.dataset.points}))`)
	if len(got) != widgets {
		t.Fatalf("%d widgets on the page, want %d: %v", len(got), widgets, got)
	}
	parsed, err := dashboard.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range parsed.Widgets {
		if got[i]["type"] != w.Type || (w.Title != "" && got[i]["title"] != w.Title) {
			t.Errorf("widget %d on the page = %v, want %s %q", i, got[i], w.Type, w.Title)
		}
	}

	// AND each sits where x, y, width and height put it on the 24-column grid
	boxes := browsertest.Eval[[]map[string]float64](t, p, `(() => { const g = document.getElementById("grid").getBoundingClientRect();
		return [...document.querySelectorAll(".cd-widget")].map(e => { const r = e.getBoundingClientRect();
			return {left: (r.left - g.left) / g.width, right: (r.right - g.left) / g.width, top: r.top - g.top}; }); })()`)
	for i, w := range parsed.Widgets {
		left, right := float64(w.X)/24, float64(w.X+w.Width)/24
		if math.Abs(boxes[i]["left"]-left) > 0.02 || math.Abs(boxes[i]["right"]-right) > 0.02 {
			t.Errorf("widget %d (%s) spans %.3f–%.3f of the grid, want %.3f–%.3f", i, w.Title, boxes[i]["left"], boxes[i]["right"], left, right)
		}
		if i > 0 && w.Y > parsed.Widgets[i-1].Y && boxes[i]["top"] <= boxes[i-1]["top"] {
			t.Errorf("widget %d (y %d) is not below widget %d", i, w.Y, i-1)
		}
	}

	// AND the graphs hold the datapoints (read back from the chart objects)
	charts := browsertest.Eval[map[string]map[string]float64](t, p, `(() => { const out = {};
		for (const [id, u] of Object.entries(ChaosDash.charts)) {
			let n = 0, max = -Infinity;
			for (let s = 1; s < u.data.length; s++) for (const v of u.data[s]) if (v != null) { n++; max = Math.max(max, v); }
			out[id] = {points: n, series: u.data.length - 1, max: max};
		}
		return out; })()`)
	graphs := 0
	for i, w := range parsed.Widgets {
		if w.Type != "metric" || w.View != "timeSeries" {
			continue
		}
		graphs++
		c := charts[fmt.Sprintf("w%d", i)]
		// Function concurrency has no data in this test (nothing put ConcurrentExecutions).
		if w.Title == "Function concurrency" || strings.HasPrefix(w.Title, "CSV notifications") || w.Title == "Error queue" {
			if c["points"] != 0 {
				t.Errorf("%s: %v points, want none", w.Title, c["points"])
			}
			continue
		}
		// 240 s of data at 10 s points over the 5-minute range: about 24 per line.
		if c["points"] < 20 {
			t.Errorf("%s (w%d): %v points drawn, want ≥ 20", w.Title, i, c["points"])
		}
	}
	if len(charts) != graphs {
		t.Errorf("%d charts, want one per graph widget (%d)", len(charts), graphs)
	}
	// The 30 s stall is a gap in the line, not a slope drawn across it: a null between two points.
	gap := browsertest.Eval[bool](t, p, `(() => { const ys = ChaosDash.charts.w0.data[1];
		const first = ys.findIndex(v => v != null), last = ys.findLastIndex(v => v != null);
		return ys.slice(first, last).some(v => v == null) && ChaosDash.charts.w0.series[1].spanGaps === false; })()`)
	if !gap {
		t.Error("In flight %: no gap where nothing was measured for 30 s")
	}
	// The metric math is the local CloudWatch's: in flight (2·4 − (3+3)) / (2·4) = 25 %, in every
	// 10 s point, and the stacked graph adds the CSV queue onto the JSON queue (4+3 per second).
	if c := charts["w0"]; c["max"] != 25 {
		t.Errorf("In flight %%: max %v, want 25", c["max"])
	}
	if c := charts[fmt.Sprintf("w%d", widgets-4)]; c["max"] < 69 || c["series"] != 3 {
		t.Errorf("stacked graph: %v, want 3 series stacked to 70 per 10 s", c)
	}

	// AND a graph with no data says so above the chart, not over it, naming its metric; a graph
	// with data says nothing
	none := browsertest.Eval[map[string]any](t, p, `(() => { const e = document.querySelector('[data-widget-id="w13"]'), n = e.querySelector(".cd-nodata");
		return {text: n ? n.textContent : "", clear: !!n && n.getBoundingClientRect().bottom <= e.querySelector("canvas").getBoundingClientRect().top,
			elsewhere: document.querySelectorAll('[data-widget-id="w0"] .cd-nodata').length}; })()`)
	if none["text"] != "No data in this range: Concurrent executions" || none["clear"] != true || none["elsewhere"].(float64) != 0 {
		t.Errorf("no-data note = %v, want \"No data in this range: Concurrent executions\" above the chart, and none on a graph with data", none)
	}

	// AND each chart is an image named after its widget and metrics, the fault banner is polite
	// live region, and the small greys meet WCAG AA
	if a := browsertest.Eval[[]string](t, p, `[document.querySelector('[data-widget-id="w13"] canvas').getAttribute("role"),
		document.querySelector('[data-widget-id="w13"] canvas').getAttribute("aria-label"), document.getElementById("fault").getAttribute("aria-live")]`); a[0] != "img" ||
		a[1] != "Function concurrency: Concurrent executions (no data in this range)" || a[2] != "polite" {
		t.Errorf("chart role %q, label %q; fault banner aria-live %q", a[0], a[1], a[2])
	}
	for _, sel := range []string{".cd-single-time", ".cd-meta", ".live-sub", ".live-foot", ".cd-nodata"} {
		for _, c := range browsertest.Contrast(t, p, sel) {
			if c < 4.5 {
				t.Errorf("%s: contrast %.2f:1, want ≥ 4.5:1", sel, c)
			}
		}
	}

	// AND the single values show the last datapoint, and the other views and types render
	singles := browsertest.Eval[[]string](t, p, `[...document.querySelectorAll('[data-view="singleValue"] .cd-single-value')].map(e => e.dataset.value)`)
	if len(singles) != 3 || singles[0] == "" {
		t.Errorf("single values = %q, want 3 with data", singles)
	}
	text := browsertest.Eval[string](t, p, `document.querySelector('[data-type="text"] .cd-body').innerHTML`)
	if !strings.Contains(text, "<h2>Runbook</h2>") || !strings.Contains(text, "<strong>fault</strong>") {
		t.Errorf("text widget = %s", text)
	}
	placeholder := browsertest.Eval[string](t, p, `document.querySelector('[data-type="log"]').textContent`)
	if !strings.Contains(placeholder, "“log”") {
		t.Errorf("log widget shows %q, want a placeholder naming the type", placeholder)
	}
	gauge := browsertest.Eval[string](t, p, `document.querySelector('[data-view="gauge"] .cd-num').dataset.value`)
	if gauge == "" {
		t.Error("gauge widget: no latest value")
	}

	// AND the fault windows are shaded where the writes put them, on every graph
	faults := browsertest.Eval[map[string][][]float64](t, p, `(() => { const out = {};
		for (const [id, u] of Object.entries(ChaosDash.charts)) out[id] = JSON.parse(u.root.dataset.faults || "[]"); return out; })()`)
	for id, spans := range faults {
		if len(spans) != 2 {
			t.Errorf("%s: fault spans %v, want 2", id, spans)
			continue
		}
		if math.Abs(spans[0][0]-dashboard.Seconds(on1)) > 0.01 || math.Abs(spans[0][1]-dashboard.Seconds(off1)) > 0.01 ||
			math.Abs(spans[1][0]-dashboard.Seconds(on2)) > 0.01 || spans[1][1] < dashboard.Seconds(now) {
			t.Errorf("%s: fault spans %v, want [%v %v] and [%v, now]", id, spans, dashboard.Seconds(on1), dashboard.Seconds(off1), dashboard.Seconds(on2))
		}
	}
	// The shading is in the pixels: red inside the first window, white before it.
	if px := browsertest.ChartPixels(t, p, "w6", dashboard.Seconds(on1.Add(30*time.Second)), "b.top + 2"); !px.Mostly(browsertest.Red) {
		t.Errorf("pixels inside the fault window = %v, want red-tinted", px)
	}
	if px := browsertest.ChartPixels(t, p, "w6", dashboard.Seconds(on1.Add(-30*time.Second)), "b.top + 2"); !px.Mostly(browsertest.Neutral) {
		t.Errorf("pixels before the fault window = %v, want neutral", px)
	}
	banner := browsertest.Eval[string](t, p, `document.getElementById("fault").textContent`)
	// (and says what the fault does, in words)
	if !strings.Contains(banner, "Fault on since") || !strings.Contains(banner, param) || !strings.Contains(banner, "sdkerror (throttling) 75%) — sdkerror: throttling errors, 75% of SDK calls") {
		t.Errorf("fault banner = %q", banner)
	}

	// WHEN more traffic arrives with documents stuck in flight (JSON sent, nothing converted)
	before := singles[0]
	// At the time of the last traffic, not now: the single value's period is the body's (minutes
	// long, aligned), and a datum alone in a period that began after the traffic would make an
	// expression over metrics that have no data there, hence no new datapoint (the likely cause of a rare flake when the
	// test ran across a period's boundary).
	store.Put(localcw.Datum{Namespace: "AWS/SQS", Name: "NumberOfMessagesSent", Dimensions: map[string]string{"QueueName": "ChaosLab-JsonQueue"}, Value: 400, Unit: "Count", Time: ts[len(ts)-1]})
	// THEN the page's numbers change by themselves
	p.Wait(t, fmt.Sprintf(`document.querySelector('[data-view="singleValue"] .cd-single-value').dataset.value !== %q`, before), 20*time.Second) // a refresh a second; generous for a loaded CI machine
	after := browsertest.Eval[string](t, p, `document.querySelector('[data-view="singleValue"] .cd-single-value').dataset.value`)
	t.Logf("In flight %%: %s → %s", before, after)

	// AND the range selector redraws over another range
	browsertest.Eval[bool](t, p, `(document.querySelector('[data-range="60"]').click(), true)`)
	p.Wait(t, `ChaosDash.charts.w6 && ChaosDash.charts.w6.scales.x.max - ChaosDash.charts.w6.scales.x.min < 61`, 20*time.Second)
	// AND over the last minute (no stall, every stacked value far above 0) the stacked areas stand
	// on 0, as CloudWatch's do, on both axes
	stacked := fmt.Sprintf("ChaosDash.charts.w%d", widgets-4)
	p.Wait(t, stacked+`.scales.x.max - `+stacked+`.scales.x.min < 61`, 20*time.Second)
	if lo := browsertest.Eval[[]float64](t, p, `(u => [u.scales.y.min, u.scales.y2.min, Math.min(...u.data[1].filter(v => v != null))])(`+stacked+`)`); lo[0] != 0 || lo[1] != 0 || lo[2] <= 0 {
		t.Errorf("stacked graph's axes start at %v (its smallest value %v), want 0", lo[:2], lo[2])
	}

	// AND at 1280 px, over a minute (HH:MM:SS labels) as over 5, no time-axis label touches the next
	p.Viewport(t, 1280, 1000)
	p.Wait(t, `ChaosDash.charts.w0.width < 420`, 20*time.Second)
	for _, rng := range []string{"60", "300"} {
		browsertest.Eval[bool](t, p, fmt.Sprintf(`(document.querySelector('[data-range="%s"]').click(), true)`, rng))
		p.Wait(t, fmt.Sprintf(`Math.abs(ChaosDash.charts.w0.scales.x.max - ChaosDash.charts.w0.scales.x.min - %s) < 1`, rng), 20*time.Second)
		for id, ls := range browsertest.TickLabels(t, p) {
			if len(ls) < 3 {
				t.Errorf("range %s, chart %s: time-axis labels %v, want several", rng, id, ls)
			}
			if o := browsertest.Crowded(ls, 8); len(o) > 0 {
				t.Errorf("range %s, chart %s: time-axis labels less than 8 px apart at 1280 px: %v", rng, id, o)
			}
		}
	}
	p.Viewport(t, 1400, 1000)

	// AND numbers keep three significant digits, however small (an error rate kept as a fraction),
	// and a whole number reads whole, as the probe table has it (not 25.0 or -64.0)
	formatted := browsertest.Eval[[]string](t, p, `[0.0049, 0.003, 0.0123, 1.2345, 9.87, 0.0009, 0, 25, 25.04, -64, 1234].map(ChaosDash.format)`)
	if want := []string{"0.0049", "0.003", "0.0123", "1.23", "9.87", "9.00e-4", "0", "25", "25.0", "-64", "1234"}; !slices.Equal(formatted, want) {
		t.Errorf("ChaosDash.format = %q, want %q", formatted, want)
	}

	// WHEN the dashboard is deployed again with its first widget renamed
	renamed := strings.Replace(body, `"title":"`+parsed.Widgets[0].Title+`"`, `"title":"Renamed in place"`, 1)
	if renamed == body {
		t.Fatalf("the first widget's title %q is not in the body", parsed.Widgets[0].Title)
	}
	if _, err := cw.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String("ChaosLab-Dashboard"), DashboardBody: aws.String(renamed)}); err != nil {
		t.Fatal(err)
	}
	// THEN the page shows the new title without a reload
	p.Wait(t, `document.querySelector(".cd-widget .cd-title").textContent === "Renamed in place"`, 20*time.Second)

	// AND nothing went wrong in the page, and nothing left 127.0.0.1
	p.Check(t)
	t.Logf("%d requests, all to 127.0.0.1; whole test %s", len(p.Requests()), time.Since(begin).Round(time.Millisecond))
}

func TestWholeRunStartsAtTheDeployment(t *testing.T) {
	// GIVEN a page whose clock is 10 minutes past the dashboard's PutDashboard
	store := localcw.NewStore()
	ctx := context.Background()
	later := time.Now().Add(10 * time.Minute)
	srv, err := dashboard.New(dashboard.Options{Metrics: store, Root: "../..", Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	_, cw := serve(t, store, nil)
	put := time.Now()
	if _, err := cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String("D"),
		DashboardBody: aws.String(`{"widgets":[{"type":"metric","properties":{"region":"us-east-1","metrics":[["NS","M"]]}}]}`)}); err != nil {
		t.Fatal(err)
	}
	// WHEN the whole run is asked for
	v, status, err := srv.View("D", "run")
	if err != nil {
		t.Fatal(status, err)
	}
	// THEN it starts when the dashboard was put (ListDashboards' LastModified), not a minute ago
	if d := v.Start - dashboard.Seconds(put); math.Abs(d) > 2 {
		t.Errorf("run starts %v s away from the PutDashboard", d)
	}
	if v.End != dashboard.Seconds(later) || v.Widgets[0].Period != 10 {
		t.Errorf("view %v–%v, period %d; want to now and 10 s points over 10 min (≥ 24 points)", v.Start, v.End, v.Widgets[0].Period)
	}
	if _, status, _ := srv.View("D", "7"); status != http.StatusBadRequest {
		t.Errorf("range 7: status %d, want 400", status)
	}
}

// A single value with setPeriodToTimeRange is the number of the whole range shown: one period from
// the range's start to its end, of a length CloudWatch takes (the range's start rounded down to
// a multiple of the range made the number of a part of it).
func TestSingleValueOfTheWholeRange(t *testing.T) {
	store := localcw.NewStore()
	ctx := context.Background()
	// 20 s past a multiple of 60 and of 300: an aligned start would cut the range short.
	now := time.Unix(time.Now().Unix()/300*300+20, 0)
	srv, err := dashboard.New(dashboard.Options{Metrics: store, Root: "../..", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	_, cw := serve(t, store, nil)
	if _, err := cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String("D"), DashboardBody: aws.String(
		`{"widgets":[{"type":"metric","properties":{"region":"us-east-1","view":"singleValue","setPeriodToTimeRange":true,"stat":"Sum","period":60,"metrics":[["NS","M"]]}}]}`)}); err != nil {
		t.Fatal(err)
	}
	// GIVEN one count a second for the last 20 minutes
	for s := 1200; s >= 1; s-- {
		store.Put(localcw.Datum{Namespace: "NS", Name: "M", Value: 1, Unit: "Count", Time: now.Add(-time.Duration(s) * time.Second)})
	}
	for _, c := range []struct {
		rng    string
		want   float64
		period int
	}{{"60", 60, 60}, {"300", 300, 300}, {"900", 900, 900}} {
		v, status, err := srv.View("D", c.rng)
		if err != nil {
			t.Fatal(status, err)
		}
		w := v.Widgets[0]
		if len(w.Lines) != 1 || len(w.Lines[0].V) == 0 {
			t.Fatalf("range %s: no value: %+v", c.rng, w)
		}
		if got := w.Lines[0].V[len(w.Lines[0].V)-1]; got != c.want || w.Period != c.period {
			t.Errorf("range %s: the number %v at a period of %d s, want %v (a count a second over the whole range) at %d", c.rng, got, w.Period, c.want, c.period)
		}
	}
}

// The live graphs end with the last complete period: the one under way holds part of its data
// and would draw a false drop at the right edge. A single value keeps the latest datapoint, as
// CloudWatch shows it.
func TestLiveGraphsLeaveOutThePeriodUnderWay(t *testing.T) {
	store := localcw.NewStore()
	now := time.Unix(time.Now().Unix()/60*60+45, 700e6) // 0.7 s into a second, 45 s into a minute
	srv, err := dashboard.New(dashboard.Options{Metrics: store, Root: "../..", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	_, cw := serve(t, store, nil)
	if _, err := cw.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String("D"), DashboardBody: aws.String(
		`{"widgets":[{"type":"metric","properties":{"region":"us-east-1","view":"timeSeries","stat":"Sum","metrics":[["NS","M"]]}},
		{"type":"metric","properties":{"region":"us-east-1","view":"singleValue","stat":"Sum","period":60,"metrics":[["NS","M"]]}}]}`)}); err != nil {
		t.Fatal(err)
	}
	// GIVEN a count every half second up to now
	for at := now.Add(-120 * time.Second); at.Before(now); at = at.Add(500 * time.Millisecond) {
		store.Put(localcw.Datum{Namespace: "NS", Name: "M", Value: 1, Unit: "Count", Time: at})
	}
	v, status, err := srv.View("D", "60")
	if err != nil {
		t.Fatal(status, err)
	}
	graph, single := v.Widgets[0].Lines[0], v.Widgets[1].Lines[0]
	p := v.Widgets[0].Period
	under := dashboard.Seconds(time.Unix(now.Unix()/int64(p)*int64(p), 0))
	if last, n := graph.T[len(graph.T)-1], graph.V[len(graph.V)-1]; last >= under || n != float64(2*p) {
		t.Errorf("graph ends with %v at %v, want a whole %d s period (%d) before the period under way (%v)", n, last, p, 2*p, under)
	}
	if last := single.T[len(single.T)-1]; last != dashboard.Seconds(now.Truncate(time.Minute)) {
		t.Errorf("single value's last datapoint at %v, want the period under way's", last)
	}
}

// GIVEN a live page with a fault on WHEN the local cloud stops (a restart gets a new port and
// token, which the page cannot learn) THEN after the first failed refresh the page says it is
// stale: a notice with the time of its last update and where the new address is printed, the
// charts faded, the fault banner marked; and it backs off instead of asking every second.
// AND an address's refresh or range that the page cannot use is said, and the default taken.
func TestLivePageSaysWhenItStopsUpdating(t *testing.T) {
	b := browsertest.Start(t, 60*time.Second)
	store := localcw.NewStore()
	params := &fakeWrites{writes: []ssm.Write{{Name: "/p", Time: time.Now().Add(-time.Minute), Value: `{"isEnabled":true,"failureMode":"latency"}`}}}
	srv, cw := serve(t, store, params)
	if _, err := cw.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String("D"),
		DashboardBody: aws.String(`{"widgets":[{"type":"metric","properties":{"region":"us-east-1","title":"M","metrics":[["NS","M"]]}}]}`)}); err != nil {
		t.Fatal(err)
	}
	putLabMetrics(store, time.Now().Add(-30*time.Second))

	// An address with a refresh and a range the page cannot use.
	p := b.Open(t, srv.URL("D")+"&refresh=-1#range=bogus", browsertest.Loopback)
	p.Wait(t, `Number(document.body.dataset.updates) >= 1`, 10*time.Second)
	got := browsertest.Eval[map[string]any](t, p, `({status: document.getElementById("status").textContent, retryIn: Number(document.body.dataset.retryIn),
		pressed: [...document.querySelectorAll('[aria-pressed="true"]')].map(b => b.dataset.range)})`)
	status := got["status"].(string)
	if !strings.Contains(status, "refreshes every 5 s") || !strings.Contains(status, "refresh=-1 is not a number of seconds from 1 to 3600: the default is used") ||
		!strings.Contains(status, "range=bogus is not one of 60, 300, 900, run: the default is shown") || got["retryIn"] != 5000.0 {
		t.Errorf("status %q, next refresh in %v ms; want the 5 s default and both refusals said", status, got["retryIn"])
	}
	if pressed := fmt.Sprint(got["pressed"]); pressed != "["+dashboard.DefaultRange+"]" {
		t.Errorf("range buttons pressed: %s, want the default's", pressed)
	}

	// A refresh too long for a browser's timer (it would fire at once, in a loop) and a range that
	// is no URI encoding (decodeURIComponent throws on it) are refused the same way.
	r := b.Open(t, srv.URL("D")+"&refresh=3000000#range=%", browsertest.Loopback)
	r.Wait(t, `Number(document.body.dataset.updates) >= 1`, 10*time.Second)
	status = browsertest.Eval[string](t, r, `document.getElementById("status").textContent`)
	if !strings.Contains(status, "refresh=3000000 is not a number of seconds from 1 to 3600") || !strings.Contains(status, "range=% is not one of") {
		t.Errorf("status %q, want the refresh and the range refused", status)
	}
	r.Check(t)

	// WHEN the cloud's page server stops
	q := b.Open(t, srv.URL("D")+"&refresh=1", browsertest.Loopback)
	q.Wait(t, `Number(document.body.dataset.updates) >= 1 && !document.getElementById("fault").hidden`, 10*time.Second)
	updated := browsertest.Eval[string](t, q, `document.getElementById("status").textContent.match(/updated (\d\d:\d\d:\d\d)/)[1]`)
	p.Check(t) // before the stop: a refused fetch is logged as a console error
	srv.Close()
	closedAt := time.Now().UTC().Format(time.TimeOnly)
	q.Wait(t, `document.body.dataset.stale === "true"`, 10*time.Second)
	st := browsertest.Eval[map[string]any](t, q, `(() => { const s = document.getElementById("stale"), f = document.getElementById("fault");
		return {notice: s.hidden ? "" : s.textContent, opacity: Number(getComputedStyle(document.getElementById("grid")).opacity),
			banner: getComputedStyle(f, "::after").content, live: f.getAttribute("aria-live"), retryIn: Number(document.body.dataset.retryIn)}; })()`)
	notice := st["notice"].(string)
	// The last update: the one read before the stop, or a refresh that came in between (every 1 s),
	// not later than the stop.
	since := regexp.MustCompile(`Not updating since (\d\d:\d\d:\d\d) UTC`).FindStringSubmatch(notice)
	// (Times of day compare as text, unless midnight came between the update and the stop.)
	wrapped := closedAt < updated
	if since == nil || !wrapped && (since[1] < updated || since[1] > closedAt) || !strings.Contains(notice, "local cloud: dashboard … live at …") || !strings.Contains(notice, "chaoslab local up") {
		t.Errorf("stale notice %q, want the last update (%s to %s) and where the new address is", notice, updated, closedAt)
	}
	if since != nil {
		updated = since[1]
	}
	if st["opacity"].(float64) >= 1 || !strings.Contains(st["banner"].(string), "not updating since "+updated) {
		t.Errorf("stale page: charts' opacity %v, fault banner's mark %v; want the charts faded and the banner marked", st["opacity"], st["banner"])
	}
	// AND it backs off: the next try waits longer than the refresh, and longer again after it
	first := st["retryIn"].(float64)
	q.Wait(t, fmt.Sprintf(`Number(document.body.dataset.retryIn) > %v`, first), 15*time.Second)
	if first < 2000 {
		t.Errorf("first retry in %v ms, want it backed off from the 1 s refresh", first)
	}
}

// A cloud that has run for weeks or a year shows its whole run with dates on the time axis (ticks a
// day or more apart all read "00:00" as times), the labels apart from each other.
func TestLivePageOverWeeksLabelsDates(t *testing.T) {
	b := browsertest.Start(t, 60*time.Second)
	for _, c := range []struct {
		name  string
		ran   time.Duration
		label *regexp.Regexp
	}{
		{"20 days", 20 * 24 * time.Hour, regexp.MustCompile(`^\d\d-\d\d$`)},
		{"400 days", 400 * 24 * time.Hour, regexp.MustCompile(`^\d{4}-\d\d$`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN a dashboard put c.ran ago, as the page server's clock reads
			store := localcw.NewStore()
			later := time.Now().Add(c.ran)
			srv, cw := serveOpts(t, store, dashboard.Options{Metrics: store, Root: "../..", Now: func() time.Time { return later }})
			if _, err := cw.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String("D"),
				DashboardBody: aws.String(`{"widgets":[{"type":"metric","x":0,"y":0,"width":6,"height":6,"properties":{"region":"us-east-1","title":"M","metrics":[["NS","M"]]}}]}`)}); err != nil {
				t.Fatal(err)
			}
			// WHEN its whole run is shown in a quarter of the grid
			p := b.Open(t, srv.URL("D")+"#range=run", browsertest.Loopback)
			p.Viewport(t, 1280, 800)
			p.Wait(t, `Number(document.body.dataset.updates) >= 1 && ChaosDash.charts.w0 && ChaosDash.charts.w0.width < 400`, 10*time.Second)
			// THEN the time axis has dates, each once, and no label within 8 px of the next
			ls := browsertest.TickLabels(t, p)["w0"]
			if len(ls) < 2 {
				t.Fatalf("time-axis labels %v, want two or more", ls)
			}
			var texts []string
			for _, l := range ls {
				if !c.label.MatchString(l.Text) || slices.Contains(texts, l.Text) {
					t.Errorf("time-axis label %q: want each a date matching %s, once (all: %v)", l.Text, c.label, ls)
					break
				}
				texts = append(texts, l.Text)
			}
			if o := browsertest.Crowded(ls, 8); len(o) > 0 {
				t.Errorf("time-axis labels less than 8 px apart: %v", o)
			}
			p.Check(t)
		})
	}
}

// A request the cloud takes and never answers does not hold the page: it gives up, says the page is
// stale and why, and updates again once the cloud answers.
func TestLivePageGivesUpOnARequestNeverAnswered(t *testing.T) {
	b := browsertest.Start(t, 60*time.Second)
	store := localcw.NewStore()
	srv, cw := serve(t, store, nil)
	if _, err := cw.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String("D"),
		DashboardBody: aws.String(`{"widgets":[{"type":"metric","properties":{"region":"us-east-1","title":"M","metrics":[["NS","M"]]}}]}`)}); err != nil {
		t.Fatal(err)
	}
	// The page is served through a proxy on 127.0.0.1 that, while hang is set, takes the data
	// requests and answers none (until the browser gives up on them).
	target, err := url.Parse(srv.URL("D"))
	if err != nil {
		t.Fatal(err)
	}
	var hang atomic.Bool
	var hung atomic.Int32
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(&url.URL{Scheme: target.Scheme, Host: target.Host}) }}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() && strings.HasPrefix(r.URL.Path, "/api/") {
			hung.Add(1)
			<-r.Context().Done()
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	page := *target
	page.Host = strings.TrimPrefix(front.URL, "http://")

	p := b.Open(t, page.String()+"&refresh=1", browsertest.Loopback)
	p.Wait(t, `Number(document.body.dataset.updates) >= 1`, 10*time.Second)
	// WHEN the cloud stops answering
	hang.Store(true)
	// THEN after 10 s without an answer the page says it is stale, and that nothing answered
	p.Wait(t, `document.body.dataset.stale === "true"`, 20*time.Second)
	status := browsertest.Eval[string](t, p, `document.getElementById("status").textContent`)
	notice := browsertest.Eval[string](t, p, `document.getElementById("stale").textContent`)
	if !strings.Contains(status, "no answer within 10 s") || !strings.Contains(notice, "no answer within 10 s") {
		t.Errorf("status %q, notice %q: want both to say no answer came within 10 s", status, notice)
	}
	if n := hung.Load(); n != 1 {
		t.Errorf("%d requests taken while none was answered, want 1 (the page asks again only after giving up)", n)
	}
	// WHEN the cloud answers again THEN the page updates by itself and is no longer stale
	updates := browsertest.Eval[float64](t, p, `Number(document.body.dataset.updates)`)
	hang.Store(false)
	p.Wait(t, fmt.Sprintf(`Number(document.body.dataset.updates) > %v && document.body.dataset.stale === "false"`, updates), 20*time.Second)
}

// axesPage opens, at 1280 × 800, a page with the lab's error-queue graph (messages on the left,
// the oldest message's age, up to 1.2 million seconds, on the right) as w0 and a graph of numbers
// down to -1.9 million as w1, each a third of the grid wide.
func axesPage(t *testing.T) *browsertest.Page {
	t.Helper()
	b := browsertest.Start(t, 60*time.Second)
	store := localcw.NewStore()
	srv, cw := serve(t, store, nil)
	if _, err := cw.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String("D"), DashboardBody: aws.String(
		`{"widgets":[{"type":"metric","x":0,"y":0,"width":8,"height":6,"properties":{"region":"us-east-1","title":"Error queue","view":"timeSeries","stat":"Maximum","period":60,
		"metrics":[["NS","Visible",{"label":"Messages visible"}],["NS","Age",{"label":"Oldest message age (s)","yAxis":"right"}]]}},
		{"type":"metric","x":8,"y":0,"width":8,"height":6,"properties":{"region":"us-east-1","title":"Balance","view":"timeSeries","stat":"Minimum","period":60,"metrics":[["NS","Balance"]]}}]}`)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for s := 240; s >= 1; s-- {
		at := now.Add(-time.Duration(s) * time.Second)
		store.Put(localcw.Datum{Namespace: "NS", Name: "Visible", Value: float64(240 - s), Unit: "Count", Time: at},
			localcw.Datum{Namespace: "NS", Name: "Age", Value: float64(240-s) * 5000, Unit: "Seconds", Time: at},
			localcw.Datum{Namespace: "NS", Name: "Balance", Value: -float64(240-s) * 8000, Unit: "None", Time: at})
	}
	p := b.Open(t, srv.URL("D")+"#range=300", browsertest.Loopback)
	p.Viewport(t, 1280, 800)
	p.Wait(t, `Number(document.body.dataset.updates) >= 1 && ChaosDash.charts.w1 && ChaosDash.charts.w1.width < 420`, 10*time.Second)
	return p
}

// A graph's value axes are as wide as their labels: a fixed 52 px axis cut a right axis'
// "1,000,000" to "1,000," and the minus off a left axis' "-1,500,000" at the chart's edge.
func TestLivePageValueAxesShowTheirLabelsWhole(t *testing.T) {
	p := axesPage(t)
	all := browsertest.ValueLabels(t, p)
	for _, c := range []struct {
		id, scale string
		wide      bool // has labels of seven digits and more: the ones that were cut off
	}{{"w0", "y", false}, {"w0", "y2", true}, {"w1", "y", true}} {
		ls, width, wide := all[c.id].Axes[c.scale], all[c.id].Width, false
		if len(ls) < 3 {
			t.Errorf("chart %s, axis %s: labels %v, want several", c.id, c.scale, ls)
		}
		for _, l := range ls {
			wide = wide || len(l.Text) >= 9 // "1,000,000", "-1,500,000"
			if l.Left < 0 || l.Right > width {
				t.Errorf("chart %s, axis %s: label %q spans %.1f–%.1f px, cut off by the canvas (0–%v px)", c.id, c.scale, l.Text, l.Left, l.Right, width)
			}
		}
		if c.wide && !wide {
			t.Errorf("chart %s, axis %s: labels %v, want some of seven digits (the case that was cut off)", c.id, c.scale, ls)
		}
	}
	p.Check(t)
}

// A graph with lines on both axes says in its legend which lines the right axis measures: the
// error queue's "Oldest message age (s)" was drawn against an unnamed right axis, its legend
// entry like the left line's.
func TestLivePageLegendNamesTheRightAxis(t *testing.T) {
	p := axesPage(t)
	legend := browsertest.Eval[[]string](t, p, `[...document.querySelectorAll('[data-widget-id="w0"] .u-legend .u-series:not(:first-child) .u-label')].map(e => e.textContent)`)
	if !slices.Equal(legend, []string{"Messages visible", "Oldest message age (s) (right axis)"}) {
		t.Errorf("legend %q, want the right axis' line marked as such", legend)
	}
	// A graph with one axis has nothing to tell apart.
	if one := browsertest.Eval[[]string](t, p, `[...document.querySelectorAll('[data-widget-id="w1"] .u-legend .u-series:not(:first-child) .u-label')].map(e => e.textContent)`); len(one) != 1 || strings.Contains(one[0], "axis") {
		t.Errorf("one-axis legend %q, want the line's label alone", one)
	}
	p.Check(t)
}

// Away from the cursor a legend reads each line's latest value in the range, and its time column
// says "latest": it read "–" for every line until hovered (and on a printed report, always).
// Hovering reads the values under the cursor; leaving reads the latest again.
func TestLivePageLegendReadsTheLatestValues(t *testing.T) {
	p := axesPage(t)
	legend := `[...document.querySelectorAll('[data-widget-id="w0"] .u-legend .u-series .u-value')].map(e => e.textContent)`
	// The chart's own data: the last point of each line (the period under way is left out).
	last := browsertest.Eval[[]float64](t, p, `ChaosDash.charts.w0.data.slice(1).map(ys => ys.filter(v => v != null).at(-1))`)
	if len(last) != 2 || last[0] <= 0 || last[1] <= 0 {
		t.Fatalf("the chart's last points %v, want one per line", last)
	}
	// reads says whether a legend shows the values, as the page prints them (three significant
	// digits).
	reads := func(legend []string, time string, values []float64) bool {
		if len(legend) != len(values)+1 || !strings.HasSuffix(legend[0], time) {
			return false
		}
		for i, v := range values {
			got, err := strconv.ParseFloat(legend[i+1], 64)
			if err != nil || math.Abs(got-v) > 0.005*math.Abs(v) {
				return false
			}
		}
		return true
	}
	if got := browsertest.Eval[[]string](t, p, legend); !reads(got, "latest", last) {
		t.Errorf("legend away from the cursor %q, want \"latest\" and the values %v", got, last)
	}
	// Hover over the first point, then leave.
	hovered := browsertest.Eval[[]string](t, p, `(() => { const u = ChaosDash.charts.w0;
		u.setCursor({left: u.valToPos(u.data[0][0], "x"), top: 10}); return `+legend+`; })()`)
	first := browsertest.Eval[[]float64](t, p, `ChaosDash.charts.w0.data.slice(1).map(ys => ys[0])`)
	if !reads(hovered, " UTC", first) {
		t.Errorf("legend over the first point %q, want its time and the values %v", hovered, first)
	}
	left := browsertest.Eval[[]string](t, p, `(() => { ChaosDash.charts.w0.setCursor({left: -10, top: -10}); return `+legend+`; })()`)
	if !reads(left, "latest", last) {
		t.Errorf("legend after the cursor left %q, want the latest values %v again", left, last)
	}
	p.Check(t)
}

// A chart is read from the keyboard as with a mouse: Tab reaches its plot; Home, the arrows and End
// move the cursor from one time to the next, the legend reads the values there and a live region
// says them; Escape takes the cursor away and the legend reads the latest again.
func TestLivePageChartsTakeTheKeyboard(t *testing.T) {
	p := axesPage(t)
	const focused = `document.activeElement && document.activeElement.matches('[data-widget-id="w0"] canvas')`
	for i := 0; i < 30 && !browsertest.Eval[bool](t, p, focused); i++ {
		p.Press(t, kb.Tab)
	}
	if !browsertest.Eval[bool](t, p, focused) {
		t.Fatalf("30 presses of Tab never reached the first chart; the focus is on %s", browsertest.Eval[string](t, p, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	legend := `[...document.querySelectorAll('[data-widget-id="w0"] .u-legend .u-series .u-value')].map(e => e.textContent)`
	said := `document.querySelector('[data-widget-id="w0"] .cd-sr[aria-live]').textContent`
	// in the range, the chart's points: their times and the first line's values
	points := browsertest.Eval[[][]float64](t, p, `(() => { const u = ChaosDash.charts.w0, out = [];
		u.data[0].forEach((x, i) => { if (x >= u.scales.x.min && x <= u.scales.x.max) out.push([x, u.data[1][i]]); }); return out; })()`)
	if len(points) < 3 {
		t.Fatalf("%d points in the range, want several", len(points))
	}
	at := func(name, key string, want []float64) {
		t.Helper()
		p.Press(t, key)
		clock := time.Unix(int64(want[0]), 0).UTC().Format("15:04:05") + " UTC"
		got := browsertest.Eval[[]string](t, p, legend)
		if len(got) != 3 || got[0] != clock || strings.TrimSpace(got[1]) != strconv.FormatFloat(want[1], 'f', -1, 64) {
			t.Errorf("after %s the legend reads %q, want %s and %v", name, got, clock, want[1])
		}
		if s := browsertest.Eval[string](t, p, said); !strings.HasPrefix(s, clock+": Messages visible "+strconv.FormatFloat(want[1], 'f', -1, 64)+"; Oldest message age (s) (right axis) ") {
			t.Errorf("after %s the live region says %q, want the time and each line's value", name, s)
		}
	}
	at("Home", kb.Home, points[0])
	at("ArrowRight", kb.ArrowRight, points[1])
	at("ArrowLeft", kb.ArrowLeft, points[0])
	at("ArrowLeft", kb.ArrowLeft, points[0]) // the range's first point is as far as it goes
	at("End", kb.End, points[len(points)-1])
	at("PageUp", kb.PageUp, points[max(0, len(points)-11)])
	at("PageDown", kb.PageDown, points[len(points)-1])
	p.Press(t, kb.Escape)
	if got := browsertest.Eval[[]string](t, p, legend); len(got) == 0 || !strings.HasSuffix(got[0], "latest") {
		t.Errorf("after Escape the legend reads %q, want the latest values", got)
	}
	// Tab on to the next chart takes the cursor away from this one, as the mouse leaving it does.
	at("End", kb.End, points[len(points)-1])
	p.Press(t, kb.Tab)
	if got := browsertest.Eval[[]string](t, p, legend); len(got) == 0 || !strings.HasSuffix(got[0], "latest") {
		t.Errorf("after Tab on to the next chart the legend reads %q, want the latest values", got)
	}
	p.Check(t)
}

// A fault window's dark edge marks when the fault went on: a fault on since before the range is
// shaded from the range's start without one there (the edge read as the fault going on at the
// range's start), and one that went on inside the range has it.
func TestLivePageFaultEdgeOnlyWhereTheFaultWentOn(t *testing.T) {
	b := browsertest.Start(t, 60*time.Second)
	store := localcw.NewStore()
	params := &fakeWrites{}
	srv, cw := serve(t, store, params)
	if _, err := cw.PutDashboard(context.Background(), &cloudwatch.PutDashboardInput{DashboardName: aws.String("D"), DashboardBody: aws.String(
		`{"widgets":[{"type":"metric","x":0,"y":0,"width":12,"height":6,"properties":{"region":"us-east-1","title":"M","metrics":[["NS","M"]]}}]}`)}); err != nil {
		t.Fatal(err)
	}
	// GIVEN a fault on from 150 s to 40 s ago, and another on since 20 s ago
	now := time.Now()
	const param = "/ChaosLab/failureLambdaConfig"
	second := now.Add(-20 * time.Second)
	params.writes = []ssm.Write{
		{Name: param, Time: now.Add(-150 * time.Second), Value: `{"isEnabled":true,"failureMode":"latency"}`},
		{Name: param, Time: now.Add(-40 * time.Second), Value: `{"isEnabled":false}`},
		{Name: param, Time: second, Value: `{"isEnabled":true,"failureMode":"latency"}`},
	}
	// WHEN the last minute is shown
	p := b.Open(t, srv.URL("D")+"#range=60", browsertest.Loopback)
	p.Wait(t, `Number(document.body.dataset.updates) >= 1 && ChaosDash.charts.w0`, 10*time.Second)
	// THEN the first window is shaded from the plot's left edge, with no edge line there, and the
	// second has its edge where it went on (the chart records what it shaded and where it drew
	// edges: a pixel test read a time-axis grid line that fell on the left edge as an edge)
	got := browsertest.Eval[map[string][]float64](t, p, `(() => { const u = ChaosDash.charts.w0;
		return {xmin: [u.scales.x.min], edges: JSON.parse(u.root.dataset.faultEdges || "[]"),
			shaded: JSON.parse(u.root.dataset.faults || "[]").map(w => w[0])}; })()`)
	xmin, want := got["xmin"][0], dashboard.Seconds(second)
	if len(got["shaded"]) != 2 || got["shaded"][0] != xmin {
		t.Errorf("shaded windows start at %v, want two, the first at the range's start %v", got["shaded"], xmin)
	}
	if len(got["edges"]) != 1 || math.Abs(got["edges"][0]-want) > 1 {
		t.Errorf("fault edges drawn at %v, want one, where the second fault went on (%v), none at the range's start (%v)", got["edges"], want, xmin)
	}
	// AND the edge is drawn there: the most opaque of three pixel columns around it, just under
	// the plot's top, is more than the shading alone (about 36)
	if a := browsertest.Eval[int](t, p, fmt.Sprintf(`(() => { const u = ChaosDash.charts.w0, b = u.bbox, x = Math.round(u.valToPos(%v, "x", true));
		const d = u.ctx.getImageData(x - 1, b.top + 2, 3, 1).data; return Math.max(d[3], d[7], d[11]); })()`, want)); a < 60 {
		t.Errorf("where the second fault went on: alpha %d, want the edge's (90 to 156)", a)
	}
	p.Check(t)
}
