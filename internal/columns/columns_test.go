package columns

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"text/tabwriter"
)

// The CLI's tables of ASCII text come out byte for byte as text/tabwriter wrote them: its column
// blocks (a line with fewer cells ends one), lines with no tab, a last line without a newline,
// empty cells and several Flushes.
func TestASCIIAsTabwriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"", "a", "bb", "PHASE", "normal-error-rates", "12.5 (no data)", "[0.0, 5.0]", "FAIL (deviated)", " ", "x y"}
	for i := 0; i < 2000; i++ {
		var text strings.Builder
		for l := rng.IntN(6); l >= 0; l-- {
			for c := rng.IntN(5); c > 0; c-- {
				text.WriteString(words[rng.IntN(len(words))] + "\t")
			}
			text.WriteString(words[rng.IntN(len(words))])
			if l > 0 || rng.IntN(2) == 0 {
				text.WriteString("\n")
			}
		}
		var want, got bytes.Buffer
		tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
		cw := NewWriter(&got, 2)
		for _, part := range strings.SplitAfter(text.String(), "\n\n") { // a Flush between some lines
			tw.Write([]byte(part))
			tw.Flush()
			cw.Write([]byte(part))
			if err := cw.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		if got.String() != want.String() {
			t.Fatalf("input %q:\ngot\n%s\nwant (text/tabwriter)\n%s", text.String(), got.String(), want.String())
		}
	}
}

// Wide characters take two columns and combining marks none: each line's cells start at the same
// terminal column, where text/tabwriter counted runes (the next cell of a row with a wide
// character started right of the others', one with a combining mark left of them).
func TestWideAndCombining(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, 2)
	w.Write([]byte("PHASE\tPROBE\tVALUE\n" +
		"before\t遅延なし\t0.5\n" +
		"after\te\u0301-accent\t15.3\n" + // e and U+0301: one column
		"after\t🔥-errors\t2\n" +
		"after\tplain\t1\n"))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var at []int
	for _, l := range lines {
		i := strings.LastIndex(l, "  ")
		at = append(at, Width(l[:i+2]))
	}
	for i, a := range at {
		if a != at[0] {
			t.Errorf("line %d's last cell starts at column %d, the header's at %d:\n%s", i, a, at[0], out.String())
		}
	}
	for s, want := range map[string]int{"abc": 3, "遅延": 4, "e\u0301": 1, "\u00e9": 1, "ｆｕｌｌ": 8, "🔥": 2, "한국": 4, "a\u200db": 2} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
}
