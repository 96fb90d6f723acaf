package test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/testenv"
)

// TestBinaryBuiltIntoTheCheckoutReportsFromAnywhere: chaoslab built into a checkout
// (go build -o bin/chaoslab ./drivers/chaoslab), linked onto the PATH and run from a folder outside
// any checkout, finds its checkout above its own binary, and so the chart library: report writes a
// journal's report with its charts. A binary outside any checkout says there is none, and where it
// looked.
func TestBinaryBuiltIntoTheCheckoutReportsFromAnywhere(t *testing.T) {
	testenv.SkipIfShort(t, "it builds chaoslab")
	root := repoRoot(t)
	_, err := os.Stat(filepath.Join(root, "node_modules", "uplot", "dist", "uPlot.iife.min.js"))
	testenv.Require(t, "node_modules/uplot (run `npm ci`; make test does)", err)

	// A checkout of its own (its go.mod, cdk.json and node_modules the repository's), the binary in
	// its bin/, and a link to it in a folder of the PATH's kind.
	tmp := t.TempDir()
	checkout := filepath.Join(tmp, "checkout")
	for _, dir := range []string{filepath.Join(checkout, "bin"), filepath.Join(tmp, "path"), filepath.Join(tmp, "elsewhere")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"go.mod", "cdk.json"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(checkout, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "node_modules"), filepath.Join(checkout, "node_modules")); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(checkout, "bin", "chaoslab")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	exe, err := os.ReadFile(chaoslabBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(tmp, "path", "chaoslab")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}

	// A journal of a run not steady before its fault, as run wrote it.
	v := 31.5
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: -10, Max: 20, Text: "[-10, 20]"}
	at := func(s int) string { return time.Date(2026, 12, 6, 2, 0, s, 0, time.UTC).Format(time.RFC3339) }
	j := experiments.Journal{Title: "In flight holds under a DynamoDB outage", Verdict: experiments.VerdictNotSteadyBefore, StartedAt: at(0), EndedAt: at(30),
		Before: []experiments.ProbeResult{{Name: "messages-in-flight", Query: "in flight", Tolerance: tol, Value: &v,
			Status: experiments.ProbeDeviated, Start: at(0), End: at(20)}}}
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(tmp, "elsewhere")
	journal := filepath.Join(elsewhere, "journal.json")
	if err := os.WriteFile(journal, b, 0o644); err != nil {
		t.Fatal(err)
	}

	report := func(bin string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, "report", journal)
		cmd.Dir = elsewhere
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := report(link)
	if err != nil {
		t.Fatalf("chaoslab report through the link, from %s: %v\n%s", elsewhere, err, out)
	}
	html, err := os.ReadFile(filepath.Join(elsewhere, "journal.report.html"))
	if err != nil {
		t.Fatalf("no report beside the journal: %v\n%s", err, out)
	}
	for _, want := range []string{"uPlot", ">not-steady-before<", "31.5", `FAIL <span class="r-sub">not steady</span>`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the report lacks %q", want)
		}
	}

	// The same binary copied out of any checkout has no chart library, and says so.
	alone := filepath.Join(tmp, "path", "chaoslab-alone")
	if b, err := os.ReadFile(bin); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(alone, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(elsewhere, "journal.report.html")); err != nil {
		t.Fatal(err)
	}
	out, err = report(alone)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(out, "chart library: no node_modules/uplot in "+elsewhere) ||
		!strings.Contains(out, "or a chaoslab built into it") {
		t.Errorf("chaoslab report from a binary outside any checkout: %v\n%s\nwant exit 2 naming where it looked and what would find it", err, out)
	}
}
