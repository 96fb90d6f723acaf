// Package awsclients is test support: it finds the AWS clients this project did not write — the
// AWS CLIs and the Pythons with boto3 on the machine — by absolute path, for the tests that drive
// the local cloud with them (test/clients, test/conformance/...).
//
// The four clients, in the order the tests run them:
//
//   - aws-cli-v1: the AWS CLI v1 first on PATH that is not the system's (pip's awscli, in a pyenv
//     Python here), or the one CHAOSLAB_AWS_CLI_V1 names. Optional.
//   - aws-cli-v2-debian: Debian's AWS CLI 2.9 at /usr/bin/aws (apt awscli). Required.
//   - boto3-debian: /usr/bin/python3 with Debian's boto3 1.26 (apt python3-boto3). Required.
//   - boto3-pip: the python3 first on PATH that is not the system's, with boto3 (pip's, in a pyenv
//     Python here), or the one CHAOSLAB_PYTHON_BOTO3 names. Optional.
//
// The required ones are what `make test` installs with apt-get (make test-deps); a test that does
// not find one fails under CI and skips elsewhere (testenv.Require). The optional ones are newer
// clients: where one is also on the machine it is tested too, and where it is not, there is no
// subtest for it, only a line in the test log saying how to add it (a subtest that cannot fail
// proves nothing, and a skip fails `make test` under CI).
//
// A pyenv shim is resolved to the executable it runs (`pyenv which`), so every client runs by the
// absolute path of the real executable, without pyenv in its environment.
package awsclients

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// Kind is what a client is: an AWS CLI, or a Python with boto3.
type Kind string

const (
	CLI    Kind = "cli"    // an AWS CLI: run it with its arguments
	Python Kind = "python" // a python3 that imports boto3: run it with a script
)

// The clients' names, the names of their subtests.
const (
	CLIv1       = "aws-cli-v1"
	CLIv2Debian = "aws-cli-v2-debian"
	Boto3Debian = "boto3-debian"
	Boto3Pip    = "boto3-pip"
)

// Spec is one client the tests look for.
type Spec struct {
	Name     string
	Kind     Kind
	Required bool   // installed by `make test` (apt): missing, a test fails under CI
	What     string // what it is, for messages
	Install  string // how to get it
	// Override names the environment variable that gives its path (absolute), or is empty.
	Override string

	major  int // a CLI's major version
	locate func(ctx context.Context) (string, error)
}

// Client is a client found on the machine.
type Client struct {
	Spec
	Path    string // absolute, the real executable (not a pyenv shim)
	Version string // one line: `aws --version`, or "boto3 X, botocore Y, Python Z"
	// Major and Minor are a CLI's version (aws-cli/Major.Minor.x).
	Major, Minor int
	// Botocore is the botocore version of a Python's boto3 or of the AWS CLI v1 (empty for the CLI
	// v2, which bundles its own); Boto3 the boto3 version of a Python.
	Botocore, Boto3 string
	// EndpointEnv reports whether it reads AWS_ENDPOINT_URL (botocore ≥ 1.31, the CLI v2 ≥ 2.13);
	// otherwise the endpoint must be given explicitly (--endpoint-url, endpoint_url=).
	EndpointEnv bool
}

// Missing is a client not found, and why.
type Missing struct {
	Spec
	Err error
}

const makeTestDeps = "`make test` installs it with apt-get (make test-deps)"

// Specs are the four clients, in the order the tests run them.
var Specs = []Spec{
	{Name: CLIv1, Kind: CLI, major: 1, Override: "CHAOSLAB_AWS_CLI_V1",
		What:    "the AWS CLI v1 first on PATH (pip's awscli, not the system's)",
		Install: "pip install awscli==1.45.11 in a Python first on PATH (pyenv), or set CHAOSLAB_AWS_CLI_V1 to its absolute path",
		locate: func(ctx context.Context) (string, error) {
			return fromEnvOr(ctx, "CHAOSLAB_AWS_CLI_V1", "aws")
		}},
	{Name: CLIv2Debian, Kind: CLI, major: 2, Required: true,
		What:    "Debian's AWS CLI 2.9 at /usr/bin/aws",
		Install: "apt-get install -y awscli; " + makeTestDeps,
		locate:  fixed("/usr/bin/aws")},
	{Name: Boto3Debian, Kind: Python, Required: true,
		What:    "Debian's boto3 1.26 for /usr/bin/python3",
		Install: "apt-get install -y python3-boto3; " + makeTestDeps,
		locate:  fixed("/usr/bin/python3")},
	{Name: Boto3Pip, Kind: Python, Override: "CHAOSLAB_PYTHON_BOTO3",
		What:    "a python3 with boto3 first on PATH (pip's boto3, not the system's)",
		Install: "pip install boto3==1.43.11 in a Python first on PATH (pyenv), or set CHAOSLAB_PYTHON_BOTO3 to its absolute path",
		locate: func(ctx context.Context) (string, error) {
			return fromEnvOr(ctx, "CHAOSLAB_PYTHON_BOTO3", "python3")
		}},
}

