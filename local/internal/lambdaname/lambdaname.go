// Package lambdaname reads a Lambda API FunctionName (a name, a partial or a full ARN, each with an
// optional version or alias) as AWS's model defines it, so the Lambda API and the IAM mapper read
// one request's function the same way.
package lambdaname

import "regexp"

// Pattern is the model's NamespacedFunctionName pattern (botocore lambda 2015-03-31), which AWS's
// ValidationException quotes.
const Pattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`

// MaxLen is the model's length limit on a FunctionName.
const MaxLen = 256

var namespaced = regexp.MustCompile(`^(?:` + Pattern + `)$`)

// Ref is a parsed FunctionName; the parts it does not give are empty.
type Ref struct {
	ARN                        bool // ref starts arn:<partition>:lambda:
	Partition, Region, Account string
	Name                       string
	Qualifier                  string // a version or alias after the name ("$LATEST", "7", "live")
}

// Parse reads ref with the model's pattern, its optional parts matched first as AWS's regular
// expression does (000000000000:fn is account and name); ok is false when ref does not match.
func Parse(ref string) (r Ref, ok bool) {
	m := namespaced.FindStringSubmatch(ref)
	if m == nil {
		return Ref{}, false
	}
	return Ref{ARN: m[1] != "", Partition: m[2], Region: trimColon(m[3]), Account: trimColon(m[8]), Name: m[10], Qualifier: m[12]}, true
}

func trimColon(s string) string {
	if s == "" {
		return s
	}
	return s[:len(s)-1]
}
