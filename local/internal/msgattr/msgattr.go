// Package msgattr holds what SQS and SNS check alike of a message attribute (SQS's developer
// guide, "Amazon SQS message attributes"; SNS's, "Amazon SNS message attributes"): its name and a
// Number's value. Each service words its refusals and checks the types itself (local/sqs,
// local/sns): SNS has String.Array and Number.Array, SQS none.
package msgattr

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// MaxNameLength is the longest attribute name: "The message attribute name can contain ... up
// to 256 characters".
const MaxNameLength = 256

// NameProblem says what is wrong with an attribute's name, as a phrase after "The message
// attribute '<name>'", or "" when nothing is. Both guides: "The name can contain the following
// characters: A-Z, a-z, 0-9, underscore(_), hyphen(-), and period (.)", it "must not start with
// AWS-reserved prefixes such as AWS. or Amazon. (or any casing variations)", "must not start or
// end with a period, and it should not have periods in succession", and "can be up to 256
// characters long".
func NameProblem(name string) string {
	lower := strings.ToLower(name)
	switch {
	case name == "":
		return "has an empty name"
	case len(name) > MaxNameLength:
		return "has a name longer than 256 characters"
	case strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
	}) >= 0:
		return "has a character other than A-Z, a-z, 0-9, underscore, hyphen and period in its name"
	case strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon."):
		return "has a name starting with AWS. or Amazon., which are reserved"
	case strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, ".."):
		return "has a name starting or ending with a period, or with two periods in a row"
	}
	return ""
}

// decimal is a number as a Number attribute writes one: digits, a sign, a point, an exponent (not
// Go's NaN, Inf, hexadecimal floats or underscores, which strconv.ParseFloat also reads).
var decimal = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)

// maxDigits is a Number's precision: "A number can have up to 38 digits of precision".
const maxDigits = 38

// IsNumber reports whether v is a Number attribute's value: a decimal number of up to 38
// significant digits, 0 or "between 10^-128 and 10^+126" in magnitude.
func IsNumber(v string) bool {
	if !decimal.MatchString(v) {
		return false
	}
	mantissa, _, _ := strings.Cut(strings.ToLower(v), "e")
	digits := strings.Trim(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, mantissa), "0") // leading and trailing zeros are no precision: 1000 and 0.001 are one digit
	if len(digits) > maxDigits {
		return false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return false // beyond float64 (1e400), and so beyond 10^126 too
	}
	m := math.Abs(f)
	return m == 0 || m >= 1e-128 && m <= 1e126
}
