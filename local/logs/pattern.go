package logs

import (
	"errors"
	"strings"
)

// pattern is a filter pattern of terms, as CloudWatch Logs reads one for unstructured events: an
// event matches when it holds every term of all, at least one of any (when there are some), and
// none of none. Terms match case-sensitively, anywhere in the message.
type pattern struct {
	all, any, none []string
}

// parsePattern reads a filter pattern: terms separated by spaces, "quoted phrases" (which may hold
// spaces), ?term for an alternative, -term for an exclusion. "" matches every event.
func parsePattern(p string) (pattern, error) {
	var pt pattern
	t := strings.TrimSpace(p)
	if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		return pt, errors.New("JSON ({ $.field = value }) and space-delimited ([a, b, ...]) filter patterns are not supported by the local cloud; terms, \"quoted phrases\", ?alternatives and -exclusions are")
	}
	for t != "" {
		kind := &pt.all
		switch t[0] {
		case '?':
			kind, t = &pt.any, t[1:]
		case '-':
			kind, t = &pt.none, t[1:]
		}
		var term string
		if strings.HasPrefix(t, `"`) {
			end := strings.IndexByte(t[1:], '"')
			if end < 0 {
				return pt, errors.New("a quoted phrase has no closing quote")
			}
			term, t = t[1:1+end], t[2+end:]
		} else {
			end := strings.IndexAny(t, " \t")
			if end < 0 {
				end = len(t)
			}
			term, t = t[:end], t[end:]
		}
		if term == "" {
			return pt, errors.New("an empty term (a ?, - or \"\" with nothing after it)")
		}
		*kind = append(*kind, term)
		t = strings.TrimLeft(t, " \t")
	}
	return pt, nil
}

func (pt pattern) match(msg string) bool {
	for _, term := range pt.all {
		if !strings.Contains(msg, term) {
			return false
		}
	}
	for _, term := range pt.none {
		if strings.Contains(msg, term) {
			return false
		}
	}
	if len(pt.any) == 0 {
		return true
	}
	for _, term := range pt.any {
		if strings.Contains(msg, term) {
			return true
		}
	}
	return false
}
