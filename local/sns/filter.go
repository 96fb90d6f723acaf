package sns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/wildcard"
)

// A subscription's FilterPolicy, as SNS reads it: a JSON object whose keys name message attributes
// (FilterPolicyScope MessageAttributes, the default) or fields of the JSON message (MessageBody,
// where objects nest). Keys are ANDed; each key's array is ORed; "$or" takes alternative objects.
// A condition is a string, number, boolean or null to equal, or one operator: prefix, suffix,
// equals-ignore-case, anything-but (a value, a list, or a prefix/suffix), numeric, exists, cidr.
// Bad policies are refused when set, with SNS's InvalidParameter and the reason.

// Filter policy scopes (the subscription's FilterPolicyScope).
const (
	ScopeAttributes = "MessageAttributes"
	ScopeBody       = "MessageBody"
)

// SNS's limits on a policy's size: the product of its keys' value counts (summed over $or
// alternatives), and its keys.
const (
	maxFilterCombinations = 150
	maxFilterKeys         = 5
)

// filterPolicy is a compiled FilterPolicy.
type filterPolicy struct {
	scope string
	root  *fpObject
}

// fpObject is one level of a policy: every key must match, and one alternative of every $or.
type fpObject struct {
	keys []fpKey
	ors  [][]*fpObject
}

// fpKey is a key with its conditions (any may match) or, in the body scope, a nested object.
type fpKey struct {
	name  string
	conds []cond
	sub   *fpObject
}

type condKind int

const (
	condEqual condKind = iota // v
	condPrefix
	condSuffix
	condIgnoreCase
	condAnythingBut // set, or prefix/suffix in s
	condNumeric
	condExists
	condCIDR
	condWildcard // s with '*' for any run of characters
)

type cond struct {
	kind   condKind
	v      fval   // condEqual
	s      string // prefix, suffix, equals-ignore-case, anything-but's prefix/suffix
	abKind condKind
	set    []fval // anything-but's values
	bounds []bound
	exists bool
	cidr   netip.Prefix
}

type bound struct {
	op string
	n  float64
}

type fkind int

const (
	fString fkind = iota
	fNumber
	fBool
	fNull
)

// fval is one value a condition looks at: a string, number, boolean or null.
type fval struct {
	kind fkind
	s    string
	n    float64
	b    bool
}

func (a fval) equal(b fval) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case fString:
		return a.s == b.s
	case fNumber:
		return a.n == b.n
	case fBool:
		return a.b == b.b
	}
	return true
}

// parseFilterPolicy compiles policy for scope ("" is MessageAttributes).
func parseFilterPolicy(policy, scope string) (*filterPolicy, error) {
	scope, err := filterScope(scope)
	if err != nil {
		return nil, err
	}
	if len(policy) > 256*1024 {
		return nil, errors.New("FilterPolicy: longer than 256 KB")
	}
	var raw map[string]any
	if err := decodeJSON(policy, &raw); err != nil || raw == nil {
		return nil, fmt.Errorf("FilterPolicy: not a JSON object (%v)", err)
	}
	if len(raw) == 0 {
		return nil, errors.New("FilterPolicy: an empty object")
	}
	root, err := parseObject(raw, scope, "")
	if err != nil {
		return nil, fmt.Errorf("FilterPolicy: %w", err)
	}
	if combinations(root) > maxFilterCombinations {
		return nil, fmt.Errorf("FilterPolicy: more than %d combinations of values", maxFilterCombinations)
	}
	if n := leafKeys(root); n > maxFilterKeys {
		return nil, fmt.Errorf("FilterPolicy: %d keys, at most %d", n, maxFilterKeys)
	}
	return &filterPolicy{scope: scope, root: root}, nil
}

// filterScope checks a FilterPolicyScope ("" is MessageAttributes).
func filterScope(scope string) (string, error) {
	switch scope {
	case "":
		return ScopeAttributes, nil
	case ScopeAttributes, ScopeBody:
		return scope, nil
	}
	return "", fmt.Errorf("FilterPolicyScope: %q is not %s or %s", scope, ScopeAttributes, ScopeBody)
}

// decodeJSON decodes s, numbers as json.Number, and refuses anything after the value.
func decodeJSON(s string, v any) error {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("more after the JSON value")
	}
	return nil
}

// leafKeys counts the keys that hold conditions, in the policy and every $or alternative.
func leafKeys(o *fpObject) int {
	n := 0
	for _, k := range o.keys {
		if k.sub != nil {
			n += leafKeys(k.sub)
		} else {
			n++
		}
	}
	for _, alts := range o.ors {
		for _, a := range alts {
			n += leafKeys(a)
		}
	}
	return n
}

