package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/poll"
	"github.com/chaoslab/serverless-chaos-lab/internal/proctest"
)

// codeDir holds the test function's bootstrap, built once per test binary from testdata/fn.
var codeDir string

// driverEnv makes the test binary a local cloud's Lambda service (see sandboxDriver) in a process
// of its own, for a test to kill.
const driverEnv = "LAMBDA_TEST_DRIVER"

// driverDirEnv names the directory the driver's service keeps its files in: the test's own, which
// the test removes (the driver is killed, so it cannot).
const driverDirEnv = "LAMBDA_TEST_DRIVER_DIR"

func TestMain(m *testing.M) {
	if code := os.Getenv(driverEnv); code != "" {
		sandboxDriver(code, os.Getenv(driverDirEnv))
		return
	}
	dir, err := os.MkdirTemp("", "lambda-test-")
	if err != nil {
		panic(err)
	}
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "./testdata/fn").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		panic("build test bootstrap: " + err.Error() + "\n" + string(out))
	}
	codeDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sandboxDriver runs a Service with the test function from codeDir, has it start a process of its
// own ({"action":"spawn"}), prints that process's pid and waits to be killed.
func sandboxDriver(codeDir, dir string) {
	pid, err := spawnInSandbox(codeDir, dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(pid)
	select {}
}

// spawnInSandbox is sandboxDriver's work: the pid of the process the function started.
func spawnInSandbox(codeDir, dir string) (string, error) {
	s, err := New(Options{Dir: dir})
	if err != nil {
		return "", err
	}
	if _, err := s.CreateFunction(Function{Name: "fn", CodeDir: codeDir}); err != nil {
		return "", err
	}
	out, fe, err := s.Invoke(context.Background(), "fn", []byte(`{"action":"spawn"}`))
	if err != nil {
		return "", err
	}
	if fe != nil {
		return "", fe
	}
	var r reply
	if err := json.Unmarshal(out, &r); err != nil {
		return "", err
	}
	return r.Value, nil
}

// recorder collects what the service publishes.
type recorder struct {
	mu      sync.Mutex
	metrics []Metric
	emf     []string
	logs    map[string][]string // "group stream" → lines (a LogSink)
	streams int
}

func (r *recorder) NewStream(group string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.streams++
	return fmt.Sprintf("stream-%d", r.streams)
}

func (r *recorder) Put(group, stream string, line []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.logs == nil {
		r.logs = map[string][]string{}
	}
	r.logs[group+" "+stream] = append(r.logs[group+" "+stream], string(line))
}

func (r *recorder) metric(m Metric) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.metrics = append(r.metrics, m)
}

func (r *recorder) line(fn string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emf = append(r.emf, fn+" "+string(b))
}

// count is the number of datapoints of a function's metric (AWS publishes zeros too).
func (r *recorder) count(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.metrics {
		if m.Name == name && m.Function != "" {
			n++
		}
	}
	return n
}

// sum is the sum of a metric's datapoints of the function fn ("": the account's).
func (r *recorder) sumOf(name, fn string) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s float64
	for _, m := range r.metrics {
		if m.Name == name && m.Function == fn {
			s += m.Value
		}
	}
	return s
}

// sum is the sum of a metric's datapoints of every function (without the account's).
func (r *recorder) sum(name string) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s float64
	for _, m := range r.metrics {
		if m.Name == name && m.Function != "" {
			s += m.Value
		}
	}
	return s
}

// peak is the largest datapoint of a metric of the function fn ("": the account's).
func (r *recorder) peak(name, fn string) (peak float64, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.metrics {
		if m.Name == name && m.Function == fn {
			peak, n = max(peak, m.Value), n+1
		}
	}
	return peak, n
}

