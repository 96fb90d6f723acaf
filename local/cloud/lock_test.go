package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/dirlock"
)

// writeStateFile writes a state file naming pid, and a key file beside it, as a start would.
func writeStateFile(t *testing.T, dir string, pid int) {
	t.Helper()
	b, _ := json.Marshal(State{Pid: pid, Endpoint: "http://127.0.0.1:1"})
	if err := os.WriteFile(statePath(dir), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credentialsPath(dir), []byte("[default]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A second start in a directory whose lock another start holds is refused before it touches
// anything there: two `chaoslab local up` a moment apart used to both pass the state-file check,
// and the loser's clean-up deleted the winner's state, key and DynamoDB socket.
func TestStartRefusedWhileAnotherStartHoldsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	lock, err := dirlock.Lock(lockPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	other := "the other start's file"
	if err := os.WriteFile(credentialsPath(dir), []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Start(context.Background(), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "a local cloud is starting in "+dir) {
		t.Fatalf("Start: %v, want a refusal naming the directory", err)
	}
	if b, _ := os.ReadFile(credentialsPath(dir)); string(b) != other {
		t.Errorf("the refused start touched the other's key file: %q", b)
	}
	if _, err := os.Stat(statePath(dir) + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused start wrote state: %v", err)
	}
	// Let go, the directory is free.
	lock.Close()
	again, err := dirlock.Lock(lockPath(dir))
	if err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
	again.Close()
}

// A state file whose pid is alive but does not hold the directory's lock names a process the pid
// was given to since (the cloud was killed, the machine rebooted): it is stale, and `local down`
// must not signal that process.
func TestStaleStateOfAReusedPid(t *testing.T) {
	dir := t.TempDir()
	stranger := exec.Command("sleep", "30")
	if err := stranger.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stranger.Process.Kill(); stranger.Wait() }()
	l, err := dirlock.Lock(lockPath(dir)) // a lock file, as any start since the lock leaves one; let go at once
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	writeStateFile(t, dir, stranger.Process.Pid)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Stop(ctx, dir); !errors.Is(err, ErrNotRunning) || !errors.Is(err, ErrNothingToStop) || !strings.Contains(err.Error(), "the state file a cloud left there, ended without stopping, is removed") {
		t.Fatalf("Stop: %v, want ErrNothingToStop and ErrNotRunning, saying the stale state file was removed", err)
	}
	if err := syscall.Kill(stranger.Process.Pid, 0); err != nil {
		t.Fatalf("Stop signalled the process its stale state file named: %v", err)
	}
	for _, f := range []string{statePath(dir), credentialsPath(dir)} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: kept (%v), want the stale file removed", f, err)
		}
	}
}

// A state file whose pid holds the lock is a running cloud; one written by a chaoslab from before
// the lock (no lock file) is judged by its pid alone, as before.
func TestStateOfARunningCloud(t *testing.T) {
	for _, tc := range []struct {
		name string
		lock bool
	}{{"the lock held", true}, {"no lock file", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.lock {
				l, err := dirlock.Lock(lockPath(dir))
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
			}
			writeStateFile(t, dir, os.Getpid())
			st, err := ReadState(dir)
			if err != nil || st.Pid != os.Getpid() {
				t.Fatalf("ReadState: %+v, %v; want the running cloud", st, err)
			}
			if _, err := os.Stat(credentialsPath(dir)); err != nil {
				t.Errorf("the key file of a running cloud: %v", err)
			}
		})
	}
}

// A state file whose pid is gone while another start holds the directory is that start's
// predecessor's: it is not running, and the reader leaves the files to the start.
func TestStateWhileAnotherStartHoldsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	l, err := dirlock.Lock(lockPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	writeStateFile(t, dir, gone.Process.Pid)
	if _, err := ReadState(dir); !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "starting") {
		t.Fatalf("ReadState: %v, want ErrNotRunning saying a cloud is starting", err)
	}
	for _, f := range []string{statePath(dir), credentialsPath(dir)} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v, want it left to the start that holds the directory", f, err)
		}
	}
}
