package experiments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

// probe translates a steady-state hypothesis probe (an `aws cloudwatch get-metric-data` process, a
// chaosaws metric probe or our native metric_data) into a CompiledProbe; false when it found problems.
func (c *compiler) probe(a Activity, p string) (CompiledProbe, bool) {
	n := len(c.problems)
	pr := CompiledProbe{Name: a.Name, Source: p}
	if c.onlyRef(a, p, "probe") {
		return pr, false
	}
	if a.Type != "probe" {
		c.fail(p+".type", "want \"probe\" in the steady-state hypothesis, got %q", a.Type)
	}
	c.activityBasics(a, p, "probe")
	if a.Pauses != nil {
		c.fail(p+".pauses", "pauses on probes are not supported")
	}
	if len(a.Tolerance) == 0 {
		c.fail(p+".tolerance", "required")
	} else if t, ok := c.tolerance(a.Tolerance, p+".tolerance", a.Provider != nil && a.Provider.Type == "process"); ok {
		pr.Tolerance = t
	}
	if a.Provider == nil {
		c.fail(p+".provider", "required")
		return pr, false
	}
	pp := p + ".provider"
	switch a.Provider.Type {
	case "process":
		args, ok := c.awsCommand(a.Provider, pp, "cloudwatch", "get-metric-data", "probes")
		if !ok {
			break
		}
		c.getMetricDataCLI(&pr, args, pp+".arguments")
	case "python":
		args, ok := c.pythonArgs(a.Provider, pp)
		if !ok {
			break
		}
		switch a.Provider.Module + "." + a.Provider.Func {
		case "chaosaws.cloudwatch.probes.get_metric_statistics":
			c.chaosawsMetric(&pr, args, pp+".arguments", 60, true)
		case "chaosaws.cloudwatch.probes.get_metric_data":
			c.chaosawsMetric(&pr, args, pp+".arguments", 300, false)
		case "chaoslab.cloudwatch.metric_data":
			c.nativeMetricData(&pr, args, pp+".arguments")
		default:
			c.fail(pp, "python provider %s.%s is not translated (want chaosaws.cloudwatch.probes.get_metric_statistics or get_metric_data, or chaoslab.cloudwatch.metric_data)", a.Provider.Module, a.Provider.Func)
		}
	default:
		c.fail(pp+".type", "provider type %q is not translated (want process or python)", a.Provider.Type)
	}
	return pr, len(c.problems) == n
}

// queries loads metric data queries given inline (JSON) or as file://PATH.
func (c *compiler) queries(pr *CompiledProbe, spec, p string) {
	var data []byte
	if rest, ok := strings.CutPrefix(spec, "file://"); ok {
		if c.e.FS == nil {
			c.fail(p, "cannot read %s: the experiment was not loaded from a file", spec)
			return
		}
		name := path.Clean(path.Join(c.e.Dir, rest))
		if path.IsAbs(rest) || !fs.ValidPath(name) {
			// The experiment's folder is all it may read: it goes where its file goes.
			c.fail(p, "%s: a file:// path is relative to the experiment file's folder and inside it (an absolute path or one that leaves the folder is not read)", spec)
			return
		}
		b, err := fs.ReadFile(c.e.FS, name)
		if errors.Is(err, fs.ErrNotExist) {
			// A shipped experiment copied elsewhere without its query files: say which to copy.
			hint := ""
			if _, serr := fs.Stat(definitions, rest); serr == nil { // the shipped ones are all at its top
				hint = fmt.Sprintf(": a query file of the shipped experiments, copy experiments/%s beside the experiment", rest)
			}
			c.fail(p, "read %s (relative to the experiment file): no such file%s", rest, hint)
			return
		}
		if err != nil {
			c.fail(p, "read %s (relative to the experiment file): %v", rest, err)
			return
		}
		data = b
	} else {
		data = []byte(spec)
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		c.fail(p, "metric data queries: %s", DescribeJSONError(data, err))
		return
	}
	c.queryValue(pr, raw, p)
}

