package lambda

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/procgroup"
)

// invocation is one request handed to a sandbox through its Runtime API.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	traceID  string
	// invokedARN is Lambda-Runtime-Invoked-Function-Arn: the function's ARN, qualified when the
	// invocation named a qualifier.
	invokedARN string
	// clientContext is Invoke's ClientContext, decoded (JSON): the Runtime API's
	// Lambda-Runtime-Client-Context; "" for none.
	clientContext string
	// begin runs as /next hands the invocation over, before the runtime sees it (Lambda's START
	// line, the invocation's log tail): only an invocation a sandbox took has begun. Optional.
	begin func()
	done  chan outcome // buffered 1: the first response or error wins
}

type outcome struct {
	body  []byte
	fnErr *FunctionError
}

// sandbox is one execution environment: a bootstrap process and the Runtime API server it polls.
type sandbox struct {
	fn      *function
	pid     int
	tmp     string        // the sandbox's TMPDIR, removed when it exits
	started chan struct{} // closed once pid is set

	srv        *http.Server
	next       chan *invocation // GET /next takes from here
	ready      chan struct{}    // closed at the first GET /next: init is over
	exited     chan struct{}    // closed when the process has exited and its output is drained
	initFailed chan *FunctionError

	// stream is the sandbox's log stream (CloudWatch Logs: Options.Logs), as each execution
	// environment has its own in Lambda.
	stream string

	// The log's write ends, kept to sync with (syncLogs): a marker written after what the function
	// printed is read back once everything before it is logged. marker is random per sandbox.
	logW    [2]*os.File
	marker  []byte
	synced  chan []byte // the sequence number after each marker read back
	syncSeq int

	mu      sync.Mutex
	current *invocation
	exitErr error
	tail    *logTail // the running invocation's, while it keeps one

	readyOnce sync.Once
	stopOnce  sync.Once
}

