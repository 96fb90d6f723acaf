package emulators

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// An emulator's stdout after its first line goes to its log to the last line, also when it exits at
// once: the last lines are the ones that say why it exited, and Wait used to close the pipe under
// the copy and lose them.
func TestLogKeepsAnExitedEmulatorsLastLines(t *testing.T) {
	const n = 2000
	for i := range 5 {
		dir := t.TempDir()
		script := fmt.Sprintf(`echo '{}'; i=0; while [ $i -lt %d ]; do echo "line $i"; i=$((i+1)); done; echo "last words"; exit 3`, n)
		p, first, err := start(context.Background(), "fake", Options{RunDir: dir, StartTimeout: time.Minute, StopTimeout: time.Second, Logger: slog.New(slog.DiscardHandler)}, exec.Command("sh", "-c", script))
		if err != nil {
			t.Fatal(err)
		}
		if string(first) != "{}\n" {
			t.Fatalf("first line %q, want the hello {}", first)
		}
		select {
		case <-p.logged: // the whole of its stdout in the log (its exit may be told before, after 2 s at most)
		case <-time.After(time.Minute):
			t.Fatal("the fake emulator's stdout did not end")
		}
		b, err := os.ReadFile(p.LogPath)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(string(b), fmt.Sprintf("line %d\nlast words\n", n-1)) {
			t.Fatalf("run %d: the log ends %q, want its last lines", i, b[max(0, len(b)-60):])
		}
		p.Stop()
	}
}
