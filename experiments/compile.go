package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// SeedFaultParameter is the seed lab's parameter name; experiments that write it write the stack's
// fault parameter.
const SeedFaultParameter = "failureLambdaConfig"

// DefaultExpiryMargin is how long a fault may outlive the method's planned end (rollbacks switch it
// off before that; the margin only matters when the machine itself is broken or aborted).
const DefaultExpiryMargin = 120 * time.Second

// DefaultGuardInterval is how often a guard is checked during a pause when the experiment says not.
const DefaultGuardInterval = 60 * time.Second

// periodSlack covers CloudWatch rounding StartTime down to the minute and the seconds the machine
// spends between recording a window's start and querying it.
const periodSlack = 120

// CompileOptions are what a run adds to an experiment file.
type CompileOptions struct {
	// FaultParameterName is the stack's fault parameter (stack output FaultParameterName). An action
	// may write it or the seed's failureLambdaConfig; both mean this parameter. Empty: only the
	// seed's name is accepted.
	FaultParameterName string
	// Env holds the values of the configuration's {"type": "env"} entries (see EnvFromOutputs).
	Env map[string]string
	// Overrides shorten or lengthen the experiment's durations (a local run compresses time).
	Overrides Overrides
}

// Overrides replace durations of the experiment when not zero. Durations are rounded up to whole
// seconds.
type Overrides struct {
	Pause         time.Duration // every method action's pauses.after
	ProbeWindow   time.Duration // every probe's window (and so the observation before)
	Recovery      time.Duration // the observation after the rollbacks. Default: the observation before
	GuardInterval time.Duration // how often the guard is checked. Default: the experiment's, else 60 s
	ExpiryMargin  time.Duration // added to a fault's expiresAfterSeconds. Default: 120 s
}

// EnvFromOutputs maps stack outputs (docs/contracts.md §1) to the environment variable names the
// seed's and the shipped experiments' configuration use; the output ids themselves are kept too.
func EnvFromOutputs(outputs map[string]string) map[string]string {
	names := map[string]string{
		"BucketName":         "S3_BUCKET_NAME",
		"TopicName":          "SNS_TOPIC_NAME",
		"TopicArn":           "SNS_TOPIC_ARN",
		"FunctionName":       "LAMBDA_FUNCTION_NAME",
		"JsonQueueName":      "JSON_QUEUE_NAME",
		"CsvQueueName":       "CSV_QUEUE_NAME",
		"ErrorQueueName":     "ERROR_QUEUE_NAME",
		"TableName":          "DYNAMODB_TABLE_NAME",
		"FaultParameterName": "FAILURE_INJECTION_PARAM",
	}
	env := make(map[string]string, 2*len(outputs))
	for k, v := range outputs {
		env[k] = v
		if n, ok := names[k]; ok {
			env[n] = v
		}
	}
	return env
}

// Validate reports every problem of e that does not depend on a run's options: environment
// variables that are not set are not problems here.
func Validate(e *Experiment) error {
	c := &compiler{e: e, lenient: true}
	c.compile()
	return c.err()
}

// Compile translates e into the state machine's input, or returns an *Error listing every problem.
func Compile(e *Experiment, opts CompileOptions) (*Compiled, error) {
	c := &compiler{e: e, opts: opts}
	out := c.compile()
	if err := c.err(); err != nil {
		return nil, err
	}
	return out, nil
}

type compiler struct {
	e        *Experiment
	opts     CompileOptions
	lenient  bool
	problems []Problem
	vars     map[string]string
	missing  map[string]string // configuration name → why it has no value
}

func (c *compiler) fail(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (c *compiler) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &Error{Experiment: c.e.Name, Problems: c.problems}
}

