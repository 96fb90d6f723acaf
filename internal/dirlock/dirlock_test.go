package dirlock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/proctest"
)

// holderEnv makes the test binary a process that takes the lock at the path it names, says so on
// stdout and waits to be killed.
const holderEnv = "DIRLOCK_TEST_HOLDER"

// held is the holder process's lock.
var held *os.File

func TestMain(m *testing.M) {
	if path := os.Getenv(holderEnv); path != "" {
		var err error
		// Kept in a package variable: a lock file nothing refers to is closed by its finalizer at
		// the next garbage collection, and its lock let go.
		if held, err = Lock(path); err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("held\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// One holder at a time; a holder killed with SIGKILL lets go.
func TestOneHolderAndTheKernelLetsGo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	if held, known := Held(path); held || known {
		t.Fatalf("no lock file yet: held %v known %v", held, known)
	}
	holder, said := proctest.StartSelf(t, holderEnv+"="+path)
	if said != "held" {
		t.Fatalf("the holder said %q", said)
	}
	if held, known := Held(path); !held || !known {
		t.Fatalf("while another process holds it: held %v known %v", held, known)
	}
	if _, err := Lock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("Lock while another holds it: %v, want ErrLocked", err)
	}
	// The kernel names the holder: the process that took it, not this one that looked.
	if pid, ok := Holder(path); !ok || pid != holder.Process.Pid {
		t.Errorf("Holder = %d, %v; want the holder's pid %d", pid, ok, holder.Process.Pid)
	}
	holder.Process.Kill()
	holder.Wait()
	if held, known := Held(path); held || !known {
		t.Fatalf("after the holder was killed: held %v known %v", held, known)
	}
	if pid, ok := Holder(path); ok {
		t.Errorf("Holder after the holder was killed = %d, want none", pid)
	}
	f, err := Lock(path)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	f.Close()
}
