package testenv

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Counts are one package's test results. A subtest counts as a test of its own.
type Counts struct {
	Passed, Failed, Skipped int
	// SkippedTests names the skipped tests, with the reason each gave.
	SkippedTests []string
	// BuildFailed is set when the package's tests did not compile or the binary failed outside a test.
	BuildFailed bool
	// Elapsed is how long the package's test binary ran, in seconds, as go test reports it: the
	// table shows it so that a package grown slow can join the Makefile's SLOW_PKGS (started first).
	Elapsed float64
	// Ended is when the package's binary ended, counted from the first event of the whole stream
	// (each event's Time): the packages that end last are the run's tail, the ones to start sooner
	// or make faster. Zero when the events carry no time.
	Ended time.Duration
}

// Summary is the result of a `go test -json` run, by package.
type Summary map[string]*Counts

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
	Time    time.Time
}

// Summarize reads `go test -json` from r and writes to w what `go test` without -v prints: each
// package's result line as it finishes, and the whole output of every failed test. It returns the
// counts per package.
func Summarize(r io.Reader, w io.Writer) (Summary, error) {
	sum := Summary{}
	// Each running test's output, printed only if it fails; and its last line, its skip reason.
	held := map[string][]string{}
	last := map[string]string{}
	var first time.Time // the stream's first event's time
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Build errors are printed as plain text before any JSON.
			fmt.Fprintln(w, string(line))
			continue
		}
		if first.IsZero() {
			first = e.Time
		}
		c := sum[e.Package]
		if c == nil && e.Package != "" {
			c = &Counts{}
			sum[e.Package] = c
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			if e.Test == "" {
				io.WriteString(w, e.Output)
				break
			}
			held[key] = append(held[key], e.Output)
			if s := strings.TrimSpace(e.Output); s != "" && !strings.HasPrefix(s, "---") && !strings.HasPrefix(s, "===") {
				last[key] = s
			}
		case "pass":
			if e.Test != "" {
				c.Passed++
			}
		case "fail":
			if e.Test != "" {
				c.Failed++
				io.WriteString(w, strings.Join(held[key], ""))
			} else if c.Passed+c.Failed+c.Skipped == 0 {
				c.BuildFailed = true
			}
		case "skip":
			if e.Test != "" {
				c.Skipped++
				c.SkippedTests = append(c.SkippedTests, e.Test+": "+last[key])
			}
		}
		if e.Test == "" && (e.Action == "pass" || e.Action == "fail") {
			c.Elapsed = e.Elapsed
			if !e.Time.IsZero() && !first.IsZero() {
				c.Ended = e.Time.Sub(first)
			}
		}
		if e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip") {
			delete(held, key)
			delete(last, key)
		}
	}
	return sum, sc.Err()
}

// Problems lists what makes the run fail: failed tests and packages, and, when strict (under CI),
// every skipped test.
func (s Summary) Problems(strict bool) []string {
	var out []string
	for _, pkg := range s.packages() {
		c := s[pkg]
		if c.BuildFailed {
			out = append(out, pkg+": build or test binary failed")
		}
		if c.Failed > 0 {
			out = append(out, fmt.Sprintf("%s: %d failed", pkg, c.Failed))
		}
		if strict {
			for _, sk := range c.SkippedTests {
				out = append(out, pkg+": skipped under CI: "+sk)
			}
		}
	}
	return out
}

// Print writes one line per package: tests passed, failed, skipped, the seconds its test binary
// ran, and when it ended (seconds after the stream's first event).
func (s Summary) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tPASSED\tFAILED\tSKIPPED\tSECONDS\tENDED AT\t")
	var total Counts
	for _, pkg := range s.packages() {
		c := s[pkg]
		if c.Passed+c.Failed+c.Skipped == 0 && !c.BuildFailed {
			continue // no test files
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\t%.0f\t\n", pkg, c.Passed, c.Failed, c.Skipped, c.Elapsed, c.Ended.Seconds())
		total.Passed += c.Passed
		total.Failed += c.Failed
		total.Skipped += c.Skipped
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t\t\t\n", total.Passed, total.Failed, total.Skipped)
	tw.Flush()
}

func (s Summary) packages() []string {
	var names []string
	for k := range s {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