// isOr is whether a "$or" value is the operator: an array of at least 2 objects, none of them an
// operator object (such as {"prefix": "a"}). Otherwise "$or" is an attribute name like any other.
func isOr(v []any) bool {
	if len(v) < 2 {
		return false
	}
	for _, a := range v {
		m, ok := a.(map[string]any)
		if !ok || len(m) == 0 {
			return false
		}
		for k := range m {
			if operators[k] {
				return false
			}
		}
	}
	return true
}

// operators are the condition operators' names.
var operators = map[string]bool{"prefix": true, "suffix": true, "equals-ignore-case": true, "anything-but": true,
	"numeric": true, "exists": true, "cidr": true, "wildcard": true}

func parseObject(raw map[string]any, scope, path string) (*fpObject, error) {
	o := &fpObject{}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	slices.Sort(names) // errors name the first bad key in a stable order
	for _, k := range names {
		at := path + k
		switch v := raw[k].(type) {
		case []any:
			if k == "$or" && isOr(v) {
				alts, err := parseOr(v, scope, path)
				if err != nil {
					return nil, err
				}
				o.ors = append(o.ors, alts)
				continue
			}
			if len(v) == 0 {
				return nil, fmt.Errorf("%s: an empty array matches nothing", at)
			}
			key := fpKey{name: k}
			for i, c := range v {
				cd, err := parseCond(c)
				if err != nil {
					return nil, fmt.Errorf("%s[%d]: %w", at, i, err)
				}
				key.conds = append(key.conds, cd)
			}
			o.keys = append(o.keys, key)
		case map[string]any:
			if scope != ScopeBody {
				return nil, fmt.Errorf("%s: scope %s takes no nested object (only %s does)", at, ScopeAttributes, ScopeBody)
			}
			if len(v) == 0 {
				return nil, fmt.Errorf("%s: an empty object", at)
			}
			sub, err := parseObject(v, scope, at+".")
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, fpKey{name: k, sub: sub})
		default:
			return nil, fmt.Errorf("%s: want an array of conditions, got %s", at, jsonfields.A(jsonfields.ValueKind(v)))
		}
	}
	return o, nil
}

func parseOr(v []any, scope, path string) ([]*fpObject, error) {
	if len(v) < 2 {
		return nil, fmt.Errorf("%s$or: want at least 2 alternatives", path)
	}
	alts := make([]*fpObject, 0, len(v))
	for i, a := range v {
		m, ok := a.(map[string]any)
		if !ok || len(m) == 0 {
			return nil, fmt.Errorf("%s$or[%d]: want a non-empty object", path, i)
		}
		o, err := parseObject(m, scope, path)
		if err != nil {
			return nil, err
		}
		alts = append(alts, o)
	}
	return alts, nil
}

// literal reads a string, number, boolean or null of a policy.
func literal(v any) (fval, error) {
	switch x := v.(type) {
	case nil:
		return fval{kind: fNull}, nil
	case string:
		return fval{kind: fString, s: x}, nil
	case bool:
		return fval{kind: fBool, b: x}, nil
	case json.Number:
		n, err := x.Float64()
		if err != nil {
			return fval{}, fmt.Errorf("number %s: %v", x, err)
		}
		return fval{kind: fNumber, n: n}, nil
	}
	return fval{}, fmt.Errorf("want a value, got %s", jsonfields.A(jsonfields.ValueKind(v)))
}

// number reads a bound of numeric matching, which SNS takes in -1e9..1e9.
func number(x json.Number) (float64, error) {
	n, err := x.Float64()
	if err != nil || math.Abs(n) > 1e9 {
		return 0, fmt.Errorf("number %s: want -1000000000..1000000000", x)
	}
	return n, nil
}

// fiveDecimals is n to the five digits after the point numeric matching is accurate to.
func fiveDecimals(n float64) float64 { return math.Round(n*1e5) / 1e5 }