func (c *compiler) compile() *Compiled {
	e := c.e
	out := &Compiled{Version: CompiledVersion, Title: e.Title, Source: e.Name,
		Method: []CompiledAction{}, Rollbacks: []CompiledAction{}}
	if strings.TrimSpace(e.Title) == "" {
		c.fail("title", "required")
	}
	if len(bytes.TrimSpace(e.Controls)) > 0 && string(bytes.TrimSpace(e.Controls)) != "null" {
		c.fail("controls", "controls are not supported: the state machine runs the experiment, not chaostoolkit")
	}
	c.configuration()

	if e.SteadyState == nil {
		c.fail("steady-state-hypothesis", "required: an experiment without a hypothesis cannot deviate")
	} else {
		out.SteadyState.Title = e.SteadyState.Title
		if len(e.SteadyState.Probes) == 0 {
			c.fail("steady-state-hypothesis.probes", "at least one probe is required")
		}
		seen := map[string]bool{}
		for i, a := range e.SteadyState.Probes {
			p := fmt.Sprintf("steady-state-hypothesis.probes[%d]", i)
			if seen[a.Name] && a.Name != "" {
				c.fail(p+".name", "duplicate probe name %q", a.Name)
			}
			seen[a.Name] = true
			if pr, ok := c.probe(a, p); ok {
				out.SteadyState.Probes = append(out.SteadyState.Probes, pr)
			}
		}
	}
	if len(e.Method) == 0 {
		c.fail("method", "at least one action is required")
	}
	for i, a := range e.Method {
		if act, ok := c.action(a, fmt.Sprintf("method[%d]", i)); ok {
			out.Method = append(out.Method, act)
		}
	}
	for i, a := range e.Rollbacks {
		if act, ok := c.action(a, fmt.Sprintf("rollbacks[%d]", i)); ok {
			out.Rollbacks = append(out.Rollbacks, act)
		}
	}
	guardName, guardInterval := c.guardExtension()
	if len(c.problems) > 0 {
		return out
	}
	c.durations(out, guardName, guardInterval)
	return out
}

// ---- configuration and ${var} substitution ----

func (c *compiler) configuration() {
	c.vars, c.missing = map[string]string{}, map[string]string{}
	names := make([]string, 0, len(c.e.Configuration))
	for k := range c.e.Configuration {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := c.e.Configuration[name]
		p := "configuration." + name
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			c.fail(p, "%v", err)
			continue
		}
		switch x := v.(type) {
		case string:
			c.vars[name] = x
		case float64, bool:
			c.vars[name] = string(bytes.TrimSpace(raw))
		case map[string]any:
			if x["type"] != "env" {
				c.fail(p+".type", "want \"env\" (or a literal value), got %v", x["type"])
				continue
			}
			key, _ := x["key"].(string)
			if key == "" {
				c.fail(p+".key", "required: the environment variable to read")
				continue
			}
			if val, ok := c.opts.Env[key]; ok {
				c.vars[name] = val
			} else if d, ok := x["default"]; ok {
				c.vars[name] = fmt.Sprint(d)
			} else {
				c.missing[name] = fmt.Sprintf("configuration %s: environment variable %s is not set (pass it, or the stack outputs)", name, key)
			}
		default:
			c.fail(p, "want a string, a number or {\"type\": \"env\", \"key\": ...}")
		}
	}
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// subst replaces ${name} with the configuration's values, as Chaos Toolkit does.
func (c *compiler) subst(s, p string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := c.vars[name]; ok {
			return v
		}
		if why, ok := c.missing[name]; ok {
			if !c.lenient {
				c.fail(p, "%s", why)
			}
			return m
		}
		c.fail(p, "${%s} is not defined in configuration", name)
		return m
	})
}

// substAny substitutes in every string of a decoded JSON value.
func (c *compiler) substAny(v any, p string) any {
	switch x := v.(type) {
	case string:
		return c.subst(x, p)
	case []any:
		for i := range x {
			x[i] = c.substAny(x[i], p)
		}
	case map[string]any:
		for k := range x {
			x[k] = c.substAny(x[k], p)
		}
	}
	return v
}

// activityBasics checks what every activity needs, whatever its kind ("probe" or "action").
func (c *compiler) activityBasics(a Activity, p, kind string) {
	if a.Ref != "" {
		c.fail(p+".ref", "references are not supported: write the %s out", kind)
	}
	if a.Name == "" {
		c.fail(p+".name", "required")
	}
	if a.Background {
		c.fail(p+".background", "background activities are not supported")
	}
}

// ---- probes ----

