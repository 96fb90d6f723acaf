// Package syncbuf is a bytes.Buffer that many goroutines may write at once: what a test hands to a
// logger or a metrics writer that a handler uses from several goroutines, to read back afterwards.
package syncbuf

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer is a goroutine-safe bytes.Buffer. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Lines returns the non-empty lines written so far that contain sub.
func (s *Buffer) Lines(sub string) []string {
	var out []string
	for _, l := range strings.Split(s.String(), "\n") {
		if l != "" && strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}
