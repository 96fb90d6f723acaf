package fis

import (
	"bytes"
	"encoding/json"
	"fmt"
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
// cannot be resolved here: where it would be translated it is a problem that says to import the
// deployed template, resolved, instead; where nothing is translated (roleArn, logConfiguration,
// experimentOptions, experimentReportConfiguration, a tag's value) it stands as its name.

const cfnType = "AWS::FIS::ExperimentTemplate"

// cfnForm finds the experiment template's Properties in a CloudFormation form: nil props when the
// JSON is no CloudFormation form (the API's), from says which form it was.
func cfnForm(keys []string, top map[string]json.RawMessage) (props json.RawMessage, from string, err error) {
	var typ string
	if raw, ok := top["Type"]; ok {
		_ = json.Unmarshal(raw, &typ)
	}
	switch {
	case top["Resources"] != nil:
		rkeys, resources, err := object(top["Resources"])
		if err != nil {
			return nil, "", fmt.Errorf("%w: Resources: %v", ErrNotTemplate, err)
		}
		var found []string
		for _, id := range rkeys {
			var r struct{ Type string }
			if json.Unmarshal(resources[id], &r) == nil && r.Type == cfnType {
				found = append(found, id)
			}
		}
		switch len(found) {
		case 0:
			return nil, "", fmt.Errorf("%w: a CloudFormation template without an %s resource", ErrNotTemplate, cfnType)
		case 1:
			_, res, err := object(resources[found[0]])
			if err != nil || res["Properties"] == nil {
				return nil, "", fmt.Errorf("%w: the CloudFormation resource %s has no Properties", ErrNotTemplate, found[0])
			}
			return res["Properties"], "the CloudFormation template's resource " + found[0], nil
		default:
			return nil, "", fmt.Errorf("%w: a CloudFormation template with %d %s resources (%s): import one, its resource or its Properties in a file of its own",
				ErrNotTemplate, len(found), cfnType, strings.Join(found, ", "))
		}
	case typ == cfnType:
		if top["Properties"] == nil {
			return nil, "", fmt.Errorf("%w: the CloudFormation resource has no Properties", ErrNotTemplate)
		}
		return top["Properties"], "a CloudFormation " + cfnType + " resource", nil
	case (top["Actions"] != nil || top["Targets"] != nil) && top["actions"] == nil && top["targets"] == nil:
		return json.RawMessage(wholeObject(keys, top)), "a CloudFormation " + cfnType + "'s Properties", nil
	}
	return nil, "", nil
}

// wholeObject writes the members back as one object, in their order.
func wholeObject(keys []string, m map[string]json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(m[k])
	}
	b.WriteByte('}')
	return b.Bytes()
}

// cfnReader rewrites a CloudFormation Properties object in the API's spelling, keeping every
// object's members in their order, and records the intrinsic functions it meets.
type cfnReader struct {
	problems []Problem
}

// the members whose values are written as they are (names the user chose), and those that are
// not translated (an intrinsic there stands as its name).
var (
	cfnVerbatim     = map[string]bool{"parameters": true, "targets": true, "resourceTags": true, "tags": true}
	cfnUntranslated = map[string]bool{"roleArn": true, "logConfiguration": true, "experimentOptions": true, "experimentReportConfiguration": true, "tags": true}
)

// properties rewrites the Properties object.
func (c *cfnReader) properties(raw json.RawMessage) []byte {
	keys, m, err := object(raw)
	if err != nil {
		return raw // the template's own reading says what is wrong with it
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		ck := lowerFirst(k)
		writeKey(&b, ck)
		untranslated := cfnUntranslated[ck]
		switch ck {
		case "actions", "targets": // named members: each one's members in the API's spelling
			b.Write(c.named(m[k], ck, ck == "actions"))
		default:
			b.Write(c.value(m[k], ck, cfnVerbatim[ck], untranslated))
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// named rewrites an object of named actions or targets.
func (c *cfnReader) named(raw json.RawMessage, p string, actions bool) []byte {
	keys, m, err := object(raw)
	if err != nil {
		return raw
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeKey(&b, name)
		b.Write(c.value(m[name], member(p, name), false, false))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// value rewrites a value at path p: an object's member names in the API's spelling unless
// verbatim, a list's items alike; an intrinsic function is a problem unless untranslated.
func (c *cfnReader) value(raw json.RawMessage, p string, verbatim, untranslated bool) []byte {
	t := bytes.TrimSpace(raw)
	switch {
	case len(t) > 0 && t[0] == '[':
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
			b.Write(c.value(it, fmt.Sprintf("%s[%d]", p, i), verbatim, untranslated))
		}
		b.WriteByte(']')
		return b.Bytes()
	case len(t) > 0 && t[0] == '{':
		keys, m, err := object(t)
		if err != nil {
			return raw
		}
		if fn := intrinsic(keys); fn != "" {
			if !untranslated {
				c.problems = append(c.problems, Problem{Path: p, Reason: fmt.Sprintf("a CloudFormation intrinsic function (%s), which import-fis cannot resolve: "+
					"import the deployed template (aws fis get-experiment-template --id <its id> prints it resolved), or write the value", fn)})
			}
			s, _ := json.Marshal("(CloudFormation " + fn + ")")
			return s
		}
		var b bytes.Buffer
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			ck := k
			if !verbatim {
				ck = lowerFirst(k)
			}
			writeKey(&b, ck)
			// Below an action or a target, parameters, targets (an action's labels) and resource
			// tags are names the user chose; below them, only values.
			b.Write(c.value(m[k], member(p, ck), verbatim || cfnVerbatim[ck], untranslated))
		}
		b.WriteByte('}')
		return b.Bytes()
	}
	return raw
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
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func writeKey(b *bytes.Buffer, k string) {
	kb, _ := json.Marshal(k)
	b.Write(kb)
	b.WriteByte(':')
}
