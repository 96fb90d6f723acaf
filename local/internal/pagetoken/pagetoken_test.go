package pagetoken

import (
	"strings"
	"testing"
)

func TestAfterAndLast(t *testing.T) {
	tok := After("DescribeParameters", "/a/b")
	if last, ok := Last(tok, "DescribeParameters"); !ok || last != "/a/b" {
		t.Errorf("Last of its own listing: %q %v", last, ok)
	}
	for _, tc := range []struct{ token, listing string }{
		{tok, "GetParameterHistory"}, // another listing's
		{"not base64!", "DescribeParameters"},
		{"", "DescribeParameters"},
	} {
		if last, ok := Last(tc.token, tc.listing); ok {
			t.Errorf("Last(%q, %s) = %q, want it refused", tc.token, tc.listing, last)
		}
	}
}

func TestScope(t *testing.T) {
	a := Scope("ListExecutions", "arn:m", "RUNNING")
	if a != Scope("ListExecutions", "arn:m", "RUNNING") {
		t.Error("the same request's scope differs")
	}
	for _, other := range []string{
		Scope("ListExecutions", "arn:m", ""),
		Scope("ListExecutions", "arn:mRUNNING"),
		Scope("ListExecutions", "arn:m", "RUNNING", ""),
		Scope("ListStateMachines", "arn:m", "RUNNING"),
	} {
		if other == a {
			t.Errorf("another request's scope is the same: %q", other)
		}
	}
	// A token of one request is refused for another.
	if _, ok := Last(After(a, "7"), Scope("ListExecutions", "arn:m", "")); ok {
		t.Error("a token read under another request's scope")
	}
	if last, ok := Last(After(a, "7"), a); !ok || last != "7" {
		t.Errorf("Last under its own scope: %q %v", last, ok)
	}
}

// Page walks a sorted listing to its end, each key once, and refuses another listing's token.
func TestPage(t *testing.T) {
	keys := []string{"a", "b", "c", "d", "e"}
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		from, to, next, ok := Page(keys, token, "L", 2)
		if !ok || pages > 3 {
			t.Fatalf("page %d: ok %t", pages, ok)
		}
		got = append(got, keys[from:to]...)
		if next == "" {
			break
		}
		token = next
	}
	if strings.Join(got, "") != "abcde" {
		t.Errorf("paged %q", got)
	}
	// A key deleted between pages shifts nothing: the next page starts after the last key answered.
	if from, to, _, _ := Page([]string{"a", "c", "d"}, After("L", "b"), "L", 2); from != 1 || to != 3 {
		t.Errorf("after a deleted b: [%d, %d)", from, to)
	}
	if _, _, _, ok := Page(keys, After("M", "b"), "L", 2); ok {
		t.Error("another listing's token taken")
	}
}
