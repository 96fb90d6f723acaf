package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
	"github.com/chaoslab/serverless-chaos-lab/internal/yamljson"
)

// Experiment is a Chaos Toolkit experiment as written in its JSON file.
type Experiment struct {
	Version       string                     `json:"version"`
	Title         string                     `json:"title"`
	Description   string                     `json:"description"`
	Tags          []string                   `json:"tags"`
	Configuration map[string]json.RawMessage `json:"configuration"`
	Secrets       json.RawMessage            `json:"secrets"`
	Controls      json.RawMessage            `json:"controls"`
	SteadyState   *Hypothesis                `json:"steady-state-hypothesis"`
	Method        []Activity                 `json:"method"`
	Rollbacks     []Activity                 `json:"rollbacks"`
	Extensions    []json.RawMessage          `json:"extensions"`
	// Runtime is Chaos Toolkit's runtime strategies, accepted when they are the state machine's.
	Runtime json.RawMessage `json:"runtime"`

	// Name is the file's base name; Dir and FS locate the files its file:// arguments name.
	Name string `json:"-"`
	FS   fs.FS  `json:"-"`
	Dir  string `json:"-"`

	// keyProblems are the file's members the format does not have (Parse), reported with the
	// compiler's problems.
	keyProblems []Problem
}

// Hypothesis is the steady-state hypothesis.
type Hypothesis struct {
	Title    string          `json:"title"`
	Probes   []Activity      `json:"probes"`
	Controls json.RawMessage `json:"controls"`
}

// Activity is a probe or an action.
type Activity struct {
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Ref        string          `json:"ref"`
	Tolerance  json.RawMessage `json:"tolerance"`
	Provider   *Provider       `json:"provider"`
	Pauses     *Pauses         `json:"pauses"`
	Background bool            `json:"background"`
	Controls   json.RawMessage `json:"controls"`
}

// Provider says how an activity runs.
type Provider struct {
	Type      string          `json:"type"` // process | python (| http: rejected)
	Path      string          `json:"path"`
	Arguments json.RawMessage `json:"arguments"`
	Module    string          `json:"module"`
	Func      string          `json:"func"`
	Timeout   json.RawMessage `json:"timeout"`
}

// Pauses are seconds to wait around an activity.
type Pauses struct {
	Before Seconds `json:"before"`
	After  Seconds `json:"after"`
}

// Seconds is a pause: a number of seconds or, as Chaos Toolkit allows, the string "${name}" of a
// configuration value (substituted when the experiment is compiled).
type Seconds struct {
	N   float64
	Var string // "${name}", written instead of a number
}

// MarshalJSON writes the number, or the "${name}" written instead.
func (s Seconds) MarshalJSON() ([]byte, error) {
	if s.Var != "" {
		return json.Marshal(s.Var)
	}
	return json.Marshal(s.N)
}

// UnmarshalJSON reads a number, or a string that is one "${name}" and nothing else.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case float64:
		*s = Seconds{N: x}
	case string:
		if !isVarRef(x) {
			return fmt.Errorf("a pause is a number of seconds or \"${name}\" of the configuration, got %q", x)
		}
		*s = Seconds{Var: x}
	case nil:
		*s = Seconds{}
	default:
		return &json.UnmarshalTypeError{Value: jsonfields.TokenKind(v), Type: reflect.TypeFor[float64]()}
	}
	return nil
}

// isYAML says whether an experiment file is YAML, by its name (.yaml, .yml), as Chaos Toolkit tells
// it; any other is JSON.
func isYAML(file string) bool {
	ext := strings.ToLower(path.Ext(file))
	return ext == ".yaml" || ext == ".yml"
}

// BaseName is an experiment file's name without its folder and its extension (.json, .yaml, .yml):
// what runs and journals are named after.
func BaseName(file string) string {
	base := filepath.Base(file)
	for _, ext := range []string{".json", ".yaml", ".yml"} {
		if strings.HasSuffix(strings.ToLower(base), ext) {
			return base[:len(base)-len(ext)]
		}
	}
	return base
}

// Load reads an experiment file, JSON or YAML (isYAML); file:// arguments are read relative to its directory.
func Load(file string) (*Experiment, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("load experiment: %w", err)
	}
	return LoadData(file, data)
}

// LoadData is Load of file's data, read already (a pipe gives its data once).
func LoadData(file string, data []byte) (*Experiment, error) {
	dir, _ := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	// Named by the path as given: two files of one name in two folders are told apart.
	return Parse(data, file, os.DirFS(dir), ".")
}

// LoadFS reads an experiment from fsys (e.g. Definitions); file:// arguments are read from the
// same directory of fsys.
func LoadFS(fsys fs.FS, name string) (*Experiment, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("load experiment: %w", err)
	}
	return Parse(data, path.Base(name), fsys, path.Dir(name))
}

