package fis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CloudFormation's AWS::FIS::ExperimentTemplate, which is how CDK and SAM apps define FIS
// templates, holds the API's members spelled in PascalCase (Actions, ActionId, ResourceArns,
// StopConditions); the names a user chose (an action's or a target's, a parameter's, a tag's, an
// action's target label such as "Functions") are kept as written. import-fis reads a
// CloudFormation template holding one such resource, the resource alone, or its Properties, as
// the API's JSON: the problems' paths name the members in the API's spelling (actions, not
// Actions). A value that is a CloudFormation intrinsic function (Ref, Fn::GetAtt, Fn::Sub, ...)
// cannot be resolved here, but for those whose value the template itself gives (cfnresolve.go):
// where it would be translated it is a problem that says to import the deployed template,
// resolved, instead; where nothing is translated (roleArn, logConfiguration,
// experimentReportConfiguration) it stands unread as its name, and so in a tag's value; Tags that
// are one whole are left out. A template nested deeper than cfnMaxDepth levels (no FIS template is) is not read further.

const cfnType = "AWS::FIS::ExperimentTemplate"

// cfnForm finds the experiment template's Properties in a CloudFormation form: nil props when the
// JSON is no CloudFormation form (the API's), from says which form it was, all is the template's
// Resources when the form is a whole template (what Fn::GetAtt may name).
func cfnForm(keys []string, top map[string]json.RawMessage) (props json.RawMessage, from string, all map[string]json.RawMessage, err error) {
	var typ string
	if raw, ok := top["Type"]; ok {
		_ = json.Unmarshal(raw, &typ)
	}
	switch {
	case top["Resources"] != nil:
		rkeys, resources, err := object(top["Resources"])
		if err != nil {
			return nil, "", nil, fmt.Errorf("%w: Resources: %v", ErrNotTemplate, err)
		}
		found := fisResources(rkeys, resources)
		switch len(found) {
		case 0:
			return nil, "", nil, fmt.Errorf("%w: a CloudFormation template without an %s resource", ErrNotTemplate, cfnType)
		case 1:
			_, res, err := object(resources[found[0]])
			if err != nil || res["Properties"] == nil {
				return nil, "", nil, fmt.Errorf("%w: the CloudFormation resource %s has no Properties", ErrNotTemplate, found[0])
			}
			return res["Properties"], "the CloudFormation template's resource " + found[0], resources, nil
		default:
			return nil, "", nil, fmt.Errorf("%w: a CloudFormation template with %d %s resources (%s): import one, named by its logical id (chaoslab import-fis -resource %s)",
				ErrNotTemplate, len(found), cfnType, strings.Join(found, ", "), found[0])
		}
	case typ == cfnType:
		if top["Properties"] == nil {
			return nil, "", nil, fmt.Errorf("%w: the CloudFormation resource has no Properties", ErrNotTemplate)
		}
		return top["Properties"], "a CloudFormation " + cfnType + " resource", nil, nil
	case (top["Actions"] != nil || top["Targets"] != nil) && top["actions"] == nil && top["targets"] == nil:
		whole := writeObject(keys, func(k string) (string, []byte, bool) { return k, top[k], true })
		return json.RawMessage(whole), "a CloudFormation " + cfnType + "'s Properties", nil, nil
	}
	return nil, "", nil, nil
}