func newService(t *testing.T, fns ...Function) (*Service, *recorder) {
	t.Helper()
	rec := &recorder{}
	s, err := New(Options{Dir: t.TempDir(), Endpoint: "http://127.0.0.1:4566", Metric: rec.metric, EMF: rec.line, Logs: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, f := range fns {
		if f.CodeDir == "" {
			f.CodeDir = codeDir
		}
		if _, err := s.CreateFunction(f); err != nil {
			t.Fatal(err)
		}
	}
	return s, rec
}

type reply struct {
	Action    string `json:"action"`
	Value     string `json:"value"`
	RequestID string `json:"requestId"`
	Pid       int    `json:"pid"`
	Deadline  int64  `json:"deadlineMs"`
}

func invoke(t *testing.T, s *Service, fn string, payload string) (reply, *FunctionError, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, fe, err := s.Invoke(ctx, fn, []byte(payload))
	var r reply
	if err == nil && fe == nil {
		if jerr := json.Unmarshal(out, &r); jerr != nil {
			t.Fatalf("response %q: %v", out, jerr)
		}
	}
	return r, fe, err
}

func TestInvoke(t *testing.T) {
	s, rec := newService(t, Function{
		Name: "fn", Handler: "bootstrap", Runtime: "provided.al2023", MemoryMB: 256, Timeout: 5 * time.Second,
		Environment: map[string]string{"TABLE": "chaos-data", "LANG": "C.UTF-8"},
	})
	tests := []struct {
		name      string
		payload   string
		wantValue string
		wantErr   string // substring of the FunctionError; "" for success
	}{
		{name: "echo", payload: `{"action":"echo","value":"hi"}`, wantValue: "hi"},
		{name: "template variable", payload: `{"action":"env","key":"TABLE"}`, wantValue: "chaos-data"},
		{name: "a reserved variable, set by the cloud", payload: `{"action":"env","key":"AWS_REGION"}`, wantValue: "us-east-1"},
		{name: "LANG is not reserved: the template's", payload: `{"action":"env","key":"LANG"}`, wantValue: "C.UTF-8"},
		{name: "PATH as Lambda sets it", payload: `{"action":"env","key":"PATH"}`, wantValue: "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
		// AWS's defined runtime environment variables: AWS_EXECUTION_ENV "is not defined for OS-only
		// runtimes (the provided runtime family)"; AWS_ACCESS_KEY is the access key id too.
		{name: "no AWS_EXECUTION_ENV for an OS-only runtime", payload: `{"action":"env","key":"AWS_EXECUTION_ENV"}`, wantValue: ""},
		{name: "AWS_ACCESS_KEY", payload: `{"action":"env","key":"AWS_ACCESS_KEY"}`, wantValue: "AKIDLOCAL"},
		{name: "TZ as Lambda sets it", payload: `{"action":"env","key":"TZ"}`, wantValue: ":UTC"},
		{name: "endpoint", payload: `{"action":"env","key":"AWS_ENDPOINT_URL"}`, wantValue: "http://127.0.0.1:4566"},
		{name: "memory size", payload: `{"action":"env","key":"AWS_LAMBDA_FUNCTION_MEMORY_SIZE"}`, wantValue: "256"},
		{name: "credentials", payload: `{"action":"env","key":"AWS_ACCESS_KEY_ID"}`, wantValue: "AKIDLOCAL"},
		{name: "time zone", payload: `{"action":"env","key":"TZ"}`, wantValue: ":UTC"},
		{name: "function name", payload: `{"action":"env","key":"AWS_LAMBDA_FUNCTION_NAME"}`, wantValue: "fn"},
		{name: "host environment not inherited", payload: `{"action":"env","key":"HOME"}`, wantValue: ""},
		{name: "handler error", payload: `{"action":"error","value":"bad doc"}`, wantErr: "boom: bad doc"},
		{name: "crash", payload: `{"action":"crash"}`, wantErr: "Runtime exited with error: exit status 3"},
		{name: "after crash a new sandbox serves", payload: `{"action":"echo","value":"again"}`, wantValue: "again"},
		// The child holds the runtime's output pipes past its exit: still a crash, not a timeout.
		{name: "crash leaving a child", payload: `{"action":"crash-leaving-child"}`, wantErr: "Runtime exited with error: exit status 3"},
		{name: "after that crash a new sandbox serves", payload: `{"action":"echo","value":"once more"}`, wantValue: "once more"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, fe, err := invoke(t, s, "fn", tc.payload)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" {
				if fe == nil || !strings.Contains(fe.Message, tc.wantErr) {
					t.Fatalf("function error = %v, want it to contain %q", fe, tc.wantErr)
				}
				return
			}
			if fe != nil {
				t.Fatalf("unexpected function error %v", fe)
			}
			if r.Value != tc.wantValue {
				t.Errorf("value = %q, want %q", r.Value, tc.wantValue)
			}
			if r.RequestID == "" {
				t.Error("no request id reached the handler")
			}
			if left := time.Until(time.UnixMilli(r.Deadline)); left <= 3*time.Second || left > 5*time.Second {
				t.Errorf("deadline %v from now, want within the 5 s timeout", left)
			}
		})
	}
	if got, want := rec.sum("Invocations"), float64(len(tests)); got != want {
		t.Errorf("Invocations = %v, want %v", got, want)
	}
	if got := rec.sum("Errors"); got != 3 {
		t.Errorf("Errors = %v, want 3 (handler error and two crashes)", got)
	}
	if got, want := rec.count("Errors"), len(tests); got != want {
		t.Errorf("Errors datapoints = %d, want %d: one per invocation, 0 for a success, so error-rate math has data", got, want)
	}
	logs, err := os.ReadFile(s.LogPath("fn"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"START RequestId: ", "END RequestId: ", "REPORT RequestId: ", "Memory Size: 256 MB", "handling echo"} {
		if !bytes.Contains(logs, []byte(want)) {
			t.Errorf("log file lacks %q", want)
		}
	}
}

func TestSandboxReuse(t *testing.T) {
	s, _ := newService(t, Function{Name: "fn"})
	a, _, err := invoke(t, s, "fn", `{"action":"echo"}`)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := invoke(t, s, "fn", `{"action":"error"}`)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := invoke(t, s, "fn", `{"action":"echo"}`)
	if err != nil {
		t.Fatal(err)
	}
	_ = b
	if a.Pid != c.Pid {
		t.Errorf("warm invocations ran in pids %d and %d; a handled error must not replace the sandbox", a.Pid, c.Pid)
	}
	if pids := s.Pids("fn"); len(pids) != 1 {
		t.Errorf("sandboxes = %v, want 1", pids)
	}
	// As in Lambda, the cold start's REPORT line names its Init Duration; a warm invocation's does not.
	logs, err := os.ReadFile(s.LogPath("fn"))
	if err != nil {
		t.Fatal(err)
	}
	var reports []string
	for _, l := range strings.Split(string(logs), "\n") {
		if strings.HasPrefix(l, "REPORT RequestId: ") {
			reports = append(reports, l)
		}
	}
	initRe := regexp.MustCompile(`\tInit Duration: [0-9]+\.[0-9]{2} ms$`)
	if len(reports) != 3 || !initRe.MatchString(reports[0]) || strings.Contains(reports[1]+reports[2], "Init Duration") {
		t.Fatalf("REPORT lines %q: want three, an Init Duration on the first (the cold start) only", reports)
	}
	// Billed Duration is the Duration and the Init Duration, rounded up to the millisecond (a custom
	// runtime's init is billed, and since 2025-08-01 every on-demand function's).
	billed := regexp.MustCompile(`\tDuration: ([0-9.]+) ms\tBilled Duration: ([0-9]+) ms.*?(?:\tInit Duration: ([0-9.]+) ms)?$`)
	for _, r := range reports {
		m := billed.FindStringSubmatch(r)
		if m == nil {
			t.Fatalf("REPORT line %q: no Duration and Billed Duration", r)
		}
		d, _ := strconv.ParseFloat(m[1], 64)
		b, _ := strconv.Atoi(m[2])
		init, _ := strconv.ParseFloat(m[3], 64) // "" (a warm start): 0
		// Each duration is printed rounded to 0.01 ms, so the sum may be off by that.
		if want := math.Ceil(d + init); math.Abs(float64(b)-want) > 1 || float64(b) < d+init-0.02 {
			t.Errorf("%q: Billed Duration %d ms, want Duration + Init Duration rounded up, %v ms", r, b, want)
		}
	}
}

// A function deleted while a cold start is under way leaves no sandbox behind: the one that was
// starting is killed once it is up, and its invocation fails.
func TestDeleteDuringColdStart(t *testing.T) {
	s, _ := newService(t, Function{Name: "fn", Environment: map[string]string{"FN_INIT_MS": "1500"}})
	before := children(t)
	done := make(chan error, 1)
	go func() {
		_, _, err := s.Invoke(context.Background(), "fn", []byte(`{"action":"echo"}`))
		done <- err
	}()
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no sandbox process started within 10 s")
		}
		for p := range children(t) {
			if !before[p] {
				pid = p
			}
		}
	}
	if err := s.DeleteFunction("fn"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("the invocation whose cold start outlived its function: err %v, want ErrNotFound", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the invocation did not return within 20 s of the delete")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			syscall.Kill(-pid, syscall.SIGKILL) // what the test would otherwise leak
			t.Fatalf("the sandbox (pid %d) still runs 10 s after its function was deleted", pid)
		}
	}
}

