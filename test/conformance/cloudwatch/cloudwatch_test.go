// Package cloudwatchconformance drives the local CloudWatch (local/cloudwatch behind the local
// cloud's gateway) with CloudWatch clients this project did not write: Debian's AWS CLI 2.9 and
// python3-boto3 1.26 (older botocore: the query protocol) and, where they are on the machine, the
// AWS CLI v1 and boto3 of a pip-installed Python first on PATH (pyenv's here, botocore 1.43: JSON
// 1.0). Each runs the seed's probe (`aws cloudwatch get-metric-data --metric-data-queries
// file://steadyStateFlight.json ...` with its metric-math expression) and the other calls the lab makes, and the test checks the values
// that come back and which protocol each client spoke. A CLI's commands are each a process of their
// own forked from a server that has imported awscli (awsclients.CLIRunner).
//
// internal/awsclients finds the clients. Debian's two are required (`make test` installs them
// with apt): one missing fails its subtest when the environment variable CI is set and skips it
// elsewhere. The pip ones are optional: one missing has no subtest, only a line in the log saying
// how to add it. -short skips the whole test.
package cloudwatchconformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/awsclients"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// childTimeout bounds every client process.
const childTimeout = 90 * time.Second

// expectation is what a CloudWatch client that is not ours must do, by awsclients name.
type expectation struct {
	protocol string // the protocol it must speak: "json" or "query"
	// gzip: botocore ≥ 1.31 gzips a PutMetricData body over 10 KiB.
	gzip bool
}

var expected = map[string]expectation{
	awsclients.CLIv1:       {protocol: "json", gzip: true},
	awsclients.CLIv2Debian: {protocol: "query"},
	awsclients.Boto3Debian: {protocol: "query"},
	awsclients.Boto3Pip:    {protocol: "json", gzip: true},
}

// output runs a child bounded by childTimeout and returns its stdout; on failure the error
// carries stderr.
func output(ctx context.Context, env []string, dir, path string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, childTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env, cmd.Dir, cmd.WaitDelay = env, dir, 5*time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s %s: timed out after %s: %w", path, strings.Join(args, " "), childTimeout, ctx.Err())
	}
	if err != nil {
		return stdout.String(), &childError{err: err, stderr: stderr.String()}
	}
	return stdout.String(), nil
}

type childError struct {
	err    error
	stderr string
}

func (e *childError) Error() string {
	return fmt.Sprintf("%v; stderr: %s", e.err, strings.TrimSpace(e.stderr))
}

// childEnv is a clean environment: no user configuration, the fixture's key (made at its start,
// as the local cloud makes one at each start, and checked by its gateway).
func childEnv(t *testing.T, clientPath, endpoint string, key gateway.Credential) []string {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o755); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(home, ".aws", "config")
	if err := os.WriteFile(config, []byte("[default]\nregion = us-east-1\noutput = json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + filepath.Dir(clientPath) + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + config,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_ACCESS_KEY_ID=" + key.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + key.SecretAccessKey,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_OUTPUT=json",
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=2",
		"TZ=UTC",
		"LANG=C.UTF-8",
	}
	if v := os.Getenv("PYENV_ROOT"); v != "" {
		env = append(env, "PYENV_ROOT="+v)
	}
	if endpoint != "" {
		env = append(env, "AWS_ENDPOINT_URL="+endpoint)
	}
	return env
}

// seen is what the gateway saw of one CloudWatch request.
type seen struct{ protocol, op, encoding string }

// fixture is a local CloudWatch behind the local cloud's gateway on 127.0.0.1.
type fixture struct {
	store    *localcw.Store
	endpoint string
	key      gateway.Credential // the only key the fixture's gateway accepts
	mu       sync.Mutex
	seen     []seen
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{store: localcw.NewStore()}
	keys := gateway.NewKeyStore()
	f.key = keys.NewKey("arn:aws:iam::000000000000:root")
	g := gateway.New(gateway.Options{Keys: keys, Region: "us-east-1"})
	g.Handle("monitoring", f.store.Handler())
	g.Use("monitoring", f.record)
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := g.Listen(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		g.Close()
	})
	f.endpoint = "http://" + addr
	return f
}

