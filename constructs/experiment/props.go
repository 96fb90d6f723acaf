package experiment

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
)

// ExperimentProps configure the state machine. FaultParameter is required; every other field may be
// left zero.
type ExperimentProps struct {
	// FaultParameter is the SSM parameter holding the failure config; the only thing the machine
	// may write. Required: no default.
	FaultParameter awsssm.IStringParameter
	// Timeout of an execution, 1 min to 1 year. Default: DefaultTimeout (1 h).
	Timeout time.Duration
	// StateMachineName is the physical name. Default: a name unique in the app (generated at
	// synth, so the role's DescribeExecution permission can name this machine without a cycle).
	StateMachineName string
}

// Limits Validate checks.
const (
	// minTimeout is this construct's floor, not an AWS limit: an execution observes, faults and
	// recovers for minutes, so a shorter timeout is a unit mistake (Timeout: 30 is 30 ns).
	minTimeout = time.Minute
	// maxTimeout is the longest a Standard workflow execution may run (Step Functions quotas).
	maxTimeout = 365 * 24 * time.Hour
	// maxNameLength and nameForbidden are Step Functions' rules for a state machine name (also
	// the length of a generated name).
	maxNameLength = 80
	nameForbidden = " <>{}[]?*\"#%\\^|~`$&,;:/"
)

// withDefaults returns a copy with every zero field set to its default. StateMachineName stays empty
// when unset: the generated name needs the construct's path, so NewExperiment makes it.
func (p *ExperimentProps) withDefaults() ExperimentProps {
	var out ExperimentProps
	if p != nil {
		out = *p
	}
	if out.Timeout == 0 {
		out.Timeout = DefaultTimeout
	}
	return out
}

// Validate reports every problem in the props (after defaults), not just the first, so one synth shows
// them all. NewExperiment calls it and fails synth with the result.
func (p *ExperimentProps) Validate() error {
	v := p.withDefaults()
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}

	if v.FaultParameter == nil {
		bad("FaultParameter", "required (the parameter the machine writes faults to)")
	}
	if v.Timeout < minTimeout || v.Timeout > maxTimeout {
		bad("Timeout", "%v is outside 1 min to 1 year (Step Functions standard workflows)", v.Timeout)
	}
	if n := v.StateMachineName; n != "" && (len(n) > maxNameLength || strings.ContainsAny(n, nameForbidden)) {
		bad("StateMachineName", "%q: want 1-%d characters without spaces or %s", n, maxNameLength, strings.TrimPrefix(nameForbidden, " "))
	}
	return errors.Join(errs...)
}
