package lambda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRoleCredentials: each sandbox gets the credentials Options.Credentials gives its function's
// role, session token included.
func TestRoleCredentials(t *testing.T) {
	var asked []string
	s, err := New(Options{Dir: t.TempDir(), Credentials: func(f Function) (Credentials, error) {
		asked = append(asked, f.Name+" "+f.Role)
		if f.Role == "" {
			return Credentials{}, errors.New("no role")
		}
		return Credentials{AccessKeyID: "ASIA" + strings.ToUpper(f.Name), SecretAccessKey: "s", SessionToken: "token-" + f.Name}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, f := range []Function{
		{Name: "a", CodeDir: codeDir, Role: "arn:aws:iam::000000000000:role/a-role"},
		{Name: "b", CodeDir: codeDir, Role: "arn:aws:iam::000000000000:role/b-role"},
		{Name: "norole", CodeDir: codeDir},
	} {
		if _, err := s.CreateFunction(f); err != nil {
			t.Fatal(err)
		}
	}
	for _, fn := range []string{"a", "b"} {
		for key, want := range map[string]string{"AWS_ACCESS_KEY_ID": "ASIA" + strings.ToUpper(fn), "AWS_SESSION_TOKEN": "token-" + fn} {
			r, fe, err := invoke(t, s, fn, `{"action":"env","key":"`+key+`"}`)
			if err != nil || fe != nil || r.Value != want {
				t.Errorf("%s %s = %q (%v %v), want %q", fn, key, r.Value, fe, err, want)
			}
		}
	}
	if _, _, err := invoke(t, s, "norole", `{"action":"echo"}`); err == nil || !strings.Contains(err.Error(), "no role") {
		t.Errorf("a function whose credentials cannot be made: %v, want the error", err)
	}
	if len(asked) != 3 || asked[0] != "a arn:aws:iam::000000000000:role/a-role" {
		t.Errorf("Credentials asked for %q, want once per sandbox start with the role", asked)
	}
}

// TestSandboxTempDir: TMPDIR is the sandbox's own 0700 directory, gone with the sandbox.
func TestSandboxTempDir(t *testing.T) {
	s, _ := newService(t, Function{Name: "fn"})
	r, fe, err := invoke(t, s, "fn", `{"action":"env","key":"TMPDIR"}`)
	if err != nil || fe != nil {
		t.Fatal(err, fe)
	}
	tmp := r.Value
	if !strings.HasPrefix(tmp, filepath.Join(s.opts.Dir, "tmp")+"/fn-") {
		t.Fatalf("TMPDIR = %q, want a directory of its own under %s", tmp, filepath.Join(s.opts.Dir, "tmp"))
	}
	st, err := os.Stat(tmp)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("TMPDIR %s: %v, %v; want a 0700 directory", tmp, st.Mode(), err)
	}
	// A second sandbox (the first is busy) has another one.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan string, 1)
	go func() {
		out, _, _ := s.Invoke(ctx, "fn", []byte(`{"action":"sleep","ms":1500}`))
		done <- string(out)
	}()
	waitRunning(t, s, 1) // the first sandbox is busy
	r2, _, err := invoke(t, s, "fn", `{"action":"env","key":"TMPDIR"}`)
	<-done
	if err != nil || r2.Value == tmp || r2.Value == "" {
		t.Errorf("second sandbox's TMPDIR = %q (%v), want its own, not %q", r2.Value, err, tmp)
	}
	os.WriteFile(filepath.Join(tmp, "left-over"), []byte("x"), 0o600)
	s.Close()
	for _, d := range []string{tmp, r2.Value} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after the sandboxes ended (%v)", d, err)
		}
	}
}

