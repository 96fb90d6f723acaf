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

// aside is an earlier lab's outputs that setAside moved into previous/. The lab before those stays
// in previous.old until Keep removes it, once this lab has run a trial, or Undo puts everything
// back, for a lab stopped before any trial ran: it has no results of its own to stand in for the
// last lab's, and two such stops in a row lost the last real lab's journals.
type aside struct {
	results string
	names   []string // moved into previous/
	older   bool     // an older previous/ waits in previous.old
}

// setAside moves the earlier lab's outputs in results into results/previous (an older previous
// waits in previous.old: aside.Keep, aside.Undo) and reports how many it moved. Other files stay
// (the lock, the synth's log, anything a user put there; results may be the lab's -dir too).
func setAside(results string) (*aside, error) {
	a := &aside{results: results}
	entries, err := os.ReadDir(results)
	if err != nil {
		return a, err
	}
	for _, e := range entries {
		if labOutput.MatchString(e.Name()) {
			a.names = append(a.names, e.Name())
		}
	}
	if len(a.names) == 0 {
		return a, nil
	}
	// Gathered in a folder of its own, then swapped in for previous/: a failure on the way leaves
	// the older previous/ whole, and the files not yet moved where they were.
	prev := filepath.Join(results, PreviousDir)
	next, err := os.MkdirTemp(results, PreviousDir+".new-")
	if err != nil {
		return a, err
	}
	if err := os.Chmod(next, 0o755); err != nil { // as the results directory's other folders
		return a, err
	}
	for _, n := range a.names {
		if err := os.Rename(filepath.Join(results, n), filepath.Join(next, n)); err != nil {
			return a, err
		}
	}
	old := prev + ".old"
	if err := os.RemoveAll(old); err != nil {
		return a, err
	}
	if err := os.Rename(prev, old); err == nil {
		a.older = true
	} else if !os.IsNotExist(err) {
		return a, err
	}
	return a, os.Rename(next, prev)
}

// Moved is how many files and folders setAside moved.
func (a *aside) Moved() int { return len(a.names) }

// Keep removes the lab before the last one for good (previous.old).
func (a *aside) Keep() error {
	if !a.older {
		return nil
	}
	a.older = false
	return os.RemoveAll(filepath.Join(a.results, PreviousDir) + ".old")
}

// Undo moves the last lab's outputs back from previous/ and the lab before it back into previous/:
// the results directory as it was before setAside. Nothing of this lab's may be there by then.
func (a *aside) Undo() error {
	if len(a.names) == 0 {
		return nil
	}
	prev := filepath.Join(a.results, PreviousDir)
	for _, n := range a.names {
		if err := os.Rename(filepath.Join(prev, n), filepath.Join(a.results, n)); err != nil {
			return err
		}
	}
	if err := os.Remove(prev); err != nil {
		return err
	}
	a.names = nil
	if a.older {
		a.older = false
		return os.Rename(prev+".old", prev)
	}
	return nil
}
