package sfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/uuid"
)

// Rule is an EventBridge rule on the default bus, as AWS::Events::Rule declares it: the resolved
// Properties of that resource decode into it with encoding/json. Only the events this service emits
// ("Step Functions Execution Status Change") reach it.
type Rule struct {
	Name    string
	Arn     string          // Default: arn:aws:events:<region>:<account>:rule/<Name> of the target's region/account
	Pattern json.RawMessage `json:"EventPattern"`
	State   string          // DISABLED rules never fire. Default: ENABLED
	Targets []Target
}

// Target is a rule target: a state machine started with the event or the input derived from it.
// At most one of Input (a JSON text), InputPath and InputTransformer is set, as in EventBridge.
type Target struct {
	ID               string `json:"Id"`
	Arn              string
	RoleArn          string // the role EventBridge starts the execution with (Options.AuthorizeTarget)
	Input            string
	InputPath        string
	InputTransformer *InputTransformer
}

// InputTransformer is EventBridge's: InputPathsMap names JSONPaths into the event, and
// InputTemplate refers to them as <name> (the CDK emits this for RuleTargetInput.fromObject).
type InputTransformer struct {
	InputPathsMap map[string]string
	InputTemplate string
}

// AddRule registers (or replaces, by Name) a rule; the pattern and every target path are checked now.
func (s *Service) AddRule(r Rule) error {
	if r.Name == "" {
		return fmt.Errorf("sfn: rule Name is empty")
	}
	var pattern map[string]any
	if err := json.Unmarshal(r.Pattern, &pattern); err != nil {
		return fmt.Errorf("sfn: rule %s: Pattern: %w", r.Name, err)
	}
	for i, t := range r.Targets {
		if t.Input != "" && !json.Valid([]byte(t.Input)) {
			return fmt.Errorf("sfn: rule %s: Targets[%d].Input is not JSON", r.Name, i)
		}
		if t.InputPath != "" {
			if _, err := parsePath(t.InputPath); err != nil {
				return fmt.Errorf("sfn: rule %s: Targets[%d].InputPath: %w", r.Name, i, err)
			}
		}
		if t.InputTransformer != nil {
			for k, p := range t.InputTransformer.InputPathsMap {
				if _, err := parsePath(p); err != nil {
					return fmt.Errorf("sfn: rule %s: Targets[%d].InputTransformer.InputPathsMap[%s]: %w", r.Name, i, k, err)
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rules {
		if s.rules[i].Name == r.Name {
			s.rules[i] = r
			return nil
		}
	}
	s.rules = append(s.rules, r)
	return nil
}

// RemoveRule forgets a rule by name.
func (s *Service) RemoveRule(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rules {
		if s.rules[i].Name == name {
			s.rules = append(s.rules[:i:i], s.rules[i+1:]...)
			return
		}
	}
}

// statusEvent is the EventBridge event AWS emits when an execution changes status.
func statusEvent(x snapshot) map[string]any {
	region, account, _ := parseArn(x.MachineArn, "stateMachine")
	now := time.Now()
	if !x.Stop.IsZero() {
		now = x.Stop
	}
	detail := map[string]any{
		"executionArn":    x.Arn,
		"stateMachineArn": x.MachineArn,
		"name":            x.Name,
		"status":          x.Status,
		"startDate":       x.Start.UnixMilli(),
		"stopDate":        nil,
		"input":           x.Input,
		"output":          nil,
		"inputDetails":    map[string]any{"included": true},
		"outputDetails":   nil,
		"error":           nil,
		"cause":           nil,
	}
	if !x.Stop.IsZero() {
		detail["stopDate"] = x.Stop.UnixMilli()
	}
	if x.Output != nil {
		detail["output"] = *x.Output
		detail["outputDetails"] = map[string]any{"included": true}
	}
	if x.Error != nil {
		detail["error"] = *x.Error
	}
	if x.Cause != nil {
		detail["cause"] = *x.Cause
	}
	return map[string]any{
		"version":     "0",
		"id":          uuid.New(),
		"detail-type": "Step Functions Execution Status Change",
		"source":      "aws.states",
		"account":     account,
		"time":        now.UTC().Format(time.RFC3339),
		"region":      region,
		"resources":   []any{x.Arn},
		"detail":      detail,
	}
}

// notify delivers an execution's status change to every matching rule's targets.
func (s *Service) notify(x snapshot) {
	s.mu.Lock()
	rules := append([]Rule(nil), s.rules...)
	closed := s.closed
	s.mu.Unlock()
	if len(rules) == 0 || closed {
		return
	}
	// Round-trip through JSON so patterns and paths see what EventBridge would (numbers as float64).
	var event map[string]any
	b, _ := json.Marshal(statusEvent(x))
	_ = json.Unmarshal(b, &event)
	for _, r := range rules {
		if r.State == "DISABLED" {
			continue
		}
		var pattern map[string]any
		_ = json.Unmarshal(r.Pattern, &pattern)
		if !matchObject(pattern, event) {
			continue
		}
		for _, t := range r.Targets {
			input, err := targetInput(r, t, event)
			if err != nil {
				s.log.Error("rule target input", "rule", r.Name, "target", t.Arn, "error", err)
				continue
			}
			if s.opts.AuthorizeTarget != nil {
				if err := s.opts.AuthorizeTarget(r, t); err != nil {
					s.log.Error("rule target not started", "rule", r.Name, "target", t.Arn, "role", t.RoleArn, "error", err)
					continue
				}
			}
			arn, _, err := s.StartExecution(t.Arn, "", input)
			if err != nil {
				s.log.Error("rule target start", "rule", r.Name, "target", t.Arn, "error", err)
				continue
			}
			s.log.Info("rule started execution", "rule", r.Name, "source_execution", x.Arn, "status", x.Status, "execution_arn", arn)
		}
	}
}

func targetInput(r Rule, t Target, event map[string]any) (string, error) {
	switch {
	case t.Input != "":
		return t.Input, nil
	case t.InputPath != "":
		v, _ := evalPath(t.InputPath, event)
		b, err := json.Marshal(v)
		return string(b), err
	case t.InputTransformer != nil:
		vals := map[string]any{}
		for k, p := range t.InputTransformer.InputPathsMap {
			v, _ := evalPath(p, event) // a path that matches nothing gives null
			vals[k] = v
		}
		ruleArn := r.Arn
		if ruleArn == "" {
			region, account, _ := parseArn(t.Arn, "stateMachine")
			ruleArn = "arn:aws:events:" + region + ":" + account + ":rule/" + r.Name
		}
		vals["aws.events.rule-arn"] = ruleArn
		vals["aws.events.rule-name"] = r.Name
		vals["aws.events.event.ingestion-time"] = event["time"]
		vals["aws.events.event"] = event
		vals["aws.events.event.json"] = event
		out := fillTemplate(t.InputTransformer.InputTemplate, vals)
		if !json.Valid([]byte(out)) {
			// EventBridge passes a non-JSON template's result as a string.
			b, _ := json.Marshal(out)
			return string(b), nil
		}
		return out, nil
	default:
		b, err := json.Marshal(event)
		return string(b), err
	}
}

var placeholder = regexp.MustCompile(`<([A-Za-z0-9_.\-]+)>`)

// fillTemplate substitutes <name> placeholders: inside a JSON string a string value goes in as its
// text (other values as their JSON, escaped); outside a string every value goes in as JSON.
func fillTemplate(tmpl string, vals map[string]any) string {
	var out strings.Builder
	inString, escaped := false, false
	for i := 0; i < len(tmpl); {
		c := tmpl[i]
		if c == '<' {
			if m := placeholder.FindStringSubmatchIndex(tmpl[i:]); m != nil && m[0] == 0 {
				name := tmpl[i+m[2] : i+m[3]]
				if v, ok := vals[name]; ok {
					b, _ := json.Marshal(v)
					if inString {
						if s, isStr := v.(string); isStr {
							b, _ = json.Marshal(s)
						} else {
							b, _ = json.Marshal(string(b))
						}
						b = b[1 : len(b)-1]
					}
					out.Write(b)
					i += m[1]
					continue
				}
			}
		}
		switch {
		case escaped:
			escaped = false
		case c == '\\' && inString:
			escaped = true
		case c == '"':
			inString = !inString
		}
		out.WriteByte(c)
		i++
	}
	return out.String()
}

// matchObject applies an EventBridge event pattern to an event: every field of the pattern must
// match (AND); a "$or" field holding two or more objects matches when one of them matches at this
// level of the event (EventBridge's $or, which may nest). As in EventBridge (aws/event-ruler), "$or"
// holding anything else is an ordinary field name.
func matchObject(pattern, event map[string]any) bool {
	for k, p := range pattern {
		if alts, ok := orAlternatives(k, p); ok {
			matched := false
			for _, alt := range alts {
				if matchObject(alt, event) {
					matched = true
					break
				}
			}
			if !matched {
				return false
			}
			continue
		}
		v, present := event[k]
		switch p := p.(type) {
		case map[string]any:
			sub, ok := v.(map[string]any)
			if !ok || !matchObject(p, sub) {
				return false
			}
		case []any:
			if !matchAny(p, v, present) {
				return false
			}
		default:
			return false // patterns are objects and arrays only
		}
	}
	return true
}

// orAlternatives returns the alternatives of a "$or" pattern field: an array of at least two
// objects (aws/event-ruler's rule; anything else keeps "$or" an ordinary field name).
func orAlternatives(key string, p any) ([]map[string]any, bool) {
	arr, ok := p.([]any)
	if key != "$or" || !ok || len(arr) < 2 {
		return nil, false
	}
	alts := make([]map[string]any, 0, len(arr))
	for _, a := range arr {
		m, ok := a.(map[string]any)
		if !ok {
			return nil, false
		}
		alts = append(alts, m)
	}
	return alts, true
}

// matchAny: the event value (or any element of an array value) matches one of the pattern's values.
func matchAny(pattern []any, v any, present bool) bool {
	values := []any{v}
	if arr, ok := v.([]any); ok {
		values = arr
	}
	for _, p := range pattern {
		if m, ok := p.(map[string]any); ok {
			if matchOperator(m, values, present) {
				return true
			}
			continue
		}
		if !present {
			continue
		}
		for _, x := range values {
			if equalJSON(p, x) {
				return true
			}
		}
	}
	return false
}

func matchOperator(op map[string]any, values []any, present bool) bool {
	for name, arg := range op {
		switch name {
		case "exists":
			want, _ := arg.(bool)
			return present == want
		case "prefix", "suffix", "equals-ignore-case":
			want, ok := arg.(string)
			if !ok || !present {
				return false
			}
			for _, x := range values {
				s, ok := x.(string)
				if !ok {
					continue
				}
				if (name == "prefix" && strings.HasPrefix(s, want)) ||
					(name == "suffix" && strings.HasSuffix(s, want)) ||
					(name == "equals-ignore-case" && strings.EqualFold(s, want)) {
					return true
				}
			}
			return false
		case "anything-but":
			// A missing field never matches. Like every matcher, anything-but is applied to each
			// element of an array value, and the field matches when one element does.
			if !present {
				return false
			}
			excluded := []any{arg}
			if arr, ok := arg.([]any); ok {
				excluded = arr
			}
			for _, x := range values {
				if m, ok := arg.(map[string]any); ok {
					if !matchOperator(m, []any{x}, present) {
						return true
					}
					continue
				}
				if !slices.ContainsFunc(excluded, func(ex any) bool { return equalJSON(ex, x) }) {
					return true
				}
			}
			return false
		case "numeric":
			conds, ok := arg.([]any)
			if !ok || !present {
				return false
			}
			for _, x := range values {
				if f, ok := x.(float64); ok && numericMatch(conds, f) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

func numericMatch(conds []any, f float64) bool {
	for i := 0; i+1 < len(conds); i += 2 {
		op, _ := conds[i].(string)
		n, _ := conds[i+1].(float64)
		ok := false
		switch op {
		case "=":
			ok = f == n
		case ">":
			ok = f > n
		case ">=":
			ok = f >= n
		case "<":
			ok = f < n
		case "<=":
			ok = f <= n
		}
		if !ok {
			return false
		}
	}
	return true
}

func equalJSON(a, b any) bool {
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return bytes.Equal(ab, bb)
}

// parsePath parses EventBridge's JSONPath subset: $, .name (hyphens allowed), ['name'], [index].
func parsePath(p string) ([]any, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, fmt.Errorf("%q does not start with $", p)
	}
	var steps []any
	rest := p[1:]
	for rest != "" {
		switch rest[0] {
		case '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			name := rest[1 : 1+end]
			if name == "" {
				return nil, fmt.Errorf("%q has an empty name", p)
			}
			steps = append(steps, name)
			rest = rest[1+end:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("%q has an unclosed [", p)
			}
			inner := rest[1:end]
			if n, err := strconv.Atoi(inner); err == nil {
				steps = append(steps, n)
			} else if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
				steps = append(steps, inner[1:len(inner)-1])
			} else {
				return nil, fmt.Errorf("%q: bad subscript [%s]", p, inner)
			}
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("%q: unexpected %q", p, rest[0])
		}
	}
	return steps, nil
}

func evalPath(p string, v any) (any, bool) {
	steps, err := parsePath(p)
	if err != nil {
		return nil, false
	}
	for _, st := range steps {
		switch st := st.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[st]; !ok {
				return nil, false
			}
		case int:
			a, ok := v.([]any)
			if !ok || st < 0 || st >= len(a) {
				return nil, false
			}
			v = a[st]
		}
	}
	return v, true
}
