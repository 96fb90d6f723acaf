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
