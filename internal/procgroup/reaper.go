package procgroup

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Reaper kills, once this process has died, however it died, the process groups it was told of
// and not told have ended. It is for children that start processes of their own which Own's
// parent-death signal does not reach (it reaches the child alone), where a shell per child
// (TreeCommand) would cost too much: the local cloud's function sandboxes, started at every cold
// start, each leading a group of its own so that a timeout kills what the function started. A
// process that leaves its group (setsid) is not reached.
//
// The reaper is one awk process that reads "+ pgid" and "- pgid" lines on its stdin, a pipe whose
// only write end is this process's. When this process dies the kernel closes that end; awk reads
// end of file and SIGKILLs every group still listed. It leads a process group of its own, so a
// terminal's Ctrl-C, which goes to this process's group, does not end it before it has reaped.
//
// A group is told ended (Remove) after it has been killed and its leader reaped. Its id is not
// another process's while the group has a member; once the last member is gone it may be reused,
// so between that moment and Remove (microseconds, within this process) the reaper would kill a
// stranger that leads a group of that id, should this process die exactly then.
type Reaper struct {
	mu      sync.Mutex
	w       *os.File
	cmd     *exec.Cmd
	err     error // the first failed write: the reaper is gone
	closed  bool
	listed  map[int]bool // what awk has been told is listed (Listed)
	done    chan struct{}
	waitErr error // awk's exit, once done is closed
}

// ErrReaperClosed is Add's and Remove's error after Close.
var ErrReaperClosed = errors.New("procgroup: reaper closed")

// writeTimeout bounds a line's write: a reaper that stopped reading (stopped, or its pipe full)
// must not hold up a cold start.
const writeTimeout = time.Second

// reaperScript keeps the listed groups in an array and kills them all at end of input ("kill -s KILL",
// the spelling dash's builtin kill takes: it reads "-KILL -- -pgid" as a bad number). kill(1)
// with no group left is not run; a group that ended meanwhile makes kill complain, discarded.
const reaperScript = `$1 == "+" { g[$2] = 1 }
$1 == "-" { delete g[$2] }
END { s = ""; for (p in g) s = s " -" p; if (s != "") system("kill -s KILL --" s " 2>/dev/null") }`

// StartReaper starts the reaper (awk, on every Debian: mawk is Priority required).
func StartReaper() (*Reaper, error) {
	awk, err := exec.LookPath("awk")
	if err != nil {
		return nil, fmt.Errorf("procgroup: the reaper needs awk: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("procgroup: reaper: %w", err)
	}
	cmd := exec.Command(awk, reaperScript)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("procgroup: start the reaper: %w", err)
	}
	r.Close() // awk holds the read end; this process keeps only the write end
	rp := &Reaper{w: w, cmd: cmd, listed: map[int]bool{}, done: make(chan struct{})}
	go func() {
		rp.waitErr = cmd.Wait()
		close(rp.done)
	}()
	return rp, nil
}

// Add lists the process group pgid: it is SIGKILLed should this process die before Remove.
func (rp *Reaper) Add(pgid int) error { return rp.write('+', pgid) }

// Remove takes pgid off the list: call it once the group has been killed and its leader reaped.
func (rp *Reaper) Remove(pgid int) error { return rp.write('-', pgid) }

func (rp *Reaper) write(op byte, pgid int) error {
	if pgid <= 1 {
		return fmt.Errorf("procgroup: reaper: process group %d: not a group a child leads", pgid)
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.err != nil {
		return rp.err
	}
	line := append([]byte{op, ' '}, strconv.Itoa(pgid)...)
	_ = rp.w.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := rp.w.Write(append(line, '\n')); err != nil {
		rp.err = fmt.Errorf("procgroup: the reaper is gone: %w", err)
		return rp.err
	}
	if op == '+' {
		rp.listed[pgid] = true
	} else {
		delete(rp.listed, pgid)
	}
	return nil
}

// Listed returns the groups listed now, in no order (for tests and diagnostics).
func (rp *Reaper) Listed() []int {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	out := make([]int, 0, len(rp.listed))
	for pg := range rp.listed {
		out = append(out, pg)
	}
	return out
}

// Close ends the reaper as this process's death would: the groups still listed are SIGKILLed. It
// waits for the reaper to exit (5 s at most; then it is killed by its pid), and reports how it
// exited.
func (rp *Reaper) Close() error {
	rp.mu.Lock()
	if rp.closed {
		rp.mu.Unlock()
		<-rp.done
		return nil
	}
	rp.closed = true
	if rp.err == nil {
		rp.err = ErrReaperClosed
	}
	rp.mu.Unlock()
	// Not under the lock: a write held by a full pipe returns when its file is closed.
	rp.w.Close()
	select {
	case <-rp.done:
	case <-time.After(5 * time.Second):
		rp.cmd.Process.Kill()
		<-rp.done
		return errors.New("procgroup: the reaper did not exit within 5 s of its input's end; killed")
	}
	if rp.waitErr != nil {
		return fmt.Errorf("procgroup: the reaper (awk): %w", rp.waitErr)
	}
	return nil
}
