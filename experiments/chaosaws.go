package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/cwstat"
	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

func (c *compiler) pythonArgs(pv *Provider, pp string) (map[string]any, bool) {
	if len(pv.Arguments) == 0 {
		return map[string]any{}, true
	}
	dec := json.NewDecoder(bytes.NewReader(pv.Arguments))
	dec.UseNumber()
	var args map[string]any
	if err := dec.Decode(&args); err != nil {
		c.fail(pp+".arguments", "want an object of keyword arguments: %v", err)
		return nil, false
	}
	c.substAny(args, pp+".arguments")
	return args, true
}

// argString / argInt read python keyword arguments.
func (c *compiler) argString(args map[string]any, key, p string, required bool) string {
	v, ok := args[key]
	if !ok || v == nil {
		if required {
			c.fail(p+"."+key, "required")
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		c.fail(p+"."+key, "want a string, got %s", jsonValue(v))
	}
	return s
}

// argInt is the argument key, a whole number of seconds from least to 366 days, or def when it is
// not given.
func (c *compiler) argInt(args map[string]any, key, p string, def, least int) int {
	v, ok := args[key]
	if !ok || v == nil {
		return def
	}
	n, ok := v.(json.Number)
	if !ok {
		c.fail(p+"."+key, "want a number, got %s", jsonValue(v))
		return def
	}
	f, err := n.Float64()
	if err != nil || f < float64(least) || f != math.Trunc(f) || f > maxSeconds {
		c.fail(p+"."+key, "want a whole number of seconds from %d to %d (366 days), got %s", least, maxSeconds, n)
		return def
	}
	return int(f)
}

// jsonValue describes a decoded JSON value for a message: a string quoted and called one ("300"
// read as 300 where a number was wanted), an object or a list by its kind.
func jsonValue(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprint(v)
}

func (c *compiler) knownArgs(args map[string]any, p string, known ...string) {
	for k := range args {
		if !slices.Contains(known, k) {
			meant := ""
			if near := suggest.Nearest(k, known); near != "" {
				meant = fmt.Sprintf("; did you mean %s?", near)
			}
			c.fail(p+"."+k, "argument is not translated%s (known: %s)", meant, strings.Join(known, ", "))
		}
	}
}

// chaosawsMetric translates chaosaws' single-metric probes; both return 0 when CloudWatch has no
// datapoint, hence NoData zero.
func (c *compiler) chaosawsMetric(pr *CompiledProbe, args map[string]any, p string, defDuration int, statistics bool) {
	// Each function's own arguments: chaoslib refuses an argument its function does not take
	// (get_metric_statistics has no period, get_metric_data no extended_statistic).
	known := []string{"namespace", "metric_name", "dimension_name", "dimension_value", "dimensions", "statistic", "duration", "offset", "unit"}
	if statistics {
		known = append(known, "extended_statistic")
	} else {
		known = append(known, "period")
	}
	c.knownArgs(args, p, known...)
	m := MetricStat{Metric: Metric{
		Namespace:  c.argString(args, "namespace", p, true),
		MetricName: c.argString(args, "metric_name", p, true),
	}}
	ds, listed := args["dimensions"]
	list, _ := ds.([]any)
	if len(list) > 0 {
		// chaosaws queries the dimensions list alone when it is not empty, ignoring the other two: a
		// probe giving both would read another metric than its author meant, under either tool.
		for _, k := range []string{"dimension_name", "dimension_value"} {
			if v, ok := args[k]; ok && v != nil {
				c.fail(p+"."+k, "give dimensions or dimension_name and dimension_value, not both: chaosaws queries the dimensions list alone and ignores %s", k)
			}
		}
	} else if dn := c.argString(args, "dimension_name", p, false); dn != "" {
		m.Metric.Dimensions = append(m.Metric.Dimensions, Dimension{Name: dn, Value: c.argString(args, "dimension_value", p, true)})
	}
	if listed && ds != nil {
		for i, d := range list {
			obj, _ := d.(map[string]any)
			n, _ := obj["Name"].(string)
			v, _ := obj["Value"].(string)
			if n == "" || v == "" {
				c.fail(fmt.Sprintf("%s.dimensions[%d]", p, i), "want {\"Name\": ..., \"Value\": ...}")
				continue
			}
			m.Metric.Dimensions = append(m.Metric.Dimensions, Dimension{Name: n, Value: v})
		}
		if list == nil {
			c.fail(p+".dimensions", "want a list of {\"Name\", \"Value\"}")
		}
	}
	m.Stat = c.argString(args, "statistic", p, false)
	statKey := "statistic"
	if es := c.argString(args, "extended_statistic", p, false); es != "" {
		if m.Stat != "" {
			c.fail(p+".extended_statistic", "give statistic or extended_statistic, not both")
		}
		m.Stat, statKey = es, "extended_statistic"
	}
	switch {
	case m.Stat == "" && statistics:
		c.fail(p+".statistic", "required (or extended_statistic)")
	case m.Stat == "":
		m.Stat = "Average"
	case varRef.MatchString(m.Stat):
		// A ${var} with no value yet (validate) is the configuration's to say.
	default:
		if why := badStatistic(m.Stat, statKey == "extended_statistic", statistics); why != "" {
			c.fail(p+"."+statKey, "%s", why)
		}
	}
	m.Unit = c.argString(args, "unit", p, false)
	if why := badUnit(m.Unit); why != "" {
		c.fail(p+".unit", "%s", why)
	}
	if c.argInt(args, "offset", p, 0, 0) != 0 {
		c.fail(p+".offset", "must be 0: the machine observes windows that end when the probe runs")
	}
	pr.WindowSeconds = c.argInt(args, "duration", p, defDuration, 1)
	// chaosaws' get_metric_data reads the statistic per period (default 60 s) and returns the
	// sum of the periods' values for Sum, their least or greatest for Minimum and Maximum, and
	// their mean otherwise. The machine reads one value over the whole window: the same for
	// Sum, Minimum and Maximum, and for an Average or a percentile the same when the periods hold
	// as many samples each (weighted by samples otherwise). A SampleCount would be the window's
	// count, duration/period times chaosaws' mean count per period: refused.
	if !statistics {
		if period := c.argInt(args, "period", p, 60, 1); countsPerPeriod(m.Stat) && period < pr.WindowSeconds {
			c.fail(p+".statistic", "%s over periods of %d s: chaosaws returns the mean per period, where the state machine reads one %s over the whole %d s window (%d times as much); set period to the duration (%d) to read it over the window, or use Sum of a count metric",
				m.Stat, period, m.Stat, pr.WindowSeconds, pr.WindowSeconds/period, pr.WindowSeconds)
		}
	}
	pr.NoData = NoDataZero
	t := true
	pr.MetricDataQueries = []MetricDataQuery{{Id: "m1", Label: probeLabel(pr.Name), MetricStat: &m, ReturnData: &t}}
	pr.Query = describeQuery(pr.MetricDataQueries, 0)
}

// countsPerPeriod reports whether stat grows with the span it is read over, as a count or a sum of
// part of the values does (SampleCount, trimmed count and trimmed sum): chaosaws' mean of per-period
// values is then not the window's value the state machine reads.
func countsPerPeriod(stat string) bool {
	e, _ := cwstat.ParseExtended(stat)
	return stat == "SampleCount" || e.Kind == "TC" || e.Kind == "TS"
}

// units are CloudWatch's StandardUnit values, the units a metric's datapoints and a query's Unit may name.
var units = []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
	"Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
	"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
	"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}

// badUnit says why unit (a query's Unit, or chaosaws' unit argument; "" for none) is not one
// CloudWatch takes, or "": CloudWatch refuses another ("Millisecond") when the machine queries it.
// A ${var} with no value yet is the configuration's to say.
func badUnit(unit string) string {
	if unit == "" || slices.Contains(units, unit) || varRef.MatchString(unit) {
		return ""
	}
	if near := suggest.Nearest(unit, units); near != "" {
		return fmt.Sprintf("%q is not a CloudWatch unit: did you mean %s?", unit, near)
	}
	return fmt.Sprintf("%q is not a CloudWatch unit (%s)", unit, strings.Join(units, ", "))
}

// basicStatistics are CloudWatch's statistics that are not extended ones.
var basicStatistics = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

// badStatistic says why stat, the probe's statistic (or, extended, its extended_statistic), is not
// one CloudWatch computes, or "". get_metric_statistics (statistics) takes one of the basic five as
// statistic and a percentile as extended_statistic; get_metric_data's statistic is its query's Stat,
// any of them. A misspelt one ("Summ") passed validation and failed only when the state machine
// queried it.
func badStatistic(stat string, extended, statistics bool) string {
	if extended {
		if !cwstat.IsExtended(stat) || statistics && stat[0] != 'p' {
			return fmt.Sprintf("%q is not a CloudWatch percentile (p0.0 to p100, e.g. p99)", stat)
		}
		return ""
	}
	if slices.Contains(basicStatistics, stat) || !statistics && cwstat.IsExtended(stat) {
		return ""
	}
	want := strings.Join(basicStatistics, ", ")
	if statistics {
		want += "; a percentile goes in extended_statistic"
	} else {
		want += ", or an extended statistic such as p99"
	}
	if near := suggest.Nearest(stat, basicStatistics); near != "" {
		return fmt.Sprintf("%q is not a CloudWatch statistic: did you mean %s? (%s)", stat, near, want)
	}
	return fmt.Sprintf("%q is not a CloudWatch statistic (%s)", stat, want)
}
