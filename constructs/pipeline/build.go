package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// FunctionBuild is a compiled Lambda bootstrap ready to be used as an asset directory.
type FunctionBuild struct {
	// Dir holds exactly one file, `bootstrap`.
	Dir string
	// Hash is the hex SHA-256 of the bootstrap binary: the asset hash. A build from unchanged source
	// with the same toolchain yields the same bytes (-trimpath, -buildvcs=false, no timestamps), so the
	// hash, and with it the deployed asset, changes only when the code does.
	Hash string
}

type buildKey struct{ pkg, goarch string }

var (
	buildMu    sync.Mutex
	buildCache = map[buildKey]FunctionBuild{}
)

// BuildFunction returns a build of the Go main package pkg for linux/goarch, compiling it with
// CompileFunction unless this process already did (and that build's directory still exists), so
// synthesizing several stacks or scenarios compiles once.
func BuildFunction(pkg, goarch, stagingRoot string) (FunctionBuild, error) {
	key := buildKey{pkg, goarch}
	buildMu.Lock()
	defer buildMu.Unlock()
	if b, ok := buildCache[key]; ok {
		if _, err := os.Stat(filepath.Join(b.Dir, "bootstrap")); err == nil {
			return b, nil
		}
	}
	b, err := CompileFunction(pkg, goarch, stagingRoot)
	if err == nil {
		buildCache[key] = b
	}
	return b, err
}

// CompileFunction compiles the Go main package pkg (an import path or a ./relative directory, resolved
// by `go build` from the working directory) for linux/goarch into <stagingRoot>/<goarch>-<hash>/bootstrap.
//
// The flags are those AWS documents for provided.al2023: CGO_ENABLED=0 (static binary), -tags
// lambda.norpc (no net/rpc shim, smaller), -trimpath and -buildvcs=false (reproducible), -s -w (no
// symbol tables: about half the size).
func CompileFunction(pkg, goarch, stagingRoot string) (FunctionBuild, error) {
	if err := os.MkdirAll(stagingRoot, 0o755); err != nil {
		return FunctionBuild{}, fmt.Errorf("build function %s: staging dir: %w", pkg, err)
	}
	tmp, err := os.MkdirTemp(stagingRoot, "build-")
	if err != nil {
		return FunctionBuild{}, fmt.Errorf("build function %s: staging dir: %w", pkg, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "bootstrap")

	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", "-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return FunctionBuild{}, fmt.Errorf("build function %s for linux/%s: go build failed (%v):\n%s",
			pkg, goarch, err, strings.TrimSpace(stderr.String()))
	}

	hash, err := fileSHA256(out)
	if err != nil {
		return FunctionBuild{}, fmt.Errorf("build function %s: %w", pkg, err)
	}
	dir := filepath.Join(stagingRoot, goarch+"-"+hash[:16])
	if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
		// Content-addressed: an existing dir already holds these exact bytes. Rename is atomic, so a
		// concurrent synth never sees a half-written asset.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return FunctionBuild{}, fmt.Errorf("build function %s: %w", pkg, err)
		}
		if err := os.Rename(out, filepath.Join(dir, "bootstrap")); err != nil {
			return FunctionBuild{}, fmt.Errorf("build function %s: %w", pkg, err)
		}
	}
	pruneOtherBuilds(stagingRoot, goarch, dir)
	return FunctionBuild{Dir: dir, Hash: hash}, nil
}

// pruneOtherBuilds removes earlier builds for the same architecture from stagingRoot, so repeated
// synths after code changes do not pile up binaries in cdk.out. (CDK has already copied what it
// staged into its own asset.<hash> directory.) Failures only leave files behind, so they are ignored.
func pruneOtherBuilds(stagingRoot, goarch, keep string) {
	old, _ := filepath.Glob(filepath.Join(stagingRoot, goarch+"-*"))
	for _, d := range old {
		if d != keep {
			os.RemoveAll(d)
		}
	}
}

// HashCodeDir returns the hex SHA-256 of <dir>/bootstrap, for a prebuilt FunctionCodeDir.
func HashCodeDir(dir string) (string, error) {
	return fileSHA256(filepath.Join(dir, "bootstrap"))
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
