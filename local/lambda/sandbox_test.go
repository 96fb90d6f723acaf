package lambda

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
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
	time.Sleep(300 * time.Millisecond)
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