// Resource is a CloudFormation template whose AWS::FIS::ExperimentTemplate resources are id alone,
// as JSON (a form Translate reads): how one of several in a template is imported. Its other
// resources stay, for what the template itself resolves (the Fn::GetAtt of an alarm or a function
// it defines). The error names the template's FIS resources when id is none of them.
func Resource(template []byte, id string) ([]byte, error) {
	template, err := JSON(template)
	if err != nil {
		return nil, err
	}
	keys, top, err := object(template)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotTemplate, err)
	}
	if top["Resources"] == nil {
		return nil, fmt.Errorf("a resource is picked from a CloudFormation template, one with Resources; this is not one")
	}
	rkeys, resources, err := object(top["Resources"])
	if err != nil {
		return nil, fmt.Errorf("%w: Resources: %v", ErrNotTemplate, err)
	}
	found := fisResources(rkeys, resources)
	raw, ok := resources[id]
	var r struct{ Type string }
	if ok && (json.Unmarshal(raw, &r) != nil || r.Type != cfnType) {
		what := fmt.Sprintf("is %q", r.Type)
		if r.Type == "" {
			what = "has no Type"
		}
		return nil, fmt.Errorf("the template's resource %s %s, not an %s (the template's: %s)", id, what, cfnType, orNone(found))
	}
	if !ok {
		return nil, fmt.Errorf("the template has no resource %s (its %s resources: %s)", id, cfnType, orNone(found))
	}
	kept := writeObject(rkeys, func(k string) (string, []byte, bool) {
		return k, resources[k], k == id || !slices.Contains(found, k)
	})
	return writeObject(keys, func(k string) (string, []byte, bool) {
		if k == "Resources" {
			return k, kept, true
		}
		return k, top[k], true
	}), nil
}

// IsTemplate says whether data is an FIS experiment template in a form Translate reads (the API's
// JSON or YAML, get-experiment-template's answer, a CloudFormation template or resource holding
// one, even several): what a reader of Chaos Toolkit experiments, given one by mistake, can point
// to import-fis with.
func IsTemplate(data []byte) bool {
	data, err := JSON(data) // once: parseTemplate takes JSON as it is
	if err != nil {
		return false
	}
	if _, err := parseTemplate(data, ""); err == nil {
		return true
	}
	_, top, err := object(data)
	if err != nil || top["Resources"] == nil {
		return false
	}
	rkeys, resources, err := object(top["Resources"])
	return err == nil && len(fisResources(rkeys, resources)) > 0
}

