package awsclients

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/hostcpu"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// cliEnv is a clean environment for a CLI, its endpoint a closed port.
func cliEnv(t testing.TB) (env []string, home string) {
	home = t.TempDir()
	return []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "AWS_CONFIG_FILE=" + filepath.Join(home, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "PYTHONDONTWRITEBYTECODE=1"}, home
}

// Each AWS CLI on the machine answers through its runner (forked from a server) exactly as it does
// started by its path: its version, a call that fails because nothing listens at the endpoint,
// a command that does not exist, and its help's first lines.
func TestCLIRunnerAsExec(t *testing.T) {
	testenv.SkipIfShort(t, "the AWS CLIs take a second a call")
	ctx := context.Background()
	found, missing := Find(ctx)
	var clis []Client
	for _, c := range found {
		if c.Kind == CLI {
			clis = append(clis, c)
		}
	}
	Run(t, clis, missing[:0:0], func(t *testing.T, c Client) {
		env, home := cliEnv(t)
		r, err := NewCLIRunner(ctx, c, env, home)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if !r.Forked() {
			t.Fatalf("%s at %s runs by exec: want it forked (a Python script)", c.Name, c.Path)
		}
		endpoint := "http://" + testenv.ClosedAddress(t)
		for _, args := range [][]string{
			{"--version"},
			{"sqs", "list-queues", "--endpoint-url", endpoint},
			{"--endpoint-url", endpoint, "s3", "ls"},
			{"s3", "no-such-command"},
		} {
			cmd := exec.Command(c.Path, args...)
			cmd.Env, cmd.Dir = env, home
			var wantOut, wantErr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
			wantRun := cmd.Run()
			out, errOut, err := r.Run(ctx, args...)
			if (err == nil) != (wantRun == nil) || err != nil && !strings.HasSuffix(err.Error(), ": "+wantRun.Error()) ||
				string(out) != wantOut.String() || string(errOut) != wantErr.String() {
				t.Errorf("aws %s: %v, stdout %q, stderr %q;\nwant, as from exec: %v, stdout %q, stderr %q",
					strings.Join(args, " "), err, out, errOut, wantRun, wantOut.String(), wantErr.String())
			}
		}
	})
	if len(clis) == 0 {
		t.Fatalf("no AWS CLI found: %v", missing)
	}
}

// A CLI that is not a Python script (the AWS CLI v2 installer's executable) runs by exec.
func TestCLIRunnerExec(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "aws")
	if err := os.WriteFile(path, []byte("#!/bin/sh\necho \"args $* in $(pwd) as $WHO\"\necho oops >&2\nexit $1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := NewCLIRunner(context.Background(), Client{Spec: Spec{Name: "frozen", Kind: CLI}, Path: path}, []string{"WHO=me", "PATH=/usr/bin:/bin"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Forked() {
		t.Fatal("a shell script is forked")
	}
	out, errOut, err := r.Run(context.Background(), "3", "x")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(err.Error(), "aws 3 x: exit status 3") ||
		string(out) != "args 3 x in "+dir+" as me\n" || string(errOut) != "oops\n" {
		t.Errorf("Run: %v, stdout %q, stderr %q", err, out, errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run past its context: %v, want the deadline", err)
	}
	if _, err := NewCLIRunner(context.Background(), Client{Spec: Spec{Name: "py", Kind: Python}, Path: path}, nil, dir); err == nil {
		t.Error("a runner for a Python with boto3: no error")
	}
}

// machineCPU is the CPU time the whole machine has spent (hostcpu): a forked command is a child of
// the server, which no rusage of this process counts.
func machineCPU(b *testing.B) time.Duration {
	b.Helper()
	s, ok := hostcpu.Read()
	if !ok {
		b.Fatal("cannot read /proc/stat")
	}
	return s.BusyTime()
}

// BenchmarkCLI is one call of each AWS CLI that fails at once (nothing listens at its endpoint),
// started by its path and through its runner: wall time, and the machine's CPU a call (run it on
// a quiet machine).
func BenchmarkCLI(b *testing.B) {
	found, _ := Find(context.Background())
	for _, c := range found {
		if c.Kind != CLI {
			continue
		}
		env, home := cliEnv(b)
		args := []string{"sqs", "list-queues", "--endpoint-url", "http://127.0.0.1:9"} // discard: refused
		measure := func(b *testing.B, run func() error) {
			cpu := machineCPU(b)
			for b.Loop() {
				if err := run(); err == nil {
					b.Fatal("the call succeeded: something listens at 127.0.0.1:9")
				}
			}
			b.ReportMetric(float64((machineCPU(b)-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		}
		b.Run(c.Name+"/exec", func(b *testing.B) {
			measure(b, func() error {
				cmd := exec.Command(c.Path, args...)
				cmd.Env, cmd.Dir = env, home
				return cmd.Run()
			})
		})
		b.Run(c.Name+"/runner", func(b *testing.B) {
			r, err := NewCLIRunner(context.Background(), c, env, home)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			measure(b, func() error {
				_, _, err := r.Run(context.Background(), args...)
				return err
			})
		})
	}
}

// A command whose arguments are too long for the fork server's requests runs by exec; the others
// forked (a forked command's parent is the server, an exec'd one's this process).
func TestCLIRunnerLongArgumentsByExec(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		testenv.Require(t, "python3 at /usr/bin/python3 with awscli (apt-get install awscli; make test-deps)", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "aws")
	if err := os.WriteFile(path, []byte("#!/usr/bin/python3\nimport os, sys\nprint(len(''.join(sys.argv[1:])), os.getppid() == int(os.environ['TEST_PID']))\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := NewCLIRunner(context.Background(), Client{Spec: Spec{Name: "py", Kind: CLI}, Path: path},
		[]string{"PATH=/usr/bin:/bin", "TEST_PID=" + strconv.Itoa(os.Getpid())}, dir)
	testenv.Require(t, "Debian's awscli for /usr/bin/python3 (apt-get install awscli; make test-deps)", err)
	defer r.Close()
	long := strings.Repeat("x", 100<<10)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"short"}, "5 False\n"},
		{[]string{long, long}, "204800 True\n"},
	} {
		if out, _, err := r.Run(context.Background(), tc.args...); err != nil || string(out) != tc.want {
			t.Errorf("Run of %d bytes: %q, %v; want %q", len(strings.Join(tc.args, "")), out, err, tc.want)
		}
	}
}