// TestRuntimeAPIRefusesOutsiders: the Runtime API of a sandbox answers its bootstrap, and refuses
// any other process (here the test itself, which found the port in the sandbox's environment).
func TestRuntimeAPIRefusesOutsiders(t *testing.T) {
	s, _ := newService(t, Function{Name: "fn"})
	if _, fe, err := invoke(t, s, "fn", `{"action":"echo","value":"in"}`); err != nil || fe != nil {
		t.Fatal(err, fe)
	}
	pids := s.Pids("fn")
	if len(pids) != 1 {
		t.Fatalf("pids %v", pids)
	}
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(pids[0]) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	var api string
	for _, kv := range bytes.Split(environ, []byte{0}) {
		if v, ok := strings.CutPrefix(string(kv), "AWS_LAMBDA_RUNTIME_API="); ok {
			api = v
		}
	}
	if api == "" {
		t.Fatal("no AWS_LAMBDA_RUNTIME_API in the sandbox's environment")
	}
	for _, req := range []struct{ method, path string }{
		{"GET", "/2018-06-01/runtime/invocation/next"},
		{"POST", "/2018-06-01/runtime/invocation/some-id/response"},
		{"POST", "/2018-06-01/runtime/init/error"},
	} {
		r, _ := http.NewRequest(req.method, "http://"+api+req.path, strings.NewReader(`{"stolen":true}`))
		c := &http.Client{Timeout: 5 * time.Second}
		resp, err := c.Do(r)
		if err != nil {
			t.Errorf("%s %s from outside: %v, want a 403 answer", req.method, req.path, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s from outside: %s %s, want 403", req.method, req.path, resp.Status, b)
		}
	}
	// The sandbox itself still gets its invocations.
	if r, fe, err := invoke(t, s, "fn", `{"action":"echo","value":"still"}`); err != nil || fe != nil || r.Value != "still" {
		t.Errorf("after the refusals: %+v %v %v", r, fe, err)
	}
	if got := s.Pids("fn"); len(got) != 1 || got[0] != pids[0] {
		t.Errorf("sandboxes %v, want the same one %v", got, pids)
	}
}

func TestScanTCP(t *testing.T) {
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0000000000000000 20 4 30 10 -1
   1: 0100007F:1F90 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000  1000        0 434343 1 0000000000000000 20 4 30 10 -1
`
	if got, err := scanTCP(strings.NewReader(table), "0100007F:A1B2", "0100007F:1F90"); err != nil || got != "424242" {
		t.Errorf("scanTCP = %q, %v; want the client end's inode 424242", got, err)
	}
}

// TestResponseSizeLimit: Lambda takes a response of up to 6 MiB + 100 bytes (6,291,556: the
// runtime interface emulator's MaxPayloadSize, and the number in Lambda's own error, "Response
// payload size exceeded maximum allowed payload size (6291556 bytes)."); one byte more fails the
// invocation with Function.ResponseSizeTooLarge, and the runtime (aws-lambda-go exits on the 413)
// is replaced by a fresh sandbox for the next invocation.
func TestResponseSizeLimit(t *testing.T) {
	s, _ := newService(t, Function{Name: "fn", Timeout: 10 * time.Second})
	const limit = 6291556
	ctx := context.Background()
	out, fe, err := s.Invoke(ctx, "fn", fmt.Appendf(nil, `{"action":"bytes","lines":%d}`, limit))
	if err != nil || fe != nil || len(out) != limit {
		t.Fatalf("a response of %d bytes: %d bytes, %v, %v; want it returned whole", limit, len(out), fe, err)
	}
	_, fe, err = s.Invoke(ctx, "fn", fmt.Appendf(nil, `{"action":"bytes","lines":%d}`, limit+1))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}`
	if fe == nil || string(fe.Body()) != want {
		t.Fatalf("a response of %d bytes: %v, want the function error %s", limit+1, fe, want)
	}
	if r, fe, err := invoke(t, s, "fn", `{"action":"echo","value":"after"}`); err != nil || fe != nil || r.Value != "after" {
		t.Errorf("the invocation after: %+v %v %v, want it served", r, fe, err)
	}
}

// TestRuntimeAPIErrors: the Runtime API's own refusals, as Lambda's (the runtime interface
// emulator's rapi): a response for an invocation not in flight is 400 InvalidRequestID, one over
// the size limit 413 RequestEntityTooLarge, and /runtime/init/error once init is over (the
// runtime has asked for an invocation) 403 InvalidStateTransition; it does not end the invocation.
func TestRuntimeAPIErrors(t *testing.T) {
	t.Run("responses", func(t *testing.T) {
		inv := &invocation{id: "req-1", done: make(chan outcome, 1)}
		sb := &sandbox{current: inv}
		post := func(path string, body []byte) (int, string) {
			rec := httptest.NewRecorder()
			sb.routes().ServeHTTP(rec, httptest.NewRequest("POST", path, bytes.NewReader(body)))
			return rec.Code, strings.TrimSpace(rec.Body.String())
		}
		code, body := post("/2018-06-01/runtime/invocation/req-2/response", []byte(`{}`))
		if want := `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`; code != 400 || body != want {
			t.Errorf("another id: %d %s, want 400 %s", code, body, want)
		}
		code, body = post("/2018-06-01/runtime/invocation/req-1/response", bytes.Repeat([]byte("x"), 6291557))
		if want := `{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}`; code != 413 || body != want {
			t.Errorf("too large: %d %s, want 413 %s", code, body, want)
		}
		if out := <-inv.done; out.fnErr == nil || out.fnErr.Type != "Function.ResponseSizeTooLarge" {
			t.Errorf("the invocation's outcome %+v, want Function.ResponseSizeTooLarge", out)
		}
	})
	t.Run("init error after init", func(t *testing.T) {
		s, _ := newService(t, Function{Name: "fn"})
		r, fe, err := invoke(t, s, "fn", `{"action":"late-init-error"}`)
		if err != nil || fe != nil {
			t.Fatalf("%v %v, want the invocation to go on", fe, err)
		}
		want := `403 {"errorMessage":"State transition from Ready to InitError failed for runtime. Error: State transition is not allowed","errorType":"InvalidStateTransition"}`
		if strings.TrimSpace(r.Value) != want {
			t.Errorf("the Runtime API answered %q, want %q", r.Value, want)
		}
	})
}
