package failure

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestDiskSpaceNeverFollowsALink: a link planted where the fill goes is replaced by the fill's own
// file; the file it pointed at is untouched.
func TestDiskSpaceNeverFollowsALink(t *testing.T) {
	r := newRig(t, `{"diskspace": {"enabled": true, "disk_space": 1}}`, nil)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(r.inj.tempDir, DiskFileName)
	for _, target := range []string{victim, filepath.Join(t.TempDir(), "not-yet")} { // an existing file, a dangling link
		os.Remove(name)
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
		if _, err := Wrap(r.inj, handlerOK)(context.Background(), "x"); err != nil {
			t.Fatal(err)
		}
		st, err := os.Lstat(name)
		if err != nil || !st.Mode().IsRegular() || st.Size() != 1<<20 {
			t.Errorf("link to %s: the fill is %v (%v), want a regular file of 1 MiB", target, st, err)
		}
		if b, _ := os.ReadFile(victim); !bytes.Equal(b, []byte("precious")) {
			t.Errorf("the link's target was written: %d bytes", len(b))
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(target), "not-yet")); err == nil {
			t.Errorf("the dangling link's target was created")
		}
	}
}

// TestDiskSpaceInTMPDIR: without Options.TempDir the fill goes to os.TempDir(), i.e. TMPDIR, which
// the local Lambda sets to each sandbox's own directory.
func TestDiskSpaceInTMPDIR(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	r := newRig(t, `{"diskspace": {"enabled": true, "disk_space": 1}}`, nil)
	inj := New(Options{Parameter: "failureLambdaConfig", SSM: r.ssm, Metrics: r.metrics})
	if inj.tempDir != dir {
		t.Fatalf("temp dir %q, want TMPDIR %q", inj.tempDir, dir)
	}
	if _, err := Wrap(inj, handlerOK)(context.Background(), "x"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, DiskFileName)); err != nil || st.Size() != 1<<20 {
		t.Errorf("fill in TMPDIR: %v %v", st, err)
	}
}

func TestDiskBytesBounded(t *testing.T) {
	for mb, want := range map[int]int64{1: 1 << 20, 100: 100 << 20, MaxDiskSpaceMB: 10 << 30, MaxDiskSpaceMB + 1: 10 << 30, 1 << 40: 10 << 30, -5: 0} {
		if got := diskBytes(mb); got != want {
			t.Errorf("diskBytes(%d) = %d, want %d", mb, got, want)
		}
	}
}
