package ssmname

import (
	"fmt"
	"strings"
)

// MaxARN bounds a written parameter's ARN: the model's PSParameterName documentation says that of
// the 2048 characters only 1011 are the caller's, counting the ARN's characters before the name
// (45 in us-east-1), so a name there has at most 966.
const MaxARN = 1011

// MaxLevels is the hierarchy depth SSM allows (HierarchyLevelLimitExceededException's documentation).
const MaxLevels = 15

// Rules is AWS's ValidationException message for a name that breaks the naming constraints (its
// words, from memory of AWS's answer; the constraints are the model's).
const Rules = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, ` +
	`it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`

// A NameError is a name or a path that breaks SSM's naming rules, in SSM's words.
type NameError struct {
	Msg string
	// TooDeep says the hierarchy has more than MaxLevels levels: SSM answers
	// HierarchyLevelLimitExceededException, where every other problem is a ValidationException.
	TooDeep bool
}

func (e *NameError) Error() string { return e.Msg }

// CheckName is SSM's rule for the name PutParameter writes (trimmed of spaces, as SSM trims them;
// not empty): the characters a-zA-Z0-9_.- and '/' between levels, a leading '/' on a name of more
// than one level, no empty level, at most MaxLevels levels, not beginning with aws or ssm in any
// case (a hierarchy's first level neither). The length is the caller's to check: it counts the ARN
// (MaxARN), whose region and account only the caller knows. The local Parameter Store answers with
// it, and the pipeline construct checks its FaultParameterName with it, so a name the construct
// takes is one SSM takes.
func CheckName(name string) error {
	if err := CheckLevels(name, "name"); err != nil {
		return err
	}
	first := strings.ToLower(strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm") {
		return &NameError{Msg: Rules}
	}
	return nil
}

// CheckLevels checks a name's or a path's characters and levels (CheckName's rule without the
// reserved prefixes, which a path may read); member names it in the message.
func CheckLevels(name, member string) error {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-/", r)) {
			return &NameError{Msg: fmt.Sprintf("%s %q: %q is not allowed. %s", member, name, r, Rules)}
		}
	}
	levels := strings.Split(name, "/")
	if len(levels) == 1 {
		return nil
	}
	if levels[0] != "" {
		return &NameError{Msg: fmt.Sprintf("%s %q: a parameter name of more than one level must begin with a forward slash (/). %s", member, name, Rules)}
	}
	for _, l := range levels[1:] {
		if l == "" {
			return &NameError{Msg: fmt.Sprintf("%s %q has an empty level. %s", member, name, Rules)}
		}
	}
	if len(levels)-1 > MaxLevels {
		return &NameError{TooDeep: true, Msg: fmt.Sprintf("%s %q has %d levels: a hierarchy can have a maximum of %d levels.", member, name, len(levels)-1, MaxLevels)}
	}
	return nil
}
