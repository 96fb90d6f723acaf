package dashboard

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/ssm"
)

// Metrics is the local CloudWatch as the page uses it: the stored dashboards, GetMetricData (the
// same evaluator the probes go through), and its API for ListDashboards. *cloudwatch.Store is one.
type Metrics interface {
	Dashboard(name string) (string, bool)
	GetMetricData(queries []cloudwatch.Query, start, end time.Time, descending bool) ([]cloudwatch.Result, error)
	Handler() http.Handler
}

// Parameters is the local Parameter Store's write history. *ssm.Service is one.
type Parameters interface {
	Writes(since time.Time) []ssm.Write
}

var (
	_ Metrics    = (*cloudwatch.Store)(nil)
	_ Parameters = (*ssm.Service)(nil)
)

// Options configure New.
type Options struct {
	// Metrics is the local CloudWatch. Required.
	Metrics Metrics
	// Parameters is the local Parameter Store, whose history says when faults were on. Optional:
	// without it no window is shaded.
	Parameters Parameters
	// ParametersOf names the parameters whose faults a dashboard shades: its own stack's, when
	// several stacks share the cloud (a lab's trials side by side). Nil, or ok false (a dashboard
	// no stack owns): every parameter's.
	ParametersOf func(dashboard string) (names []string, ok bool)
	// Chart is the chart library. Default: LoadChartLibrary(Root).
	Chart *ChartLibrary
	// Root holds node_modules. Default: FindRoot.
	Root string
	// Refresh is how often the page fetches new data. Default: 5 s.
	Refresh time.Duration
	// Logger. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Server serves the live dashboard pages on 127.0.0.1. Every request needs the token made at
// New (?token=...): a browser cannot sign requests, so the token is what keeps other local
// users and web pages out.
type Server struct {
	opts    Options
	token   string
	started time.Time
	page    *template.Template
	index   *template.Template

	mu  sync.Mutex
	ln  net.Listener
	srv *http.Server
	url string
}

// Ranges are the time ranges the page offers, in seconds; 0 is "the whole run": since the
// dashboard was (re)deployed.
var Ranges = []struct {
	Key     string
	Seconds int
	Label   string
}{{"60", 60, "1 min"}, {"300", 300, "5 min"}, {"900", 900, "15 min"}, {"run", 0, "whole run"}}

// DefaultRange is the range a page opens with.
const DefaultRange = "run"

// New prepares a server: it loads the chart library and makes the token.
func New(opts Options) (*Server, error) {
	if opts.Metrics == nil {
		return nil, errors.New("dashboard: Options.Metrics is required")
	}
	if opts.Chart == nil {
		c, err := LoadChartLibrary(opts.Root)
		if err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		opts.Chart = c
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, fmt.Errorf("dashboard: token: %w", err)
	}
	s := &Server{opts: opts, token: hex.EncodeToString(tok[:]), started: opts.Now()}
	s.page = template.Must(template.New("live.html").Parse(string(asset("live.html"))))
	s.index = template.Must(template.New("index.html").Parse(string(asset("index.html"))))
	return s, nil
}

// Token is the page token (in every URL the server hands out).
func (s *Server) Token() string { return s.token }

// Listen starts serving on 127.0.0.1 at port (0: any free port) until ctx ends or Close.
func (s *Server) Listen(ctx context.Context, port int) (string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return "", fmt.Errorf("dashboard: listen: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.ln, s.srv, s.url = ln, srv, "http://"+ln.Addr().String()
	s.mu.Unlock()
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return ln.Addr().String(), nil
}

// Close stops serving.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// URL is the live page of the dashboard named name, token included ("" before Listen).
func (s *Server) URL(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.url == "" {
		return ""
	}
	return s.url + "/dashboards/" + url.PathEscape(name) + "?token=" + s.token
}

// IndexURL is the page listing every dashboard, token included ("" before Listen).
func (s *Server) IndexURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.url == "" {
		return ""
	}
	return s.url + "/?token=" + s.token
}

// csp keeps the pages to their own origin: nothing is loaded from anywhere else.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the pages, their assets and the data API; every path needs the token.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveIndex)
	mux.HandleFunc("GET /dashboards/{name}", s.servePage)
	mux.HandleFunc("GET /api/dashboards/{name}", s.serveView)
	mux.HandleFunc("GET /assets/{file}", s.serveAsset)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("token")), []byte(s.token)) != 1 {
			http.Error(w, "forbidden: this page needs the token that `chaoslab local up` printed with its URL", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	var body []byte
	ctype := "text/javascript; charset=utf-8"
	switch r.PathValue("file") {
	case "uPlot.iife.min.js":
		body = s.opts.Chart.JS
	case "uPlot.min.css":
		body, ctype = s.opts.Chart.CSS, "text/css; charset=utf-8"
	case "widgets.js", "live.js":
		body = asset(r.PathValue("file"))
	case "widgets.css", "live.css":
		body, ctype = asset(r.PathValue("file")), "text/css; charset=utf-8"
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(body)
}

// dashboardInfo is a ListDashboards entry.
type dashboardInfo struct {
	Name     string
	Modified time.Time
}

// dashboards lists the stored dashboards through the local CloudWatch's own API (JSON 1.0, in
// process): the names, and when each was last put (the start of "the whole run").
func (s *Server) dashboards() ([]dashboardInfo, error) {
	req, err := http.NewRequest("POST", "http://monitoring/", strings.NewReader("{}"))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801.ListDashboards")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	s.opts.Metrics.Handler().ServeHTTP(rec, req)
	if rec.code != http.StatusOK {
		return nil, fmt.Errorf("ListDashboards: %d %s", rec.code, strings.TrimSpace(rec.body.String()))
	}
	var out struct {
		DashboardEntries []struct {
			DashboardName string
			LastModified  json.RawMessage
		}
	}
	if err := json.Unmarshal(rec.body.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("ListDashboards: %w", err)
	}
	var list []dashboardInfo
	for _, e := range out.DashboardEntries {
		d := dashboardInfo{Name: e.DashboardName}
		var secs float64
		var text string
		if json.Unmarshal(e.LastModified, &secs) == nil && secs > 0 {
			d.Modified = time.Unix(0, int64(secs*1e9))
		} else if json.Unmarshal(e.LastModified, &text) == nil {
			d.Modified, _ = time.Parse(time.RFC3339Nano, text)
		}
		list = append(list, d)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}

// recorder is the ResponseWriter of an in-process call (httptest's would add its flag to the
// binaries that import this package).
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	list, err := s.dashboards()
	type entry struct{ Name, URL, Modified string }
	data := struct {
		Error, Token string
		Entries      []entry
	}{Token: s.token}
	if err != nil {
		data.Error = err.Error()
	}
	for _, d := range list {
		data.Entries = append(data.Entries, entry{Name: d.Name, URL: "/dashboards/" + url.PathEscape(d.Name) + "?token=" + s.token,
			Modified: d.Modified.UTC().Format("2006-01-02 15:04:05 UTC")})
	}
	s.html(w, s.index, data)
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, ok := s.opts.Metrics.Dashboard(name); !ok {
		http.Error(w, fmt.Sprintf("no dashboard named %q is deployed (the list: /?token=...)", name), http.StatusNotFound)
		return
	}
	type rng struct{ Key, Label string }
	data := struct {
		Name, Token, ChartVersion string
		RefreshMillis             int64
		Ranges                    []rng
		Default                   string
	}{Name: name, Token: s.token, ChartVersion: s.opts.Chart.Version, RefreshMillis: s.opts.Refresh.Milliseconds(), Default: DefaultRange}
	for _, x := range Ranges {
		data.Ranges = append(data.Ranges, rng{x.Key, x.Label})
	}
	s.html(w, s.page, data)
}

func (s *Server) html(w http.ResponseWriter, t *template.Template, data any) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// LiveView is the page's data: a View, and the live page's own facts.
type LiveView struct {
	View
	Name    string `json:"name"`
	Range   string `json:"range"`
	Updated string `json:"updated"`
	// Problems are what the body could not be read for (the widgets that could still are drawn).
	Problems []string `json:"problems,omitempty"`
}

func (s *Server) serveView(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	v, status, err := s.View(name, r.URL.Query().Get("range"))
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// View builds the live data of the dashboard named name over rangeKey (one of Ranges' keys; ""
// is DefaultRange). The status is the HTTP status of an error.
func (s *Server) View(name, rangeKey string) (*LiveView, int, error) {
	body, ok := s.opts.Metrics.Dashboard(name)
	if !ok {
		return nil, http.StatusNotFound, fmt.Errorf("no dashboard named %q", name)
	}
	if rangeKey == "" {
		rangeKey = DefaultRange
	}
	now := s.opts.Now()
	var start time.Time
	for _, x := range Ranges {
		if x.Key == rangeKey {
			start = now.Add(-time.Duration(x.Seconds) * time.Second)
			if x.Seconds == 0 {
				start = s.runStart(name)
			}
		}
	}
	if start.IsZero() {
		return nil, http.StatusBadRequest, fmt.Errorf("range %q: want one of 60, 300, 900, run", rangeKey)
	}
	// At least a minute, so a fresh deployment still has a range to draw.
	if now.Sub(start) < time.Minute {
		start = now.Add(-time.Minute)
	}
	lv := &LiveView{Name: name, Range: rangeKey, Updated: now.UTC().Format(time.RFC3339)}
	b, perr := Parse(body)
	if perr != nil {
		lv.Problems = append(lv.Problems, perr.Error())
	}
	if b == nil {
		b = &Body{}
	}
	lv.View = BuildView(name, b, start, now, s.faults(name), func(i int, qs []Query, from, to time.Time) ([]Result, error) {
		return s.query(i, qs, from, completed(b.Widgets[i], qs, to))
	})
	return lv, http.StatusOK, nil
}

// completed is the end of a graph's last complete period at now: the period under way has only
// part of its data (a Sum reads low, a ratio of metrics that arrive at different times reads
// wrong), a false drop at the graph's right edge, so the live graphs leave it out. Other views
// show the latest datapoint as CloudWatch does, the period under way included.
func completed(w Widget, qs []Query, now time.Time) time.Time {
	p := int64(QueryPeriod(qs))
	if w.View != "timeSeries" || p <= 0 {
		return now
	}
	return time.Unix(now.Unix()/p*p, 0)
}

// runStart is when the dashboard was last put (its deployment), or when the server started.
func (s *Server) runStart(name string) time.Time {
	list, err := s.dashboards()
	if err != nil {
		s.opts.Logger.Warn("dashboard list", "err", err)
	}
	for _, d := range list {
		if d.Name == name && !d.Modified.IsZero() {
			return d.Modified
		}
	}
	return s.started
}

// faults are the fault windows of the parameters dashboard shades (Options.ParametersOf).
func (s *Server) faults(dashboard string) []FaultWindow {
	if s.opts.Parameters == nil {
		return nil
	}
	var own map[string]bool
	if s.opts.ParametersOf != nil {
		if names, ok := s.opts.ParametersOf(dashboard); ok {
			own = map[string]bool{}
			for _, n := range names {
				own[n] = true
			}
		}
	}
	var ws []Write
	for _, w := range s.opts.Parameters.Writes(time.Time{}) {
		if own == nil || own[w.Name] {
			ws = append(ws, Write{Parameter: w.Name, Time: w.Time, Value: w.Value, Deleted: w.Deleted})
		}
	}
	return FaultWindows(ws)
}

// query runs a widget's queries on the local CloudWatch.
func (s *Server) query(widget int, qs []Query, start, end time.Time) ([]Result, error) {
	in := make([]cloudwatch.Query, 0, len(qs))
	for _, q := range qs {
		cq := cloudwatch.Query{ID: q.ID, Label: q.Label, Expression: q.Expression, ReturnData: q.ReturnData}
		if q.Expression == "" {
			dims := map[string]string{}
			for _, d := range q.Dimensions {
				dims[d.Name] = d.Value
			}
			cq.MetricStat = &cloudwatch.MetricStat{Namespace: q.Namespace, Name: q.MetricName, Dimensions: dims,
				Period: time.Duration(q.Period) * time.Second, Stat: q.Stat}
		}
		in = append(in, cq)
	}
	rs, err := s.opts.Metrics.GetMetricData(in, start, end, false)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(rs))
	for _, r := range rs {
		out = append(out, Result{ID: r.ID, Label: r.Label, Timestamps: r.Timestamps, Values: r.Values})
	}
	return out, nil
}

// QueryFunc runs the GetMetricData queries of the widget at index widget of the body over
// [start, end).
type QueryFunc func(widget int, qs []Query, start, end time.Time) ([]Result, error)

// BuildView draws every widget of b over [start, end]: each metric widget's queries go through
// query at the widget's period (GraphPeriod for graphs), with the start aligned to that period
// (but for a number of the whole range, Widget.WholeRange);
// faults are shaded where they overlap the range. The live page and the reports both build
// their views here.
func BuildView(title string, b *Body, start, end time.Time, faults []FaultWindow, query QueryFunc) View {
	v := View{Title: title, Start: Seconds(start), End: Seconds(end), Faults: []FaultSpan{}, Widgets: []WidgetView{}}
	for _, f := range Spans(faults, end) {
		if f.End > v.Start && f.Start < v.End {
			v.Faults = append(v.Faults, f)
		}
	}
	rangeSeconds := int(math.Round(end.Sub(start).Seconds()))
	for i, w := range b.Widgets {
		period := w.WidgetPeriod(rangeSeconds)
		wv := NewWidgetView("w"+strconv.Itoa(i), w, period)
		if w.Type == "metric" && len(w.Lines) > 0 && query != nil {
			qs := w.Queries(period)
			from := start
			if p := QueryPeriod(qs); p > 0 && !w.WholeRange() {
				from = time.Unix(start.Unix()/int64(p)*int64(p), 0)
			}
			rs, err := query(i, qs, from, end)
			if err != nil {
				wv.Error = "GetMetricData: " + err.Error()
			} else {
				wv.SetResults(w, rs)
			}
		}
		v.Widgets = append(v.Widgets, wv)
	}
	return v
}

// QueryPeriod is the shortest metric period of qs (0 if none): the period a widget's data came at.
func QueryPeriod(qs []Query) int {
	p := 0
	for _, q := range qs {
		if q.Period > 0 && (p == 0 || q.Period < p) {
			p = q.Period
		}
	}
	return p
}
