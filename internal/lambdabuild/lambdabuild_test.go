package lambdabuild

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompileErrorNamesPackageAndArchitecture(t *testing.T) {
	staging := t.TempDir()
	_, err := Compile(context.Background(), "./no-such-function", "arm64", staging)
	if err == nil || !strings.Contains(err.Error(), "./no-such-function") || !strings.Contains(err.Error(), "linux/arm64") {
		t.Fatalf("err = %v, want one naming ./no-such-function and linux/arm64", err)
	}
	// AND the failed build left nothing in the staging directory.
	if left, _ := os.ReadDir(staging); len(left) != 0 {
		t.Errorf("staging dir holds %v after a failed build", left)
	}
}

// A CDK app in a module of its own that requires this one builds the default function source from
// its own module: after go mod tidy its go.sum has no entries for the function's dependencies (it
// does not import the function), and go's advice (go get) lasts until the next tidy. The error says
// what lasts: a tool directive, or a prebuilt FunctionCodeDir.
func TestCompileFromAnotherModuleSaysHowToKeepItsSums(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	app := t.TempDir()
	mod := "module example.com/userapp\n\ngo 1.26\n\nrequire github.com/chaoslab/serverless-chaos-lab v0.0.0\n\n" +
		"replace github.com/chaoslab/serverless-chaos-lab => " + repo + "\n"
	if err := os.WriteFile(filepath.Join(app, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(app)
	t.Setenv("GOFLAGS", "-mod=readonly") // a user's default: go build changes no go.mod or go.sum
	_, err = Compile(context.Background(), ETL, "arm64", t.TempDir())
	if err == nil {
		t.Fatal("built the function from a module without go.sum entries for its dependencies")
	}
	for _, want := range []string{"missing go.sum entry", "add the line `tool " + ETL + "` to go.mod", "FunctionCodeDir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// An error of another kind gets no such advice.
	if hint := otherModuleHint("./x", "undefined: foo"); hint != "" {
		t.Errorf("hint for a compile error: %q", hint)
	}
}

func TestCompileKeepsOneBuildPerArchitecture(t *testing.T) {
	src := t.TempDir()
	for name, body := range map[string]string{
		"go.mod":  "module example.com/fn\n\ngo 1.22\n",
		"main.go": "package main\n\nfunc main() { println(\"v1\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(src)
	staging := t.TempDir()
	first, err := Compile(context.Background(), ".", "amd64", staging)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := HashDir(first.Dir); err != nil || h != first.Hash {
		t.Fatalf("HashDir = %s, %v; Compile said %s", h, err, first.Hash)
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() { println(\"v2\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := Compile(context.Background(), ".", "amd64", staging)
	if err != nil {
		t.Fatal(err)
	}
	if second.Hash == first.Hash || second.Dir == first.Dir {
		t.Fatalf("changed source, same build: %+v", second)
	}
	// THEN the earlier build for the architecture is gone and the new one is the only directory.
	entries, _ := os.ReadDir(staging)
	if len(entries) != 1 || filepath.Join(staging, entries[0].Name()) != second.Dir {
		t.Errorf("staging holds %v, want only %s", entries, filepath.Base(second.Dir))
	}
}
