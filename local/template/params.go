package template

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Parameter is one entry of a template's Parameters section.
type Parameter struct {
	Type           string `json:"Type"`
	Default        any    `json:"Default"`
	AllowedValues  []any  `json:"AllowedValues"`
	AllowedPattern string `json:"AllowedPattern"`
	MinLength      any    `json:"MinLength"`
	MaxLength      any    `json:"MaxLength"`
	MinValue       any    `json:"MinValue"`
	MaxValue       any    `json:"MaxValue"`
	NoEcho         any    `json:"NoEcho"`
}

// SetParameters gives each of t's parameters its value, as CloudFormation does when it creates a
// stack. The local deployer takes no parameter values, so that is the Default, and (AWS's
// "Parameters" page, General Requirements) "Each parameter must be assigned a value at runtime for
// AWS CloudFormation to successfully provision the stack": a parameter without one fails the deploy.
// The Default must also keep the parameter's constraints ("If you define constraints for the
// parameter, you must specify a value that adheres to those constraints"). A Ref then returns what
// CloudFormation's does: a Number "becomes a string", a CommaDelimitedList or List<...> "a list of
// strings", each member "space trimmed".
func (c *Context) SetParameters(t *Template) error {
	if c.Params == nil {
		c.Params = map[string]any{}
	}
	names := make([]string, 0, len(t.Parameters))
	for name := range t.Parameters {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v, err := parameterValue(t.Parameters[name])
		if err != nil {
			return fmt.Errorf("Parameters.%s: %w", name, err)
		}
		if typ := t.Parameters[name].Type; strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<") {
			// CloudFormation "fetches the latest value from Parameter Store" for these; the key is
			// not the value, and the local cloud's SSM does not hold AWS's keys (the CDK's
			// BootstrapVersion, /cdk-bootstrap/..., is only read by the template's Rules).
			if c.unresolvable == nil {
				c.unresolvable = map[string]string{}
			}
			c.unresolvable[name] = fmt.Sprintf("a parameter of type %s is the value of the SSM parameter %v, which the local deployer does not read", typ, v)
			continue
		}
		c.Params[name] = v
	}
	return nil
}

// parameterValue checks p's Default against p's constraints and returns what a Ref to it gives.
func parameterValue(p Parameter) (any, error) {
	if p.Type == "" {
		return nil, fmt.Errorf("no Type (CloudFormation requires one)")
	}
	if p.Default == nil {
		return nil, fmt.Errorf("no Default, and the local deployer takes no parameter values: CloudFormation requires each parameter to have a value")
	}
	var members []string
	list := p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "List<") ||
		p.Type == "AWS::SSM::Parameter::Value<CommaDelimitedList>" || strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value<List<")
	switch d := p.Default.(type) {
	case []any:
		for _, e := range d {
			s, err := scalar(e, "Default")
			if err != nil {
				return nil, err
			}
			members = append(members, strings.TrimSpace(s))
		}
	default:
		s, err := scalar(d, "Default")
		if err != nil {
			return nil, err
		}
		if !list {
			members = []string{s}
			break
		}
		for _, m := range strings.Split(s, ",") {
			members = append(members, strings.TrimSpace(m))
		}
	}
	number := p.Type == "Number" || p.Type == "List<Number>"
	for _, m := range members {
		if err := checkConstraints(p, m, number); err != nil {
			return nil, fmt.Errorf("Default %q: %w", m, err)
		}
	}
	if !list {
		return members[0], nil
	}
	out := make([]any, len(members))
	for i, m := range members {
		out[i] = m
	}
	return out, nil
}

// checkConstraints applies the parameter's AllowedValues, AllowedPattern, MinLength/MaxLength (for
// String types) and MinValue/MaxValue (for Number types) to one value.
func checkConstraints(p Parameter, v string, number bool) error {
	if number {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("not a number (type %s)", p.Type)
		}
		if lim, ok := limit(p.MinValue); ok && f < lim {
			return fmt.Errorf("below MinValue %v", p.MinValue)
		}
		if lim, ok := limit(p.MaxValue); ok && f > lim {
			return fmt.Errorf("above MaxValue %v", p.MaxValue)
		}
	} else {
		if lim, ok := limit(p.MinLength); ok && float64(len(v)) < lim {
			return fmt.Errorf("shorter than MinLength %v", p.MinLength)
		}
		if lim, ok := limit(p.MaxLength); ok && float64(len(v)) > lim {
			return fmt.Errorf("longer than MaxLength %v", p.MaxLength)
		}
	}
	if len(p.AllowedValues) > 0 {
		allowed := make([]string, 0, len(p.AllowedValues))
		for _, a := range p.AllowedValues {
			s, err := scalar(a, "AllowedValues")
			if err != nil {
				return err
			}
			allowed = append(allowed, s)
		}
		if !slices.Contains(allowed, v) {
			return fmt.Errorf("not one of AllowedValues %v", allowed)
		}
	}
	// The pattern must match the whole value (AWS's example: a value against [A-Za-z0-9]+ is
	// refused with "must match pattern [A-Za-z0-9]+"). A pattern Go's regexp cannot read (Java's
	// syntax is wider) is not checked rather than refusing a template CloudFormation accepts.
	if p.AllowedPattern != "" {
		if re, err := regexp.Compile(`^(?:` + p.AllowedPattern + `)$`); err == nil && !re.MatchString(v) {
			return fmt.Errorf("does not match AllowedPattern %s", p.AllowedPattern)
		}
	}
	return nil
}

// limit reads a numeric constraint, given as a number or a string.
func limit(v any) (float64, bool) {
	if v == nil {
		return 0, false
	}
	s, err := scalar(v, "")
	if err != nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
