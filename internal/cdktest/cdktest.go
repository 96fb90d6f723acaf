// Package cdktest is test-only support for the packages that synthesize CDK constructs (the root app
// and constructs/...): import it from _test.go files only. It imports awscdk and jsii, so no Lambda
// code may import it.
//
// Use it in this order:
//
//  1. One jsii (Node) process serves every test of a binary, and must be closed once at the end:
//
//     func TestMain(m *testing.M) { cdktest.Main(m) }
//
//  2. Build a stack and get its template; a panic from jsii (an invalid construct, a synth error)
//     becomes t.Fatalf, so the other tests of the binary still run:
//
//     tmpl := cdktest.Synth(t, func(stack awscdk.Stack) { mypkg.NewThing(stack, "Thing", nil) })
//
//     SynthStack does the same with StackProps (an environment, say); for an app built elsewhere
//     (the root's NewLabApp), wrap the building in Guard.
//
//  3. Assertions of the assertions package (HasResourceProperties, ResourceCountIs, ...) report a
//     mismatch by panicking through jsii: wrap them in Guard too.
//
// Main sets no environment for Node: jsii fixes its Node child's environment when the awscdk packages
// register their types, at package init, before TestMain runs (an os.Setenv there never reaches Node).
// To silence jsii's end-of-life banner for the Node 20 on PATH, set
// JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 in the environment of `go test` itself.
package cdktest

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// StackID is the id of the stack Synth builds.
const StackID = "Test"

// Main is a test binary's TestMain: it runs the tests, closes the jsii process and exits with the
// tests' code.
func Main(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// NewApp is awscdk.NewApp with context (nil: none) that synthesizes into a directory of the test's
// own, removed when it ends: an app without an outdir makes one of its own under the system's temporary
// directory that nothing removes (one per synth).
func NewApp(t testing.TB, context map[string]any) awscdk.App {
	t.Helper()
	props := &awscdk.AppProps{Outdir: jsii.String(t.TempDir())}
	if context != nil {
		props.Context = &context
	}
	return awscdk.NewApp(props)
}

// Guard runs f and turns a panic in it (a failed assertion, a jsii error) into t.Fatalf.
func Guard(t testing.TB, f func()) {
	t.Helper()
	defer func() {
		t.Helper() // report the failure at Guard's caller
		if r := recover(); r != nil {
			t.Fatalf("%v", r)
		}
	}()
	f()
}

// Synth builds a new app with one stack (id StackID, no environment), calls build with the stack and
// returns the stack's template. A panic in build or synth fails the test.
func Synth(t testing.TB, build func(stack awscdk.Stack)) assertions.Template {
	t.Helper()
	return SynthStack(t, nil, build)
}

// SynthStack is Synth with the stack's props (nil: none).
func SynthStack(t testing.TB, props *awscdk.StackProps, build func(stack awscdk.Stack)) assertions.Template {
	t.Helper()
	var tmpl assertions.Template
	Guard(t, func() {
		app := NewApp(t, nil)
		stack := awscdk.NewStack(app, jsii.String(StackID), props)
		build(stack)
		tmpl = assertions.Template_FromStack(stack, nil)
	})
	return tmpl
}