// startSandbox starts a bootstrap process, logging into stream, and waits until it asks for its
// first invocation.
func (f *function) startSandbox(ctx context.Context, limit time.Duration, stream string) (*sandbox, *FunctionError, error) {
	argv, err := command(f.cfg)
	if err != nil {
		return nil, nil, err
	}
	env, err := f.svc.sandboxEnv(f.cfg)
	if err != nil {
		return nil, nil, err
	}
	// The sandbox's own temporary directory (Lambda's /tmp): 0700, TMPDIR, removed with the sandbox.
	tmpRoot := filepath.Join(f.svc.opts.Dir, "tmp")
	if err := os.MkdirAll(tmpRoot, 0o700); err != nil {
		return nil, nil, fmt.Errorf("function %s: sandbox temporary directory: %w", f.cfg.Name, err)
	}
	tmp, err := os.MkdirTemp(tmpRoot, f.cfg.Name+"-")
	if err != nil {
		return nil, nil, fmt.Errorf("function %s: sandbox temporary directory: %w", f.cfg.Name, err)
	}
	env.tmp = tmp
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(tmp)
		return nil, nil, fmt.Errorf("function %s: runtime API listener: %w", f.cfg.Name, err)
	}
	sb := &sandbox{
		fn:         f,
		tmp:        tmp,
		next:       make(chan *invocation),
		ready:      make(chan struct{}),
		exited:     make(chan struct{}),
		started:    make(chan struct{}),
		initFailed: make(chan *FunctionError, 1),
		marker:     newMarker(),
		synced:     make(chan []byte, 4),
		stream:     stream,
	}
	sb.srv = &http.Server{Handler: sb.routes(), ReadHeaderTimeout: 10 * time.Second}
	// The Runtime API answers the sandbox's own processes only (peer.go).
	go sb.srv.Serve(&peerListener{Listener: ln, main: sb.mainPid, allow: sb.inGroup, log: f.svc.log, name: f.cfg.Name})

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = f.cfg.CodeDir
	cmd.Env = environ(f.cfg, env, ln.Addr().String())
	// Its own process group so a timeout kills everything the function started; Pdeathsig so a crash of
	// the local cloud does not leave functions running.
	procgroup.Own(cmd, syscall.SIGKILL)
	// The output pipes are the sandbox's own, not exec's: Wait then returns when the runtime exits, even
	// while a process it started still holds them (with exec's pipes, Wait waited for that process,
	// and a crash read as a timeout).
	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		sb.srv.Close()
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	stderr, stderrW, err := os.Pipe()
	if err != nil {
		stdout.Close()
		stdoutW.Close()
		sb.srv.Close()
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	err = cmd.Start()
	sb.logW = [2]*os.File{stdoutW, stderrW} // the runtime holds them too now; closed when it exits
	if err != nil {
		sb.closeLogW()
		stdout.Close()
		stderr.Close()
		sb.srv.Close()
		os.RemoveAll(tmp)
		return nil, nil, fmt.Errorf("function %s: start %s: %w", f.cfg.Name, argv[0], err)
	}
	sb.pid = cmd.Process.Pid
	// After Close (a cold start that raced it) the sandbox is killed by the shutdown anyway.
	if err := f.svc.reaper.Add(sb.pid); err != nil && !errors.Is(err, procgroup.ErrReaperClosed) {
		f.svc.log.Warn("sandbox: what the function starts may outlive a crash of the local cloud", "function", f.cfg.Name, "error", err)
	}
	close(sb.started)
	drained := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		wg.Go(func() { sb.copyLog(stdout) })
		wg.Go(func() { sb.copyLog(stderr) })
		wg.Wait()
		close(drained)
	}()
	go func() {
		err := cmd.Wait()
		sb.mu.Lock()
		sb.exitErr = err
		sb.mu.Unlock()
		sb.srv.Close()
		// The environment ends with its runtime: whatever it started goes (and with it its ends of the
		// output pipes), then its /tmp.
		_ = syscall.Kill(-sb.pid, syscall.SIGKILL)
		_ = f.svc.reaper.Remove(sb.pid)
		sb.closeLogW()
		// The last lines are logged before the exit is seen; a process that left the group (setsid)
		// and still holds the pipes is not waited for beyond drainTimeout.
		select {
		case <-drained:
		case <-time.After(drainTimeout):
		}
		stdout.Close()
		stderr.Close()
		<-drained
		_ = os.RemoveAll(sb.tmp)
		close(sb.exited)
	}()

	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-sb.ready:
		return sb, nil, nil
	case fe := <-sb.initFailed:
		sb.kill()
		return nil, fe, nil
	case <-sb.exited:
		return nil, &FunctionError{Type: "Runtime.ExitError", Message: "Runtime exited during init: " + sb.exitString()}, nil
	case <-timer.C:
		sb.kill()
		return nil, &FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("Init timed out after %.2f seconds", limit.Seconds())}, nil
	case <-ctx.Done():
		sb.kill()
		return nil, nil, ctx.Err()
	}
}

// newMarker is a sandbox's sync marker: a NUL and a random token no function prints by chance.
func newMarker() []byte {
	var r [12]byte
	rand.Read(r[:])
	return []byte("\x00chaoslab-log-sync-" + hex.EncodeToString(r[:]) + "-")
}

// copyLog logs r's lines until EOF, each to the function's log and to the running invocation's
// tail; a sync marker (syncLogs) is not logged but reported, with what the line had before it.
func (sb *sandbox) copyLog(r io.Reader) {
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, err := br.ReadBytes('\n')
		line = bytes.TrimRight(line, "\r\n")
		if i := bytes.LastIndex(line, sb.marker); i >= 0 {
			seq := line[i+len(sb.marker):]
			if line = line[:i]; len(line) > 0 { // a line the function left unfinished
				sb.logLine(line)
			}
			select {
			case sb.synced <- bytes.Clone(seq):
			default: // no one waits (a sync that gave up): drop it
			}
		} else if len(line) > 0 {
			sb.logLine(line)
		}
		if err != nil {
			return
		}
	}
}

