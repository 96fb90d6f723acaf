package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

// EnvFromOutputs maps stack outputs (docs/contracts.md §1) to the environment variable names the
// seed's and the shipped experiments' configuration use; the output ids themselves are kept too.
func EnvFromOutputs(outputs map[string]string) map[string]string {
	env := make(map[string]string, 2*len(outputs))
	for k, v := range outputs {
		env[k] = v
		if n, ok := outputEnv[k]; ok {
			env[n] = v
		}
	}
	return env
}

// OutputOfEnv is the stack output whose value EnvFromOutputs gives the environment variable key
// (FunctionName for LAMBDA_FUNCTION_NAME), or "" when none does.
func OutputOfEnv(key string) string {
	for out, env := range outputEnv {
		if env == key {
			return out
		}
	}
	return ""
}

// outputEnv names the environment variable of the seed's experiments that each stack output fills.
var outputEnv = map[string]string{
	"BucketName":         "S3_BUCKET_NAME",
	"TopicName":          "SNS_TOPIC_NAME",
	"TopicArn":           "SNS_TOPIC_ARN",
	"FunctionName":       "LAMBDA_FUNCTION_NAME",
	"JsonQueueName":      "JSON_QUEUE_NAME",
	"CsvQueueName":       "CSV_QUEUE_NAME",
	"ErrorQueueName":     "ERROR_QUEUE_NAME",
	"TableName":          "DYNAMODB_TABLE_NAME",
	"FaultParameterName": "FAILURE_INJECTION_PARAM",
}

// stackEnvNames lists the environment variables the stack's outputs give (EnvFromOutputs), the one
// nearest key first when key looks like a misspelling of it.
func stackEnvNames(key string) string {
	names := slices.Sorted(maps.Values(outputEnv))
	list := "the stack's outputs give " + strings.Join(names, ", ")
	if near := suggest.Nearest(key, names); near != "" {
		return "did you mean " + near + "? (" + list + ")"
	}
	return list
}

// chaosawsUnused are chaosaws's configuration keys for where and as whom its calls go, and why
// none is used: the state machine makes its calls in its own stack, with its own role.
var chaosawsUnused = map[string]string{
	"aws_region":                   "not used: the state machine works in its own stack's region",
	"aws_profile_name":             "not used: the state machine calls AWS with its own execution role, not a profile of this machine",
	"aws_assume_role_arn":          "not used: the state machine calls AWS with its own execution role, in its own account; no other role is assumed",
	"aws_assume_role_session_name": "not used: no role is assumed (the state machine calls AWS with its own execution role)",
}

func (c *compiler) configuration() {
	c.vars, c.missing, c.typed = map[string]string{}, map[string]string{}, map[string]any{}
	names := make([]string, 0, len(c.e.Configuration))
	for k := range c.e.Configuration {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := c.e.Configuration[name]
		p := "configuration." + name
		if why, ok := chaosawsUnused[name]; ok {
			c.note(p, "%s", why)
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			c.fail(p, "%v", err)
			continue
		}
		if text, ok := scalarText(v); ok {
			c.vars[name] = text
			c.keepType(name, v)
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			if t, typed := x["type"]; !typed {
				// chaoslib keeps an object without a type as a literal; substituted as text into a
				// command line or an argument, it would be Python's text of a dict here.
				c.fail(p, "an object without a type is a literal value in Chaos Toolkit, which the lab substitutes as text: give a string, a number or a boolean, or {\"type\": \"env\", \"key\": ...}")
				continue
			} else if t != "env" {
				c.fail(p+".type", "want \"env\" (an environment variable; or a literal value), got %s (configuration values of another type are not read here)", jsonValue(t))
				continue
			}
			envType := ""
			for _, k := range slices.Sorted(maps.Keys(x)) {
				switch k {
				case "type", "key", "default":
				case "env_var_type":
					// chaoslib converts the variable's text: str keeps it, int and float make it the
					// number, which a whole "${name}" then is (a pause, a duration).
					envType, _ = x[k].(string)
					if envType != "str" && envType != "int" && envType != "float" {
						c.fail(p+"."+k, "want \"str\", \"int\" or \"float\", got %s (the lab substitutes text and numbers)", jsonValue(x[k]))
					}
				default:
					c.fail(p+"."+k, "%s", unknownKey(k, []string{"type", "key", "default", "env_var_type"}))
				}
			}
			key, _ := x["key"].(string)
			if key == "" {
				c.fail(p+".key", "required: the environment variable to read")
				continue
			}
			d, hasDefault := x["default"]
			text, scalar := scalarText(d)
			if hasDefault && d != nil && !scalar {
				c.fail(p+".default", "want a string, a number or a boolean")
				continue
			}
			if val, ok := c.opts.Env[key]; ok {
				c.vars[name] = val
				if envType == "int" || envType == "float" {
					if n, ok := envNumber(val, envType); ok {
						c.typed[name] = n
					} else {
						c.fail(p, "environment variable %s is %q, which is no %s (env_var_type)", key, val, envType)
					}
				}
			} else if d != nil {
				c.vars[name] = text
				c.keepType(name, d) // chaoslib takes the default as JSON gave it
			} else {
				how := fmt.Sprintf("environment variable %s is not set (pass it, or the stack outputs)", key)
				// An environment-style name (upper case) that no output gives: said with the ones
				// they give. A stack output's own name (JsonQueueUrl) is given too, when the outputs are.
				if OutputOfEnv(key) == "" && key == strings.ToUpper(key) {
					how = fmt.Sprintf("environment variable %s is not set, and no stack output gives it: %s", key, stackEnvNames(key))
				}
				if c.opts.Missing != nil {
					if h := c.opts.Missing(key); h != "" {
						how = h
					}
				}
				c.missing[name] = fmt.Sprintf("configuration %s: %s", name, how)
			}
		default:
			c.fail(p, "want a string, a number or {\"type\": \"env\", \"key\": ...}")
		}
	}
}

