package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
)

// EnvFromOutputs maps stack outputs (docs/contracts.md §1) to the environment variable names the
// seed's and the shipped experiments' configuration use; the output ids themselves are kept too.
func EnvFromOutputs(outputs map[string]string) map[string]string {
	names := map[string]string{
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
	env := make(map[string]string, 2*len(outputs))
	for k, v := range outputs {
		env[k] = v
		if n, ok := names[k]; ok {
			env[n] = v
		}
	}
	return env
}

func (c *compiler) configuration() {
	c.vars, c.missing = map[string]string{}, map[string]string{}
	names := make([]string, 0, len(c.e.Configuration))
	for k := range c.e.Configuration {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := c.e.Configuration[name]
		p := "configuration." + name
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			c.fail(p, "%v", err)
			continue
		}
		switch x := v.(type) {
		case string:
			c.vars[name] = x
		case float64, bool:
			c.vars[name] = string(bytes.TrimSpace(raw))
		case map[string]any:
			if x["type"] != "env" {
				c.fail(p+".type", "want \"env\" (or a literal value), got %v", x["type"])
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				switch k {
				case "type", "key", "default":
				case "env_var_type":
					c.fail(p+"."+k, "not translated: configuration values are substituted as text")
				default:
					c.fail(p+"."+k, "%s", unknownKey(k, []string{"type", "key", "default"}))
				}
			}
			key, _ := x["key"].(string)
			if key == "" {
				c.fail(p+".key", "required: the environment variable to read")
				continue
			}
			if val, ok := c.opts.Env[key]; ok {
				c.vars[name] = val
			} else if d, ok := x["default"]; ok {
				c.vars[name] = fmt.Sprint(d)
			} else {
				c.missing[name] = fmt.Sprintf("configuration %s: environment variable %s is not set (pass it, or the stack outputs)", name, key)
			}
		default:
			c.fail(p, "want a string, a number or {\"type\": \"env\", \"key\": ...}")
		}
	}
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// subst replaces ${name} with the configuration's values, as Chaos Toolkit does.
func (c *compiler) subst(s, p string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := c.vars[name]; ok {
			return v
		}
		if why, ok := c.missing[name]; ok {
			if !c.lenient {
				c.fail(p, "%s", why)
			}
			return m
		}
		c.fail(p, "${%s} is not defined in configuration", name)
		return m
	})
}

// substAny substitutes in every string of a decoded JSON value.
func (c *compiler) substAny(v any, p string) any {
	switch x := v.(type) {
	case string:
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