// probeTimeout bounds one process run to find or version a client: a guard against a hang, not a
// speed check. A CLI's --version takes about a second of CPU, far longer at nice 19 on a busy
// machine (over 30 s once, with a CPU hog beside make test).
const probeTimeout = 2 * time.Minute

// ErrSlow is a client that is there but did not answer its version within probeTimeout: not a
// missing prerequisite, and not skipped (a subtest that fails saying so, with or without CI).
var ErrSlow = errors.New("did not answer in time")

// Find looks for every client of Specs: the ones found, in Specs' order, and for the others why not.
func Find(ctx context.Context) (found []Client, missing []Missing) {
	for _, s := range Specs {
		c, err := s.find(ctx)
		if err != nil {
			missing = append(missing, Missing{Spec: s, Err: err})
			continue
		}
		found = append(found, c)
	}
	return found, missing
}

// Run runs fn in a subtest named after each client found, in Specs' order, and applies the
// policy to the missing ones: a required client missing is a subtest that fails under CI and skips
// elsewhere (testenv.Require); an optional one missing has no subtest, only a line in t's log
// saying so and how to add it; one there but too slow to answer (ErrSlow), required or not, is a
// subtest that fails saying so.
func Run(t *testing.T, found []Client, missing []Missing, fn func(t *testing.T, c Client)) {
	t.Helper()
	subtests(t, found, missing, fn, func(name string, f func(*testing.T)) { t.Run(name, f) })
}

// RunAll is Run with the clients' subtests all at once, each in a goroutine of its own, for
// clients that share nothing; it returns when every one has. (Not t.Parallel: its limit, -parallel,
// is GOMAXPROCS by default, so on 2 cores the third and fourth clients waited for the first two.)
func RunAll(t *testing.T, found []Client, missing []Missing, fn func(t *testing.T, c Client)) {
	t.Helper()
	var wg sync.WaitGroup
	subtests(t, found, missing, fn, func(name string, f func(*testing.T)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(name, f)
		}()
	})
	wg.Wait()
}

// subtests has run start the subtest of each client found and of each required one missing, in
// Specs' order, and logs the optional ones missing.
func subtests(t *testing.T, found []Client, missing []Missing, fn func(t *testing.T, c Client), run func(name string, f func(*testing.T))) {
	t.Helper()
	for _, s := range Specs {
		for _, c := range found {
			if c.Name == s.Name {
				run(c.Name, func(t *testing.T) { fn(t, c) })
			}
		}
		for _, m := range missing {
			if m.Name != s.Name {
				continue
			}
			if errors.Is(m.Err, ErrSlow) {
				run(m.Name, func(t *testing.T) {
					t.Fatalf("%s is there but slow: %v", m.What, m.Err)
				})
				continue
			}
			if m.Required {
				run(m.Name, func(t *testing.T) {
					testenv.Require(t, m.What+" (install: "+m.Install+")", m.Err)
				})
				continue
			}
			t.Logf("%s: not on this machine, not tested (%s: %v); to test it too: %s", m.Name, m.What, m.Err, m.Install)
		}
	}
}

// find locates the client and asks it its version.
func (s Spec) find(ctx context.Context) (Client, error) {
	path, err := s.locate(ctx)
	if err != nil {
		return Client{}, err
	}
	c := Client{Spec: s, Path: path}
	switch s.Kind {
	case CLI:
		err = c.cliVersion(ctx)
	case Python:
		err = c.pythonVersion(ctx)
	default:
		err = fmt.Errorf("kind %q", s.Kind)
	}
	return c, err
}

var (
	cliVersionRe      = regexp.MustCompile(`aws-cli/(\d+)\.(\d+)\.\d+`)
	cliBotocoreRe     = regexp.MustCompile(`botocore/(\d+\.\d+\S*)`)
	dottedVersionRe   = regexp.MustCompile(`^(\d+)\.(\d+)`)
	errNotFound       = errors.New("not found")
	errSystemFirst    = errors.New("the first on PATH is the system's")
	pythonVersionCode = `import json, sys, boto3, botocore
print(json.dumps({"boto3": boto3.__version__, "botocore": botocore.__version__, "python": sys.version.split()[0]}))`
)

func (c *Client) cliVersion(ctx context.Context) error {
	out, err := probe(ctx, c.Path, "--version")
	if err != nil {
		return fmt.Errorf("%s --version: %w: %s", c.Path, err, out)
	}
	m := cliVersionRe.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("%s --version printed %q, want aws-cli/%d.x", c.Path, out, c.major)
	}
	c.Major, _ = strconv.Atoi(m[1])
	c.Minor, _ = strconv.Atoi(m[2])
	if c.Major != c.major {
		return fmt.Errorf("%s is %q, want the AWS CLI v%d", c.Path, out, c.major)
	}
	c.Version = out
	if b := cliBotocoreRe.FindStringSubmatch(out); b != nil {
		c.Botocore = b[1]
	}
	c.EndpointEnv = ReadsEndpointEnv(c.Major, c.Minor, c.Botocore)
	return nil
}

