package sfnname

import (
	"strings"
	"testing"
)

// The rule as AWS's documentation states it: 80 UTF-16 units at most; no white space, brackets,
// wildcards, control characters (C0 and C1) or "#%\^|~`$&,;:/.
func TestRule(t *testing.T) {
	if TooLong(strings.Repeat("n", 80)) || !TooLong(strings.Repeat("n", 81)) || !TooLong(strings.Repeat("😀", 41)) || TooLong(strings.Repeat("é", 80)) {
		t.Error("TooLong does not count UTF-16 units against 80")
	}
	for _, ok := range []string{"", "a", "exp_1-minor_delay-20261203T101010Z", "dé-jà", "a.b+c=d@e!f'g(h)"} {
		if r, bad := BadRune(ok); bad {
			t.Errorf("BadRune(%q) = %q, want none", ok, r)
		}
	}
	for name, want := range map[string]rune{"has space": ' ', "tab\there": '\t', "a\u00a0b": '\u00a0', "c1\u0085": '\u0085',
		"del\u007f": '\u007f', "nul\x00": 0, "a/b": '/', "[x]": '[', "50%": '%', "x`y": '`'} {
		if r, bad := BadRune(name); !bad || r != want {
			t.Errorf("BadRune(%q) = %q, %v; want %q", name, r, bad, want)
		}
	}
}
