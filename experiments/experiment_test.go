package experiments

import (
	"strings"
	"testing"
)

func TestParseReportsLine(t *testing.T) {
	_, err := Parse([]byte("{\n \"title\": 1\n}"), "x.json", nil, ".")
	if err == nil || !strings.Contains(err.Error(), "x.json: line 2 column 12: title: want a JSON string, got JSON number") {
		t.Fatalf("err = %v", err)
	}
	// A field inside an array: the path has no index, the line says which element.
	_, err = Parse([]byte("{\"title\": \"t\", \"method\": [\n {\"name\": \"a\"},\n {\"name\": 7}\n]}"), "x.json", nil, ".")
	if err == nil || !strings.Contains(err.Error(), "x.json: line 3 column") || !strings.Contains(err.Error(), "want a JSON string, got JSON number") {
		t.Fatalf("err = %v", err)
	}
	_, err = Parse([]byte("{\n \"title\": ,\n}"), "x.json", nil, ".")
	if err == nil || !strings.Contains(err.Error(), "x.json: line 2 column") {
		t.Fatalf("err = %v", err)
	}
}