// record notes each request's protocol, as the three protocols mark it.
func (f *fixture) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{encoding: r.Header.Get("Content-Encoding")}
		switch target := r.Header.Get("X-Amz-Target"); {
		case r.Header.Get("Smithy-Protocol") != "":
			s.protocol, s.op = "rpc-v2-cbor", filepath.Base(r.URL.Path)
		case target != "":
			s.protocol, s.op = "json", strings.TrimPrefix(target, "GraniteServiceVersion20100801.")
		case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
			s.protocol = "query"
			if s.encoding == "" {
				body, _ := readAll(r)
				if m := regexp.MustCompile(`(?:^|&)Action=(\w+)`).FindSubmatch(body); m != nil {
					s.op = string(m[1])
				}
			}
		default:
			s.protocol = "other: " + r.Header.Get("Content-Type")
		}
		f.mu.Lock()
		f.seen = append(f.seen, s)
		f.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	r.Body = readCloser{bytes.NewReader(b.Bytes())}
	return b.Bytes(), err
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func (f *fixture) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.seen)
}

// params are one run's inputs, shared by the CLI commands and the boto3 script.
type params struct {
	Endpoint      string           `json:"endpoint,omitempty"`
	Namespace     string           `json:"namespace"`
	Table         string           `json:"table"`
	Start         float64          `json:"start"`
	End           float64          `json:"end"`
	T             float64          `json:"t"`
	Queries       []map[string]any `json:"queries"`
	Trimmed       []map[string]any `json:"trimmed_queries"`
	Dashboard     string           `json:"dashboard"`
	DashboardBody string           `json:"dashboard_body"`
	Alarm         string           `json:"alarm"`
	AlarmReason   string           `json:"alarm_reason"` // SetAlarmState's

	start, end, t time.Time
	queriesJSON   []byte
}

const (
	jsonQueue = "chaos-json-queue"
	csvQueue  = "chaos-csv-queue"
	table     = "chaos-table"
	bulkDim   = "bulk-" // + 80 × "x"
)

var bulkValue = bulkDim + strings.Repeat("x", 80)

// trimmedQueries asks GetMetricData for the Bulk values' trimmed mean and interquartile mean.
func trimmedQueries(namespace string) []map[string]any {
	var qs []map[string]any
	for id, stat := range map[string]string{"tm90": "tm90", "iqm": "IQM"} {
		qs = append(qs, map[string]any{"Id": id, "ReturnData": true, "MetricStat": map[string]any{
			"Metric": map[string]any{"Namespace": namespace, "MetricName": "Bulk", "Dimensions": []map[string]string{{"Name": "Function", "Value": bulkValue}}},
			"Period": 300, "Stat": stat}})
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i]["Id"].(string) > qs[j]["Id"].(string) }) // tm90, then iqm
	return qs
}

// newParams reads the seed's probe queries (experiments/steadyStateFlight.json) with the stack's
// names filled in, and seeds the AWS/SQS metrics the probe reads (the gateway witnesses those in
// the lab; PutMetricData may not write AWS/ namespaces).
func newParams(t *testing.T, f *fixture) *params {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "experiments", "steadyStateFlight.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw = []byte(strings.NewReplacer("${json_queue}", jsonQueue, "${csv_queue}", csvQueue, "${dynamodb_table}", table).Replace(string(raw)))
	// Whole minutes: CloudWatch rounds a query's StartTime down to its minute (its age under 15
	// days), so the datapoints expected below are at the start's whole minutes.
	now := time.Now().UTC().Truncate(time.Minute)
	p := &params{Namespace: "ChaosTransformer", Table: table, Dashboard: "lab-conformance", Alarm: "lab-conformance-errors", queriesJSON: raw,
		start: now.Add(-5 * time.Minute), end: now, t: now.Add(-5 * time.Minute).Add(90 * time.Second)}
	p.Start, p.End, p.T = float64(p.start.Unix()), float64(p.end.Unix()), float64(p.t.Unix())
	p.Trimmed = trimmedQueries(p.Namespace)
	if err := json.Unmarshal(raw, &p.Queries); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"widgets": []any{map[string]any{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
		"properties": map[string]any{"metrics": [][]string{{"ChaosTransformer", "SymbolWriteCount", "DynamoDBTable", table}}, "region": "us-east-1", "title": "writes <&> \"quoted\""}}}})
	p.DashboardBody = string(body)
	f.store.Put(
		localcw.Datum{Namespace: "AWS/SQS", Name: "NumberOfMessagesSent", Dimensions: map[string]string{"QueueName": jsonQueue}, Value: 10, Unit: "Count", Time: p.t},
		localcw.Datum{Namespace: "AWS/SQS", Name: "NumberOfMessagesSent", Dimensions: map[string]string{"QueueName": csvQueue}, Value: 7, Unit: "Count", Time: p.t},
	)
	return p
}

