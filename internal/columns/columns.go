// Package columns aligns tab-separated cells in columns by the width a terminal gives them, as
// text/tabwriter aligns them by their count of runes: a probe named 遅延 takes four columns on a
// terminal, not two, and one named with a combining accent (e + U+0301) takes one, not two. The
// rules are text/tabwriter's (a cell is the text before a tab; the text after a line's last tab is
// no column's; a column runs over the consecutive lines that have a cell in it) for tabs and
// newlines, with its settings as the CLI uses them: no minimum width, spaces for padding, cells
// left-aligned. Its other controls are not read: '\v' and '\f' are text here, and so are the tabs
// between two 0xff bytes (its escapes); the CLI's tables write none of them.
package columns

import (
	"io"
	"strings"
	"unicode"
)

// Writer buffers what is written and writes it aligned at Flush.
type Writer struct {
	out     io.Writer
	padding int
	buf     strings.Builder

	lines  [][]string // the lines of a Flush, split into cells
	widths []int      // the widths of the columns being formatted (format)
	b      strings.Builder
}

// NewWriter returns a Writer to w that puts at least padding spaces after each cell of a column.
func NewWriter(w io.Writer, padding int) *Writer {
	return &Writer{out: w, padding: padding}
}

// Write buffers p; nothing reaches the underlying writer before Flush.
func (t *Writer) Write(p []byte) (int, error) {
	return t.buf.Write(p)
}

// Flush writes what was written, aligned, and empties the buffer.
func (t *Writer) Flush() error {
	text := t.buf.String()
	t.buf.Reset()
	if text == "" {
		return nil
	}
	t.lines = t.lines[:0]
	for _, l := range strings.SplitAfter(text, "\n") {
		if l == "" {
			continue // after the last newline
		}
		cells := strings.Split(l, "\t")
		if n := len(cells); n > 1 && cells[n-1] == "" {
			// A last line without a newline ends with the cell a tab ended: no cell follows it
			// (text/tabwriter), so that cell is no column's.
			cells = cells[:n-1]
		}
		t.lines = append(t.lines, cells)
	}
	t.b.Reset()
	t.widths = t.widths[:0]
	t.format(0, len(t.lines))
	_, err := io.WriteString(t.out, t.b.String())
	return err
}

// format writes lines [line0, line1) with the columns in t.widths, finding the blocks of the next
// column among them (text/tabwriter's Writer.format).
func (t *Writer) format(line0, line1 int) {
	column := len(t.widths)
	for this := line0; this < line1; this++ {
		if column >= len(t.lines[this])-1 {
			continue
		}
		// A cell in this column: the lines before the block are written, the block's width found.
		t.write(line0, this)
		line0 = this
		width := 0
		for ; this < line1 && column < len(t.lines[this])-1; this++ {
			if w := Width(t.lines[this][column]) + t.padding; w > width {
				width = w
			}
		}
		t.widths = append(t.widths, width)
		t.format(line0, this)
		t.widths = t.widths[:len(t.widths)-1]
		line0 = this
	}
	t.write(line0, line1)
}

// write writes lines [line0, line1), each cell of a column padded to the column's width.
func (t *Writer) write(line0, line1 int) {
	for _, line := range t.lines[line0:line1] {
		for j, c := range line {
			t.b.WriteString(c)
			if j < len(t.widths) {
				t.b.WriteString(strings.Repeat(" ", max(t.widths[j]-Width(c), 0)))
			}
		}
	}
}

// Width is the number of terminal columns s takes: two for each East Asian wide or fullwidth
// character (CJK, Hangul, fullwidth forms, most emoji), none for a combining mark or a format
// character (a zero-width joiner, a variation selector), one for the rest.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case wide(r):
		return 2
	}
	return 1
}

// wideRanges are the East Asian Wide (W) and Fullwidth (F) characters of Unicode's
// EastAsianWidth.txt, in blocks (a few narrow characters inside the emoji blocks count as wide:
// terminals differ on them too).
var wideRanges = [][2]rune{
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC}, {0x23F0, 0x23F0}, {0x23F3, 0x23F3},
	{0x25FD, 0x25FE}, {0x2614, 0x2615}, {0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE}, {0x26D4, 0x26D4}, {0x26EA, 0x26EA},
	{0x26F2, 0x26F3}, {0x26F5, 0x26F5}, {0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797},
	{0x27B0, 0x27B0}, {0x27BF, 0x27BF}, {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
	{0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xA4CF}, {0xA960, 0xA97F},
	{0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6},
	{0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1AFF0, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
	{0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F64F},
	{0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
	{0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
}

func wide(r rune) bool {
	lo, hi := 0, len(wideRanges)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < wideRanges[m][0]:
			hi = m
		case r > wideRanges[m][1]:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}