func (c *Client) pythonVersion(ctx context.Context) error {
	out, err := probe(ctx, c.Path, "-c", pythonVersionCode)
	if err != nil {
		return fmt.Errorf("%s cannot import boto3: %w: %s", c.Path, err, out)
	}
	var v struct{ Boto3, Botocore, Python string }
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return fmt.Errorf("%s printed %q: %w", c.Path, out, err)
	}
	c.Boto3, c.Botocore = v.Boto3, v.Botocore
	c.Version = fmt.Sprintf("boto3 %s, botocore %s, Python %s", v.Boto3, v.Botocore, v.Python)
	c.EndpointEnv = ReadsEndpointEnv(0, 0, c.Botocore)
	return nil
}

// ReadsEndpointEnv reports whether a client reads AWS_ENDPOINT_URL: the AWS CLI v2 from 2.13 on
// (cliMajor 2), anything built on botocore from 1.31 on (the CLI v1, boto3).
func ReadsEndpointEnv(cliMajor, cliMinor int, botocore string) bool {
	if cliMajor == 2 {
		return cliMinor >= 13
	}
	return AtLeast(botocore, 1, 31)
}

// AtLeast reports whether a dotted version is at least major.minor (false when it is not one).
func AtLeast(version string, major, minor int) bool {
	m := dottedVersionRe.FindStringSubmatch(version)
	if m == nil {
		return false
	}
	ma, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	return ma > major || ma == major && mi >= minor
}

// probe runs path with args, bounded, in a clean environment, and returns its trimmed combined
// output.
func probe(ctx context.Context, path string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	home, err := os.MkdirTemp("", "awsclients-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(home)
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = []string{"PATH=" + filepath.Dir(path) + ":/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8",
		"PYTHONNOUSERSITE=1", "PYTHONDONTWRITEBYTECODE=1", "AWS_PAGER="}
	cmd.Dir = home
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w: %w (timed out after %s; the machine too busy?)", ErrSlow, err, probeTimeout)
	}
	return strings.TrimSpace(string(out)), err
}

// fixed locates a client at an absolute path.
func fixed(path string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		if _, err := os.Stat(path); err != nil {
			return "", err
		}
		return path, nil
	}
}

// fromEnvOr returns the absolute path the environment variable env names (a pyenv shim resolved),
// else the first name on PATH that is not the system's.
func fromEnvOr(ctx context.Context, env, name string) (string, error) {
	p := os.Getenv(env)
	if p == "" {
		return firstOnPath(ctx, name)
	}
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%s=%s: want an absolute path", env, p)
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s: %w", env, err)
	}
	return resolveShim(ctx, p, name)
}

// firstOnPath finds the first name on PATH and fails when it is the system's (in /usr/bin or /bin,
// symbolic links followed): the user-installed one is wanted. A pyenv shim is resolved to the
// executable it runs.
func firstOnPath(ctx context.Context, name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("no %s on PATH: %w", name, errNotFound)
	}
	if p, err = filepath.Abs(p); err != nil {
		return "", err
	}
	if p, err = resolveShim(ctx, p, name); err != nil {
		return "", err
	}
	if isSystem(p) {
		return "", fmt.Errorf("%s: %w (%s)", name, errSystemFirst, p)
	}
	return p, nil
}

// isSystem reports whether path is, symbolic links followed, in /usr/bin or /bin.
func isSystem(path string) bool {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	d := filepath.Dir(path)
	return d == "/usr/bin" || d == "/bin"
}

// resolveShim returns the executable a pyenv shim (a file in a directory named shims) runs, with
// `pyenv which name` of the shim's pyenv (the directory above shims, else PYENV_ROOT), in the
// environment the tests run in (PYENV_VERSION, .python-version); any other path as it is.
func resolveShim(ctx context.Context, path, name string) (string, error) {
	if filepath.Base(filepath.Dir(path)) != "shims" {
		return path, nil
	}
	root := filepath.Dir(filepath.Dir(path))
	pyenv := filepath.Join(root, "libexec", "pyenv")
	if _, err := os.Stat(pyenv); err != nil {
		if root = os.Getenv("PYENV_ROOT"); root == "" {
			return "", fmt.Errorf("%s looks like a pyenv shim, but there is no %s and PYENV_ROOT is not set", path, pyenv)
		}
		pyenv = filepath.Join(root, "libexec", "pyenv")
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, pyenv, "which", name)
	cmd.Env = append(os.Environ(), "PYENV_ROOT="+root)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("resolve the pyenv shim %s (%s which %s): %w: %s", path, pyenv, name, err, stderr)
	}
	real := strings.TrimSpace(string(out))
	if !filepath.IsAbs(real) {
		return "", fmt.Errorf("%s which %s printed %q, want an absolute path", pyenv, name, real)
	}
	return real, nil
}
