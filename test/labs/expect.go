package labs

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Expect is a compiled expect block: lines that must appear in a command's output, in that order,
// with any other lines between them. A line of the block matches a whole line of output (both
// trimmed of surrounding spaces) where:
//
//   - a run of spaces matches any run of spaces (table columns move when numbers change width);
//   - ... matches any text, also none (what the guide trimmed); a line that is only ... matches
//     nothing and is there for the reader;
//   - {n} matches a number (-12, 3.5, 1e-3); {n:LO..HI} a number from LO to HI inclusive, either
//     bound may be left out ({n:..5}, {n:0..});
//   - {word}, any other lower-case name in braces ({port}, {time}, {id}), matches one run of
//     non-space characters: values that differ on every run, named for the reader;
//   - everything else matches itself (JSON braces such as {"isEnabled":false} included).
type Expect struct {
	lines []*patternLine
}

// patternLine is one compiled line of an expect block.
type patternLine struct {
	// text is the line as the guide wrote it, for messages.
	text string
	re   *regexp.Regexp
	// bounds holds, for each number placeholder in order (capture group i+1), its bounds.
	bounds []bound
}

// bound is a {n:LO..HI} range; an unbounded side is an infinity.
type bound struct{ lo, hi float64 }

func (b bound) contains(v float64) bool { return v >= b.lo && v <= b.hi }

