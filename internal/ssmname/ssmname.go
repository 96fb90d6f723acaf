// Package ssmname is SSM Parameter Store's parameter names: what a request's name member refers to,
// in one place for the local Parameter Store (local/ssm) and the local IAM's mapper (local/iam), so
// that the parameter a request is authorized for is the one it reads or writes; and SSM's rule for
// a name (CheckName), for the local Parameter Store and the pipeline construct's props alike.
package ssmname

import "strings"

// Ref is the parameter a name member refers to.
type Ref struct {
	// Name is the parameter's name when the member held a name; empty when it held an ARN.
	Name string
	// ARN is the member's ARN, its selector cut; empty when the member held a name.
	ARN string
	// Selector is the version or label after the name's ':', without the ':'.
	Selector string
	// Selected tells "name:" (an empty selector) from "name".
	Selected bool
}

// Form is which references an operation's name member takes.
type Form int

const (
	// Plain is the name itself (PutParameter, DeleteParameter(s), LabelParameterVersion): SSM takes
	// no ARN there, and a ':' is part of the name (which makes it invalid).
	Plain Form = iota
	// NameOrARN is a name or a parameter ARN (GetParameterHistory, the tagging operations).
	NameOrARN
	// Selectable is a name or an ARN with an optional ":version" or ":label" (GetParameter,
	// GetParameters).
	Selectable
)

// Parse reads member as an operation taking form reads it. SSM removes the spaces at a name's
// beginning and end (the model's PSParameterName documentation), and a parameter name has no ':',
// so a selector starts at the name's first ':' (after ":parameter/" in an ARN).
func Parse(member string, form Form) Ref {
	s := strings.Trim(member, " ")
	var r Ref
	if form != Plain && strings.HasPrefix(s, "arn:") {
		head, rest, ok := strings.Cut(s, ":parameter/")
		if !ok {
			r.ARN = s
			return r
		}
		if form == Selectable {
			rest, r.Selector, r.Selected = strings.Cut(rest, ":")
		}
		r.ARN = head + ":parameter/" + rest
		return r
	}
	if form == Selectable {
		s, r.Selector, r.Selected = strings.Cut(s, ":")
	}
	r.Name = s
	return r
}

// Resource is the ARN of the parameter r refers to: its own ARN, or its name's in region and account.
func (r Ref) Resource(region, account string) string {
	if r.ARN != "" {
		return r.ARN
	}
	return ARN(region, account, r.Name)
}

// ARN is the ARN of the parameter name: SSM drops a hierarchical name's leading '/', so "/a" and
// "a" have one ARN.
func ARN(region, account, name string) string {
	return "arn:aws:ssm:" + region + ":" + account + ":parameter/" + strings.TrimPrefix(name, "/")
}
