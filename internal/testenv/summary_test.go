package testenv

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// A `go test -json` stream as cmd/test2json writes it: one passing and one skipping test in a, a
// failing one in b, and c whose tests did not compile.
const stream = `{"Time":"2026-12-04T05:00:00Z","Action":"start","Package":"x/a"}
{"Action":"run","Package":"x/a","Test":"TestOK"}
{"Action":"output","Package":"x/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"x/a","Test":"TestOK"}
{"Action":"run","Package":"x/a","Test":"TestNeedsJava"}
{"Action":"output","Package":"x/a","Test":"TestNeedsJava","Output":"    a_test.go:9: prerequisite missing: java\n"}
{"Action":"output","Package":"x/a","Test":"TestNeedsJava","Output":"--- SKIP: TestNeedsJava (0.00s)\n"}
{"Action":"skip","Package":"x/a","Test":"TestNeedsJava"}
{"Time":"2026-12-04T05:00:12.4Z","Action":"pass","Package":"x/a","Elapsed":12.34}
{"Action":"run","Package":"x/b","Test":"TestBroken"}
{"Action":"output","Package":"x/b","Test":"TestBroken","Output":"    b_test.go:3: got 1, want 2\n"}
{"Action":"fail","Package":"x/b","Test":"TestBroken"}
{"Action":"fail","Package":"x/b"}
# x/c [x/c.test]
{"Action":"fail","Package":"x/c"}
`

func TestSummarize(t *testing.T) {
	var out bytes.Buffer
	sum, err := Summarize(strings.NewReader(stream), &out)
	if err != nil {
		t.Fatal(err)
	}
	if a := sum["x/a"]; a.Passed != 1 || a.Skipped != 1 || a.Failed != 0 {
		t.Errorf("x/a = %+v, want 1 passed, 1 skipped", a)
	}
	if got, want := sum["x/a"].SkippedTests, "TestNeedsJava: a_test.go:9: prerequisite missing: java"; len(got) != 1 || got[0] != want {
		t.Errorf("skipped tests = %q, want [%q]", got, want)
	}
	// Like go test without -v: build errors and failed tests' output, not passing tests' output.
	if !strings.Contains(out.String(), "# x/c [x/c.test]") || !strings.Contains(out.String(), "b_test.go:3: got 1, want 2") {
		t.Errorf("build error or failure not printed:\n%s", out.String())
	}
	if strings.Contains(out.String(), "=== RUN   TestOK") {
		t.Errorf("a passing test's output was printed:\n%s", out.String())
	}
	for _, c := range []struct {
		strict bool
		want   []string
	}{
		{false, []string{"x/b: 1 failed", "x/c: build or test binary failed"}},
		{true, []string{"x/a: skipped under CI: TestNeedsJava: a_test.go:9: prerequisite missing: java", "x/b: 1 failed", "x/c: build or test binary failed"}},
	} {
		if got := sum.Problems(c.strict); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("Problems(strict=%v) =\n%s\nwant\n%s", c.strict, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	var table bytes.Buffer
	sum.Print(&table)
	if !strings.Contains(table.String(), "total") {
		t.Errorf("table has no total line:\n%s", table.String())
	}
	// How long each package's binary ran, to tell which ones make test should start first.
	// and when it ended, counted from the stream's first event: the run's tail shows.
	if !regexp.MustCompile(`(?m)^x/a +1 +0 +1 +12\.3 +12 *$`).MatchString(table.String()) {
		t.Errorf("table has no x/a line with its 12.3 seconds, ended at 12:\n%s", table.String())
	}
}
