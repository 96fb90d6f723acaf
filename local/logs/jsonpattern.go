package logs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/wildcard"
)

// jsonPattern is a filter pattern for JSON events, as CloudWatch Logs reads one:
//
//	{ $.level = "ERROR" }
//	{ $.msg = "document processed" && $.object_key = "input/*" }
//	{ ($.backoff_s >= 10 || $.receive_count > 3) && $.level != "DEBUG" }
//	{ $.error IS NULL }   { $.retried IS TRUE }   { $.detail NOT EXISTS }
//
// A selector is $ followed by .field and [n] steps. A string value ("quoted", \" for a quote in
// it, or a bare word) is compared with = or != and may hold * for any run of characters; a number
// (JSON's syntax) with =, !=, <, <=, >, >=, against a JSON number only. && binds tighter than ||.
// An event that lacks the field matches no comparison (NOT EXISTS is true of it); an event that is
// not a JSON object matches no JSON pattern at all.
type jsonPattern struct{ root jsonExpr }

type jsonExpr interface {
	eval(doc any) bool
}

type (
	jsonAnd  struct{ l, r jsonExpr }
	jsonOr   struct{ l, r jsonExpr }
	jsonTest struct {
		steps []any // string: a field; int: an index
		op    string
		str   string
		num   float64
		isNum bool
	}
)

func (e jsonAnd) eval(doc any) bool { return e.l.eval(doc) && e.r.eval(doc) }
func (e jsonOr) eval(doc any) bool  { return e.l.eval(doc) || e.r.eval(doc) }

func (t jsonTest) eval(doc any) bool {
	v, found := doc, true
	for _, s := range t.steps {
		switch s := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				found = false
				break
			}
			v, found = m[s]
		case int:
			a, ok := v.([]any)
			if !ok || s >= len(a) {
				found = false
				break
			}
			v = a[s]
		}
		if !found {
			break
		}
	}
	switch t.op {
	case "NOT EXISTS":
		return !found
	case "EXISTS":
		return found
	}
	if !found {
		return false
	}
	switch t.op {
	case "IS NULL":
		return v == nil
	case "IS TRUE", "IS FALSE":
		b, ok := v.(bool)
		return ok && b == (t.op == "IS TRUE")
	}
	if t.isNum {
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		if err != nil {
			return false
		}
		switch t.op {
		case "=":
			return f == t.num
		case "!=":
			return f != t.num
		case "<":
			return f < t.num
		case "<=":
			return f <= t.num
		case ">":
			return f > t.num
		case ">=":
			return f >= t.num
		}
		return false
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	eq := wildcard.Match(t.str, s)
	if t.op == "!=" {
		return !eq
	}
	return eq
}

func (p jsonPattern) match(msg string) bool {
	b := bytes.TrimSpace([]byte(msg))
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var doc any
	if d.Decode(&doc) != nil {
		return false
	}
	return p.root.eval(doc)
}

// parseJSONPattern reads a pattern that starts with '{'.
func parseJSONPattern(src string) (jsonPattern, error) {
	t := strings.TrimSpace(src)
	if !strings.HasPrefix(t, "{") || !strings.HasSuffix(t, "}") {
		return jsonPattern{}, errors.New("a JSON pattern is { selector operator value }, in braces")
	}
	ps := &jsonParser{s: t[1 : len(t)-1]}
	e, err := ps.or()
	if err != nil {
		return jsonPattern{}, err
	}
	if ps.skip(); ps.i < len(ps.s) {
		return jsonPattern{}, fmt.Errorf("unexpected %q", ps.s[ps.i:])
	}
	return jsonPattern{root: e}, nil
}

type jsonParser struct {
	s string
	i int
}

