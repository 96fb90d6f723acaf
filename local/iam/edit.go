package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Test helpers: list the statements of a template and take one away, for table-driven tests of the
// form "remove this grant and the call it allowed is denied".

// policyDocuments are the properties of each resource type that hold policy documents
// (AWS::IAM::Role: also Policies[<i>].PolicyDocument).
var policyDocuments = map[string][]string{
	"AWS::IAM::Role":              {"AssumeRolePolicyDocument"},
	"AWS::IAM::Policy":            {"PolicyDocument"},
	"AWS::IAM::RolePolicy":        {"PolicyDocument"},
	"AWS::IAM::ManagedPolicy":     {"PolicyDocument"},
	"AWS::SQS::QueuePolicy":       {"PolicyDocument"},
	"AWS::SQS::QueueInlinePolicy": {"PolicyDocument"},
	"AWS::SNS::TopicPolicy":       {"PolicyDocument"},
	"AWS::SNS::TopicInlinePolicy": {"PolicyDocument"},
	"AWS::S3::BucketPolicy":       {"PolicyDocument"},
}

// TemplateStatements lists every policy statement of a CloudFormation template (the JSON of
// cdk.out/<stack>.template.json), by logical id, then document, then index.
func TemplateStatements(template []byte) ([]StatementRef, error) {
	t, err := decodeTemplate(template)
	if err != nil {
		return nil, err
	}
	resources, _ := t["Resources"].(map[string]any)
	var out []StatementRef
	for _, id := range sortedKeys(resources) {
		res, _ := resources[id].(map[string]any)
		typ, _ := res["Type"].(string)
		props, _ := res["Properties"].(map[string]any)
		docs := documentsOf(typ, props)
		for _, doc := range docs {
			stmts, err := statementList(props, doc)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", id, doc, err)
			}
			for i, s := range stmts {
				sm, _ := s.(map[string]any)
				sid, _ := sm["Sid"].(string)
				out = append(out, StatementRef{Policy: id, Document: doc, Index: i, Sid: sid})
			}
		}
	}
	return out, nil
}

// WithoutStatement returns the template with one statement removed (found by Sid when ref has one,
// else by Index). A document left without statements keeps an empty Statement list: the local
// cloud deploys it (AWS would refuse it). Statements of AWS managed policies are not in the template
// and cannot be removed.
func WithoutStatement(template []byte, ref StatementRef) ([]byte, error) {
	t, err := decodeTemplate(template)
	if err != nil {
		return nil, err
	}
	resources, _ := t["Resources"].(map[string]any)
	res, ok := resources[ref.Policy].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("WithoutStatement %s: no resource %q in the template", ref, ref.Policy)
	}
	props, _ := res["Properties"].(map[string]any)
	if err := removeStatement(props, ref); err != nil {
		return nil, fmt.Errorf("WithoutStatement %s: %w", ref, err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// WithoutStatement returns a copy of the stack with one statement removed (as the package
// function does for a template), for tests of the engine alone.
func (s Stack) WithoutStatement(ref StatementRef) (Stack, error) {
	out := s
	out.Resources = make([]Resource, len(s.Resources))
	copy(out.Resources, s.Resources)
	for i, r := range out.Resources {
		if r.LogicalID != ref.Policy {
			continue
		}
		props, _ := deepCopy(r.Properties).(map[string]any)
		if err := removeStatement(props, ref); err != nil {
			return Stack{}, fmt.Errorf("WithoutStatement %s: %w", ref, err)
		}
		out.Resources[i].Properties = props
		return out, nil
	}
	return Stack{}, fmt.Errorf("WithoutStatement %s: no resource %q in the stack", ref, ref.Policy)
}

func decodeTemplate(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var t map[string]any
	if err := d.Decode(&t); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return t, nil
}

func documentsOf(typ string, props map[string]any) []string {
	docs := append([]string(nil), policyDocuments[typ]...)
	if typ == "AWS::IAM::Role" {
		if _, ok := props["AssumeRolePolicyDocument"]; !ok {
			docs = nil
		}
		pols, _ := props["Policies"].([]any)
		for i := range pols {
			docs = append(docs, "Policies["+strconv.Itoa(i)+"]")
		}
	}
	return docs
}

// document returns the policy document a StatementRef.Document names within props.
func document(props map[string]any, doc string) (map[string]any, error) {
	if rest, ok := strings.CutPrefix(doc, "Policies["); ok {
		i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
		pols, _ := props["Policies"].([]any)
		if err != nil || i < 0 || i >= len(pols) {
			return nil, fmt.Errorf("no %s", doc)
		}
		pm, _ := pols[i].(map[string]any)
		d, ok := pm["PolicyDocument"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s has no PolicyDocument object", doc)
		}
		return d, nil
	}
	if doc == "" {
		return nil, fmt.Errorf("not a document of the template (an AWS managed policy or a Lambda permission)")
	}
	d, ok := props[doc].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("no %s object", doc)
	}
	return d, nil
}

func statementList(props map[string]any, doc string) ([]any, error) {
	d, err := document(props, doc)
	if err != nil {
		return nil, err
	}
	switch st := d["Statement"].(type) {
	case []any:
		return st, nil
	case map[string]any:
		return []any{st}, nil
	}
	return nil, fmt.Errorf("Statement is not a list")
}

func removeStatement(props map[string]any, ref StatementRef) error {
	d, err := document(props, ref.Document)
	if err != nil {
		return err
	}
	stmts, err := statementList(props, ref.Document)
	if err != nil {
		return err
	}
	at := -1
	if ref.Sid != "" {
		for i, s := range stmts {
			if sm, _ := s.(map[string]any); sm != nil && sm["Sid"] == ref.Sid {
				if at >= 0 {
					return fmt.Errorf("Sid %s is not unique", ref.Sid)
				}
				at = i
			}
		}
		if at < 0 {
			return fmt.Errorf("no statement with Sid %s", ref.Sid)
		}
	} else {
		if ref.Index < 0 || ref.Index >= len(stmts) {
			return fmt.Errorf("no statement #%d (%d statements)", ref.Index, len(stmts))
		}
		at = ref.Index
	}
	rest := make([]any, 0, len(stmts)-1)
	rest = append(rest, stmts[:at]...)
	d["Statement"] = append(rest, stmts[at+1:]...)
	return nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// Statements lists the statements of a stack's policy documents, as TemplateStatements does for a
// template.
func (s Stack) Statements() []StatementRef {
	var out []StatementRef
	rs := append([]Resource(nil), s.Resources...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].LogicalID < rs[j].LogicalID })
	for _, r := range rs {
		for _, doc := range documentsOf(r.Type, r.Properties) {
			stmts, err := statementList(r.Properties, doc)
			if err != nil {
				continue
			}
			for i, st := range stmts {
				sm, _ := st.(map[string]any)
				sid, _ := sm["Sid"].(string)
				out = append(out, StatementRef{Policy: r.LogicalID, Document: doc, Index: i, Sid: sid})
			}
		}
	}
	return out
}
