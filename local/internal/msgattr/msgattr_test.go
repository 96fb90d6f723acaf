package msgattr

import (
	"strings"
	"testing"
)

func TestNameProblem(t *testing.T) {
	for name, ok := range map[string]bool{
		"price": true, "Order_Id-2.v1": true, strings.Repeat("n", 256): true, "awsome": true, "AWS": true,
		"": false, strings.Repeat("n", 257): false, "a b": false, "a/b": false, "é": false,
		"AWS.x": false, "aws.x": false, "Amazon.x": false, "AMAZON.x": false,
		".a": false, "a.": false, "a..b": false,
	} {
		if got := NameProblem(name); (got == "") != ok {
			t.Errorf("NameProblem(%.20q) = %q, want ok %v", name, got, ok)
		}
	}
}

// A Number: decimal, up to 38 significant digits, 0 or 10^-128 to 10^126 in magnitude.
func TestIsNumber(t *testing.T) {
	for v, ok := range map[string]bool{
		"0": true, "-1.5": true, "+2": true, ".5": true, "5.": true, "1.5e3": true, "-1E126": true, "1e-128": true,
		strings.Repeat("9", 38): true, "0." + strings.Repeat("9", 38): true, strings.Repeat("1", 38) + "000": true,
		"00012": true, "0.000": true,
		"": false, "abc": false, "NaN": false, "-Infinity": false, "0x1p4": false, "1_000": false, "1e": false, " 1": false,
		"1e127": false, "-1e127": false, "1e-129": false, "1e400": false,
		strings.Repeat("9", 39): false, "1." + strings.Repeat("1", 38): false,
	} {
		if got := IsNumber(v); got != ok {
			t.Errorf("IsNumber(%q) = %v, want %v", v, got, ok)
		}
	}
}
