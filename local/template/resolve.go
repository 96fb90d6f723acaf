package template

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Template is a CloudFormation template, as synthesized.
type Template struct {
	Parameters map[string]Parameter `json:"Parameters"`
	// Mappings are Fn::FindInMap's two-level maps: map name → top-level key → second-level key → value.
	Mappings   map[string]map[string]map[string]any `json:"Mappings"`
	Conditions map[string]any                       `json:"Conditions"`
	Resources  map[string]Resource                  `json:"Resources"`
	Outputs    map[string]struct {
		Value     any    `json:"Value"`
		Condition string `json:"Condition"`
	} `json:"Outputs"`
	// Transform names macros CloudFormation runs on the template before it deploys it (SAM's
	// AWS::Serverless-2016-10-31): not run here, so a template with one is refused (Load).
	Transform any `json:"Transform"`
}

// Resource is one template resource.
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	DependsOn  any            `json:"DependsOn"` // string or []string
	Condition  string         `json:"Condition"`
	Metadata   map[string]any `json:"Metadata"`
}

// Context is what intrinsic functions resolve against: pseudo parameters, parameter values, and
// each created resource's Ref value and attributes.
type Context struct {
	Region, AccountID, StackName string
	Params                       map[string]any
	// unresolvable are parameters whose value the local deployer cannot know (SSM parameter types):
	// name → why. A Ref to one fails, naming it (params.go).
	unresolvable map[string]string
	Mappings     map[string]map[string]map[string]any
	Conditions   map[string]bool
	Refs         map[string]string            // logical id → Ref value
	Attrs        map[string]map[string]string // logical id → attribute → value
}

// pseudo returns a pseudo parameter's value.
func (c *Context) pseudo(name string) (string, bool) {
	switch name {
	case "AWS::Region":
		return c.Region, true
	case "AWS::AccountId":
		return c.AccountID, true
	case "AWS::Partition":
		return "aws", true
	case "AWS::StackName":
		return c.StackName, true
	case "AWS::StackId":
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/00000000-0000-0000-0000-000000000000", c.Region, c.AccountID, c.StackName), true
	case "AWS::URLSuffix":
		return "amazonaws.com", true
	case "AWS::NoValue":
		return "", true
	}
	return "", false
}

// noValue marks AWS::NoValue: the property is removed.
type noValue struct{}

func (c *Context) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue{}, nil
	}
	if name == "AWS::NotificationARNs" {
		// "Returns the list of notification Amazon Resource Names (ARNs) for the current stack"
		// (Pseudo parameters reference): a local stack notifies no topic, so the list is empty.
		return []any{}, nil
	}
	if v, ok := c.pseudo(name); ok {
		return v, nil
	}
	if why, ok := c.unresolvable[name]; ok {
		return nil, fmt.Errorf("Ref %s: %s", name, why)
	}
	if v, ok := c.Params[name]; ok {
		return v, nil
	}
	if v, ok := c.Refs[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("Ref %s: no such parameter or created resource", name)
}

func (c *Context) getAtt(logical, attr string) (string, error) {
	if a, ok := c.Attrs[logical]; ok {
		if v, ok := a[attr]; ok {
			return v, nil
		}
		return "", fmt.Errorf("Fn::GetAtt %s.%s: the resource has no attribute %s locally", logical, attr, attr)
	}
	return "", fmt.Errorf("Fn::GetAtt %s.%s: no such created resource", logical, attr)
}

