package cloud

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
	"github.com/chaoslab/serverless-chaos-lab/local/emulators"
)

// TestNothingOutlivesSIGKILL runs `chaoslab local up` as a child, deploys the fixture into it and
// makes its function run (so a sandbox exists), checks `chaoslab local env` prints the start's
// key, then SIGKILLs the chaoslab process and checks that every process below it ends: fauxqs,
// unshare, the DynamoDB relay and its JVM, the Step Functions host, the sandbox.
func TestNothingOutlivesSIGKILL(t *testing.T) {
	testenv.SkipIfShort(t, "builds chaoslab and starts a local cloud in it")
	root, err := emulators.FindRoot()
	testenv.Require(t, "the repository's node_modules (npm ci)", err)
	bin := filepath.Join(t.TempDir(), "chaoslab")
	build := exec.Command("go", "build", "-o", bin, "./drivers/chaoslab")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./drivers/chaoslab: %v\n%s", err, out)
	}
	records := t.TempDir()
	cdkOut := fixture(t, records)
	dir := t.TempDir()

	var stderr bytes.Buffer
	up := exec.Command(bin, "local", "up", "-scenario", "", "-dir", dir)
	up.Dir = root
	up.Stderr = &stderr
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- up.Wait() }()
	t.Cleanup(func() {
		if up.ProcessState == nil {
			up.Process.Kill()
			<-exited
		}
	})
	var st State
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

	tree := descendants(up.Process.Pid)[1:] // not chaoslab itself
	names := map[string]bool{}
	for _, p := range tree {
		names[p.cmd] = true
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
	waitGone(t, tree, 10*time.Second)
}

// proc is a process seen in /proc: pid, start time (so a reused pid is not taken for it), name.
type proc struct {
	pid   int
	start string
	cmd   string
}

func readStat(pid int) (ppid int, start, cmd string, state byte, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", "", 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", "", 0, false
	}
	cmd = s[strings.IndexByte(s, '(')+1 : i]
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, "", "", 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[19], cmd, f[0][0], true
}

// descendants lists pid and every process below it, pid first.
func descendants(pid int) []proc {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	info := map[int]proc{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, start, cmd, _, ok := readStat(p)
		if !ok {
			continue
		}
		children[ppid] = append(children[ppid], p)
		info[p] = proc{pid: p, start: start, cmd: cmd}
	}
	var out []proc
	for queue := []int{pid}; len(queue) > 0; queue = queue[1:] {
		if pr, ok := info[queue[0]]; ok {
			out = append(out, pr)
		}
		queue = append(queue, children[queue[0]]...)
	}
	return out
}

// alive reports whether p still runs (a zombie has ended).
func alive(p proc) bool {
	_, start, _, state, ok := readStat(p.pid)
	return ok && start == p.start && state != 'Z'
}

func waitGone(t *testing.T, procs []proc, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var left []string
		for _, p := range procs {
			if alive(p) {
				left = append(left, fmt.Sprintf("%d (%s)", p.pid, p.cmd))
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("still running %s after their ancestor was killed: %s", within, strings.Join(left, ", "))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