// children returns the pids of this process's children (/proc/self/task/*/children).
func children(t *testing.T) map[int]bool {
	t.Helper()
	files, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil {
		t.Fatal(err)
	}
	pids := map[int]bool{}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, w := range strings.Fields(string(b)) {
			if p, err := strconv.Atoi(w); err == nil {
				pids[p] = true
			}
		}
	}
	return pids
}

func TestTimeoutKillsProcess(t *testing.T) {
	s, rec := newService(t, Function{Name: "slow", Timeout: time.Second})
	first, _, err := invoke(t, s, "slow", `{"action":"echo"}`)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, fe, err := invoke(t, s, "slow", `{"action":"sleep","ms":30000}`)
	if err != nil {
		t.Fatal(err)
	}
	if fe == nil || !strings.Contains(fe.Message, "Task timed out after 1.00 seconds") {
		t.Fatalf("function error = %v, want a timeout", fe)
	}
	// Lambda's answer to the caller, as `aws lambda invoke` shows it: {"errorType":
	// "Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00
	// seconds"}; the log's line is "<time> <id> Task timed out after 3.00 seconds".
	m := regexp.MustCompile(`^\{"errorMessage":"RequestId: (\S+) Error: Task timed out after 1\.00 seconds","errorType":"Sandbox\.Timedout"\}$`).FindSubmatch(fe.Body())
	if m == nil {
		t.Errorf("the timeout's payload %s, want Lambda's", fe.Body())
	} else if logs, _ := os.ReadFile(s.LogPath("slow")); !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT[\d:.]+Z ` + regexp.QuoteMeta(string(m[1])) + ` Task timed out after 1\.00 seconds$`).Match(logs) {
		t.Errorf("log:\n%s\nwant the line <time> %s Task timed out after 1.00 seconds", logs, m[1])
	}
	// About 1 s; the bound is far from the function's 30 s sleep, and wide for make test's nice 19.
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("timed-out invocation returned after %v, want about 1 s (not the function's 30 s)", took)
	}
	// The sandbox's process is gone (killed by pid, reaped).
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(first.Pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still alive after the timeout", first.Pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := rec.sum("Errors"); got != 1 {
		t.Errorf("Errors = %v, want 1", got)
	}
	// As AWS documents for Lambda's metrics, the timestamp is when the function was invoked: the
	// timed-out invocation's error is stamped with its start, a second before it ended.
	rec.mu.Lock()
	for _, m := range rec.metrics {
		// Stamped at the end, it would be at least the 1 s timeout after start; a stall of the
		// invocation's start (a loaded machine) moves it less than that.
		if m.Name == "Errors" && m.Value == 1 && (m.Time.Before(start) || !m.Time.Before(start.Add(time.Second))) {
			t.Errorf("the timeout's Errors is stamped %v after the invocation was made, want its start (the timeout is 1 s)", m.Time.Sub(start))
		}
	}
	rec.mu.Unlock()
	next, fe, err := invoke(t, s, "slow", `{"action":"echo"}`)
	if err != nil || fe != nil {
		t.Fatalf("invocation after timeout: %v %v", fe, err)
	}
	if next.Pid == first.Pid {
		t.Error("the timed-out sandbox was reused")
	}
	// The reaper lists the running sandbox's group and no longer the killed one's, whose id may be
	// another process's by now.
	if got := s.reaper.Listed(); len(got) != 1 || got[0] != next.Pid {
		t.Errorf("the reaper lists the groups %v, want only the running sandbox's, %d", got, next.Pid)
	}
}

func TestConcurrencyThrottles(t *testing.T) {
	s, rec := newService(t, Function{Name: "fn", ReservedConcurrency: 2}, Function{Name: "free"})
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, fe, err := s.Invoke(context.Background(), "fn", []byte(`{"action":"sleep","ms":800}`))
			if fe != nil {
				err = fe
			}
			errs[i] = err
		}()
		time.Sleep(150 * time.Millisecond) // let the first two occupy the sandboxes
	}
	wg.Wait()
	var throttled, ok int
	for _, err := range errs {
		switch {
		case errors.Is(err, ErrThrottled):
			throttled++
		case err == nil:
			ok++
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if throttled != 1 || ok != 2 {
		t.Errorf("throttled %d, succeeded %d; want 1 and 2 with a limit of 2", throttled, ok)
	}
	if got := rec.sum("Throttles"); got != 1 {
		t.Errorf("Throttles metric = %v, want 1", got)
	}
	if got := rec.sum("Invocations"); got != 2 {
		t.Errorf("Invocations = %v, want 2 (throttles are not invocations)", got)
	}
	if peak, _ := rec.peak("ConcurrentExecutions", "fn"); peak != 2 {
		t.Errorf("peak ConcurrentExecutions = %v, want 2", peak)
	}
	// The account's metrics, without dimensions, as Lambda publishes them beside the function's:
	// the same invocations and throttles; its concurrency counts every function's invocations, the
	// unreserved only those of functions without ReservedConcurrency (fn has some, free none).
	if _, fe, err := s.Invoke(context.Background(), "free", []byte(`{"action":"echo"}`)); err != nil || fe != nil {
		t.Fatal(fe, err)
	}
	if inv, thr := rec.sumOf("Invocations", ""), rec.sumOf("Throttles", ""); inv != 3 || thr != 1 {
		t.Errorf("the account's Invocations %v, Throttles %v; want 3 and 1", inv, thr)
	}
	if peak, _ := rec.peak("ConcurrentExecutions", ""); peak != 2 {
		t.Errorf("the account's peak ConcurrentExecutions = %v, want 2", peak)
	}
	if peak, n := rec.peak("UnreservedConcurrentExecutions", ""); peak != 1 || n != 3 {
		t.Errorf("UnreservedConcurrentExecutions: peak %v in %d datapoints, want 1 (free's invocation alone) in 3", peak, n)
	}
}

func TestEMFLinesBecomeMetrics(t *testing.T) {
	s, rec := newService(t, Function{Name: "fn"})
	if _, fe, err := invoke(t, s, "fn", `{"action":"emf"}`); err != nil || fe != nil {
		t.Fatal(fe, err)
	}
	// stdout is read asynchronously: wait for the line (a poll, generous for a loaded machine).
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec.mu.Lock()
		n := len(rec.emf)
		rec.mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.emf) != 1 || !strings.HasPrefix(rec.emf[0], `fn {"_aws"`) {
		t.Fatalf("EMF lines = %q, want the one EMF document (and not the plain log line)", rec.emf)
	}
}

// Every line of a function's log, Lambda's own and the function's, goes to its log group
// (LoggingConfig.LogGroup, else /aws/lambda/<name>), in the stream of the sandbox it ran in, as
// Lambda gives each execution environment its own: a sandbox that crashed is followed by another,
// in another stream.
func TestLogLinesReachTheirGroup(t *testing.T) {
	s, rec := newService(t, Function{Name: "fn"}, Function{Name: "other", LogGroup: "ChaosLab-FunctionLogs-X"})
	for _, c := range []struct{ fn, payload string }{{"fn", `{"action":"emf"}`}, {"other", `{"action":"emf"}`}, {"fn", `{"action":"crash"}`}, {"fn", `{"action":"emf"}`}} {
		if _, _, err := invoke(t, s, c.fn, c.payload); err != nil {
			t.Fatal(err)
		}
	}
	// Per group: the streams holding START, the function's EMF line and REPORT.
	want := map[string]int{"/aws/lambda/fn": 2, "ChaosLab-FunctionLogs-X": 1}
	got := map[string]int{}
	if !poll.Until(10*time.Second, 10*time.Millisecond, func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		clear(got)
		for k, lines := range rec.logs {
			group, _, _ := strings.Cut(k, " ")
			joined := strings.Join(lines, "\n")
			if strings.Contains(joined, "START RequestId: ") && strings.Contains(joined, `{"_aws"`) && strings.Contains(joined, "REPORT RequestId: ") {
				got[group]++
			}
		}
		return maps.Equal(got, want)
	}) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		t.Fatalf("streams with a whole invocation by group: %v, want %v; logs %q", got, want, rec.logs)
	}
	s.mu.Lock()
	fn := s.fns["other"]
	s.mu.Unlock()
	if lc := fn.configuration()["LoggingConfig"].(map[string]any); lc["LogGroup"] != "ChaosLab-FunctionLogs-X" {
		t.Errorf("LoggingConfig %v", lc)
	}
}

func TestCreateFunctionErrors(t *testing.T) {
	dir := codeDir
	// Use the host binary but claim the other architecture: the ELF header decides, so it still runs.
	other := "arm64"
	if hostArch() == "arm64" {
		other = "x86_64"
	}
	s, _ := newService(t)
	if _, err := s.CreateFunction(Function{Name: "fn", CodeDir: dir, Architecture: other}); err != nil {
		t.Fatalf("a host-arch bootstrap under a %s template: %v", other, err)
	}
	tests := []struct {
		name string
		fn   Function
		want string
	}{
		{name: "missing bootstrap", fn: Function{Name: "a", CodeDir: t.TempDir()}, want: "Code:"},
		{name: "node runtime", fn: Function{Name: "b", CodeDir: dir, Runtime: "nodejs20.x"}, want: "Runtime \"nodejs20.x\""},
		{name: "timeout too long", fn: Function{Name: "c", CodeDir: dir, Timeout: time.Hour}, want: "Timeout"},
		{name: "a reserved variable", fn: Function{Name: "d", CodeDir: dir, Environment: map[string]string{"AWS_REGION": "eu-west-1", "_HANDLER": "h", "TZ": "CET", "MINE": "x"}},
			want: "Environment.Variables: _HANDLER, AWS_REGION reserved by Lambda"},
		{name: "the newer reserved variables", fn: Function{Name: "d", CodeDir: dir, Environment: map[string]string{"AWS_LAMBDA_METADATA_API": "x", "AWS_LAMBDA_METADATA_TOKEN": "x", "AWS_LAMBDA_MAX_CONCURRENCY": "2"}},
			want: "Environment.Variables: AWS_LAMBDA_METADATA_API, AWS_LAMBDA_METADATA_TOKEN, AWS_LAMBDA_MAX_CONCURRENCY reserved by Lambda"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateFunction(tc.fn)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.fn.Name) {
				t.Fatalf("err = %v, want it to name the function and %q", err, tc.want)
			}
		})
	}
}

func TestInvokeAPI(t *testing.T) {
	// ev takes the Event invocations, so their runs do not throttle fn's (reserved 1).
	s, _ := newService(t, Function{Name: "fn", ReservedConcurrency: 1}, Function{Name: "ev"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	event := map[string]string{"X-Amz-Invocation-Type": "Event"}
	// sized is an echo payload of exactly n bytes.
	sized := func(n int) string {
		const head, tail = `{"action":"echo","value":"`, `"}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	tests := []struct {
		name       string
		path       string
		query      string
		header     map[string]string
		body       string
		wantStatus int
		wantHeader [2]string
		wantBody   string
	}{
		{name: "success", path: "fn", body: `{"action":"echo","value":"v"}`, wantStatus: 200, wantBody: `"value":"v"`},
		{name: "by ARN with qualifier", path: "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST", body: `{"action":"echo","value":"w"}`, wantStatus: 200, wantBody: `"value":"w"`},
		{name: "by partial ARN", path: "000000000000:function:fn", body: `{"action":"echo","value":"p"}`, wantStatus: 200, wantBody: `"value":"p"`},
		{name: "Qualifier $LATEST", path: "fn", query: "?Qualifier=%24LATEST", body: `{"action":"echo","value":"q"}`, wantStatus: 200,
			wantHeader: [2]string{"X-Amz-Executed-Version", "$LATEST"}, wantBody: `"value":"q"`},
		// Only $LATEST exists: a version or alias is one that does not, and is not run as $LATEST.
		{name: "a version in the name", path: "fn:7", body: `{}`, wantStatus: 404,
			wantHeader: [2]string{"X-Amzn-Errortype", "ResourceNotFoundException"}, wantBody: "Function not found: arn:aws:lambda:us-east-1:000000000000:function:fn:7"},
		{name: "an alias as Qualifier", path: "fn", query: "?Qualifier=nosuchalias", body: `{}`, wantStatus: 404,
			wantHeader: [2]string{"X-Amzn-Errortype", "ResourceNotFoundException"}, wantBody: "function:fn:nosuchalias"},
		{name: "a version of an unknown function", path: "nope:3", body: `{}`, wantStatus: 404,
			wantHeader: [2]string{"X-Amzn-Errortype", "ResourceNotFoundException"}, wantBody: "function:nope:3"},
		{name: "another account's function", path: "arn:aws:lambda:us-east-1:111111111111:function:fn", body: `{}`, wantStatus: 404,
			wantHeader: [2]string{"X-Amzn-Errortype", "ResourceNotFoundException"}, wantBody: "arn:aws:lambda:us-east-1:111111111111:function:fn"},
		{name: "qualifiers that disagree", path: "fn:$LATEST", query: "?Qualifier=7", body: `{}`, wantStatus: 400,
			wantHeader: [2]string{"X-Amzn-Errortype", "InvalidParameterValueException"}, wantBody: "does not match the specified qualifier"},
		{name: "a name outside the pattern", path: "bad%20name%21", body: `{}`, wantStatus: 400,
			wantHeader: [2]string{"X-Amzn-Errortype", "ValidationException"}, wantBody: "Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{name: "a qualifier outside the pattern", path: "fn", query: "?Qualifier=a.b", body: `{}`, wantStatus: 400,
			wantHeader: [2]string{"X-Amzn-Errortype", "ValidationException"}, wantBody: "at 'qualifier'"},
		{name: "unknown invocation type", path: "fn", header: map[string]string{"X-Amz-Invocation-Type": "Later"}, body: `{}`, wantStatus: 400,
			wantHeader: [2]string{"X-Amzn-Errortype", "ValidationException"}, wantBody: "Value 'Later' at 'invocationType'"},
		{name: "unknown log type", path: "fn", header: map[string]string{"X-Amz-Log-Type": "All"}, body: `{}`, wantStatus: 400,
			wantHeader: [2]string{"X-Amzn-Errortype", "ValidationException"}, wantBody: "Value 'All' at 'logType'"},
		{name: "event at the async limit", path: "ev", header: event, body: sized(MaxAsyncPayload), wantStatus: 202},
		{name: "event over the async limit", path: "ev", header: event, body: sized(2 << 20), wantStatus: 413,
			wantHeader: [2]string{"X-Amzn-Errortype", "RequestEntityTooLargeException"}, wantBody: "2097152 byte payload is too large for the Event invocation type (limit 1048576 bytes)"},
		{name: "request over the sync limit", path: "fn", body: sized(MaxPayload + 1), wantStatus: 413,
			wantHeader: [2]string{"X-Amzn-Errortype", "RequestEntityTooLargeException"}, wantBody: "Request must be smaller than 6291456 bytes for the InvokeFunction operation"},
		{name: "function error", path: "fn", body: `{"action":"error","value":"x"}`, wantStatus: 200,
			wantHeader: [2]string{"X-Amz-Function-Error", "Unhandled"}, wantBody: `"errorMessage":"boom: x"`},
		{name: "unknown function", path: "nope", body: `{}`, wantStatus: 404,
			wantHeader: [2]string{"X-Amzn-Errortype", "ResourceNotFoundException"}, wantBody: "Function not found"},
		{name: "not json", path: "fn", body: `{`, wantStatus: 400, wantHeader: [2]string{"X-Amzn-Errortype", "InvalidRequestContentException"}},
		{name: "dry run", path: "fn", body: `{}`, header: map[string]string{"X-Amz-Invocation-Type": "DryRun"}, wantStatus: 204},
		// Lambda-Runtime-Invoked-Function-Arn is "the ARN of the Lambda function, version, or alias
		// that's specified in the invocation" (the Runtime API's page): qualified when the call was.
		{name: "invoked ARN, unqualified", path: "fn", body: `{"action":"arn"}`, wantStatus: 200,
			wantBody: `"value":"arn:aws:lambda:us-east-1:000000000000:function:fn"`},
		{name: "invoked ARN, qualifier in the name", path: "fn:$LATEST", body: `{"action":"arn"}`, wantStatus: 200,
			wantBody: `"value":"arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST"`},
		{name: "invoked ARN, Qualifier", path: "000000000000:function:fn", query: "?Qualifier=%24LATEST", body: `{"action":"arn"}`, wantStatus: 200,
			wantBody: `"value":"arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST"`},
		// ClientContext: base64 JSON passed to the function (the Runtime API's
		// Lambda-Runtime-Client-Context, read by aws-lambda-go into lambdacontext.ClientContext).
		{name: "ClientContext reaches the function", path: "fn", body: `{"action":"clientcontext","key":"k"}`,
			header: map[string]string{"X-Amz-Client-Context": base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))}, wantStatus: 200, wantBody: `"value":"v"`},
		{name: "a ClientContext that is not base64 JSON", path: "fn", body: `{}`, header: map[string]string{"X-Amz-Client-Context": "not base64!"}, wantStatus: 400,
			wantHeader: [2]string{"X-Amzn-Errortype", "InvalidRequestContentException"}, wantBody: "Client context must be a valid Base64-encoded JSON object"},
		{name: "a ClientContext over 3,583 bytes", path: "fn", body: `{}`, header: map[string]string{"X-Amz-Client-Context": strings.Repeat("A", 3584)}, wantStatus: 400,
			wantHeader: [2]string{"X-Amzn-Errortype", "ValidationException"}, wantBody: "at 'clientContext'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/2015-03-31/functions/"+tc.path+"/invocations"+tc.query, strings.NewReader(tc.body))
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tc.wantStatus)
			}
			if tc.wantHeader[0] != "" && resp.Header.Get(tc.wantHeader[0]) != tc.wantHeader[1] {
				t.Errorf("%s = %q, want %q", tc.wantHeader[0], resp.Header.Get(tc.wantHeader[0]), tc.wantHeader[1])
			}
			if !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("body %s, want it to contain %s", body, tc.wantBody)
			}
		})
	}
	t.Run("throttled", func(t *testing.T) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Invoke(context.Background(), "fn", []byte(`{"action":"sleep","ms":3000}`))
		}()
		waitRunning(t, s, 1) // the one sandbox is busy, for seconds more
		resp, err := http.Post(srv.URL+"/2015-03-31/functions/fn/invocations", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		<-done
		if resp.StatusCode != 429 || resp.Header.Get("X-Amzn-ErrorType") != "TooManyRequestsException" {
			t.Errorf("status %d %q, want 429 TooManyRequestsException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
		if !strings.Contains(string(body), `"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"`) {
			t.Errorf("body %s, want the Reason of a function at its reserved concurrency", body)
		}
	})
}

