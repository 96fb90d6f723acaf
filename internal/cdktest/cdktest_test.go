package cdktest_test

import (
	"fmt"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/internal/cdktest"
)

// recorder is a testing.TB whose Fatalf records the message instead of stopping the test.
type recorder struct {
	testing.TB
	fatal []string
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = append(r.fatal, fmt.Sprintf(format, args...))
}

// The awscdk packages this one imports start jsii's runtime as the binary starts (they register
// their types), and only Main's jsii.Close removes what it unpacked (jsii-runtime.* in TMPDIR: one
// left by every run of this package's tests before it had a TestMain).
func TestMain(m *testing.M) { cdktest.Main(m) }

// Synth and Main are exercised by every construct package's tests.
func TestGuard(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want []string
	}{
		{name: "no panic, no failure", f: func() {}},
		{name: "a panic value becomes the failure", f: func() { panic("jsii: boom") }, want: []string{"jsii: boom"}},
		{name: "an error panic too", f: func() { panic(fmt.Errorf("invalid props")) }, want: []string{"invalid props"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// GIVEN a test WHEN Guard runs f THEN a panic in f is reported once through Fatalf.
			r := &recorder{TB: t}
			cdktest.Guard(r, c.f)
			if fmt.Sprint(r.fatal) != fmt.Sprint(c.want) {
				t.Errorf("Fatalf calls = %q, want %q", r.fatal, c.want)
			}
		})
	}
}
