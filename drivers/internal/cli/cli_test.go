package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"testing"
)

func TestCodeAndReport(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    int
		printed string
	}{
		{name: "nil", err: nil, code: 0},
		{name: "help", err: flag.ErrHelp, code: 0},
		{name: "usage", err: Usagef("bad -x"), code: 2, printed: "error: bad -x\n"},
		{name: "wrapped exit code", err: fmt.Errorf("run: %w", Exit(1, errors.New("deviated"))), code: 1, printed: "error: run: deviated\n"},
		{name: "silent exit code", err: Exit(1, nil), code: 1},
		{name: "other error takes the fallback", err: errors.New("boom"), code: 7, printed: "error: boom\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if got := Report(&b, tt.err, 7); got != tt.code {
				t.Fatalf("code %d, want %d", got, tt.code)
			}
			if b.String() != tt.printed {
				t.Fatalf("printed %q, want %q", b.String(), tt.printed)
			}
		})
	}
}
