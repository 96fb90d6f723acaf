package cloudwatch

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The protocol-neutral half of the codecs. A request body is first turned into a tree by its
// protocol (cbor.go, json.go, query.go):
//
//	map[string]any                     structure or map
//	[]any                              list
//	string, bool, time.Time, nil       leaves
//	float64, int64, uint64, json.Number numbers
//
// and decodeInto maps the tree onto an input struct (shapes.go), coercing the leaves the way each
// protocol writes them: the query protocol sends every leaf as a string, JSON 1.0 timestamps as
// epoch seconds, RPCv2-CBOR as tag 1. An output struct goes the other way through encodeTree into
// an ordered tree (obj, []any, dict, leaves) that each protocol writes out.

// obj is an encoded structure: its members in declaration order.
type obj []member

type member struct {
	name string
	v    any
}

// dict is an encoded map (e.g. Datapoint.ExtendedStatistics): keys sorted when written.
type dict map[string]any

var timeType = reflect.TypeOf(time.Time{})

type fieldInfo struct {
	index     int
	name      string
	omitempty bool
}

var fieldCache sync.Map // reflect.Type → []fieldInfo

// fieldsOf lists a struct type's members with their wire names.
func fieldsOf(t reflect.Type) []fieldInfo {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]fieldInfo)
	}
	var out []fieldInfo
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("cw"), ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, fieldInfo{index: i, name: name, omitempty: opts == "omitempty"})
	}
	fieldCache.Store(t, out)
	return out
}

// decodeInto sets *dst (a pointer to an input struct) from tree.
func decodeInto(tree any, dst any) error {
	return decodeValue(reflect.ValueOf(dst).Elem(), tree, "")
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func badValue(path, want string, v any) *apiErr {
	return invalid("The value %s for parameter %s is invalid: want %s.", leafString(v), path, want)
}

func leafString(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case map[string]any:
		return "(a structure)"
	case []any:
		return "(a list)"
	}
	return fmt.Sprint(v)
}

func decodeValue(dst reflect.Value, v any, path string) error {
	if v == nil {
		return nil
	}
	t := dst.Type()
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if err := decodeValue(p.Elem(), v, path); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	if t == timeType {
		tm, ok := asTime(v)
		if !ok {
			return badValue(path, "a timestamp", v)
		}
		dst.Set(reflect.ValueOf(tm))
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return badValue(path, "a string", v)
		}
		dst.SetString(s)
	case reflect.Bool:
		switch b := v.(type) {
		case bool:
			dst.SetBool(b)
		case string:
			pb, err := strconv.ParseBool(b)
			if err != nil {
				return badValue(path, "true or false", v)
			}
			dst.SetBool(pb)
		default:
			return badValue(path, "a boolean", v)
		}
	case reflect.Float64, reflect.Float32:
		f, ok := asFloat(v)
		if !ok {
			return badValue(path, "a number", v)
		}
		dst.SetFloat(f)
	case reflect.Int, reflect.Int32, reflect.Int64:
		f, ok := asFloat(v)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return badValue(path, "an integer", v)
		}
		dst.SetInt(int64(f))
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			return badValue(path, "a list", v)
		}
		s := reflect.MakeSlice(t, len(l), len(l))
		for i, e := range l {
			if err := decodeValue(s.Index(i), e, fmt.Sprintf("%s.member.%d", path, i+1)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return badValue(path, "a map", v)
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, e := range m {
			ev := reflect.New(t.Elem()).Elem()
			if err := decodeValue(ev, e, join(path, k)); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k), ev)
		}
		dst.Set(out)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return badValue(path, "a structure", v)
		}
		for _, f := range fieldsOf(t) {
			if e, ok := m[f.name]; ok {
				if err := decodeValue(dst.Field(f.index), e, join(path, f.name)); err != nil {
					return err
				}
			}
		}
	default:
		return fmt.Errorf("cloudwatch codec: unsupported field type %s at %s", t, path)
	}
	return nil
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case string:
		// The query protocol's numbers; JSON sends NaN and ±Infinity as strings too.
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// isoLayouts are the timestamp spellings accepted in strings (botocore's query serializer sends
// 2006-01-02T15:04:05Z or with .ffffff microseconds).
var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", time.RFC1123, time.RFC1123Z}

func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		for _, l := range isoLayouts {
			if t, err := time.Parse(l, x); err == nil {
				return t, true
			}
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil && finite(f) {
			return epoch(f), true
		}
		return time.Time{}, false
	}
	if f, ok := asFloat(v); ok && finite(f) {
		return epoch(f), true
	}
	return time.Time{}, false
}

// epoch converts epoch seconds to a time, to the millisecond (CloudWatch's precision).
func epoch(f float64) time.Time {
	return time.UnixMilli(int64(math.Round(f * 1e3))).UTC()
}

// epochSeconds is t as epoch seconds with millisecond precision.
func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1e3 }

// encodeTree turns an output struct into an ordered tree.
func encodeTree(v any) obj {
	o, _ := encodeValue(reflect.ValueOf(v), false)
	out, _ := o.(obj)
	if out == nil {
		out = obj{}
	}
	return out
}

// encodeValue returns the tree for v, or false for a member to leave out.
func encodeValue(v reflect.Value, omitempty bool) (any, bool) {
	t := v.Type()
	if t == timeType {
		return v.Interface().(time.Time), true
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil, false
		}
		return encodeValue(v.Elem(), false)
	case reflect.String:
		if omitempty && v.Len() == 0 {
			return nil, false
		}
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	case reflect.Int, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Slice:
		if omitempty && v.Len() == 0 {
			return nil, false
		}
		l := make([]any, 0, v.Len())
		for i := range v.Len() {
			if e, ok := encodeValue(v.Index(i), false); ok {
				l = append(l, e)
			}
		}
		return l, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		d := dict{}
		it := v.MapRange()
		for it.Next() {
			if e, ok := encodeValue(it.Value(), false); ok {
				d[it.Key().String()] = e
			}
		}
		return d, true
	case reflect.Struct:
		o := obj{}
		for _, f := range fieldsOf(t) {
			if e, ok := encodeValue(v.Field(f.index), f.omitempty); ok {
				o = append(o, member{f.name, e})
			}
		}
		return o, true
	}
	panic(fmt.Sprintf("cloudwatch codec: unsupported output type %s", t))
}

func (d dict) sortedKeys() []string {
	ks := make([]string, 0, len(d))
	for k := range d {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
