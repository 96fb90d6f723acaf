package jsonfields

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The three ways a reader meets a JSON value (its raw text, the value decoded into an interface
// with or without UseNumber, a decoder's first token) name it alike, and a message says it with its
// article.
func TestKindsAgree(t *testing.T) {
	for _, c := range []struct{ text, kind, a string }{
		{`"x"`, "string", "a string"}, {` -1.5e3`, "number", "a number"}, {"0", "number", "a number"},
		{"true", "boolean", "a boolean"}, {"false", "boolean", "a boolean"}, {"null", "null", "null"},
		{"\n[1, 2]", "array", "an array"}, {`{"a": 1}`, "object", "an object"},
	} {
		if got := RawKind([]byte(c.text)); got != c.kind {
			t.Errorf("RawKind(%q) = %s, want %s", c.text, got, c.kind)
		}
		var plain, numbered any
		if err := json.Unmarshal([]byte(c.text), &plain); err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(c.text)))
		dec.UseNumber()
		if err := dec.Decode(&numbered); err != nil {
			t.Fatal(err)
		}
		if got := ValueKind(plain); got != c.kind {
			t.Errorf("ValueKind(%#v) = %s, want %s", plain, got, c.kind)
		}
		if got := ValueKind(numbered); got != c.kind {
			t.Errorf("ValueKind(%#v) with UseNumber = %s, want %s", numbered, got, c.kind)
		}
		dec = json.NewDecoder(bytes.NewReader([]byte(c.text)))
		dec.UseNumber()
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		if got := TokenKind(tok); got != c.kind {
			t.Errorf("TokenKind(%#v) = %s, want %s", tok, got, c.kind)
		}
		if got := A(c.kind); got != c.a {
			t.Errorf("A(%s) = %s, want %s", c.kind, got, c.a)
		}
	}
	if got := RawKind([]byte(" \n")); got != "nothing" || A(got) != "nothing" {
		t.Errorf("RawKind of white space = %s (%s), want nothing", got, A(got))
	}
}
