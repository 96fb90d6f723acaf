package cloud

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/dirlock"
	"github.com/chaoslab/serverless-chaos-lab/internal/proctest"
)

// A local cloud still starting (its directory's lock held, no state written yet) is one ReadState
// names, with its pid, and Stop stops by that pid: `local down` during `local up`'s start said no
// cloud was running, and the cloud came up and ran on.
func TestStopACloudThatIsStarting(t *testing.T) {
	dir := t.TempDir()
	starting, said := proctest.StartSelf(t, startingEnv+"="+dir)
	if said != "held" {
		t.Fatalf("the starting process said %q", said)
	}
	_, err := ReadState(dir)
	var se *StartingError
	if !errors.As(err, &se) || se.Pid != starting.Process.Pid || !errors.Is(err, ErrNotRunning) {
		t.Fatalf("ReadState = %v, want a StartingError naming pid %d (and ErrNotRunning)", err, starting.Process.Pid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := Stop(ctx, dir); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if held, _ := dirlock.Held(lockPath(dir)); held {
		t.Error("the directory is still held after Stop")
	}
	starting.Wait()
	if ws, ok := starting.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("the starting process ended %v, want by SIGTERM", starting.ProcessState)
	}
	if _, err := os.Stat(statePath(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a state file after Stop: %v", err)
	}
	// A state file left by an earlier cloud while another start holds the directory: starting too.
	again, said := proctest.StartSelf(t, startingEnv+"="+dir)
	if said != "held" {
		t.Fatalf("the second starting process said %q", said)
	}
	// Its pid is alive but is not the holder (a pid given to another process since): this test's
	// own child, so that a wrong signal would reach nothing else.
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	if err := os.WriteFile(statePath(dir), []byte(fmt.Sprintf(`{"pid": %d}`, other.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadState(dir); !errors.As(err, &se) || se.Pid != again.Process.Pid {
		t.Errorf("ReadState with an old state file = %v, want a StartingError naming pid %d", err, again.Process.Pid)
	}
	if err := Stop(ctx, dir); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	again.Wait()
	if err := other.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the process the old state file names was signalled: %v", err)
	}
	os.Remove(statePath(dir))
	// Nothing starting, nothing running: not running, as before.
	if _, err := ReadState(dir); !errors.Is(err, ErrNotRunning) || errors.As(err, &se) {
		t.Errorf("ReadState after = %v, want ErrNotRunning alone", err)
	}
}