func parseCond(c any) (cond, error) {
	m, ok := c.(map[string]any)
	if !ok {
		v, err := literal(c)
		return cond{kind: condEqual, v: v}, err
	}
	if len(m) != 1 {
		return cond{}, fmt.Errorf("an operator object has exactly one key, got %d", len(m))
	}
	for op, arg := range m {
		str := func(k condKind) (cond, error) {
			s, ok := arg.(string)
			if !ok {
				return cond{}, fmt.Errorf("%s: want a string, got %s", op, jsonfields.A(jsonfields.ValueKind(arg)))
			}
			return cond{kind: k, s: s}, nil
		}
		switch op {
		case "prefix":
			return str(condPrefix)
		case "suffix":
			return str(condSuffix)
		case "equals-ignore-case":
			return str(condIgnoreCase)
		case "exists":
			b, ok := arg.(bool)
			if !ok {
				return cond{}, fmt.Errorf("exists: want true or false, got %s", jsonfields.A(jsonfields.ValueKind(arg)))
			}
			return cond{kind: condExists, exists: b}, nil
		case "cidr":
			s, ok := arg.(string)
			if !ok {
				return cond{}, fmt.Errorf("cidr: want a string, got %s", jsonfields.A(jsonfields.ValueKind(arg)))
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return cond{}, fmt.Errorf("cidr: %v", err)
			}
			return cond{kind: condCIDR, cidr: p.Masked()}, nil
		case "wildcard":
			c, err := str(condWildcard)
			if err == nil {
				err = checkWildcard(c.s)
			}
			return c, err
		case "numeric":
			return parseNumeric(arg)
		case "anything-but":
			return parseAnythingBut(arg)
		}
		return cond{}, fmt.Errorf("unknown operator %q (want prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists or cidr)", op)
	}
	panic("unreachable")
}

func parseNumeric(arg any) (cond, error) {
	l, ok := arg.([]any)
	if !ok || len(l) == 0 || len(l)%2 != 0 || len(l) > 4 {
		return cond{}, errors.New(`numeric: want ["=", n], [op, n] or [">"|">=", n, "<"|"<=", n]`)
	}
	c := cond{kind: condNumeric}
	for i := 0; i < len(l); i += 2 {
		op, _ := l[i].(string)
		x, ok := l[i+1].(json.Number)
		if !ok {
			return cond{}, fmt.Errorf("numeric: %v after %q is not a number", l[i+1], op)
		}
		n, err := number(x)
		if err != nil {
			return cond{}, fmt.Errorf("numeric: %w", err)
		}
		c.bounds = append(c.bounds, bound{op: op, n: n})
	}
	ops := make([]string, len(c.bounds))
	for i, b := range c.bounds {
		ops[i] = b.op
	}
	lower := func(op string) bool { return op == ">" || op == ">=" }
	upper := func(op string) bool { return op == "<" || op == "<=" }
	switch {
	case len(ops) == 1 && (ops[0] == "=" || lower(ops[0]) || upper(ops[0])):
	case len(ops) == 2 && lower(ops[0]) && upper(ops[1]):
		if c.bounds[0].n >= c.bounds[1].n {
			return cond{}, fmt.Errorf("numeric: the range %v..%v is empty", c.bounds[0].n, c.bounds[1].n)
		}
	default:
		return cond{}, fmt.Errorf("numeric: operators %q: want =, <, <=, >, >=, or a lower bound then an upper one", ops)
	}
	return c, nil
}

func parseAnythingBut(arg any) (cond, error) {
	c := cond{kind: condAnythingBut, abKind: condEqual}
	switch x := arg.(type) {
	case map[string]any:
		if len(x) != 1 {
			return cond{}, errors.New("anything-but: an operator object has exactly one key")
		}
		for op, v := range x {
			s, ok := v.(string)
			if !ok || s == "" {
				return cond{}, fmt.Errorf("anything-but: %s: want a non-empty string", op)
			}
			switch op {
			case "prefix":
				c.abKind = condPrefix
			case "suffix":
				c.abKind = condSuffix
			case "wildcard":
				if err := checkWildcard(s); err != nil {
					return cond{}, fmt.Errorf("anything-but: %w", err)
				}
				c.abKind = condWildcard
			default:
				return cond{}, fmt.Errorf("anything-but: unknown operator %q (want prefix, suffix or wildcard)", op)
			}
			c.s = s
		}
		return c, nil
	case []any:
		if len(x) == 0 {
			return cond{}, errors.New("anything-but: an empty list")
		}
		for _, v := range x {
			f, err := literal(v)
			if err != nil || (f.kind != fString && f.kind != fNumber) {
				return cond{}, fmt.Errorf("anything-but: list values are strings or numbers, got %s", jsonfields.A(jsonfields.ValueKind(v)))
			}
			c.set = append(c.set, f)
		}
		return c, nil
	}
	f, err := literal(arg)
	if err != nil || (f.kind != fString && f.kind != fNumber) {
		return cond{}, fmt.Errorf("anything-but: want a string, a number, a list of them, or a prefix/suffix, got %s", jsonfields.A(jsonfields.ValueKind(arg)))
	}
	c.set = []fval{f}
	return c, nil
}

