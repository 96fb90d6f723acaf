package logs

import "testing"

// Any filter pattern parses or is refused, and a parsed one matches any message, without panicking.
func FuzzFilterPattern(f *testing.F) {
	for _, s := range []string{`ERROR "Task timed out" ?a -b`, `{ $.level = "ERROR" && ($.n > 3 || $.k[0] IS NULL) }`,
		`{ $.a NOT EXISTS }`, `{ $.a = "x*y" }`, `[a, b]`, `"unclosed`, `{ $.[`, `{ $.a[`, `{ (`} {
		f.Add(s, `{"level":"ERROR","n":4,"k":[null],"a":"xzy"}`)
	}
	f.Fuzz(func(t *testing.T, p, msg string) {
		pt, err := parsePattern(p)
		if err != nil {
			return
		}
		pt.match(msg)
	})
}
