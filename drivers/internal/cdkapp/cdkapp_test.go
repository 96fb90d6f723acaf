package cdkapp

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestFindRoot(t *testing.T) {
	root, err := FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cdk.json")); err != nil {
		t.Fatalf("root %s holds no cdk.json: %v", root, err)
	}
	if wd, _ := os.Getwd(); Rel(root, wd) != filepath.Join("drivers", "internal", "cdkapp") {
		t.Errorf("Rel(%s, %s) = %s", root, wd, Rel(root, wd))
	}
}

func TestRel(t *testing.T) {
	tests := []struct{ name, p, want string }{
		{name: "inside", p: "/repo/.lab/cdk.out.flawed", want: ".lab/cdk.out.flawed"},
		{name: "outside stays absolute", p: "/tmp/results", want: "/tmp/results"},
		{name: "sibling with the root's prefix", p: "/repo2/x", want: "/repo2/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Rel("/repo", tt.p); got != tt.want {
				t.Errorf("Rel(/repo, %s) = %s, want %s", tt.p, got, tt.want)
			}
		})
	}
}

// The synth's output reaches the log whole, in whatever pieces it is written, but for jsii's exit
// race, which ran into the next line ("...no child processes74 feature flags are not configured").
func TestQuietWriterDropsTheJSIIExitRace(t *testing.T) {
	in := "Successfully synthesized to cdk.out\n    " + jsiiExitRace + "74 feature flags are not configured.\n" +
		jsiiExitRace + "\nError: a real one\nno newline at the end"
	for _, size := range []int{1, 7, len(in)} {
		var out bytes.Buffer
		q := &quietWriter{w: &out}
		for i := 0; i < len(in); i += size {
			if _, err := q.Write([]byte(in[i:min(i+size, len(in))])); err != nil {
				t.Fatal(err)
			}
		}
		q.Flush()
		want := "Successfully synthesized to cdk.out\n    74 feature flags are not configured.\nError: a real one\nno newline at the end"
		if out.String() != want {
			t.Errorf("written in pieces of %d:\n%q\nwant\n%q", size, out.String(), want)
		}
	}
}

// A synth that fails says why in its error, with the CLI's last lines: its output may have gone to
// a file (the lab's synth.log), and "(see the log above)" sent the reader to nothing.
func TestFailedSynthQuotesItsLastLines(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "node_modules", ".bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho 'synthesizing'\necho 'Another CLI (PID=4242) is currently synthing to cdk.out' >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(bin, "cdk"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	err := synth(context.Background(), root, filepath.Join(root, "cdk.out"), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "Another CLI (PID=4242) is currently synthing") || !strings.Contains(err.Error(), "synthesizing") ||
		strings.Contains(err.Error(), "see the log above") {
		t.Errorf("err %v, want the CLI's last lines in it", err)
	}
}

