package logs

import (
	"errors"
	"strings"
)

// pattern is a filter pattern as CloudWatch Logs reads one. Of terms, for unstructured events: an
// event matches when it holds every term of all, at least one of any (when there are some), and
// none of none; terms match case-sensitively, anywhere in the message. Or a JSON pattern
// (jsonPattern).
type pattern struct {
	all, any, none []string
	json           *jsonPattern // a JSON pattern ({ ... }) instead of terms
}

// parsePattern reads a filter pattern: terms separated by spaces, "quoted phrases" (which may hold
// spaces), ?term for an alternative, -term for an exclusion. "" matches every event.
func parsePattern(p string) (pattern, error) {
	var pt pattern
	t := strings.TrimSpace(p)
	switch {
	case strings.HasPrefix(t, "{"):
		jp, err := parseJSONPattern(t)
		pt.json = &jp
		return pt, err
	case strings.HasPrefix(t, "["):
		return pt, errors.New("space-delimited filter patterns ([a, b, ...]) are not supported by the local cloud; terms, \"quoted phrases\", ?alternatives, -exclusions and JSON patterns ({ $.field = value }) are")
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
			q, n, err := quoted(t)
			if err != nil {
				return pt, errors.New("a quoted phrase has no closing quote")
			}
			term, t = q, t[n:]
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
		if len(term) > 1 && term[0] == '%' && term[len(term)-1] == '%' {
			return pt, errors.New("regular expressions (%...%) are not supported by the local cloud")
		}
		*kind = append(*kind, term)
		t = strings.TrimLeft(t, " \t")
	}
	return pt, nil
}

func (pt pattern) match(msg string) bool {
	if pt.json != nil {
		return pt.json.match(msg)
	}
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
