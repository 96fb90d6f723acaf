//go:build labs

// The walk: every marked block of docs/labs/lab-*.md, in order, against a fresh local cloud. It is
// slow (the labs wait through real fault windows), so it is built only with -tags labs: `make labs`
// runs it, `go test ./...` does not even compile it.
//
// Environment for authors: LABS_UNTIL=N walks labs 1 to N only; LABS_KEEP=1 keeps the work
// directory (the repository copy, its .lab and every terminal's log) and prints where it is.

package labs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

func TestWalkLabs(t *testing.T) {
	start := time.Now()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"bash", "git", "cp", "jq", "curl"} {
		_, err := exec.LookPath(tool)
		testenv.Require(t, tool+" (the guides and the walker use it)", err)
	}
	_, err = os.Stat(filepath.Join(root, "node_modules", ".installed"))
	testenv.Require(t, "node_modules (run `make deps`; `make labs` does)", err)

	work, err := os.MkdirTemp("", "chaoslab-labs-")
	if err != nil {
		t.Fatal(err)
	}
	keep := os.Getenv("LABS_KEEP") == "1"
	t.Cleanup(func() {
		if keep || t.Failed() {
			t.Logf("work directory kept: %s", work)
			return
		}
		os.RemoveAll(work)
	})

	// A fresh clone: the files git knows (tracked, or new and not ignored) as they are in the
	// working tree, without .lab, cdk.out or outputs.json; node_modules hard-linked (npm ci would
	// replace the links, never write through them).
	repo := filepath.Join(work, "repo")
	if err := copyTree(root, repo); err != nil {
		t.Fatalf("copy the repository: %v", err)
	}
	home := filepath.Join(work, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}

	w := &walker{t: t, repo: repo, work: work, env: learnerEnv(t, home), bg: map[string]*bgProc{}}
	t.Cleanup(func() {
		w.stopAll()
		w.checkLeftovers()
	})

	files, err := GuideFiles(filepath.Join(repo, "docs", "labs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no guides in docs/labs: %v", err)
	}
	if n, err := strconv.Atoi(os.Getenv("LABS_UNTIL")); err == nil && n > 0 && n < len(files) {
		t.Logf("LABS_UNTIL=%d: walking %d of %d labs", n, n, len(files))
		files = files[:n]
	}
	started := map[string]bool{}
	var timings []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := Parse(filepath.Base(f), src, started)
		if err != nil {
			t.Fatalf("%v", err)
		}
		labStart := time.Now()
		t.Logf("=== %s: %d blocks", filepath.Base(f), len(blocks))
		for _, b := range blocks {
			w.do(b)
		}
		timings = append(timings, fmt.Sprintf("%s %s", filepath.Base(f), time.Since(labStart).Round(time.Second)))
	}
	w.stopAll()
	t.Logf("walked in %s: %s", time.Since(start).Round(time.Second), strings.Join(timings, ", "))
}

// walker runs the blocks: one shell per command block that inherits what the one before it
// exported and where it cd'ed to (a learner's terminal), and a process group per background block
// (a terminal of its own, opened fresh).
type walker struct {
	t    *testing.T
	repo string
	work string
	env  []string
	bg   map[string]*bgProc
	// order is the background blocks in the order they started, to stop them in reverse.
	order []string
	// last is what the last command block printed, for an expect block after it; lastBg names
	// the last background block, when that came last.
	last   []string
	lastBg string
	steps  int
}

// bgProc is a background block's terminal.
type bgProc struct {
	block  Block
	cmd    *exec.Cmd
	log    string
	done   chan struct{}
	cursor int // lines already matched by expectations
}