func (c *compiler) queryValue(pr *CompiledProbe, raw any, p string) {
	raw = c.substAny(raw, p)
	b, _ := json.Marshal(raw)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var qs []MetricDataQuery
	if err := dec.Decode(&qs); err != nil {
		if ps := checkValue(b, reflect.TypeFor[[]MetricDataQuery](), p); len(ps) > 0 {
			c.problems = append(c.problems, ps...)
			return
		}
		c.fail(p, "metric data queries: want CloudWatch MetricDataQuery objects: %v", err)
		return
	}
	c.checkQueries(pr, qs, p)
}

// probeLabel is the Label given to a probe's returned query when it has none: CloudWatch returns
// a query's Label with its result (else the metric's name or the Id), so the probe's name there
// lets a reader of the execution's history tell the probes apart. A name holding "${" gets none:
// CloudWatch would read it as a dynamic label.
func probeLabel(name string) string {
	if strings.Contains(name, "${") {
		return ""
	}
	return name
}

var queryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

func (c *compiler) checkQueries(pr *CompiledProbe, qs []MetricDataQuery, p string) {
	if len(qs) == 0 {
		c.fail(p, "metric data queries: at least one query is required")
		return
	}
	ids := map[string]bool{}
	returned := -1
	for i := range qs {
		q := &qs[i]
		qp := fmt.Sprintf("%s[%d]", p, i)
		if !queryID.MatchString(q.Id) {
			c.fail(qp+".Id", "want an id starting with a lower-case letter, got %q", q.Id)
		}
		if ids[q.Id] {
			c.fail(qp+".Id", "duplicate id %q", q.Id)
		}
		ids[q.Id] = true
		if (q.Expression == "") == (q.MetricStat == nil) {
			c.fail(qp, "want exactly one of Expression and MetricStat")
		}
		if m := q.MetricStat; m != nil && (m.Metric.Namespace == "" || m.Metric.MetricName == "" || m.Stat == "") {
			c.fail(qp+".MetricStat", "Metric.Namespace, Metric.MetricName and Stat are required")
		} else if m != nil && !strings.Contains(m.Stat, "${") {
			// CloudWatch refuses another statistic ("sum"), and only when the machine queries it:
			// after the window before the fault, minutes into the run.
			if why := badStatistic(m.Stat, false, false); why != "" {
				c.fail(qp+".MetricStat.Stat", "%s", why)
			}
		}
		if m := q.MetricStat; m != nil {
			if why := badUnit(m.Unit); why != "" {
				c.fail(qp+".MetricStat.Unit", "%s", why)
			}
		}
		if q.ReturnData == nil || *q.ReturnData {
			if returned >= 0 {
				c.fail(qp+".ReturnData", "only one query may return data (set ReturnData false on %s or %s): the probe checks MetricDataResults[0]", qs[returned].Id, q.Id)
			}
			returned = i
		}
	}
	// An expression's ids must be this probe's queries': CloudWatch refuses another ("Unrecognized
	// metric id"), as it refuses a statistic, only when the machine queries it.
	known := slices.Sorted(maps.Keys(ids))
	for i, q := range qs {
		if strings.Contains(q.Expression, "${") || isInsightsQuery(q.Expression) {
			continue
		}
		for _, id := range expressionIDs(q.Expression) {
			if ids[id] {
				continue
			}
			hint := ""
			if near := suggest.Nearest(id, known); near != "" {
				hint = fmt.Sprintf("; did you mean %s?", near)
			}
			c.fail(fmt.Sprintf("%s[%d].Expression", p, i), "%q is not the Id of a query of this probe (%s)%s", id, strings.Join(known, ", "), hint)
		}
	}
	if returned < 0 {
		c.fail(p, "no query returns data (ReturnData)")
		return
	}
	for i := range qs {
		r := i == returned
		qs[i].ReturnData = &r
	}
	if qs[returned].Label == "" {
		qs[returned].Label = probeLabel(pr.Name)
	}
	pr.MetricDataQueries = qs
	pr.Query = describeQuery(qs, returned)
}

