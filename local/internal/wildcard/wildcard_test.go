package wildcard

import "testing"

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"input/*", "input/a/b.json", true}, {"*/b.json", "input/a/b.json", true}, {"a*b*c", "a-b-b-c", true},
		{"ab*ba", "aba", false}, {"*", "", true}, {"x", "x", true}, {"x", "xy", false}, {"a*", "b", false}, {"*a*", "bab", true},
	} {
		if got := Match(c.p, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %t, want %t", c.p, c.s, got, c.want)
		}
	}
}
