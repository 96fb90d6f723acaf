// Package wildcard matches the '*' patterns AWS services take in string comparisons (SNS filter
// policies' wildcard operator, CloudWatch Logs' JSON filter patterns): '*' is any run of
// characters, also none and '/' too (unlike path.Match's); every other character is itself.
package wildcard

import "strings"

// Match reports whether s matches pattern.
func Match(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
