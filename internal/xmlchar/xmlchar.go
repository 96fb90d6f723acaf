// Package xmlchar says which characters XML 1.0 can carry (its Char production: #x9, #xA, #xD,
// #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF): SQS takes only those in a message or attribute,
// and an XML body (S3's DeleteObjects) cannot name a key holding another.
package xmlchar

import "unicode/utf8"

// Is reports whether r is a character XML 1.0 allows.
func Is(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || 0x20 <= r && r <= 0xD7FF ||
		0xE000 <= r && r <= 0xFFFD || 0x10000 <= r && r <= utf8.MaxRune
}

// Valid reports whether s is valid UTF-8 of characters XML 1.0 allows only.
func Valid(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !Is(r) {
			return false
		}
	}
	return true
}
