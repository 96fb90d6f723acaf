// Package exactjson decodes an AWS JSON-protocol request body the way AWS reads it: an object's
// member fills a struct field only when its name is the field's exactly, and any other member is
// ignored. encoding/json also matches names without regard to case and keeps the last match, so
// {"Name": "a", "name": "b"} read as "b" in a service while the gateway's IAM check, which reads
// members exactly as AWS does, had authorized "a": one request read two ways.
package exactjson

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"

	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
)

// Unmarshal decodes data into v (a pointer) as json.Unmarshal does, but for member names, which
// must match a field's json name exactly; a member that matches none is dropped first, at every
// depth. Syntax errors are json.Unmarshal's own.
func Unmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return json.Unmarshal(data, v) // its error, in its words
	}
	if _, err := dec.Token(); err != io.EOF {
		return json.Unmarshal(data, v) // something after the value: its error too
	}
	b, err := json.Marshal(keep(reflect.TypeOf(v), tree))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// keep is tree with, in every object decoded into a struct, only the members t has a field for.
func keep(t reflect.Type, tree any) any {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return tree
	}
	switch x := tree.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonfields.Of(t)
			out := make(map[string]any, len(x))
			for k, v := range x {
				if ft, ok := fields[k]; ok {
					out[k] = keep(ft, v)
				}
			}
			return out
		case reflect.Map:
			for k, v := range x {
				x[k] = keep(t.Elem(), v)
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i := range x {
				x[i] = keep(t.Elem(), x[i])
			}
		}
	}
	return tree
}
