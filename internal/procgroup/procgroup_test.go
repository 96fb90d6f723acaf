package procgroup

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/proctest"
)

// driverEnv makes the test binary a driver: it starts `sh -c 'sleep 60 & sleep 60'` with Own
// (a child with a grandchild), prints the child's pid and waits to be killed.
const driverEnv = "PROCGROUP_TEST_DRIVER"

func TestMain(m *testing.M) {
	if sig := os.Getenv(driverEnv); sig != "" {
		n, _ := strconv.Atoi(sig)
		cmd := exec.Command("sh", "-c", "sleep 60 & sleep 60")
		Own(cmd, syscall.Signal(n))
		if err := cmd.Start(); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(cmd.Process.Pid)
		cmd.Wait()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A driver killed with SIGKILL takes its child with it: `chaoslab bench` killed used to leave
// its whole local cloud running, reparented to init.
func TestChildDiesWithItsDriver(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			driver := exec.Command(os.Args[0], "-test.run=^$")
			driver.Env = append(os.Environ(), fmt.Sprintf("%s=%d", driverEnv, int(sig)))
			out, err := driver.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := driver.Start(); err != nil {
				t.Fatal(err)
			}
			defer driver.Wait()
			line, err := bufio.NewReader(out).ReadString('\n')
			pid, perr := strconv.Atoi(strings.TrimSpace(line))
			if err != nil || perr != nil {
				driver.Process.Kill()
				t.Fatalf("the driver printed %q: %v %v", line, err, perr)
			}
			defer syscall.Kill(-pid, syscall.SIGKILL) // the group, should the test fail
			child := proctest.Descendants(pid)
			if len(child) == 0 {
				t.Fatalf("the driver's child %d is not running", pid)
			}
			driver.Process.Kill()
			proctest.WaitGone(t, child[:1], 10*time.Second)
		})
	}
}

// A cancel kills the whole group: the child and what it started.
func TestCancelKillsTheGroup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "sh", "-c", "sleep 60 & sleep 60")
	Own(cmd, syscall.SIGKILL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	var tree []proctest.Proc
	deadline := time.Now().Add(10 * time.Second)
	for len(tree) < 3 && time.Now().Before(deadline) { // sh and its two sleeps
		tree = proctest.Descendants(cmd.Process.Pid)
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	cmd.Wait()
	proctest.WaitGone(t, tree, 10*time.Second)
}
