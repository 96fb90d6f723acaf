package iam

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// condition is one key of one operator block: "StringEquals": {"aws:SourceAccount": [...]}.
type condition struct {
	operator string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	op       *operator
	set      setQualifier
	ifExists bool
	key      string // lower case: condition keys are case-insensitive
	keyName  string // as written
	values   []string
}

type setQualifier int

const (
	single setQualifier = iota
	forAnyValue
	forAllValues
)

// operator is a condition operator without its qualifiers. match compares one request value with
// one policy value; a negated operator is true when no policy value matches.
type operator struct {
	name    string
	negated bool
	match   func(ctx, pol string) bool
	// check validates a policy value at load time.
	check func(pol string) error
}

var operators = map[string]*operator{}

func init() {
	add := func(name, not string, match func(ctx, pol string) bool, check func(string) error) {
		operators[name] = &operator{name: name, match: match, check: check}
		if not != "" {
			operators[not] = &operator{name: not, negated: true, match: match, check: check}
		}
	}
	add("StringEquals", "StringNotEquals", func(c, p string) bool { return c == p }, nil)
	add("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", strings.EqualFold, nil)
	add("StringLike", "StringNotLike", func(c, p string) bool { return glob(p, c) }, nil)
	add("ArnEquals", "ArnNotEquals", func(c, p string) bool { return matchARN(p, c) }, nil)
	add("ArnLike", "ArnNotLike", func(c, p string) bool { return matchARN(p, c) }, nil)
	add("BinaryEquals", "", func(c, p string) bool { return c == p }, nil)
	add("Bool", "", func(c, p string) bool { return strings.EqualFold(c, p) }, func(p string) error {
		if !strings.EqualFold(p, "true") && !strings.EqualFold(p, "false") {
			return fmt.Errorf("%q is not true or false", p)
		}
		return nil
	})
	numeric := func(cmp func(a, b float64) bool) func(c, p string) bool {
		return func(c, p string) bool {
			a, err1 := strconv.ParseFloat(c, 64)
			b, err2 := strconv.ParseFloat(p, 64)
			return err1 == nil && err2 == nil && cmp(a, b)
		}
	}
	checkNum := func(p string) error {
		if _, err := strconv.ParseFloat(p, 64); err != nil {
			return fmt.Errorf("%q is not a number", p)
		}
		return nil
	}
	add("NumericEquals", "NumericNotEquals", numeric(func(a, b float64) bool { return a == b }), checkNum)
	add("NumericLessThan", "", numeric(func(a, b float64) bool { return a < b }), checkNum)
	add("NumericLessThanEquals", "", numeric(func(a, b float64) bool { return a <= b }), checkNum)
	add("NumericGreaterThan", "", numeric(func(a, b float64) bool { return a > b }), checkNum)
	add("NumericGreaterThanEquals", "", numeric(func(a, b float64) bool { return a >= b }), checkNum)
	date := func(cmp func(a, b time.Time) bool) func(c, p string) bool {
		return func(c, p string) bool {
			a, ok1 := parseDate(c)
			b, ok2 := parseDate(p)
			return ok1 && ok2 && cmp(a, b)
		}
	}
	checkDate := func(p string) error {
		if _, ok := parseDate(p); !ok {
			return fmt.Errorf("%q is not a date (ISO 8601 or epoch seconds)", p)
		}
		return nil
	}
	add("DateEquals", "DateNotEquals", date(time.Time.Equal), checkDate)
	add("DateLessThan", "", date(time.Time.Before), checkDate)
	add("DateLessThanEquals", "", date(func(a, b time.Time) bool { return !a.After(b) }), checkDate)
	add("DateGreaterThan", "", date(time.Time.After), checkDate)
	add("DateGreaterThanEquals", "", date(func(a, b time.Time) bool { return !a.Before(b) }), checkDate)
	add("IpAddress", "NotIpAddress", func(c, p string) bool {
		ip, err := netip.ParseAddr(c)
		if err != nil {
			return false
		}
		pre, err := parsePrefix(p)
		return err == nil && pre.Contains(ip)
	}, func(p string) error { _, err := parsePrefix(p); return err })
	// Null is evaluated on its own (condition.eval); its values are true or false.
	operators["Null"] = &operator{name: "Null", check: operators["Bool"].check}
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block", s)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR block", s)
	}
	return p.Masked(), nil
}

// parseDate reads the date forms IAM accepts: ISO 8601 (with or without time) and epoch seconds.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	return time.Time{}, false
}

