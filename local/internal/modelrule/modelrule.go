// Package modelrule words a request member that breaks its service model's constraints as AWS's
// JSON-protocol services word it in their ValidationException: "1 validation error detected:
// Value '<value>' at '<member>' failed to satisfy constraint: Member must <rule>", with "Value
// null" for a member that is absent. local/ssm, local/sfn, local/lambda and the IAM mapper's
// DynamoDB table check answer with it, each in its own error shape.
package modelrule

import (
	"fmt"
	"strings"
)

// Message is the ValidationException's message for member (the model's path, in lowerCamelCase)
// whose value (nil: absent) breaks rule ("have length less than or equal to 80", ...).
func Message(member string, value any, rule string) string {
	if value == nil {
		return fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must %s", member, rule)
	}
	return fmt.Sprintf("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must %s", value, member, rule)
}

// Enum is the rule of a member limited to values.
func Enum(values ...string) string {
	return "satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}