// flexTime is a timestamp as the clients print it: epoch seconds (boto3 in this script, the AWS
// CLI v1 with JSON 1.0 answers) or an ISO 8601 string.
type flexTime struct{ time.Time }

func (f *flexTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999-0700"} {
			if t, err := time.Parse(l, s); err == nil {
				f.Time = t
				return nil
			}
		}
		return fmt.Errorf("timestamp %q", s)
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	f.Time = time.UnixMilli(int64(math.Round(n * 1e3)))
	return nil
}

type result struct {
	ID         string     `json:"Id"`
	Label      string     `json:"Label"`
	Values     []float64  `json:"Values"`
	Timestamps []flexTime `json:"Timestamps"`
	StatusCode string     `json:"StatusCode"`
}

type datapoint struct {
	Timestamp          flexTime           `json:"Timestamp"`
	Sum                *float64           `json:"Sum"`
	SampleCount        *float64           `json:"SampleCount"`
	Maximum            *float64           `json:"Maximum"`
	Minimum            *float64           `json:"Minimum"`
	Average            *float64           `json:"Average"`
	Unit               string             `json:"Unit"`
	ExtendedStatistics map[string]float64 `json:"ExtendedStatistics"`
}

type clientError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
	Modeled bool   `json:"modeled"`
	Class   string `json:"class"`
}

// observed is what a client got back, the same for the CLI and boto3.
type observed struct {
	ProbeValue *float64
	Probe      []result    `json:"probe"`
	Ascending  []result    `json:"ascending"`
	Metrics    []string    `json:"metrics"`
	Latency    []datapoint `json:"latency"`
	Bulk       []datapoint `json:"bulk"`
	Trimmed    []result    `json:"trimmed"` // the Bulk values' tm90 and IQM (GetMetricData)
	Dashboard  struct {
		DashboardName, DashboardBody, DashboardArn string
	} `json:"dashboard"`
	Dashboards []struct {
		DashboardName string
		Size          int64
		LastModified  flexTime
	} `json:"dashboards"`
	Errors      map[string]*clientError `json:"errors"`
	AfterDelete int                     `json:"after_delete"`
	Alarms      struct {
		ForMetric []struct {
			AlarmName      string
			ActionsEnabled bool
			Dimensions     []struct{ Name, Value string }
		} `json:"for_metric"`
		History     []historyItem `json:"history"`      // every page, newest first
		AfterDelete []historyItem `json:"after_delete"` // the newest ConfigurationUpdate after DeleteAlarms
	} `json:"alarms"`
}

// historyItem is an item of DescribeAlarmHistory's answer.
type historyItem struct {
	AlarmName, AlarmType, HistoryItemType, HistorySummary, HistoryData string
	Timestamp                                                          flexTime
}

func TestCloudWatchWithClientsNotOurs(t *testing.T) {
	testenv.SkipIfShort(t, "runs the AWS CLIs and boto3 as child processes")
	ctx := context.Background()
	found, missing := awsclients.Find(ctx)
	awsclients.RunAll(t, found, missing, func(t *testing.T, c awsclients.Client) { // each on a fixture of its own
		want, ok := expected[c.Name]
		if !ok {
			t.Fatalf("%s: no expected protocol for it", c.Name)
		}
		path := c.Path
		t.Logf("%s: %s (%s)", c.Name, path, c.Version)
		f := newFixture(t)
		p := newParams(t, f)
		endpointEnv := ""
		if c.EndpointEnv {
			endpointEnv = f.endpoint
		} else {
			p.Endpoint = f.endpoint
		}
		env := childEnv(t, path, endpointEnv, f.key)
		python := c.Kind == awsclients.Python
		p.AlarmReason = "testing by " + c.Name
		var o *observed
		if python {
			o = runBoto3(ctx, t, env, path, p)
		} else {
			o = runCLI(ctx, t, env, c, p)
		}
		checkObserved(t, o, p, python)
		checkAlarms(t, o, p, f.requests())
		checkProtocol(t, f.requests(), c.Name, want)
	})
}

