package ssm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/ssmname"
)

// checkName is PutParameter's check of a name (already trimmed of spaces, as SSM trims them): not
// empty, no spaces, SSM's naming rule (ssmname.CheckName), and an ARN of at most ssmname.MaxARN
// characters.
func (s *Service) checkName(name string) error {
	if name == "" {
		return validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	if strings.Contains(name, " ") {
		return validation(fmt.Sprintf("Parameter name %q contains spaces: a parameter name can't contain spaces", name))
	}
	if err := ssmname.CheckName(name); err != nil {
		return nameError(err)
	}
	if arn := ssmname.ARN(s.region, account, name); len(arn) > ssmname.MaxARN {
		return validation(fmt.Sprintf("Parameter name %s is too long: its ARN has %d characters, at most %d may be specified", name, len(arn), ssmname.MaxARN))
	}
	return nil
}

// nameError is SSM's answer to a name or a path that breaks its naming rules.
func nameError(err error) error {
	var ne *ssmname.NameError
	if !errors.As(err, &ne) {
		return validation(err.Error())
	}
	if ne.TooDeep {
		return &apiError{Code: "HierarchyLevelLimitExceededException", Status: 400, Message: ne.Msg}
	}
	return validation(ne.Msg)
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
	if err := ssmname.CheckLevels(strings.TrimSuffix(path, "/"), member); err != nil {
		return nameError(err)
	}
	return nil
}

// under tells whether the parameter name is in the hierarchy path: directly below it, or at any
// depth when recursive. A name without a leading "/" (no hierarchy: SSM takes "a/b" only as
// "/a/b") is at the root, as the user guide's hierarchies page has it: path "/" finds it.
func under(name, path string, recursive bool) bool {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	rest, ok := strings.CutPrefix(name, strings.TrimSuffix(path, "/")+"/")
	return ok && rest != "" && (recursive || !strings.Contains(rest, "/"))
}
