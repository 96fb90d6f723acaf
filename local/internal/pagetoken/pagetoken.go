// Package pagetoken makes and reads the next-page tokens of listings sorted by a key (SSM's
// parameters and versions, Lambda's functions): a token names its listing and the last key
// answered, so the next page starts after it however the listing changed meanwhile, and a token
// made for another listing, or not made here, is refused.
package pagetoken

import (
	"encoding/base64"
	"strings"
)

// After is the token of the page that follows last in listing.
func After(listing, last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(listing + "\n" + last))
}

// Last reads a token After made for listing: the key its page starts after. ok is false for a
// token of another listing or not made by After.
func Last(token, listing string) (last string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", false
	}
	return strings.CutPrefix(string(raw), listing+"\n")
}