// fisResources are the logical ids, in the template's order, of its AWS::FIS::ExperimentTemplate
// resources.
func fisResources(ids []string, resources map[string]json.RawMessage) []string {
	var found []string
	for _, id := range ids {
		var r struct{ Type string }
		if json.Unmarshal(resources[id], &r) == nil && r.Type == cfnType {
			found = append(found, id)
		}
	}
	return found
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// writeObject writes an object of keys, in their order, each member as member gives it (false:
// left out).
func writeObject(keys []string, member func(k string) (key string, value []byte, ok bool)) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	for _, k := range keys {
		key, v, ok := member(k)
		if !ok {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		kb, _ := json.Marshal(key)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// cfnReader rewrites a CloudFormation Properties object in the API's spelling, keeping every
// object's members in their order, and records the intrinsic functions it meets.
type cfnReader struct {
	problems []Problem
	// resources are the template's Resources (what Fn::GetAtt may name: cfnresolve.go); nil when
	// the form is a resource or its Properties alone.
	resources map[string]json.RawMessage
	// pseudo are the pseudo parameters' values, as the stack's own (pseudoParameters); pseudoKnown
	// says whether the account and region among them are the stack's, or placeholders.
	pseudo      map[string]string
	pseudoKnown bool
}

// cfnMaxDepth bounds how deep the reader rewrites: a FIS template's deepest value (a target's
// filter's values) is 5 levels down, and each level reads what is below it once more.
const cfnMaxDepth = 16

// the members whose values are written as they are (names the user chose), and those that are
// not translated (an intrinsic function in them stands unread).
var (
	cfnVerbatim     = map[string]bool{"parameters": true, "targets": true, "resourceTags": true, "tags": true}
	cfnUntranslated = map[string]bool{"roleArn": true, "logConfiguration": true, "experimentReportConfiguration": true, "tags": true}
)

// properties rewrites the Properties object.
func (c *cfnReader) properties(raw json.RawMessage) []byte {
	keys, m, err := object(raw)
	if err != nil {
		return raw // the template's own reading says what is wrong with it
	}
	return writeObject(keys, func(k string) (string, []byte, bool) {
		ck := lowerFirst(k)
		if ck == "tags" && c.intrinsic(m[k]) != "" {
			return "", nil, false // the experiment's tags only: none read
		}
		if ck == "actions" || ck == "targets" { // named members: each one's members in the API's spelling
			return ck, c.named(m[k], ck), true
		}
		return ck, c.value(m[k], member("", ck), cfnVerbatim[ck], cfnUntranslated[ck], 1), true
	})
}

// named rewrites an object of named actions or targets (value says an intrinsic function in place
// of one, or of them all).
func (c *cfnReader) named(raw json.RawMessage, p string) []byte {
	keys, m, err := object(raw)
	if err != nil {
		return raw
	}
	if fn := intrinsic(keys); fn != "" {
		return c.unresolved(p, fn)
	}
	return writeObject(keys, func(name string) (string, []byte, bool) {
		return name, c.value(m[name], member(p, name), false, false, 2), true
	})
}

// value rewrites a value at path p, depth levels down: an object's member names in the API's
// spelling unless verbatim, a list's items alike; an intrinsic function is a problem unless
// untranslated.
func (c *cfnReader) value(raw json.RawMessage, p string, verbatim, untranslated bool, depth int) []byte {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '[' && t[0] != '{' {
		return c.scalar(raw, untranslated && !verbatim) // a tag's value is read (the experiment's tags)
	}
	if depth > cfnMaxDepth {
		c.problems = append(c.problems, Problem{Path: p, Reason: fmt.Sprintf("nested deeper than %d levels, which no FIS template is: not read", cfnMaxDepth)})
		return raw
	}
	if t[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(t, &items) != nil {
			return raw
		}
		var b bytes.Buffer
		b.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(c.value(it, fmt.Sprintf("%s[%d]", p, i), verbatim, untranslated, depth+1))
		}
		b.WriteByte(']')
		return b.Bytes()
	}
	keys, m, err := object(t)
	if err != nil {
		return raw
	}
	if fn := intrinsic(keys); fn != "" {
		if v, ok := c.resolve(fn, m[fn]); ok {
			return v
		}
		if untranslated {
			return placeholder(fn)
		}
		return c.unresolved(p, fn)
	}
	return writeObject(keys, func(k string) (string, []byte, bool) {
		ck := k
		if !verbatim {
			ck = lowerFirst(k)
		}
		// Below an action or a target, parameters, targets (an action's labels) and resource
		// tags are names the user chose; below them, only values.
		return ck, c.value(m[k], member(p, ck), verbatim || cfnVerbatim[ck], untranslated, depth+1), true
	})
}

// scalar is a scalar value as CloudFormation passes it to FIS: a number or a boolean where FIS
// takes a string (every value the translation reads: parameters, tags, ARNs, modes) is that
// string, as CloudFormation converts it ("invocationPercentage": 50 is "50"; a YAML template
// writes it unquoted). The scalars of a member not translated stay as they are
// (logConfiguration's logSchemaVersion is a number).
func (c *cfnReader) scalar(raw json.RawMessage, untranslated bool) []byte {
	t := bytes.TrimSpace(raw)
	if untranslated || len(t) == 0 {
		return raw
	}
	var v any
	if json.Unmarshal(t, &v) != nil {
		return raw
	}
	switch v.(type) {
	case float64, bool:
		s, _ := json.Marshal(string(t))
		return s
	}
	return raw
}

// intrinsic is the name of the intrinsic function raw is, or "".
func (c *cfnReader) intrinsic(raw json.RawMessage) string {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return ""
	}
	keys, _, err := object(raw)
	if err != nil {
		return ""
	}
	return intrinsic(keys)
}

// unresolved records the intrinsic function fn at p as a problem and stands its name there.
func (c *cfnReader) unresolved(p, fn string) []byte {
	c.problems = append(c.problems, Problem{Path: p, Reason: fmt.Sprintf("a CloudFormation intrinsic function (%s), which import-fis cannot resolve: "+
		"import the deployed template (aws fis get-experiment-template --id <its id> prints it resolved), or write the value", fn)})
	return placeholder(fn)
}

func placeholder(fn string) []byte {
	s, _ := json.Marshal("(CloudFormation " + fn + ")")
	return s
}

// intrinsic is the name of the CloudFormation intrinsic function an object of these members is
// (Ref, Fn::GetAtt, ...), or "".
func intrinsic(keys []string) string {
	if len(keys) == 1 && (keys[0] == "Ref" || keys[0] == "Condition" || strings.HasPrefix(keys[0], "Fn::")) {
		return keys[0]
	}
	return ""
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
