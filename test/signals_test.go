package test

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// TestASignalEndsACommandWithNothingToCleanUp: validate, compile, import-fis, list and lab-compare
// start nothing and change nothing, so a SIGTERM (timeout's, a CI's cancel) or a Ctrl-C ends them at
// once, even one stuck where it never looks at its context. (They were under the clean-up handling
// of run and lab, which holds a SIGTERM until its clean-up is done: a validate stuck in a loop ran on
// after `timeout` had sent it one.) Stuck here: reading a named pipe nobody writes.
func TestASignalEndsACommandWithNothingToCleanUp(t *testing.T) {
	testenv.SkipIfShort(t, "it builds chaoslab")
	tmp := t.TempDir()
	bin := chaoslabBinary(t)
	// A background job of a script (make test's own, or `make test &`) starts with SIGINT ignored, and
	// chaoslab started from it would keep it so: caught here, it is at its default in them (exec
	// resets a caught signal).
	if signal.Ignored(syscall.SIGINT) {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGINT)
		defer signal.Stop(c)
	}
	fifo := filepath.Join(tmp, "experiment.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		sig  syscall.Signal
		name string
	}{
		{[]string{"validate", fifo}, syscall.SIGTERM, "SIGTERM"},
		{[]string{"validate", fifo}, syscall.SIGINT, "SIGINT"},
		{[]string{"compile", "-outputs", filepath.Join(tmp, "outputs.json"), fifo}, syscall.SIGTERM, "SIGTERM"},
		{[]string{"import-fis", "-function-name", "fn", "-o", filepath.Join(tmp, "out.json"), fifo}, syscall.SIGTERM, "SIGTERM"},
	} {
		t.Run(tc.args[0]+" "+tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			cmd.Dir = tmp
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			time.Sleep(300 * time.Millisecond) // into the open of the pipe (a signal before it ends it all the same)
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) {
					t.Fatalf("chaoslab %v: %v, want it ended by the signal", tc.args, err)
				}
				if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != tc.sig {
					t.Errorf("chaoslab %v ended %v, want by %s", tc.args, ee, tc.name)
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill() // by its own pid
				<-done
				t.Fatalf("chaoslab %v still ran 10 s after a %s", tc.args, tc.name)
			}
		})
	}
}
