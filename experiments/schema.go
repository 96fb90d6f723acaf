package experiments

// The members an experiment file may have, and their JSON types. encoding/json drops a member it
// has no field for, so a misspelt key ("pause" for "pauses") would silently change the
// experiment; and it stops at the first value of the wrong type, naming it without its array
// index. Every value of the file is walked along the shape of Experiment instead: each member
// that is neither a field nor a Chaos Toolkit key the lab deliberately ignores, and each value
// of another JSON type than its field's, is a problem at its full JSON path.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"

	"github.com/chaoslab/serverless-chaos-lab/internal/jsondup"
	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

// keyRule is what an object of the file may hold besides its type's json fields.
type keyRule struct {
	// ignored are Chaos Toolkit keys that do not change what the state machine runs.
	ignored []string
	// refused are Chaos Toolkit keys that would change it and are not translated: key → reason.
	refused map[string]string
	// open says when any other key is accepted too: an object the compiler refuses whole.
	open func(members map[string]json.RawMessage) bool
}

const dryRefused = "dry runs are not supported: the state machine runs every activity (chaoslab compile shows what it would run)"

var keyRules = map[reflect.Type]keyRule{
	// contributions: what the experiment contributes to (reliability, ...), metadata only.
	reflect.TypeFor[Experiment](): {ignored: []string{"contributions"}, refused: map[string]string{"dry": dryRefused}},
	// secrets and configuration: the identifiers of the top-level sections an activity uses
	// (chaoslib does not read them); timeout: chaoslib checks it is a number and does not use it.
	reflect.TypeFor[Activity](): {ignored: []string{"secrets", "configuration", "timeout"}, refused: map[string]string{"dry": dryRefused}},
	// secrets: the secrets a python function receives; the state machine's own role makes the
	// calls. The members of another provider type (http: url, headers...) are not checked: the
	// compiler refuses the provider type itself.
	reflect.TypeFor[Provider](): {ignored: []string{"secrets"}, open: func(members map[string]json.RawMessage) bool {
		var typ string
		_ = json.Unmarshal(members["type"], &typ)
		return typ != "process" && typ != "python"
	}},
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	secondsType    = reflect.TypeFor[Seconds]()
)

// fileWalker walks a JSON document (already known to be valid) along a Go type.
type fileWalker struct {
	dec      *json.Decoder
	problems []Problem
	types    int // how many of problems are values of the wrong type
}

// checkFile lists, in the order of the file, the members of data (a valid JSON document) that
// Experiment neither has nor deliberately ignores, and the values json.Unmarshal could not
// decode into their fields; types counts the latter.
func checkFile(data []byte) (problems []Problem, types int) {
	w := &fileWalker{dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		// Decoded, null is an empty experiment: say what the file is instead.
		w.typeProblem("", "want a JSON object, an experiment, got JSON null")
		return w.problems, w.types
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
		// A probe's file:// queries are an array (steadyState*.json beside the shipped
		// experiments): validate experiments/*.json called them invalid experiments, unexplained.
		w.typeProblem("", "want a JSON object, an experiment, got JSON array (a probe's file:// query file, such as steadyState*.json, is not an experiment: validate the experiment that names it)")
		return w.problems, w.types
	}
	w.problems = twiceGiven(data)
	if err := w.walk(reflect.TypeFor[Experiment](), ""); err != nil {
		// Not reached: the caller checked data is valid JSON.
		return append(w.problems, Problem{Reason: err.Error()}), w.types + 1
	}
	return w.problems, w.types
}