func (sb *sandbox) logLine(b []byte) {
	sb.fn.logs.line(sb.stream, b)
	sb.mu.Lock()
	t := sb.tail
	sb.mu.Unlock()
	t.add(b)
}

// setTail makes t the tail the sandbox's lines go to (nil: none).
func (sb *sandbox) setTail(t *logTail) {
	sb.mu.Lock()
	sb.tail = t
	sb.mu.Unlock()
}

// syncLogs returns once what the sandbox printed so far is logged: it writes a marker behind it on
// stdout and stderr and waits to read both back, bounded by syncTimeout, or until the sandbox has
// exited (its output is then drained). A process that printed before it responded is then in its
// invocation's log and tail, ahead of Lambda's END line. One invocation at a time calls it.
func (sb *sandbox) syncLogs() {
	for drained := false; !drained; { // a marker of an earlier sync that gave up
		select {
		case <-sb.synced:
		default:
			drained = true
		}
	}
	sb.syncSeq++
	seq := strconv.Itoa(sb.syncSeq)
	line := append(bytes.Clone(sb.marker), seq+"\n"...)
	for _, w := range sb.logW {
		// Not waited for: a write fails once the process has exited (and its output is drained
		// then), and one that blocks on a full pipe is given up with the sync.
		go w.Write(line)
	}
	timer := time.NewTimer(syncTimeout)
	defer timer.Stop()
	for want := len(sb.logW); want > 0; {
		select {
		case got := <-sb.synced:
			if string(got) == seq {
				want--
			}
		case <-sb.exited:
			return
		case <-timer.C:
			return
		}
	}
}

// closeLogW closes the sandbox's own write ends of its output pipes, so they end with the process.
func (sb *sandbox) closeLogW() {
	for _, w := range sb.logW {
		if w != nil {
			w.Close()
		}
	}
}

func (sb *sandbox) exitString() string {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.exitErr == nil {
		return "exit status 0"
	}
	return sb.exitErr.Error()
}

// kill ends the sandbox's whole process group by pid and waits (bounded) for it to be reaped.
func (sb *sandbox) kill() {
	sb.stopOnce.Do(func() {
		_ = syscall.Kill(-sb.pid, syscall.SIGKILL)
	})
	select {
	case <-sb.exited:
	case <-time.After(5 * time.Second):
	}
}

// alive reports whether the process is still running.
func (sb *sandbox) alive() bool {
	select {
	case <-sb.exited:
		return false
	default:
		return true
	}
}

// timedOutError is Lambda's answer to an invocation that ran out of time, as its caller gets it:
// {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after
// 3.00 seconds"} (the log's line is another, timedOutLine).
func timedOutError(id string, timeout time.Duration) *FunctionError {
	return &FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", id, timeout.Seconds())}
}

// timedOutLine is the line Lambda logs for a timed-out invocation: "<time> <id> Task timed out
// after 3.00 seconds", its time in milliseconds, UTC.
func timedOutLine(id string, timeout time.Duration) string {
	return fmt.Sprintf("%s %s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), id, timeout.Seconds())
}

// errGone is a sandbox whose process exited before it took the invocation (a runtime that exits
// after it responded, as aws-lambda-go does when its response is refused): the invocation did not
// begin there, and runs in a new sandbox, as Lambda resets an environment whose runtime exits.
var errGone = errors.New("lambda: the sandbox exited before it took the invocation")

// invoke hands inv to the process and waits for its response, its error, its exit or the deadline.
// healthy is false when the sandbox must be discarded. A sandbox that was idle (warm) and exited
// before it took inv is errGone; a new one's exit is the invocation's crash.
func (sb *sandbox) invoke(ctx context.Context, inv *invocation, warm bool) (out outcome, healthy bool, err error) {
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	timedOut := func() outcome {
		sb.kill()
		return outcome{fnErr: timedOutError(inv.id, sb.fn.cfg.Timeout)}
	}
	crashed := func() outcome {
		return outcome{fnErr: &FunctionError{
			Type:    "Runtime.ExitError",
			Message: fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.id, sb.exitString()),
		}}
	}
	select {
	case sb.next <- inv:
	case <-sb.exited:
		if warm {
			return outcome{}, false, errGone
		}
		return crashed(), false, nil
	case <-timer.C:
		return timedOut(), false, nil
	case <-ctx.Done():
		sb.kill()
		return outcome{}, false, ctx.Err()
	}
	select {
	case out := <-inv.done:
		return out, sb.alive(), nil
	case <-sb.exited:
		// A response may have been posted just before the exit.
		select {
		case out := <-inv.done:
			return out, false, nil
		default:
		}
		return crashed(), false, nil
	case <-timer.C:
		return timedOut(), false, nil
	case <-ctx.Done():
		sb.kill()
		return outcome{}, false, ctx.Err()
	}
}

