package cloudwatch

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// apiErr is an error the SDK decodes into types.<code>; query is the awsQuery-compatible code
// CloudWatch also sends (X-Amzn-Query-Error), which the SDK reports as ErrorCode().
type apiErr struct {
	code, query, msg string
	status           int
}

func (e *apiErr) Error() string { return e.code + ": " + e.msg }

func invalid(format string, a ...any) *apiErr {
	return &apiErr{code: "InvalidParameterValueException", query: "InvalidParameterValue", msg: fmt.Sprintf(format, a...)}
}

func missing(field string) *apiErr {
	return &apiErr{code: "MissingRequiredParameterException", query: "MissingParameter", msg: fmt.Sprintf("The parameter %s is required.", field)}
}

// Handler answers the CloudWatch API for the "monitoring" signing name, in Smithy RPCv2-CBOR
// (POST /service/GraniteServiceVersion20100801/operation/<Op>, Smithy-Protocol: rpc-v2-cbor).
// Operations: PutMetricData (gzip bodies too), GetMetricData, GetMetricStatistics, ListMetrics,
// PutDashboard, GetDashboard, ListDashboards, DeleteDashboards.
func (s *Store) Handler() http.Handler { return &api{s: s} }

type api struct{ s *Store }

const opPrefix = "/service/GraniteServiceVersion20100801/operation/"

// maxBody bounds a request body (PutMetricData's limit is 1 MB; gzip may expand it).
const maxBody = 4 << 20

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.URL.Path, opPrefix)
	if !ok || r.Method != http.MethodPost {
		writeErr(w, &apiErr{code: "UnknownOperationException", query: "InvalidAction", msg: fmt.Sprintf("cloudwatch: %s %s is not an RPCv2-CBOR CloudWatch operation (the local cloud speaks rpc-v2-cbor only)", r.Method, r.URL.Path), status: 404})
		return
	}
	var body io.Reader = io.LimitReader(r.Body, maxBody)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			writeErr(w, invalid("cloudwatch %s: gzip body: %v", op, err))
			return
		}
		defer zr.Close()
		body = io.LimitReader(zr, maxBody)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		writeErr(w, invalid("cloudwatch %s: read body: %v", op, err))
		return
	}
	in := cbor.Map{}
	if len(raw) > 0 {
		v, err := cbor.Decode(raw)
		if err != nil {
			writeErr(w, invalid("cloudwatch %s: CBOR body: %v", op, err))
			return
		}
		m, ok := v.(cbor.Map)
		if !ok {
			writeErr(w, invalid("cloudwatch %s: CBOR body is %T, want a map", op, v))
			return
		}
		in = m
	}
	var out cbor.Map
	switch op {
	case "PutMetricData":
		out, err = a.putMetricData(in)
	case "GetMetricData":
		out, err = a.getMetricData(in)
	case "GetMetricStatistics":
		out, err = a.getMetricStatistics(in)
	case "ListMetrics":
		out, err = a.listMetrics(in)
	case "PutDashboard":
		out, err = a.putDashboard(in)
	case "GetDashboard":
		out, err = a.getDashboard(in)
	case "ListDashboards":
		out, err = a.listDashboards(in)
	case "DeleteDashboards":
		out, err = a.deleteDashboards(in)
	default:
		err = &apiErr{code: "UnknownOperationException", query: "InvalidAction", msg: fmt.Sprintf("cloudwatch: operation %s is not emulated by the local cloud", op), status: 400}
	}
	if err != nil {
		e, ok := err.(*apiErr)
		if !ok {
			e = invalid("cloudwatch %s: %v", op, err)
		}
		writeErr(w, e)
		return
	}
	if out == nil {
		out = cbor.Map{}
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	_, _ = w.Write(cbor.Encode(out))
}

func writeErr(w http.ResponseWriter, e *apiErr) {
	status := e.status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	if e.query != "" {
		w.Header().Set("X-Amzn-Query-Error", e.query+";"+fault)
	}
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(cbor.Map{
		"__type":  cbor.String("com.amazonaws.cloudwatch#" + e.code),
		"message": cbor.String(e.msg),
	}))
}

// --- CBOR accessors ------------------------------------------------------------------------

func str(m cbor.Map, k string) string {
	if s, ok := m[k].(cbor.String); ok {
		return string(s)
	}
	return ""
}

func num(m cbor.Map, k string) (float64, bool) {
	v, ok := m[k]
	if !ok {
		return 0, false
	}
	if _, isNil := v.(*cbor.Nil); isNil {
		return 0, false
	}
	f, err := cbor.AsFloat64(v)
	if err != nil {
		return 0, false
	}
	return f, true
}