// A synth's temporary files (jsii's runtime, go run's build) go in outDir.tmp, removed after it
// and before the next: a synth stopped by a signal left /tmp/jsii-runtime.* and /tmp/go-build*
// behind, one per stop.
func TestSynthKeepsItsTemporaryFilesBesideItsOutput(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "node_modules", ".bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	seen := filepath.Join(root, "tmpdir-seen")
	script := "#!/bin/sh\necho \"$TMPDIR\" > " + seen + "\ntouch \"$TMPDIR/jsii-runtime.1\"\n"
	if err := os.WriteFile(filepath.Join(bin, "cdk"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "cdk.out")
	// What a synth killed with SIGKILL left.
	if err := os.MkdirAll(filepath.Join(out+".tmp", "go-build123"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := synth(context.Background(), root, out, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(seen)
	if err != nil || strings.TrimSpace(string(b)) != out+".tmp" {
		t.Errorf("the synth's TMPDIR %q, %v; want %s", b, err, out+".tmp")
	}
	if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("%s.tmp after the synth: %v, want it removed", out, err)
	}
}

// A CDK lock left by a synth stopped by a signal is removed before the next synth when its pid is
// dead or is no CDK CLI (given to another process since: the CLI took the lock as held); a live
// CDK CLI's lock stays.
func TestClearStaleLocks(t *testing.T) {
	dir := t.TempDir()
	other := exec.Command("sleep", "30")                                       // a live process that is no CDK CLI
	cli := exec.Command("sh", "-c", "sleep 30; :", "/x/node_modules/.bin/cdk") // not exec'd into sleep: a command follows
	for _, c := range []*exec.Cmd{other, cli} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	files := map[string]int{"synth.lock": other.Process.Pid, "read.1.1.lock": dead.Process.Pid, "read.2.1.lock": cli.Process.Pid}
	for name, pid := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := clearStaleLocks(dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"synth.lock": false, "read.1.1.lock": false, "read.2.1.lock": true, "manifest.json": true} {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != want {
			t.Errorf("%s there: %v, want %v", name, err == nil, want)
		}
	}
}

// A team's own CDK app has a cdk.json too: it is not the lab's checkout. Below a checkout it is
// passed by; with none above it, the error names it and what to do instead.
func TestFindRootPassesByAnotherAppsCDKJSON(t *testing.T) {
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	top := t.TempDir()
	lab, team := filepath.Join(top, "lab"), filepath.Join(top, "lab", "work", "orders-app")
	write(filepath.Join(lab, "cdk.json"), `{"app": "go run ."}`)
	write(filepath.Join(lab, "go.mod"), "module "+Module+"\n\ngo 1.26\n")
	write(filepath.Join(team, "cdk.json"), `{"app": "go run ."}`)
	write(filepath.Join(team, "go.mod"), "module example.com/orders\n")

	t.Chdir(team)
	if root, err := FindRoot(); err != nil || root != lab {
		t.Errorf("from the team's app inside the checkout: %q, %v; want %s", root, err, lab)
	}
	alone := filepath.Join(t.TempDir(), "orders-app")
	write(filepath.Join(alone, "cdk.json"), `{"app": "go run ."}`)
	write(filepath.Join(alone, "go.mod"), "module example.com/orders\n")
	t.Chdir(alone)
	if _, err := FindRoot(); err == nil || !strings.Contains(err.Error(), alone+" has a cdk.json, but it is not the lab's checkout") ||
		!strings.Contains(err.Error(), "chaoslab local deploy -cdk-out") {
		t.Errorf("from a team's app alone: %v, want it named, not taken for the lab", err)
	}
}

// A binary built into the checkout finds it from a folder outside any (a team's CDK app, a temp
// dir): the working directory first, then the binary's own place.
func TestFindRootFromTheBinarysCheckout(t *testing.T) {
	top := t.TempDir()
	lab := filepath.Join(top, "lab")
	for name, text := range map[string]string{"cdk.json": `{"app": "go run ."}`, "go.mod": "module " + Module + "\n", "bin/chaoslab": "binary"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(lab, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(lab, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// installed as a symbolic link on the PATH: the link's target is the binary's place
	link := filepath.Join(top, "usr-local-bin", "chaoslab")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(lab, "bin", "chaoslab"), link); err != nil {
		t.Fatal(err)
	}
	defer func(e func() (string, error)) { executable = e }(executable)
	executable = func() (string, error) { return link, nil }

	t.Chdir(t.TempDir())
	if root, err := FindRoot(); err != nil || root != lab {
		t.Errorf("from elsewhere, the binary in the checkout: %q, %v; want %s", root, err, lab)
	}
	// A binary that is a file outside any checkout: walked up from, nothing found.
	alone := filepath.Join(top, "usr-local-bin", "chaoslab-alone")
	if err := os.WriteFile(alone, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	executable = func() (string, error) { return alone, nil }
	if _, err := FindRoot(); err == nil || !strings.Contains(err.Error(), "nor above chaoslab's binary") {
		t.Errorf("from elsewhere, the binary outside any checkout: %v, want both places named", err)
	}
}
