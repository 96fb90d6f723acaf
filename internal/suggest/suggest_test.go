package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"pause", "pause", 0}, {"", "abc", 3}, {"pasue", "pause", 1}, {"pause", "paus", 1},
		{"pause", "pauze", 1}, {"nmae", "name", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestNearest(t *testing.T) {
	known := []string{"pause", "poll", "window", "tolerance", "steady_state_hypothesis"}
	for word, want := range map[string]string{
		"pasue": "pause", "Pause": "pause", "windows": "window", "tolerence": "tolerance",
		"steady_state": "steady_state_hypothesis", "zzzz": "", "pa": "", "pol": "poll",
	} {
		if got := Nearest(word, known); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestHint(t *testing.T) {
	if got := Hint("intervall", []string{"probe", "interval"}); got != `; did you mean "interval"?` {
		t.Errorf("Hint(intervall) = %q", got)
	}
	if got := Hint("zzz", []string{"probe", "interval"}); got != "" {
		t.Errorf("Hint(zzz) = %q, want none", got)
	}
}
