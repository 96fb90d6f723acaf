package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// signalHelperEnv makes the test binary a driver under test: it calls SignalContext, says it is
// ready on stderr, and once cancelled writes clean-up progress to stdout and then a marker file.
const signalHelperEnv = "CLI_SIGNAL_HELPER_MARKER"

func TestMain(m *testing.M) {
	if marker := os.Getenv(signalHelperEnv); marker != "" {
		interruptGrace = 300 * time.Millisecond // a second Ctrl-C after it leaves at once
		if d, err := time.ParseDuration(os.Getenv(signalHelperEnv + "_GRACE")); err == nil {
			interruptGrace = d
		}
		ctx, stop := SignalContext()
		defer stop()
		SetLeaveNote("left at once: the helper's clean-up did not finish")
		fmt.Fprintln(os.Stderr, "ready")
		<-ctx.Done()
		if d, err := time.ParseDuration(os.Getenv(signalHelperEnv + "_SLOW")); err == nil {
			time.Sleep(d) // a clean-up that takes that long
		}
		for i := range 3 {
			fmt.Printf("cleaning up, step %d\n", i) // stdout may be a pipe nobody reads any more
		}
		os.WriteFile(marker, []byte("clean"), 0o600)
		os.Exit(0)
	}
	// Under nohup (a CI step, a background run), SIGHUP is ignored, and an ignored signal stays
	// ignored in every child: the drivers started here would keep it ignored, as they should, and
	// the SIGHUP tests could not see them stop. Caught here instead, it is at its default in the
	// children (exec resets caught signals); TestNohupKeepsSIGHUPIgnored starts its own nohup.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
	os.Exit(m.Run())
}