// checkValue lists what checkFile lists for data (valid JSON) decoded into t, its paths under p:
// a query file's metric data queries, whose misspelt member ("Dimension") json.Decoder names
// without its place or the member meant.
func checkValue(data []byte, t reflect.Type, p string) []Problem {
	w := &fileWalker{dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	if err := w.walk(t, p); err != nil {
		return nil
	}
	return w.problems
}

func (w *fileWalker) walk(t reflect.Type, p string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	return w.value(t, p, tok)
}

func (w *fileWalker) value(t reflect.Type, p string, tok json.Token) error {
	if t.Kind() == reflect.Pointer && tok != nil {
		t = t.Elem()
	}
	switch {
	case t == rawMessageType || tok == nil:
		return w.skip(tok)
	case t == secondsType:
		// A number, or "${name}" of the configuration (Seconds).
		switch x := tok.(type) {
		case json.Number:
			if _, err := strconv.ParseFloat(x.String(), 64); err != nil {
				w.typeProblem(p, "number %s is out of range", tok)
			}
		case string:
			if !isVarRef(x) {
				w.typeProblem(p, "want a JSON number, got JSON string %q (a pause written as a string is \"${name}\" of the configuration)", x)
			}
		default:
			w.typeProblem(p, "want a JSON number, got JSON %s", jsonfields.TokenKind(tok))
		}
		return w.skip(tok)
	case t.Kind() == reflect.Struct && tok == json.Delim('{'):
		return w.object(t, p)
	case t.Kind() == reflect.Map && tok == json.Delim('{'):
		for w.dec.More() {
			key, err := w.dec.Token()
			if err != nil {
				return err
			}
			if err := w.walk(t.Elem(), join(p, key.(string))); err != nil {
				return err
			}
		}
		_, err := w.dec.Token()
		return err
	case t.Kind() == reflect.Slice && tok == json.Delim('['):
		for i := 0; w.dec.More(); i++ {
			if err := w.walk(t.Elem(), fmt.Sprintf("%s[%d]", p, i)); err != nil {
				return err
			}
		}
		_, err := w.dec.Token()
		return err
	}
	got := jsonfields.TokenKind(tok)
	switch {
	case got == jsonfields.Kind(t) && got == "number":
		// A number too large for a float64 (1e400) does not decode either.
		if _, err := strconv.ParseFloat(tok.(json.Number).String(), 64); err != nil {
			w.typeProblem(p, "number %s is out of range", tok)
		}
	case got == jsonfields.Kind(t) && (got == "string" || got == "boolean"):
	default:
		w.typeProblem(p, "want a JSON %s, got JSON %s", jsonfields.Kind(t), got)
	}
	return w.skip(tok)
}

func (w *fileWalker) typeProblem(p, format string, args ...any) {
	w.problems = append(w.problems, Problem{Path: p, Reason: fmt.Sprintf(format, args...)})
	w.types++
}

// object walks the members of a JSON object decoded into struct type t.
func (w *fileWalker) object(t reflect.Type, p string) error {
	fields, rule := jsonfields.Of(t), keyRules[t]
	type member struct {
		key string
		raw json.RawMessage
	}
	var members []member
	byKey := map[string]json.RawMessage{}
	for w.dec.More() {
		key, err := w.dec.Token()
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return err
		}
		members = append(members, member{key.(string), raw})
		byKey[key.(string)] = raw
	}
	if _, err := w.dec.Token(); err != nil {
		return err
	}
	open := rule.open != nil && rule.open(byKey)
	for _, m := range members {
		mp := join(p, m.key)
		if ft, ok := fields[m.key]; ok {
			sub := &fileWalker{dec: json.NewDecoder(bytes.NewReader(m.raw))}
			sub.dec.UseNumber()
			if err := sub.walk(ft, mp); err != nil {
				return err
			}
			w.problems = append(w.problems, sub.problems...)
			w.types += sub.types
			continue
		}
		if why, ok := rule.refused[m.key]; ok {
			w.problems = append(w.problems, Problem{Path: mp, Reason: why})
			continue
		}
		if open || slices.Contains(rule.ignored, m.key) {
			continue
		}
		known := slices.AppendSeq(slices.Clone(rule.ignored), maps.Keys(fields))
		w.problems = append(w.problems, Problem{Path: mp, Reason: unknownKey(m.key, known)})
	}
	return nil
}

// twiceGiven is a problem for each key given twice in one object, anywhere in the file (the
// configuration's values too): JSON keeps the last of the two, silently, and the first may be the
// one meant.
func twiceGiven(data []byte) []Problem {
	twice, _ := jsondup.Find(data) // the caller checked data is valid JSON
	problems := make([]Problem, 0, len(twice))
	for _, t := range twice {
		problems = append(problems, Problem{Path: t.At(), Reason: "given twice in one object (JSON keeps the last): say it once"})
	}
	return problems
}

// skip reads the rest of a value whose first token is tok.
func (w *fileWalker) skip(tok json.Token) error {
	depth := 0
	for {
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
		var err error
		if tok, err = w.dec.Token(); err != nil {
			return err
		}
	}
}

func join(p, key string) string {
	if p == "" {
		return key
	}
	return p + "." + key
}

// unknownKey is the reason a member key is refused: unknown, and which known key it may be.
func unknownKey(key string, known []string) string {
	return "unknown key" + suggest.Hint(key, known)
}
