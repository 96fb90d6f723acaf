package fis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Templates come in YAML too: a SAM or CloudFormation template.yaml holding an
// AWS::FIS::ExperimentTemplate, `cdk synth`'s output, `aws fis get-experiment-template --output
// yaml`. asJSON reads such a file as the JSON it stands for, so that everything after it reads one
// form: each mapping an object with its members in the file's order (FIS's action names are keys,
// and the schedule reads them in order), each scalar as YAML 1.2's core schema types it (50 a
// number, true a boolean, "50" a string: the CloudFormation form turns numbers and booleans into
// the strings FIS takes, the API's forms refuse them as FIS does), and CloudFormation's short
// tags (!Ref, !GetAtt, !Sub, ...) as their long forms ({"Ref": ...}, {"Fn::GetAtt": [...]}), which
// the CloudFormation reader knows (cloudformation.go). A file that is JSON is read as it is.

// maxYAMLNodes bounds the nodes one YAML file may expand to: an alias repeats what it names, so a
// few lines can stand for billions of nodes; no FIS template has more than a few hundred.
const maxYAMLNodes = 100000

// JSON is a template as JSON: data itself when it is JSON (its first character a brace or a
// bracket), else data read as YAML and written as JSON. A YAML error names its line. Every function
// of this package that takes a template reads YAML through it; a caller that reads the template
// itself too (its id, say) converts it once here.
func JSON(data []byte) ([]byte, error) { return asJSON(data) }

func asJSON(data []byte) ([]byte, error) {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) == 0 || t[0] == '{' || t[0] == '[' {
		return data, nil
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: read as YAML (it is not JSON): %s", ErrNotTemplate, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var more yaml.Node
	if dec.Decode(&more) == nil {
		return nil, fmt.Errorf("%w: a YAML file of several documents (---): give one template", ErrNotTemplate)
	}
	w := yamlWriter{}
	if err := w.node(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotTemplate, err)
	}
	return w.b.Bytes(), nil
}

type yamlWriter struct {
	b     bytes.Buffer
	nodes int
}

// cfnShortTags are CloudFormation's short forms whose long form is "Fn::<name>"; !Ref and
// !Condition are "Ref" and "Condition".
var cfnShortTags = map[string]bool{"Base64": true, "Cidr": true, "FindInMap": true, "GetAtt": true, "GetAZs": true,
	"ImportValue": true, "Join": true, "Select": true, "Split": true, "Sub": true, "Transform": true, "And": true,
	"Equals": true, "If": true, "Not": true, "Or": true, "Length": true, "ToJsonString": true}

func (w *yamlWriter) node(n *yaml.Node) error {
	if w.nodes++; w.nodes > maxYAMLNodes {
		return fmt.Errorf("line %d: over %d YAML nodes (its aliases expand to more than any template holds)", n.Line, maxYAMLNodes)
	}
	if name, ok := strings.CutPrefix(n.Tag, "!"); ok && !strings.HasPrefix(name, "!") {
		return w.shortTag(n, name)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return errors.New("the file is empty")
		}
		return w.node(n.Content[0])
	case yaml.AliasNode:
		return w.node(n.Alias)
	case yaml.MappingNode:
		w.b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a key that is not a plain value", k.Line)
			}
			if k.Tag == "!!merge" {
				return fmt.Errorf("line %d: a merge key (<<) is not read: write the members out", k.Line)
			}
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.str(k.Value)
			w.b.WriteByte(':')
			if err := w.node(v); err != nil {
				return err
			}
		}
		w.b.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		w.b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.b.WriteByte(',')
			}
			if err := w.node(c); err != nil {
				return err
			}
		}
		w.b.WriteByte(']')
		return nil
	}
	return w.scalar(n)
}

// scalar writes a scalar as its resolved tag types it.
func (w *yamlWriter) scalar(n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		w.b.WriteString("null")
	case "!!bool":
		var v bool
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		w.b.WriteString(strconv.FormatBool(v))
	case "!!int", "!!float":
		// An integer keeps its digits (a 12-digit account id must not become 1.23456789012e+11).
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			w.b.WriteString(strconv.FormatInt(i, 10))
			return nil
		}
		var v float64
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		b, err := json.Marshal(v)
		if err != nil { // .inf, .nan
			return fmt.Errorf("line %d: %s is no JSON number", n.Line, n.Value)
		}
		w.b.Write(b)
	default:
		w.str(n.Value)
	}
	return nil
}

// shortTag writes CloudFormation's short form !name as its long form.
func (w *yamlWriter) shortTag(n *yaml.Node, name string) error {
	long := "Fn::" + name
	switch {
	case name == "Ref" || name == "Condition":
		long = name
	case !cfnShortTags[name]:
		return fmt.Errorf("line %d: the tag !%s is no CloudFormation function", n.Line, name)
	}
	w.b.WriteByte('{')
	w.str(long)
	w.b.WriteByte(':')
	// !GetAtt Resource.Attribute is the list [Resource, Attribute].
	if name == "GetAtt" && n.Kind == yaml.ScalarNode {
		res, attr, _ := strings.Cut(n.Value, ".")
		w.b.WriteByte('[')
		w.str(res)
		w.b.WriteByte(',')
		w.str(attr)
		w.b.WriteString("]}")
		return nil
	}
	plain := *n
	plain.Tag = ""
	if n.Kind == yaml.ScalarNode {
		plain.Tag = "!!str" // !Ref 50 names the parameter "50"
	}
	if err := w.node(&plain); err != nil {
		return err
	}
	w.b.WriteByte('}')
	return nil
}

func (w *yamlWriter) str(s string) {
	b, _ := json.Marshal(s)
	w.b.Write(b)
}
