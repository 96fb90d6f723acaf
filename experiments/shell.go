package experiments

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Word is one word of a shell command line after quote removal.
type Word struct {
	// Text is the word with quoting removed. A command substitution appears as its source
	// (`cmd` or $(cmd)) so the text stays faithful for messages.
	Text string
	// Subst is the command when the whole word is exactly one command substitution
	// (`date -u` or $(date -u)), else "".
	Subst string
}

// SplitWords splits a process provider's argument string the way a POSIX shell would split a
// simple command: blanks separate words; '...' is literal; "..." keeps \", \\, \$ and \`
// escapes; a backslash outside quotes escapes the next character; `...` and $(...) are command
// substitutions. Anything that needs a real shell to mean something (pipes, redirections,
// ;, &, shell variables) is an error, since the command is translated, not run.
func SplitWords(s string) ([]Word, error) {
	var (
		words   []Word
		cur     strings.Builder
		inWord  bool
		literal bool // the word has text besides one substitution
		substs  int
		subst   string
	)
	flush := func() {
		if !inWord {
			return
		}
		w := Word{Text: cur.String()}
		if substs == 1 && !literal {
			w.Subst = subst
		}
		words = append(words, w)
		cur.Reset()
		inWord, literal, substs, subst = false, false, 0, ""
	}
	addSubst := func(src, cmd string) {
		inWord = true
		substs++
		subst = cmd
		cur.WriteString(src)
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			flush()
		case c == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated single quote at character %d", i+1)
			}
			inWord, literal = true, true
			cur.WriteString(string(rs[i+1 : j]))
			i = j
		case c == '"':
			inWord = true
			j := i + 1
			closed := false
			for j < len(rs) {
				d := rs[j]
				if d == '"' {
					closed = true
					break
				}
				if d == '\\' && j+1 < len(rs) && strings.ContainsRune("\"\\$`\n", rs[j+1]) {
					if rs[j+1] != '\n' {
						cur.WriteRune(rs[j+1])
						literal = true
					}
					j += 2
					continue
				}
				if d == '`' || (d == '$' && j+1 < len(rs) && (rs[j+1] == '(' || isNameStart(rs[j+1]) || rs[j+1] == '{')) {
					src, cmd, end, err := readSubst(rs, j)
					if err != nil {
						return nil, err
					}
					cur.WriteString(src)
					substs++
					subst = cmd
					j = end
					continue
				}
				cur.WriteRune(d)
				literal = true
				j++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated double quote at character %d", i+1)
			}
			i = j
		case c == '\\':
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("trailing backslash")
			}
			inWord, literal = true, true
			if rs[i+1] != '\n' { // backslash-newline is a line continuation
				cur.WriteRune(rs[i+1])
			}
			i++
		case c == '`' || (c == '$' && i+1 < len(rs) && (rs[i+1] == '(' || isNameStart(rs[i+1]) || rs[i+1] == '{')):
			src, cmd, end, err := readSubst(rs, i)
			if err != nil {
				return nil, err
			}
			addSubst(src, cmd)
			i = end - 1
		case strings.ContainsRune("|&;<>()", c):
			return nil, fmt.Errorf("shell operator %q at character %d is not supported: write one aws command", c, i+1)
		default:
			inWord, literal = true, true
			cur.WriteRune(c)
		}
	}
	flush()
	return words, nil
}

// hiddenVar stands for a ${name} of the configuration while a command line is split: it holds no
// character the splitting reads (no $, quote, backslash or blank), and is as long as ${name}, so
// that an error's character positions are the line's.
var hiddenVar = regexp.MustCompile("\x01\x01([A-Za-z_][A-Za-z0-9_]*)\x02")

// splitWordsKeepingVars is SplitWords for a process provider's arguments after the configuration's
// ${name}s were substituted, as Chaos Toolkit substitutes them before it splits the line: a ${name}
// left as it was (validate has no stack to give it; an unset one is a problem of its own) stays in
// its word as text, quoted or not, where a shell would have read a variable.
func splitWordsKeepingVars(s string) ([]Word, error) {
	words, err := SplitWords(varRef.ReplaceAllString(s, "\x01\x01$1\x02"))
	for i := range words {
		words[i].Text = hiddenVar.ReplaceAllString(words[i].Text, "$${$1}")
		words[i].Subst = hiddenVar.ReplaceAllString(words[i].Subst, "$${$1}")
	}
	return words, err
}

func isNameStart(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
}

