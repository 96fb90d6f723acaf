package iam

import "strings"

// glob matches s against pattern, where * matches any run of characters (including none, and
// including / and :) and ? exactly one character. Case-sensitive: callers lower-case both sides
// for case-insensitive matches.
func glob(pattern, s string) bool {
	// Iterative matching with one backtrack point: the last * seen.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchARN matches an ARN against a pattern as IAM does for the Resource element and the Arn
// condition operators: "*" matches everything; otherwise each of the six colon-separated parts
// (arn:partition:service:region:account:resource) is matched on its own, so a wildcard does not
// reach across parts (the resource part, the sixth, may itself contain colons). A pattern or
// value that is not a six-part ARN is matched as a whole.
func matchARN(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return glob(pattern, arn)
	}
	for i := range pp {
		if !glob(pp[i], ap[i]) {
			return false
		}
	}
	return true
}