// checkWildcard refuses what SNS refuses of a wildcard pattern: more than 3 '*', or two in a row.
func checkWildcard(p string) error {
	if n := strings.Count(p, "*"); n > 3 {
		return fmt.Errorf("wildcard %q: %d '*', at most 3", p, n)
	}
	if strings.Contains(p, "**") {
		return fmt.Errorf("wildcard %q: consecutive '*'", p)
	}
	return nil
}

// combinations is the policy's size as SNS counts it, saturating above maxFilterCombinations (a
// policy of many keys would overflow an int).
func combinations(o *fpObject) int {
	capped := func(n int) int { return min(n, maxFilterCombinations+1) }
	n := 1
	for _, k := range o.keys {
		if k.sub != nil {
			n = capped(n * combinations(k.sub))
		} else {
			n = capped(n * len(k.conds))
		}
	}
	for _, alts := range o.ors {
		sum := 0
		for _, a := range alts {
			sum = capped(sum + combinations(a))
		}
		n = capped(n * sum)
	}
	return n
}

// match is whether one present value satisfies c (exists is decided by the caller).
func (c cond) match(v fval) bool {
	switch c.kind {
	case condEqual:
		return c.v.equal(v)
	case condPrefix:
		return v.kind == fString && strings.HasPrefix(v.s, c.s)
	case condSuffix:
		return v.kind == fString && strings.HasSuffix(v.s, c.s)
	case condIgnoreCase:
		return v.kind == fString && strings.EqualFold(v.s, c.s)
	case condWildcard:
		return v.kind == fString && wildcard.Match(c.s, v.s)
	case condAnythingBut:
		switch c.abKind {
		case condPrefix:
			return v.kind == fString && !strings.HasPrefix(v.s, c.s)
		case condSuffix:
			return v.kind == fString && !strings.HasSuffix(v.s, c.s)
		case condWildcard:
			return v.kind == fString && !wildcard.Match(c.s, v.s)
		}
		if v.kind != fString && v.kind != fNumber {
			return false
		}
		return !slices.ContainsFunc(c.set, v.equal)
	case condNumeric:
		if v.kind != fNumber {
			return false
		}
		n := fiveDecimals(v.n)
		for _, b := range c.bounds {
			ok := false
			switch bn := fiveDecimals(b.n); b.op {
			case "=":
				ok = n == bn
			case "<":
				ok = n < bn
			case "<=":
				ok = n <= bn
			case ">":
				ok = n > bn
			case ">=":
				ok = n >= bn
			}
			if !ok {
				return false
			}
		}
		return true
	case condCIDR:
		if v.kind != fString {
			return false
		}
		a, err := netip.ParseAddr(v.s)
		return err == nil && c.cidr.Contains(a)
	}
	return false
}

// matchKey decides one key given its values (present reports whether the key is there at all).
func (k fpKey) matchValues(vals []fval, present bool) bool {
	for _, c := range k.conds {
		if c.kind == condExists {
			if c.exists == present {
				return true
			}
			continue
		}
		for _, v := range vals {
			if c.match(v) {
				return true
			}
		}
	}
	return false
}

// filterOutcome is why a delivery was filtered out, as the AWS/SNS metric names it. A message the
// policy does not match counts as filterOut and as filterOut-<scope>; one that cannot be judged
// counts only under its reason.
type filterOutcome string

const (
	filterMatched      filterOutcome = ""
	filterOut          filterOutcome = "NumberOfNotificationsFilteredOut"
	filterNoAttributes filterOutcome = "NumberOfNotificationsFilteredOut-NoMessageAttributes"
	filterInvalidAttrs filterOutcome = "NumberOfNotificationsFilteredOut-InvalidAttributes"
	filterInvalidBody  filterOutcome = "NumberOfNotificationsFilteredOut-InvalidMessageBody"
)