// Parse decodes an experiment named name; file:// arguments are read from dir in fsys. A file
// that is not JSON, or has values of the wrong JSON type, is an *Error listing every such value
// at its JSON path, and every unknown key; the unknown keys of a file that decodes are reported
// by Validate and Compile with the other problems.
func Parse(data []byte, name string, fsys fs.FS, dir string) (*Experiment, error) {
	// A UTF-8 byte-order mark (Windows editors and PowerShell write one) is not part of the JSON.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{Experiment: name, Problems: []Problem{{Reason: "the file is empty (an experiment is a JSON object)"}}}
	}
	if isYAML(name) {
		// Chaos Toolkit reads YAML experiments too: read as the JSON they stand for, each value on
		// its YAML line, so that every problem below names its JSON path, and a line its YAML line.
		j, err := yamljson.Convert(data, yamljson.Plain)
		if err != nil {
			return nil, &Error{Experiment: name, Problems: []Problem{{Reason: "read as YAML: " + err.Error()}}}
		}
		data = j
	}
	var syntax json.RawMessage
	if err := json.Unmarshal(data, &syntax); err != nil {
		return nil, &Error{Experiment: name, Problems: []Problem{{Reason: DescribeJSONError(data, err)}}}
	}
	if kind := otherKind(data); kind != "" {
		return nil, &Error{Experiment: name, Problems: []Problem{{Reason: "not an experiment: this is " + kind}}}
	}
	problems, types := checkFile(data)
	if types > 0 {
		return nil, &Error{Experiment: name, Problems: problems}
	}
	var e Experiment
	if err := json.Unmarshal(data, &e); err != nil {
		// Not reached: checkFile reports what json.Unmarshal refuses.
		return nil, &Error{Experiment: name, Problems: append(problems, Problem{Reason: DescribeJSONError(data, err)})}
	}
	e.Name, e.FS, e.Dir = name, fsys, dir
	e.keyProblems = problems
	return &e, nil
}

// otherKind names the file this lab reads elsewhere that data is, with what reads it, or "": a FIS
// template or a journal given to validate or run was a wall of "unknown key" lines, one per key.
// Each is told by a key no experiment has.
func otherKind(data []byte) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return ""
	}
	has := func(k string) bool { _, ok := top[k]; return ok }
	switch {
	case has("targets") && has("actions") && !has("method"):
		return "an AWS FIS experiment template: chaoslab import-fis translates it into an experiment"
	case has("chaoslib-version"):
		return "a Chaos Toolkit journal (a run's record): chaoslab reports its own journals (chaoslab report)"
	case has("verdict") && (has("executionArn") || has("startedAt")):
		return "a chaoslab journal (a run's record): chaoslab report draws it"
	case has("steadyState") && has("guard") && has("source") && !has("steady-state-hypothesis"):
		return "a compiled state machine input (what chaoslab compile prints): give the experiment it came from"
	}
	return ""
}

// DescribeJSONError adds the line and column to a JSON syntax or type error of data (an experiment
// file, its query file, an AWS FIS template), and says "empty" of a file with nothing in it.
func DescribeJSONError(data []byte, err error) string {
	if len(bytes.TrimSpace(data)) == 0 {
		return "empty" // not "line 1 column 1: unexpected end of JSON input"
	}
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		// Offset counts the byte that is wrong: it is the one before it. The end of the input is
		// where a truncated file is wrong, just past its last byte.
		off = e.Offset
		if off > 0 && off <= int64(len(data)) && e.Error() != "unexpected end of JSON input" {
			off--
		}
	case *json.UnmarshalTypeError:
		off = e.Offset
		if e.Field != "" {
			// The field's path has no array index (encoding/json does not keep it): the line and
			// column say which element; the type is named as JSON names it, not as Go does.
			line, col := position(data, off)
			return fmt.Sprintf("line %d column %d: %s: want a JSON %s, got JSON %s", line, col, e.Field, jsonfields.Kind(e.Type), e.Value)
		}
	}
	if off < 0 {
		return err.Error()
	}
	line, col := position(data, off)
	return fmt.Sprintf("line %d column %d: %v", line, col, err)
}

// position is the line and column (from 1) of byte offset off in data.
func position(data []byte, off int64) (line, col int) {
	before := data[:max(0, min(int(off), len(data)))]
	return 1 + bytes.Count(before, []byte("\n")), len(before) - bytes.LastIndexByte(before, '\n')
}

// Problem is one reason an experiment cannot run, at a JSON path of its file.
type Problem struct {
	Path   string // e.g. method[0].provider.arguments; "" for the file as a whole
	Reason string
	// Unset marks a configuration value the run did not give (an env entry with no value and no
	// default): the experiment is not at fault, the stack's names or the environment are.
	Unset bool `json:",omitempty"`
}

// Error lists every problem found in one experiment.
type Error struct {
	Experiment string
	Problems   []Problem
}

// OnlyUnset reports whether every problem is a configuration value the run did not give.
func (e *Error) OnlyUnset() bool {
	for _, p := range e.Problems {
		if !p.Unset {
			return false
		}
	}
	return len(e.Problems) > 0
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s):", e.Experiment, len(e.Problems))
	for _, p := range e.Problems {
		if p.Path == "" {
			fmt.Fprintf(&b, "\n  %s", p.Reason)
			continue
		}
		fmt.Fprintf(&b, "\n  %s: %s", p.Path, p.Reason)
	}
	return b.String()
}
