package awsclients

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

func TestAtLeast(t *testing.T) {
	for _, c := range []struct {
		v            string
		major, minor int
		want         bool
	}{
		{"1.43.11", 1, 31, true}, {"1.31.0", 1, 31, true}, {"1.29.27", 1, 31, false},
		{"2.0", 1, 31, true}, {"0.99", 1, 0, false}, {"", 1, 31, false}, {"x1.40", 1, 31, false},
	} {
		if got := AtLeast(c.v, c.major, c.minor); got != c.want {
			t.Errorf("AtLeast(%q, %d, %d) = %v, want %v", c.v, c.major, c.minor, got, c.want)
		}
	}
}

func TestReadsEndpointEnv(t *testing.T) {
	for _, c := range []struct {
		major, minor int
		botocore     string
		want         bool
	}{
		{2, 9, "", false}, {2, 13, "", true}, {1, 45, "1.43.11", true}, {1, 29, "1.31.0", true},
		{1, 27, "1.29.1", false}, {0, 0, "1.29.27", false}, {0, 0, "1.43.11", true},
	} {
		if got := ReadsEndpointEnv(c.major, c.minor, c.botocore); got != c.want {
			t.Errorf("ReadsEndpointEnv(%d, %d, %q) = %v, want %v", c.major, c.minor, c.botocore, got, c.want)
		}
	}
}