// describeQuery is the journal's one-line description of what a probe measures.
func describeQuery(qs []MetricDataQuery, returned int) string {
	metric := func(q MetricDataQuery) string {
		m := q.MetricStat
		var dims []string
		for _, d := range m.Metric.Dimensions {
			dims = append(dims, d.Name+"="+d.Value)
		}
		return fmt.Sprintf("%s %s{%s} %s", m.Metric.Namespace, m.Metric.MetricName, strings.Join(dims, ","), m.Stat)
	}
	r := qs[returned]
	if r.MetricStat != nil {
		return metric(r)
	}
	var parts []string
	for i, q := range qs {
		if i != returned && q.MetricStat != nil {
			parts = append(parts, q.Id+" = "+metric(q))
		}
	}
	s := r.Id + " = " + r.Expression
	if len(parts) > 0 {
		s += " where " + strings.Join(parts, "; ")
	}
	return s
}

// nativeMetricData translates chaoslab.cloudwatch.metric_data: metric math with an explicit window
// and no-data rule.
func (c *compiler) nativeMetricData(pr *CompiledProbe, args map[string]any, p string) {
	c.knownArgs(args, p, "metric_data_queries", "duration", "no_data")
	pr.WindowSeconds = c.argInt(args, "duration", p, 300, 1)
	pr.NoData = NoDataFail
	if nd := c.argString(args, "no_data", p, false); nd != "" {
		if nd != NoDataFail && nd != NoDataZero {
			c.fail(p+".no_data", "want %q or %q, got %q", NoDataFail, NoDataZero, nd)
		}
		pr.NoData = nd
	}
	switch q := args["metric_data_queries"].(type) {
	case string:
		if !strings.HasPrefix(q, "file://") {
			c.fail(p+".metric_data_queries", "want a list of queries or file://PATH")
			return
		}
		c.queries(pr, q, p+".metric_data_queries")
	case []any:
		c.queryValue(pr, numbersToFloat(q), p+".metric_data_queries")
	default:
		c.fail(p+".metric_data_queries", "required: a list of CloudWatch MetricDataQuery or file://PATH")
	}
}

func numbersToFloat(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = numbersToFloat(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbersToFloat(x[k])
		}
	}
	return v
}

// isInsightsQuery reports whether expr is a Metrics Insights query (SELECT ... FROM ..., its
// keywords in any case), whose words are metrics, namespaces and dimensions, not query ids.
func isInsightsQuery(expr string) bool {
	f := strings.Fields(expr)
	return len(f) > 0 && strings.EqualFold(f[0], "select")
}

// expressionIDs lists the query ids a metric math expression names, once each, in order: the words
// that start with a lower-case letter (an Id's first character) and are not a function's (a word
// followed by "("), outside quoted strings (a SEARCH's text). Function names and keywords are upper
// case; a number's exponent ("1e3") is part of the number.
func expressionIDs(expr string) []string {
	var out []string
	word := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'':
			i++ // to the closing quote, past escaped characters (a SEARCH's \')
			for i < len(expr) && expr[i] != c {
				if expr[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case c >= '0' && c <= '9' || c == '.':
			for i < len(expr) && (word(expr[i]) || expr[i] == '.') {
				i++
			}
		case word(c):
			start := i
			for i < len(expr) && word(expr[i]) {
				i++
			}
			name := expr[start:i]
			rest := strings.TrimLeft(expr[i:], " \t\n")
			if name[0] >= 'a' && name[0] <= 'z' && !strings.HasPrefix(rest, "(") && !slices.Contains(out, name) {
				out = append(out, name)
			}
		default:
			i++
		}
	}
	return out
}
