package experiments

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  []string // word texts
		subst map[int]string
	}{
		{name: "plain", in: "ssm put-parameter --name x", want: []string{"ssm", "put-parameter", "--name", "x"}},
		{name: "blanks", in: "  a \t b\n", want: []string{"a", "b"}},
		{name: "single quotes keep JSON", in: `--value '{"isEnabled": false}'`, want: []string{"--value", `{"isEnabled": false}`}},
		{name: "seed escaped JSON", in: `--value '{\"isEnabled\": true}'`, want: []string{"--value", `{\"isEnabled\": true}`}},
		{name: "double quotes with escapes", in: `--value "{\"a\": \"b c\"}"`, want: []string{"--value", `{"a": "b c"}`}},
		{name: "double quotes keep other backslashes", in: `"a\nb"`, want: []string{`a\nb`}},
		{name: "backslash outside quotes", in: `a\ b c`, want: []string{"a b", "c"}},
		{name: "empty quotes make a word", in: `a '' b`, want: []string{"a", "", "b"}},
		{name: "adjacent quoting joins", in: `'a'"b"c`, want: []string{"abc"}},
		{name: "backquote substitution", in: "--start-time `date --date '5 min ago' -u`", want: []string{"--start-time", "`date --date '5 min ago' -u`"}, subst: map[int]string{1: "date --date '5 min ago' -u"}},
		{name: "dollar substitution", in: "--end-time $(date -u '+%H')", want: []string{"--end-time", "$(date -u '+%H')"}, subst: map[int]string{1: "date -u '+%H'"}},
		{name: "substitution in double quotes", in: "\"`date -u`\"", want: []string{"`date -u`"}, subst: map[int]string{0: "date -u"}},
		{name: "substitution with text is not a plain substitution", in: "x`date`", want: []string{"x`date`"}},
		{name: "line continuation", in: "a \\\nb", want: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SplitWords(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d words %q, want %q", len(got), got, tt.want)
			}
			for i, w := range got {
				if w.Text != tt.want[i] {
					t.Errorf("word %d = %q, want %q", i, w.Text, tt.want[i])
				}
				if w.Subst != tt.subst[i] {
					t.Errorf("word %d subst = %q, want %q", i, w.Subst, tt.subst[i])
				}
			}
		})
	}
}

func TestSplitWordsErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "unterminated single", in: `--value '{"a"`, want: "unterminated single quote"},
		{name: "unterminated double", in: `"abc`, want: "unterminated double quote"},
		{name: "unterminated backquote", in: "`date", want: "unterminated backquote"},
		{name: "unterminated dollar paren", in: "$(date", want: "unterminated $("},
		{name: "pipe", in: "cloudwatch get-metric-data | jq", want: "shell operator '|'"},
		{name: "redirect", in: "a > b", want: "shell operator '>'"},
		{name: "shell variable", in: "--name $PARAM", want: "shell variable $PARAM"},
		{name: "trailing backslash", in: `a\`, want: "trailing backslash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SplitWords(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDateOffset(t *testing.T) {
	tests := []struct {
		name string
		cmd  string
		want int
	}{
		{name: "seed start", cmd: "date --date '5 min ago' -u '+%Y-%m-%dT%H:%M:%SZ'", want: 300},
		{name: "seed end", cmd: "date -u '+%Y-%m-%dT%H:%M:%SZ'", want: 0},
		{name: "short flag", cmd: "date -u -d '15 minutes ago'", want: 900},
		{name: "equals form", cmd: "date --date='1 hour ago'", want: 3600},
		{name: "seconds", cmd: "date -d '90 sec ago'", want: 90},
		{name: "macOS", cmd: "date -u -v-5M '+%Y-%m-%dT%H:%M:%SZ'", want: 300},
		{name: "now", cmd: "date --date now", want: 0},
		{name: "a week", cmd: "date -d '1 week ago'", want: 7 * 86400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dateOffset(tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
	// GNU date reads a single letter as a military time zone: '5 m ago' is an invalid date to it.
	for _, bad := range []string{"date --date '2021-01-01'", "ls", "date -r file", "date -d '5 m ago'", "date -d '30 s ago'", "date -d '2 d ago'"} {
		if _, err := dateOffset(bad); err == nil {
			t.Errorf("dateOffset(%q): want an error", bad)
		}
	}
}

// quote single-quotes s for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// FuzzSplitWords: never panics, and words that are single-quoted round-trip exactly.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{"ssm put-parameter --value '{\"a\": 1}'", "`date -u`", "$(date '+%s')", `"a\"b"`, `a\ b`, "'", "\"`x`\""} {
		f.Add(s, "x y")
	}
	f.Fuzz(func(t *testing.T, line, word string) {
		_, _ = SplitWords(line)
		if !utf8.ValidString(word) {
			return // arguments come from JSON strings: always UTF-8
		}
		words := strings.Fields(word)
		var b strings.Builder
		for _, w := range words {
			b.WriteString(quote(w) + " ")
		}
		got, err := SplitWords(b.String())
		if err != nil {
			t.Fatalf("quoted words %q: %v", b.String(), err)
		}
		if len(got) != len(words) {
			t.Fatalf("quoted %q: got %d words, want %d", words, len(got), len(words))
		}
		for i := range words {
			if got[i].Text != words[i] {
				t.Fatalf("word %d = %q, want %q", i, got[i].Text, words[i])
			}
		}
	})
}

// A configuration ${name} in a process provider's arguments is Chaos Toolkit's, substituted before
// the line is split: left as it was (validate, no stack), it stays in its word, quoted or not,
// where a shell variable ($PARAM, ${PARAM} of no configuration) is still refused by the splitting.
func TestSplitWordsKeepingVars(t *testing.T) {
	words, err := splitWordsKeepingVars(`cloudwatch get-metric-statistics --dimensions Name=FunctionName,Value=${lambda_function} "--x=${a}b" '${c}' --end-time $(date -d '${d} min ago')`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range words {
		got = append(got, w.Text)
	}
	want := []string{"cloudwatch", "get-metric-statistics", "--dimensions", "Name=FunctionName,Value=${lambda_function}", "--x=${a}b", "${c}", "--end-time", "$(date -d '${d} min ago')"}
	if !slices.Equal(got, want) {
		t.Errorf("words %q, want %q", got, want)
	}
	if words[7].Subst != "date -d '${d} min ago'" {
		t.Errorf("the substitution's command %q", words[7].Subst)
	}
	if _, err := splitWordsKeepingVars(`--name $PARAM`); err == nil || !strings.Contains(err.Error(), "shell variable $PARAM") {
		t.Errorf("a shell variable: %v", err)
	}
	// An error's position is the line's, whatever ${name}s come before it.
	if _, err := splitWordsKeepingVars(`--x ${a}${bb}$B`); err == nil || !strings.Contains(err.Error(), "shell variable $B at character 14") {
		t.Errorf("a shell variable after two of the configuration: %v", err)
	}
}
