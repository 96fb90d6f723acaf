package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// numberText writes a tolerance's bound as the number it is, not as the file spelled it: -10.0 and
// -10 both read "-10", so the text is the same whichever tool last wrote the file (jq 1.6 rewrites
// -10.0 as -10, jq 1.7 keeps it), and the lab guides' expected output does not depend on it. Plain
// decimals from 1e-6 up to 1e21, Go's shortest exponent form outside them; -0 reads 0.
func numberText(f float64) string {
	if f == 0 {
		return "0"
	}
	if a := math.Abs(f); a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// rangeText is how a range tolerance reads: [min, max], or one side alone where the other is the
// largest number there is (an alarm's threshold as import-fis writes it: [-1.7976931348623157e+308,
// 50] is "at most 50").
func rangeText(lo, hi float64) string {
	switch {
	case lo == -math.MaxFloat64 && hi == math.MaxFloat64:
		return "any number"
	case lo == -math.MaxFloat64:
		return "at most " + numberText(hi)
	case hi == math.MaxFloat64:
		return "at least " + numberText(lo)
	}
	return fmt.Sprintf("[%s, %s]", numberText(lo), numberText(hi))
}

// bound reads a tolerance's number; one beyond float64's range (1e400) is a problem at p, not +Inf.
func (c *compiler) bound(n json.Number, p string) (float64, bool) {
	f, err := n.Float64()
	if err != nil {
		c.fail(p, "%s is not a number this tool can hold (beyond ±1.8e308)", n)
		return 0, false
	}
	return f, true
}

// tolerance reduces a Chaos Toolkit tolerance to [min, max]. process says the probe is a process,
// whose value Chaos Toolkit checks a number or a list against is its exit status, not its output.
func (c *compiler) tolerance(raw json.RawMessage, p string, process bool) (Tolerance, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		c.fail(p, "%v", err)
		return Tolerance{}, false
	}
	switch x := v.(type) {
	case json.Number:
		if process {
			// chaoslib compares a number with a process's {"status", "stdout", "stderr"} by its
			// status: 0 passes whenever the aws CLI succeeds, whatever the metric.
			c.fail(p, "a number on a process probe is the exit status Chaos Toolkit checks, not the value the command prints: write {\"type\": \"range\", \"range\": [%s, %s], \"target\": \"stdout\"} to check the value", x, x)
			return Tolerance{}, false
		}
		f, ok := c.bound(x, p)
		if !ok {
			return Tolerance{}, false
		}
		return Tolerance{Type: ToleranceExact, Min: f, Max: f, Text: numberText(f)}, true
	case bool:
		if process {
			c.fail(p, "a boolean on a process probe is compared with the process's whole result ({\"status\", \"stdout\", \"stderr\"}) in Chaos Toolkit, which it never equals: write {\"type\": \"range\", \"range\": [min, max], \"target\": \"stdout\"} to check the value")
			return Tolerance{}, false
		}
		// Chaos Toolkit checks `value == tolerance`; in Python 1.0 == True and 0.0 == False.
		f := 0.0
		if x {
			f = 1
		}
		return Tolerance{Type: ToleranceBoolean, Min: f, Max: f, Text: fmt.Sprint(x)}, true
	case map[string]any:
		switch t, ok := x["type"]; {
		case !ok:
			c.fail(p, "an object tolerance needs a type: write {\"type\": \"range\", \"range\": [min, max]}")
			return Tolerance{}, false
		case t != "range":
			what := jsonValue(t)
			if str, ok := t.(string); ok {
				what = strconv.Quote(str)
			}
			c.fail(p+".type", "tolerance type %s is not translated (want a number, a boolean or {\"type\": \"range\", \"range\": [min, max]})", what)
			return Tolerance{}, false
		}
		var bounds []string // the bounds written as members of their own
		members := []string{"type", "range", "target"}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			switch k {
			case "type", "range", "target":
			case "min", "max", "lower", "upper", "from", "to":
				if _, hasRange := x["range"]; !hasRange {
					bounds = append(bounds, strconv.Quote(k))
					continue
				}
				c.fail(p+"."+k, "%s: the bounds are range's, [min, max]", unknownKey(k, members))
			default:
				c.fail(p+"."+k, "%s", unknownKey(k, members))
			}
		}
		if len(bounds) > 0 {
			c.fail(p, "a range tolerance has its bounds in one member: write \"range\": [min, max] (got %s)", strings.Join(bounds, " and "))
			return Tolerance{}, false
		}
		// chaoslib ranges a process's {"status", "stdout", "stderr"} by the member target names,
		// and a python probe's value as it is (a target there indexes a number and fails).
		switch t, ok := x["target"]; {
		case ok && !process:
			c.fail(p+".target", "a python probe's value is the number itself: leave target out (Chaos Toolkit would look it up in the number)")
		case ok && t != "stdout":
			c.fail(p+".target", "want \"stdout\" (the probe's value), got %v", t)
		case !ok && process:
			c.fail(p, "a range on a process probe needs \"target\": \"stdout\": without it Chaos Toolkit ranges the process's whole result ({\"status\", \"stdout\", \"stderr\"}), not the value it prints")
		}
		rv, given := x["range"]
		r, isList := rv.([]any)
		if !isList || len(r) != 2 {
			got := "none (required)"
			if given {
				got = describeValue(rv)
			}
			c.fail(p+".range", "want [min, max], got %s", got)
			return Tolerance{}, false
		}
		lo, ok1 := r[0].(json.Number)
		hi, ok2 := r[1].(json.Number)
		for i, ok := range []bool{ok1, ok2} {
			if !ok {
				c.fail(fmt.Sprintf("%s.range[%d]", p, i), "want a number, got %s", describeValue(r[i]))
			}
		}
		if !ok1 || !ok2 {
			return Tolerance{}, false
		}
		a, ok1 := c.bound(lo, p+".range[0]")
		b, ok2 := c.bound(hi, p+".range[1]")
		if !ok1 || !ok2 {
			return Tolerance{}, false
		}
		if a > b {
			c.fail(p+".range", "min %v is above max %v", a, b)
			return Tolerance{}, false
		}
		return Tolerance{Type: ToleranceRange, Min: a, Max: b, Text: rangeText(a, b)}, true
	case []any:
		// Chaos Toolkit: min <= value <= max for two values, the value is one of them for more;
		// for a process, its exit status is one of them (chaoslib hypothesis.within_tolerance).
		if process {
			c.fail(p, "a list on a process probe is the exit statuses Chaos Toolkit accepts, not bounds of the output: write {\"type\": \"range\", \"range\": [min, max], \"target\": \"stdout\"} to bound the value")
			return Tolerance{}, false
		}
		if len(x) != 2 {
			c.fail(p, "a list of %d values is Chaos Toolkit's list of the values a probe may return, which the lab does not translate: write [min, max], the bounds of a range", len(x))
			return Tolerance{}, false
		}
		lo, ok1 := x[0].(json.Number)
		hi, ok2 := x[1].(json.Number)
		if !ok1 || !ok2 {
			c.fail(p, "want [min, max], two numbers")
			return Tolerance{}, false
		}
		a, ok1 := c.bound(lo, p+"[0]")
		b, ok2 := c.bound(hi, p+"[1]")
		if !ok1 || !ok2 {
			return Tolerance{}, false
		}
		if a > b {
			c.fail(p, "min %v is above max %v", a, b)
			return Tolerance{}, false
		}
		return Tolerance{Type: ToleranceRange, Min: a, Max: b, Text: rangeText(a, b)}, true
	default:
		c.fail(p, "tolerance %s is not translated (want a number, a boolean, [min, max] or {\"type\": \"range\", \"range\": [min, max]})", string(raw))
		return Tolerance{}, false
	}
}

// describeValue names a decoded JSON value for a message: its kind, and the value itself when short
// (`JSON string "a"`, `a list of 3`, `null`).
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case []any:
		return fmt.Sprintf("a list of %d", len(x))
	case map[string]any:
		return "a JSON object"
	case string:
		if len(x) <= 40 {
			return fmt.Sprintf("JSON string %q", x)
		}
		return "a JSON string"
	case json.Number:
		return "JSON number " + x.String()
	case bool:
		return fmt.Sprintf("JSON %t", x)
	}
	return fmt.Sprintf("%v", v)
}
