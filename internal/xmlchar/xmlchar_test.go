package xmlchar

import "testing"

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"input/a b+c.json": true, "tab\tnewline\n": true, "emoji 🚀": true, "\uE000\uFFFD": true,
		"ctl\x01": false, "nul\x00": false, "\uFFFE": false, "invalid \xff": false, "\uD7FF": true,
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
