// Package sfnname is Step Functions' rule for an execution's name, for both sides of the API: the
// client that checks a name before it asks (chaoslab run, naming its flag) and the local service
// that answers StartExecution (local/sfn, with AWS's error codes).
package sfnname

import (
	"strings"
	"unicode"
	"unicode/utf16"
)

// MaxLength is the longest name, in UTF-16 code units: the service counts characters as Java does.
const MaxLength = 80

// TooLong reports whether name is longer than MaxLength.
func TooLong(name string) bool { return len(utf16.Encode([]rune(name))) > MaxLength }

// Forbidden is the characters the rule names besides white space and control characters.
const Forbidden = "<>{}[]?*\"#%\\^|~`$&,;:/"

// BadRune returns the first character of name the rule forbids: white space, a control character
// (U+0000-001F and U+007F-009F, as AWS's rule counts them) or one of Forbidden; ok is false when
// there is none.
func BadRune(name string) (r rune, ok bool) {
	for _, c := range name {
		if c < 0x20 || c >= 0x7f && c <= 0x9f || unicode.IsSpace(c) || strings.ContainsRune(Forbidden, c) {
			return c, true
		}
	}
	return 0, false
}
