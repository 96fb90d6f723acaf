package yamljson

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// A YAML file reads as the JSON it stands for: members in order, scalars typed as YAML 1.2's core
// schema types them (an account id's digits kept), anchors followed, each value on its YAML line.
func TestConvert(t *testing.T) {
	in := `# a comment
title: Minor delays
count: 50
ratio: 0.5
account: 123456789012
zeroed: 012345678901
big: 12345678901234567890
quoted: "50"
"on": true
none: null
empty:
list:
  - a
  - &x {k: v}
  - *x
text: |
  two
  lines
`
	out, err := Convert([]byte(in), Plain)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"title":"Minor delays","count":50,"ratio":0.5,"account":123456789012,"zeroed":"012345678901","big":12345678901234567890,"quoted":"50","on":true,"none":null,"empty":null,` +
		`"list":["a",{"k":"v"},{"k":"v"}],"text":"two\nlines\n"}`
	var compact bytes.Buffer
	if err := json.Compact(&compact, out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if compact.String() != want {
		t.Errorf("got  %s\nwant %s", compact.String(), want)
	}
	// Each value on its line: "ratio" is on line 4 of the YAML, and of the JSON.
	lines := strings.Split(string(out), "\n")
	if len(lines) < 4 || !strings.Contains(lines[3], `"ratio":0.5`) {
		t.Errorf("line 4 of the JSON is %q, want the ratio's (the YAML's line 4)\n%s", lines[min(3, len(lines)-1)], out)
	}
}

func TestConvertRefuses(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e]\n"
	for _, c := range []struct {
		name, in string
		tags     Tags
		want     string
	}{
		{"empty", "", Plain, "the file is empty"},
		{"comments only", "# nothing\n", Plain, "the file is empty"},
		{"bad YAML", "a: [1,\n", Plain, "line"},
		{"two documents", "a: 1\n---\nb: 2\n", Plain, "several documents"},
		// A second document that does not parse is there all the same, and so is what follows "...".
		{"a broken second document", "a: 1\n---\nb: [\n", Plain, "line"},
		{"garbage after the document's end", "a: 1\n...\ngarbage: [\n", Plain, "line"},
		// PyYAML (Chaos Toolkit's) reads yes, no, on, off as booleans, YAML 1.2 as strings.
		{"a YAML 1.1 boolean", "overwrite: yes\n", Plain, `line 1: yes is a boolean in YAML 1.1 (PyYAML's, which Chaos Toolkit reads with) and the string "yes" in YAML 1.2: write true or false`},
		{"a YAML 1.1 boolean in a list", "a:\n  - Off\n", CloudFormation, "line 2: Off is a boolean in YAML 1.1"},
		{"a YAML 1.1 boolean as a key", "a: 1\non: 2\n", Plain, "line 2: the key on is a boolean in YAML 1.1"},
		{"a merge key", "base: &b {x: 1}\nother:\n  <<: *b\n", Plain, "line 3: a merge key (<<) is not read"},
		{"a tag, plain", "a: !Ref B\n", Plain, "line 1: the tag !Ref is not read here"},
		{"an unknown CloudFormation tag", "a: !Frobnicate B\n", CloudFormation, "line 1: the tag !Frobnicate is no CloudFormation function"},
		{"a key that is a list", "? [a, b]\n: 1\n", Plain, "line 1: a key that is not a plain value"},
		{"infinity", "a: .inf\n", Plain, "line 1: .inf is no JSON number"},
		{"a tagged value that is not its tag", "a: !!bool maybe\n", Plain, "line 1: cannot decode !!str `maybe` as a !!bool"},
		{"an alias bomb", bomb, Plain, "over 100000 YAML nodes"},
		{"many nodes, no alias", strings.Repeat("- x\n", 100001), Plain, "over 100000 YAML nodes, more than any file of this kind holds"},
		// 10 KB behind an anchor, aliased 10,000 times: 100 MB of JSON from a 50 KB file.
		{"an alias bomb of a long string", "a: &a \"" + strings.Repeat("x", 10000) + "\"\nb: [" + strings.TrimSuffix(strings.Repeat("*a, ", 10000), ", ") + "]\n", Plain, "bytes as JSON"},
	} {
		if _, err := Convert([]byte(c.in), c.tags); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
}

