package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"github.com/chaoslab/serverless-chaos-lab/internal/lambdabuild"
)

// FunctionBuild is a compiled Lambda bootstrap ready to be used as an asset directory.
type FunctionBuild = lambdabuild.Build

type buildKey struct{ pkg, goarch string }

var (
	buildMu    sync.Mutex
	buildCache = map[buildKey]FunctionBuild{}
)

// BuildFunction returns a build of the Go main package pkg for linux/goarch, compiling it with
// lambdabuild.Compile unless this process already did (and that build's directory still exists), so
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
	b, err := lambdabuild.Compile(context.Background(), pkg, goarch, stagingRoot)
	if err == nil {
		buildCache[key] = b
	}
	return b, err
}

// HashCodeDir returns the hex SHA-256 of <dir>/bootstrap, for a prebuilt FunctionCodeDir.
func HashCodeDir(dir string) (string, error) {
	return lambdabuild.HashDir(dir)
}