func boolean(m cbor.Map, k string, def bool) bool {
	if b, ok := m[k].(cbor.Bool); ok {
		return bool(b)
	}
	return def
}

func list(m cbor.Map, k string) cbor.List {
	l, _ := m[k].(cbor.List)
	return l
}

func mapOf(m cbor.Map, k string) cbor.Map {
	mm, _ := m[k].(cbor.Map)
	return mm
}

func timeOf(m cbor.Map, k string) (time.Time, bool) {
	v, ok := m[k]
	if !ok {
		return time.Time{}, false
	}
	t, err := cbor.AsTime(v)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

func ts(t time.Time) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1e3)}
}

func dimensions(m cbor.Map, k string) map[string]string {
	out := map[string]string{}
	for _, d := range list(m, k) {
		dm, _ := d.(cbor.Map)
		out[str(dm, "Name")] = str(dm, "Value")
	}
	return out
}

func dimList(ds []Dimension) cbor.List {
	out := cbor.List{}
	for _, d := range ds {
		out = append(out, cbor.Map{"Name": cbor.String(d.Name), "Value": cbor.String(d.Value)})
	}
	return out
}

// --- operations ----------------------------------------------------------------------------

// validUnits are CloudWatch's StandardUnit values.
var validUnits = map[string]bool{"": true, "Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true, "Megabytes": true, "Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true, "Megabits": true, "Gigabits": true, "Terabits": true, "Percent": true, "Count": true, "Bytes/Second": true, "Kilobytes/Second": true, "Megabytes/Second": true, "Gigabytes/Second": true, "Terabytes/Second": true, "Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true, "Gigabits/Second": true, "Terabits/Second": true, "Count/Second": true, "None": true}

func (a *api) putMetricData(in cbor.Map) (cbor.Map, error) {
	ns := str(in, "Namespace")
	if ns == "" {
		return nil, missing("Namespace")
	}
	// CloudWatch reserves the AWS/ namespaces for AWS services (PutMetricData rejects them).
	if strings.HasPrefix(ns, "AWS/") {
		return nil, invalid("The value %s for parameter Namespace is invalid.", ns)
	}
	data := list(in, "MetricData")
	if len(data) == 0 {
		return nil, missing("MetricData")
	}
	if len(data) > 1000 {
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
	for i, d := range data {
		dm, _ := d.(cbor.Map)
		field := fmt.Sprintf("MetricData.member.%d", i+1)
		name := str(dm, "MetricName")
		if name == "" {
			return nil, missing(field + ".MetricName")
		}
		unit := str(dm, "Unit")
		if !validUnits[unit] {
			return nil, invalid("The value %s for parameter %s.Unit is invalid.", unit, field)
		}
		t, ok := timeOf(dm, "Timestamp")
		if !ok {
			t = now
		}
		dims := dimsOf(dimensions(dm, "Dimensions"))
		if len(dims) > 30 {
			return nil, invalid("The collection %s.Dimensions must not have a size greater than 30.", field)
		}
		add := func(p point) {
			p.t = t
			ps = append(ps, pending{name: name, dims: dims, unit: unit, p: p})
		}
		switch {
		case mapOf(dm, "StatisticValues") != nil:
			sv := mapOf(dm, "StatisticValues")
			c, ok1 := num(sv, "SampleCount")
			su, ok2 := num(sv, "Sum")
			mi, ok3 := num(sv, "Minimum")
			ma, ok4 := num(sv, "Maximum")
			if !ok1 || !ok2 || !ok3 || !ok4 {
				return nil, missing(field + ".StatisticValues (SampleCount, Sum, Minimum, Maximum)")
			}
			add(point{sum: su, count: c, min: mi, max: ma})
		case len(list(dm, "Values")) > 0:
			vals, counts := list(dm, "Values"), list(dm, "Counts")
			if len(counts) > 0 && len(counts) != len(vals) {
				return nil, invalid("The parameters %s.Values and %s.Counts must be of the same size.", field, field)
			}
			for j, v := range vals {
				f, err := cbor.AsFloat64(v)
				if err != nil || !finite(f) {
					return nil, invalid("The value for parameter %s.Values.member.%d is invalid.", field, j+1)
				}
				c := 1.0
				if len(counts) > 0 {
					if c, err = cbor.AsFloat64(counts[j]); err != nil {
						return nil, invalid("The value for parameter %s.Counts.member.%d is invalid.", field, j+1)
					}
				}
				add(point{sum: f * c, count: c, min: f, max: f})
			}
		default:
			f, ok := num(dm, "Value")
			if !ok {
				return nil, missing(field + ".Value")
			}
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
	return cbor.Map{}, nil
}

func metricStatOf(m cbor.Map, field string) (*MetricStat, error) {
	metric := mapOf(m, "Metric")
	if metric == nil {
		return nil, missing(field + ".Metric")
	}
	ms := &MetricStat{Namespace: str(metric, "Namespace"), Name: str(metric, "MetricName"), Dimensions: dimensions(metric, "Dimensions"), Stat: str(m, "Stat"), Unit: str(m, "Unit")}
	if ms.Name == "" {
		return nil, missing(field + ".Metric.MetricName")
	}
	p, _ := num(m, "Period")
	if p <= 0 {
		return nil, missing(field + ".Period")
	}
	ms.Period = time.Duration(p) * time.Second
	if !ValidStat(ms.Stat) {
		return nil, invalid("The value %q for parameter %s.Stat is not supported locally (Sum, Average, Minimum, Maximum, SampleCount, pNN).", ms.Stat, field)
	}
	return ms, nil
}

// timeRange reads a query's StartTime and EndTime, both required.
func timeRange(in cbor.Map) (start, end time.Time, err error) {
	start, ok := timeOf(in, "StartTime")
	if !ok {
		return start, end, missing("StartTime")
	}
	if end, ok = timeOf(in, "EndTime"); !ok {
		return start, end, missing("EndTime")
	}
	return start, end, nil
}

func (a *api) getMetricData(in cbor.Map) (cbor.Map, error) {
	start, end, err := timeRange(in)
	if err != nil {
		return nil, err
	}
	qs := list(in, "MetricDataQueries")
	if len(qs) == 0 {
		return nil, missing("MetricDataQueries")
	}
	if len(qs) > 500 {
		return nil, invalid("The collection MetricDataQueries must not have a size greater than 500.")
	}
	queries := make([]Query, 0, len(qs))
	for i, qv := range qs {
		qm, _ := qv.(cbor.Map)
		field := fmt.Sprintf("MetricDataQueries.member.%d", i+1)
		q := Query{ID: str(qm, "Id"), Label: str(qm, "Label"), Expression: str(qm, "Expression"), ReturnData: boolean(qm, "ReturnData", true)}
		if p, ok := num(qm, "Period"); ok && p > 0 {
			q.Period = time.Duration(p) * time.Second
		}
		if msm := mapOf(qm, "MetricStat"); msm != nil {
			ms, err := metricStatOf(msm, field+".MetricStat")
			if err != nil {
				return nil, err
			}
			q.MetricStat = ms
		}
		queries = append(queries, q)
	}
	descending := str(in, "ScanBy") != "TimestampAscending"
	results, err := a.s.GetMetricData(queries, start, end, descending)
	if err != nil {
		return nil, err
	}
	maxPoints := math.MaxInt
	if mp, ok := num(in, "MaxDatapoints"); ok && mp > 0 {
		maxPoints = int(mp)
	}
	out := cbor.List{}
	for _, r := range results {
		stamps, vals := cbor.List{}, cbor.List{}
		for i := range r.Values {
			if maxPoints == 0 {
				break
			}
			maxPoints--
			stamps = append(stamps, ts(r.Timestamps[i]))
			vals = append(vals, cbor.Float64(r.Values[i]))
		}
		out = append(out, cbor.Map{
			"Id": cbor.String(r.ID), "Label": cbor.String(r.Label),
			"Timestamps": stamps, "Values": vals, "StatusCode": cbor.String("Complete"), "Messages": cbor.List{},
		})
	}
	return cbor.Map{"MetricDataResults": out, "Messages": cbor.List{}}, nil
}

func (a *api) getMetricStatistics(in cbor.Map) (cbor.Map, error) {
	ns, name := str(in, "Namespace"), str(in, "MetricName")
	if ns == "" {
		return nil, missing("Namespace")
	}
	if name == "" {
		return nil, missing("MetricName")
	}
	start, end, err := timeRange(in)
	if err != nil {
		return nil, err
	}
	if !end.After(start) {
		return nil, invalid("The parameter StartTime must be less than the parameter EndTime.")
	}
	p, _ := num(in, "Period")
	if p <= 0 {
		return nil, missing("Period")
	}
	var stats, ext []string
	for _, v := range list(in, "Statistics") {
		s, _ := v.(cbor.String)
		if !ValidStat(string(s)) || strings.HasPrefix(string(s), "p") {
			return nil, invalid("The value %s for parameter Statistics is invalid.", s)
		}
		stats = append(stats, string(s))
	}
	for _, v := range list(in, "ExtendedStatistics") {
		s, _ := v.(cbor.String)
		if _, ok := percentile(string(s)); !ok {
			return nil, invalid("The value %s for parameter ExtendedStatistics is invalid.", s)
		}
		ext = append(ext, string(s))
	}
	if len(stats)+len(ext) == 0 {
		return nil, &apiErr{code: "InvalidParameterCombinationException", query: "InvalidParameterCombination", msg: "At least one of the parameters Statistics and ExtendedStatistics must be specified."}
	}
	dims := dimensions(in, "Dimensions")
	unit := str(in, "Unit")
	period := time.Duration(p) * time.Second
	byT := map[int64]cbor.Map{}
	a.s.mu.RLock()
	k, _ := keyOf(ns, name, dimsOf(dims))
	seUnit := "None"
	if se := a.s.series[k]; se != nil {
		seUnit = se.unit
	}
	for _, st := range append(append([]string(nil), stats...), ext...) {
		for _, pt := range a.s.statSeries(MetricStat{Namespace: ns, Name: name, Dimensions: dims, Period: period, Stat: st, Unit: unit}, start, end) {
			dp := byT[pt.t]
			if dp == nil {
				dp = cbor.Map{"Timestamp": ts(time.Unix(0, pt.t)), "Unit": cbor.String(seUnit)}
				byT[pt.t] = dp
			}
			if strings.HasPrefix(st, "p") {
				em, _ := dp["ExtendedStatistics"].(cbor.Map)
				if em == nil {
					em = cbor.Map{}
					dp["ExtendedStatistics"] = em
				}
				em[st] = cbor.Float64(pt.v)
			} else {
				dp[st] = cbor.Float64(pt.v)
			}
		}
	}
	a.s.mu.RUnlock()
	keys := make([]int64, 0, len(byT))
	for t := range byT {
		keys = append(keys, t)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	dps := cbor.List{}
	for _, t := range keys {
		dps = append(dps, byT[t])
	}
	return cbor.Map{"Label": cbor.String(name), "Datapoints": dps}, nil
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

func (a *api) listMetrics(in cbor.Map) (cbor.Map, error) {
	ms := a.s.ListMetrics(str(in, "Namespace"), str(in, "MetricName"), dimensions(in, "Dimensions"))
	out := cbor.List{}
	for _, m := range ms {
		out = append(out, cbor.Map{"Namespace": cbor.String(m.Namespace), "MetricName": cbor.String(m.Name), "Dimensions": dimList(m.Dimensions)})
	}
	return cbor.Map{"Metrics": out}, nil
}

func dashboardArn(name string) string {
	return "arn:aws:cloudwatch::000000000000:dashboard/" + name
}

func (a *api) putDashboard(in cbor.Map) (cbor.Map, error) {
	name, body := str(in, "DashboardName"), str(in, "DashboardBody")
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
	return cbor.Map{"DashboardValidationMessages": cbor.List{}}, nil
}

func (a *api) getDashboard(in cbor.Map) (cbor.Map, error) {
	name := str(in, "DashboardName")
	a.s.mu.RLock()
	d, ok := a.s.dashboards[name]
	a.s.mu.RUnlock()
	if !ok {
		return nil, &apiErr{code: "DashboardNotFoundError", query: "ResourceNotFound", msg: fmt.Sprintf("Dashboard %s does not exist", name), status: 404}
	}
	return cbor.Map{"DashboardName": cbor.String(name), "DashboardBody": cbor.String(d.body), "DashboardArn": cbor.String(dashboardArn(name))}, nil
}

func (a *api) listDashboards(in cbor.Map) (cbor.Map, error) {
	prefix := str(in, "DashboardNamePrefix")
	a.s.mu.RLock()
	names := make([]string, 0, len(a.s.dashboards))
	for n := range a.s.dashboards {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := cbor.List{}
	for _, n := range names {
		d := a.s.dashboards[n]
		out = append(out, cbor.Map{"DashboardName": cbor.String(n), "DashboardArn": cbor.String(dashboardArn(n)), "LastModified": ts(d.modified), "Size": cbor.Uint(len(d.body))})
	}
	a.s.mu.RUnlock()
	return cbor.Map{"DashboardEntries": out}, nil
}

func (a *api) deleteDashboards(in cbor.Map) (cbor.Map, error) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	names := list(in, "DashboardNames")
	for _, v := range names {
		n, _ := v.(cbor.String)
		if _, ok := a.s.dashboards[string(n)]; !ok {
			return nil, &apiErr{code: "DashboardNotFoundError", query: "ResourceNotFound", msg: fmt.Sprintf("Dashboard %s does not exist", n), status: 404}
		}
	}
	for _, v := range names {
		n, _ := v.(cbor.String)
		delete(a.s.dashboards, string(n))
	}
	return cbor.Map{}, nil
}

// Dashboard returns a stored dashboard body (for the lab's report).
func (s *Store) Dashboard(name string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.dashboards[name]
	return d.body, ok
}