// TestThrottleReason: a function without reserved concurrency is throttled by the account's
// unreserved pool, and TooManyRequestsException says so: Invoke's API reference lists the Reason
// ConcurrentInvocationLimitExceeded for that, ReservedFunctionConcurrentInvocationLimitExceeded
// only for a function's own reserved concurrency.
func TestThrottleReason(t *testing.T) {
	s, err := New(Options{Dir: t.TempDir(), DefaultConcurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.CreateFunction(Function{Name: "fn", CodeDir: codeDir}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Invoke(context.Background(), "fn", []byte(`{"action":"sleep","ms":1500}`))
	}()
	defer func() { <-done }()
	if !poll.Until(10*time.Second, 20*time.Millisecond, func() bool { return len(s.Pids("fn")) == 1 }) {
		t.Fatal("the first invocation's sandbox did not start")
	}
	resp, err := http.Post(srv.URL+"/2015-03-31/functions/fn/invocations", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || !strings.Contains(string(body), `"Reason":"ConcurrentInvocationLimitExceeded"`) {
		t.Errorf("%d %s, want 429 with Reason ConcurrentInvocationLimitExceeded", resp.StatusCode, body)
	}
}

// tailOf invokes fn through the API with X-Amz-Log-Type: Tail and returns its decoded LogResult.
func tailOf(t *testing.T, srv *httptest.Server, fn, body string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/2015-03-31/functions/"+fn+"/invocations", strings.NewReader(body))
	req.Header.Set("X-Amz-Log-Type", "Tail")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	log, err := base64.StdEncoding.DecodeString(resp.Header.Get("X-Amz-Log-Result"))
	if err != nil || len(log) == 0 {
		t.Fatalf("X-Amz-Log-Result %q: %v, want the invocation's log in base64", resp.Header.Get("X-Amz-Log-Result"), err)
	}
	return string(log)
}

func TestLogTail(t *testing.T) {
	s, _ := newService(t, Function{Name: "fn"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	// The function's line, printed before it responded, is in its own invocation's log, between
	// Lambda's START and END lines; each invocation's log is its own. A few rounds, since the
	// line and the response travel apart.
	for i := range 5 {
		log := tailOf(t, srv, "fn", fmt.Sprintf(`{"action":"log","value":"line %d","lines":1}`, i))
		want := regexp.MustCompile(fmt.Sprintf(`^START RequestId: (\S+) Version: \$LATEST\nhandling log\nline %d\nEND RequestId: (\S+)\nREPORT RequestId: (\S+)\tDuration: [^\n]*\n$`, i))
		m := want.FindStringSubmatch(log)
		if m == nil || m[1] != m[2] || m[2] != m[3] {
			t.Fatalf("invocation %d's log:\n%s\nwant START, the function's two lines, END and REPORT of one request", i, log)
		}
	}
	t.Run("the last 4 KB", func(t *testing.T) {
		log := tailOf(t, srv, "fn", `{"action":"log","value":"`+strings.Repeat("y", 99)+`","lines":100}`)
		if len(log) != 4096 || !strings.HasPrefix(log[strings.LastIndex(log, "END RequestId"):], "END RequestId") || !strings.Contains(log, "\nREPORT RequestId") {
			t.Errorf("%d bytes ending %q, want the last 4096 of the log, its END and REPORT lines last", len(log), log[max(0, len(log)-300):])
		}
	})
	t.Run("a function error's log", func(t *testing.T) {
		// aws-lambda-go prints the error on stderr before it reports it: both pipes are in the log
		// (each in its order; the two are read apart).
		log := tailOf(t, srv, "fn", `{"action":"error","value":"t"}`)
		body, _, _ := strings.Cut(log, "\nEND RequestId")
		if !strings.Contains(body, "\nhandling error") || !strings.Contains(body, `"errorMessage":"boom: t"`) {
			t.Errorf("log %q, want the failed invocation's lines, stdout's and stderr's, before END", log)
		}
	})
}

func TestFunctionAPI(t *testing.T) {
	s, _ := newService(t, Function{Name: "c", ReservedConcurrency: 3}, Function{Name: "a", Role: "arn:aws:iam::000000000000:role/a"}, Function{Name: "b"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	get := func(t *testing.T, path string, v any) (status int, errType string) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/2015-03-31/functions/" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if v != nil && resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType")
	}
	for _, tc := range []struct {
		path, wantType string
		wantStatus     int
	}{
		{"a", "", 200},
		{"a?Qualifier=%24LATEST", "", 200},
		{"a/configuration?Qualifier=%24LATEST", "", 200},
		{"a?Qualifier=9", "ResourceNotFoundException", 404},
		{"a:live/configuration", "ResourceNotFoundException", 404},
		{"a%20b", "ValidationException", 400},
	} {
		if status, typ := get(t, tc.path, nil); status != tc.wantStatus || typ != tc.wantType {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, status, typ, tc.wantStatus, tc.wantType)
		}
	}

	// What the AWS CLI's waiters poll: a function here is ready once made.
	var conf struct{ State, LastUpdateStatus, LastModified, Role string }
	if status, _ := get(t, "a/configuration", &conf); status != 200 || conf.State != "Active" || conf.LastUpdateStatus != "Successful" || conf.Role != "arn:aws:iam::000000000000:role/a" {
		t.Errorf("GetFunctionConfiguration: %d %+v, want Active, LastUpdateStatus Successful, its role", status, conf)
	} else if _, err := time.Parse("2006-01-02T15:04:05.000-0700", conf.LastModified); err != nil {
		t.Errorf("LastModified %q: %v, want Lambda's form", conf.LastModified, err)
	}

	// GetFunctionConcurrency: the reserved concurrency, {} for none; an operation the local Lambda
	// does not serve says so (UnknownOperationException), not that a parameter was wrong.
	for _, tc := range []struct{ path, want string }{
		{"/2019-09-30/functions/c/concurrency", `{"ReservedConcurrentExecutions":3}`},
		{"/2019-09-30/functions/a/concurrency", `{}`},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != tc.want {
			t.Errorf("GET %s: %d %s, want %s", tc.path, resp.StatusCode, b, tc.want)
		}
	}
	if resp, err := http.Get(srv.URL + "/2017-03-31/tags/arn:aws:lambda:us-east-1:000000000000:function:a"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
		t.Errorf("ListTags: %d %q, want 400 UnknownOperationException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}

	type page struct {
		Functions  []struct{ FunctionName string }
		NextMarker string
	}
	names := func(p page) string {
		var n []string
		for _, f := range p.Functions {
			n = append(n, f.FunctionName)
		}
		return strings.Join(n, ",")
	}
	t.Run("pages", func(t *testing.T) {
		var first, second page
		if status, typ := get(t, "?MaxItems=2", &first); status != 200 || names(first) != "a,b" || first.NextMarker == "" {
			t.Fatalf("first page: %d %s %+v, want a,b and a NextMarker", status, typ, first)
		}
		if status, typ := get(t, "?MaxItems=2&Marker="+first.NextMarker, &second); status != 200 || names(second) != "c" || second.NextMarker != "" {
			t.Fatalf("second page: %d %s %+v, want c and no NextMarker", status, typ, second)
		}
		// A Marker is its request's: not a page of another listing (all versions, another region's).
		for _, other := range []string{"?FunctionVersion=ALL&Marker=", "?MasterRegion=us-west-2&Marker="} {
			if status, typ := get(t, other+first.NextMarker, nil); status != 400 || typ != "InvalidParameterValueException" {
				t.Errorf("ListFunctions%s<the first page's>: %d %q, want 400 InvalidParameterValueException", other, status, typ)
			}
		}
		var all page
		if get(t, "?MaxItems=10000", &all); names(all) != "a,b,c" || all.NextMarker != "" {
			t.Errorf("MaxItems 10000: %+v, want a,b,c", all)
		}
	})
	// ListFunctions with the path's trailing slash (the AWS CLI 2.9) and without (botocore 1.43):
	// both answered, not redirected (an SDK does not follow the 307 ServeMux would give).
	t.Run("with and without a trailing slash", func(t *testing.T) {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, path := range []string{"/2015-03-31/functions/?MaxItems=1", "/2015-03-31/functions?MaxItems=1"} {
			resp, err := client.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			var p page
			json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if resp.StatusCode != 200 || names(p) != "a" {
				t.Errorf("GET %s: %d %+v, want 200 and a", path, resp.StatusCode, p)
			}
		}
	})
	for _, tc := range []struct{ query, wantType string }{
		{"?MaxItems=0", "ValidationException"},
		{"?MaxItems=10001", "ValidationException"},
		{"?MaxItems=two", "ValidationException"},
		{"?Marker=garbage", "InvalidParameterValueException"},
	} {
		if status, typ := get(t, tc.query, nil); status != 400 || typ != tc.wantType {
			t.Errorf("ListFunctions%s: %d %q, want 400 %s", tc.query, status, typ, tc.wantType)
		}
	}
}

// A process a function started dies with the local cloud, even when the cloud is SIGKILLed and has
// no clean-up to run: the sandbox's runtime dies by its parent-death signal, and the reaper kills
// the rest of its process group. (Without the reaper the function's process lives on, reparented to
// init: this test fails.)
func TestFunctionsChildrenDieWithTheCloud(t *testing.T) {
	driver, line := proctest.StartSelf(t, driverEnv+"="+codeDir, driverDirEnv+"="+t.TempDir())
	child, err := strconv.Atoi(line)
	if err != nil {
		t.Fatalf("the driver printed %q: %v", line, err)
	}
	t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) }) // should the test fail
	tree := proctest.Descendants(driver.Process.Pid)
	if !slices.ContainsFunc(tree, func(p proctest.Proc) bool { return p.Pid == child }) {
		t.Fatalf("the function's process %d is not in the driver's tree %v", child, tree)
	}
	driver.Process.Kill()
	proctest.WaitGone(t, tree, 10*time.Second)
}

func TestCloseKillsSandboxes(t *testing.T) {
	s, _ := newService(t, Function{Name: "fn"})
	r, _, err := invoke(t, s, "fn", `{"action":"echo"}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.reaper.Listed(); len(got) != 1 || got[0] != r.Pid {
		t.Errorf("the reaper lists the groups %v, want the sandbox's, %d", got, r.Pid)
	}
	s.Close()
	if err := syscall.Kill(r.Pid, 0); err == nil {
		t.Errorf("pid %d alive after Close", r.Pid)
	}
	if got := s.reaper.Listed(); len(got) != 0 {
		t.Errorf("after Close the reaper lists the groups %v, want none: the sandboxes were killed", got)
	}
}

// BenchmarkInvokeWarm measures one warm invocation's round trip through the Runtime API of a real
// bootstrap process (the local cloud's per-invocation overhead).
func BenchmarkInvokeWarm(b *testing.B) {
	s, err := New(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateFunction(Function{Name: "fn", CodeDir: codeDir}); err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"action":"echo","value":"x"}`)
	if _, _, err := s.Invoke(context.Background(), "fn", payload); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, fe, err := s.Invoke(context.Background(), "fn", payload); err != nil || fe != nil {
			b.Fatal(fe, err)
		}
	}
}

// foreignELF writes an executable whose ELF header says it is for the other architecture.
func foreignELF(t *testing.T) (dir, arch string) {
	t.Helper()
	machine, arch := uint16(183), "arm64" // EM_AARCH64
	if hostArch() == "arm64" {
		machine, arch = 62, "x86_64" // EM_X86_64
	}
	h := make([]byte, 64)
	copy(h, "\x7fELF")
	h[4], h[5], h[6] = 2, 1, 1 // 64-bit, little endian, version 1
	h[16] = 2                  // ET_EXEC
	h[18], h[19] = byte(machine), byte(machine>>8)
	h[20] = 1  // e_version
	h[52] = 64 // e_ehsize
	h[54] = 56 // e_phentsize
	h[58] = 64 // e_shentsize
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), h, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, arch
}

func TestForeignArchitecture(t *testing.T) {
	dir, arch := foreignELF(t)
	emulator := "qemu-aarch64-static"
	if arch == "x86_64" {
		emulator = "qemu-x86_64-static"
	}
	withQemu := t.TempDir()
	if err := os.WriteFile(filepath.Join(withQemu, emulator), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		wantArgv string
		wantErr  string
	}{
		{name: "no emulator: a clear error saying how to fix", path: t.TempDir(),
			wantErr: "built for " + arch + " but this host is " + hostArch() + ": synthesize for the host (npx cdk synth -c architecture=" + hostArch() + "; an app of your own: the function's architecture, " +
				"pipeline.PipelineProps.Architecture with the lab's constructs) or install " + emulator},
		{name: "emulator on PATH runs the bootstrap", path: withQemu, wantArgv: filepath.Join(withQemu, emulator) + " " + filepath.Join(dir, "bootstrap")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", tc.path)
			argv, err := command(Function{Name: "fn", CodeDir: dir, Architecture: arch})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(argv, " "); got != tc.wantArgv {
				t.Errorf("argv = %q, want %q", got, tc.wantArgv)
			}
		})
	}
}