// decide is whether the message passes the policy, and if not, which metric counts it.
func (f *filterPolicy) decide(in PublishInput) filterOutcome {
	if f.scope == ScopeBody {
		var body map[string]any
		if err := decodeJSON(in.Message, &body); err != nil || body == nil {
			return filterInvalidBody
		}
		if len(body) > 0 && matchBody(f.root, body) {
			return filterMatched
		}
		return filterOut
	}
	if len(in.MessageAttributes) == 0 {
		return filterNoAttributes
	}
	vals := map[string][]fval{}
	for name, a := range in.MessageAttributes {
		v, ok := attributeValues(a)
		if !ok {
			return filterInvalidAttrs
		}
		if v != nil {
			vals[name] = v
		}
	}
	if matchAttributes(f.root, vals) {
		return filterMatched
	}
	return filterOut
}

// attributeValues are the values a message attribute offers a policy: one for String and Number,
// each element of a String.Array or Number.Array; nil for Binary, which SNS does not filter on. ok
// is false for an array that is not a JSON array.
func attributeValues(a MessageAttribute) ([]fval, bool) {
	switch base, _, _ := strings.Cut(a.DataType, "."); {
	case a.DataType == "String.Array" || a.DataType == "Number.Array":
		var l []any
		if err := decodeJSON(a.StringValue, &l); err != nil {
			return nil, false
		}
		out := make([]fval, 0, len(l))
		for _, e := range l {
			if f, err := literal(e); err == nil {
				out = append(out, f)
			}
		}
		return out, true
	case base == "Number":
		n, err := strconv.ParseFloat(a.StringValue, 64)
		if err != nil {
			return nil, false
		}
		return []fval{{kind: fNumber, n: n}}, true
	case base == "String":
		return []fval{{kind: fString, s: a.StringValue}}, true
	}
	return nil, true
}

// orsMatch is whether every $or of o has an alternative that matches.
func (o *fpObject) orsMatch(match func(*fpObject) bool) bool {
	for _, alts := range o.ors {
		if !slices.ContainsFunc(alts, match) {
			return false
		}
	}
	return true
}

func matchAttributes(o *fpObject, vals map[string][]fval) bool {
	for _, k := range o.keys {
		v, present := vals[k.name]
		if !k.matchValues(v, present) {
			return false
		}
	}
	return o.orsMatch(func(a *fpObject) bool { return matchAttributes(a, vals) })
}

func matchBody(o *fpObject, body map[string]any) bool {
	for _, k := range o.keys {
		raw := lookup(body, k.name)
		if k.sub != nil {
			if !matchNested(k.sub, raw) {
				return false
			}
			continue
		}
		// A leaf's values: a scalar, or the scalars of an array (nested arrays too). The key
		// exists for exists: true only with a non-null value that is not an object or empty.
		vals := scalars(raw, nil)
		present := slices.ContainsFunc(vals, func(v fval) bool { return v.kind != fNull })
		if !k.matchValues(vals, present) {
			return false
		}
	}
	return o.orsMatch(func(a *fpObject) bool { return matchBody(a, body) })
}

// lookup is body's value at key, or, for a dotted key the body does not hold as such ("order.total"),
// at its path of nested objects, as SNS reads a dotted key.
func lookup(body map[string]any, key string) any {
	if v, ok := body[key]; ok {
		return v
	}
	head, rest, dotted := strings.Cut(key, ".")
	if !dotted {
		return nil
	}
	if m, ok := body[head].(map[string]any); ok {
		return lookup(m, rest)
	}
	return nil
}

// scalars appends the strings, numbers, booleans and nulls of v (v itself, or the elements of an
// array, at any depth) to out; objects give none.
func scalars(v any, out []fval) []fval {
	if l, ok := v.([]any); ok {
		for _, e := range l {
			out = scalars(e, out)
		}
		return out
	}
	if _, isObject := v.(map[string]any); isObject {
		return out
	}
	if f, err := literal(v); err == nil {
		return append(out, f)
	}
	return out
}

// matchNested matches a nested policy against an object, or any object of an array (at any
// depth); where there is no object the policy meets an empty one, which only exists: false passes.
func matchNested(o *fpObject, raw any) bool {
	switch x := raw.(type) {
	case map[string]any:
		return matchBody(o, x)
	case []any:
		return slices.ContainsFunc(x, func(e any) bool {
			_, isList := e.([]any)
			m, isObject := e.(map[string]any)
			return isObject && matchBody(o, m) || isList && matchNested(o, e)
		})
	}
	return matchBody(o, map[string]any{})
}

// noPolicy is whether a FilterPolicy attribute sets no policy: empty, or {} (how SNS removes one).
func noPolicy(p string) bool {
	var b bytes.Buffer
	return strings.TrimSpace(p) == "" || (json.Compact(&b, []byte(p)) == nil && b.String() == "{}")
}
