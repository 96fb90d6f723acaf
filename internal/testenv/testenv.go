// Package testenv decides what a test does when something it needs is not on the machine.
//
// `make test` must prove what it claims, so a test never passes by not running: with the CI
// environment variable set (as `.ci/run` and most CI systems set it), a missing prerequisite —
// Node 22, Java, user namespaces, an emulator, a client such as the AWS CLI — fails the test with a
// message saying what is missing and how to get it. Without CI, on a developer's machine, the test
// skips with the same message. `go test -short` is the one deliberate way to skip slow tests:
//
//	func TestWithDynamoDB(t *testing.T) {
//		testenv.SkipIfShort(t, "starts DynamoDB Local")
//		ddb, err := testsvc.StartDynamoDB(ctx)
//		testenv.Require(t, "DynamoDB Local (run `make deps`)", err)
//		...
//	}
package testenv

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// CI reports whether the tests run under CI (the CI environment variable is set and not "false"
// or "0"), where a missing prerequisite fails instead of skipping.
func CI() bool {
	v, ok := os.LookupEnv("CI")
	return ok && v != "false" && v != "0"
}

// Require stops the test when err is not nil: it fails under CI and skips elsewhere, naming what is
// missing and the error.
func Require(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if CI() {
		t.Fatalf("prerequisite missing: %s: %v", what, err)
	}
	t.Skipf("prerequisite missing: %s: %v (with CI set this fails)", what, err)
}

// SkipIfShort skips the test under `go test -short`, saying why it is slow.
func SkipIfShort(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: " + why)
	}
}

// AWSEnv gives the test an AWS environment of nothing but vars: no shared config or credentials
// file (empty ones, and a HOME of the test's own), no region, endpoint or key unless vars name
// them. A developer's own configuration must not decide a test of what a command does without it.
func AWSEnv(t testing.TB, vars map[string]string) {
	t.Helper()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"} {
		t.Setenv(k, vars[k])
	}
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
}

// ClosedAddress is a 127.0.0.1 address nothing listens on: a port listened on and closed, and
// refused when dialled (tried again with another should a process have taken it since).
func ClosedAddress(t testing.TB) string {
	t.Helper()
	for range 5 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			continue
		}
		return addr
	}
	t.Fatal("no closed 127.0.0.1 port in 5 tries")
	return ""
}