// Asynchronous invocations (InvocationType Event) are queued as Lambda queues them: an event the
// function cannot take yet (throttled) runs once it can, one the function fails is tried twice more
// and then dropped, and Close ends the queue without waiting for its retries.
func TestAsyncInvocations(t *testing.T) {
	s, rec := newService(t, Function{Name: "fn", ReservedConcurrency: 1, Timeout: 5 * time.Second})
	s.opts.AsyncRetryDelay = 100 * time.Millisecond
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	event := func(t *testing.T, body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/2015-03-31/functions/fn/invocations", strings.NewReader(body))
		req.Header.Set("X-Amz-Invocation-Type", "Event")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("Event invocation: status %d, want 202", resp.StatusCode)
		}
	}
	waitFor := func(t *testing.T, what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("15 s and still not: %s", what)
			}
		}
	}

	t.Run("throttled, then run", func(t *testing.T) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Invoke(context.Background(), "fn", []byte(`{"action":"sleep","ms":3000}`))
		}()
		waitRunning(t, s, 1) // the one sandbox the limit allows is busy, for seconds more
		event(t, `{"action":"emf"}`)
		<-done
		waitFor(t, "the throttled event ran (its EMF line)", func() bool {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			return len(rec.emf) == 1
		})
		// Its invocation is counted once it has returned, after the line: the next subtest counts from here.
		waitFor(t, "the throttled event's invocation counted (with the sleep's: 2)", func() bool { return rec.sum("Invocations") == 2 })
		if rec.sum("Throttles") < 1 || rec.sum("AsyncEventsDropped") != 0 || rec.sum("AsyncEventsReceived") != 1 {
			t.Errorf("Throttles %v (want 1 or more), AsyncEventsDropped %v (want 0), AsyncEventsReceived %v (want 1)",
				rec.sum("Throttles"), rec.sum("AsyncEventsDropped"), rec.sum("AsyncEventsReceived"))
		}
	})

	t.Run("failed three times, then dropped", func(t *testing.T) {
		before := rec.sum("Invocations")
		event(t, `{"action":"error","value":"async"}`)
		waitFor(t, "the failed event dropped", func() bool { return rec.sum("AsyncEventsDropped") == 1 })
		if got := rec.sum("Invocations") - before; got != 3 {
			t.Errorf("%v invocations of the failed event, want 3 (the first and two retries)", got)
		}
	})

	t.Run("Close does not wait for a retry", func(t *testing.T) {
		s.opts.AsyncRetryDelay = time.Hour
		before := rec.sum("Errors")
		event(t, `{"action":"error","value":"waits an hour"}`)
		waitFor(t, "the event's first attempt", func() bool { return rec.sum("Errors") == before+1 })
		closed := make(chan struct{})
		go func() { s.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("Close still waiting after 10 s: the queue kept the service open")
		}
	})
}

