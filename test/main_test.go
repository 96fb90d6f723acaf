package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binDir holds chaoslab as built once for the package's tests (chaoslabBinary); TestMain makes it
// and removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chaoslab-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var built struct {
	once sync.Once
	path string
	err  error
}

// chaoslabBinary is chaoslab built from this checkout (go build ./drivers/chaoslab), once for every
// test of the package that runs it as a user does: each built its own, a link of the AWS SDK apiece.
func chaoslabBinary(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	built.once.Do(func() {
		built.path = filepath.Join(binDir, "chaoslab")
		cmd := exec.Command("go", "build", "-o", built.path, "./drivers/chaoslab")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("build chaoslab: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}
