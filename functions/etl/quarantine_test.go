package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// GIVEN text of 1- to 4-byte characters, WHEN it is cut at every length, THEN the cut never splits a
// character, keeps within the limit, keeps as much as fits, and says it cut.
func TestTruncateUTF8(t *testing.T) {
	for _, tt := range []struct{ name, s string }{
		{"2-byte é", strings.Repeat("é", 40)},
		{"3-byte €", strings.Repeat("€", 30)},
		{"4-byte 😀", strings.Repeat("😀", 20)},
		{"mixed", strings.Repeat("aé€😀", 10)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for n := 0; n <= len(tt.s)+1; n++ {
				got := truncateUTF8(tt.s, n)
				if !utf8.ValidString(got) {
					t.Fatalf("n=%d: %q is not valid UTF-8", n, got)
				}
				if len(got) > n {
					t.Fatalf("n=%d: %d bytes", n, len(got))
				}
				if n >= len(tt.s) {
					if got != tt.s {
						t.Fatalf("n=%d: %q, want the whole text", n, got)
					}
					continue
				}
				kept, ok := strings.CutSuffix(got, "…")
				if n >= len("…") && !ok {
					t.Fatalf("n=%d: %q does not end with …", n, got)
				}
				if !strings.HasPrefix(tt.s, kept) {
					t.Fatalf("n=%d: %q is not a prefix", n, kept)
				}
				if r, size := utf8.DecodeRuneInString(tt.s[len(kept):]); ok && len(kept)+size+len("…") <= n {
					t.Fatalf("n=%d: %q stops before %q, which fits", n, kept, r)
				}
			}
		})
	}
	// At the ErrorDetail limit: 1024 - 3 bytes for "…" leave room for 340⅓ €: the cut backs off to 340.
	if got, want := truncateUTF8(strings.Repeat("€", 400), maxDetail), strings.Repeat("€", 340)+"…"; got != want {
		t.Fatalf("%d bytes of € cut to %d: %d bytes, want %d", 1200, maxDetail, len(got), len(want))
	}
}

func TestAttrText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "input/a b.json", "input/a b.json"},
		{"tab, newline, CR kept", "a\tb\nc\rd", "a\tb\nc\rd"},
		{"multi-byte kept", "é€😀", "é€😀"},
		{"control characters replaced", "a\x00b\x01c\x1f", "a\uFFFDb\uFFFDc\uFFFD"},
		{"invalid UTF-8 replaced per byte", "a\xff\xfeb", "a\uFFFD\uFFFDb"},
		{"U+FFFE and U+FFFF replaced", "a\uFFFEb\uFFFF", "a\uFFFDb\uFFFD"},
		{"U+FFFD itself kept", "a\uFFFDb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := attrText(tt.in); got != tt.want {
				t.Fatalf("attrText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// GIVEN a poison record whose error text is longer than the ErrorDetail limit and made of
// multi-byte characters, THEN its ErrorDetail reaches the error queue cut on a character boundary.
func TestResilientErrorDetailCutOnCharacter(t *testing.T) {
	l := newLab(t, ScenarioResilient, faultsOff)
	for i, ch := range []string{"é", "€", "😀"} {
		key := fmt.Sprintf("input/%d-%s.json", i, strings.Repeat(ch, 900/len(ch))) // ~900 bytes: S3 allows 1024
		resp, err := l.invoke(context.Background(), event(l.message(notification(l.bucket, key))))
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("%s: %+v, %v; want the missing object parked", key, resp, err)
		}
	}
	got := l.errorReasons()
	if len(got) != 3 {
		t.Fatalf("error queue holds %d records, want 3", len(got))
	}
	for key, a := range got {
		d := a["ErrorDetail"]
		if a["ErrorReason"] != ReasonNoSuchObject || !utf8.ValidString(d) || len(d) > maxDetail || !strings.HasSuffix(d, "…") {
			t.Errorf("%.20s…: reason %s, ErrorDetail of %d bytes (valid UTF-8 %v) ending %q; want %s, a cut ≤ %d bytes",
				key, a["ErrorReason"], len(d), utf8.ValidString(d), d[max(0, len(d)-8):], ReasonNoSuchObject, maxDetail)
		}
	}
}
