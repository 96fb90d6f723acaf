package experiments

import (
	"strings"
	"testing"
)

func TestParseReportsLine(t *testing.T) {
	_, err := Parse([]byte("{\n \"title\": 1\n}"), "x.json", nil, ".")
	if err == nil || !strings.Contains(err.Error(), "x.json: title: want string") {
		t.Fatalf("err = %v", err)
	}
	_, err = Parse([]byte("{\n \"title\": ,\n}"), "x.json", nil, ".")
	if err == nil || !strings.Contains(err.Error(), "x.json: line 2 column") {
		t.Fatalf("err = %v", err)
	}
}
