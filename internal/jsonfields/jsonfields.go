// Package jsonfields lists the JSON members a Go struct type decodes, by their exact names, as
// encoding/json names them (the json tag's name, else the field's; "-" and unexported fields
// left out; an untagged embedded struct's fields promoted), and names the JSON kind a Go type
// decodes from (Kind) and the kind of a value met in JSON, raw, decoded or a token (RawKind,
// ValueKind, TokenKind), in one wording for every "want a string, got an array". The experiment
// format's checker (experiments), the local cloud's exact-case decoder (local/internal/exactjson)
// and lab-compare's summary reader walk JSON along Go types with it; the ETL function and the local
// SNS's filter policies name what they got with it.
package jsonfields

import (
	"reflect"
	"strings"
	"sync"
)

var cache sync.Map // reflect.Type → map[string]reflect.Type

// Of maps each JSON member name of struct type t to its field's type. The map is shared: do not
// change it.
func Of(t reflect.Type) map[string]reflect.Type {
	if m, ok := cache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range Of(ft) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	cache.Store(t, out)
	return out
}

// Kind names a Go type as the JSON value it is decoded from: string, boolean, number, array,
// object (a pointer's as its element's), or value.
func Kind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Pointer:
		return Kind(t.Elem())
	}
	return "value"
}
