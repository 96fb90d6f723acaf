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
//     function, in its account and region (from Options.FunctionARN). Without it the account and
//     region are not known, and are resolved only where they stand as an ARN's own region and
//     account (arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:Etl), whose name alone is
//     compared: a placeholder account and region stand in there. Anywhere else (a name, a
//     description) they stay unresolved, not guessed. ${!Literal} is the text ${Literal}.
//   - Ref of a pseudo parameter, alike (AWS::Region and AWS::AccountId only when known).
//   - Fn::GetAtt [Id, "Arn"] of an AWS::CloudWatch::Alarm, an AWS::Lambda::Function or a SAM
//     AWS::Serverless::Function of the same template whose name (AlarmName, FunctionName) is
//     written out: its ARN.
//
// Anything else (a Ref to a parameter, a name CloudFormation generates) stays a problem that says to
// import the deployed template.

// pseudoParameters are the pseudo parameters a Fn::Sub may name here, as the stack's own; known
// says whether the account and region are the stack's (from functionARN) or placeholders.
func pseudoParameters(functionARN string) (p map[string]string, known bool) {
	p = map[string]string{"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
		"AWS::Region": "us-east-1", "AWS::AccountId": "000000000000"}
	if m := lambdaARN.FindStringSubmatch(functionARN); m != nil {
		p["AWS::Partition"], p["AWS::Region"], p["AWS::AccountId"] = m[1], m[2], m[3]
		if m[1] == "aws-cn" {
			p["AWS::URLSuffix"] = "amazonaws.com.cn"
		}
		return p, true
	}
	return p, false
}

// placeholdersOnlyInARNFields says whether the Fn::Sub string s names AWS::Region and
// AWS::AccountId only as an ARN's region and account (its fourth and fifth fields), where a
// placeholder changes no name.
func placeholdersOnlyInARNFields(s string) bool {
	// The variables hold colons themselves: each is marked without them first, then the ARN is
	// split at its colons.
	s = subVariable.ReplaceAllStringFunc(s, func(v string) string { return "\x00" + strings.ReplaceAll(v, ":", "") })
	const region, account = "\x00${AWSRegion}", "\x00${AWSAccountId}"
	f := strings.SplitN(s, ":", 6)
	arnField := func(i int, v string) int {
		if len(f) == 6 && f[0] == "arn" && f[i] == v {
			return 1
		}
		return 0
	}
	return strings.Count(s, region) == arnField(3, region) && strings.Count(s, account) == arnField(4, account)
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
		if !c.pseudoKnown && (name == "AWS::Region" || name == "AWS::AccountId") {
			return nil, false // a placeholder, wherever this lands
		}
		b, _ := json.Marshal(c.pseudo[name])
		return b, true
	case "Fn::Sub":
		var s string
		if json.Unmarshal(arg, &s) != nil {
			return nil, false // the [string, {variables}] form names variables of its own
		}
		if !c.pseudoKnown && !placeholdersOnlyInARNFields(s) {
			return nil, false
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
