// Package pagetoken makes and reads the next-page tokens of listings sorted by a key (SSM's
// parameters and versions, Lambda's functions, Step Functions' machines, executions and events): a
// token names its listing and the last key answered, so the next page starts after it however the
// listing changed meanwhile, and a token made for another listing, or not made here, is refused.
//
// A listing is an operation and the request's other members (Scope): a token is good only for the
// request it came from with another token, as AWS's are (CloudWatch says so of GetMetricData; a
// page cut by one filter continued under another would skip or repeat items).
package pagetoken

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"sort"
	"strings"
)

// Scope is the listing of op asked for with members (the request's members but its token and page
// size, in a fixed order): op and a digest of the members.
func Scope(op string, members ...string) string {
	h := sha256.New()
	for _, m := range members {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(m)))) // length first: no two lists alike
		h.Write([]byte(m))
	}
	return op + " " + hex.EncodeToString(h.Sum(nil)[:12])
}

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

// Page is the page of a listing of sorted, distinct keys that a request with token asks for: the
// indexes [from, to) of at most n keys after the one token names (from the first without a token),
// and the token of the next page ("" when the listing ends there). ok is false for a token not
// made for listing.
func Page(keys []string, token, listing string, n int) (from, to int, next string, ok bool) {
	if token != "" {
		last, ok := Last(token, listing)
		if !ok {
			return 0, 0, "", false
		}
		from = sort.Search(len(keys), func(i int) bool { return keys[i] > last })
	}
	to = min(from+n, len(keys))
	if to < len(keys) {
		next = After(listing, keys[to-1])
	}
	return from, to, next, true
}
