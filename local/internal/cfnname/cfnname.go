// Package cfnname is how the local cloud names a resource the template gives no name, as
// CloudFormation does: shared by the deployer (local/template) and the tests that predict its names.
package cfnname

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// PhysicalName names a resource as CloudFormation does when the template gives no name:
// <stack>-<logicalId>-<suffix>, truncated to maxLen. The suffix is a hash of stack and logical id
// instead of random, so a redeploy gets the same names.
func PhysicalName(stack, logical string, maxLen int, lower bool) string {
	suffix := strings.ToUpper(HashSuffix(stack+"/"+logical, 12))
	room := maxLen - len(suffix) - 2
	s, l := stack, logical
	for len(s)+len(l) > room && (len(s) > 0 || len(l) > 0) {
		if len(l) >= len(s) && len(l) > 0 {
			l = l[:len(l)-1]
		} else {
			s = s[:len(s)-1]
		}
	}
	name := s + "-" + l + "-" + suffix
	if lower {
		name = strings.ToLower(name)
	}
	return name
}

// HashSuffix is the first n characters of s's SHA-256 in lower-case base32.
func HashSuffix(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))[:n]
}
