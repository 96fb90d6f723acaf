package ssm

import (
	"fmt"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/ssmname"
)

// maxARN bounds a written parameter's ARN: the model's PSParameterName documentation says that
// of the 2048 characters only 1011 are the caller's, counting the ARN's characters before the name
// (45 in us-east-1), so a name has at most 966.
const maxARN = 1011

// maxLevels is the hierarchy depth SSM allows (HierarchyLevelLimitExceededException's documentation).
const maxLevels = 15

// nameRules is AWS's ValidationException message for a name that breaks the naming constraints
// (its words, from memory of AWS's answer; the constraints are the model's).
const nameRules = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, ` +
	`it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`

// checkName is PutParameter's check of a name (already trimmed of spaces, as SSM trims them): the
// characters a-zA-Z0-9_.- and '/' between levels, not beginning with aws or ssm in any case (a
// hierarchy's first level neither), a leading '/' on a name of more than one level, no empty
// level, at most 15 levels, and the length the model documents.
func (s *Service) checkName(name string) error {
	if name == "" {
		return validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	if strings.Contains(name, " ") {
		return validation(fmt.Sprintf("Parameter name %q contains spaces: a parameter name can't contain spaces", name))
	}
	if err := checkLevels(name, "name"); err != nil {
		return err
	}
	first := strings.ToLower(strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm") {
		return validation(nameRules)
	}
	if arn := ssmname.ARN(s.region, account, name); len(arn) > maxARN {
		return validation(fmt.Sprintf("Parameter name %s is too long: its ARN has %d characters, at most %d may be specified", name, len(arn), maxARN))
	}
	return nil
}

// checkLevels checks a name's or path's characters and levels: member names it in the message.
func checkLevels(name, member string) error {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-/", r)) {
			return validation(fmt.Sprintf("%s %q: %q is not allowed. %s", member, name, r, nameRules))
		}
	}
	levels := strings.Split(name, "/")
	if len(levels) == 1 {
		return nil
	}
	if levels[0] != "" {
		return validation(fmt.Sprintf("%s %q: a parameter name of more than one level must begin with a forward slash (/). %s", member, name, nameRules))
	}
	for _, l := range levels[1:] {
		if l == "" {
			return validation(fmt.Sprintf("%s %q has an empty level. %s", member, name, nameRules))
		}
	}
	if len(levels)-1 > maxLevels {
		return &apiError{Code: "HierarchyLevelLimitExceededException", Status: 400,
			Message: fmt.Sprintf("%s %q has %d levels: a hierarchy can have a maximum of %d levels.", member, name, len(levels)-1, maxLevels)}
	}
	return nil
}

// checkPath is GetParametersByPath's check of Path (trimmed): a hierarchy, so it begins with '/';
// "/" is the root, and a trailing '/' is allowed. The aws and ssm prefixes are readable (AWS's
// public parameters live under /aws/service).
func checkPath(path, member string) error {
	if !strings.HasPrefix(path, "/") {
		return validation(fmt.Sprintf("%s %q: a hierarchy path must begin with a forward slash (/)", member, path))
	}
	if path == "/" {
		return nil
	}
	if strings.Contains(path, " ") {
		return validation(fmt.Sprintf("%s %q contains spaces: a parameter path can't contain spaces", member, path))
	}
	return checkLevels(strings.TrimSuffix(path, "/"), member)
}

// under tells whether the parameter name is in the hierarchy path: directly below it, or at any
// depth when recursive.
func under(name, path string, recursive bool) bool {
	rest, ok := strings.CutPrefix(name, strings.TrimSuffix(path, "/")+"/")
	return ok && rest != "" && (recursive || !strings.Contains(rest, "/"))
}