func (c *compiler) probe(a Activity, p string) (CompiledProbe, bool) {
	n := len(c.problems)
	pr := CompiledProbe{Name: a.Name, Source: p}
	if a.Type != "probe" {
		c.fail(p+".type", "want \"probe\" in the steady-state hypothesis, got %q", a.Type)
	}
	c.activityBasics(a, p, "probe")
	if a.Pauses != nil {
		c.fail(p+".pauses", "pauses on probes are not supported")
	}
	if len(a.Tolerance) == 0 {
		c.fail(p+".tolerance", "required")
	} else if t, ok := c.tolerance(a.Tolerance, p+".tolerance"); ok {
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

func joinWords(ws []Word, n int) string {
	var parts []string
	for i, w := range ws {
		if i >= n {
			break
		}
		parts = append(parts, w.Text)
	}
	return strings.Join(parts, " ")
}

// awsCommand checks a process provider runs `aws <service> <operation> ...`, the one command its kind
// ("probes", "actions") is translated from, and returns the arguments after the operation.
func (c *compiler) awsCommand(pv *Provider, pp, service, operation, kind string) ([]Word, bool) {
	words, ok := c.processWords(pv, pp)
	if !ok {
		return nil, false
	}
	if len(words) < 2 || words[0].Text != service || words[1].Text != operation {
		c.fail(pp+".arguments", "only `aws %s %s ...` %s are translated, got `aws %s`", service, operation, kind, joinWords(words, 2))
		return nil, false
	}
	return words[2:], true
}

// processWords checks a process provider runs the aws CLI and splits its arguments.
func (c *compiler) processWords(pv *Provider, pp string) ([]Word, bool) {
	if pv.Path != "aws" && !strings.HasSuffix(pv.Path, "/aws") {
		c.fail(pp+".path", "only the aws CLI is translated, got %q", pv.Path)
		return nil, false
	}
	var args string
	if err := json.Unmarshal(pv.Arguments, &args); err != nil {
		var list []string
		if err2 := json.Unmarshal(pv.Arguments, &list); err2 != nil {
			c.fail(pp+".arguments", "want the aws CLI arguments as a string or a list of strings")
			return nil, false
		}
		ws := make([]Word, len(list))
		for i, s := range list {
			ws[i] = Word{Text: c.subst(s, pp+".arguments")}
		}
		return ws, true
	}
	words, err := SplitWords(c.subst(args, pp+".arguments"))
	if err != nil {
		c.fail(pp+".arguments", "%v", err)
		return nil, false
	}
	return words, true
}

// cliOptions parses --name value / --name=value / --flag options.
func cliOptions(words []Word, flags map[string]bool) (map[string]Word, error) {
	opts := map[string]Word{}
	for i := 0; i < len(words); i++ {
		t := words[i].Text
		if !strings.HasPrefix(t, "--") {
			return nil, fmt.Errorf("unexpected argument %q", t)
		}
		name, val, hasVal := strings.Cut(t, "=")
		name = strings.TrimPrefix(name, "--")
		takes, known := flags[name]
		if !known {
			return nil, fmt.Errorf("option --%s is not translated", name)
		}
		if _, dup := opts[name]; dup {
			return nil, fmt.Errorf("option --%s given twice", name)
		}
		switch {
		case !takes && hasVal:
			return nil, fmt.Errorf("option --%s takes no value", name)
		case !takes:
			opts[name] = Word{}
		case hasVal:
			opts[name] = Word{Text: val}
		default:
			if i+1 >= len(words) {
				return nil, fmt.Errorf("option --%s needs a value", name)
			}
			i++
			opts[name] = words[i]
		}
	}
	return opts, nil
}

// commonCLI are aws CLI global options that change nothing the machine does.
var commonCLI = map[string]bool{"region": true, "profile": true, "output": true, "no-paginate": false,
	"no-cli-pager": false, "cli-read-timeout": true, "cli-connect-timeout": true, "debug": false}

func withCommon(m map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k, v := range commonCLI {
		out[k] = v
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

var valuesZero = regexp.MustCompile(`^\s*MetricDataResults\s*\[\s*0\s*\]\s*\.\s*Values\s*\[\s*0\s*\]\s*$`)

func (c *compiler) getMetricDataCLI(pr *CompiledProbe, words []Word, p string) {
	opts, err := cliOptions(words, withCommon(map[string]bool{"metric-data-queries": true, "start-time": true,
		"end-time": true, "query": true, "scan-by": true, "max-datapoints": true}))
	if err != nil {
		c.fail(p, "%v", err)
		return
	}
	q, ok := opts["query"]
	if !ok || !valuesZero.MatchString(q.Text) {
		c.fail(p, "--query must be 'MetricDataResults[0].Values[0]' (the probe checks one number), got %q", q.Text)
	}
	if o, ok := opts["output"]; ok && o.Text != "json" && o.Text != "text" {
		c.fail(p, "--output %s is not translated (json or text)", o.Text)
	}
	start, okS := c.timeArg(opts, "start-time", p)
	end, okE := c.timeArg(opts, "end-time", p)
	if okS && okE {
		switch {
		case end != 0:
			c.fail(p, "--end-time must be now: the machine observes windows that end when the probe runs")
		case start <= 0:
			c.fail(p, "--start-time must be before --end-time")
		default:
			pr.WindowSeconds = start
		}
	}
	mdq, ok := opts["metric-data-queries"]
	if !ok {
		c.fail(p, "--metric-data-queries is required")
		return
	}
	pr.NoData = NoDataFail // the CLI prints null; a Chaos Toolkit range tolerance does not accept it
	c.queries(pr, mdq.Text, p+" --metric-data-queries")
}

// timeArg returns how many seconds before now a --start-time/--end-time names.
func (c *compiler) timeArg(opts map[string]Word, name, p string) (int, bool) {
	w, ok := opts[name]
	if !ok {
		c.fail(p, "--%s is required", name)
		return 0, false
	}
	if w.Subst == "" {
		c.fail(p, "--%s %q: want a `date ...` substitution relative to now (absolute times cannot be re-run)", name, w.Text)
		return 0, false
	}
	n, err := dateOffset(w.Subst)
	if err != nil {
		c.fail(p, "--%s: %v", name, err)
		return 0, false
	}
	return n, true
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
		b, err := fs.ReadFile(c.e.FS, name)
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
		c.fail(p, "metric data queries: %s", describeJSONError(data, err))
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
		c.fail(p, "metric data queries: want CloudWatch MetricDataQuery objects: %v", err)
		return
	}
	c.checkQueries(pr, qs, p)
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
		}
		if q.ReturnData == nil || *q.ReturnData {
			if returned >= 0 {
				c.fail(qp+".ReturnData", "only one query may return data (set ReturnData false on %s or %s): the probe checks MetricDataResults[0]", qs[returned].Id, q.Id)
			}
			returned = i
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
		c.fail(p+"."+key, "want a string, got %v", v)
	}
	return s
}

func (c *compiler) argInt(args map[string]any, key, p string, def int) int {
	v, ok := args[key]
	if !ok || v == nil {
		return def
	}
	n, ok := v.(json.Number)
	if !ok {
		c.fail(p+"."+key, "want a number, got %v", v)
		return def
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f != math.Trunc(f) {
		c.fail(p+"."+key, "want a whole number of seconds ≥ 0, got %s", n)
		return def
	}
	return int(f)
}

func (c *compiler) knownArgs(args map[string]any, p string, known ...string) {
	for k := range args {
		if !slices.Contains(known, k) {
			c.fail(p+"."+k, "argument is not translated (known: %s)", strings.Join(known, ", "))
		}
	}
}

// chaosawsMetric translates chaosaws' single-metric probes; both return 0 when CloudWatch has no
// datapoint, hence NoData zero.
func (c *compiler) chaosawsMetric(pr *CompiledProbe, args map[string]any, p string, defDuration int, statistics bool) {
	c.knownArgs(args, p, "namespace", "metric_name", "dimension_name", "dimension_value", "dimensions",
		"statistic", "extended_statistic", "duration", "offset", "unit", "period")
	m := MetricStat{Metric: Metric{
		Namespace:  c.argString(args, "namespace", p, true),
		MetricName: c.argString(args, "metric_name", p, true),
	}}
	if dn := c.argString(args, "dimension_name", p, false); dn != "" {
		m.Metric.Dimensions = append(m.Metric.Dimensions, Dimension{Name: dn, Value: c.argString(args, "dimension_value", p, true)})
	}
	if ds, ok := args["dimensions"]; ok && ds != nil {
		list, _ := ds.([]any)
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
	if es := c.argString(args, "extended_statistic", p, false); es != "" {
		if m.Stat != "" {
			c.fail(p+".extended_statistic", "give statistic or extended_statistic, not both")
		}
		m.Stat = es
	}
	if m.Stat == "" {
		if statistics {
			c.fail(p+".statistic", "required (or extended_statistic)")
		} else {
			m.Stat = "Average"
		}
	}
	m.Unit = c.argString(args, "unit", p, false)
	if c.argInt(args, "offset", p, 0) != 0 {
		c.fail(p+".offset", "must be 0: the machine observes windows that end when the probe runs")
	}
	pr.WindowSeconds = c.argInt(args, "duration", p, defDuration)
	if pr.WindowSeconds == 0 {
		c.fail(p+".duration", "must be > 0")
	}
	pr.NoData = NoDataZero
	t := true
	pr.MetricDataQueries = []MetricDataQuery{{Id: "m1", MetricStat: &m, ReturnData: &t}}
	pr.Query = describeQuery(pr.MetricDataQueries, 0)
}

// nativeMetricData translates chaoslab.cloudwatch.metric_data: metric math with an explicit window
// and no-data rule.
func (c *compiler) nativeMetricData(pr *CompiledProbe, args map[string]any, p string) {
	c.knownArgs(args, p, "metric_data_queries", "duration", "no_data")
	pr.WindowSeconds = c.argInt(args, "duration", p, 300)
	if pr.WindowSeconds == 0 {
		c.fail(p+".duration", "must be > 0")
	}
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

// tolerance reduces a Chaos Toolkit tolerance to [min, max].
func (c *compiler) tolerance(raw json.RawMessage, p string) (Tolerance, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		c.fail(p, "%v", err)
		return Tolerance{}, false
	}
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return Tolerance{Type: ToleranceExact, Min: f, Max: f, Text: x.String()}, true
	case bool:
		// Chaos Toolkit checks `value == tolerance`; in Python 1.0 == True and 0.0 == False.
		f := 0.0
		if x {
			f = 1
		}
		return Tolerance{Type: ToleranceBoolean, Min: f, Max: f, Text: fmt.Sprint(x)}, true
	case map[string]any:
		if x["type"] != "range" {
			c.fail(p+".type", "tolerance type %v is not translated (want a number, a boolean or {\"type\": \"range\"})", x["type"])
			return Tolerance{}, false
		}
		for k := range x {
			if k != "type" && k != "range" && k != "target" {
				c.fail(p+"."+k, "not translated in a range tolerance")
			}
		}
		if t, ok := x["target"]; ok && t != "stdout" {
			c.fail(p+".target", "want \"stdout\" (the probe's value), got %v", t)
		}
		r, _ := x["range"].([]any)
		if len(r) != 2 {
			c.fail(p+".range", "want [min, max]")
			return Tolerance{}, false
		}
		lo, ok1 := r[0].(json.Number)
		hi, ok2 := r[1].(json.Number)
		if !ok1 || !ok2 {
			c.fail(p+".range", "want two numbers")
			return Tolerance{}, false
		}
		a, _ := lo.Float64()
		b, _ := hi.Float64()
		if a > b {
			c.fail(p+".range", "min %v is above max %v", a, b)
			return Tolerance{}, false
		}
		return Tolerance{Type: ToleranceRange, Min: a, Max: b, Text: fmt.Sprintf("[%s, %s]", lo, hi)}, true
	default:
		c.fail(p, "tolerance %s is not translated (want a number, a boolean or {\"type\": \"range\", \"range\": [min, max]})", string(raw))
		return Tolerance{}, false
	}
}

// ---- actions ----

func (c *compiler) action(a Activity, p string) (CompiledAction, bool) {
	n := len(c.problems)
	act := CompiledAction{Name: a.Name, Source: p}
	if a.Type != "action" {
		c.fail(p+".type", "want \"action\", got %q (probes belong in the steady-state hypothesis; a guard is an extension)", a.Type)
	}
	c.activityBasics(a, p, "action")
	if a.Pauses != nil {
		act.PauseBeforeSeconds = c.seconds(a.Pauses.Before, p+".pauses.before")
		act.PauseAfterSeconds = c.seconds(a.Pauses.After, p+".pauses.after")
	}
	if a.Provider == nil {
		c.fail(p+".provider", "required")
		return act, false
	}
	pp := p + ".provider"
	var name, value, typ string
	var valueObj any
	switch a.Provider.Type {
	case "process":
		args, ok := c.awsCommand(a.Provider, pp, "ssm", "put-parameter", "actions")
		if !ok {
			break
		}
		opts, err := cliOptions(args, withCommon(map[string]bool{"name": true, "value": true, "type": true,
			"overwrite": false, "no-overwrite": false, "description": true, "tier": true}))
		if err != nil {
			c.fail(pp+".arguments", "%v", err)
			break
		}
		if _, ok := opts["no-overwrite"]; ok {
			c.fail(pp+".arguments", "--no-overwrite cannot change the fault parameter, which exists")
		}
		for k, w := range opts {
			if w.Subst != "" {
				c.fail(pp+".arguments", "--%s: command substitution is not translated", k)
			}
		}
		name, value, typ = opts["name"].Text, opts["value"].Text, opts["type"].Text
		if _, ok := opts["value"]; !ok {
			c.fail(pp+".arguments", "--value is required")
		}
	case "python":
		args, ok := c.pythonArgs(a.Provider, pp)
		if !ok {
			break
		}
		if a.Provider.Module+"."+a.Provider.Func != "chaosaws.ssm.actions.put_parameter" {
			c.fail(pp, "python provider %s.%s is not translated (want chaosaws.ssm.actions.put_parameter)", a.Provider.Module, a.Provider.Func)
			break
		}
		ap := pp + ".arguments"
		c.knownArgs(args, ap, "name", "value", "type", "overwrite", "description", "tier")
		name = c.argString(args, "name", ap, true)
		typ = c.argString(args, "type", ap, false)
		if ow, ok := args["overwrite"]; ok && ow != true {
			c.fail(ap+".overwrite", "must be true: the fault parameter exists")
		}
		switch v := args["value"].(type) {
		case string:
			value = v
		case map[string]any:
			valueObj = v
		default:
			c.fail(ap+".value", "required: the failure config, as an object or a JSON string")
		}
	default:
		c.fail(pp+".type", "provider type %q is not translated (want process or python)", a.Provider.Type)
	}
	if len(c.problems) > n {
		return act, false
	}
	vp := pp + ".arguments"
	if name != SeedFaultParameter && (c.opts.FaultParameterName == "" || name != c.opts.FaultParameterName) {
		c.fail(vp, "parameter %q: the state machine may write only the fault parameter (%s)", name, c.faultNames())
	}
	if typ != "" && typ != "String" {
		c.fail(vp, "parameter type %q: the fault parameter is a String", typ)
	}
	if valueObj == nil {
		dec := json.NewDecoder(strings.NewReader(value))
		dec.UseNumber()
		if err := dec.Decode(&valueObj); err != nil {
			c.fail(vp, "the value must be a failure config in JSON: %v", err)
			return act, false
		}
	}
	cfg, ok := valueObj.(map[string]any)
	if !ok {
		c.fail(vp, "the value must be a JSON object (a failure config)")
		return act, false
	}
	act.Parameter = name
	act.Value, _ = json.Marshal(cfg)
	c.faultValue(act.Value, vp, "the value is not a valid failure config")
	return act, len(c.problems) == n
}

func (c *compiler) faultNames() string {
	if c.opts.FaultParameterName == "" {
		return SeedFaultParameter
	}
	return SeedFaultParameter + " or " + c.opts.FaultParameterName
}

func (c *compiler) seconds(f float64, p string) int {
	if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		c.fail(p, "want seconds ≥ 0, got %v", f)
		return 0
	}
	return int(math.Ceil(f))
}

// faultValue reports a fault parameter value that functions/failure would reject, with the very
// parser the function reads the parameter with (faultconfig), under the action's path p: a typo
// in an experiment fails at compile time, not as a silently fault-free run.
func (c *compiler) faultValue(v []byte, p, what string) {
	if _, err := faultconfig.Parse(v); err != nil {
		c.fail(p, "%s: %v", what, err)
	}
}

// ---- guard (extension) ----

func (c *compiler) guardExtension() (name string, interval int) {
	for i, raw := range c.e.Extensions {
		p := fmt.Sprintf("extensions[%d]", i)
		var ext struct {
			Name  string          `json:"name"`
			Guard json.RawMessage `json:"guard"`
		}
		if err := json.Unmarshal(raw, &ext); err != nil || ext.Name != "chaoslab" || len(ext.Guard) == 0 {
			continue // other tools' extensions are theirs
		}
		var g struct {
			Probe    string  `json:"probe"`
			Interval float64 `json:"interval"`
		}
		dec := json.NewDecoder(bytes.NewReader(ext.Guard))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&g); err != nil {
			c.fail(p+".guard", "want {\"probe\": \"<hypothesis probe name>\", \"interval\": seconds}: %v", err)
			continue
		}
		found := false
		if c.e.SteadyState != nil {
			for _, a := range c.e.SteadyState.Probes {
				found = found || a.Name == g.Probe
			}
		}
		if !found {
			c.fail(p+".guard.probe", "no hypothesis probe is named %q", g.Probe)
			continue
		}
		return g.Probe, c.seconds(g.Interval, p+".guard.interval")
	}
	return "", 0
}

// ---- durations ----

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

func (c *compiler) durations(out *Compiled, guardName string, guardInterval int) {
	o := c.opts.Overrides
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"Pause", o.Pause}, {"ProbeWindow", o.ProbeWindow}, {"Recovery", o.Recovery}, {"GuardInterval", o.GuardInterval}, {"ExpiryMargin", o.ExpiryMargin}} {
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
	if guardName != "" {
		if guardInterval <= 0 {
			guardInterval = ceilSeconds(DefaultGuardInterval)
		}
		for _, pr := range out.SteadyState.Probes {
			if pr.Name == guardName {
				g := pr
				g.Source = "guard: " + pr.Source
				out.Guard = CompiledGuard{Enabled: true, IntervalSeconds: guardInterval, Probe: &g}
			}
		}
	}
	for i := range out.Method {
		out.Method[i].PauseSlices = slicePause(out.Method[i].PauseAfterSeconds, out.Guard.IntervalSeconds)
	}
	for i := range out.Rollbacks {
		out.Rollbacks[i].PauseSlices = slicePause(out.Rollbacks[i].PauseAfterSeconds, 0)
	}

	// Remaining method time after each action's write, for its fault's expiry.
	margin := ceilSeconds(DefaultExpiryMargin)
	if o.ExpiryMargin > 0 {
		margin = ceilSeconds(o.ExpiryMargin)
	}
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
	if out.Guard.Probe != nil {
		setPeriod(out.Guard.Probe, period)
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

// slicePause splits a pause into guard intervals.
func slicePause(pause, interval int) []int {
	out := []int{}
	if pause <= 0 {
		return out
	}
	if interval <= 0 || interval >= pause {
		return append(out, pause)
	}
	for left := pause; left > 0; left -= interval {
		out = append(out, min(interval, left))
	}
	return out
}

// expire adds expiresAfterSeconds to a fault that enables injection, unless it has an expiry.
func (c *compiler) expire(a *CompiledAction, seconds int) {
	dec := json.NewDecoder(bytes.NewReader(a.Value))
	dec.UseNumber()
	var cfg map[string]any
	if err := dec.Decode(&cfg); err != nil {
		return
	}
	if on, _ := cfg["isEnabled"].(bool); !on {
		return
	}
	if _, ok := cfg["expiresAfterSeconds"]; ok {
		return
	}
	if _, ok := cfg["expiresAt"]; ok {
		return
	}
	cfg["expiresAfterSeconds"] = seconds
	a.Value, _ = json.Marshal(cfg)
	c.faultValue(a.Value, a.Source+".provider.arguments", fmt.Sprintf("with the expiry the compiler adds (expiresAfterSeconds %d = the rest of the method + the expiry margin)", seconds))
}