// Lambda's execution environment docs: an Init phase that does not complete within 10 s is tried
// again "at the time of the first function invocation with the configured function timeout". The
// invocation succeeds when the second init and the handler fit the function's timeout (its
// Duration includes that init, and its REPORT has no Init Duration), and times out when not.
func TestSlowInitTriedAgainWithinTheInvocation(t *testing.T) {
	rec := &recorder{}
	s, err := New(Options{Dir: t.TempDir(), Endpoint: "http://127.0.0.1:4566", InitTimeout: 400 * time.Millisecond, Logs: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, f := range []Function{
		{Name: "fits", CodeDir: codeDir, Environment: map[string]string{"FN_INIT_MS": "800"}, Timeout: 3 * time.Second},
		{Name: "does-not-fit", CodeDir: codeDir, Environment: map[string]string{"FN_INIT_MS": "1500"}, Timeout: time.Second},
	} {
		if _, err := s.CreateFunction(f); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	log := tailOf(t, srv, "fits", `{"action":"echo","value":"v"}`)
	if !regexp.MustCompile(`(?m)^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: timeout$`).MatchString(log) {
		t.Errorf("log:\n%s\nwant an INIT_REPORT of the init that timed out", log)
	}
	report := regexp.MustCompile(`(?m)^REPORT RequestId: \S+\tDuration: (\d+\.\d\d) ms.*$`).FindStringSubmatch(log)
	if report == nil {
		t.Fatalf("log:\n%s\nwant a REPORT line", log)
	}
	if d, _ := strconv.ParseFloat(report[1], 64); d < 800 || strings.Contains(report[0], "Init Duration") {
		t.Errorf("%q: want a Duration of at least the second init's 800 ms, and no Init Duration", report[0])
	}
	// Each sandbox has its stream: the one whose init timed out holds its own line and its
	// INIT_REPORT, the second one its init's line and the invocation.
	rec.mu.Lock()
	var streams []string
	for k, lines := range rec.logs {
		if strings.HasPrefix(k, "/aws/lambda/fits ") {
			streams = append(streams, strings.Join(lines, "|"))
		}
	}
	rec.mu.Unlock()
	slices.SortFunc(streams, func(a, b string) int { // the one with INIT_REPORT first
		return strings.Compare(strconv.FormatBool(!strings.Contains(a, "INIT_REPORT")), strconv.FormatBool(!strings.Contains(b, "INIT_REPORT")))
	})
	if len(streams) != 2 || !strings.Contains(streams[0], "init: sleeping 800 ms") || !strings.Contains(streams[0], "INIT_REPORT Init Duration: ") ||
		!strings.Contains(streams[1], "init: sleeping 800 ms") || !strings.Contains(streams[1], "START RequestId: ") || strings.Contains(streams[1], "INIT_REPORT") {
		t.Errorf("streams of fits: %q, want the timed-out sandbox's line and INIT_REPORT in one, the second sandbox's in another", streams)
	}
	// The sandbox the second init started serves the next invocation warm.
	if log := tailOf(t, srv, "fits", `{"action":"echo"}`); strings.Contains(log, "INIT_REPORT") || strings.Contains(log, "Init Duration") {
		t.Errorf("the second invocation's log:\n%s\nwant a warm start", log)
	}

	_, fe, err := invoke(t, s, "does-not-fit", `{"action":"echo"}`)
	if err != nil || fe == nil || fe.Type != "Sandbox.Timedout" || !regexp.MustCompile(`^RequestId: \S+ Error: Task timed out after 1\.00 seconds$`).MatchString(fe.Message) {
		t.Errorf("an init longer than the function's timeout, twice: error %v, function error %+v; want Sandbox.Timedout, Task timed out after 1.00 seconds", err, fe)
	}
}

// waitRunning waits until n invocations run in s (an invocation started in a goroutine has taken
// its slot): a fixed sleep could end before it had, on a starved machine.
func waitRunning(t *testing.T, s *Service, n int64) {
	t.Helper()
	if !poll.Until(10*time.Second, 5*time.Millisecond, func() bool { return s.inflight.Load() >= n }) {
		t.Fatalf("%d invocations running after 10 s, want %d", s.inflight.Load(), n)
	}
}
