package lambda

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
)

// functionLog is a function's log stream: every line its sandboxes print, plus the START/END/REPORT
// lines Lambda adds, in one file per function. Lines that are EMF documents are also handed to the
// metric sink, as CloudWatch Logs does for a Lambda log group.
type functionLog struct {
	name string
	emf  func(function string, line []byte)

	mu   sync.Mutex
	file *os.File
}

func openLog(path, name string, emf func(string, []byte)) (*functionLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("function %s: log file: %w", name, err)
	}
	return &functionLog{name: name, emf: emf, file: f}, nil
}

// copy reads r line by line until EOF.
func (l *functionLog) copy(r io.Reader) {
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			l.line(bytes.TrimRight(line, "\r\n"))
		}
		if err != nil {
			return
		}
	}
}

func (l *functionLog) line(b []byte) {
	l.mu.Lock()
	l.file.Write(append(b[:len(b):len(b)], '\n')) // one write per line; a copy, b is the caller's
	l.mu.Unlock()
	if l.emf != nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) && bytes.Contains(b, []byte(`"_aws"`)) {
		l.emf(l.name, b)
	}
}

func (l *functionLog) printf(format string, args ...any) {
	l.line([]byte(fmt.Sprintf(format, args...)))
}

func (l *functionLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.file.Close()
}