// scalarText is a configuration value as Chaos Toolkit substitutes it into a string (Python's
// str): a number as Python reads it from JSON, an integer without exponent (1000000, not
// 1e+06), any other number as a float's repr (1e6 is 1000000.0), a boolean True or False; false
// when v is not a string, a number or a boolean.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		if x { // Python's str
			return "True", true
		}
		return "False", true
	case json.Number:
		return pythonNumber(x), true
	}
	return "", false
}

// pythonNumber is str() of the number Python's json module reads n as: an int for an integer
// literal, else a float, whose repr is fixed-point with at least one decimal from 1e-4 up to
// 1e16 and the shortest exponent form (1e+16, 1.5e-05) beyond.
func pythonNumber(n json.Number) string {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		if i, ok := new(big.Int).SetString(s, 10); ok {
			return i.String() // -0 is 0
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s // out of a float's range: Parse refuses such numbers where they are decoded
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	fixed := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(fixed, ".") {
		fixed += ".0"
	}
	return fixed
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// isVarRef reports whether s is one ${name} and nothing else.
func isVarRef(s string) bool {
	m := varRef.FindString(s)
	return m != "" && m == s
}

// subst replaces ${name} with the configuration's values, as Chaos Toolkit does.
func (c *compiler) subst(s, p string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := c.vars[name]; ok {
			return v
		}
		if why, ok := c.missing[name]; ok {
			if !c.lenient {
				c.varProblem(Problem{Path: p, Reason: why, Unset: true})
			}
			return m
		}
		why := fmt.Sprintf("${%s} is not defined in configuration", name)
		if near := suggest.Nearest(name, slices.Collect(maps.Keys(c.e.Configuration))); near != "" {
			why += fmt.Sprintf("; did you mean ${%s}?", near)
		}
		c.varProblem(Problem{Path: p, Reason: why})
		return m
	})
}

// varProblem records a variable's problem once for a value and what is inside it: a probe's
// arguments are substituted, and then the query file or the queries among them once more, which
// said each unset variable twice.
func (c *compiler) varProblem(pr Problem) {
	for _, q := range c.problems {
		if q.Reason == pr.Reason && (within(pr.Path, q.Path) || within(q.Path, pr.Path)) {
			return
		}
	}
	c.problems = append(c.problems, pr)
}

// within reports whether path p is base or a member or element of it.
func within(p, base string) bool {
	rest, ok := strings.CutPrefix(p, base)
	return ok && (rest == "" || rest[0] == '.' || rest[0] == '[')
}

// keepType records a configuration value that is a number or a boolean: a python argument that is
// "${name}" and nothing else takes it with its type, as Chaos Toolkit substitutes it.
func (c *compiler) keepType(name string, v any) {
	switch v.(type) {
	case json.Number, bool:
		c.typed[name] = v
	}
}

// substAny substitutes in every string of a decoded JSON value. A string that is exactly one
// ${name} of a number or a boolean becomes that value, not its text (Chaos Toolkit's typed
// substitution: "duration": "${window}" with window 300 is the number 300).
func (c *compiler) substAny(v any, p string) any {
	switch x := v.(type) {
	case string:
		if m := varRef.FindStringSubmatch(x); m != nil && m[0] == x {
			if t, ok := c.typed[m[1]]; ok {
				return t
			}
		}
		return c.subst(x, p)
	case []any:
		for i := range x {
			x[i] = c.substAny(x[i], p)
		}
	case map[string]any:
		for k := range x {
			x[k] = c.substAny(x[k], p)
		}
	}
	return v
}

// envNumber is an environment variable's text as chaoslib's env_var_type int or float reads it
// (Python's int() and float(): white space around it allowed; int() takes no fraction).
func envNumber(text, typ string) (json.Number, bool) {
	t := strings.TrimSpace(text)
	if typ == "int" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return "", false
		}
		return json.Number(strconv.FormatInt(n, 10)), true
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
}