// readSubst reads the command substitution or variable at rs[i] and returns its source text,
// the command, and the index just after it. Variables are errors: there is no shell to set them.
func readSubst(rs []rune, i int) (src, cmd string, end int, err error) {
	if rs[i] == '`' {
		var b strings.Builder
		for j := i + 1; j < len(rs); j++ {
			switch {
			case rs[j] == '\\' && j+1 < len(rs) && strings.ContainsRune("`\\$", rs[j+1]):
				b.WriteRune(rs[j+1])
				j++
			case rs[j] == '`':
				return string(rs[i : j+1]), b.String(), j + 1, nil
			default:
				b.WriteRune(rs[j])
			}
		}
		return "", "", 0, fmt.Errorf("unterminated backquote at character %d", i+1)
	}
	// rs[i] == '$'
	if rs[i+1] != '(' {
		j := i + 1
		for j < len(rs) && (isNameStart(rs[j]) || (rs[j] >= '0' && rs[j] <= '9') || rs[j] == '{' || rs[j] == '}') {
			j++
		}
		return "", "", 0, fmt.Errorf("shell variable %s at character %d is not supported (use ${name} from the experiment's configuration)", string(rs[i:j]), i+1)
	}
	depth := 0
	var quote rune
	for j := i + 1; j < len(rs); j++ {
		c := rs[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				j++
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\\':
			j++
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return string(rs[i : j+1]), string(rs[i+2 : j]), j + 1, nil
			}
		}
	}
	return "", "", 0, fmt.Errorf("unterminated $( at character %d", i+1)
}

// relativeDate matches GNU date's "N unit ago" (and "N unit" / "-N unit"), with the units GNU date
// reads (a single letter is a military time zone to it: `date --date '5 m ago'` is an invalid date).
var relativeDate = regexp.MustCompile(`^\s*(-?\d+)\s*(sec|secs|second|seconds|min|mins|minute|minutes|hour|hours|day|days|week|weeks)\s*(ago)?\s*$`)

// bsdAdjust matches BSD/macOS date's -v adjustment, e.g. -v-5M.
var bsdAdjust = regexp.MustCompile(`^-v([+-])(\d+)([SMHdw])$`)

// dateOffset interprets a `date` command used for a --start-time/--end-time and returns how many
// seconds before now it names (0 for now). Only the forms that name a time relative to now are
// accepted: GNU `date [-u] [--date|-d 'N min ago'] [+FORMAT]` and BSD `date [-u] [-v-5M] [+FORMAT]`.
func dateOffset(cmd string) (int, error) {
	words, err := SplitWords(cmd)
	if err != nil {
		return 0, err
	}
	if len(words) == 0 || words[0].Text != "date" {
		return 0, fmt.Errorf("want a `date` command, got %q", cmd)
	}
	offset := 0
	for i := 1; i < len(words); i++ {
		w := words[i]
		if w.Subst != "" {
			return 0, fmt.Errorf("nested command substitution in %q", cmd)
		}
		t := w.Text
		switch {
		case t == "-u" || t == "--utc" || t == "--universal" || strings.HasPrefix(t, "+"):
		case t == "--date" || t == "-d":
			if i+1 >= len(words) {
				return 0, fmt.Errorf("%s needs a value in %q", t, cmd)
			}
			i++
			n, err := relativeSeconds(words[i].Text)
			if err != nil {
				return 0, err
			}
			offset += n
		case strings.HasPrefix(t, "--date="):
			n, err := relativeSeconds(strings.TrimPrefix(t, "--date="))
			if err != nil {
				return 0, err
			}
			offset += n
		case bsdAdjust.MatchString(t):
			m := bsdAdjust.FindStringSubmatch(t)
			n, err := strconv.Atoi(m[2])
			unit := map[string]int{"S": 1, "M": 60, "H": 3600, "d": 86400, "w": 7 * 86400}[m[3]]
			if err != nil || n > maxSeconds/unit {
				return 0, fmt.Errorf("date %s: want at most %d seconds (366 days) from now", t, maxSeconds)
			}
			n *= unit
			if m[1] == "-" {
				offset += n
			} else {
				offset -= n
			}
		default:
			return 0, fmt.Errorf("date option %q is not supported (want -u, --date 'N min ago', -v-NM, +FORMAT)", t)
		}
	}
	return offset, nil
}

// relativeSeconds turns GNU date's "5 min ago" / "now" into seconds before now.
func relativeSeconds(s string) (int, error) {
	if strings.TrimSpace(s) == "now" {
		return 0, nil
	}
	m := relativeDate.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("date %q is not relative to now (want e.g. '5 min ago')", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, fmt.Errorf("date %q: %w", s, err)
	}
	unit := 1
	switch m[2][0] {
	case 'm':
		unit = 60
	case 'h':
		unit = 3600
	case 'd':
		unit = 86400
	case 'w':
		unit = 7 * 86400
	}
	if n > maxSeconds/unit || n < -maxSeconds/unit {
		return 0, fmt.Errorf("date %q: want at most %d seconds (366 days) from now", s, maxSeconds)
	}
	n *= unit
	if m[3] != "ago" {
		n = -n // "5 min" is five minutes from now
	}
	return n, nil
}
