package syncbuf

import (
	"fmt"
	"sync"
	"testing"
)

func TestConcurrentWritesKeepLinesWhole(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				fmt.Fprintf(&b, "goroutine %d line %d\n", g, i)
			}
		}()
	}
	wg.Wait()
	if n := len(b.Lines("goroutine")); n != 800 {
		t.Errorf("%d lines, want 800", n)
	}
	if n := len(b.Lines("goroutine 3 ")); n != 100 {
		t.Errorf("%d lines of goroutine 3, want 100", n)
	}
	if got := b.Lines("nothing like this"); got != nil {
		t.Errorf("Lines of an absent string = %q, want none", got)
	}
}
