// Package suggest names the known word nearest a mistyped one, for the "did you mean" of an
// error: an experiment file's unknown key, a FIS template's unknown member, a fault value's unknown
// field, a command line's undefined flag.
package suggest

import (
	"slices"
	"strconv"
	"strings"
)

// Hint is `; did you mean "<word>"?` naming the word of known nearest word (Nearest), for the end
// of an "unknown ..." reason; "" when none is near.
func Hint(word string, known []string) string {
	if s := Nearest(word, known); s != "" {
		return "; did you mean " + strconv.Quote(s) + "?"
	}
	return ""
}

// Nearest is the word of known closest to word: the same but for case, one a prefix of the other
// (when word has four characters or more), or at most two edits away (a character inserted,
// deleted or replaced, two neighbours swapped); "" when none is. Of two as close, the first in
// sorted order.
func Nearest(word string, known []string) string {
	best, bestDist := "", 3
	lword := strings.ToLower(word)
	for _, k := range slices.Sorted(slices.Values(known)) {
		lk := strings.ToLower(k)
		d := Distance(lk, lword)
		if lk == lword {
			d = 0
		} else if len(lword) >= 4 && (strings.HasPrefix(lk, lword) || strings.HasPrefix(lword, lk)) {
			d = min(d, 2)
		}
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// Distance is the optimal string alignment distance of a and b, byte by byte: the fewest
// insertions, deletions, replacements and swaps of two neighbours that make one the other, no
// part edited twice.
func Distance(a, b string) int {
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
