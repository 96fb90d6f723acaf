package cli

import (
	"io"
	"strings"
)

// Indent prefixes every line written to w with four spaces, for progress nested in a phase.
func Indent(w io.Writer) io.Writer { return Prefix(w, "    ") }

// Prefix prefixes every line written to w with prefix. Each Write is one write to w, so that
// writers sharing a serialised w (lanes of the lab on one stderr) never split each other's lines.
func Prefix(w io.Writer, prefix string) io.Writer { return &prefixWriter{w: w, prefix: prefix} }

type prefixWriter struct {
	w      io.Writer
	prefix string
	mid    bool // the last write ended inside a line
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	var out []byte
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		if !p.mid {
			out = append(out, p.prefix...)
		}
		out = append(out, line...)
		p.mid = !strings.HasSuffix(line, "\n")
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}
