package cloudwatch

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/cwstat"
)

// MetricStat selects one metric and how to aggregate it per period.
type MetricStat struct {
	Namespace  string
	Name       string
	Dimensions map[string]string
	Period     time.Duration
	Stat       string // Sum, Average, Minimum, Maximum, SampleCount, pNN (e.g. p99)
	Unit       string // optional: only data put with this unit
}

// Query is one GetMetricData query: a MetricStat or an Expression over other queries' ids.
type Query struct {
	ID         string
	Label      string
	MetricStat *MetricStat
	Expression string
	Period     time.Duration // for expressions with no metric input (a constant); Default: the inputs' period
	ReturnData bool
}

// Result is one query's answer, oldest first unless Descending was asked.
type Result struct {
	ID         string
	Label      string
	Timestamps []time.Time
	Values     []float64
	Messages   []string
}

// GetMetricData evaluates queries over [start, end) like CloudWatch's GetMetricData:
// datapoints are bucketed by Period from start; a bucket with no data has no datapoint (not 0);
// expressions are evaluated per timestamp; results with ReturnData=false are computed but not returned.
func (s *Store) GetMetricData(queries []Query, start, end time.Time, descending bool) ([]Result, error) {
	if !end.After(start) {
		return nil, &apiErr{code: "InvalidParameterValueException", query: "InvalidParameterValue", msg: "The parameter StartTime must be less than the parameter EndTime."}
	}
	ev := &evaluator{store: s, start: start, end: end, byID: map[string]*Query{}, done: map[string]value{}, busy: map[string]bool{}}
	for i := range queries {
		q := &queries[i]
		if q.ID == "" || !validID(q.ID) {
			return nil, &apiErr{code: "InvalidParameterValueException", query: "InvalidParameterValue", msg: fmt.Sprintf("The value %q for parameter MetricDataQueries.member.%d.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.", q.ID, i+1)}
		}
		if _, dup := ev.byID[q.ID]; dup {
			return nil, &apiErr{code: "InvalidParameterValueException", query: "InvalidParameterValue", msg: fmt.Sprintf("The value %s for parameter MetricDataQueries.member.%d.Id is duplicated.", q.ID, i+1)}
		}
		if (q.MetricStat == nil) == (q.Expression == "") {
			return nil, &apiErr{code: "InvalidParameterCombinationException", query: "InvalidParameterCombination", msg: fmt.Sprintf("MetricDataQueries.member.%d (%s): exactly one of MetricStat and Expression must be specified.", i+1, q.ID)}
		}
		if q.MetricStat != nil && q.MetricStat.Period <= 0 {
			return nil, &apiErr{code: "InvalidParameterValueException", query: "InvalidParameterValue", msg: fmt.Sprintf("MetricDataQueries.member.%d.MetricStat.Period (%s) must be a positive number of seconds.", i+1, q.ID)}
		}
		ev.byID[q.ID] = q
		ev.order = append(ev.order, q.ID)
	}
	var out []Result
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, q := range queries {
		v, err := ev.eval(q.ID)
		if err != nil {
			return nil, err
		}
		if !q.ReturnData {
			continue
		}
		r := Result{ID: q.ID, Label: q.Label}
		if r.Label == "" {
			if q.MetricStat != nil {
				r.Label = q.MetricStat.Name
			} else {
				r.Label = q.ID
			}
		}
		pts := v.points(ev)
		for _, p := range pts {
			r.Timestamps = append(r.Timestamps, time.Unix(0, p.t).UTC())
			r.Values = append(r.Values, p.v)
		}
		if descending {
			for i, j := 0, len(r.Values)-1; i < j; i, j = i+1, j-1 {
				r.Timestamps[i], r.Timestamps[j] = r.Timestamps[j], r.Timestamps[i]
				r.Values[i], r.Values[j] = r.Values[j], r.Values[i]
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func validID(id string) bool {
	if id == "" || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// tv is one datapoint: unix nanoseconds and value.
type tv struct {
	t int64
	v float64
}

// value is an expression value: a scalar, one series, or several (METRICS()).
type value struct {
	scalar   *float64
	series   []tv   // sorted by t
	multi    [][]tv // for METRICS(); nil otherwise
	period   time.Duration
	isSeries bool
}

func scalarV(f float64) value { return value{scalar: &f} }

// points renders a value as a query result: a scalar becomes a constant on the period grid.
func (v value) points(ev *evaluator) []tv {
	switch {
	case v.isSeries:
		return v.series
	case v.scalar != nil:
		p := v.period
		if p <= 0 {
			p = ev.defaultPeriod()
		}
		var out []tv
		for t := ev.start; t.Before(ev.end); t = t.Add(p) {
			out = append(out, tv{t.UnixNano(), *v.scalar})
		}
		return out
	}
	return nil
}

type evaluator struct {
	store      *Store
	start, end time.Time
	byID       map[string]*Query
	order      []string
	done       map[string]value
	busy       map[string]bool
}

func (ev *evaluator) defaultPeriod() time.Duration {
	for _, id := range ev.order {
		if q := ev.byID[id]; q.MetricStat != nil {
			return q.MetricStat.Period
		}
		if q := ev.byID[id]; q.Period > 0 {
			return q.Period
		}
	}
	return 60 * time.Second
}

func (ev *evaluator) eval(id string) (value, error) {
	if v, ok := ev.done[id]; ok {
		return v, nil
	}
	q, ok := ev.byID[id]
	if !ok {
		return value{}, &apiErr{code: "ValidationException", query: "ValidationError", msg: fmt.Sprintf("Error in expression: Unrecognized metric id %q.", id)}
	}
	if ev.busy[id] {
		return value{}, &apiErr{code: "ValidationException", query: "ValidationError", msg: fmt.Sprintf("Error in expression %s: circular reference to %q.", id, id)}
	}
	ev.busy[id] = true
	defer delete(ev.busy, id)
	var v value
	if q.MetricStat != nil {
		v = value{series: ev.store.statSeries(*q.MetricStat, ev.start, ev.end), period: q.MetricStat.Period, isSeries: true}
	} else {
		if metricsInsights(q.Expression) {
			return value{}, &apiErr{code: "ValidationException", query: "ValidationError", msg: fmt.Sprintf("Error in expression %s: Metrics Insights queries (SELECT ... FROM ...) are not served by the local CloudWatch; use a metric stat or metric math", id)}
		}
		n, err := parseExpr(q.Expression)
		if err != nil {
			return value{}, &apiErr{code: "ValidationException", query: "ValidationError", msg: fmt.Sprintf("Error in expression %s: %v", id, err)}
		}
		v, err = ev.evalNode(n, q)
		if err != nil {
			return value{}, &apiErr{code: "ValidationException", query: "ValidationError", msg: fmt.Sprintf("Error in expression %s: %v", id, err)}
		}
		if v.multi != nil {
			return value{}, &apiErr{code: "ValidationException", query: "ValidationError", msg: fmt.Sprintf("Error in expression %s: the result is an array of time series; wrap it in SUM/AVG/MIN/MAX", id)}
		}
		if q.Period > 0 {
			v.period = q.Period
		}
	}
	ev.done[id] = v
	return v, nil
}

// statSeries buckets a metric's data by period from start; empty buckets have no datapoint.
// The caller holds s.mu for reading.
func (s *Store) statSeries(ms MetricStat, start, end time.Time) []tv {
	k, _ := keyOf(ms.Namespace, ms.Name, dimsOf(ms.Dimensions))
	se := s.series[k]
	if se == nil || (ms.Unit != "" && se.unit != ms.Unit) {
		return nil
	}
	pts := se.points
	i := sort.Search(len(pts), func(i int) bool { return !pts[i].t.Before(start) })
	var out []tv
	var vals []sample
	for i < len(pts) && pts[i].t.Before(end) {
		b := int64(pts[i].t.Sub(start) / ms.Period)
		bStart := start.Add(time.Duration(b) * ms.Period)
		bEnd := bStart.Add(ms.Period)
		var agg point
		agg.min, agg.max = math.Inf(1), math.Inf(-1)
		vals = vals[:0]
		percentiles := true
		for ; i < len(pts) && pts[i].t.Before(bEnd) && pts[i].t.Before(end); i++ {
			p := pts[i]
			agg.sum += p.sum
			agg.count += p.count
			agg.min = math.Min(agg.min, p.min)
			agg.max = math.Max(agg.max, p.max)
			if p.count > 0 {
				v, ok := p.sample()
				percentiles = percentiles && ok
				vals = append(vals, sample{v: v, n: p.count})
			}
		}
		if !percentiles {
			vals = vals[:0]
		}
		v, ok := statOf(ms.Stat, agg, vals)
		if ok {
			out = append(out, tv{bStart.UnixNano(), v})
		}
	}
	return out
}

// sample is a value put and how many times it occurred, for percentiles.
type sample struct{ v, n float64 }

// sample is the value a statistic set stands for SampleCount times, if percentiles can be had
// from it: PutMetricData's documentation says "CloudWatch needs raw data points to calculate
// percentile statistics. If you publish data using a statistic set instead, you can only retrieve
// percentile statistics for this data if ... The SampleCount value of the statistic set is 1 and
// Min, Max, and Sum are all equal. The Min and Max are equal, and Sum is equal to Min multiplied by
// SampleCount", and GetMetricStatistics' "Percentile statistics are not available for metrics
// when any of the metric values are negative numbers" (taken here per period). One Value, or
// one of Values with its Count, is such a set.
func (p point) sample() (float64, bool) {
	switch {
	case p.min == p.max:
		return p.min, p.min >= 0
	case p.count == 1: // Sum is the value (Minimum and Maximum disagree with it)
		return p.sum, p.sum >= 0
	}
	return 0, false
}

// statOf computes a statistic. A percentile (pNN) is nearest-rank over the values put, each
// counted as many times as it occurred (none: no percentile).
func statOf(stat string, a point, vals []sample) (float64, bool) {
	if a.count == 0 {
		return 0, false
	}
	switch stat {
	case "Sum":
		return a.sum, true
	case "Average":
		return a.sum / a.count, true
	case "Minimum":
		return a.min, true
	case "Maximum":
		return a.max, true
	case "SampleCount":
		return a.count, true
	}
	if p, ok := cwstat.Percentile(stat); ok && len(vals) > 0 {
		sorted, total := ascending(vals)
		rank, seen := p*total/100, 0.0 // the value at rank: the first whose count reaches it
		for _, s := range sorted {
			if seen += s.n; seen >= rank {
				return s.v, true
			}
		}
		return sorted[len(sorted)-1].v, true
	}
	if e, ok := cwstat.ParseExtended(stat); ok {
		return computeExtended(e, vals)
	}
	return 0, false
}

// ascending is vals sorted by value (a copy) and how many values they count in all, what every
// statistic of ranks reads.
func ascending(vals []sample) (sorted []sample, total float64) {
	sorted = slices.Clone(vals)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].v < sorted[j].v })
	for _, s := range sorted {
		total += s.n
	}
	return sorted, total
}

// ValidStat reports whether the local store computes stat: every statistic CloudWatch does.
func ValidStat(stat string) bool { return cwstat.Valid(stat) }

// --- metric math ---------------------------------------------------------------------------
//
// Supported: numbers, query ids, + - * / with the usual precedence, unary minus, parentheses, the
// comparison operators == != < <= > >= and the logical AND (&&), OR (||) and NOT (each 1 for true,
// 0 for false; logical below comparison below arithmetic, as CloudWatch's metric math page lists
// them), and the functions IF(condition, trueValue[, falseValue]) (per datapoint of a series
// condition: trueValue where it is not 0, falseValue elsewhere, no datapoint without one), FILL(x,
// number|REPEAT), ABS(x), METRICS() / METRICS("substring") (the MetricStat queries, optionally those
// whose id or label contains the substring), SUM/AVG/MIN/MAX (over an array of series: per
// timestamp; over one series: a scalar). Between two series an operator applies at the timestamps
// both have; a result that is NaN or ±Inf (division by zero) is dropped, so no datapoint is
// returned for it, as CloudWatch does.

type node struct {
	kind byte // 'n' number, 'i' id, 's' string, 'b' binary, 'u' unary minus, 'f' function
	num  float64
	name string
	op   byte
	args []*node
}

type parser struct {
	src string
	pos int
}

// metricsInsights says whether expr is a Metrics Insights query (SELECT ... FROM ...), which
// CloudWatch runs in an Expression too, and not metric math.
func metricsInsights(expr string) bool {
	f := strings.Fields(expr)
	return len(f) > 0 && strings.EqualFold(f[0], "SELECT")
}

func parseExpr(src string) (*node, error) {
	p := &parser{src: src}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.pos != len(p.src) {
		return nil, fmt.Errorf("unexpected %q at position %d", p.src[p.pos:], p.pos)
	}
	return n, nil
}

func (p *parser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
}

// The binary operators below + and -, lowest first: OR, AND, then the comparisons. Each is a
// byte of node.op: 'O' OR, 'A' AND, '=' ==, '!' !=, '<', 'l' <=, '>', 'g' >=.
func (p *parser) expr() (*node, error) { return p.logical(0) }

var logicalOps = [2][]struct {
	text string
	op   byte
}{
	{{"||", 'O'}, {"OR", 'O'}},
	{{"&&", 'A'}, {"AND", 'A'}},
}

var comparisonOps = []struct {
	text string
	op   byte
}{{"==", '='}, {"!=", '!'}, {"<=", 'l'}, {">=", 'g'}, {"<", '<'}, {">", '>'}}

// logical parses level (0: OR, 1: AND) and the levels above it.
func (p *parser) logical(level int) (*node, error) {
	next := func() (*node, error) {
		if level == 0 {
			return p.logical(1)
		}
		return p.not()
	}
	l, err := next()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.operator(logicalOps[level])
		if !ok {
			return l, nil
		}
		r, err := next()
		if err != nil {
			return nil, err
		}
		l = &node{kind: 'b', op: op, args: []*node{l, r}}
	}
}

// not parses NOT x, which binds looser than the comparisons ("NOT m1 > 0" is NOT (m1 > 0)) and
// tighter than AND: NOT x is x == 0.
func (p *parser) not() (*node, error) {
	p.skip()
	if rest := p.src[p.pos:]; strings.HasPrefix(rest, "NOT") && (len(rest) == 3 || !isWord(rest[3]) && !(rest[3] >= '0' && rest[3] <= '9')) {
		p.pos += 3
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &node{kind: 'b', op: '=', args: []*node{x, {kind: 'n', num: 0}}}, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (*node, error) {
	l, err := p.sum()
	if err != nil {
		return nil, err
	}
	op, ok := p.operator(comparisonOps)
	if !ok {
		return l, nil
	}
	r, err := p.sum()
	if err != nil {
		return nil, err
	}
	return &node{kind: 'b', op: op, args: []*node{l, r}}, nil
}

// operator takes the first of ops at the position (a word operator only as a whole word).
func (p *parser) operator(ops []struct {
	text string
	op   byte
}) (byte, bool) {
	p.skip()
	for _, o := range ops {
		if !strings.HasPrefix(p.src[p.pos:], o.text) {
			continue
		}
		end := p.pos + len(o.text)
		if isWord(o.text[0]) && end < len(p.src) && (isWord(p.src[end]) || p.src[end] >= '0' && p.src[end] <= '9') {
			continue
		}
		p.pos = end
		return o.op, true
	}
	return 0, false
}

func isWord(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func (p *parser) sum() (*node, error) {
	l, err := p.term()
	if err != nil {
		return nil, err
	}
	for {
		p.skip()
		if p.pos >= len(p.src) || (p.src[p.pos] != '+' && p.src[p.pos] != '-') {
			return l, nil
		}
		op := p.src[p.pos]
		p.pos++
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		l = &node{kind: 'b', op: op, args: []*node{l, r}}
	}
}

func (p *parser) term() (*node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		p.skip()
		if p.pos >= len(p.src) || (p.src[p.pos] != '*' && p.src[p.pos] != '/') {
			return l, nil
		}
		op := p.src[p.pos]
		p.pos++
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &node{kind: 'b', op: op, args: []*node{l, r}}
	}
}

func (p *parser) unary() (*node, error) {
	p.skip()
	if p.pos < len(p.src) && p.src[p.pos] == '-' {
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{kind: 'u', args: []*node{x}}, nil
	}
	return p.primary()
}

func (p *parser) primary() (*node, error) {
	p.skip()
	if p.pos >= len(p.src) {
		return nil, fmt.Errorf("unexpected end of expression")
	}
	c := p.src[p.pos]
	switch {
	case c == '(':
		p.pos++
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.skip()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, fmt.Errorf("missing ')' at position %d", p.pos)
		}
		p.pos++
		return n, nil
	case c >= '0' && c <= '9' || c == '.':
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.' || p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
			p.pos++
		}
		f, err := strconv.ParseFloat(p.src[start:p.pos], 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", p.src[start:p.pos])
		}
		return &node{kind: 'n', num: f}, nil
	case c == '"' || c == '\'':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			return nil, fmt.Errorf("unterminated string at position %d", p.pos)
		}
		s := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return &node{kind: 's', name: s}, nil
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_':
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] >= 'a' && p.src[p.pos] <= 'z' || p.src[p.pos] >= 'A' && p.src[p.pos] <= 'Z' || p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '_') {
			p.pos++
		}
		name := p.src[start:p.pos]
		p.skip()
		if p.pos < len(p.src) && p.src[p.pos] == '(' {
			p.pos++
			fn := &node{kind: 'f', name: strings.ToUpper(name)}
			p.skip()
			if p.pos < len(p.src) && p.src[p.pos] == ')' {
				p.pos++
				return fn, nil
			}
			for {
				a, err := p.expr()
				if err != nil {
					return nil, err
				}
				fn.args = append(fn.args, a)
				p.skip()
				if p.pos < len(p.src) && p.src[p.pos] == ',' {
					p.pos++
					continue
				}
				if p.pos < len(p.src) && p.src[p.pos] == ')' {
					p.pos++
					return fn, nil
				}
				return nil, fmt.Errorf("expected ',' or ')' in %s( at position %d", fn.name, p.pos)
			}
		}
		if name == "REPEAT" {
			return &node{kind: 's', name: "REPEAT"}, nil
		}
		return &node{kind: 'i', name: name}, nil
	}
	return nil, fmt.Errorf("unexpected %q at position %d", string(c), p.pos)
}

