package faultconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Operator is how a match condition compares the value at its path (failure-lambda 1.0's
// MatchOperator, src/types.ts).
type Operator string

// The match operators. eq, startsWith and regex compare the value's text (a string as is, a
// number in its shortest decimal form, true or false) and never hold for a missing or null value,
// an object or a list.
const (
	OpEq         Operator = "eq"         // the text equals value (the default)
	OpExists     Operator = "exists"     // the path exists and is not null; takes no value
	OpStartsWith Operator = "startsWith" // the text starts with value
	OpRegex      Operator = "regex"      // value (RE2, unanchored) matches the text
)

var operators = []Operator{OpEq, OpExists, OpStartsWith, OpRegex}

// Condition is one of a 1.0 flag's match conditions.
type Condition struct {
	// Path is the dot-separated path into the event (see Event), e.g. "body.Records.0.s3.object.key".
	Path     string
	Operator Operator
	// Value is the string compared with; empty for OpExists.
	Value string

	segs []string
	re   *regexp.Regexp
}

// String renders the condition as written, e.g. `body.Records.0.s3.object.key regex "[05]\.json$"`.
func (c Condition) String() string {
	if c.Operator == OpExists {
		return c.Path + " exists"
	}
	return fmt.Sprintf("%s %s %q", c.Path, c.Operator, c.Value)
}

// ReadsEnvelope reports whether the path starts at an SQS event's Records: on an SQS event
// conditions read each record (see Event), where no Records field exists, so such a condition
// never holds there. Package failure logs it.
func (c Condition) ReadsEnvelope() bool { return len(c.segs) > 0 && c.segs[0] == "Records" }

// sqsRecordMembers are the members of an SQS event's record (aws-lambda-go's events.SQSMessage),
// where each condition's path starts on an SQS event.
var sqsRecordMembers = []string{"messageId", "receiptHandle", "body", "md5OfBody", "md5OfMessageAttributes",
	"attributes", "messageAttributes", "eventSourceARN", "eventSource", "awsRegion"}

// NeverOnSQS reports whether the path can hold on no SQS record: it starts at the event's Records
// (ReadsEnvelope), or at a member no SQS record has (failure-lambda's own examples read an API
// Gateway event's requestContext.http.method or headers).
func (c Condition) NeverOnSQS() bool {
	return len(c.segs) > 0 && !slices.Contains(sqsRecordMembers, c.segs[0])
}

// SQSNotes say what c's faults do otherwise on an SQS-fed function (as this lab's is) than their
// names promise, for a user who writes them, before the fault is written (the function only logs
// it, once per sandbox): a match condition whose path starts at the SQS event's Records
// (ReadsEnvelope) never holds; a statuscode fault has no status code to answer with, so the
// invocation fails as an exception fault's does.
func (c Config) SQSNotes() []string {
	var out []string
	for _, f := range c.Faults {
		if f.Mode == ModeStatusCode {
			out = append(out, fmt.Sprintf("the statuscode fault answers %d only where the handler's answer has a status code (an API Gateway or function URL handler): on an SQS-fed function, as this lab's is, the invocation fails instead, as an exception fault's does, and its batch comes back after the queue's visibility timeout", f.StatusCode))
		}
		for _, m := range f.Match {
			switch {
			case m.ReadsEnvelope():
				out = append(out, fmt.Sprintf("the %s fault's condition %s reads the SQS event's envelope (Records...): on an SQS-fed function, as this lab's is, conditions read each record (paths such as body.Records.0.s3.object.key), so it never holds and the fault never fires", f.Mode, m))
			case m.NeverOnSQS():
				out = append(out, fmt.Sprintf("the %s fault's condition %s reads %s, which no SQS record has (an API Gateway event's member, say): on an SQS-fed function, as this lab's is, conditions read each record (%s; the body decoded, e.g. body.Records.0.s3.object.key), so it reads nothing there", f.Mode, m, m.segs[0], strings.Join(sqsRecordMembers, ", ")))
			}
		}
	}
	return out
}

// conditions parses a flag's match list.
func (p *parser) conditions(raw json.RawMessage, at string) ([]Condition, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, fmt.Errorf("%s: want a list of conditions such as {\"path\": \"body.Records.0.s3.object.key\", \"operator\": \"startsWith\", \"value\": \"input/\"}, got %s", at, snippet(raw))
	}
	out := make([]Condition, 0, len(list))
	for n, item := range list {
		here := fmt.Sprintf("%s[%d]", at, n)
		m, err := object(item, here)
		if err != nil {
			return nil, err
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k != "path" && k != "operator" && k != "value" {
				return nil, fmt.Errorf("%s: unknown field %q (known: path, operator, value)", here, k)
			}
		}
		c := Condition{Operator: OpEq}
		rawPath, ok := m["path"]
		if !ok {
			return nil, fmt.Errorf("%s: required", join(here, "path"))
		}
		if c.Path, err = p.str(rawPath, join(here, "path")); err != nil {
			return nil, err
		}
		c.segs = strings.Split(c.Path, ".")
		if slices.Contains(c.segs, "") {
			return nil, fmt.Errorf("%s: want dot-separated names such as requestContext.http.method, got %q", join(here, "path"), c.Path)
		}
		if raw, ok := m["operator"]; ok {
			s, err := p.str(raw, join(here, "operator"))
			if err != nil {
				return nil, err
			}
			c.Operator = Operator(s)
			if !slices.Contains(operators, c.Operator) {
				return nil, fmt.Errorf("%s: unknown operator %q (known: eq, exists, startsWith, regex)", join(here, "operator"), s)
			}
		}
		rawValue, hasValue := m["value"]
		switch {
		case c.Operator == OpExists && hasValue:
			return nil, fmt.Errorf("%s: not used by operator exists (1.0 ignores it; remove it)", join(here, "value"))
		case c.Operator != OpExists && !hasValue:
			return nil, fmt.Errorf("%s: required by operator %s", join(here, "value"), c.Operator)
		case hasValue:
			if c.Value, err = p.str(rawValue, join(here, "value")); err != nil {
				return nil, err
			}
		}
		if c.Operator == OpRegex {
			if c.re, err = regexp.Compile(c.Value); err != nil {
				return nil, fmt.Errorf("%s: bad regex %q (RE2 syntax: no lookaround, no backreferences): %v", join(here, "value"), c.Value, err)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// Event is an invocation's event as match conditions read it (ReadEvent). The zero Event matches
// no condition.
//
// A path reads the event itself, as in failure-lambda 1.0: dot-separated object keys, and a
// whole number indexes a list ("Records.0.eventSource"). An SQS event (a Records list whose
// entries have eventSource "aws:sqs") is read record by record instead, each record with its
// body decoded when the body is a JSON object or list: in this pipeline
// "body.Records.0.s3.object.key" is the key of the S3 object a record announces, and
// "attributes.ApproximateReceiveCount" its delivery count. A flag's conditions hold for the event
// when they all hold for one record; the flag then acts on the whole invocation, the batch.
type Event struct {
	roots []any
	sqs   bool
}

// SQS reports whether the event is an SQS batch, read record by record.
func (ev Event) SQS() bool { return ev.sqs }

// ReadEvent decodes an invocation's event, given as JSON (package failure marshals the handler's
// input), for match conditions.
func ReadEvent(b []byte) (Event, error) {
	v, err := decode(b)
	if err != nil {
		return Event{}, fmt.Errorf("event: %w", err)
	}
	if records, ok := sqsRecords(v); ok {
		ev := Event{sqs: true, roots: make([]any, len(records))}
		for n, r := range records {
			rec := maps.Clone(r.(map[string]any))
			if body, ok := rec["body"].(string); ok {
				if t := strings.TrimSpace(body); t != "" && (t[0] == '{' || t[0] == '[') {
					if dv, err := decode([]byte(t)); err == nil {
						rec["body"] = dv
					}
				}
			}
			ev.roots[n] = rec
		}
		return ev, nil
	}
	return Event{roots: []any{v}}, nil
}

func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// sqsRecords returns the records of an SQS event.
func sqsRecords(v any) ([]any, bool) {
	top, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	records, ok := top["Records"].([]any)
	if !ok || len(records) == 0 {
		return nil, false
	}
	for _, r := range records {
		m, ok := r.(map[string]any)
		if !ok || m["eventSource"] != "aws:sqs" {
			return nil, false
		}
	}
	return records, true
}

// Matches reports whether ev satisfies every match condition of f: for an SQS event, whether one
// record satisfies them all. A fault without conditions matches every event.
func (f *Fault) Matches(ev Event) bool {
	if len(f.Match) == 0 {
		return true
	}
	for _, root := range ev.roots {
		all := true
		for n := range f.Match {
			if !f.Match[n].holds(root) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (c *Condition) holds(root any) bool {
	v, ok := lookup(root, c.segs)
	if !ok || v == nil {
		return false
	}
	if c.Operator == OpExists {
		return true
	}
	s, ok := text(v)
	if !ok {
		return false
	}
	switch c.Operator {
	case OpStartsWith:
		return strings.HasPrefix(s, c.Value)
	case OpRegex:
		return c.re.MatchString(s)
	}
	return s == c.Value
}

// lookup follows segs from v: object keys, and list indexes in canonical decimal (as JavaScript's
// property access on an array: "0" reads the first element, "00" nothing).
func lookup(v any, segs []string) (any, bool) {
	for _, s := range segs {
		switch t := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = t[s]; !ok {
				return nil, false
			}
		case []any:
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n >= len(t) || strconv.Itoa(n) != s {
				return nil, false
			}
			v = t[n]
		default:
			return nil, false
		}
	}
	return v, true
}

// text is the string a scalar compares as, like JavaScript's String(value) in 1.0's matcher.
func text(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case bool:
		return strconv.FormatBool(t), true
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return t.String(), true
		}
		return jsNumber(f), true
	}
	return "", false
}

// jsNumber formats f as JavaScript's String(number) does for the numbers JSON carries: 100,
// 0.5, 1e+21, 1e-7.
func jsNumber(f float64) string {
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	s = strings.Replace(s, "e-0", "e-", 1)
	return strings.Replace(s, "e+0", "e+", 1)
}