// Resolve evaluates every intrinsic function in v. AWS::NoValue removes map entries and list items.
func (c *Context) Resolve(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return c.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := c.Resolve(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, skip := r.(noValue); !skip {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			r, err := c.Resolve(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, skip := r.(noValue); !skip {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

func (c *Context) resolveString(v any, fn string) (string, error) {
	r, err := c.Resolve(v)
	if err != nil {
		return "", err
	}
	return scalar(r, fn)
}

// scalar renders a resolved scalar as CloudFormation does (numbers and booleans become strings).
func scalar(v any, fn string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return x.String(), nil
	}
	return "", fmt.Errorf("%s: want a string, got %T", fn, v)
}

func (c *Context) resolveList(v any, fn string) ([]any, error) {
	r, err := c.Resolve(v)
	if err != nil {
		return nil, err
	}
	l, ok := r.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list, got %T", fn, r)
	}
	return l, nil
}

func (c *Context) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("Ref: want a name, got %T", arg)
		}
		return c.ref(name)
	case "Fn::GetAtt":
		var logical, attr string
		switch a := arg.(type) {
		case string:
			logical, attr, _ = strings.Cut(a, ".")
		case []any:
			if len(a) != 2 {
				return nil, fmt.Errorf("Fn::GetAtt: want [logicalId, attribute]")
			}
			logical, _ = a[0].(string)
			s, err := c.resolveString(a[1], "Fn::GetAtt")
			if err != nil {
				return nil, err
			}
			attr = s
		default:
			return nil, fmt.Errorf("Fn::GetAtt: bad argument %T", arg)
		}
		return c.getAtt(logical, attr)
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Join: want [delimiter, list]")
		}
		delim, ok := a[0].(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Join: delimiter must be a string")
		}
		items, err := c.resolveList(a[1], "Fn::Join")
		if err != nil {
			return nil, fmt.Errorf("Fn::Join: %w", err)
		}
		parts := make([]string, len(items))
		for i, it := range items {
			s, err := scalar(it, "Fn::Join")
			if err != nil {
				return nil, err
			}
			parts[i] = s
		}
		return strings.Join(parts, delim), nil
	case "Fn::Sub":
		var tmpl string
		vars := map[string]any{}
		switch a := arg.(type) {
		case string:
			tmpl = a
		case []any:
			if len(a) != 2 {
				return nil, fmt.Errorf("Fn::Sub: want string or [string, variables]")
			}
			// "For the String parameter, you cannot use any functions. You must specify a
			// string value." (Fn::Sub page)
			s, ok := a[0].(string)
			if !ok {
				return nil, fmt.Errorf("Fn::Sub: the String must be a literal string, got %T", a[0])
			}
			tmpl = s
			m, ok := a[1].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("Fn::Sub: variables must be a map")
			}
			for k, v := range m {
				r, err := c.resolveString(v, "Fn::Sub "+k)
				if err != nil {
					return nil, err
				}
				vars[k] = r
			}
		default:
			return nil, fmt.Errorf("Fn::Sub: bad argument %T", arg)
		}
		return c.sub(tmpl, vars)
	case "Fn::Select":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Select: want [index, list]")
		}
		is, err := c.resolveString(a[0], "Fn::Select index")
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil {
			return nil, fmt.Errorf("Fn::Select: index %q: %w", is, err)
		}
		items, err := c.resolveList(a[1], "Fn::Select")
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(items) {
			return nil, fmt.Errorf("Fn::Select: index %d out of range (%d items)", i, len(items))
		}
		return items[i], nil
	case "Fn::Split":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Split: want [delimiter, string]")
		}
		delim, _ := a[0].(string)
		s, err := c.resolveString(a[1], "Fn::Split")
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return nil, fmt.Errorf("Fn::If: want [condition, then, else]")
		}
		name, _ := a[0].(string)
		cond, ok := c.Conditions[name]
		if !ok {
			return nil, fmt.Errorf("Fn::If: no condition %q", name)
		}
		if cond {
			return c.Resolve(a[1])
		}
		return c.Resolve(a[2])
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		b, err := c.condition(map[string]any{fn: arg})
		return b, err
	case "Fn::Base64":
		s, err := c.resolveString(arg, "Fn::Base64")
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::GetAZs":
		// The argument is the region ("Specifying an empty string is equivalent to specifying
		// AWS::Region", Fn::GetAZs page). The local cloud has no zones: three names in it.
		region, err := c.resolveString(arg, "Fn::GetAZs")
		if err != nil {
			return nil, err
		}
		if region == "" {
			region = c.Region
		}
		return []any{region + "a", region + "b", region + "c"}, nil
	case "Fn::FindInMap":
		return c.findInMap(arg)
	}
	return nil, fmt.Errorf("%s: not supported by the local deployer", fn)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (c *Context) sub(tmpl string, vars map[string]any) (string, error) {
	var firstErr error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") { // ${!Literal} is the literal ${Literal}
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return v.(string)
		}
		var s string
		var err error
		if logical, attr, ok := strings.Cut(name, "."); ok {
			s, err = c.getAtt(logical, attr)
		} else {
			var v any
			v, err = c.ref(name)
			if err == nil {
				s, err = scalar(v, "Fn::Sub ${"+name+"}")
			}
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("Fn::Sub: %w", err)
		}
		return s
	})
	return out, firstErr
}