// multivalued are the condition keys (lower case) that can hold several values in one request, each
// of type ArrayOf... in AWS's service authorization reference: "Multivalued context keys require a
// condition set operator" (IAM user guide), so a plain operator on one is refused.
var multivalued = map[string]bool{
	"aws:tagkeys":                   true,
	"aws:calledvia":                 true,
	"aws:principalservicenameslist": true,
	"aws:principalorgpaths":         true,
	"dynamodb:leadingkeys":          true,
	"dynamodb:attributes":           true,
}

// parseConditions reads a Condition element: {operator: {key: value or [values]}}. An unknown
// operator, or a value the operator cannot compare, is an error.
func parseConditions(v any) ([]condition, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want an object, got %T", v)
	}
	var out []condition
	for _, opName := range sortedKeys(m) {
		c := condition{operator: opName}
		name := opName
		if q, rest, ok := strings.Cut(name, ":"); ok {
			switch q {
			case "ForAnyValue":
				c.set = forAnyValue
			case "ForAllValues":
				c.set = forAllValues
			default:
				return nil, fmt.Errorf("operator %q: unknown set qualifier %q (want ForAnyValue or ForAllValues)", opName, q)
			}
			name = rest
		}
		if base, ok := strings.CutSuffix(name, "IfExists"); ok && base != "Null" {
			c.ifExists = true
			name = base
		}
		op, ok := operators[name]
		if !ok {
			return nil, fmt.Errorf("operator %q is not supported by the local IAM (supported: %s, with ...IfExists and ForAnyValue:/ForAllValues:)",
				opName, strings.Join(sortedKeys(operators), ", "))
		}
		if op.name == "Null" && c.set != single {
			return nil, fmt.Errorf("operator %q: Null takes no set qualifier", opName)
		}
		c.op = op
		block, ok := m[opName].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("operator %s: want {key: values}, got %T", opName, m[opName])
		}
		if len(block) == 0 {
			return nil, fmt.Errorf("operator %s: no condition keys", opName)
		}
		for _, key := range sortedKeys(block) {
			values, err := stringList(block[key])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", opName, key, err)
			}
			for _, val := range values {
				if strings.Contains(val, "${") {
					return nil, fmt.Errorf("%s %s %q: policy variables are not supported by the local IAM", opName, key, val)
				}
				if op.check != nil {
					if err := op.check(val); err != nil {
						return nil, fmt.Errorf("%s %s: %w", opName, key, err)
					}
				}
			}
			if c.set == single && op.name != "Null" && multivalued[strings.ToLower(key)] {
				return nil, fmt.Errorf("%s %s: a multivalued key needs a set operator (ForAllValues:%s to allow only listed values, ForAnyValue:%s for any of them); without one AWS leaves a request of several values undocumented",
					opName, key, opName, opName)
			}
			k := c
			k.key, k.keyName = strings.ToLower(key), key
			k.values = values
			out = append(out, k)
		}
	}
	return out, nil
}

// eval evaluates the condition against the request context (keys lower case).
func (c *condition) eval(ctx map[string][]string) bool {
	vals, present := ctx[c.key]
	present = present && len(vals) > 0
	if c.op.name == "Null" {
		for _, p := range c.values {
			if strings.EqualFold(p, "true") != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == forAllValues:
			return true // vacuously: every one of no values matches
		case c.set == forAnyValue:
			return false
		}
		return c.op.negated // a missing key matches no value, so a negated operator holds
	}
	// one reports whether one request value satisfies the operator.
	one := func(v string) bool {
		hit := false
		for _, p := range c.values {
			if c.op.match(v, p) {
				hit = true
				break
			}
		}
		return hit != c.op.negated
	}
	switch c.set {
	case forAllValues:
		for _, v := range vals {
			if !one(v) {
				return false
			}
		}
		return true
	case forAnyValue:
		for _, v := range vals {
			if one(v) {
				return true
			}
		}
		return false
	}
	// A single-valued key (a multivalued one needs a set operator: parseConditions); for several
	// values, a positive operator needs one to match and a negated one needs none to.
	if c.op.negated {
		for _, v := range vals {
			if !one(v) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if one(v) {
			return true
		}
	}
	return false
}

// String renders the condition for a summary: "ArnLike aws:SourceArn=arn:aws:s3:::b".
func (c *condition) String() string {
	return c.operator + " " + c.keyName + "=" + strings.Join(c.values, "|")
}
