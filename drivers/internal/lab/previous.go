package lab

import (
	"os"
	"path/filepath"
	"regexp"
)

// The results directory holds one lab: before a lab writes anything there, the files an earlier
// lab wrote (its summary, results page, run-N folders, and each trial's journal, report, series
// and log) move into previous/ there, in place of an older previous/. A lab stopped halfway left
// an earlier run's journals and reports beside its own, and a results page that read as this
// run's; deleting them would lose the earlier run, which stays one level back.

// PreviousDir is where a results directory keeps the lab before the last one.
const PreviousDir = "previous"

// labOutput matches the names a lab writes in its results directory.
var labOutput = regexp.MustCompile(`^(summary\.json|index\.html|run-\d+|(flawed|resilient)-.+\.(journal\.json|ctk\.json|report\.html|series\.json|log))$`)

// setAside moves the earlier lab's outputs in results into results/previous (an older previous
// is removed first) and reports how many it moved. Other files stay (the lock, the synth's log,
// anything a user put there; results may be the lab's -dir too).
func setAside(results string) (int, error) {
	entries, err := os.ReadDir(results)
	if err != nil {
		return 0, err
	}
	var names []string
	for _, e := range entries {
		if labOutput.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return 0, nil
	}
	// Gathered in a folder of its own, then swapped in for previous/: a failure on the way leaves
	// the older previous/ whole, and the files not yet moved where they were.
	prev := filepath.Join(results, PreviousDir)
	next, err := os.MkdirTemp(results, PreviousDir+".new-")
	if err != nil {
		return 0, err
	}
	if err := os.Chmod(next, 0o755); err != nil { // as the results directory's other folders
		return 0, err
	}
	for _, n := range names {
		if err := os.Rename(filepath.Join(results, n), filepath.Join(next, n)); err != nil {
			return 0, err
		}
	}
	old := prev + ".old"
	if err := os.RemoveAll(old); err != nil {
		return 0, err
	}
	if err := os.Rename(prev, old); err != nil && !os.IsNotExist(err) {
		return 0, err
	}
	if err := os.Rename(next, prev); err != nil {
		return 0, err
	}
	return len(names), os.RemoveAll(old)
}