// Numbers are YAML 1.2's core schema's: YAML 1.1's other spellings, which yaml.v3 also reads as
// numbers, are the strings 1.2 reads; 1.2's hexadecimal and octal are their values; a quoted or
// 1.1 boolean-looking value that is quoted is the string.
func TestConvertNumbersAsYAML12(t *testing.T) {
	in := "a: -012\nb: 0b101\nc: 1_000\nd: +12\ne: 0o17\nf: 0x1F\ng: -0x1F\nh: .5\ni: 1e3\nj: 012\nk: -7\nl: \"yes\"\nm: !!str no\nn: 12345678901234567890123\no: y\np: +0x1F\nq: !!int 012\nr: !!int 123456789012345678901\n"
	out, err := Convert([]byte(in), CloudFormation)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	want := `{"a":"-012","b":"0b101","c":"1_000","d":12,"e":15,"f":31,"g":"-0x1F","h":0.5,"i":1e3,"j":"012","k":-7,"l":"yes","m":"no","n":12345678901234567890123,"o":"y","p":"+0x1F","q":"012","r":123456789012345678901}`
	if compact.String() != want {
		t.Errorf("got  %s\nwant %s", compact.String(), want)
	}
}

// A Chaos Toolkit experiment's plain scalar that PyYAML (Chaos Toolkit's YAML 1.1 reader) and YAML
// 1.2 read as different kinds is refused with its line; one both read alike is written.
func TestConvertRefusesWhatPyYAMLReadsOtherwise(t *testing.T) {
	// The timestamps as PyYAML 6.0 resolves them (checked by hand: a date, datetimes with a t, a
	// space, a fraction, a zone, one-digit month and hour; 2026-13-45 matches and fails to load).
	for _, v := range []string{"012", "-012", "1_000", "0b101", "0o17", "1e3", "1:30", "1.0e3", "2026-12-06", "2001-12-14t21:59:43.10-05:00",
		"2001-12-14 21:59:43.10 -5", "2001-1-2 3:04:05", "2026-12-06T10:00:00 Z", "2026-13-45"} {
		if _, err := Convert([]byte("a: "+v+"\n"), Plain); err == nil || !strings.Contains(err.Error(), "line 1: "+v+" is a ") || !strings.Contains(err.Error(), "to PyYAML") {
			t.Errorf("%s: %v, want it refused, PyYAML reading it otherwise", v, err)
		}
		if _, err := Convert([]byte("a: \""+v+"\"\n"), Plain); err != nil {
			t.Errorf("%q quoted: %v", v, err)
		}
	}
	for v, want := range map[string]string{"0x1F": "31", "12": "12", "1.5": "1.5", ".5": "0.5", "+12": "12", "-7": "-7", "0": "0", "1.0e+3": "1.0e+3", "~": "null", "text": `"text"`,
		// Strings to PyYAML too.
		"2026-12-6": `"2026-12-6"`, "2026-12-06 10:00": `"2026-12-06 10:00"`, "2026-12-06T10:00:00+0100": `"2026-12-06T10:00:00+0100"`} {
		out, err := Convert([]byte("a: "+v+"\n"), Plain)
		if err != nil || string(out) != `{"a":`+want+`}` {
			t.Errorf("%s: %s %v, want {\"a\":%s}", v, out, err, want)
		}
	}
}

// CloudFormation's short tags are their long forms; !GetAtt's dotted form is the list.
func TestConvertCloudFormationTags(t *testing.T) {
	in := "a: !Ref Bucket\nb: !GetAtt Role.Arn\nc: !Sub 'arn:${AWS::Partition}:s3:::x'\nd: !Join [',', [x, !Ref Y]]\ne: !Ref 50\n"
	out, err := Convert([]byte(in), CloudFormation)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, out); err != nil {
		t.Fatal(err)
	}
	want := `{"a":{"Ref":"Bucket"},"b":{"Fn::GetAtt":["Role","Arn"]},"c":{"Fn::Sub":"arn:${AWS::Partition}:s3:::x"},"d":{"Fn::Join":[",",["x",{"Ref":"Y"}]]},"e":{"Ref":"50"}}`
	if compact.String() != want {
		t.Errorf("got  %s\nwant %s", compact.String(), want)
	}
}

// FuzzConvert: any bytes convert without a panic into valid JSON or an error, and never past
// MaxNodes (an alias bomb is refused, not expanded).
func FuzzConvert(f *testing.F) {
	for _, s := range []string{"a: 1\n", "- [a, {b: c}]\n", "x: &a [1, 2]\ny: *a\n", "k: !Sub '${AWS::Region}'\n", "t: |\n  x\n", "? [a]\n: b\n", "a: .nan\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tags := range []Tags{Plain, CloudFormation} {
			out, err := Convert(data, tags)
			if err == nil && !json.Valid(out) {
				t.Fatalf("not JSON: %q from %q", out, data)
			}
		}
	})
}