func (b bound) String() string {
	side := func(v float64) string {
		if math.IsInf(v, 0) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return "[" + side(b.lo) + ".." + side(b.hi) + "]"
}

// Lines of an expect block are made of these tokens.
var (
	placeholderRE = regexp.MustCompile(`\{([a-z][a-z0-9_-]*)(?::([^{}]*))?\}`)
	numberRE      = `([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)`
	ansiRE        = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")
)

// Compile parses an expect block's body. An empty block is an error: it would check nothing.
func Compile(body string) (*Expect, error) {
	e := &Expect{}
	for i, raw := range strings.Split(body, "\n") {
		text := strings.TrimSpace(raw)
		if text == "" || text == "..." {
			continue
		}
		pl, err := compileLine(text)
		if err != nil {
			return nil, fmt.Errorf("expect line %d %q: %w", i+1, text, err)
		}
		e.lines = append(e.lines, pl)
	}
	if len(e.lines) == 0 {
		return nil, fmt.Errorf("an expect block must hold at least one line to match")
	}
	return e, nil
}

// token kinds of a pattern line.
const (
	tokLiteral = iota
	tokSpace
	tokAny
	tokNumber
	tokWord
)

type token struct {
	kind int
	text string
}

func compileLine(text string) (*patternLine, error) {
	var toks []token
	var bounds []bound
	lit := func(s string) {
		// Split literal text into words and runs of spaces.
		for len(s) > 0 {
			i := strings.IndexAny(s, " \t")
			switch {
			case i == 0:
				j := len(s) - len(strings.TrimLeft(s, " \t"))
				toks = append(toks, token{kind: tokSpace})
				s = s[j:]
			case i < 0:
				toks = append(toks, token{kind: tokLiteral, text: s})
				s = ""
			default:
				toks = append(toks, token{kind: tokLiteral, text: s[:i]})
				s = s[i:]
			}
		}
	}
	rest := text
	for len(rest) > 0 {
		ph := placeholderRE.FindStringSubmatchIndex(rest)
		dots := strings.Index(rest, "...")
		switch {
		case ph == nil && dots < 0:
			lit(rest)
			rest = ""
		case dots >= 0 && (ph == nil || dots < ph[0]):
			lit(rest[:dots])
			toks = append(toks, token{kind: tokAny})
			rest = rest[dots+3:]
		default:
			lit(rest[:ph[0]])
			name := rest[ph[2]:ph[3]]
			hasArg := ph[4] >= 0
			arg := ""
			if hasArg {
				arg = rest[ph[4]:ph[5]]
			}
			switch {
			case name == "n":
				b := bound{lo: math.Inf(-1), hi: math.Inf(1)}
				if hasArg {
					var err error
					if b, err = parseBound(arg); err != nil {
						return nil, err
					}
				}
				bounds = append(bounds, b)
				toks = append(toks, token{kind: tokNumber})
			case hasArg:
				return nil, fmt.Errorf("{%s:%s}: only {n:LO..HI} takes bounds", name, arg)
			default:
				toks = append(toks, token{kind: tokWord})
			}
			rest = rest[ph[1]:]
		}
	}
	var re strings.Builder
	re.WriteString(`^`)
	for i, t := range toks {
		switch t.kind {
		case tokLiteral:
			re.WriteString(regexp.QuoteMeta(t.text))
		case tokSpace:
			// Spaces next to ... may vanish with the text it stands for.
			if (i > 0 && toks[i-1].kind == tokAny) || (i+1 < len(toks) && toks[i+1].kind == tokAny) {
				re.WriteString(`\s*`)
			} else {
				re.WriteString(`\s+`)
			}
		case tokAny:
			re.WriteString(`.*?`)
		case tokNumber:
			re.WriteString(numberRE)
		case tokWord:
			re.WriteString(`\S+`)
		}
	}
	re.WriteString(`$`)
	compiled, err := regexp.Compile(re.String())
	if err != nil {
		return nil, err
	}
	return &patternLine{text: text, re: compiled, bounds: bounds}, nil
}

// parseBound reads LO..HI (either side may be empty).
func parseBound(arg string) (bound, error) {
	lo, hi, ok := strings.Cut(arg, "..")
	if !ok {
		return bound{}, fmt.Errorf("{n:%s}: want {n:LO..HI}, e.g. {n:0..5} or {n:20..}", arg)
	}
	b := bound{lo: math.Inf(-1), hi: math.Inf(1)}
	var err error
	if lo = strings.TrimSpace(lo); lo != "" {
		if b.lo, err = strconv.ParseFloat(lo, 64); err != nil {
			return bound{}, fmt.Errorf("{n:%s}: bad lower bound %q", arg, lo)
		}
	}
	if hi = strings.TrimSpace(hi); hi != "" {
		if b.hi, err = strconv.ParseFloat(hi, 64); err != nil {
			return bound{}, fmt.Errorf("{n:%s}: bad upper bound %q", arg, hi)
		}
	}
	if b.lo > b.hi {
		return bound{}, fmt.Errorf("{n:%s}: the lower bound is above the upper", arg)
	}
	return b, nil
}

// match reports whether the output line matches; when the text matches but a number is out of
// its bounds, why names the number.
func (p *patternLine) match(line string) (ok bool, why string) {
	m := p.re.FindStringSubmatch(line)
	if m == nil {
		return false, ""
	}
	for i, b := range p.bounds {
		v, err := strconv.ParseFloat(m[i+1], 64)
		if err != nil {
			return false, fmt.Sprintf("%q is not a number", m[i+1])
		}
		if !b.contains(v) {
			return false, fmt.Sprintf("number %d is %s, outside %s", i+1, m[i+1], b)
		}
	}
	return true, ""
}

// Lines splits output into lines as the matcher sees them: without terminal colour codes or
// carriage returns, trimmed of surrounding spaces.
func Lines(output string) []string {
	output = ansiRE.ReplaceAllString(output, "")
	output = strings.TrimSuffix(output, "\n")
	if output == "" {
		return nil
	}
	lines := strings.Split(output, "\n")
	for i, l := range lines {
		// A progress line rewritten with \r shows its last state.
		if j := strings.LastIndexByte(strings.TrimRight(l, "\r"), '\r'); j >= 0 {
			l = l[j+1:]
		}
		lines[i] = strings.TrimSpace(l)
	}
	return lines
}

// MismatchError says which line of an expect block was not found, and the closest miss: an output
// line whose text matched but whose number was out of bounds.
type MismatchError struct {
	// Pattern is the expect line not found, as written; Index its position among the block's
	// matching lines (from 0).
	Pattern string
	Index   int
	// After is the output line after which it was looked for (empty: from the start).
	After string
	// Near is an output line that matched but for a number, and Why says which.
	Near, Why string
}

func (e *MismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "expected line not found: %q", e.Pattern)
	if e.After != "" {
		fmt.Fprintf(&b, " (after %q)", e.After)
	}
	if e.Near != "" {
		fmt.Fprintf(&b, "; closest: %q: %s", e.Near, e.Why)
	}
	return b.String()
}

// Match finds the block's lines in order in lines (see Lines), from index start on. It returns
// the index just past the line matched last, where a later expectation on the same output goes on.
func (e *Expect) Match(lines []string, start int) (next int, err error) {
	j := start
	for i, p := range e.lines {
		found := false
		var near, why string
		for k := j; k < len(lines); k++ {
			ok, w := p.match(lines[k])
			if ok {
				j, found = k+1, true
				break
			}
			if w != "" && near == "" {
				near, why = lines[k], w
			}
		}
		if !found {
			me := &MismatchError{Pattern: p.text, Index: i, Near: near, Why: why}
			if j > 0 && j <= len(lines) {
				me.After = lines[j-1]
			}
			return start, me
		}
	}
	return j, nil
}

// String is the block's matching lines, one a line.
func (e *Expect) String() string {
	var b strings.Builder
	for _, p := range e.lines {
		b.WriteString(p.text)
		b.WriteByte('\n')
	}
	return b.String()
}
