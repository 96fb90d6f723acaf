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

	n, err := setAside(dir)
	if err != nil || n != len(outputs)+1 {
		t.Fatalf("setAside = %d, %v; want %d moved", n, err, len(outputs)+1)
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
	if n, err := setAside(dir); err != nil || n != 0 {
		t.Errorf("setAside again = %d, %v; want 0", n, err)
	}
	if _, err := os.Stat(filepath.Join(dir, PreviousDir, "summary.json")); err != nil {
		t.Errorf("previous/ emptied by a lab with nothing to set aside: %v", err)
	}
}