// condition evaluates a condition expression.
func (c *Context) condition(v any) (bool, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return false, fmt.Errorf("condition: want one condition function, got %v", v)
	}
	for fn, arg := range m {
		switch fn {
		case "Condition":
			name, _ := arg.(string)
			b, ok := c.Conditions[name]
			if !ok {
				return false, fmt.Errorf("Condition %q: not defined", name)
			}
			return b, nil
		case "Fn::Equals":
			a, ok := arg.([]any)
			if !ok || len(a) != 2 {
				return false, fmt.Errorf("Fn::Equals: want two values")
			}
			var vals [2]string
			for i, e := range a {
				if err := conditionOperand(e); err != nil {
					return false, err
				}
				s, err := c.resolveString(e, "Fn::Equals")
				if err != nil {
					return false, err
				}
				vals[i] = s
			}
			return vals[0] == vals[1], nil
		case "Fn::Not", "Fn::And", "Fn::Or":
			// "Fn::Not": [{condition}]; Fn::And and Fn::Or: "The minimum number of conditions
			// that you can include is 2, and the maximum is 10." (Condition functions page)
			a, ok := arg.([]any)
			switch {
			case !ok:
				return false, fmt.Errorf("%s: want a list of conditions", fn)
			case fn == "Fn::Not" && len(a) != 1:
				return false, fmt.Errorf("Fn::Not: want one condition, got %d", len(a))
			case fn != "Fn::Not" && (len(a) < 2 || len(a) > 10):
				return false, fmt.Errorf("%s: want 2 to 10 conditions, got %d", fn, len(a))
			}
			vals := make([]bool, len(a))
			for i, e := range a {
				b, err := c.condition(e)
				if err != nil {
					return false, err
				}
				vals[i] = b
			}
			switch fn {
			case "Fn::Not":
				return !vals[0], nil
			case "Fn::And":
				for _, b := range vals {
					if !b {
						return false, nil
					}
				}
				return true, nil
			default:
				for _, b := range vals {
					if b {
						return true, nil
					}
				}
				return false, nil
			}
		}
		return false, fmt.Errorf("condition function %s: not supported", fn)
	}
	return false, nil
}

// conditionOperand refuses the functions CloudFormation does not take in a condition function's
// values: "You can use the following functions in all other condition functions, such as
// Fn::Equals and Fn::Or: Fn::FindInMap, Ref, Other condition functions" (Condition functions
// page); Fn::If in particular "is only supported in the metadata attribute, update policy
// attribute, and property values in the Resources section and Outputs sections".
func conditionOperand(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "Ref", "Condition", "Fn::FindInMap", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
			default:
				if strings.HasPrefix(k, "Fn::") {
					return fmt.Errorf("%s: not allowed in a condition (only Ref, Fn::FindInMap and condition functions)", k)
				}
			}
			if err := conditionOperand(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := conditionOperand(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// findInMap is Fn::FindInMap: [MapName, TopLevelKey, SecondLevelKey], each a string, a Ref or
// another Fn::FindInMap, into the template's Mappings.
func (c *Context) findInMap(arg any) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 3 {
		return nil, fmt.Errorf("Fn::FindInMap: want [MapName, TopLevelKey, SecondLevelKey]")
	}
	var keys [3]string
	for i, e := range a {
		s, err := c.resolveString(e, "Fn::FindInMap")
		if err != nil {
			return nil, err
		}
		keys[i] = s
	}
	m, ok := c.Mappings[keys[0]]
	if !ok {
		return nil, fmt.Errorf("Fn::FindInMap: no mapping %q", keys[0])
	}
	top, ok := m[keys[1]]
	if !ok {
		return nil, fmt.Errorf("Fn::FindInMap: mapping %s has no key %q", keys[0], keys[1])
	}
	v, ok := top[keys[2]]
	if !ok {
		return nil, fmt.Errorf("Fn::FindInMap: mapping %s.%s has no key %q", keys[0], keys[1], keys[2])
	}
	return v, nil
}

// EvalConditions evaluates the template's Conditions (which may refer to each other).
func (c *Context) EvalConditions(conds map[string]any) error {
	if c.Conditions == nil {
		c.Conditions = map[string]bool{}
	}
	pending := map[string]any{}
	for k, v := range conds {
		pending[k] = v
	}
	for len(pending) > 0 {
		progressed := false
		names := make([]string, 0, len(pending))
		for k := range pending {
			names = append(names, k)
		}
		sort.Strings(names)
		var lastErr error
		for _, k := range names {
			b, err := c.condition(pending[k])
			if err != nil {
				lastErr = fmt.Errorf("Conditions.%s: %w", k, err)
				continue
			}
			c.Conditions[k] = b
			delete(pending, k)
			progressed = true
		}
		if !progressed {
			return lastErr
		}
	}
	return nil
}

// references returns the logical ids v refers to through Ref, Fn::GetAtt and Fn::Sub.
func references(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "Ref":
				if s, ok := e.(string); ok && !strings.HasPrefix(s, "AWS::") {
					into[s] = true
				}
			case "Fn::GetAtt":
				switch a := e.(type) {
				case string:
					l, _, _ := strings.Cut(a, ".")
					into[l] = true
				case []any:
					if len(a) > 0 {
						if s, ok := a[0].(string); ok {
							into[s] = true
						}
					}
				}
			case "Fn::Sub":
				tmpl, _ := e.(string)
				var vars map[string]any
				if a, ok := e.([]any); ok && len(a) > 0 {
					tmpl, _ = a[0].(string)
					if len(a) > 1 {
						references(a[1], into)
						vars, _ = a[1].(map[string]any)
					}
				}
				for _, m := range subVar.FindAllStringSubmatch(tmpl, -1) {
					name := m[1]
					if strings.HasPrefix(name, "!") || strings.HasPrefix(name, "AWS::") {
						continue
					}
					// A variable of the map is its VarValue ("The value that AWS CloudFormation
					// substitutes for the associated variable name"), not a resource of that name.
					if _, ok := vars[name]; ok {
						continue
					}
					l, _, _ := strings.Cut(name, ".")
					into[l] = true
				}
				continue
			}
			references(e, into)
		}
	case []any:
		for _, e := range x {
			references(e, into)
		}
	}
}

