// Package proctest lets tests see a process tree in /proc (Linux) and check that its processes
// have ended: take the tree with Descendants before killing its root, then WaitGone. StartSelf
// starts the test binary again as the process to kill.
package proctest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StartSelf starts this test binary again, running no test (-test.run=^$) and with env added to the
// environment: its TestMain sees the variable and plays the process under test (a driver, a lock's
// holder). It returns the process and the first line it printed, once printed (its stdout's
// further lines are not read; no line within 30 s fails the test). The process is killed and
// reaped when the test ends.
func StartSelf(t testing.TB, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	type read struct {
		line string
		err  error
	}
	got := make(chan read, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		got <- read{line, err}
	}()
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatalf("%s with %v printed %q and then: %v", os.Args[0], env, r.line, r.err)
		}
		return cmd, strings.TrimSuffix(r.line, "\n")
	case <-time.After(firstLineTimeout):
		t.Fatalf("%s with %v printed no line in %v", os.Args[0], env, firstLineTimeout)
		return nil, ""
	}
}

// firstLineTimeout bounds StartSelf's wait: a helper's first line comes in well under a second,
// more under make test's load.
const firstLineTimeout = 30 * time.Second

// Proc is a process seen in /proc: its pid, its start time (field 22 of stat, so that a reused pid
// is not mistaken for it) and its name.
type Proc struct {
	Pid   int
	Start string
	Cmd   string
}

func readStat(pid int) (ppid int, start, cmd string, state byte, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", "", 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", "", 0, false
	}
	cmd = s[strings.IndexByte(s, '(')+1 : i]
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, "", "", 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[19], cmd, f[0][0], true
}

// Descendants lists pid and every process below it, pid first.
func Descendants(pid int) []Proc {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	info := map[int]Proc{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, start, cmd, _, ok := readStat(p)
		if !ok {
			continue
		}
		children[ppid] = append(children[ppid], p)
		info[p] = Proc{Pid: p, Start: start, Cmd: cmd}
	}
	var out []Proc
	for queue := []int{pid}; len(queue) > 0; queue = queue[1:] {
		if pr, ok := info[queue[0]]; ok {
			out = append(out, pr)
		}
		queue = append(queue, children[queue[0]]...)
	}
	return out
}

// Alive reports whether p still runs (a zombie has ended).
func Alive(p Proc) bool {
	_, start, _, state, ok := readStat(p.Pid)
	return ok && start == p.Start && state != 'Z'
}

// WaitGone waits up to within for every process of procs to end, and reports those still running
// then as an error of t.
func WaitGone(t testing.TB, procs []Proc, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var left []string
		for _, p := range procs {
			if Alive(p) {
				left = append(left, fmt.Sprintf("%d (%s)", p.Pid, p.Cmd))
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("still running %s after their ancestor was killed: %s", within, strings.Join(left, ", "))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
