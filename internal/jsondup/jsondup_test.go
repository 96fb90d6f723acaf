package jsondup

import (
	"reflect"
	"testing"
)

func TestFind(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want []Twice
	}{
		{`{"a": 1, "b": {"c": [1, {"d": 1, "d": 2}]}}`, []Twice{{Path: "b.c[1]", Key: "d"}}},
		{`{"a": 1, "a": 2, "x": {"a": 1}, "a": 3}`, []Twice{{Key: "a"}, {Key: "a"}}},
		{`[{"k": 1}, {"k": 2}]`, nil},
		{`"a"`, nil},
	} {
		got, err := Find([]byte(c.doc))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Find(%s) = %v, %v; want %v", c.doc, got, err, c.want)
		}
	}
	if _, err := Find([]byte(`{"a": `)); err == nil {
		t.Error("Find of a truncated document: no error")
	}
	if at := (Twice{Path: "Statement[0].Condition", Key: "StringEquals"}).At(); at != "Statement[0].Condition.StringEquals" {
		t.Errorf("At = %q", at)
	}
}