func writeExec(t *testing.T, path, script string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// fakePyenv makes a pyenv root whose shims/name `pyenv which` resolves to versions/3.11/bin/name.
func fakePyenv(t *testing.T, name string) (root, shim string) {
	t.Helper()
	root = t.TempDir()
	shim = filepath.Join(root, "shims", name)
	writeExec(t, shim, "exit 1")
	writeExec(t, filepath.Join(root, "libexec", "pyenv"), `[ "$1" = which ] && echo "$PYENV_ROOT/versions/3.11/bin/$2"`)
	return root, shim
}

func TestResolveShim(t *testing.T) {
	ctx := context.Background()
	root, shim := fakePyenv(t, "aws")
	got, err := resolveShim(ctx, shim, "aws")
	if want := filepath.Join(root, "versions", "3.11", "bin", "aws"); err != nil || got != want {
		t.Errorf("resolveShim(%s) = %q, %v; want %q", shim, got, err, want)
	}
	if got, err := resolveShim(ctx, "/usr/bin/aws", "aws"); err != nil || got != "/usr/bin/aws" {
		t.Errorf("resolveShim(/usr/bin/aws) = %q, %v; want it as it is", got, err)
	}
	// A shims directory without pyenv next to it and no PYENV_ROOT: an error, not a shim run as is.
	t.Setenv("PYENV_ROOT", "")
	lone := filepath.Join(t.TempDir(), "shims", "aws")
	writeExec(t, lone, "exit 1")
	if got, err := resolveShim(ctx, lone, "aws"); err == nil {
		t.Errorf("resolveShim(%s) = %q, want an error", lone, got)
	}
}

func TestFirstOnPath(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeExec(t, filepath.Join(dir, "aws"), "exit 0")
	root, _ := fakePyenv(t, "python3")

	t.Setenv("PATH", dir+":"+filepath.Join(root, "shims")+":/usr/bin:/bin")
	if got, err := firstOnPath(ctx, "aws"); err != nil || got != filepath.Join(dir, "aws") {
		t.Errorf("firstOnPath(aws) = %q, %v; want %s", got, err, filepath.Join(dir, "aws"))
	}
	if got, err := firstOnPath(ctx, "python3"); err != nil || got != filepath.Join(root, "versions", "3.11", "bin", "python3") {
		t.Errorf("firstOnPath(python3) = %q, %v; want the shim resolved", got, err)
	}
	t.Setenv("PATH", "/usr/bin:/bin")
	if got, err := firstOnPath(ctx, "sh"); !errors.Is(err, errSystemFirst) {
		t.Errorf("firstOnPath(sh) on /usr/bin:/bin = %q, %v; want the system's refused", got, err)
	}
	t.Setenv("PATH", t.TempDir())
	if got, err := firstOnPath(ctx, "aws"); !errors.Is(err, errNotFound) {
		t.Errorf("firstOnPath(aws) on an empty PATH = %q, %v; want not found", got, err)
	}
}

func TestFromEnvOr(t *testing.T) {
	ctx := context.Background()
	for _, v := range []string{"relative/aws", filepath.Join(t.TempDir(), "no-such-aws")} {
		t.Setenv("CHAOSLAB_TEST_CLIENT", v)
		if got, err := fromEnvOr(ctx, "CHAOSLAB_TEST_CLIENT", "aws"); err == nil || !strings.Contains(err.Error(), "CHAOSLAB_TEST_CLIENT") {
			t.Errorf("CHAOSLAB_TEST_CLIENT=%s: %q, %v; want an error naming the variable", v, got, err)
		}
	}
	root, shim := fakePyenv(t, "aws")
	t.Setenv("CHAOSLAB_TEST_CLIENT", shim)
	if got, err := fromEnvOr(ctx, "CHAOSLAB_TEST_CLIENT", "aws"); err != nil || got != filepath.Join(root, "versions", "3.11", "bin", "aws") {
		t.Errorf("CHAOSLAB_TEST_CLIENT=%s (a shim): %q, %v; want it resolved", shim, got, err)
	}
	// The override may name the system's: the user said so.
	t.Setenv("CHAOSLAB_TEST_CLIENT", "/bin/sh")
	if got, err := fromEnvOr(ctx, "CHAOSLAB_TEST_CLIENT", "sh"); err != nil || got != "/bin/sh" {
		t.Errorf("CHAOSLAB_TEST_CLIENT=/bin/sh: %q, %v", got, err)
	}
}

// TestVersions finds fake clients through the overrides: what their versions say decides the
// version fields, whether they read AWS_ENDPOINT_URL, and whether they are the client wanted.
func TestVersions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cliV1, cliV2, python, oldPython, noBoto3 := filepath.Join(dir, "aws1"), filepath.Join(dir, "aws2"), filepath.Join(dir, "py"), filepath.Join(dir, "oldpy"), filepath.Join(dir, "nopy")
	writeExec(t, cliV1, `echo "aws-cli/1.45.11 Python/3.11.7 Linux/6.1 botocore/1.43.11"`)
	writeExec(t, cliV2, `echo "aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off"`)
	writeExec(t, python, `echo '{"boto3": "1.43.11", "botocore": "1.43.11", "python": "3.11.7"}'`)
	writeExec(t, oldPython, `echo '{"boto3": "1.26.27", "botocore": "1.29.27", "python": "3.11.2"}'`)
	writeExec(t, noBoto3, `echo "ModuleNotFoundError: No module named 'boto3'" >&2; exit 1`)
	spec := func(name string) Spec {
		for _, s := range Specs {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no spec %s", name)
		return Spec{}
	}

	t.Setenv("CHAOSLAB_AWS_CLI_V1", cliV1)
	c, err := spec(CLIv1).find(ctx)
	if err != nil || c.Path != cliV1 || c.Kind != CLI || c.Major != 1 || c.Minor != 45 || c.Botocore != "1.43.11" || !c.EndpointEnv ||
		c.Version != "aws-cli/1.45.11 Python/3.11.7 Linux/6.1 botocore/1.43.11" {
		t.Errorf("CLI v1: %+v, %v", c, err)
	}
	t.Setenv("CHAOSLAB_AWS_CLI_V1", cliV2)
	if c, err := spec(CLIv1).find(ctx); err == nil || !strings.Contains(err.Error(), "want the AWS CLI v1") {
		t.Errorf("a CLI v2 as CHAOSLAB_AWS_CLI_V1: %+v, %v; want it refused", c, err)
	}

	t.Setenv("CHAOSLAB_PYTHON_BOTO3", python)
	c, err = spec(Boto3Pip).find(ctx)
	if err != nil || c.Path != python || c.Kind != Python || c.Boto3 != "1.43.11" || c.Botocore != "1.43.11" || !c.EndpointEnv ||
		c.Version != "boto3 1.43.11, botocore 1.43.11, Python 3.11.7" {
		t.Errorf("boto3: %+v, %v", c, err)
	}
	t.Setenv("CHAOSLAB_PYTHON_BOTO3", oldPython)
	if c, err := spec(Boto3Pip).find(ctx); err != nil || c.EndpointEnv {
		t.Errorf("boto3 1.26 (botocore 1.29): %+v, %v; want found, not reading AWS_ENDPOINT_URL", c, err)
	}
	t.Setenv("CHAOSLAB_PYTHON_BOTO3", noBoto3)
	if c, err := spec(Boto3Pip).find(ctx); err == nil || !strings.Contains(err.Error(), "No module named 'boto3'") {
		t.Errorf("a python3 without boto3: %+v, %v; want the import error", c, err)
	}
}

// TestFind finds the clients of this machine: the required ones must be there (under CI).
func TestFind(t *testing.T) {
	found, missing := Find(context.Background())
	if len(found)+len(missing) != len(Specs) {
		t.Fatalf("%d found and %d missing of %d", len(found), len(missing), len(Specs))
	}
	for _, m := range missing {
		if m.Required {
			testenv.Require(t, m.What+" (install: "+m.Install+")", m.Err)
		}
		t.Logf("%s (optional) not on this machine: %v", m.Name, m.Err)
	}
	for _, c := range found {
		t.Logf("%s: %s (%s), reads AWS_ENDPOINT_URL: %v", c.Name, c.Path, c.Version, c.EndpointEnv)
		if !filepath.IsAbs(c.Path) || filepath.Base(filepath.Dir(c.Path)) == "shims" || c.Version == "" {
			t.Errorf("%s: path %q, version %q; want an absolute path, not a shim, and a version", c.Name, c.Path, c.Version)
		}
		switch c.Name {
		case CLIv2Debian:
			if c.Path != "/usr/bin/aws" || c.Major != 2 || c.EndpointEnv != (c.Minor >= 13) {
				t.Errorf("%s: %+v", c.Name, c)
			}
		case Boto3Debian:
			if c.Path != "/usr/bin/python3" || c.Boto3 == "" || c.EndpointEnv != AtLeast(c.Botocore, 1, 31) {
				t.Errorf("%s: %+v", c.Name, c)
			}
		}
	}
}

// TestRunPolicy runs itself in a child test binary, with CI set and without, where it calls Run
// (and RunAll) with a client found, an optional one missing and a required one missing: a found client is a
// subtest; a required one missing is a subtest that fails under CI and skips elsewhere; an
// optional one missing is no subtest, a line in the log.
func TestRunPolicy(t *testing.T) {
	if os.Getenv("AWSCLIENTS_POLICY_CHILD") == "slow" {
		slow := fmt.Errorf("%w: signal: killed (timed out after 2m0s)", ErrSlow)
		Run(t, nil, []Missing{{Spec: Specs[3], Err: slow}}, func(t *testing.T, c Client) {
			t.Errorf("fn called for %s", c.Name)
		})
		return
	}
	if os.Getenv("AWSCLIENTS_POLICY_CHILD") != "" {
		found := []Client{{Spec: Specs[2], Path: "/usr/bin/python3"}}
		missing := []Missing{{Spec: Specs[0], Err: errors.New("no aws here")}, {Spec: Specs[1], Err: errors.New("no /usr/bin/aws here")}}
		run := Run
		if os.Getenv("AWSCLIENTS_POLICY_CHILD") == "all" {
			run = RunAll
		}
		run(t, found, missing, func(t *testing.T, c Client) {
			if c.Name != Boto3Debian {
				t.Errorf("fn called for %s", c.Name)
			}
		})
		return
	}
	for _, tc := range []struct {
		ci   bool
		mode string // the child calls Run ("one"), or RunAll ("all")
	}{{true, "one"}, {false, "one"}, {true, "all"}, {false, "all"}} {
		ci := tc.ci
		cmd := exec.Command(os.Args[0], "-test.run=^TestRunPolicy$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "AWSCLIENTS_POLICY_CHILD="+tc.mode, "CI=false")
		if ci {
			cmd.Env = append(cmd.Env, "CI=true")
		}
		out, err := cmd.CombinedOutput()
		want := []string{
			"--- PASS: TestRunPolicy/boto3-debian",
			"aws-cli-v1: not on this machine, not tested (" + Specs[0].What + ": no aws here)",
			"prerequisite missing: " + Specs[1].What,
		}
		if ci {
			want = append(want, "--- FAIL: TestRunPolicy/aws-cli-v2-debian")
			if err == nil {
				t.Errorf("CI=true: the child passed, want it failed\n%s", out)
			}
		} else {
			want = append(want, "--- SKIP: TestRunPolicy/aws-cli-v2-debian", "--- PASS: TestRunPolicy ")
			if err != nil {
				t.Errorf("CI unset: the child failed: %v\n%s", err, out)
			}
		}
		for _, w := range want {
			if !strings.Contains(string(out), w) {
				t.Errorf("CI=%v: output lacks %q:\n%s", ci, w, out)
			}
		}
		if strings.Contains(string(out), "RUN   TestRunPolicy/aws-cli-v1") {
			t.Errorf("CI=%v: a subtest for the missing optional client:\n%s", ci, out)
		}
	}
}

// A client that is there but did not answer its version in time is neither missing nor skipped,
// even an optional one without CI: its subtest fails and says it is slow, not "prerequisite
// missing" (which a busy make test once printed about Debian's AWS CLI, there all along).
func TestRunPolicySlowClient(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunPolicy$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "AWSCLIENTS_POLICY_CHILD=slow", "CI=false")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Errorf("the child passed, want it failed\n%s", out)
	}
	for _, w := range []string{"--- FAIL: TestRunPolicy/" + Specs[3].Name, Specs[3].What + " is there but slow: did not answer in time"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(string(out), "prerequisite missing") {
		t.Errorf("a slow client reported as missing:\n%s", out)
	}
}

// TestRunAllAtOnce: RunAll starts every client's subtest before any has ended (each waits here
// until all four have started; Run, one after the other, would wait out the timeout), and returns
// only when all have ended.
func TestRunAllAtOnce(t *testing.T) {
	var found []Client
	for _, s := range Specs {
		found = append(found, Client{Spec: s, Path: "/nowhere/" + s.Name})
	}
	var started sync.WaitGroup
	started.Add(len(found))
	allStarted := make(chan struct{})
	go func() { started.Wait(); close(allStarted) }()
	var ended atomic.Int32
	RunAll(t, found, nil, func(t *testing.T, c Client) {
		started.Done()
		select {
		case <-allStarted:
		case <-time.After(10 * time.Second):
			t.Errorf("%s: the other clients' subtests had not all started after 10 s", c.Name)
		}
		time.Sleep(50 * time.Millisecond)
		ended.Add(1)
	})
	if n := ended.Load(); n != int32(len(found)) {
		t.Errorf("RunAll returned with %d of %d subtests ended", n, len(found))
	}
}
