package cloud

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// A run directory holds one local cloud at a time. Start takes the directory's lock (flock on
// cloud.lock) before it touches anything in it, and the cloud holds it until Close or until its
// process ends, when the kernel lets it go however the process died. The state file says where a
// cloud listens; the lock says whether it is still there: a pid alone may have been given to
// another process since (a state file left by a SIGKILL, the machine rebooted).

func lockPath(dir string) string { return filepath.Join(dir, "cloud.lock") }

// errLocked: another process holds the directory's lock.
var errLocked = errors.New("locked")

// lockDir takes dir's lock for this process; errLocked when another holds it. Closing the file
// lets it go. (The file is opened close-on-exec: the cloud's children do not hold it.)
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(lockPath(dir), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cloud: lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("cloud: lock %s: %w", lockPath(dir), err)
	}
	return f, nil
}

// lockHeld reports whether a process holds dir's lock. known is false when dir has no lock file:
// no cloud ever started there, or one started by a chaoslab from before the lock.
func lockHeld(dir string) (held, known bool) {
	f, err := os.Open(lockPath(dir))
	if err != nil {
		return false, false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EWOULDBLOCK)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, true
}