func runBoto3(ctx context.Context, t *testing.T, env []string, python string, p *params) *observed {
	arg, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_cloudwatch.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := output(ctx, env, t.TempDir(), python, script, string(arg))
	if err != nil {
		t.Fatalf("boto3 script: %v", err)
	}
	var o observed
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatalf("boto3 script output: %v\n%s", err, out)
	}
	if len(o.Probe) > 0 && len(o.Probe[0].Values) > 0 {
		o.ProbeValue = &o.Probe[0].Values[0]
	}
	var versions struct{ Boto3, Botocore string }
	_ = json.Unmarshal([]byte(out), &versions)
	t.Logf("boto3 %s, botocore %s", versions.Boto3, versions.Botocore)
	return &o
}

var cliErrorCode = regexp.MustCompile(`An error occurred \((\w+)\)`)

func runCLI(ctx context.Context, t *testing.T, env []string, c awsclients.Client, p *params) *observed {
	dir := t.TempDir()
	cli, err := awsclients.NewCLIRunner(ctx, c, env, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	write := func(name string, v any) {
		t.Helper()
		b, ok := v.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	iso := func(tm time.Time) string { return tm.UTC().Format("2006-01-02T15:04:05Z") } // date -u '+%Y-%m-%dT%H:%M:%SZ'
	tableDims := []map[string]string{{"Name": "DynamoDBTable", "Value": p.Table}}
	write("steadyStateFlight.json", p.queriesJSON)
	write("data.json", []map[string]any{
		{"MetricName": "SymbolWriteCount", "Dimensions": tableDims, "Timestamp": iso(p.t), "Value": 5, "Unit": "Count"},
		{"MetricName": "SymbolWriteCount", "Dimensions": tableDims, "Timestamp": iso(p.t), "Unit": "Count",
			"StatisticValues": map[string]float64{"SampleCount": 2, "Sum": 3, "Minimum": 1, "Maximum": 2}},
		{"MetricName": "Latency", "Dimensions": tableDims, "Timestamp": iso(p.t), "Unit": "Milliseconds", "Values": []float64{3, 2}, "Counts": []float64{1, 2}},
	})
	var bulk []map[string]any
	for i := range 300 {
		bulk = append(bulk, map[string]any{"MetricName": "Bulk", "Dimensions": []map[string]string{{"Name": "Function", "Value": bulkValue}}, "Timestamp": iso(p.t), "Value": i % 10})
	}
	write("bulk.json", bulk)
	write("ascending.json", []map[string]any{
		{"Id": "w", "MetricStat": map[string]any{"Metric": map[string]any{"Namespace": p.Namespace, "MetricName": "SymbolWriteCount", "Dimensions": tableDims}, "Period": 60, "Stat": "Sum"}, "ReturnData": true},
		{"Id": "e", "Expression": "FILL(w, 0) * 2", "Label": "doubled"},
	})
	write("dashboard.json", []byte(p.DashboardBody))

	var base []string
	if p.Endpoint != "" {
		base = []string{"--endpoint-url", p.Endpoint}
	}
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, childTimeout)
		defer cancel()
		stdout, stderr, err := cli.Run(ctx, append(append(slices.Clone(base), "cloudwatch"), args...)...)
		if err != nil {
			return string(stdout), &childError{err: err, stderr: string(stderr)}
		}
		return string(stdout), nil
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("aws cloudwatch %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	decode := func(out string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("CLI output: %v\n%s", err, out)
		}
	}
	failure := func(args ...string) *clientError {
		t.Helper()
		out, err := run(args...)
		var ce *childError
		if !errors.As(err, &ce) {
			t.Errorf("aws cloudwatch %s: want an error, got %v\n%s", strings.Join(args, " "), err, out)
			return nil
		}
		m := cliErrorCode.FindStringSubmatch(ce.stderr)
		if m == nil {
			t.Errorf("aws cloudwatch %s: no error code in stderr: %s", strings.Join(args, " "), ce.stderr)
			return nil
		}
		return &clientError{Code: m[1], Message: ce.stderr}
	}

	o := &observed{Errors: map[string]*clientError{}}
	must("put-metric-data", "--namespace", p.Namespace, "--metric-data", "file://data.json")
	must("put-metric-data", "--namespace", p.Namespace, "--metric-data", "file://bulk.json")

	// The seed's probe, as experiments/exp_*.json run it.
	probe := []string{"get-metric-data", "--metric-data-queries", "file://steadyStateFlight.json", "--start-time", iso(p.start), "--end-time", iso(p.end)}
	v := strings.TrimSpace(must(append(probe, "--query", "MetricDataResults[0].Values[0]")...))
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		o.ProbeValue = &f
	} else {
		t.Errorf("probe printed %q, want a number", v)
	}
	var gmd struct{ MetricDataResults []result }
	decode(must(probe...), &gmd)
	o.Probe = gmd.MetricDataResults
	gmd.MetricDataResults = nil
	decode(must("get-metric-data", "--metric-data-queries", "file://ascending.json", "--start-time", iso(p.start), "--end-time", iso(p.end), "--scan-by", "TimestampAscending"), &gmd)
	o.Ascending = gmd.MetricDataResults

	var lm struct {
		Metrics []struct {
			MetricName string
			Dimensions []struct{ Name, Value string }
		}
	}
	decode(must("list-metrics", "--namespace", p.Namespace), &lm)
	for _, m := range lm.Metrics {
		var ds []string
		for _, d := range m.Dimensions {
			ds = append(ds, d.Name+"="+d.Value)
		}
		o.Metrics = append(o.Metrics, m.MetricName+"{"+strings.Join(ds, ",")+"}")
	}
	sort.Strings(o.Metrics)

	var st struct{ Datapoints []datapoint }
	decode(must("get-metric-statistics", "--namespace", p.Namespace, "--metric-name", "Latency", "--dimensions", "Name=DynamoDBTable,Value="+p.Table,
		"--start-time", iso(p.start), "--end-time", iso(p.end), "--period", "300", "--statistics", "Sum", "SampleCount", "Maximum", "Minimum", "Average"), &st)
	o.Latency = st.Datapoints
	st.Datapoints = nil
	decode(must("get-metric-statistics", "--namespace", p.Namespace, "--metric-name", "Bulk", "--dimensions", "Name=Function,Value="+bulkValue,
		"--start-time", iso(p.start), "--end-time", iso(p.end), "--period", "300", "--extended-statistics", "p50", "p90"), &st)
	o.Bulk = st.Datapoints
	write("trimmed.json", p.Trimmed)
	gmd.MetricDataResults = nil
	decode(must("get-metric-data", "--metric-data-queries", "file://trimmed.json", "--start-time", iso(p.start), "--end-time", iso(p.end)), &gmd)
	o.Trimmed = gmd.MetricDataResults

	must("put-dashboard", "--dashboard-name", p.Dashboard, "--dashboard-body", "file://dashboard.json")
	decode(must("get-dashboard", "--dashboard-name", p.Dashboard), &o.Dashboard)
	var ld struct {
		DashboardEntries json.RawMessage
	}
	decode(must("list-dashboards", "--dashboard-name-prefix", p.Dashboard[:3]), &ld)
	decode(string(ld.DashboardEntries), &o.Dashboards)

	o.Errors["missing_dashboard"] = failure("get-dashboard", "--dashboard-name", "no-such-dashboard")
	o.Errors["reserved_namespace"] = failure("put-metric-data", "--namespace", "AWS/SQS", "--metric-name", "x", "--value", "1")
	o.Errors["unknown_id"] = failure("get-metric-data", "--metric-data-queries", `[{"Id":"e","Expression":"zz * 2"}]`, "--start-time", iso(p.start), "--end-time", iso(p.end))

	must("delete-dashboards", "--dashboard-names", p.Dashboard)
	ld.DashboardEntries = nil
	decode(must("list-dashboards"), &ld)
	var after []json.RawMessage
	decode(string(ld.DashboardEntries), &after)
	o.AfterDelete = len(after)

	// An alarm's life, as the boto3 script lives it; the CLI's own paginator reads the history a
	// page of one item at a time (--page-size) and prints the items of every page as one list.
	fn := "Name=FunctionName,Value=etl"
	must("put-metric-alarm", "--alarm-name", p.Alarm, "--namespace", p.Namespace, "--metric-name", "Errors", "--dimensions", fn,
		"--statistic", "Sum", "--period", "60", "--evaluation-periods", "1", "--threshold", "5", "--comparison-operator", "GreaterThanThreshold",
		"--treat-missing-data", "breaching", "--alarm-actions", "arn:aws:sns:us-east-1:000000000000:ops")
	must("set-alarm-state", "--alarm-name", p.Alarm, "--state-value", "OK", "--state-reason", p.AlarmReason)
	must("disable-alarm-actions", "--alarm-names", p.Alarm)
	var forMetric struct{ MetricAlarms json.RawMessage }
	decode(must("describe-alarms-for-metric", "--namespace", p.Namespace, "--metric-name", "Errors", "--dimensions", fn), &forMetric)
	decode(string(forMetric.MetricAlarms), &o.Alarms.ForMetric)
	var history struct{ AlarmHistoryItems []historyItem }
	decode(must("describe-alarm-history", "--alarm-name", p.Alarm, "--page-size", "1"), &history)
	o.Alarms.History = history.AlarmHistoryItems
	must("delete-alarms", "--alarm-names", p.Alarm)
	history.AlarmHistoryItems = nil
	decode(must("describe-alarm-history", "--alarm-name", p.Alarm, "--history-item-type", "ConfigurationUpdate", "--max-items", "1"), &history)
	o.Alarms.AfterDelete = history.AlarmHistoryItems
	return o
}

