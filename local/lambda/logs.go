package lambda

import (
	"bytes"
	"fmt"
	"os"
	"sync"
)

// functionLog is a function's log stream: every line its sandboxes print, plus the START/END/REPORT
// lines Lambda adds, in one file per function. Lines that are EMF documents are also handed to the
// metric sink, as CloudWatch Logs does for a Lambda log group.
type functionLog struct {
	name string
	emf  func(function string, line []byte)
	// sink, when not nil, gets every line too, into group, in the stream of the sandbox that
	// printed it (Lambda's lines: the stream of the sandbox the invocation ran in).
	sink  LogSink
	group string

	mu   sync.Mutex
	file *os.File
}

// LogSink keeps the functions' log lines by log group and stream: the local CloudWatch Logs.
type LogSink interface {
	// NewStream makes group if it does not exist and names a new stream in it, for a sandbox
	// started now (the group is made when its function is created).
	NewStream(group string) string
	// Put adds a line (without its newline; the sink copies it) to stream of group.
	Put(group, stream string, line []byte)
}

func openLog(path, name string, emf func(string, []byte)) (*functionLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("function %s: log file: %w", name, err)
	}
	return &functionLog{name: name, emf: emf, file: f}, nil
}

// newStream names a new stream of the function's group for a sandbox ("" without a sink).
func (l *functionLog) newStream() string {
	if l.sink == nil {
		return ""
	}
	return l.sink.NewStream(l.group)
}

// line writes one line to the file and, into stream, to the sink.
func (l *functionLog) line(stream string, b []byte) {
	l.mu.Lock()
	l.file.Write(append(b[:len(b):len(b)], '\n')) // one write per line; a copy, b is the caller's
	l.mu.Unlock()
	if l.sink != nil && stream != "" {
		l.sink.Put(l.group, stream, b)
	}
	if l.emf != nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) && bytes.Contains(b, []byte(`"_aws"`)) {
		l.emf(l.name, b)
	}
}

func (l *functionLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.file.Close()
}

// maxTail is how much of an invocation's log X-Amz-Log-Type: Tail returns: its last 4 KB, as Lambda's
// LogResult (botocore's model: "the last 4 KB of the execution log").
const maxTail = 4096

// logTail keeps the end of one invocation's log: Lambda's own lines around it (START, END, REPORT)
// and those its sandbox printed while it ran. A nil *logTail keeps nothing.
type logTail struct {
	mu sync.Mutex
	b  []byte
}

func (t *logTail) add(line []byte) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(append(t.b, line...), '\n')
	if len(t.b) > maxTail {
		t.b = t.b[len(t.b)-maxTail:]
	}
}

// bytes is the tail kept so far.
func (t *logTail) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.b)
}
