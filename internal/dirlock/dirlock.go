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
	"strconv"
	"strings"
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

// Holder returns the pid of the process holding the lock file at path, as the kernel lists it
// (/proc/locks: the FLOCK WRITE lock on the file's device and inode); ok is false when none holds
// it or the kernel does not say. A process that must stop the holder (a start not yet done)
// signals it by this pid, which no file can hand it stale.
func Holder(path string) (pid int, ok bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, false
	}
	dev := uint64(st.Dev)
	major, minor := (dev>>8)&0xfff|(dev>>32)&^0xfff, dev&0xff|(dev>>12)&^0xff
	file := fmt.Sprintf("%02x:%02x:%d", major, minor, st.Ino)
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		// "1: FLOCK  ADVISORY  WRITE 4242 00:2a:1234 0 EOF" (a waiter's line has "->" after the number)
		if len(f) >= 6 && f[1] == "FLOCK" && f[3] == "WRITE" && f[5] == file {
			if n, err := strconv.Atoi(f[4]); err == nil && n > 0 {
				return n, true
			}
		}
	}
	return 0, false
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
