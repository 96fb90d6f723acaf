package fis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

// template is an FIS experiment template, decoded member by member so that every problem has a
// path. Objects keep their members' order (FIS's action names are keys).
type template struct {
	top     map[string]json.RawMessage
	order   []string // top-level members, in the file's order
	actions []namedRaw
	targets []namedRaw
	stops   []json.RawMessage
	// problems found while reading the structure
	problems []Problem
	// unresolved are the paths of CloudFormation intrinsic functions: each is one problem, which
	// what the translation then finds at or below or above it would only repeat.
	unresolved []string
}

type namedRaw struct {
	name string
	raw  json.RawMessage
}

// knownTop are the members of CreateExperimentTemplate's input and of GetExperimentTemplate's
// experimentTemplate (API_ExperimentTemplate): what each becomes is in the package doc.
var knownTop = []string{"id", "arn", "description", "targets", "actions", "stopConditions", "roleArn", "tags",
	"logConfiguration", "experimentOptions", "experimentReportConfiguration", "targetAccountConfigurationsCount",
	"creationTime", "lastUpdateTime", "clientToken"}

// ErrNotTemplate is returned for JSON that is no FIS experiment template.
var ErrNotTemplate = errors.New("not an AWS FIS experiment template (want the CreateExperimentTemplate JSON or `aws fis get-experiment-template` output)")

// parseTemplate reads a template, bare or in GetExperimentTemplate's {"experimentTemplate": ...},
// or CloudFormation's AWS::FIS::ExperimentTemplate (cloudformation.go), whose pseudo parameters
// are the account's and region of functionARN (cfnresolve.go; "" when unknown).
func parseTemplate(data []byte, functionARN string) (*template, error) {
	data, err := JSON(data)
	if err != nil {
		return nil, err
	}
	keys, top, err := object(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotTemplate, err)
	}
	props, from, resources, err := cfnForm(keys, top)
	if err != nil {
		return nil, err
	}
	cfn := cfnReader{resources: resources}
	cfn.pseudo, cfn.pseudoKnown = pseudoParameters(functionARN)
	if props != nil {
		if keys, top, err = object(cfn.properties(props)); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrNotTemplate, from, err)
		}
	}
	if inner, ok := top["experimentTemplate"]; ok {
		// boto3's get_experiment_template answer, saved as JSON, has its ResponseMetadata beside it.
		others := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == "experimentTemplate" || k == "ResponseMetadata" })
		if len(others) > 0 {
			return nil, fmt.Errorf("%w: experimentTemplate is not the only member (also %s)", ErrNotTemplate, strings.Join(others, ", "))
		}
		if keys, top, err = object(inner); err != nil {
			return nil, fmt.Errorf("%w: experimentTemplate: %v", ErrNotTemplate, err)
		}
	}
	_, hasActions := top["actions"]
	_, hasTargets := top["targets"]
	if !hasActions && !hasTargets {
		// The FIS template library ships SSM documents beside its templates, which FIS runs with
		// aws:ssm:send-command or aws:ssm:start-automation-execution.
		if _, ssm := top["schemaVersion"]; ssm && (top["mainSteps"] != nil || top["runtimeConfig"] != nil) {
			return nil, fmt.Errorf("%w: an SSM document (schemaVersion and mainSteps or runtimeConfig), which a template's aws:ssm:send-command or aws:ssm:start-automation-execution action runs: import the experiment template that names it", ErrNotTemplate)
		}
		return nil, fmt.Errorf("%w: no actions and no targets", ErrNotTemplate)
	}
	t := &template{top: top, order: keys, problems: cfn.problems}
	for _, p := range cfn.problems {
		t.unresolved = append(t.unresolved, p.Path)
	}
	for _, k := range keys {
		if !slices.Contains(knownTop, k) {
			t.fail(member("", k), "%s", unknownMember("an experiment template", k, knownTop))
		}
	}
	t.actions = t.members("actions")
	t.targets = t.members("targets")
	if raw, ok := top["stopConditions"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &t.stops); err != nil {
			t.fail("stopConditions", "want a list of {\"source\", \"value\"}")
		}
	}
	return t, nil
}

