// Package yamljson reads a YAML file as the JSON it stands for, so that a reader of JSON reads YAML
// too: each mapping an object with its members in the file's order, each scalar as YAML 1.2's core
// schema types it (50 a number, true a boolean, "50" a string, null; YAML 1.1's unquoted yes, no, on
// and off, booleans to a 1.1 reader and strings to 1.2, are refused; in a Plain file, a Chaos Toolkit
// experiment, so is any plain value PyYAML reads as another kind), anchors and aliases followed
// (at most MaxNodes nodes in all: an alias repeats what it names, so a few lines could stand for
// billions), one document a file. The JSON keeps the YAML's lines: each value starts on the line its
// YAML node does (an alias's repeat excepted), so a problem told by its JSON line is on that line of
// the YAML file. With CloudFormation, the short tags (!Ref, !GetAtt Res.Attr, !Sub, ...) are their
// long forms ({"Ref": ...}, {"Fn::GetAtt": ["Res", "Attr"]}); any other tag is refused.
//
//	json, err := yamljson.Convert(data, yamljson.CloudFormation) // a SAM or CloudFormation template.yaml
//	json, err := yamljson.Convert(data, yamljson.Plain)          // a Chaos Toolkit experiment in YAML
package yamljson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Tags says which YAML tags a file may use besides the core schema's.
type Tags int

const (
	// Plain refuses every tag of its own (!Ref, !custom).
	Plain Tags = iota
	// CloudFormation reads CloudFormation's short-form functions as their long forms.
	CloudFormation
)

// MaxNodes bounds the nodes one YAML file may expand to; no template or experiment has more than a
// few thousand. The JSON written is bounded too, to MaxBytes or 64 times the YAML's length, the more:
// an anchor on a long string, aliased a few thousand times, stays under MaxNodes.
const (
	MaxNodes = 100000
	MaxBytes = 16 << 20
)

// Convert reads data, one YAML document, and writes it as JSON. An error names its line.
func Convert(data []byte, tags Tags) ([]byte, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err == io.EOF {
		return nil, errors.New("the file is empty")
	} else if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	// A second document is refused whole or broken: one that does not parse is no less there.
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		return nil, errors.New("a YAML file of several documents (---): give one")
	} else if err != io.EOF {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	w := writer{tags: tags, line: 1, limit: max(MaxBytes, 64*len(data))}
	if err := w.node(&doc); err != nil {
		return nil, err
	}
	return w.b.Bytes(), nil
}

type writer struct {
	b     bytes.Buffer
	tags  Tags
	nodes int
	line  int // the output's line
	limit int // the most bytes written
}

// pad starts the next value on line, when the output is not past it.
func (w *writer) pad(line int) {
	for ; w.line < line; w.line++ {
		w.b.WriteByte('\n')
	}
}

// jsonNumber is a number as JSON writes one; leadingZero decimal digits with a leading zero.
var (
	jsonNumber  = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
	leadingZero = regexp.MustCompile(`^-?0[0-9]+$`)
)

// The numbers of YAML 1.2's core schema. yaml.v3 also reads YAML 1.1's spellings as numbers (0b101,
// 1_000, -0x1F, and -012 as octal -10), which YAML 1.2 reads as strings: they are written as the
// strings they are there.
var (
	coreInt      = regexp.MustCompile(`^[-+]?[0-9]+$`)
	coreBased    = regexp.MustCompile(`^0(o[0-7]+|x[0-9a-fA-F]+)$`)
	coreFloat    = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	coreInfinity = regexp.MustCompile(`^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$`)
)

// yaml11Bool are YAML 1.1's booleans that YAML 1.2 reads as strings (true and false are both's).
// PyYAML, which Chaos Toolkit reads its YAML with, is a YAML 1.1 reader: `overwrite: yes` is true
// there and would be the string "yes" here, so such a value is refused rather than read either way.
// (YAML 1.1 also has y and n; PyYAML leaves them strings, and so do we.)
var yaml11Bool = map[string]bool{"yes": true, "Yes": true, "YES": true, "no": true, "No": true, "NO": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true}

// cfnShortTags are CloudFormation's short forms whose long form is "Fn::<name>"; !Ref and
// !Condition are "Ref" and "Condition".
var cfnShortTags = map[string]bool{"Base64": true, "Cidr": true, "FindInMap": true, "GetAtt": true, "GetAZs": true,
	"ImportValue": true, "Join": true, "Select": true, "Split": true, "Sub": true, "Transform": true, "And": true,
	"Equals": true, "If": true, "Not": true, "Or": true, "Length": true, "ToJsonString": true}

