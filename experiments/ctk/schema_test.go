package ctk_test

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// A JSON Schema validator for the subset testdata/journal.schema.json uses (draft 2020-12): type,
// enum, required, properties, additionalProperties, items, anyOf, $ref to #/$defs, pattern,
// minimum, minLength. Any other keyword is an error, so the schema cannot say more than is
// checked. (No JSON Schema library is in go.mod; this is all the test needs.)

var annotations = map[string]bool{"$schema": true, "$id": true, "$comment": true, "title": true, "description": true, "$defs": true}

type validator struct {
	root map[string]any
	errs []string
}

func validateSchema(schema map[string]any, doc any) []string {
	v := &validator{root: schema}
	v.check(schema, doc, "$")
	sort.Strings(v.errs)
	return v.errs
}

func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

func jsonType(x any) string {
	switch n := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if n == math.Trunc(n) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", x)
}

func typeMatches(want string, x any) bool {
	got := jsonType(x)
	return got == want || (want == "number" && got == "integer")
}

func (v *validator) check(s map[string]any, x any, path string) {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kw := s[k]
		switch k {
		case "type":
			var types []string
			switch t := kw.(type) {
			case string:
				types = []string{t}
			case []any:
				for _, e := range t {
					types = append(types, e.(string))
				}
			}
			ok := false
			for _, t := range types {
				ok = ok || typeMatches(t, x)
			}
			if !ok {
				v.fail(path, "type %s, want %s", jsonType(x), strings.Join(types, " or "))
				return
			}
		case "enum":
			found := false
			for _, e := range kw.([]any) {
				found = found || fmt.Sprint(e) == fmt.Sprint(x) && jsonType(e) == jsonType(x)
			}
			if !found {
				v.fail(path, "%v is not one of %v", x, kw)
			}
		case "required":
			if m, ok := x.(map[string]any); ok {
				for _, r := range kw.([]any) {
					if _, present := m[r.(string)]; !present {
						v.fail(path, "required member %q is missing", r)
					}
				}
			}
		case "properties":
			if m, ok := x.(map[string]any); ok {
				for name, sub := range kw.(map[string]any) {
					if e, present := m[name]; present {
						v.check(sub.(map[string]any), e, path+"."+name)
					}
				}
			}
		case "additionalProperties":
			m, ok := x.(map[string]any)
			if !ok {
				continue
			}
			props, _ := s["properties"].(map[string]any)
			for name, e := range m {
				if _, declared := props[name]; declared {
					continue
				}
				switch ap := kw.(type) {
				case bool:
					if !ap {
						v.fail(path, "member %q is not allowed", name)
					}
				case map[string]any:
					v.check(ap, e, path+"."+name)
				}
			}
		case "items":
			if l, ok := x.([]any); ok {
				for i, e := range l {
					v.check(kw.(map[string]any), e, fmt.Sprintf("%s[%d]", path, i))
				}
			}
		case "anyOf":
			matched := false
			var why []string
			for _, alt := range kw.([]any) {
				sub := &validator{root: v.root}
				sub.check(alt.(map[string]any), x, path)
				matched = matched || len(sub.errs) == 0
				why = append(why, sub.errs...)
			}
			if !matched {
				v.fail(path, "matches none of anyOf: %s", strings.Join(why, "; "))
			}
		case "$ref":
			ref := kw.(string)
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			def, found := v.root["$defs"].(map[string]any)[name].(map[string]any)
			if !ok || !found {
				v.fail(path, "unresolved $ref %s", ref)
				continue
			}
			v.check(def, x, path)
		case "pattern":
			if str, ok := x.(string); ok && !regexp.MustCompile(kw.(string)).MatchString(str) {
				v.fail(path, "%q does not match %s", str, kw)
			}
		case "minimum":
			if n, ok := x.(float64); ok && n < kw.(float64) {
				v.fail(path, "%v is below %v", n, kw)
			}
		case "minLength":
			if str, ok := x.(string); ok && float64(len([]rune(str))) < kw.(float64) {
				v.fail(path, "%q is shorter than %v", str, kw)
			}
		default:
			if !annotations[k] {
				v.fail(path, "schema keyword %q is not supported by this validator", k)
			}
		}
	}
}

// TestValidatorRejects shows the validator is not a rubber stamp: each broken journal fails.
func TestValidatorRejects(t *testing.T) {
	schema := loadSchema(t)
	good := map[string]any{}
	mustJSON(t, heldCTK(t), &good)
	if errs := validateSchema(schema, good); len(errs) > 0 {
		t.Fatalf("the held journal: %v", errs)
	}
	tests := []struct {
		name string
		edit func(j map[string]any)
		want string
	}{
		{"a status chaoslib does not write", func(j map[string]any) { j["status"] = "deviated" }, "$.status"},
		{"no duration", func(j map[string]any) { delete(j, "duration") }, `required member "duration"`},
		{"an extra member", func(j map[string]any) { j["verdict"] = "held" }, `member "verdict" is not allowed`},
		{"a Go time", func(j map[string]any) { j["start"] = "2026-11-30T06:56:10.894Z" }, "$.start"},
		{"a run without output", func(j map[string]any) { delete(j["run"].([]any)[0].(map[string]any), "output") }, `$.run[0]: required member "output"`},
		{"a probe of another type", func(j map[string]any) {
			j["steady_states"].(map[string]any)["before"].(map[string]any)["probes"].([]any)[0].(map[string]any)["activity"].(map[string]any)["type"] = "check"
		}, "$.steady_states.before.probes[0].activity.type"},
		{"before not an object", func(j map[string]any) { j["steady_states"].(map[string]any)["before"] = 1.0 }, "anyOf"},
		{"an experiment without a description", func(j map[string]any) { delete(j["experiment"].(map[string]any), "description") }, `"description" is missing`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var j map[string]any
			mustJSON(t, heldCTK(t), &j)
			tc.edit(j)
			errs := validateSchema(schema, j)
			if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
				t.Errorf("errors %v, want one containing %q", errs, tc.want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any, into any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}