// routes is the Runtime API of one sandbox.
func (sb *sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", sb.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", sb.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", sb.handleError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", sb.handleInitError)
	return mux
}

func (sb *sandbox) handleNext(w http.ResponseWriter, r *http.Request) {
	sb.readyOnce.Do(func() { close(sb.ready) })
	select {
	case inv := <-sb.next:
		sb.mu.Lock()
		sb.current = inv
		sb.mu.Unlock()
		if inv.begin != nil {
			inv.begin()
		}
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.invokedARN)
		h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
		if inv.clientContext != "" {
			h.Set("Lambda-Runtime-Client-Context", inv.clientContext)
		}
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(inv.payload)
	case <-r.Context().Done():
	}
}

// take returns the in-flight invocation with this id, or writes a Runtime API error.
func (sb *sandbox) take(w http.ResponseWriter, id string) *invocation {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.current == nil || sb.current.id != id {
		writeRuntimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return nil
	}
	inv := sb.current
	sb.current = nil
	return inv
}

func (sb *sandbox) handleResponse(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponse+1))
	if err != nil {
		writeRuntimeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	inv := sb.take(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	// Too large: the invocation fails (its caller gets Lambda's error), and the runtime is told.
	if len(body) > maxResponse {
		inv.done <- outcome{fnErr: &FunctionError{Type: "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxResponse)}}
		writeRuntimeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", maxResponse))
		return
	}
	// aws-lambda-go reports a handler that failed mid-stream through trailers.
	if t := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); t != "" {
		inv.done <- outcome{fnErr: &FunctionError{Type: t, Message: "response stream failed"}}
	} else {
		inv.done <- outcome{body: body}
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func (sb *sandbox) handleError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	inv := sb.take(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	inv.done <- outcome{fnErr: parseFunctionError(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

// handleInitError takes a runtime's report that its init failed. Once init is over (the runtime
// asked for an invocation) Lambda refuses it, 403 InvalidStateTransition, and nothing changes.
func (sb *sandbox) handleInitError(w http.ResponseWriter, r *http.Request) {
	select {
	case <-sb.ready:
		writeRuntimeError(w, http.StatusForbidden, "InvalidStateTransition",
			"State transition from Ready to InitError failed for runtime. Error: State transition is not allowed")
		return
	default:
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	fe := parseFunctionError(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	select {
	case sb.initFailed <- fe:
	default:
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func parseFunctionError(body []byte, headerType string) *FunctionError {
	fe := &FunctionError{Payload: body}
	var doc struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if json.Unmarshal(body, &doc) == nil {
		fe.Message, fe.Type = doc.ErrorMessage, doc.ErrorType
	}
	if fe.Type == "" {
		fe.Type = headerType
	}
	if fe.Type == "" {
		fe.Type = "Unhandled"
	}
	return fe
}

func writeRuntimeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

// maxMemoryUsedMB reads the process's peak resident set (VmHWM) for the REPORT line; 0 if unknown.
func maxMemoryUsedMB(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return (kb + 1023) / 1024
		}
	}
	return 0
}

var errClosed = errors.New("lambda: service closed")