func (w *writer) node(n *yaml.Node) error {
	if w.nodes++; w.nodes > MaxNodes {
		return fmt.Errorf("line %d: over %d YAML nodes, more than any file of this kind holds (an alias counts what it names again each time it is used)", n.Line, MaxNodes)
	}
	if w.b.Len() > w.limit {
		return fmt.Errorf("line %d: over %d bytes as JSON (its aliases repeat more than any file of this kind holds)", n.Line, w.limit)
	}
	if n.Kind != yaml.DocumentNode && n.Kind != yaml.AliasNode {
		w.pad(n.Line)
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
			if k.Style == 0 && yaml11Bool[k.Value] {
				return fmt.Errorf("line %d: the key %s is a boolean in YAML 1.1 (PyYAML's, which Chaos Toolkit reads with) and the string %q in YAML 1.2: quote it", k.Line, k.Value, k.Value)
			}
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.pad(k.Line)
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
func (w *writer) scalar(n *yaml.Node) error {
	// A YAML 1.1 boolean is refused below in words of its own.
	if w.tags == Plain && n.Style == 0 && !yaml11Bool[n.Value] {
		if py, here := pyYAMLKind(n.Value), yaml12Kind(n); py != here {
			return fmt.Errorf("line %d: %s is %s to PyYAML (YAML 1.1, which Chaos Toolkit reads with) and %s in YAML 1.2: quote it for the string, or write it as both read it", n.Line, n.Value, py, here)
		}
	}
	switch n.ShortTag() {
	case "!!null":
		w.b.WriteString("null")
	case "!!bool":
		var v bool
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %s", n.Line, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		w.b.WriteString(strconv.FormatBool(v))
	case "!!int", "!!float":
		return w.number(n)
	default:
		if n.Style == 0 && yaml11Bool[n.Value] {
			return fmt.Errorf("line %d: %s is a boolean in YAML 1.1 (PyYAML's, which Chaos Toolkit reads with) and the string %q in YAML 1.2: write true or false, or quote it for the string", n.Line, n.Value, n.Value)
		}
		w.str(n.Value)
	}
	return nil
}

// PyYAML's implicit types (its resolver's expressions, YAML 1.1's): what Chaos Toolkit reads a plain
// scalar as. Where it reads a number and YAML 1.2 a string, or the other way round (012 is octal 10
// there, 1e3 and 0o17 strings, 1_000 and 1:30 numbers; 2026-12-06 a date there, which no JSON
// holds), a plain experiment's value is refused: read either way, one of the two would be surprised.
var (
	pyFloat = regexp.MustCompile(`^([-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?|\.[0-9_]+([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$`)
	pyInt   = regexp.MustCompile(`^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$`)
	pyNull  = regexp.MustCompile(`^(~|null|Null|NULL|)$`)
	pyBool  = regexp.MustCompile(`^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	pyTime  = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)$`)
)

// pyYAMLKind is what PyYAML reads the plain scalar v as: "a number", "a boolean", "null", "a
// timestamp" or "a string".
func pyYAMLKind(v string) string {
	switch {
	case pyTime.MatchString(v):
		return "a timestamp"
	case pyNull.MatchString(v):
		return "null"
	case pyBool.MatchString(v):
		return "a boolean"
	case pyInt.MatchString(v), pyFloat.MatchString(v):
		return "a number"
	}
	return "a string"
}

// yaml12Kind is what this package writes the plain scalar n as, in pyYAMLKind's words.
func yaml12Kind(n *yaml.Node) string {
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		if plainNumber(n.Value) {
			return "a number"
		}
	}
	return "a string"
}

// plainNumber says whether a plain scalar yaml.v3 resolved as a number is one in YAML 1.2's core
// schema, as number writes it: YAML 1.1's other spellings, and decimal digits with a leading zero,
// are strings.
func plainNumber(v string) bool {
	return coreBased.MatchString(v) ||
		(coreInt.MatchString(v) || coreFloat.MatchString(v) || coreInfinity.MatchString(v)) && !leadingZero.MatchString(strings.TrimPrefix(v, "+"))
}

// number writes a scalar yaml.v3 resolved as a number: as YAML 1.2's core schema reads it.
func (w *writer) number(n *yaml.Node) error {
	v := strings.TrimPrefix(n.Value, "+")
	if n.Style&yaml.TaggedStyle == 0 { // not !!int "12", which says what it is
		switch {
		case !plainNumber(n.Value):
			w.str(n.Value) // a YAML 1.1 spelling (a string in 1.2), or a leading zero
			return nil
		case coreInfinity.MatchString(n.Value):
			return fmt.Errorf("line %d: %s is no JSON number", n.Line, n.Value)
		case coreBased.MatchString(n.Value): // unsigned in 1.2: +0x1F is a string
			i, ok := new(big.Int).SetString(n.Value[2:], map[byte]int{'o': 8, 'x': 16}[n.Value[1]])
			if !ok {
				return fmt.Errorf("line %d: %s is no number", n.Line, n.Value)
			}
			w.b.WriteString(i.String())
			return nil
		}
	}
	// A number written as JSON writes one keeps its digits, however many (a 12-digit account id
	// must not become 1.23456789012e+11). Decimal digits with a leading zero (an account id,
	// 012345678901) are the string they spell: read as a number they would lose the zero. So for a
	// tagged one too (!!int 012345678901).
	switch {
	case jsonNumber.MatchString(v):
		w.b.WriteString(v)
		return nil
	case leadingZero.MatchString(v):
		w.str(n.Value)
		return nil
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		return fmt.Errorf("line %d: %s", n.Line, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	b, err := json.Marshal(f)
	if err != nil { // .inf, .nan
		return fmt.Errorf("line %d: %s is no JSON number", n.Line, n.Value)
	}
	w.b.Write(b)
	return nil
}

// shortTag writes CloudFormation's short form !name as its long form.
func (w *writer) shortTag(n *yaml.Node, name string) error {
	long := "Fn::" + name
	switch {
	case w.tags != CloudFormation:
		return fmt.Errorf("line %d: the tag !%s is not read here (a value is a string, a number, a boolean, null, a list or a mapping)", n.Line, name)
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

func (w *writer) str(s string) {
	b, _ := json.Marshal(s)
	w.b.Write(b)
}