// do runs one block, failing the test (and so the walk) when it does not do what the guide says.
func (w *walker) do(b Block) {
	w.steps++
	began := time.Now()
	switch b.Kind {
	case Command:
		w.t.Logf("%s $ %s", b.Where(), firstLine(b.Body))
		out, code, err := w.run(b)
		w.last, w.lastBg = Lines(out), ""
		switch {
		case err != nil:
			w.fatalf(b, out, "%v", err)
		case code != b.Exit:
			w.fatalf(b, out, "exit status %d, want %d", code, b.Exit)
		}
		w.t.Logf("%s   done in %s (exit %d)", b.Where(), time.Since(began).Round(100*time.Millisecond), code)
	case Background:
		w.t.Logf("%s & %s", b.Where(), firstLine(b.Body))
		w.start(b)
		w.lastBg = b.Name
	case Interrupt:
		w.t.Logf("%s ^C %s", b.Where(), b.Target)
		p := w.bg[b.Target]
		if err := w.interrupt(p, b.TimeoutOr(time.Minute)); err != nil {
			w.fatalf(b, w.readLog(p), "%v", err)
		}
		w.lastBg = ""
	case Expectation:
		switch {
		case b.Target != "":
			w.await(b, w.bg[b.Target])
		case w.lastBg != "":
			w.await(b, w.bg[w.lastBg])
		default:
			if _, err := b.Expect.Match(w.last, 0); err != nil {
				w.fatalf(b, strings.Join(w.last, "\n"), "%v", err)
			}
		}
		w.t.Logf("%s   expected output seen", b.Where())
	}
}

func (w *walker) fatalf(b Block, output, format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("%s (%s %q): %s\n--- its output (last 80 lines) ---\n%s\n--- the background terminals ---\n%s",
		b.Where(), b.Kind, b.Info, fmt.Sprintf(format, args...), tail(output, 80), w.bgTails())
}

// prelude is what a command block's shell does before the block: take over the previous block's
// exports and directory, stop at the first failing command (as a careful learner would), and
// save its own exports and directory for the next block whatever happens.
func (w *walker) prelude() string {
	state, cwd := filepath.Join(w.work, "shell.env"), filepath.Join(w.work, "shell.cwd")
	return fmt.Sprintf(`if [ -f %[1]q ]; then . %[1]q; fi
cd "$(cat %[2]q 2>/dev/null || echo %[3]q)"
trap 'rc=$?; export -p > %[1]q.tmp && mv %[1]q.tmp %[1]q; pwd > %[2]q; exit $rc' EXIT
set -e
`, state, cwd, w.repo)
}

// run runs a command block in bash, in a process group of its own (killed when it outlives its
// timeout, and afterwards so nothing it started stays behind), and returns what it printed on
// stdout and stderr together, as a terminal shows them.
func (w *walker) run(b Block) (string, int, error) {
	script := filepath.Join(w.work, fmt.Sprintf("step-%03d.sh", w.steps))
	if err := os.WriteFile(script, []byte(w.prelude()+b.Body), 0o644); err != nil {
		return "", -1, err
	}
	logPath := strings.TrimSuffix(script, ".sh") + ".log"
	f, err := os.Create(logPath)
	if err != nil {
		return "", -1, err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), b.TimeoutOr(DefaultCommandTimeout))
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", script)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = w.repo, w.env, f, f
	cmd.Stdin = nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // what it left behind
	}
	out, _ := os.ReadFile(logPath)
	if ctx.Err() != nil {
		return string(out), -1, fmt.Errorf("still running after %s (timeout=)", b.TimeoutOr(DefaultCommandTimeout))
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode(), nil
	}
	if err != nil {
		return string(out), -1, err
	}
	return string(out), 0, nil
}

// start opens a background block's terminal: the learner's environment as a new terminal has it
// (nothing exported by earlier blocks), in the repository root.
func (w *walker) start(b Block) {
	script := filepath.Join(w.work, "bg-"+b.Name+".sh")
	logPath := filepath.Join(w.work, "bg-"+b.Name+".log")
	if err := os.WriteFile(script, []byte(b.Body), 0o644); err != nil {
		w.t.Fatal(err)
	}
	f, err := os.Create(logPath)
	if err != nil {
		w.t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", script)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = w.repo, w.env, f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		w.fatalf(b, "", "start: %v", err)
	}
	p := &bgProc{block: b, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		f.Close()
		close(p.done)
	}()
	w.bg[b.Name] = p
	w.order = append(w.order, b.Name)
}

