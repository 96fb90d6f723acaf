package jsonfields

import (
	"bytes"
	"encoding/json"
)

// The JSON kinds of values met in a message ("want a string, got an array"), one wording for every
// reader: an experiment file's checker, the ETL function's document reader, the local SNS's filter
// policies, lab-compare's summary reader. Kind names a Go type by the same words.

// RawKind names the JSON value raw holds, by its first byte after white space: string, number,
// boolean, null, array, object, or nothing (raw is empty). It does not check the rest: raw is a
// value encoding/json has already read whole (a json.RawMessage).
func RawKind(raw []byte) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// ValueKind names a value encoding/json decoded into an interface: nil is null, a map an object, a
// slice an array, json.Number and float64 numbers; anything else is a value.
func ValueKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "value"
}

// TokenKind names a json.Decoder's token: an object or an array by its opening delimiter, a
// string, a number (json.Number or float64), a boolean, null; anything else (a closing delimiter)
// is a value.
func TokenKind(tok json.Token) string {
	switch tok {
	case json.Delim('{'):
		return "object"
	case json.Delim('['):
		return "array"
	}
	return ValueKind(tok)
}

// A is kind as a message says it, with its article: "a string", "an array", "an object"; null and
// nothing as they are.
func A(kind string) string {
	switch kind {
	case "null", "nothing":
		return kind
	case "array", "object":
		return "an " + kind
	}
	return "a " + kind
}