// checkAlarms checks the alarm's life as the client read it: DescribeAlarmsForMetric found it,
// its actions disabled; its history, read a page of one at a time, newest first, holds its
// creation (the oldest), its first evaluation (missing data breaching: INSUFFICIENT_DATA to ALARM),
// SetAlarmState's OK with the client's reason, and the update that disabled its actions; after
// DeleteAlarms its history says it was deleted.
func checkAlarms(t *testing.T, o *observed, p *params, reqs []seen) {
	t.Helper()
	a := o.Alarms
	if len(a.ForMetric) != 1 || a.ForMetric[0].AlarmName != p.Alarm || a.ForMetric[0].ActionsEnabled ||
		len(a.ForMetric[0].Dimensions) != 1 || a.ForMetric[0].Dimensions[0].Value != "etl" {
		t.Errorf("describe-alarms-for-metric = %+v, want %s with its actions disabled", a.ForMetric, p.Alarm)
	}
	pages := 0
	for _, r := range reqs {
		if r.op == "DescribeAlarmHistory" {
			pages++
		}
	}
	h := a.History
	// Pages of one item: one request per item at least (the query protocol's op is read from the body).
	if len(h) < 4 || pages < len(h) {
		t.Fatalf("describe-alarm-history: %d items in %d requests, want 4 or more in a page each: %+v", len(h), pages, h)
	}
	type data struct {
		Type                  string `json:"type"`
		NewState              struct{ StateValue, StateReason string }
		CreatedAlarm          map[string]any `json:"createdAlarm"`
		UpdatedAlarm          map[string]any `json:"updatedAlarm"`
		OriginalUpdatedFields map[string]any `json:"originalUpdatedFields"`
	}
	found := map[string]bool{}
	for i, item := range h {
		var d data
		if err := json.Unmarshal([]byte(item.HistoryData), &d); err != nil {
			t.Errorf("item %d: HistoryData is not JSON: %v: %s", i, err, item.HistoryData)
		}
		if item.AlarmName != p.Alarm || item.AlarmType != "MetricAlarm" {
			t.Errorf("item %d: alarm %q of type %q", i, item.AlarmName, item.AlarmType)
		}
		if i > 0 && item.Timestamp.After(h[i-1].Timestamp.Time) {
			t.Errorf("item %d at %v after item %d at %v: want newest first", i, item.Timestamp.Time, i-1, h[i-1].Timestamp.Time)
		}
		switch s := item.HistoryItemType + ": " + item.HistorySummary; s {
		case `ConfigurationUpdate: Alarm "` + p.Alarm + `" created`:
			found["created"] = d.Type == "Create" && fmt.Sprint(d.CreatedAlarm["threshold"]) == "5" && i == len(h)-1
		case "StateUpdate: Alarm updated from INSUFFICIENT_DATA to ALARM":
			found["evaluated"] = true
		case "StateUpdate: Alarm updated from ALARM to OK":
			found["set"] = found["set"] || d.NewState.StateReason == p.AlarmReason
		case `ConfigurationUpdate: Alarm "` + p.Alarm + `" updated`:
			found["disabled"] = d.Type == "Update" && d.OriginalUpdatedFields["actionsEnabled"] == true && d.UpdatedAlarm["actionsEnabled"] == false
		}
	}
	for _, k := range []string{"created", "evaluated", "set", "disabled"} {
		if !found[k] {
			t.Errorf("the history has no item for %s as it should be: %+v", k, h)
		}
	}
	if d := a.AfterDelete; len(d) != 1 || d[0].HistorySummary != `Alarm "`+p.Alarm+`" deleted` {
		t.Errorf("the history after delete-alarms: %+v, want its deletion", d)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func ptr(f *float64) string {
	if f == nil {
		return "absent"
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

func times(ts []flexTime) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.UTC()
	}
	return out
}

// checkObserved checks the values against what was put: SymbolWriteCount 5 + a statistic set of
// sum 3 = 8 (m2), NumberOfMessagesSent 10 (m1) and 7 (m3) seeded, so the probe's
// ((2*m1) - (m2+m3)) / (2*m1) * 100 = (20 - 15) / 20 * 100 = 25.
func checkObserved(t *testing.T, o *observed, p *params, boto3 bool) {
	t.Helper()
	if o.ProbeValue == nil || *o.ProbeValue != 25 {
		t.Errorf("probe value (MetricDataResults[0].Values[0]) = %s, want 25", ptr(o.ProbeValue))
	}
	if len(o.Probe) != 1 {
		t.Errorf("probe results = %+v, want only e1 (m1..m3 have ReturnData false)", o.Probe)
	} else if r := o.Probe[0]; r.ID != "e1" || r.Label != "Percent in flight" || fmt.Sprint(r.Values) != "[25]" ||
		fmt.Sprint(times(r.Timestamps)) != fmt.Sprint([]time.Time{p.start}) || r.StatusCode != "Complete" {
		t.Errorf("probe result = %+v, want e1 %q [25] at %v Complete", r, "Percent in flight", p.start)
	}

	if len(o.Ascending) != 2 {
		t.Errorf("ascending results = %+v, want w and e", o.Ascending)
	} else {
		w, e := o.Ascending[0], o.Ascending[1]
		if w.ID != "w" || w.Label != "SymbolWriteCount" || fmt.Sprint(w.Values) != "[8]" || fmt.Sprint(times(w.Timestamps)) != fmt.Sprint([]time.Time{p.start.Add(time.Minute)}) {
			t.Errorf("w = %+v, want SymbolWriteCount [8] at %v", w, p.start.Add(time.Minute))
		}
		var wantT []time.Time
		for i := range 5 {
			wantT = append(wantT, p.start.Add(time.Duration(i)*time.Minute))
		}
		if e.ID != "e" || e.Label != "doubled" || fmt.Sprint(e.Values) != "[0 16 0 0 0]" || fmt.Sprint(times(e.Timestamps)) != fmt.Sprint(wantT) {
			t.Errorf("e = %+v, want doubled [0 16 0 0 0] at %v", e, wantT)
		}
	}

	wantMetrics := []string{"Bulk{Function=" + bulkValue + "}", "Latency{DynamoDBTable=" + table + "}", "SymbolWriteCount{DynamoDBTable=" + table + "}"}
	if fmt.Sprint(o.Metrics) != fmt.Sprint(wantMetrics) {
		t.Errorf("list-metrics = %v, want %v", o.Metrics, wantMetrics)
	}

	if len(o.Latency) != 1 {
		t.Errorf("Latency datapoints = %+v, want 1", o.Latency)
	} else if d := o.Latency[0]; !d.Timestamp.Equal(p.start) || d.Unit != "Milliseconds" || ptr(d.Sum) != "7" || ptr(d.SampleCount) != "3" ||
		ptr(d.Maximum) != "3" || ptr(d.Minimum) != "2" || d.Average == nil || !near(*d.Average, 7.0/3) || d.ExtendedStatistics != nil {
		t.Errorf("Latency datapoint = %v %s sum %s count %s max %s min %s avg %s ext %v; want %v Milliseconds 7 3 3 2 2.33",
			d.Timestamp, d.Unit, ptr(d.Sum), ptr(d.SampleCount), ptr(d.Maximum), ptr(d.Minimum), ptr(d.Average), d.ExtendedStatistics, p.start)
	}
	if len(o.Bulk) != 1 {
		t.Errorf("Bulk datapoints = %+v, want 1", o.Bulk)
	} else if d := o.Bulk[0]; d.Sum != nil || d.SampleCount != nil || d.Maximum != nil || d.Unit != "None" ||
		fmt.Sprint(d.ExtendedStatistics) != "map[p50:4 p90:8]" {
		// Statistics and ExtendedStatistics may not be asked for together: percentiles only.
		t.Errorf("Bulk datapoint = sum %s count %s max %s unit %s ext %v; want absent absent absent None map[p50:4 p90:8]",
			ptr(d.Sum), ptr(d.SampleCount), ptr(d.Maximum), d.Unit, d.ExtendedStatistics)
	}

	// 300 values, 0 to 9 thirty times each: tm90 drops the 30 nines, IQM keeps ranks 76 to 225.
	if len(o.Trimmed) != 2 || o.Trimmed[0].ID != "tm90" || fmt.Sprint(o.Trimmed[0].Values) != "[4]" ||
		o.Trimmed[1].ID != "iqm" || fmt.Sprint(o.Trimmed[1].Values) != "[4.5]" {
		t.Errorf("Bulk's tm90 and IQM = %+v, want [4] and [4.5]", o.Trimmed)
	}

	if d := o.Dashboard; d.DashboardName != p.Dashboard || d.DashboardBody != p.DashboardBody || d.DashboardArn != "arn:aws:cloudwatch::000000000000:dashboard/"+p.Dashboard {
		t.Errorf("get-dashboard = %+v", d)
	}
	if len(o.Dashboards) != 1 || o.Dashboards[0].DashboardName != p.Dashboard || o.Dashboards[0].Size != int64(len(p.DashboardBody)) ||
		time.Since(o.Dashboards[0].LastModified.Time).Abs() > 5*time.Minute {
		t.Errorf("list-dashboards = %+v, want %s of size %d modified now", o.Dashboards, p.Dashboard, len(p.DashboardBody))
	}
	if o.AfterDelete != 0 {
		t.Errorf("dashboards after delete-dashboards = %d, want 0", o.AfterDelete)
	}

	for name, want := range map[string]struct {
		code    string
		status  int
		modeled bool
	}{
		"missing_dashboard":  {"ResourceNotFound", 404, true},
		"reserved_namespace": {"InvalidParameterValue", 400, true},
		"unknown_id":         {"ValidationError", 400, false},
	} {
		e := o.Errors[name]
		switch {
		case e == nil:
			t.Errorf("%s: no error", name)
		case e.Code != want.code:
			t.Errorf("%s: code %q (%s), want %q", name, e.Code, e.Message, want.code)
		case boto3 && (e.Status != want.status || (want.modeled && !e.Modeled)):
			t.Errorf("%s: status %d, modeled exception %v (%s); want %d, %v", name, e.Status, e.Modeled, e.Class, want.status, want.modeled)
		}
	}
}

// checkProtocol checks that every request was in the client's protocol (so both the JSON 1.0 and
// the query code paths are what the clients exercised) and, for botocore ≥ 1.31, that the bulk
// PutMetricData came gzipped.
func checkProtocol(t *testing.T, reqs []seen, name string, c expectation) {
	t.Helper()
	if len(reqs) == 0 {
		t.Fatalf("%s sent no request to the local cloud", name)
	}
	ops := map[string]int{}
	gzipped := 0
	for _, r := range reqs {
		if r.protocol != c.protocol {
			t.Errorf("%s sent a %s request (%s), want %s", name, r.protocol, r.op, c.protocol)
		}
		ops[r.op]++
		if r.encoding == "gzip" {
			gzipped++
		}
	}
	t.Logf("%s: %d requests in %s: %v; %d gzipped", name, len(reqs), c.protocol, ops, gzipped)
	if c.gzip && gzipped == 0 {
		t.Errorf("%s: no gzipped PutMetricData, want the >10 KiB one compressed", name)
	}
}
