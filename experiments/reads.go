package experiments

import (
	"regexp"
	"strings"
	"unicode"
)

// Reads says in words what the probe measures, for a reader who does not speak CloudWatch metric
// math (the report's probe table shows it under the probe's name, its Query beside it):
//
//	Percent in flight = ((2 × JSON messages in) − (DynamoDB writes + CSV messages out)) / (2 × JSON messages in) × 100 (each metric a Sum over the window)
//	the Sum of AWS/SNS NumberOfNotificationsFailed over the window
//
// Each query id of an expression is replaced by its query's label, or by its metric's name when
// it has none; "" when the probe has no query that returns data.
func (p CompiledProbe) Reads() string {
	byID := map[string]MetricDataQuery{}
	var ret *MetricDataQuery
	for i, q := range p.MetricDataQueries {
		byID[q.Id] = q
		if ret == nil && (q.ReturnData == nil || *q.ReturnData) {
			ret = &p.MetricDataQueries[i]
		}
	}
	if ret == nil {
		return ""
	}
	if m := ret.MetricStat; m != nil {
		return "the " + m.Stat + " of " + m.Metric.Namespace + " " + m.Metric.MetricName + " over the window"
	}
	// A label the compiler made from the probe's name says nothing the name does not.
	label := func(q MetricDataQuery) string {
		if q.Label == p.Name {
			return ""
		}
		return q.Label
	}
	// Unlabelled metrics are named by their metric's name, and by their dimensions' values too
	// where two share it (the JSON queue's NumberOfMessagesSent and the CSV queue's).
	sameName := map[string]int{}
	for _, q := range p.MetricDataQueries {
		if q.MetricStat != nil && label(q) == "" {
			sameName[q.MetricStat.Metric.MetricName]++
		}
	}
	stats := map[string]bool{}
	name := func(id string) (string, bool) {
		q, ok := byID[id]
		if !ok {
			return "", false
		}
		if q.MetricStat != nil {
			stats[q.MetricStat.Stat] = true
		}
		if l := label(q); l != "" {
			return l, true
		}
		if m := q.MetricStat; m != nil {
			if sameName[m.Metric.MetricName] < 2 || len(m.Metric.Dimensions) == 0 {
				return m.Metric.MetricName, true
			}
			var values []string
			for _, d := range m.Metric.Dimensions {
				values = append(values, d.Value)
			}
			return m.Metric.MetricName + " (" + strings.Join(values, ", ") + ")", true
		}
		return id, true
	}
	formula, ok := readExpression(ret.Expression, name)
	if !ok {
		formula = ret.Expression
	}
	s := formula
	if l := label(*ret); l != "" {
		s = l + " = " + formula
	}
	if len(stats) == 1 {
		for stat := range stats {
			s += " (each metric a " + stat + " over the window)"
		}
	}
	return s
}

// exprToken is one token of a metric math expression: an identifier (a query id or a function's
// name), a number, a quoted string, an operator or punctuation.
type exprToken struct {
	text string
	kind byte // 'i' identifier, 'n' number, 's' string, 'o' operator, 'p' punctuation
}

var exprOperators = []string{"<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "^", "<", ">"}

// wordOperators are metric math's operators spelled as words: a sign after one is a sign.
var wordOperators = map[string]bool{"AND": true, "OR": true, "NOT": true}

// tokenize splits a metric math expression; false when it holds a character metric math has
// no use for (the caller then shows the expression as written).
func tokenize(expr string) ([]exprToken, bool) {
	var out []exprToken
	for i := 0; i < len(expr); {
		c := rune(expr[i])
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '_' || unicode.IsLetter(c):
			j := i + 1
			for j < len(expr) && (expr[j] == '_' || unicode.IsLetter(rune(expr[j])) || unicode.IsDigit(rune(expr[j]))) {
				j++
			}
			out, i = append(out, exprToken{expr[i:j], 'i'}), j
		case unicode.IsDigit(c) || c == '.':
			j := i + 1
			for j < len(expr) && (unicode.IsDigit(rune(expr[j])) || expr[j] == '.' ||
				(expr[j] == 'e' || expr[j] == 'E') ||
				((expr[j] == '+' || expr[j] == '-') && (expr[j-1] == 'e' || expr[j-1] == 'E'))) {
				j++
			}
			out, i = append(out, exprToken{expr[i:j], 'n'}), j
		case c == '"' || c == '\'':
			j := strings.IndexByte(expr[i+1:], expr[i])
			if j < 0 {
				return nil, false
			}
			out, i = append(out, exprToken{expr[i : i+j+2], 's'}), i+j+2
		case strings.ContainsRune("(),[]{}:", c):
			out, i = append(out, exprToken{expr[i : i+1], 'p'}), i+1
		default:
			found := false
			for _, op := range exprOperators {
				if strings.HasPrefix(expr[i:], op) {
					out, i, found = append(out, exprToken{op, 'o'}), i+len(op), true
					break
				}
			}
			if !found {
				return nil, false
			}
		}
	}
	return out, true
}

// readExpression writes expr with its query ids named (name) and its operators as a reader writes
// them: × and − spaced between their operands, a sign against its number.
func readExpression(expr string, name func(id string) (string, bool)) (string, bool) {
	toks, ok := tokenize(expr)
	if !ok || len(toks) == 0 {
		return "", false
	}
	var b strings.Builder
	for i, t := range toks {
		unary := t.kind == 'o' && (t.text == "-" || t.text == "+") &&
			(i == 0 || toks[i-1].kind == 'o' || toks[i-1].text == "(" || toks[i-1].text == "," || toks[i-1].text == "[" ||
				toks[i-1].kind == 'i' && wordOperators[toks[i-1].text])
		text := t.text
		switch t.kind {
		case 'i':
			// A function's name (followed by its parenthesis) is kept; an id is named.
			if i+1 < len(toks) && toks[i+1].text == "(" {
				break
			}
			if wordOperators[t.text] {
				text = " " + t.text + " "
				break
			}
			if n, ok := name(t.text); ok {
				text = n
			}
		case 'o':
			text = map[string]string{"*": "×", "-": "−"}[t.text]
			if text == "" {
				text = t.text
			}
			if !unary {
				text = " " + text + " "
			}
		case 'p':
			if t.text == "," {
				text = ", "
			}
		}
		b.WriteString(text)
	}
	return spaces.ReplaceAllString(strings.TrimSpace(b.String()), " "), true
}

var spaces = regexp.MustCompile(`\s{2,}`)
