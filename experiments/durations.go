package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// periodSlack covers CloudWatch rounding StartTime down to the minute and the seconds the machine
// spends between recording a window's start and querying it.
const periodSlack = 120

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// durations checks and applies the overrides, then sets what follows from the durations: the
// observation and recovery windows, the guard, the pause slices, the faults' expiries and the
// metrics' period.
func (c *compiler) durations(out *Compiled, guardNames []string, guardInterval int) {
	o := c.opts.Overrides
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"Pause", o.Pause}, {"ProbeWindow", o.ProbeWindow}, {"Recovery", o.Recovery}, {"GuardInterval", o.GuardInterval}, {"ExpiryMargin", o.ExpiryMargin}, {"Onset", onsetOr(o.Onset, 0)}} {
		if d.d < 0 {
			c.fail("overrides."+d.name, "want a duration ≥ 0, got %v", d.d)
		}
	}
	observe := 0
	for i := range out.SteadyState.Probes {
		pr := &out.SteadyState.Probes[i]
		if o.ProbeWindow > 0 {
			pr.WindowSeconds = ceilSeconds(o.ProbeWindow)
		}
		observe = max(observe, pr.WindowSeconds)
	}
	out.SteadyState.ObserveSeconds = observe
	out.SteadyState.RecoverySeconds = observe
	if o.Recovery > 0 {
		out.SteadyState.RecoverySeconds = ceilSeconds(o.Recovery)
	}

	if o.Pause > 0 {
		for i := range out.Method {
			out.Method[i].PauseAfterSeconds = ceilSeconds(o.Pause)
		}
	}
	if o.GuardInterval > 0 {
		guardInterval = ceilSeconds(o.GuardInterval)
	}
	if len(guardNames) > 0 {
		if guardInterval <= 0 {
			guardInterval = ceilSeconds(DefaultGuardInterval)
		}
		out.Guard = CompiledGuard{Enabled: true, IntervalSeconds: guardInterval}
		for _, name := range guardNames {
			for _, pr := range out.SteadyState.Probes {
				if pr.Name == name {
					g := pr
					g.Source = "guard: " + pr.Source
					out.Guard.Probes = append(out.Guard.Probes, g)
				}
			}
		}
	}
	onset := ceilSeconds(o.FaultOnset())
	for i := range out.Method {
		setOnset(&out.Method[i], onset)
	}
	// The method's slices are cut once the guard is known to fit: a year's pause checked every
	// second would be 31 million of them, refused. The rollbacks' pauses are unguarded: one slice.
	if c.guardHistory(out) {
		for i := range out.Method {
			slicePause(&out.Method[i], out.Guard.IntervalSeconds)
		}
	}
	for i := range out.Rollbacks {
		setOnset(&out.Rollbacks[i], onset)
		slicePause(&out.Rollbacks[i], 0)
	}

	// Remaining method time after each action's write, for its fault's expiry.
	margin := secondsOr(o.ExpiryMargin, DefaultExpiryMargin)
	methodTotal := 0
	for i := len(out.Method) - 1; i >= 0; i-- {
		a := &out.Method[i]
		methodTotal += a.PauseAfterSeconds
		c.expire(a, methodTotal+margin)
		methodTotal += a.PauseBeforeSeconds
	}

	span := max(out.SteadyState.ObserveSeconds, out.SteadyState.RecoverySeconds, methodTotal)
	period := (span+59)/60*60 + periodSlack
	for i := range out.SteadyState.Probes {
		setPeriod(&out.SteadyState.Probes[i], period)
	}
	for i := range out.Guard.Probes {
		setPeriod(&out.Guard.Probes[i], period)
	}
	if len(out.Guard.Probes) > 0 {
		out.Guard.Probe = &out.Guard.Probes[0]
	}
}

// setPeriod gives every metric of p one period that covers the longest observed window, so the
// returned query's Values[0] summarizes the whole window.
func setPeriod(p *CompiledProbe, period int) {
	qs := make([]MetricDataQuery, len(p.MetricDataQueries))
	for i, q := range p.MetricDataQueries {
		if q.MetricStat != nil {
			m := *q.MetricStat
			m.Period = period
			q.MetricStat = &m
		}
		qs[i] = q
	}
	p.MetricDataQueries = qs
}

// secondsOr is an override in whole seconds, rounded up, or def when the override is not set.
func secondsOr(override, def time.Duration) int {
	if override > 0 {
		return ceilSeconds(override)
	}
	return ceilSeconds(def)
}

// onsetOr is the onset override, or def when it is not set.
func onsetOr(o *time.Duration, def time.Duration) time.Duration {
	if o == nil {
		return def
	}
	return *o
}