func (t *template) fail(path, format string, args ...any) {
	for _, u := range t.unresolved {
		if within(path, u) || path == parentPath(u) {
			return // the intrinsic function there (or in the list or object it is in) is the problem
		}
	}
	t.problems = append(t.problems, Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// parentPath is the path of the list or object that holds the value at path.
func parentPath(path string) string {
	if i := strings.LastIndexAny(path, ".["); i > 0 {
		return path[:i]
	}
	return ""
}

// within reports whether path is at or below parent.
func within(path, parent string) bool {
	rest, ok := strings.CutPrefix(path, parent)
	return ok && (rest == "" || rest[0] == '.' || rest[0] == '[')
}

// Form names the form template is read in when it is not the API's JSON (a CloudFormation
// AWS::FIS::ExperimentTemplate: its resource, a template holding it, or its Properties), "" when it
// is, or is no template: for a note that the problems' paths name members in the API's spelling.
func Form(template []byte) string {
	template, err := JSON(template)
	if err != nil {
		return ""
	}
	keys, top, err := object(template)
	if err != nil {
		return ""
	}
	_, from, _, _ := cfnForm(keys, top)
	return from
}

// failedAt reports whether a problem is recorded at path: one of its type, say, which a second
// problem about what it then lacks would only repeat.
func (t *template) failedAt(path string) bool {
	return slices.ContainsFunc(t.problems, func(p Problem) bool { return p.Path == path })
}

// members reads the object member key as named members, in order.
func (t *template) members(key string) []namedRaw {
	raw, ok := t.top[key]
	if !ok || isNull(raw) {
		return nil
	}
	keys, m, err := object(raw)
	if err != nil {
		t.fail(key, "want an object of named %s: %v", key, err)
		return nil
	}
	out := make([]namedRaw, 0, len(keys))
	for _, k := range keys {
		out = append(out, namedRaw{name: k, raw: m[k]})
	}
	return out
}

// str reads the string member key of the top level ("" when absent).
func (t *template) str(key string) string {
	var s string
	if raw, ok := t.top[key]; ok && json.Unmarshal(raw, &s) != nil {
		t.fail(key, "want a string")
	}
	return s
}

// stopAlarms lists the alarms the stop conditions name (a malformed one is a problem for
// Translate, skipped here).
func (t *template) stopAlarms() []stopAlarm {
	var out []stopAlarm
	for i, raw := range t.stops {
		var sc struct {
			Source string `json:"source"`
			Value  string `json:"value"`
		}
		if json.Unmarshal(raw, &sc) != nil || sc.Source != sourceAlarm {
			continue
		}
		if name, ok := alarmName(sc.Value); ok {
			out = append(out, stopAlarm{name: name, arn: sc.Value, path: fmt.Sprintf("stopConditions[%d].value", i)})
		}
	}
	return out
}

// object decodes a JSON object, keeping its members' order; a duplicate member is an error.
func object(data []byte) ([]string, map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, errors.New("the file is empty") // not EOF
	}
	// A syntax error is told where it is (a truncated file said "unexpected EOF", a stray
	// character no more than its kind).
	var syntax any
	if err := json.Unmarshal(data, &syntax); err != nil {
		if _, ok := err.(*json.SyntaxError); ok {
			return nil, nil, errors.New(experiments.DescribeJSONError(data, err))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("want a JSON object, got JSON %s", jsonfields.TokenKind(tok))
	}
	var keys []string
	m := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, dup := m[k]; dup {
			return nil, nil, fmt.Errorf("member %q given twice", k)
		}
		keys = append(keys, k)
		m[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("data after the object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, nil, fmt.Errorf("data after the object")
	}
	return keys, m, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// isEmpty reports whether raw is an empty object or array ({} or [], spaces inside allowed).
func isEmpty(raw json.RawMessage) bool {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// stringMap reads an object whose values are all strings (FIS parameters, tags, an action's
// targets), reporting a member of another type at path.member.
func stringMap(raw json.RawMessage, path string, fail func(p, format string, args ...any)) ([]string, map[string]string) {
	keys, m, err := object(raw)
	if err != nil {
		fail(path, "want an object of strings: %v", err)
		return nil, nil
	}
	out := make(map[string]string, len(m))
	var ok []string
	for _, k := range keys {
		var s string
		if err := json.Unmarshal(m[k], &s); err != nil {
			fail(member(path, k), "want a string (FIS takes each of these values as a string, e.g. \"50\", \"true\"), got %s", strings.TrimSpace(string(m[k])))
			continue
		}
		out[k] = s
		ok = append(ok, k)
	}
	return ok, out
}

// member is the JSON path of key under parent: parent.key, or parent["key"] when the key is empty
// or holds characters that would make the dotted form ambiguous (a problem must name its place).
func member(parent, key string) string {
	if key != "" && !strings.ContainsAny(key, ".[]\" \t\n") {
		if parent == "" {
			return key
		}
		return parent + "." + key
	}
	return parent + "[" + strconv.Quote(key) + "]"
}

// unknownMember is the reason a member of what is refused: unknown, and which known member it may be.
func unknownMember(what, key string, known []string) string {
	return "unknown member of " + what + suggest.Hint(key, known)
}
