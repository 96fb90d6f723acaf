package lab

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cdkapp"
)

// interruptLine is what the lab prints on its own output when it is interrupted: the trials' runners
// say their interrupt in each trial's log only, and a lab stopped with Ctrl-C printed nothing of it
// until its end, nor that a second Ctrl-C leaves at once.
const interruptLine = "==> interrupted: each trial stops its execution, switches its fault off and writes what it did so far; then the local cloud(s) stop (a Ctrl-C more than a second from now leaves at once, and says what it leaves)"

// leaveStage is how far the lab has come, for what a second Ctrl-C leaves (leaver).
type leaveStage int

const (
	leaveRunning        leaveStage = iota // trials running or stopping; the clouds up
	leaveStoppingClouds                   // the local clouds being stopped
	leaveStopped                          // every process the lab started is stopped
)

// leaver keeps Config.LeaveNote (cli.SetLeaveNote for chaoslab lab) up to date as the lab goes:
// what a second Ctrl-C, which leaves at once, would leave behind. Without it the lab left silently
// (exit 130 after "==> stop the local cloud(s)"), its cloud's state file and key in its -dir.
type leaver struct {
	note    func(string) // nil: nothing to tell
	root    string
	results string
	clouds  []string     // the clouds' directories
	started *atomic.Bool // a trial has started (Run's)
	mu      sync.Mutex
	// previous: the last lab's results are in previous/ (put back when no trial ran: putBack).
	previous bool
	written  []string // the summary.json files written so far
	stage    leaveStage
}

// wrote records a summary.json written at path, and tells the note again.
func (l *leaver) wrote(path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.written, path) {
		l.written = append(l.written, path)
	}
	l.tell()
}

// set tells the note of stage s.
func (l *leaver) set(s leaveStage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stage = s
	l.tell()
}

// refresh tells the note of the stage the lab is at again: at the interrupt, after the trials
// started since the last one told.
func (l *leaver) refresh() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tell()
}

// putBack records that the last lab's results are back from previous/.
func (l *leaver) putBack() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.previous = false
	l.tell()
}

// tell gives the note, l.mu held.
func (l *leaver) tell() {
	if l.note != nil {
		l.note(l.text())
	}
}

// text is the note of the lab's stage, with the summaries written so far; l.mu held.
func (l *leaver) text() string {
	written := l.written
	rel := func(p string) string { return cdkapp.Rel(l.root, p) }
	var results string
	switch {
	case len(written) > 0:
		results = "the results so far are written: " + rel(written[len(written)-1]) + " and the results page"
	case l.started != nil && l.started.Load():
		results = "no summary.json or index.html written: each trial's log, and the journals and reports written by then, are in " + rel(l.results)
	case l.previous:
		results = "no trial had started: the last lab's results are in " + rel(filepath.Join(l.results, PreviousDir)) + ", not put back"
	default:
		results = "no trial had started"
	}
	var downs []string
	for _, d := range l.clouds {
		downs = append(downs, fmt.Sprintf("`chaoslab local down -dir %s`", rel(d)))
	}
	down := strings.Join(downs, ", ")
	switch l.stage {
	case leaveStoppingClouds:
		return fmt.Sprintf("left at once while the local cloud(s) were stopping: %s; %s stops what is left of it and removes the state file and key it leaves in its directory", results, down)
	case leaveStopped:
		return fmt.Sprintf("left at once: every process the lab started is stopped; %s", results)
	}
	return fmt.Sprintf("left at once, before the lab's end: %s; the local cloud(s) were not stopped: %s stops what is left of it and removes the state file and key it leaves in its directory", results, down)
}
