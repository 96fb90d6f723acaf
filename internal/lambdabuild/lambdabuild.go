// Package lambdabuild compiles a Go Lambda function for provided.al2023, the one way this project
// builds one: the CDK construct's asset, and every test that runs the function in a local cloud. One
// set of flags means one set of Go build-cache entries, so with an empty cache the function's
// dependencies (the AWS SDK) are compiled once per architecture, not once per caller's flags.
package lambdabuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ETL is the import path of the pipeline's ETL function.
const ETL = "github.com/chaoslab/serverless-chaos-lab/functions/etl"

// Build is a compiled Lambda bootstrap ready to be used as an asset directory.
type Build struct {
	// Dir holds exactly one file, `bootstrap`.
	Dir string
	// Hash is the hex SHA-256 of the bootstrap binary: the asset hash. A build from unchanged source
	// with the same toolchain yields the same bytes (-trimpath, -buildvcs=false, no timestamps), so the
	// hash, and with it the deployed asset, changes only when the code does.
	Hash string
}

// Compile compiles the Go main package pkg (an import path, or a ./relative directory resolved by
// `go build` from the working directory) for linux/goarch into <stagingRoot>/<goarch>-<hash>/bootstrap,
// and removes earlier builds for goarch from stagingRoot.
//
// The flags are those AWS documents for provided.al2023: CGO_ENABLED=0 (static binary), -tags
// lambda.norpc (no net/rpc shim, smaller), -trimpath and -buildvcs=false (reproducible), -s -w (no
// symbol tables: about half the size). ctx bounds the compiler (a cold build of the SDK takes about
// a minute on 2 cores).
func Compile(ctx context.Context, pkg, goarch, stagingRoot string) (Build, error) {
	if err := os.MkdirAll(stagingRoot, 0o755); err != nil {
		return Build{}, fmt.Errorf("build function %s: staging dir: %w", pkg, err)
	}
	tmp, err := os.MkdirTemp(stagingRoot, "build-")
	if err != nil {
		return Build{}, fmt.Errorf("build function %s: staging dir: %w", pkg, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "bootstrap")

	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", "-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		return Build{}, fmt.Errorf("build function %s for linux/%s: go build failed (%v):\n%s%s",
			pkg, goarch, err, strings.TrimSpace(stderr.String()), otherModuleHint(pkg, stderr.String()))
	}

	hash, err := fileSHA256(out)
	if err != nil {
		return Build{}, fmt.Errorf("build function %s: %w", pkg, err)
	}
	dir := filepath.Join(stagingRoot, goarch+"-"+hash[:16])
	if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
		// Content-addressed: an existing dir already holds these exact bytes. Rename is atomic, so a
		// concurrent synth never sees a half-written asset.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return Build{}, fmt.Errorf("build function %s: %w", pkg, err)
		}
		if err := os.Rename(out, filepath.Join(dir, "bootstrap")); err != nil {
			return Build{}, fmt.Errorf("build function %s: %w", pkg, err)
		}
	}
	pruneOtherBuilds(stagingRoot, goarch, dir)
	return Build{Dir: dir, Hash: hash}, nil
}

// otherModuleHint says how to build pkg from a module that requires this one (a user's CDK app with
// the default function source), when go build found no go.sum entries for the function's
// dependencies: the module does not import pkg, so go mod tidy drops them, and go's own advice (go
// get) lasts until the next tidy. A tool directive names the package in the module for good.
func otherModuleHint(pkg, goOutput string) string {
	if !strings.Contains(goOutput, "missing go.sum entry") {
		return ""
	}
	return fmt.Sprintf("\n%s is built from the module of the working directory, which needs go.sum entries for the "+
		"function's dependencies; go mod tidy drops them when that module does not import it. Name it there "+
		"once: add the line `tool %s` to go.mod (Go 1.24 or later) and run go mod tidy; or build the function "+
		"yourself and give its directory as FunctionCodeDir", pkg, pkg)
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

// HashDir returns the hex SHA-256 of <dir>/bootstrap, the asset hash of a prebuilt code directory.
func HashDir(dir string) (string, error) {
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