func (w *walker) readLog(p *bgProc) string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// await waits until a background terminal has printed the expect block's lines after what earlier
// expectations on it matched. While it runs only complete lines count (a number being printed
// could be cut short); once it has exited, all of it.
func (w *walker) await(b Block, p *bgProc) {
	w.t.Helper()
	timeout := b.TimeoutOr(DefaultWaitTimeout)
	deadline := time.Now().Add(timeout)
	for {
		exited := false
		select {
		case <-p.done:
			exited = true
		default:
		}
		out := w.readLog(p)
		if !exited {
			if i := strings.LastIndexByte(out, '\n'); i >= 0 {
				out = out[:i+1]
			} else {
				out = ""
			}
		}
		next, err := b.Expect.Match(Lines(out), p.cursor)
		if err == nil {
			p.cursor = next
			return
		}
		if exited {
			w.fatalf(b, out, "%s exited (%v) without printing it: %v", p.block.Name, p.cmd.ProcessState, err)
		}
		if time.Now().After(deadline) {
			w.fatalf(b, out, "not printed by %s within %s: %v", p.block.Name, timeout, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// interrupt is Ctrl-C in a background terminal: SIGINT to its process group, then wait for it.
func (w *walker) interrupt(p *bgProc, timeout time.Duration) error {
	select {
	case <-p.done:
		return fmt.Errorf("%s had already exited (%v)", p.block.Name, p.cmd.ProcessState)
	default:
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		return fmt.Errorf("%s still running %s after Ctrl-C", p.block.Name, timeout)
	}
}

// stopAll stops what the walk left running, also when it failed: each background terminal, newest
// first (the drivers before the cloud they talk to), with Ctrl-C and after 20 s SIGKILL, each by its
// process group; then, if the local cloud still records itself, its own `local down` (which stops
// every process the cloud started, by pid).
func (w *walker) stopAll() {
	for i := len(w.order) - 1; i >= 0; i-- {
		p := w.bg[w.order[i]]
		select {
		case <-p.done:
			continue
		default:
		}
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			w.t.Logf("cleanup: %s ignored Ctrl-C for 20s: SIGKILL", p.block.Name)
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	if _, err := os.Stat(filepath.Join(w.repo, ".lab", "local", "cloud.json")); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, "go", "run", "./drivers/chaoslab", "local", "down")
		cmd.Dir, cmd.Env = w.repo, w.env
		if out, err := cmd.CombinedOutput(); err != nil {
			w.t.Logf("cleanup: chaoslab local down: %v\n%s", err, out)
		}
		cancel()
	}
}

// checkLeftovers fails the walk when a process of its own outlived it: anything whose command line
// names the work directory (the local cloud's emulators, a driver), and stops each by its pid.
func (w *walker) checkLeftovers() {
	time.Sleep(2 * time.Second)
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(w.work)) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == os.Getpid() {
			continue
		}
		w.t.Errorf("process %d outlived the walk: %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

func (w *walker) bgTails() string {
	var b strings.Builder
	for _, name := range w.order {
		p := w.bg[name]
		state := "running"
		select {
		case <-p.done:
			state = fmt.Sprint(p.cmd.ProcessState)
		default:
		}
		fmt.Fprintf(&b, "[%s, %s, log %s]\n%s\n", name, state, p.log, tail(w.readLog(p), 15))
	}
	return b.String()
}

// learnerEnv is the environment of a learner's terminal: this process's, without any AWS or
// chaoslab setting, with a HOME of its own, and Go's caches where they already are (a fresh HOME
// would otherwise mean a cold build cache and minutes of compiling).
func learnerEnv(t *testing.T, home string) []string {
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	goenv := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(goenv) != 3 {
		t.Fatalf("go env: %q", out)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "AWS_"), strings.HasPrefix(k, "CHAOSLAB_"),
			k == "HOME", k == "GOCACHE", k == "GOMODCACHE", k == "GOPATH", k == "OLDPWD", k == "PWD":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home, "GOCACHE="+goenv[0], "GOMODCACHE="+goenv[1], "GOPATH="+goenv[2])
}

// copyTree copies the files git lists in root (tracked, and untracked but not ignored), keeping
// their modes and times, and hard-links root/node_modules.
func copyTree(root, dst string) error {
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %w", err)
	}
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if rel == "" {
			continue
		}
		src := filepath.Join(root, rel)
		fi, err := os.Lstat(src)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(src)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			if err := copyFile(src, to, fi); err != nil {
				return err
			}
		}
	}
	if out, err := exec.Command("cp", "-al", filepath.Join(root, "node_modules"), filepath.Join(dst, "node_modules")).CombinedOutput(); err != nil {
		return fmt.Errorf("cp -al node_modules: %v: %s", err, out)
	}
	return nil
}

func copyFile(src, dst string, fi os.FileInfo) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// tail is the last n lines of s, each cut at 300 bytes (a JSON log line can fill a screen).
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if len(l) > 300 {
			lines[i] = l[:300] + " ..."
		}
	}
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
