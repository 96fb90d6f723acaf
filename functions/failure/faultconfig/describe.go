package faultconfig

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Describe says in words what each fault of c does, one line per fault, in the order the
// function applies them: e.g. "latency 3000–5000 ms, 50% of invocations" (chaoslab fault status,
// the run report's timeline).
func (c Config) Describe() []string {
	var out []string
	for _, f := range c.Faults {
		out = append(out, describeFault(f))
	}
	return out
}

func describeFault(f Fault) string {
	var what string
	switch f.Mode {
	case ModeLatency:
		what = "latency " + msRange(f.MinLatency, f.MaxLatency)
	case ModeTimeout:
		what = "timeout: waits until " + ms(f.TimeoutBuffer) + " before the invocation's deadline"
	case ModeDiskSpace:
		what = fmt.Sprintf("diskspace: fills %d MB of /tmp", f.DiskSpaceMB)
	case ModeDenylist:
		pats := make([]string, len(f.Denylist))
		for i, re := range f.Denylist {
			pats[i] = re.String()
		}
		what = "denylist: connections to hosts matching " + strings.Join(pats, ", ") + " fail"
	case ModeStatusCode:
		what = fmt.Sprintf("statuscode: answers %d without running the handler (one that answers no status code, as an SQS handler, fails instead)", f.StatusCode)
	case ModeException:
		what = fmt.Sprintf("exception: fails with %q before the handler", f.ExceptionMsg)
	case ModeCorruption:
		what = "corruption: mangles the response body"
		if f.ReplaceBody {
			what = fmt.Sprintf("corruption: replaces the response body with %q", f.Body)
		}
	case ModeSDKError:
		what = "sdkerror: " + string(f.Error) + " errors"
		if f.Error == SDKErrorTimeout && f.MaxLatency > 0 {
			what += " after " + msRange(f.MinLatency, f.MaxLatency)
		}
	default:
		what = string(f.Mode)
	}
	per := "invocations"
	if f.SDKLevel() && f.Scope == ScopeCall {
		per = "SDK calls"
	}
	// 15 significant digits cut the float product's noise: a rate of 0.29 reads 29%, not
	// 28.999999999999996% (dashboard.Fault's summary reads rates the same way).
	what += ", " + strconv.FormatFloat(f.Rate*100, 'g', 15, 64) + "% of " + per
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
