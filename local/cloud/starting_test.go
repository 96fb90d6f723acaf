package cloud

import (
	"context"
	"errors"
	"os"
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
	if err := starting.Wait(); err == nil || starting.ProcessState.Sys() == nil {
		t.Errorf("the starting process: %v, want it ended by SIGTERM", err)
	}
	if _, err := os.Stat(statePath(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a state file after Stop: %v", err)
	}
	// Nothing starting, nothing running: not running, as before.
	if _, err := ReadState(dir); !errors.Is(err, ErrNotRunning) || errors.As(err, &se) {
		t.Errorf("ReadState after = %v, want ErrNotRunning alone", err)
	}
}
