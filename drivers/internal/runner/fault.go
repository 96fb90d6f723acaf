package runner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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

// ReadFault reads the fault parameter name and parses its value (faultconfig.Parse).
func ReadFault(ctx context.Context, c *ssm.Client, name string) (*Fault, error) {
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
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

// DescribeFaults says in words what each fault of c does, one line per fault, in the order the
// function applies them: e.g. "latency 3000–5000 ms, 50% of invocations".
func DescribeFaults(c faultconfig.Config) []string {
	var out []string
	for _, f := range c.Faults {
		out = append(out, describeFault(f))
	}
	return out
}

func describeFault(f faultconfig.Fault) string {
	var what string
	switch f.Mode {
	case faultconfig.ModeLatency:
		what = "latency " + msRange(f.MinLatency, f.MaxLatency)
	case faultconfig.ModeTimeout:
		what = "timeout: waits until " + ms(f.TimeoutBuffer) + " before the invocation's deadline"
	case faultconfig.ModeDiskSpace:
		what = fmt.Sprintf("diskspace: fills %d MB of /tmp", f.DiskSpaceMB)
	case faultconfig.ModeDenylist:
		pats := make([]string, len(f.Denylist))
		for i, re := range f.Denylist {
			pats[i] = re.String()
		}
		what = "denylist: connections to hosts matching " + strings.Join(pats, ", ") + " fail"
	case faultconfig.ModeStatusCode:
		what = fmt.Sprintf("statuscode: answers %d without running the handler (one that answers no status code, as an SQS handler, fails instead)", f.StatusCode)
	case faultconfig.ModeException:
		what = fmt.Sprintf("exception: fails with %q before the handler", f.ExceptionMsg)
	case faultconfig.ModeCorruption:
		what = "corruption: mangles the response body"
		if f.ReplaceBody {
			what = fmt.Sprintf("corruption: replaces the response body with %q", f.Body)
		}
	case faultconfig.ModeSDKError:
		what = "sdkerror: " + string(f.Error) + " errors"
		if f.Error == faultconfig.SDKErrorTimeout && f.MaxLatency > 0 {
			what += " after " + msRange(f.MinLatency, f.MaxLatency)
		}
	default:
		what = string(f.Mode)
	}
	per := "invocations"
	if f.SDKLevel() && f.Scope == faultconfig.ScopeCall {
		per = "SDK calls"
	}
	what += ", " + strconv.FormatFloat(f.Rate*100, 'f', -1, 64) + "% of " + per
	if len(f.Targets) > 0 {
		ts := make([]string, len(f.Targets))
		for i, t := range f.Targets {
			ts[i] = t.String()
		}
		what += ", on " + strings.Join(ts, ", ")
	}
	if len(f.Match) > 0 {
		cs := make([]string, len(f.Match))
		for i, c := range f.Match {
			cs[i] = c.String()
		}
		what += ", when " + strings.Join(cs, " and ")
	}
	return what
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + " ms"
}

func msRange(lo, hi time.Duration) string {
	if lo == hi {
		return ms(lo)
	}
	return strings.TrimSuffix(ms(lo), " ms") + "–" + ms(hi)
}
