package fis

import (
	"encoding/json"
	"regexp"
	"strings"
)

// Three intrinsic functions are resolved where a value is translated, since the value they stand
// for is in the template itself, or is the stack's own: what hand-written and SAM templates write
// where a stop condition names its alarm or a target its function.
//
//   - Fn::Sub of a string whose variables are pseudo parameters only (AWS::Region, AWS::AccountId,
//     AWS::Partition, AWS::URLSuffix), as the stack's own: the template deploys beside the stack's
//     function, in its account and region (from Options.FunctionARN; without it only names are
//     compared, and a placeholder account and region stand in). ${!Literal} is the text ${Literal}.
//   - Ref of a pseudo parameter, alike.
//   - Fn::GetAtt [Id, "Arn"] of an AWS::CloudWatch::Alarm, an AWS::Lambda::Function or a SAM
//     AWS::Serverless::Function of the same template whose name (AlarmName, FunctionName) is
//     written out: its ARN.
//
// Anything else (a Ref to a parameter, a name CloudFormation generates) stays a problem that says to
// import the deployed template.

// pseudoParameters are the pseudo parameters a Fn::Sub may name here, as the stack's own.
func pseudoParameters(functionARN string) map[string]string {
	p := map[string]string{"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
		"AWS::Region": "us-east-1", "AWS::AccountId": "000000000000"}
	if m := lambdaARN.FindStringSubmatch(functionARN); m != nil {
		p["AWS::Partition"], p["AWS::Region"], p["AWS::AccountId"] = m[1], m[2], m[3]
		if m[1] == "aws-cn" {
			p["AWS::URLSuffix"] = "amazonaws.com.cn"
		}
	}
	return p
}

var subVariable = regexp.MustCompile(`\$\{([^}]*)\}`)

// resolve is the value of the intrinsic function fn, whose argument is arg, when this reader can
// give it (a JSON string), or false.
func (c *cfnReader) resolve(fn string, arg json.RawMessage) ([]byte, bool) {
	switch fn {
	case "Ref":
		var name string
		if json.Unmarshal(arg, &name) != nil || c.pseudo[name] == "" {
			return nil, false
		}
		b, _ := json.Marshal(c.pseudo[name])
		return b, true
	case "Fn::Sub":
		var s string
		if json.Unmarshal(arg, &s) != nil {
			return nil, false // the [string, {variables}] form names variables of its own
		}
		ok := true
		out := subVariable.ReplaceAllStringFunc(s, func(v string) string {
			name := v[2 : len(v)-1]
			if lit, escaped := strings.CutPrefix(name, "!"); escaped {
				return "${" + lit + "}"
			}
			val, known := c.pseudo[name]
			ok = ok && known
			return val
		})
		if !ok {
			return nil, false
		}
		b, _ := json.Marshal(out)
		return b, true
	case "Fn::GetAtt":
		var ref []string
		if json.Unmarshal(arg, &ref) != nil {
			var dotted string
			if json.Unmarshal(arg, &dotted) != nil {
				return nil, false
			}
			ref = strings.SplitN(dotted, ".", 2)
		}
		if len(ref) != 2 || ref[1] != "Arn" || c.resources == nil {
			return nil, false
		}
		var res struct {
			Type       string
			Properties map[string]json.RawMessage
		}
		if json.Unmarshal(c.resources[ref[0]], &res) != nil {
			return nil, false
		}
		// The resource's ARN: "arn:<partition>:<service>:<region>:<account>:<kind>:<name>".
		service, kind, nameKey := "", "", ""
		switch res.Type {
		case "AWS::CloudWatch::Alarm":
			service, kind, nameKey = "cloudwatch", "alarm", "AlarmName"
		case "AWS::Lambda::Function", "AWS::Serverless::Function":
			service, kind, nameKey = "lambda", "function", "FunctionName"
		default:
			return nil, false
		}
		name, ok := c.literal(res.Properties[nameKey])
		if !ok {
			return nil, false
		}
		b, _ := json.Marshal(strings.Join([]string{"arn", c.pseudo["AWS::Partition"], service, c.pseudo["AWS::Region"], c.pseudo["AWS::AccountId"], kind, name}, ":"))
		return b, true
	}
	return nil, false
}

// literal is a resource's name written out: a string, or a Fn::Sub this reader resolves.
func (c *cfnReader) literal(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, s != ""
	}
	var sub map[string]json.RawMessage
	if json.Unmarshal(raw, &sub) != nil || len(sub) != 1 || sub["Fn::Sub"] == nil {
		return "", false
	}
	b, ok := c.resolve("Fn::Sub", sub["Fn::Sub"])
	if !ok || json.Unmarshal(b, &s) != nil {
		return "", false
	}
	return s, true
}
