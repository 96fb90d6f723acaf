package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chaoslab/serverless-chaos-lab/internal/proctest"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
)

// TestNothingOutlivesSIGKILL runs `chaoslab local up` as a child, deploys the fixture into it and
// makes its function run (so a sandbox exists), checks `chaoslab local env` prints the start's
// key, then SIGKILLs the chaoslab process and checks that every process below it ends: fauxqs,
// unshare, the DynamoDB relay and its JVM, the Step Functions host, the sandbox.
func TestNothingOutlivesSIGKILL(t *testing.T) {
	testenv.SkipIfShort(t, "builds chaoslab and starts a local cloud in it")
	root, bin := buildChaoslab(t)
	records := t.TempDir()
	cdkOut := fixture(t, records)
	dir := t.TempDir()
	up, stderr, exited := startLocalUp(t, root, bin, dir)
	var st State
	var err error
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if st, err = ReadState(dir); err == nil && st.Pid == up.Process.Pid && st.Control != "" {
			break
		}
		select {
		case err := <-exited:
			if strings.Contains(stderr.String(), emulators.ErrUnavailable.Error()) {
				testenv.Require(t, "the local cloud's emulators", fmt.Errorf("%v: %s", err, stderr.String()))
			}
			t.Fatalf("chaoslab local up exited: %v\n%s", err, stderr.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("chaoslab local up not ready in 2 minutes:\n%s", stderr.String())
		}
	}

	env := exec.Command(bin, "local", "env", "-dir", dir)
	env.Dir = root
	out, err := env.Output()
	if err != nil {
		t.Fatalf("chaoslab local env: %v", err)
	}
	for _, want := range []string{"export AWS_ACCESS_KEY_ID=" + st.AccessKeyID + "\n", "export AWS_SECRET_ACCESS_KEY=" + st.SecretAccessKey + "\n",
		"export AWS_ENDPOINT_URL=" + st.Endpoint + "\n"} {
		if !strings.HasPrefix(st.AccessKeyID, "AKIA") || !strings.Contains(string(out), want) {
			t.Errorf("chaoslab local env printed:\n%s\nwant %q", out, want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	outputs, err := RemoteDeploy(ctx, dir, cdkOut, "Fixture", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ClientConfig(st.Endpoint, st.Credentials())
	if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(outputs["BucketName"]), Key: aws.String("input/k.json"), Body: strings.NewReader(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, ok := findRecord(t, records, "input/k.json"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the function never ran")
		}
		time.Sleep(100 * time.Millisecond)
	}

	tree := proctest.Descendants(up.Process.Pid)[1:] // not chaoslab itself
	names := map[string]bool{}
	for _, p := range tree {
		names[p.Cmd] = true
	}
	for _, want := range []string{"node", "unshare", "java", "bootstrap"} {
		if !names[want] {
			t.Errorf("no %s among chaoslab's descendants %v", want, tree)
		}
	}
	if err := up.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	proctest.WaitGone(t, tree, 10*time.Second)
}

// buildChaoslab builds drivers/chaoslab into a directory of the test's; root is the repository's.
func buildChaoslab(t *testing.T) (root, bin string) {
	t.Helper()
	root, err := emulators.FindRoot()
	testenv.Require(t, "the repository's node_modules (npm ci)", err)
	bin = filepath.Join(t.TempDir(), "chaoslab")
	build := exec.Command("go", "build", "-o", bin, "./drivers/chaoslab")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./drivers/chaoslab: %v\n%s", err, out)
	}
	return root, bin
}

// Ctrl-C while `chaoslab local up` starts: it says it was interrupted while starting and that the
// cloud is stopped, and nothing it started runs on. It said "cannot create private user, network
// and PID namespaces ... refusing to run DynamoDB Local", which read as a problem of the host.
func TestCtrlCWhileLocalUpStarts(t *testing.T) {
	testenv.SkipIfShort(t, "builds chaoslab and starts a local cloud in it")
	root, bin := buildChaoslab(t)
	dir := t.TempDir()
	up, stderr, exited := startLocalUp(t, root, bin, dir)
	// Once it holds the directory and is still starting (its emulators take seconds).
	var starting *StartingError
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, err := ReadState(dir); errors.As(err, &starting) {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("exited before it was seen starting: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("never seen starting:\n%s", stderr.String())
		}
	}
	tree := proctest.Descendants(up.Process.Pid)
	if err := up.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err == nil {
			t.Errorf("an interrupted start exited 0")
		}
	case <-time.After(time.Minute):
		t.Fatalf("still running a minute after Ctrl-C:\n%s", stderr.String())
	}
	if got := stderr.String(); !strings.Contains(got, "chaoslab local up: interrupted while starting the cloud; the local cloud is stopped, and nothing it started runs on") {
		t.Errorf("stderr does not say the start was interrupted and the cloud stopped:\n%s", got)
	}
	proctest.WaitGone(t, tree, 10*time.Second)
}

// startLocalUp starts `chaoslab local up` (no stack) on dir, its stderr into the buffer; exited
// gets its Wait's error. The test's end kills it if it still runs.
func startLocalUp(t *testing.T, root, bin, dir string) (up *exec.Cmd, stderr *bytes.Buffer, exited <-chan error) {
	t.Helper()
	stderr = &bytes.Buffer{}
	up = exec.Command(bin, "local", "up", "-scenario", "", "-dir", dir)
	up.Dir = root
	up.Stderr = stderr
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- up.Wait() }()
	t.Cleanup(func() {
		if up.ProcessState == nil {
			up.Process.Kill()
			<-done
		}
	})
	return up, stderr, done
}
