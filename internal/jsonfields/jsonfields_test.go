package jsonfields

import (
	"reflect"
	"testing"
)

type embedded struct{ Key string }

type sample struct {
	Name    string
	Renamed int    `json:"count,omitempty"`
	Skipped string `json:"-"`
	hidden  string
	embedded
	Tagged embedded `json:"tagged"`
}

// The names encoding/json decodes, and no other.
func TestOf(t *testing.T) {
	got := Of(reflect.TypeFor[sample]())
	want := map[string]reflect.Type{"Name": reflect.TypeFor[string](), "count": reflect.TypeFor[int](),
		"Key": reflect.TypeFor[string](), "tagged": reflect.TypeFor[embedded]()}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Of = %v, want %v", got, want)
	}
	_ = sample{}.hidden
}

// Kind names the JSON kind each Go type is decoded from.
func TestKind(t *testing.T) {
	var n *int
	for _, c := range []struct {
		v    any
		want string
	}{{"", "string"}, {true, "boolean"}, {1.5, "number"}, {uint8(1), "number"}, {n, "number"},
		{[]string{}, "array"}, {map[string]int{}, "object"}, {struct{}{}, "object"}} {
		if got := Kind(reflect.TypeOf(c.v)); got != c.want {
			t.Errorf("Kind(%T) = %s, want %s", c.v, got, c.want)
		}
	}
	if got := Kind(nil); got != "value" {
		t.Errorf("Kind(nil) = %s, want value", got)
	}
}