// Order returns the logical ids of the resources to create, dependencies first (references and
// DependsOn), ties broken by logical id so deployments are reproducible. Parameters are not
// resources. A name that is neither fails, as CloudFormation's validation does before it creates
// anything ("Unresolved resource dependencies [X] in the Resources block of the template", AWS
// Knowledge Center, "How do I resolve template validation or template format errors in
// CloudFormation?"), also in a resource whose condition is false.
func Order(t *Template) ([]string, error) {
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	deps := map[string][]string{}
	var unresolved []string
	for _, id := range ids {
		r := t.Resources[id]
		set := map[string]bool{}
		references(r.Properties, set)
		for name := range set {
			_, param := t.Parameters[name]
			if _, res := t.Resources[name]; !param && !res {
				unresolved = append(unresolved, id+" → "+name)
			}
		}
		// "The DependsOn attribute can take a single string or list of strings" (DependsOn
		// attribute page): logical ids, no functions.
		var dependsOn []string
		switch d := r.DependsOn.(type) {
		case nil:
		case string:
			dependsOn = []string{d}
		case []any:
			for _, e := range d {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("resource %s: DependsOn: want logical ids, got %T", id, e)
				}
				dependsOn = append(dependsOn, s)
			}
		default:
			return nil, fmt.Errorf("resource %s: DependsOn: want a logical id or a list of them, got %T", id, d)
		}
		for _, d := range dependsOn {
			if _, ok := t.Resources[d]; !ok {
				unresolved = append(unresolved, id+" → "+d)
			}
			set[d] = true
		}
		for dep := range set {
			if _, ok := t.Resources[dep]; ok && dep != id {
				deps[id] = append(deps[id], dep)
			}
		}
	}
	if len(unresolved) > 0 {
		sort.Strings(unresolved)
		return nil, fmt.Errorf("unresolved resource dependencies (no such resource or parameter): %s", strings.Join(unresolved, ", "))
	}
	state := map[string]int{} // 0 new, 1 visiting, 2 done
	var out []string
	var visit func(id string, path []string) error
	visit = func(id string, path []string) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("circular dependency: %s", strings.Join(append(path, id), " → "))
		case 2:
			return nil
		}
		state[id] = 1
		ds := deps[id]
		sort.Strings(ds)
		for _, d := range ds {
			if err := visit(d, append(path, id)); err != nil {
				return err
			}
		}
		state[id] = 2
		out = append(out, id)
		return nil
	}
	for _, id := range ids {
		if err := visit(id, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
