package lab

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A lab's results directory holds one lab: the earlier lab's outputs move to previous/ (an older
// previous/ goes), and nothing else is touched: the lock, the synth's log, a user's own files.
// A lab stopped halfway had left an earlier run's journals and reports beside its own.
func TestSetAsideMovesTheLastLabsResults(t *testing.T) {
	dir := t.TempDir()
	outputs := []string{"summary.json", "index.html", "flawed-exp_1-minor_delay.journal.json", "flawed-exp_1-minor_delay.report.html",
		"resilient-exp_2-dynamodb_disruption.series.json", "resilient-exp_2-dynamodb_disruption.log", "flawed-exp_1-minor_delay.ctk.json"}
	kept := []string{"lab.lock", "synth.log", "notes.txt", "flawed-notes.md"}
	for _, n := range append(slices.Clone(outputs), kept...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "run-2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, PreviousDir), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, PreviousDir, "older.json"), nil, 0o644)

	a, err := setAside(dir)
	if err != nil || a.Moved() != len(outputs)+1 {
		t.Fatalf("setAside = %d, %v; want %d moved", a.Moved(), err, len(outputs)+1)
	}
	if err := a.Keep(); err != nil {
		t.Fatal(err)
	}
	moved, _ := os.ReadDir(filepath.Join(dir, PreviousDir))
	var got []string
	for _, e := range moved {
		got = append(got, e.Name())
	}
	want := append(slices.Clone(outputs), "run-2")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("previous/ holds %q, want %q (and not the older previous/)", got, want)
	}
	left, _ := os.ReadDir(dir)
	var rest []string
	for _, e := range left {
		rest = append(rest, e.Name())
	}
	wantRest := append(slices.Clone(kept), PreviousDir)
	slices.Sort(wantRest)
	if !slices.Equal(rest, wantRest) {
		t.Errorf("left in the results directory %q, want %q", rest, wantRest)
	}
	// Nothing of a lab's left: previous/ stays as it is.
	if a, err := setAside(dir); err != nil || a.Moved() != 0 {
		t.Errorf("setAside again = %d, %v; want 0", a.Moved(), err)
	}
	if _, err := os.Stat(filepath.Join(dir, PreviousDir, "summary.json")); err != nil {
		t.Errorf("previous/ emptied by a lab with nothing to set aside: %v", err)
	}
}

// A lab that ran no trial puts the last lab's results back where they were, and the lab before
// them back into previous/: two labs stopped before their first trial had lost both.
func TestUndoPutsTheLastLabsResultsBack(t *testing.T) {
	dir := t.TempDir()
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "summary.json"), "last")
	write(filepath.Join(dir, "run-1", "summary.json"), "last run 1")
	write(filepath.Join(dir, PreviousDir, "summary.json"), "older")
	for range 2 { // stopped twice before a trial
		a, err := setAside(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Undo(); err != nil {
			t.Fatal(err)
		}
	}
	for p, want := range map[string]string{"summary.json": "last", "run-1/summary.json": "last run 1", PreviousDir + "/summary.json": "older"} {
		if b, err := os.ReadFile(filepath.Join(dir, p)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", p, b, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, PreviousDir+".old")); err == nil {
		t.Error("previous.old left behind")
	}
	// A lab that ran a trial keeps the move, and the lab before the last goes.
	a, err := setAside(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Keep(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, PreviousDir, "summary.json")); string(b) != "last" {
		t.Errorf("previous/summary.json = %q, want the last lab's", b)
	}
	if _, err := os.Stat(filepath.Join(dir, PreviousDir+".old")); err == nil {
		t.Error("previous.old left behind after Keep")
	}
}