// setOnset makes the first onset seconds of a's pause (at most the pause) its onset; the rest is
// cut into guard intervals (slicePause).
func setOnset(a *CompiledAction, onset int) {
	a.OnsetSeconds = max(0, min(onset, a.PauseAfterSeconds))
}

// slicePause cuts a's pause after its onset into guard intervals (interval ≤ 0: one slice).
func slicePause(a *CompiledAction, interval int) {
	pause := a.PauseAfterSeconds - a.OnsetSeconds
	a.PauseSlices = make([]int, 0, sliceCount(pause, interval))
	if pause <= 0 {
		return
	}
	if interval <= 0 || interval >= pause {
		a.PauseSlices = append(a.PauseSlices, pause)
		return
	}
	for left := pause; left > 0; left -= interval {
		a.PauseSlices = append(a.PauseSlices, min(interval, left))
	}
}

// sliceCount is how many slices slicePause cuts a pause into, counted.
func sliceCount(pause, interval int) int {
	switch {
	case pause <= 0:
		return 0
	case interval <= 0 || interval >= pause:
		return 1
	}
	return (pause + interval - 1) / interval
}

// expire adds expiresAfterSeconds to a fault that enables injection, unless it has an expiry.
// "Enables" is the function's own reading (faultconfig.Parse): a 0.x config with isEnabled true,
// or a failure-lambda 1.0 config with an enabled flag (1.0 has no isEnabled). A value the parser
// rejects is left as it is: the action's validation reports it.
func (c *compiler) expire(a *CompiledAction, seconds int) {
	parsed, err := faultconfig.Parse(a.Value)
	if err != nil || !parsed.Enabled || !parsed.ExpiresAt.IsZero() || parsed.ExpiresAfter > 0 {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(a.Value))
	dec.UseNumber()
	var cfg map[string]any
	if err := dec.Decode(&cfg); err != nil {
		return
	}
	cfg["expiresAfterSeconds"] = seconds
	a.Value, _ = json.Marshal(cfg)
	c.faultValue(a.Value, a.Source+".provider.arguments", fmt.Sprintf("with the expiry the compiler adds (expiresAfterSeconds %d = the rest of the method + the expiry margin)", seconds))
}

// Step Functions ends a standard execution at 25,000 history events; the guard's checks are most of
// a guarded run's. A slice of a pause costs about guardSliceEvents, and each of its guard probes
// about guardCheckEvents more (a Map iteration, the query Task, the record states), counted from
// the machine's states; the checks may take guardHistoryBudget of the limit, the rest of the run
// (observations, writes, rollbacks, recovery) far less than the remainder.
const (
	guardSliceEvents   = 12
	guardCheckEvents   = 19
	guardHistoryBudget = 20000
)

// guardHistory refuses a guard whose checks would outgrow the execution's history: the run would
// fail at Step Functions' limit, and the rollback guard's run would roll it back. It says whether
// the guard fits (a run without one does).
func (c *compiler) guardHistory(out *Compiled) bool {
	if !out.Guard.Enabled {
		return true
	}
	n := slicesAt(out.Method, out.Guard.IntervalSeconds)
	per := guardSliceEvents + guardCheckEvents*len(out.Guard.Probes)
	events := n * per
	if events <= guardHistoryBudget {
		return true
	}
	told := fmt.Sprintf("the guard's %d checks (%d slices of the pauses × %d probes) would take about %d of the execution's history events, more than the %d a run may give them (Step Functions ends an execution at 25,000)",
		n*len(out.Guard.Probes), n, len(out.Guard.Probes), events, guardHistoryBudget)
	// The longest interval checks each pause once: when even that does not fit, no interval does.
	longest := 0
	for _, a := range out.Method {
		longest = max(longest, a.PauseAfterSeconds-a.OnsetSeconds)
	}
	if fewest := slicesAt(out.Method, longest); fewest*per > guardHistoryBudget {
		c.fail("extensions", "%s, and checked once a pause, %d pauses × %d probes would still take about %d: guard fewer probes, or split the method into experiments of fewer pausing actions",
			told, fewest, len(out.Guard.Probes), fewest*per)
		return false
	}
	// The least interval that fits: the slices only grow fewer as the interval grows.
	lo, hi := out.Guard.IntervalSeconds+1, longest
	for lo < hi {
		if mid := lo + (hi-lo)/2; slicesAt(out.Method, mid)*per <= guardHistoryBudget {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	c.fail("extensions", "%s: check every %d s or more (the chaoslab extension's guard.interval; run and compile also take -guard-interval), or guard fewer probes",
		told, lo)
	return false
}

// slicesAt is how many slices the method's pauses are at the guard interval interval, as
// slicePause cuts them.
func slicesAt(method []CompiledAction, interval int) int {
	n := 0
	for _, a := range method {
		n += sliceCount(a.PauseAfterSeconds-a.OnsetSeconds, interval)
	}
	return n
}
