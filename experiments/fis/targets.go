package fis

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// resourceLambda is FIS's resource type for Lambda functions.
const resourceLambda = "aws:lambda:function"

// lambdaARN reads a Lambda function ARN: arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>].
var lambdaARN = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*):lambda:([a-z0-9-]+):([0-9]{12}):function:([a-zA-Z0-9_.-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$`)

var selection = regexp.MustCompile(`^(ALL|COUNT\(([0-9]+)\)|PERCENT\(([0-9]+)\))$`)

// targets resolves every target of the template: each must select the stack's function and
// nothing else. It returns the names of the targets that do.
func (tr *translator) targets() map[string]bool {
	ok := map[string]bool{}
	for _, tg := range tr.t.targets {
		p := member("targets", tg.name)
		n := len(tr.t.problems)
		keys, m, err := object(tg.raw)
		if err != nil {
			tr.fail(p, "want a target object: %v", err)
			continue
		}
		for _, k := range keys {
			if known := []string{"resourceType", "resourceArns", "resourceTags", "filters", "selectionMode", "parameters"}; !slices.Contains(known, k) {
				tr.fail(member(p, k), "%s", unknownMember("a target", k, known))
			}
		}
		var rtype, mode string
		_ = json.Unmarshal(m["resourceType"], &rtype)
		if rtype != resourceLambda {
			tr.fail(p+".resourceType", "resource type %q is not translated: this lab injects faults into its Lambda function only (%s)", rtype, resourceLambda)
			continue
		}
		arns, hasArns := m["resourceArns"]
		tags, hasTags := m["resourceTags"]
		// An empty list or map selects nothing: it is not given (the console and the CLI print
		// the member they leave empty as [] or {}).
		hasArns = hasArns && !isNull(arns) && !isEmpty(arns)
		hasTags = hasTags && !isNull(tags) && !isEmpty(tags)
		switch {
		case hasArns && hasTags:
			tr.fail(p, "give resourceArns or resourceTags, not both")
		case hasArns:
			tr.targetARNs(arns, p+".resourceArns")
		case hasTags:
			tr.targetTags(tags, p+".resourceTags")
		default:
			tr.fail(p, "resourceArns or resourceTags is required")
		}
		if f, ok := m["filters"]; ok && !isNull(f) && !isEmpty(f) {
			tr.fail(p+".filters", "filters are not translated: the target must name the stack's function itself")
		}
		if pr, ok := m["parameters"]; ok && !isNull(pr) && !isEmpty(pr) {
			tr.fail(p+".parameters", "a Lambda function target has no parameters")
		}
		if err := json.Unmarshal(m["selectionMode"], &mode); err != nil || mode == "" {
			tr.fail(p+".selectionMode", "required: ALL, COUNT(n) or PERCENT(n)")
		} else if sm := selection.FindStringSubmatch(mode); sm == nil {
			tr.fail(p+".selectionMode", "%q: want ALL, COUNT(n) or PERCENT(n)", mode)
		} else if sm[2] != "" {
			if n, _ := strconv.Atoi(sm[2]); n < 1 {
				tr.fail(p+".selectionMode", "%s selects no function", mode)
			}
		} else if sm[3] != "" {
			// One function: FIS would select it only for a percentage that rounds up to one.
			if n, _ := strconv.Atoi(sm[3]); n != 100 {
				tr.fail(p+".selectionMode", "%s of the stack's one function is not translated (ALL, COUNT(n ≥ 1) or PERCENT(100) select it)", mode)
			}
		}
		if len(tr.t.problems) == n {
			ok[tg.name] = true
		}
	}
	return ok
}

// targetARNs checks that every ARN names the stack's function.
func (tr *translator) targetARNs(raw json.RawMessage, p string) {
	var arns []string
	if err := json.Unmarshal(raw, &arns); err != nil || len(arns) == 0 {
		tr.fail(p, "want a list of Lambda function ARNs")
		return
	}
	want := tr.opts.FunctionName
	for i, arn := range arns {
		ap := fmt.Sprintf("%s[%d]", p, i)
		m := lambdaARN.FindStringSubmatch(arn)
		if m == nil {
			tr.fail(ap, "%q is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)", arn)
			continue
		}
		if m[4] != want {
			tr.fail(ap, "names function %q, not the stack's function %q: this lab injects faults into its own function only (write its ARN here, or select it by a tag with -function-tag)", m[4], want)
			continue
		}
		if tr.opts.FunctionARN != "" {
			unqualified := strings.Join([]string{"arn", m[1], "lambda", m[2], m[3], "function", m[4]}, ":")
			if unqualified != strings.TrimSuffix(tr.opts.FunctionARN, ":$LATEST") {
				tr.fail(ap, "names %s, another account's or region's function than the stack's %s", unqualified, tr.opts.FunctionARN)
			}
		}
	}
}

// targetTags checks that the tags select the stack's function (every tag on it, with its value).
func (tr *translator) targetTags(raw json.RawMessage, p string) {
	_, tags := stringMap(raw, p, tr.fail)
	if len(tags) == 0 {
		tr.fail(p, "want at least one tag")
		return
	}
	if tr.opts.FunctionTags == nil {
		tr.fail(p, "cannot tell which functions these tags select: the stack function's tags are not known: give them (chaoslab import-fis -function-tag KEY=VALUE, once per tag; Options.FunctionTags in Go), or name the function in resourceArns instead")
		return
	}
	for _, k := range sortedKeys(tags) {
		if v, ok := tr.opts.FunctionTags[k]; !ok || v != tags[k] {
			// The function's tags are what the caller said they are (-function-tag): not looked up.
			if ok {
				tr.fail(member(p, k), "the stack's function %q has the tag %s=%s (as given with -function-tag), not %s=%s, so this target selects another function (or none)", tr.opts.FunctionName, k, v, k, tags[k])
				continue
			}
			tr.fail(member(p, k), "the stack's function %q has no tag %s among the tags given (chaoslab import-fis -function-tag), so this target selects another function (or none); if the function has it, add -function-tag %s=%s", tr.opts.FunctionName, k, k, tags[k])
		}
	}
}
