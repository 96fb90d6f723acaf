package cloudwatch

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/cwstat"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/pagetoken"
)

// The CloudWatch operations, each written once against its input and output structs (shapes.go);
// api.go decodes the request into the input in whichever protocol it came and encodes the output
// back in the same one.

// validUnits are CloudWatch's StandardUnit values.
var validUnits = map[string]bool{"": true, "Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true, "Megabytes": true, "Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true, "Megabits": true, "Gigabits": true, "Terabits": true, "Percent": true, "Count": true, "Bytes/Second": true, "Kilobytes/Second": true, "Megabytes/Second": true, "Gigabytes/Second": true, "Terabytes/Second": true, "Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true, "Gigabits/Second": true, "Terabits/Second": true, "Count/Second": true, "None": true}

func dimensionMap(ds []dimension) map[string]string {
	out := make(map[string]string, len(ds))
	for _, d := range ds {
		out[d.Name] = d.Value
	}
	return out
}

func dimensionList(ds []Dimension) []dimension {
	out := make([]dimension, 0, len(ds))
	for _, d := range ds {
		out = append(out, dimension{Name: d.Name, Value: d.Value})
	}
	return out
}

func (a *api) putMetricData(in *putMetricDataInput) (*noOutput, error) {
	ns := in.Namespace
	if ns == "" {
		return nil, missing("Namespace")
	}
	if err := checkNamespace(ns, "Namespace"); err != nil {
		return nil, err
	}
	// CloudWatch reserves the AWS/ namespaces for AWS services (PutMetricData rejects them).
	if strings.HasPrefix(ns, "AWS/") {
		return nil, invalid("The value %s for parameter Namespace is invalid.", ns)
	}
	if len(in.MetricData) == 0 {
		return nil, missing("MetricData")
	}
	if len(in.MetricData) > 1000 {
		return nil, tooMany("MetricData", 1000)
	}
	type pending struct {
		name string
		dims []Dimension
		unit string
		p    point
	}
	var ps []pending
	now := a.s.now()
	for i, d := range in.MetricData {
		field := fmt.Sprintf("MetricData.member.%d", i+1)
		if err := checkDatum(d, field, now); err != nil {
			return nil, err
		}
		t := now
		if d.Timestamp != nil {
			t = *d.Timestamp
		}
		dims := dimsOf(dimensionMap(d.Dimensions))
		add := func(p point) {
			p.t = t
			ps = append(ps, pending{name: d.MetricName, dims: dims, unit: d.Unit, p: p})
		}
		switch {
		case d.StatisticValues != nil:
			sv := d.StatisticValues
			add(point{sum: *sv.Sum, count: *sv.SampleCount, min: *sv.Minimum, max: *sv.Maximum})
		case len(d.Values) > 0:
			for j, f := range d.Values {
				c := 1.0
				if len(d.Counts) > 0 {
					c = d.Counts[j]
				}
				add(point{sum: f * c, count: c, min: f, max: f})
			}
		default:
			f := *d.Value
			add(point{sum: f, count: 1, min: f, max: f})
		}
	}
	a.s.mu.Lock()
	for _, p := range ps {
		a.s.putLocked(ns, p.name, p.dims, p.unit, p.p)
	}
	a.s.mu.Unlock()
	return &noOutput{}, nil
}

// maxValues is the most Values (and Counts) one datum may carry (PutMetricData's documentation).
const maxValues = 150

// checkDatum checks one MetricDatum of a PutMetricData request (field names it): exactly one of
// Value, StatisticValues and Values, each number finite and within ±2^360, at most 150 Values
// with as many Counts if any, a StorageResolution of 1 or 60, a timestamp within two weeks before
// and two hours after now.
func checkDatum(d metricDatum, field string, now time.Time) error {
	if d.MetricName == "" {
		return missing(field + ".MetricName")
	}
	if err := checkMetricName(d.MetricName, field+".MetricName"); err != nil {
		return err
	}
	if err := checkUnit(d.Unit, field+".Unit"); err != nil {
		return err
	}
	if err := checkDimensions(d.Dimensions, field+".Dimensions", false); err != nil {
		return err
	}
	if d.Timestamp != nil {
		if err := checkTimestamp(*d.Timestamp, now, field+".Timestamp"); err != nil {
			return err
		}
	}
	if r := d.StorageResolution; r != nil && *r != 1 && *r != 60 {
		return invalid("The value %d for parameter %s.StorageResolution is invalid: 1 or 60.", *r, field)
	}
	var given []string
	for _, g := range []struct {
		name string
		set  bool
	}{{"Value", d.Value != nil}, {"StatisticValues", d.StatisticValues != nil}, {"Values", len(d.Values) > 0}} {
		if g.set {
			given = append(given, field+"."+g.name)
		}
	}
	switch {
	case len(given) == 0:
		return missing(field + ".Value")
	case len(given) > 1:
		return combination("The parameters %s and %s are mutually exclusive and you have specified both.", given[0], given[1])
	case len(d.Counts) > 0 && len(d.Counts) != len(d.Values):
		return invalid("The parameters %s.Values and %s.Counts must be of the same size.", field, field)
	case len(d.Values) > maxValues:
		return tooMany(field+".Values", maxValues)
	}
	if sv := d.StatisticValues; sv != nil {
		if sv.SampleCount == nil || sv.Sum == nil || sv.Minimum == nil || sv.Maximum == nil {
			return missing(field + ".StatisticValues (SampleCount, Sum, Minimum, Maximum)")
		}
		for _, m := range []struct {
			name string
			v    float64
		}{{"SampleCount", *sv.SampleCount}, {"Sum", *sv.Sum}, {"Minimum", *sv.Minimum}, {"Maximum", *sv.Maximum}} {
			if err := checkValue(m.v, field+".StatisticValues."+m.name); err != nil {
				return err
			}
		}
	}
	if d.Value != nil {
		if err := checkValue(*d.Value, field+".Value"); err != nil {
			return err
		}
	}
	for j, f := range d.Values {
		if err := checkValue(f, fmt.Sprintf("%s.Values.member.%d", field, j+1)); err != nil {
			return err
		}
	}
	for j, c := range d.Counts {
		if !finite(c) {
			return invalid("The value for parameter %s.Counts.member.%d is invalid.", field, j+1)
		}
	}
	return nil
}

// queryOf converts one metric data query of a request (field names it) into a Query;
// ReturnData defaults to true.
func queryOf(qm metricDataQuery, field string) (Query, error) {
	q := Query{ID: qm.ID, Label: qm.Label, Expression: qm.Expression, ReturnData: qm.ReturnData == nil || *qm.ReturnData}
	if len(qm.ID) > 255 {
		return Query{}, tooLong(field+".Id", 255)
	}
	if len(qm.Expression) > 2048 {
		return Query{}, tooLong(field+".Expression", 2048)
	}
	if qm.Period != 0 {
		if err := checkQueryPeriod(qm.Period, field+".Period"); err != nil {
			return Query{}, err
		}
		q.Period = time.Duration(qm.Period) * time.Second
	}
	if qm.MetricStat != nil {
		ms, err := metricStatOf(qm.MetricStat, field+".MetricStat")
		if err != nil {
			return Query{}, err
		}
		q.MetricStat = ms
	}
	return q, nil
}

func metricStatOf(m *metricStatShape, field string) (*MetricStat, error) {
	if m.Metric == nil {
		return nil, missing(field + ".Metric")
	}
	ms := &MetricStat{Namespace: m.Metric.Namespace, Name: m.Metric.MetricName, Dimensions: dimensionMap(m.Metric.Dimensions), Stat: m.Stat, Unit: m.Unit}
	if ms.Name == "" {
		return nil, missing(field + ".Metric.MetricName")
	}
	for _, err := range []error{checkNamespace(ms.Namespace, field+".Metric.Namespace"), checkMetricName(ms.Name, field+".Metric.MetricName"),
		checkDimensions(m.Metric.Dimensions, field+".Metric.Dimensions", false), checkUnit(m.Unit, field+".Unit")} {
		if err != nil {
			return nil, err
		}
	}
	if m.Period == 0 {
		return nil, missing(field + ".Period")
	}
	if err := checkQueryPeriod(m.Period, field+".Period"); err != nil {
		return nil, err
	}
	ms.Period = time.Duration(m.Period) * time.Second
	if !ValidStat(ms.Stat) {
		return nil, invalid("The value %q for parameter %s.Stat is not a CloudWatch statistic (Sum, Average, Minimum, Maximum, SampleCount, pNN, tmNN, wmNN, tcNN, tsNN, IQM, TM(a:b), WM(a:b), TC(a:b), TS(a:b), PR(a:b)).", ms.Stat, field)
	}
	return ms, nil
}

// timeRange checks a query's StartTime and EndTime, both required, the start first.
func timeRange(start, end time.Time) error {
	if start.IsZero() {
		return missing("StartTime")
	}
	if end.IsZero() {
		return missing("EndTime")
	}
	if !end.After(start) {
		return invalid("The parameter StartTime must be less than the parameter EndTime.")
	}
	return nil
}

// defaultMaxDatapoints is GetMetricData's page when MaxDatapoints is not given (its documentation).
const defaultMaxDatapoints = 100800

func (a *api) getMetricData(in *getMetricDataInput) (*getMetricDataOutput, error) {
	if err := timeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	if len(in.MetricDataQueries) == 0 {
		return nil, missing("MetricDataQueries")
	}
	if len(in.MetricDataQueries) > 500 {
		return nil, tooMany("MetricDataQueries", 500)
	}
	descending := true
	switch in.ScanBy {
	case "", "TimestampDescending":
	case "TimestampAscending":
		descending = false
	default:
		return nil, invalid("The value %s for parameter ScanBy is invalid (TimestampDescending, TimestampAscending).", in.ScanBy)
	}
	page := defaultMaxDatapoints
	if in.MaxDatapoints != nil && *in.MaxDatapoints > 0 {
		page = int(min(*in.MaxDatapoints, math.MaxInt32))
	}
	queries := make([]Query, 0, len(in.MetricDataQueries))
	for i, qm := range in.MetricDataQueries {
		q, err := queryOf(qm, fmt.Sprintf("MetricDataQueries.member.%d", i+1))
		if err != nil {
			return nil, err
		}
		queries = append(queries, q)
	}
	// A token names this request (all but its token and page size) and the last datapoint answered
	// (its query and timestamp): the next page starts after it however datapoints came meanwhile (the
	// lab puts metrics all the time, and a new one in a period before the cut would have shifted a
	// count and repeated a datapoint), and another request's token is refused.
	req, _ := json.Marshal(getMetricDataInput{MetricDataQueries: in.MetricDataQueries, StartTime: in.StartTime, EndTime: in.EndTime, ScanBy: in.ScanBy})
	listing := pagetoken.Scope("GetMetricData", string(req))
	var after *cursor
	if in.NextToken != "" {
		last, ok := pagetoken.Last(in.NextToken, listing)
		after = &cursor{}
		if !ok || json.Unmarshal([]byte(last), after) != nil || after.ID == "" {
			return nil, badToken()
		}
	}
	results, err := a.s.GetMetricData(queries, in.StartTime, in.EndTime, descending)
	if err != nil {
		return nil, err
	}
	out, last, ok := pageOf(results, after, page, descending)
	if !ok {
		return nil, badToken()
	}
	if last != nil {
		b, _ := json.Marshal(last)
		out.NextToken = pagetoken.After(listing, string(b))
	}
	return out, nil
}

// cursor is where a GetMetricData page ended: the query whose datapoint was answered last, and
// that datapoint's timestamp (Unix nanoseconds; a result has one datapoint a timestamp).
type cursor struct {
	ID string
	T  int64
}

// pageOf is the page of at most size datapoints that follows the datapoint after (nil: the first
// page), the results' datapoints taken query after query, each query's in the scan order, and the
// page's last datapoint when datapoints remain for a later page (nil: none); ok is false when no
// result is after's query. A result appears on each page that holds some of its datapoints,
// PartialData while some remain for a later page; one without datapoints appears once, on the page
// its place falls on.
func pageOf(results []Result, after *cursor, size int, descending bool) (out *getMetricDataOutput, last *cursor, ok bool) {
	first, from := 0, 0 // the first result of the page, and its first datapoint
	if after != nil {
		first = slices.IndexFunc(results, func(r Result) bool { return r.ID == after.ID })
		if first < 0 {
			return nil, nil, false
		}
		ts := results[first].Timestamps
		from = sort.Search(len(ts), func(i int) bool {
			if descending {
				return ts[i].UnixNano() < after.T
			}
			return ts[i].UnixNano() > after.T
		})
	}
	left := -from // the datapoints not answered yet
	for _, r := range results[first:] {
		left += len(r.Values)
	}
	out = &getMetricDataOutput{MetricDataResults: []metricDataResult{}}
	for i := first; i < len(results); i, from = i+1, 0 {
		r := &results[i]
		rest := len(r.Values) - from
		switch {
		case i == first && after != nil && rest == 0: // answered to its end on an earlier page
			continue
		case size == 0 && left > 0: // the page is full, and this result's place is on the next one
			return out, last, true
		}
		n := min(rest, size)
		res := metricDataResult{ID: r.ID, Label: r.Label, StatusCode: "Complete",
			Timestamps: append([]time.Time{}, r.Timestamps[from:from+n]...), Values: append([]float64{}, r.Values[from:from+n]...)}
		if n < rest {
			res.StatusCode = "PartialData"
		}
		if n > 0 {
			last = &cursor{ID: r.ID, T: r.Timestamps[from+n-1].UnixNano()}
		}
		size, left = size-n, left-n
		out.MetricDataResults = append(out.MetricDataResults, res)
	}
	if left == 0 {
		last = nil
	}
	return out, last, true
}

// maxStatisticsDatapoints is the most datapoints one GetMetricStatistics call may ask for.
const maxStatisticsDatapoints = 1440

func (a *api) getMetricStatistics(in *getMetricStatisticsInput) (*getMetricStatisticsOutput, error) {
	ns, name := in.Namespace, in.MetricName
	if ns == "" {
		return nil, missing("Namespace")
	}
	if name == "" {
		return nil, missing("MetricName")
	}
	for _, err := range []error{checkNamespace(ns, "Namespace"), checkMetricName(name, "MetricName"),
		checkDimensions(in.Dimensions, "Dimensions", false), checkUnit(in.Unit, "Unit"), timeRange(in.StartTime, in.EndTime)} {
		if err != nil {
			return nil, err
		}
	}
	if in.Period == 0 {
		return nil, missing("Period")
	}
	if err := checkQueryPeriod(in.Period, "Period"); err != nil {
		return nil, err
	}
	switch {
	case len(in.Statistics)+len(in.ExtendedStatistics) == 0:
		return nil, combination("At least one of the parameters Statistics and ExtendedStatistics must be specified.")
	case len(in.Statistics) > 0 && len(in.ExtendedStatistics) > 0:
		return nil, combination("The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.")
	case len(in.Statistics) > 5:
		return nil, tooMany("Statistics", 5)
	case len(in.ExtendedStatistics) > 10:
		return nil, tooMany("ExtendedStatistics", 10)
	}
	for _, s := range in.Statistics {
		if !cwstat.Basic(s) {
			return nil, invalid("The value %s for parameter Statistics is invalid.", s)
		}
	}
	for _, s := range in.ExtendedStatistics {
		if _, ok := cwstat.Percentile(s); !ok {
			return nil, invalid("The value %s for parameter ExtendedStatistics is invalid.", s)
		}
	}
	period := time.Duration(in.Period) * time.Second
	start, end := in.StartTime, in.EndTime
	// The message is CloudWatch's (from memory).
	if n := (end.Sub(start) + period - 1) / period; n > maxStatisticsDatapoints {
		return nil, combination("You have requested up to %s datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", thousands(int64(n)))
	}
	dims := dimensionMap(in.Dimensions)
	byT := map[int64]*datapoint{}
	a.s.mu.RLock()
	k, _ := keyOf(ns, name, dimsOf(dims))
	seUnit := "None"
	if se := a.s.series[k]; se != nil {
		seUnit = se.unit
	}
	for _, st := range append(append([]string(nil), in.Statistics...), in.ExtendedStatistics...) {
		for _, pt := range a.s.statSeries(MetricStat{Namespace: ns, Name: name, Dimensions: dims, Period: period, Stat: st, Unit: in.Unit}, start, end) {
			dp := byT[pt.t]
			if dp == nil {
				dp = &datapoint{Timestamp: time.Unix(0, pt.t).UTC(), Unit: seUnit}
				byT[pt.t] = dp
			}
			v := pt.v
			switch st {
			case "Sum":
				dp.Sum = &v
			case "Average":
				dp.Average = &v
			case "Minimum":
				dp.Minimum = &v
			case "Maximum":
				dp.Maximum = &v
			case "SampleCount":
				dp.SampleCount = &v
			default:
				if dp.ExtendedStatistics == nil {
					dp.ExtendedStatistics = map[string]float64{}
				}
				dp.ExtendedStatistics[st] = v
			}
		}
	}
	a.s.mu.RUnlock()
	keys := make([]int64, 0, len(byT))
	for t := range byT {
		keys = append(keys, t)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	out := &getMetricStatisticsOutput{Label: name, Datapoints: make([]datapoint, 0, len(keys))}
	for _, t := range keys {
		out.Datapoints = append(out.Datapoints, *byT[t])
	}
	return out, nil
}

// thousands writes n with comma separators, as CloudWatch's messages do (2,881).
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ListedMetric is one metric ListMetrics returns.
type ListedMetric struct {
	Namespace  string
	Name       string
	Dimensions []Dimension
	Latest     time.Time // its newest datapoint's timestamp

	key metricKey // the series' key: ListMetrics' order and a page token's last metric
}

// ListMetrics returns the metrics matching namespace and name ("" = any) that have every filter
// dimension (an empty filter value matches any value), sorted.
func (s *Store) ListMetrics(namespace, name string, filter map[string]string) []ListedMetric {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ListedMetric
	for k, se := range s.series {
		if (namespace != "" && k.namespace != namespace) || (name != "" && k.name != name) {
			continue
		}
		ok := true
		for fk, fv := range filter {
			found := false
			for _, d := range se.dims {
				if d.Name == fk && (fv == "" || d.Value == fv) {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			m := ListedMetric{Namespace: k.namespace, Name: k.name, Dimensions: se.dims, key: k}
			if n := len(se.points); n > 0 {
				m.Latest = se.points[n-1].t
			}
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key.less(out[j].key) })
	return out
}

// listMetricsPage is how many metrics one ListMetrics answer holds (its documentation: "Up to
// 500 results are returned for any one call").
const listMetricsPage = 500

// listMetricsActive is how recent a metric's newest datapoint must be for ListMetrics to list it.
const listMetricsActive = 14 * 24 * time.Hour

func (a *api) listMetrics(in *listMetricsInput) (*listMetricsOutput, error) {
	for _, err := range []error{checkNamespace(in.Namespace, "Namespace"), checkMetricName(in.MetricName, "MetricName"),
		checkDimensions(in.Dimensions, "Dimensions", true)} {
		if err != nil {
			return nil, err
		}
	}
	if in.RecentlyActive != "" && in.RecentlyActive != "PT3H" {
		return nil, invalid("The value %s for parameter RecentlyActive is invalid (PT3H).", in.RecentlyActive)
	}
	// A token names this listing (the request's filters) and the last metric answered: the next page
	// starts after it however metrics came meanwhile (a new one sorting earlier would have shifted a
	// count), and another listing's token is refused.
	filters, _ := json.Marshal(listMetricsInput{Namespace: in.Namespace, MetricName: in.MetricName, Dimensions: in.Dimensions, RecentlyActive: in.RecentlyActive})
	listing := pagetoken.Scope("ListMetrics", string(filters))
	var after *metricKey
	if in.NextToken != "" {
		last, ok := pagetoken.Last(in.NextToken, listing)
		var k [3]string
		if !ok || json.Unmarshal([]byte(last), &k) != nil {
			return nil, badToken()
		}
		after = &metricKey{namespace: k[0], name: k[1], dims: k[2]}
	}
	ms := a.s.ListMetrics(in.Namespace, in.MetricName, dimensionMap(in.Dimensions))
	// "ListMetrics doesn't return information about metrics if those metrics haven't reported data
	// in the past two weeks" (its documentation); RecentlyActive narrows that to three hours.
	since := a.s.now().Add(-listMetricsActive)
	if in.RecentlyActive != "" {
		since = a.s.now().Add(-3 * time.Hour)
	}
	recent := ms[:0]
	for _, m := range ms {
		if !m.Latest.Before(since) {
			recent = append(recent, m)
		}
	}
	ms = recent
	start := 0
	if after != nil {
		start = sort.Search(len(ms), func(i int) bool { return after.less(ms[i].key) })
	}
	end := min(start+listMetricsPage, len(ms))
	out := &listMetricsOutput{Metrics: make([]metric, 0, end-start)}
	for _, m := range ms[start:end] {
		out.Metrics = append(out.Metrics, metric{Namespace: m.Namespace, MetricName: m.Name, Dimensions: dimensionList(m.Dimensions)})
	}
	if end < len(ms) {
		k := ms[end-1].key
		last, _ := json.Marshal([3]string{k.namespace, k.name, k.dims})
		out.NextToken = pagetoken.After(listing, string(last))
	}
	return out, nil
}

func dashboardArn(name string) string {
	return "arn:aws:cloudwatch::000000000000:dashboard/" + name
}

func (a *api) putDashboard(in *putDashboardInput) (*putDashboardOutput, error) {
	name, body := in.DashboardName, in.DashboardBody
	if name == "" {
		return nil, missing("DashboardName")
	}
	if body == "" {
		return nil, missing("DashboardBody")
	}
	if !validDashboardName(name) {
		return nil, invalid("The value %s for field DashboardName contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).", name)
	}
	var parsed struct {
		Widgets *[]json.RawMessage `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(body), &parsed); err != nil || parsed.Widgets == nil {
		msg := "The field DashboardBody must be a JSON object with a widgets array"
		if err != nil {
			msg += ": " + err.Error()
		}
		return nil, &apiErr{code: "DashboardInvalidInputError", query: "InvalidParameterInput", msg: msg}
	}
	if problems := checkDashboardBody(body); len(problems) > 0 {
		var list strings.Builder
		enc := json.NewEncoder(&list)
		enc.SetEscapeHTML(false) // "Should be <= 24", not "\u003c= 24"
		enc.SetIndent("", "  ")
		_ = enc.Encode(problems)
		// The problems again as the error's dashboardValidationMessages, which the SDKs decode
		// (types.DashboardInvalidInputError.DashboardValidationMessages).
		var messages struct {
			List []dashboardValidationMessage `cw:"dashboardValidationMessages"`
		}
		for _, p := range problems {
			messages.List = append(messages.List, dashboardValidationMessage{DataPath: p.DataPath, Message: p.Message})
		}
		return nil, &apiErr{code: "DashboardInvalidInputError", query: "InvalidParameterInput", members: encodeTree(messages),
			msg: fmt.Sprintf("The dashboard body is invalid, there are %d validation errors:\n%s", len(problems), strings.TrimSpace(list.String()))}
	}
	a.s.mu.Lock()
	a.s.dashboards[name] = dashboard{body: body, modified: a.s.now()}
	a.s.mu.Unlock()
	return &putDashboardOutput{DashboardValidationMessages: []dashboardValidationMessage{}}, nil
}

// validDashboardName: "The maximum length is 255, and valid characters are A-Z, a-z, 0-9, "-",
// and "_"" (PutDashboard's DashboardName). AWS answers another with InvalidParameterValue and the
// message above (as quoted in aws/aws-cdk#2976).
func validDashboardName(name string) bool {
	if len(name) > 255 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func dashboardNotFound(name string) *apiErr {
	return &apiErr{code: "DashboardNotFoundError", query: "ResourceNotFound", msg: fmt.Sprintf("Dashboard %s does not exist", name), status: 404}
}

func (a *api) getDashboard(in *getDashboardInput) (*getDashboardOutput, error) {
	if in.DashboardName == "" {
		return nil, missing("DashboardName")
	}
	a.s.mu.RLock()
	d, ok := a.s.dashboards[in.DashboardName]
	a.s.mu.RUnlock()
	if !ok {
		return nil, dashboardNotFound(in.DashboardName)
	}
	return &getDashboardOutput{DashboardName: in.DashboardName, DashboardBody: d.body, DashboardArn: dashboardArn(in.DashboardName)}, nil
}

func (a *api) listDashboards(in *listDashboardsInput) (*listDashboardsOutput, error) {
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	names := make([]string, 0, len(a.s.dashboards))
	for n := range a.s.dashboards {
		if strings.HasPrefix(n, in.DashboardNamePrefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	// "ListDashboards returns up to 1000 results on one page. If there are more than 1000
	// dashboards, you can call ListDashboards and paginate your results" (its documentation). A
	// token names the prefix and the last dashboard answered, as ListMetrics' does.
	listing := pagetoken.Scope("ListDashboards", in.DashboardNamePrefix)
	start, end, next, ok := pagetoken.Page(names, in.NextToken, listing, listDashboardsPage)
	if !ok {
		return nil, badToken()
	}
	out := &listDashboardsOutput{DashboardEntries: make([]dashboardEntry, 0, end-start), NextToken: next}
	for _, n := range names[start:end] {
		d := a.s.dashboards[n]
		out.DashboardEntries = append(out.DashboardEntries, dashboardEntry{DashboardName: n, DashboardArn: dashboardArn(n), LastModified: d.modified, Size: int64(len(d.body))})
	}
	return out, nil
}

// listDashboardsPage is how many dashboards a ListDashboards page holds at most.
const listDashboardsPage = 1000

func (a *api) deleteDashboards(in *deleteDashboardsInput) (*deleteDashboardsOutput, error) {
	if len(in.DashboardNames) == 0 {
		return nil, missing("DashboardNames")
	}
	// "You can specify up to 100 dashboards to delete. If there is an error during this call, no
	// dashboards are deleted" (DeleteDashboards' API reference): a missing name is reported and
	// nothing is deleted. (This deleted the names that exist before, after an older wording.)
	if len(in.DashboardNames) > 100 {
		return nil, tooMany("DashboardNames", 100)
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	for _, n := range in.DashboardNames {
		if _, ok := a.s.dashboards[n]; !ok {
			return nil, dashboardNotFound(n)
		}
	}
	for _, n := range in.DashboardNames {
		delete(a.s.dashboards, n)
	}
	return &deleteDashboardsOutput{}, nil
}

// Dashboard returns a stored dashboard body (for the lab's report).
func (s *Store) Dashboard(name string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.dashboards[name]
	return d.body, ok
}
