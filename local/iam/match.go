package iam

import (
	"strings"
	"unicode/utf8"
)

// glob matches s against pattern, where * matches any run of characters (including none, and
// including / and :) and ? exactly one character: one rune, not one byte, as AWS's "single-character
// match wildcard (?)" matches é in an S3 key. Case-sensitive: callers lower-case both sides for
// case-insensitive matches.
func glob(pattern, s string) bool {
	// Iterative matching with one backtrack point: the last * seen. Literal bytes compare one by
	// one (UTF-8 never matches a character's bytes in the middle of another's); ? and the
	// backtrack step over a whole rune.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == '?':
			p++
			i += runeLen(s[i:])
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark += runeLen(s[mark:])
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

// runeLen is the length in bytes of s's first rune (1 for an ASCII byte or invalid UTF-8).
func runeLen(s string) int {
	if s[0] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
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