func (p *jsonParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *jsonParser) eat(tok string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func (p *jsonParser) or() (jsonExpr, error) {
	l, err := p.and()
	for err == nil && p.eat("||") {
		var r jsonExpr
		if r, err = p.and(); err == nil {
			l = jsonOr{l, r}
		}
	}
	return l, err
}

func (p *jsonParser) and() (jsonExpr, error) {
	l, err := p.term()
	for err == nil && p.eat("&&") {
		var r jsonExpr
		if r, err = p.term(); err == nil {
			l = jsonAnd{l, r}
		}
	}
	return l, err
}

func (p *jsonParser) term() (jsonExpr, error) {
	if p.eat("(") {
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, errors.New("a ( without its )")
		}
		return e, nil
	}
	steps, err := p.selector()
	if err != nil {
		return nil, err
	}
	t := jsonTest{steps: steps}
	p.skip()
	for _, op := range []string{"IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS", "EXISTS"} {
		if p.eat(op) {
			t.op = op
			return t, nil
		}
	}
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if p.eat(op) {
			t.op = op
			break
		}
	}
	if t.op == "" {
		return nil, fmt.Errorf("no operator after the selector at %q (=, !=, <, <=, >, >=, IS NULL, IS TRUE, IS FALSE, EXISTS, NOT EXISTS)", p.s[p.i:])
	}
	p.skip()
	switch {
	case p.i < len(p.s) && p.s[p.i] == '"':
		str, n, err := quoted(p.s[p.i:])
		if err != nil {
			return nil, err
		}
		t.str, p.i = str, p.i+n
	default:
		start := p.i
		for p.i < len(p.s) && !strings.ContainsRune(" \t\n)&|", rune(p.s[p.i])) {
			p.i++
		}
		word := p.s[start:p.i]
		if word == "" {
			return nil, errors.New("no value after the operator")
		}
		if len(word) > 1 && word[0] == '%' && word[len(word)-1] == '%' {
			return nil, errors.New("regular expressions (%...%) are not supported by the local cloud")
		}
		if jsonNumber.MatchString(word) {
			t.num, _ = strconv.ParseFloat(word, 64)
			t.isNum = true
		} else {
			t.str = word
		}
	}
	if !t.isNum && t.op != "=" && t.op != "!=" {
		return nil, fmt.Errorf("%s compares numbers; %q is not one", t.op, t.str)
	}
	return t, nil
}

// selector reads $ followed by .field and [n] steps.
func (p *jsonParser) selector() ([]any, error) {
	p.skip()
	if !strings.HasPrefix(p.s[p.i:], "$") {
		return nil, fmt.Errorf("a selector starts with $ (at %q)", p.s[p.i:])
	}
	p.i++
	var steps []any
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '.':
			start := p.i + 1
			p.i = start
			for p.i < len(p.s) && !strings.ContainsRune(" \t\n.[=!<>)&|", rune(p.s[p.i])) {
				p.i++
			}
			if p.i == start {
				return nil, errors.New("a . with no field name after it")
			}
			if strings.Contains(p.s[start:p.i], "*") {
				return nil, errors.New("wildcard selectors ($.*, $.a[*]) are not supported by the local cloud")
			}
			steps = append(steps, p.s[start:p.i])
		case '[':
			end := strings.IndexByte(p.s[p.i:], ']')
			n, err := strconv.Atoi(p.s[p.i+1 : p.i+max(end, 1)])
			if end < 0 || err != nil || n < 0 {
				return nil, fmt.Errorf("an index is [n] (at %q)", p.s[p.i:])
			}
			steps, p.i = append(steps, n), p.i+end+1
		default:
			if len(steps) == 0 {
				return nil, errors.New("a selector names a field: $.field")
			}
			return steps, nil
		}
	}
	if len(steps) == 0 {
		return nil, errors.New("a selector names a field: $.field")
	}
	return steps, nil
}

// jsonNumber is JSON's number syntax: what a bare value must be to compare as a number (not
// ParseFloat's, which also reads Infinity, NaN and hex).
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// quoted reads the quoted string s starts with ("...", \" a quote and \\ a backslash in it) and how
// many bytes it took.
func quoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return b.String(), i + 1, nil
		case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("a quoted value has no closing quote")
}