func (ev *evaluator) evalNode(n *node, q *Query) (value, error) {
	switch n.kind {
	case 'n':
		return scalarV(n.num), nil
	case 's':
		return value{}, fmt.Errorf("unexpected string %q", n.name)
	case 'i':
		return ev.eval(n.name)
	case 'u':
		x, err := ev.evalNode(n.args[0], q)
		if err != nil {
			return value{}, err
		}
		return apply(x, scalarV(-1), '*')
	case 'b':
		l, err := ev.evalNode(n.args[0], q)
		if err != nil {
			return value{}, err
		}
		r, err := ev.evalNode(n.args[1], q)
		if err != nil {
			return value{}, err
		}
		return apply(l, r, n.op)
	case 'f':
		return ev.call(n, q)
	}
	return value{}, fmt.Errorf("bad expression node")
}

func combine(a, b float64, op byte) float64 {
	truth := func(c bool) float64 {
		if c {
			return 1
		}
		return 0
	}
	switch op {
	case '+':
		return a + b
	case '-':
		return a - b
	case '*':
		return a * b
	case '=':
		return truth(a == b)
	case '!':
		return truth(a != b)
	case '<':
		return truth(a < b)
	case 'l':
		return truth(a <= b)
	case '>':
		return truth(a > b)
	case 'g':
		return truth(a >= b)
	case 'A':
		return truth(a != 0 && b != 0)
	case 'O':
		return truth(a != 0 || b != 0)
	default:
		return a / b
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func apply(l, r value, op byte) (value, error) {
	if l.multi != nil || r.multi != nil {
		return value{}, fmt.Errorf("arithmetic on an array of time series is not supported locally; use SUM/AVG/MIN/MAX")
	}
	switch {
	case !l.isSeries && !r.isSeries:
		if l.scalar == nil || r.scalar == nil { // a scalar with no value (0/0): none either
			return value{period: max(l.period, r.period)}, nil
		}
		f := combine(*l.scalar, *r.scalar, op)
		if !finite(f) {
			return value{period: max(l.period, r.period)}, nil // no value
		}
		v := scalarV(f)
		v.period = max(l.period, r.period)
		return v, nil
	case l.isSeries && !r.isSeries, !l.isSeries && r.isSeries:
		s, c, left := l, r, true
		if !l.isSeries {
			s, c, left = r, l, false
		}
		out := value{isSeries: true, period: s.period, series: make([]tv, 0, len(s.series))}
		if c.scalar == nil {
			return out, nil
		}
		for _, p := range s.series {
			var f float64
			if left {
				f = combine(p.v, *c.scalar, op)
			} else {
				f = combine(*c.scalar, p.v, op)
			}
			if finite(f) {
				out.series = append(out.series, tv{p.t, f})
			}
		}
		return out, nil
	}
	out := value{isSeries: true, period: max(l.period, r.period)}
	i, j := 0, 0
	for i < len(l.series) && j < len(r.series) {
		switch {
		case l.series[i].t < r.series[j].t:
			i++
		case l.series[i].t > r.series[j].t:
			j++
		default:
			if f := combine(l.series[i].v, r.series[j].v, op); finite(f) {
				out.series = append(out.series, tv{l.series[i].t, f})
			}
			i++
			j++
		}
	}
	return out, nil
}

func (ev *evaluator) call(n *node, q *Query) (value, error) {
	switch n.name {
	case "METRICS":
		filter := ""
		if len(n.args) > 1 || (len(n.args) == 1 && n.args[0].kind != 's') {
			return value{}, fmt.Errorf("METRICS takes no argument or one string")
		}
		if len(n.args) == 1 {
			filter = n.args[0].name
		}
		out := value{multi: [][]tv{}}
		for _, id := range ev.order {
			mq := ev.byID[id]
			if mq.MetricStat == nil || (filter != "" && !strings.Contains(id, filter) && !strings.Contains(mq.Label, filter)) {
				continue
			}
			v, err := ev.eval(id)
			if err != nil {
				return value{}, err
			}
			out.multi = append(out.multi, v.series)
			out.period = max(out.period, v.period)
		}
		return out, nil
	case "FILL":
		if len(n.args) != 2 {
			return value{}, fmt.Errorf("FILL takes 2 arguments")
		}
		x, err := ev.evalNode(n.args[0], q)
		if err != nil {
			return value{}, err
		}
		if !x.isSeries {
			return value{}, fmt.Errorf("FILL's first argument must be a time series")
		}
		period := x.period
		if period <= 0 {
			period = ev.defaultPeriod()
		}
		repeat := n.args[1].kind == 's' && n.args[1].name == "REPEAT"
		var fill float64
		if !repeat {
			f, err := ev.evalNode(n.args[1], q)
			if err != nil || f.scalar == nil {
				return value{}, fmt.Errorf("FILL's second argument must be a number or REPEAT")
			}
			fill = *f.scalar
		}
		out := value{isSeries: true, period: period}
		i := 0
		var last *float64
		for t := ev.start; t.Before(ev.end); t = t.Add(period) {
			ns := t.UnixNano()
			for i < len(x.series) && x.series[i].t < ns {
				i++
			}
			if i < len(x.series) && x.series[i].t == ns {
				v := x.series[i].v
				last = &v
				out.series = append(out.series, x.series[i])
				continue
			}
			switch {
			case !repeat:
				out.series = append(out.series, tv{ns, fill})
			case last != nil:
				out.series = append(out.series, tv{ns, *last})
			}
		}
		return out, nil
	case "ABS":
		if len(n.args) != 1 {
			return value{}, fmt.Errorf("ABS takes 1 argument")
		}
		x, err := ev.evalNode(n.args[0], q)
		if err != nil {
			return value{}, err
		}
		if x.scalar != nil {
			return scalarV(math.Abs(*x.scalar)), nil
		}
		out := value{isSeries: true, period: x.period}
		for _, p := range x.series {
			out.series = append(out.series, tv{p.t, math.Abs(p.v)})
		}
		return out, nil
	case "IF":
		return ev.ifFunc(n, q)
	case "SUM", "AVG", "MIN", "MAX":
		if len(n.args) != 1 {
			return value{}, fmt.Errorf("%s takes 1 argument", n.name)
		}
		x, err := ev.evalNode(n.args[0], q)
		if err != nil {
			return value{}, err
		}
		if x.multi != nil {
			return reduceAcross(n.name, x), nil
		}
		if x.isSeries {
			if len(x.series) == 0 {
				return value{period: x.period}, nil
			}
			vals := make([]float64, len(x.series))
			for i, p := range x.series {
				vals[i] = p.v
			}
			v := scalarV(reduce(n.name, vals))
			v.period = x.period
			return v, nil
		}
		return x, nil
	}
	return value{}, fmt.Errorf("function %s is not supported by the local cloud (supported: IF, FILL, ABS, METRICS, SUM, AVG, MIN, MAX)", n.name)
}

// ifFunc is IF(condition, trueValue[, falseValue]): with a scalar condition, one of the values; with
// a series, per datapoint of the condition, trueValue's (a scalar, or a series' datapoint at that
// timestamp) where it is not 0 and falseValue's elsewhere; no datapoint where the chosen value has
// none, or where the condition is 0 and no falseValue is given.
func (ev *evaluator) ifFunc(n *node, q *Query) (value, error) {
	if len(n.args) != 2 && len(n.args) != 3 {
		return value{}, fmt.Errorf("IF takes 2 or 3 arguments: IF(condition, trueValue[, falseValue])")
	}
	vals := make([]value, len(n.args))
	for i, a := range n.args {
		v, err := ev.evalNode(a, q)
		if err != nil {
			return value{}, err
		}
		if v.multi != nil {
			return value{}, fmt.Errorf("IF of an array of time series is not supported locally")
		}
		vals[i] = v
	}
	cond := vals[0]
	pick := func(truth bool) *value {
		if truth {
			return &vals[1]
		}
		if len(vals) == 3 {
			return &vals[2]
		}
		return nil
	}
	if !cond.isSeries {
		if cond.scalar == nil {
			return value{period: cond.period}, nil
		}
		if v := pick(*cond.scalar != 0); v != nil {
			return *v, nil
		}
		return value{period: cond.period}, nil
	}
	period := cond.period
	for _, v := range vals[1:] {
		period = max(period, v.period)
	}
	out := value{isSeries: true, period: period, series: make([]tv, 0, len(cond.series))}
	for _, c := range cond.series {
		v := pick(c.v != 0)
		if v == nil {
			continue
		}
		if !v.isSeries {
			if v.scalar != nil {
				out.series = append(out.series, tv{c.t, *v.scalar})
			}
			continue
		}
		if i := sort.Search(len(v.series), func(i int) bool { return v.series[i].t >= c.t }); i < len(v.series) && v.series[i].t == c.t {
			out.series = append(out.series, v.series[i])
		}
	}
	return out, nil
}

func reduce(fn string, vals []float64) float64 {
	acc := vals[0]
	for _, v := range vals[1:] {
		switch fn {
		case "SUM", "AVG":
			acc += v
		case "MIN":
			acc = math.Min(acc, v)
		case "MAX":
			acc = math.Max(acc, v)
		}
	}
	if fn == "AVG" {
		acc /= float64(len(vals))
	}
	return acc
}

// reduceAcross combines an array of series per timestamp (over the series that have a value there).
func reduceAcross(fn string, x value) value {
	byT := map[int64][]float64{}
	for _, s := range x.multi {
		for _, p := range s {
			byT[p.t] = append(byT[p.t], p.v)
		}
	}
	out := value{isSeries: true, period: x.period}
	for t, vals := range byT {
		out.series = append(out.series, tv{t, reduce(fn, vals)})
	}
	sort.Slice(out.series, func(i, j int) bool { return out.series[i].t < out.series[j].t })
	return out
}