// startSignalHelper runs the test binary as a driver (behind wrap, e.g. nohup, when given) and
// waits for it to be ready. Its stdout is a pipe, closed at once when closeStdout. Options may come
// before wrap: "slow" (a clean-up of a second), "endless" (of five minutes: only a second Ctrl-C
// ends it) and "grace=DURATION" (interruptGrace, 300 ms unless given).
func startSignalHelper(t *testing.T, closeStdout bool, wrap ...string) (*exec.Cmd, string) {
	t.Helper()
	marker := filepath.Join(t.TempDir(), "marker")
	env := append(os.Environ(), signalHelperEnv+"="+marker)
	for len(wrap) > 0 {
		if grace, ok := strings.CutPrefix(wrap[0], "grace="); ok {
			env = append(env, signalHelperEnv+"_GRACE="+grace)
		} else if slow := map[string]string{"slow": "1s", "endless": "5m"}[wrap[0]]; slow != "" {
			env = append(env, signalHelperEnv+"_SLOW="+slow)
		} else {
			break
		}
		wrap = wrap[1:]
	}
	args := append(wrap, os.Args[0], "-test.run=^$")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	// stderr is a pipe of our own, not cmd.StderrPipe: Wait closes that one as soon as the process
	// has exited, and a line still in it (the leave note, written just before exit) was lost.
	stderr, ew, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = ew
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	ew.Close()
	t.Cleanup(func() { stderr.Close() })
	if closeStdout {
		r.Close() // the reader is gone: the next write gets SIGPIPE/EPIPE
	} else {
		t.Cleanup(func() { r.Close() })
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan bool, 1)
	done := make(chan struct{})
	helperStderr.Store(marker, done)
	go func() { // every line also into <marker>.stderr, for the tests to read after the exit
		defer close(done)
		f, _ := os.Create(marker + ".stderr")
		defer f.Close()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(f, sc.Text())
			if strings.Contains(sc.Text(), "ready") {
				ready <- true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the helper did not get ready")
	}
	return cmd, marker
}

// helperStderr holds, per helper's marker, a channel closed once its stderr has been read to the end.
var helperStderr sync.Map

// stderrOf returns all the helper wrote on stderr, once the helper (and every process holding its
// stderr) has exited.
func stderrOf(t *testing.T, marker string) string {
	t.Helper()
	done, _ := helperStderr.Load(marker)
	select {
	case <-done.(chan struct{}):
	case <-time.After(10 * time.Second):
		t.Fatal("the helper's stderr did not end after its exit")
	}
	b, err := os.ReadFile(marker + ".stderr")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitClean waits for the helper's exit and checks it finished its clean-up and exited 0.
func waitClean(t *testing.T, cmd *exec.Cmd, marker string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the driver did not exit cleanly: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the driver did not exit")
	}
	if b, _ := os.ReadFile(marker); string(b) != "clean" {
		t.Fatal("the driver died before the end of its clean-up")
	}
}

// A closed terminal (SIGHUP) gets the same clean stop as Ctrl-C: `chaoslab run` used to die at
// once with the fault still on.
func TestSIGHUPStopsCleanly(t *testing.T) {
	cmd, marker := startSignalHelper(t, false)
	cmd.Process.Signal(syscall.SIGHUP)
	waitClean(t, cmd, marker)
}

// Ctrl-C, then the terminal closed during the clean-up: the SIGHUP must not cut the clean-up short.
// A second Ctrl-C still kills at once.
func TestSignalsDuringTheCleanUp(t *testing.T) {
	t.Run("SIGHUP after Ctrl-C", func(t *testing.T) {
		cmd, marker := startSignalHelper(t, false, "slow")
		cmd.Process.Signal(syscall.SIGINT)
		time.Sleep(200 * time.Millisecond) // inside the helper's clean-up
		cmd.Process.Signal(syscall.SIGHUP)
		cmd.Process.Signal(syscall.SIGTERM)
		waitClean(t, cmd, marker)
	})
	// Also in a process started with SIGINT ignored (setsid, a script's background job): restoring
	// the signal's default restored the ignore there, and the second Ctrl-C did nothing.
	// The clean-up is endless, and Ctrl-C is pressed again every half second: a press after the
	// grace must end the process (a test that aimed one press between the grace and the end of a
	// 1 s clean-up missed on a starved machine).
	for name, wrap := range map[string][]string{"Ctrl-C twice": {"endless"}, "Ctrl-C twice, SIGINT ignored at start": {"endless", "sh", "-c", `trap "" INT; exec "$0" "$@"`}} {
		t.Run(name, func(t *testing.T) {
			cmd, marker := startSignalHelper(t, false, wrap...)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			cmd.Process.Signal(syscall.SIGINT)
			var err error
			press := time.NewTicker(500 * time.Millisecond)
			defer press.Stop()
			giveUp := time.After(30 * time.Second)
		wait:
			for {
				select {
				case err = <-done:
					break wait
				case <-press.C:
					cmd.Process.Signal(syscall.SIGINT)
				case <-giveUp:
					t.Fatal("Ctrl-C again and again for 30 s did not end the process")
				}
			}
			// 130, not the clean-up's 0: the clean-up is endless here, and the second Ctrl-C ended it.
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 {
				t.Fatalf("the second Ctrl-C: %v, want exit status 130 (a shell's for SIGINT)", err)
			}
			if s := stderrOf(t, marker); !strings.Contains(s, "left at once: the helper's clean-up did not finish") {
				t.Errorf("stderr %q: want the leave note", s)
			}
		})
	}
}

// Two SIGINTs at once are one interrupt: GNU timeout -s INT signals the process and then its
// group, and a terminal's Ctrl-C reaches every process of its group. The second one killed
// chaoslab run before it had stopped its execution or switched the fault off.
func TestTwoSIGINTsAtOnceAreOneInterrupt(t *testing.T) {
	// A grace of 10 s: the third SIGINT, 100 ms after, lands inside it however slowly the machine runs.
	cmd, marker := startSignalHelper(t, false, "grace=10s", "slow")
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	waitClean(t, cmd, marker)
}

// `chaoslab lab | tee log` and Ctrl-C: tee is gone, and the clean-up's progress lines go to a
// closed pipe. They fail; the clean-up goes on to the end.
func TestCleanUpOutlivesAClosedPipe(t *testing.T) {
	cmd, marker := startSignalHelper(t, true)
	cmd.Process.Signal(syscall.SIGINT)
	waitClean(t, cmd, marker)
}

// Under nohup, SIGHUP stays ignored: the driver runs on; SIGTERM still stops it cleanly.
func TestNohupKeepsSIGHUPIgnored(t *testing.T) {
	nohup, err := exec.LookPath("nohup")
	testenv.Require(t, "nohup (coreutils)", err)
	cmd, marker := startSignalHelper(t, false, nohup)
	cmd.Process.Signal(syscall.SIGHUP)
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("SIGHUP stopped a driver started under nohup")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	waitClean(t, cmd, marker)
}
