// Package dirlock gives a directory to one process at a time: an flock on a file in it, taken
// before the process touches the directory and held until it lets go or ends, when the kernel
// lets it go however the process died. The local cloud holds its run directory this way, and the
// lab its -dir; a pid in a state file cannot say as much (it may have been given to another
// process since).
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// ErrLocked: another process holds the lock.
var ErrLocked = errors.New("locked")

// Lock takes the lock file at path (created if missing) for this process; ErrLocked when another
// holds it. Closing the returned file lets it go. The file is opened close-on-exec: the children
// the process starts do not hold it.
func Lock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Held's probe takes the lock shared for an instant: a few tries tell that from a holder.
	for try := 0; ; try++ {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return f, nil
		case errors.Is(err, syscall.EWOULDBLOCK) && try < 10:
			time.Sleep(10 * time.Millisecond)
			continue
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
}

// Held reports whether a process holds the lock file at path. known is false when there is no
// such file: no process ever took it (or one from before the lock existed).
func Held(path string) (held, known bool) {
	f, err := os.Open(path)
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
