package cloudwatch

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
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
	// CloudWatch reserves the AWS/ namespaces for AWS services (PutMetricData rejects them).
	if strings.HasPrefix(ns, "AWS/") {
		return nil, invalid("The value %s for parameter Namespace is invalid.", ns)
	}
	if len(in.MetricData) == 0 {
		return nil, missing("MetricData")
	}
	if len(in.MetricData) > 1000 {
		return nil, invalid("The collection MetricData must not have a size greater than 1000.")
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
		if d.MetricName == "" {
			return nil, missing(field + ".MetricName")
		}
		if !validUnits[d.Unit] {
			return nil, invalid("The value %s for parameter %s.Unit is invalid.", d.Unit, field)
		}
		t := now
		if d.Timestamp != nil {
			t = *d.Timestamp
		}
		dims := dimsOf(dimensionMap(d.Dimensions))
		if len(dims) > 30 {
			return nil, invalid("The collection %s.Dimensions must not have a size greater than 30.", field)
		}
		add := func(p point) {
			p.t = t
			ps = append(ps, pending{name: d.MetricName, dims: dims, unit: d.Unit, p: p})
		}
		switch {
		case d.StatisticValues != nil:
			sv := d.StatisticValues
			if sv.SampleCount == nil || sv.Sum == nil || sv.Minimum == nil || sv.Maximum == nil {
				return nil, missing(field + ".StatisticValues (SampleCount, Sum, Minimum, Maximum)")
			}
			add(point{sum: *sv.Sum, count: *sv.SampleCount, min: *sv.Minimum, max: *sv.Maximum})
		case len(d.Values) > 0:
			if len(d.Counts) > 0 && len(d.Counts) != len(d.Values) {
				return nil, invalid("The parameters %s.Values and %s.Counts must be of the same size.", field, field)
			}
			for j, f := range d.Values {
				if !finite(f) {
					return nil, invalid("The value for parameter %s.Values.member.%d is invalid.", field, j+1)
				}
				c := 1.0
				if len(d.Counts) > 0 {
					if c = d.Counts[j]; !finite(c) {
						return nil, invalid("The value for parameter %s.Counts.member.%d is invalid.", field, j+1)
					}
				}
				add(point{sum: f * c, count: c, min: f, max: f})
			}
		default:
			if d.Value == nil {
				return nil, missing(field + ".Value")
			}
			f := *d.Value
			if !finite(f) {
				return nil, invalid("The value %v for parameter %s.Value is invalid.", f, field)
			}
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

// queryOf converts one metric data query of a request (field names it in errors) into a Query;
// ReturnData defaults to true.
func queryOf(qm metricDataQuery, field string) (Query, error) {
	q := Query{ID: qm.ID, Label: qm.Label, Expression: qm.Expression, ReturnData: qm.ReturnData == nil || *qm.ReturnData}
	if qm.Period > 0 {
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
	if m.Period <= 0 {
		return nil, missing(field + ".Period")
	}
	ms.Period = time.Duration(m.Period) * time.Second
	if !ValidStat(ms.Stat) {
		return nil, invalid("The value %q for parameter %s.Stat is not supported locally (Sum, Average, Minimum, Maximum, SampleCount, pNN).", ms.Stat, field)
	}
	return ms, nil
}

// timeRange checks a query's StartTime and EndTime, both required.
func timeRange(start, end time.Time) error {
	if start.IsZero() {
		return missing("StartTime")
	}
	if end.IsZero() {
		return missing("EndTime")
	}
	return nil
}

func (a *api) getMetricData(in *getMetricDataInput) (*getMetricDataOutput, error) {
	if err := timeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	if len(in.MetricDataQueries) == 0 {
		return nil, missing("MetricDataQueries")
	}
	if len(in.MetricDataQueries) > 500 {
		return nil, invalid("The collection MetricDataQueries must not have a size greater than 500.")
	}
	queries := make([]Query, 0, len(in.MetricDataQueries))
	for i, qm := range in.MetricDataQueries {
		q, err := queryOf(qm, fmt.Sprintf("MetricDataQueries.member.%d", i+1))
		if err != nil {
			return nil, err
		}
		queries = append(queries, q)
	}
	descending := in.ScanBy != "TimestampAscending"
	results, err := a.s.GetMetricData(queries, in.StartTime, in.EndTime, descending)
	if err != nil {
		return nil, err
	}
	maxPoints := math.MaxInt
	if in.MaxDatapoints != nil && *in.MaxDatapoints > 0 {
		maxPoints = int(*in.MaxDatapoints)
	}
	out := &getMetricDataOutput{MetricDataResults: []metricDataResult{}}
	for _, r := range results {
		res := metricDataResult{ID: r.ID, Label: r.Label, Timestamps: []time.Time{}, Values: []float64{}, StatusCode: "Complete"}
		for i := range r.Values {
			if maxPoints == 0 {
				break
			}
			maxPoints--
			res.Timestamps = append(res.Timestamps, r.Timestamps[i])
			res.Values = append(res.Values, r.Values[i])
		}
		out.MetricDataResults = append(out.MetricDataResults, res)
	}
	return out, nil
}

func (a *api) getMetricStatistics(in *getMetricStatisticsInput) (*getMetricStatisticsOutput, error) {
	ns, name := in.Namespace, in.MetricName
	if ns == "" {
		return nil, missing("Namespace")
	}
	if name == "" {
		return nil, missing("MetricName")
	}
	if err := timeRange(in.StartTime, in.EndTime); err != nil {
		return nil, err
	}
	start, end := in.StartTime, in.EndTime
	if !end.After(start) {
		return nil, invalid("The parameter StartTime must be less than the parameter EndTime.")
	}
	if in.Period <= 0 {
		return nil, missing("Period")
	}
	for _, s := range in.Statistics {
		if !ValidStat(s) || strings.HasPrefix(s, "p") {
			return nil, invalid("The value %s for parameter Statistics is invalid.", s)
		}
	}
	for _, s := range in.ExtendedStatistics {
		if _, ok := percentile(s); !ok {
			return nil, invalid("The value %s for parameter ExtendedStatistics is invalid.", s)
		}
	}
	if len(in.Statistics)+len(in.ExtendedStatistics) == 0 {
		return nil, &apiErr{code: "InvalidParameterCombinationException", query: "InvalidParameterCombination", msg: "At least one of the parameters Statistics and ExtendedStatistics must be specified."}
	}
	dims := dimensionMap(in.Dimensions)
	period := time.Duration(in.Period) * time.Second
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

// ListedMetric is one metric ListMetrics returns.
type ListedMetric struct {
	Namespace  string
	Name       string
	Dimensions []Dimension
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
			out = append(out, ListedMetric{Namespace: k.namespace, Name: k.name, Dimensions: se.dims})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		ka, _ := keyOf(a.Namespace, a.Name, a.Dimensions)
		kb, _ := keyOf(b.Namespace, b.Name, b.Dimensions)
		return ka.dims < kb.dims
	})
	return out
}

func (a *api) listMetrics(in *listMetricsInput) (*listMetricsOutput, error) {
	ms := a.s.ListMetrics(in.Namespace, in.MetricName, dimensionMap(in.Dimensions))
	out := &listMetricsOutput{Metrics: make([]metric, 0, len(ms))}
	for _, m := range ms {
		out.Metrics = append(out.Metrics, metric{Namespace: m.Namespace, MetricName: m.Name, Dimensions: dimensionList(m.Dimensions)})
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
	a.s.mu.Lock()
	a.s.dashboards[name] = dashboard{body: body, modified: a.s.now()}
	a.s.mu.Unlock()
	return &putDashboardOutput{DashboardValidationMessages: []dashboardValidationMessage{}}, nil
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
	out := &listDashboardsOutput{DashboardEntries: make([]dashboardEntry, 0, len(names))}
	for _, n := range names {
		d := a.s.dashboards[n]
		out.DashboardEntries = append(out.DashboardEntries, dashboardEntry{DashboardName: n, DashboardArn: dashboardArn(n), LastModified: d.modified, Size: int64(len(d.body))})
	}
	return out, nil
}

func (a *api) deleteDashboards(in *deleteDashboardsInput) (*deleteDashboardsOutput, error) {
	if len(in.DashboardNames) == 0 {
		return nil, missing("DashboardNames")
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
