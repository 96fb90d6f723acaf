package procgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/proctest"
)

// driverEnv makes the test binary a driver: it starts `sh -c 'sleep 60 & sleep 60'` with Own
// (a child with a grandchild), prints the child's pid and waits to be killed. With treeEnv set
// too, it starts it with TreeCommand; with reaperEnv, with Own and listed with a Reaper.
const (
	driverEnv = "PROCGROUP_TEST_DRIVER"
	treeEnv   = "PROCGROUP_TEST_TREE"
	reaperEnv = "PROCGROUP_TEST_REAPER"
)

func TestMain(m *testing.M) {
	if sig := os.Getenv(driverEnv); sig != "" {
		n, _ := strconv.Atoi(sig)
		var cmd *exec.Cmd
		if os.Getenv(treeEnv) != "" {
			cmd = TreeCommand(context.Background(), "sh", "-c", "sleep 60 & sleep 60")
		} else {
			cmd = exec.Command("sh", "-c", "sleep 60 & sleep 60")
			Own(cmd, syscall.Signal(n))
		}
		if err := cmd.Start(); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		if os.Getenv(reaperEnv) != "" {
			rp, err := StartReaper()
			if err == nil {
				err = rp.Add(cmd.Process.Pid)
			}
			if err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
		}
		fmt.Println(cmd.Process.Pid)
		cmd.Wait()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startDriver starts the test binary as a driver (see TestMain) with env, and returns its child's pid.
func startDriver(t *testing.T, env ...string) (driver *exec.Cmd, child int) {
	t.Helper()
	driver, line := proctest.StartSelf(t, env...)
	pid, err := strconv.Atoi(line)
	if err != nil {
		t.Fatalf("the driver printed %q: %v", line, err)
	}
	t.Cleanup(func() { syscall.Kill(-pid, syscall.SIGKILL) }) // the group, should the test fail
	return driver, pid
}

// waitTree waits up to 10 s for pid's tree to hold n processes, and returns it.
func waitTree(t *testing.T, pid, n int) []proctest.Proc {
	t.Helper()
	var tree []proctest.Proc
	for deadline := time.Now().Add(10 * time.Second); len(tree) < n && time.Now().Before(deadline); {
		tree = proctest.Descendants(pid)
		time.Sleep(20 * time.Millisecond)
	}
	if len(tree) < n {
		t.Fatalf("the tree of %d is %v, want %d processes", pid, tree, n)
	}
	return tree
}

// A driver killed with SIGKILL takes its child with it: `chaoslab bench` killed used to leave
// its whole local cloud running, reparented to init.
func TestChildDiesWithItsDriver(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			driver, pid := startDriver(t, fmt.Sprintf("%s=%d", driverEnv, int(sig)))
			child := proctest.Descendants(pid)
			if len(child) == 0 {
				t.Fatalf("the driver's child %d is not running", pid)
			}
			driver.Process.Kill()
			proctest.WaitGone(t, child[:1], 10*time.Second)
		})
	}
}

// With TreeCommand the child's own children die with the driver too: the shell that leads the group,
// the child and both its sleeps. (With Own alone the background sleep outlives a SIGKILLed driver by
// its whole minute.)
func TestTreeDiesWithItsDriver(t *testing.T) {
	driver, pid := startDriver(t, fmt.Sprintf("%s=%d", driverEnv, int(syscall.SIGKILL)), treeEnv+"=1")
	tree := waitTree(t, pid, 4) // the leading shell, sh and two sleeps
	driver.Process.Kill()
	proctest.WaitGone(t, tree, 10*time.Second)
}

// With a Reaper the child's own children die with the driver too, though the child has only Own's
// parent-death signal: the reaper kills the group the driver listed.
func TestReaperKillsTheGroupWhenItsDriverDies(t *testing.T) {
	driver, pid := startDriver(t, fmt.Sprintf("%s=%d", driverEnv, int(syscall.SIGKILL)), reaperEnv+"=1")
	tree := waitTree(t, pid, 3) // sh and two sleeps
	driver.Process.Kill()
	proctest.WaitGone(t, tree, 10*time.Second)
}

// Close kills the groups still listed and leaves the removed ones alone; Add after Close fails.
func TestReaperClose(t *testing.T) {
	start := func() (*exec.Cmd, []proctest.Proc) {
		cmd := exec.Command("sh", "-c", "sleep 60 & sleep 60")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
		return cmd, waitTree(t, cmd.Process.Pid, 3) // a killed sh stays a zombie till then: not Alive
	}
	rp, err := StartReaper()
	if err != nil {
		t.Fatal(err)
	}
	listed, listedTree := start()
	removed, removedTree := start()
	for _, pg := range []int{listed.Process.Pid, removed.Process.Pid} {
		if err := rp.Add(pg); err != nil {
			t.Fatal(err)
		}
	}
	if err := rp.Remove(removed.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := rp.Close(); err != nil {
		t.Fatal(err)
	}
	proctest.WaitGone(t, listedTree, 10*time.Second)
	for _, p := range removedTree {
		if !proctest.Alive(p) {
			t.Errorf("%v of the removed group died with the reaper", p)
		}
	}
	if err := rp.Add(removed.Process.Pid); !errors.Is(err, ErrReaperClosed) {
		t.Errorf("Add after Close: %v, want ErrReaperClosed", err)
	}
	if err := rp.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// TreeCommand's child's exit status is the command's, and a cancel kills the whole tree.
func TestTreeCommandStatusAndCancel(t *testing.T) {
	err := TreeCommand(context.Background(), "sh", "-c", "exit 3").Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("exit 3 through TreeCommand: %v, want exit status 3", err)
	}
	if out, err := TreeCommand(context.Background(), "echo", "a b", "c").Output(); err != nil || string(out) != "a b c\n" {
		t.Errorf("echo through TreeCommand: %q %v, want its arguments as they were", out, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := TreeCommand(ctx, "sh", "-c", "sleep 60 & sleep 60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	tree := waitTree(t, cmd.Process.Pid, 4)
	cancel()
	cmd.Wait()
	proctest.WaitGone(t, tree, 10*time.Second)
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
	tree := waitTree(t, cmd.Process.Pid, 3) // sh and its two sleeps
	cancel()
	cmd.Wait()
	proctest.WaitGone(t, tree, 10*time.Second)
}
