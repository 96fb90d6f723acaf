package pipeline_test

import (
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/constructs/pipeline"
)

func TestBuildFunctionSurfacesCompileErrors(t *testing.T) {
	// GIVEN a main package that does not compile WHEN BuildFunction runs THEN the error names the package,
	// the target, and carries the compiler's message.
	_, err := pipeline.BuildFunction("./testdata/broken", "arm64", t.TempDir())
	if err == nil {
		t.Fatal("BuildFunction succeeded on a broken package")
	}
	for _, want := range []string{"./testdata/broken", "linux/arm64", "go build failed", "undefined: notDefined"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
