package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// FaultOff is what a rollback writes to the fault parameter, the seed's initial value.
const FaultOff = `{"isEnabled": false}`

// SwitchOff writes FaultOff to the fault parameter name, the last resort when an experiment's
// own rollback may not run (an interrupted run, `chaoslab rollback`). It returns the
// parameter's new version.
func SwitchOff(ctx context.Context, c *ssm.Client, name string) (int64, error) {
	return put(ctx, c, name, FaultOff)
}

// WriteFault writes value to the fault parameter name, after checking it with the parser the
// function itself reads it with (faultconfig.Parse): a value the function would refuse is not
// written. It returns the parameter's new version.
func WriteFault(ctx context.Context, c *ssm.Client, name, value string) (int64, error) {
	if _, err := faultconfig.Parse([]byte(value)); err != nil {
		return 0, fmt.Errorf("not a valid fault config: %w", err)
	}
	return put(ctx, c, name, value)
}

func put(ctx context.Context, c *ssm.Client, name, value string) (int64, error) {
	out, err := c.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("put parameter %s: %w", name, err)
	}
	return out.Version, nil
}

// Fault is the fault parameter as read, with its value parsed as the function parses it.
type Fault struct {
	Name    string
	Value   string
	Version int64
	// LastModified is the parameter's LastModifiedDate: expiresAfterSeconds counts from it.
	LastModified time.Time
	// Config is the parsed value; Invalid is Parse's error instead. The function injects nothing
	// from an invalid value (it fails safe, and logs why).
	Config  faultconfig.Config
	Invalid error
}

// ErrNoParameter is wrapped by ReadFault's error when the parameter does not exist.
var ErrNoParameter = errors.New("no such parameter")

// ReadFault reads the fault parameter name and parses its value (faultconfig.Parse).
func ReadFault(ctx context.Context, c *ssm.Client, name string) (*Fault, error) {
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if nf := (*ssmtypes.ParameterNotFound)(nil); errors.As(err, &nf) {
		// The SDK's "operation error SSM: GetParameter, https response error StatusCode: 400,
		// RequestID: ..., ParameterNotFound: " did not name the parameter; the caller says where
		// the name came from.
		return nil, fmt.Errorf("%w: %s, in the account and region of this configuration (SSM ParameterNotFound)", ErrNoParameter, name)
	}
	if err != nil {
		return nil, fmt.Errorf("get parameter %s: %w", name, err)
	}
	f := &Fault{Name: name, Value: aws.ToString(out.Parameter.Value), Version: out.Parameter.Version,
		LastModified: aws.ToTime(out.Parameter.LastModifiedDate)}
	f.Config, f.Invalid = faultconfig.Parse([]byte(f.Value))
	return f, nil
}

// ExpiresAt is when the fault switches itself off: the earlier of expiresAt and LastModified +
// expiresAfterSeconds (now stands in for an unknown LastModified). Zero: never.
func (f *Fault) ExpiresAt(now time.Time) time.Time {
	return f.Config.ExpiresAtFor(f.LastModified, now)
}

// On reports whether the function injects from this value at now: a valid config that enables a
// fault and has not expired.
func (f *Fault) On(now time.Time) bool {
	if f.Invalid != nil || !f.Config.Enabled {
		return false
	}
	exp := f.ExpiresAt(now)
	return exp.IsZero() || now.Before(exp)
}
