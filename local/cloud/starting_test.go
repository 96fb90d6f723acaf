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
	// A state file left by an earlier cloud whose pid lives on (given to another process since)
	// while a start holds the directory: starting too, named by the holder's pid, not the file's.
	// The holder is this test process (not signalled: only ReadState is asked).
	other := exec.Command("sleep", "60") // a live pid that is not the holder: a child of this test's own
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	lock, err := dirlock.Lock(lockPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath(dir), []byte(fmt.Sprintf(`{"pid": %d}`, other.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadState(dir); !errors.As(err, &se) || se.Pid != os.Getpid() {
		t.Errorf("ReadState with an old state file = %v, want a StartingError naming this process, the holder (pid %d)", err, os.Getpid())
	}
	lock.Close()
	os.Remove(statePath(dir))
	// Nothing starting, nothing running: not running, as before.
	if _, err := ReadState(dir); !errors.Is(err, ErrNotRunning) || errors.As(err, &se) {
		t.Errorf("ReadState after = %v, want ErrNotRunning alone", err)
	}
}
