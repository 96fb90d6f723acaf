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
	"os"
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
