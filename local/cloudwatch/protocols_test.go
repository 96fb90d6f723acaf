package cloudwatch_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	localcw "github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
)

// These tests speak each protocol by hand (request serializers and answer parsers written here,
// independently of the handler's codecs), for every operation: the request is decoded into the
// right input, the answer is in the protocol's shape, and errors are in the protocol's shape.

type proto struct {
	name string
	// request builds the HTTP request for op with input (a tree of map[string]any, []any, string,
	// float64, bool, time.Time).
	request func(op string, in map[string]any) *http.Request
	// answer parses a 200 answer into a tree (map[string]any, []any, leaves) of op's output.
	answer func(t *testing.T, op string, rec *httptest.ResponseRecorder) any
	// failure parses an error answer: its code (the query code where the protocol has one) and message.
	failure func(t *testing.T, rec *httptest.ResponseRecorder) (code, shape, message string)
	// stamp is how the protocol's answers carry a timestamp: time.Time (CBOR tag 1), float64
	// (JSON 1.0 epoch seconds) or string (query ISO 8601).
	stamp string
}

var protos = []proto{
	{name: "rpc-v2-cbor", request: cborRequest, answer: cborAnswer, failure: cborFailure, stamp: "time.Time"},
	{name: "json-1.0", request: jsonRequest, answer: jsonAnswer, failure: jsonFailure, stamp: "float64"},
	{name: "query", request: queryRequest, answer: queryAnswer, failure: queryFailure, stamp: "string"},
}

// do runs op with in on h in p's protocol and fails the test unless it answers 200.
func (p proto) do(t *testing.T, h http.Handler, op string, in map[string]any) *httptest.ResponseRecorder {
	t.Helper()
	rec := serve(h, p.request(op, in))
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", op, rec.Code, rec.Body)
	}
	return rec
}

// call is do, and op's answer parsed (p.answer).
func (p proto) call(t *testing.T, h http.Handler, op string, in map[string]any) any {
	t.Helper()
	return p.answer(t, op, p.do(t, h, op, in))
}

// checkFailure checks an error answer in p's shape: its code, its shape (the query code in the
// query protocol) and a message containing msg.
func checkFailure(t *testing.T, p proto, rec *httptest.ResponseRecorder, wantCode, shape, msg string) {
	t.Helper()
	code, gotShape, gotMsg := p.failure(t, rec)
	wantShape := "com.amazonaws.cloudwatch#" + shape
	if p.name == "query" {
		wantShape = wantCode
	}
	if code != wantCode || gotShape != wantShape || !strings.Contains(gotMsg, msg) {
		t.Errorf("error = %q %q %q, want %q %q containing %q", code, gotShape, gotMsg, wantCode, wantShape, msg)
	}
}

// --- RPCv2-CBOR ---

func toCBOR(v any) cbor.Value {
	switch x := v.(type) {
	case map[string]any:
		m := cbor.Map{}
		for k, e := range x {
			m[k] = toCBOR(e)
		}
		return m
	case []any:
		l := cbor.List{}
		for _, e := range x {
			l = append(l, toCBOR(e))
		}
		return l
	case string:
		return cbor.String(x)
	case float64:
		return cbor.Float64(x)
	case int:
		return cbor.Uint(x)
	case bool:
		return cbor.Bool(x)
	case time.Time:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(x.UnixMilli()) / 1e3)}
	}
	panic(fmt.Sprintf("toCBOR %T", v))
}

func fromCBOR(v cbor.Value) any {
	switch x := v.(type) {
	case cbor.Map:
		m := map[string]any{}
		for k, e := range x {
			m[k] = fromCBOR(e)
		}
		return m
	case cbor.List:
		l := []any{}
		for _, e := range x {
			l = append(l, fromCBOR(e))
		}
		return l
	case cbor.String:
		return string(x)
	case cbor.Float64:
		return float64(x)
	case cbor.Uint:
		return float64(x)
	case cbor.Bool:
		return bool(x)
	case *cbor.Tag:
		tm, err := cbor.AsTime(x)
		if err != nil {
			panic(err)
		}
		return tm
	}
	panic(fmt.Sprintf("fromCBOR %T", v))
}

func cborRequest(op string, in map[string]any) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/service/GraniteServiceVersion20100801/operation/"+op, bytes.NewReader(cbor.Encode(toCBOR(in))))
	r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	r.Header.Set("Content-Type", "application/cbor")
	r.Header.Set("Accept", "application/cbor")
	return r
}

func cborAnswer(t *testing.T, op string, rec *httptest.ResponseRecorder) any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/cbor" || rec.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" {
		t.Errorf("Content-Type %q, Smithy-Protocol %q", ct, rec.Header().Get("Smithy-Protocol"))
	}
	v, err := cbor.Decode(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("CBOR answer: %v", err)
	}
	return fromCBOR(v)
}

func cborFailure(t *testing.T, rec *httptest.ResponseRecorder) (string, string, string) {
	t.Helper()
	v := cborAnswer(t, "", rec).(map[string]any)
	code, _, _ := strings.Cut(rec.Header().Get("X-Amzn-Query-Error"), ";")
	return code, v["__type"].(string), v["message"].(string)
}

// --- JSON 1.0 ---

func toJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			m[k] = toJSON(e)
		}
		return m
	case []any:
		l := []any{}
		for _, e := range x {
			l = append(l, toJSON(e))
		}
		return l
	case time.Time:
		return float64(x.UnixMilli()) / 1e3 // botocore: epoch seconds
	}
	return v
}

func jsonRequest(op string, in map[string]any) *http.Request {
	b, err := json.Marshal(toJSON(in))
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(b))
	r.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801."+op)
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("x-amzn-query-mode", "true")
	return r
}

func jsonAnswer(t *testing.T, op string, rec *httptest.ResponseRecorder) any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/x-amz-json-1.0" {
		t.Errorf("Content-Type %q", ct)
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("JSON answer: %v\n%s", err, rec.Body)
	}
	return v
}

func jsonFailure(t *testing.T, rec *httptest.ResponseRecorder) (string, string, string) {
	t.Helper()
	var v struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("JSON error: %v\n%s", err, rec.Body)
	}
	code, fault, _ := strings.Cut(rec.Header().Get("x-amzn-query-error"), ";")
	if fault != "Sender" {
		t.Errorf("x-amzn-query-error %q: want <Code>;Sender", rec.Header().Get("x-amzn-query-error"))
	}
	return code, v.Type, v.Message
}

// --- query ---

func flatten(form url.Values, prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(form, p, e)
		}
	case []any:
		if len(x) == 0 {
			form.Set(prefix, "")
		}
		for i, e := range x {
			flatten(form, fmt.Sprintf("%s.member.%d", prefix, i+1), e)
		}
	case time.Time:
		form.Set(prefix, x.UTC().Format("2006-01-02T15:04:05Z"))
	case float64:
		form.Set(prefix, strconv.FormatFloat(x, 'g', -1, 64))
	case int:
		form.Set(prefix, strconv.Itoa(x))
	case bool:
		form.Set(prefix, strconv.FormatBool(x))
	case string:
		form.Set(prefix, x)
	default:
		panic(fmt.Sprintf("flatten %T", v))
	}
}

func queryRequest(op string, in map[string]any) *http.Request {
	form := url.Values{"Action": {op}, "Version": {"2010-08-01"}}
	flatten(form, "", in)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r
}

type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []xmlNode  `xml:",any"`
}

// tree reads an element the way botocore's query parser does: <member> children make a list,
// <entry><key/><value/></entry> children a map, other children a structure, no children a leaf
// (an empty list is an empty leaf here).
func (n xmlNode) tree() any {
	if len(n.Children) == 0 {
		return n.Text
	}
	switch n.Children[0].XMLName.Local {
	case "member":
		l := []any{}
		for _, c := range n.Children {
			l = append(l, c.tree())
		}
		return l
	case "entry":
		m := map[string]any{}
		for _, c := range n.Children {
			m[c.Children[0].Text] = c.Children[1].tree()
		}
		return m
	}
	m := map[string]any{}
	for _, c := range n.Children {
		m[c.XMLName.Local] = c.tree()
	}
	return m
}

func parseXML(t *testing.T, b []byte) xmlNode {
	t.Helper()
	var n xmlNode
	if err := xml.Unmarshal(b, &n); err != nil {
		t.Fatalf("XML: %v\n%s", err, b)
	}
	return n
}

// noOutputOps are the operations whose model has no output shape: no <…Result> element.
var noOutputOps = map[string]bool{"PutMetricData": true, "PutMetricAlarm": true, "DeleteAlarms": true}

func queryAnswer(t *testing.T, op string, rec *httptest.ResponseRecorder) any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q", ct)
	}
	root := parseXML(t, rec.Body.Bytes())
	if root.XMLName.Local != op+"Response" || root.XMLName.Space != "http://monitoring.amazonaws.com/doc/2010-08-01/" {
		t.Errorf("root element %v, want %sResponse in the 2010-08-01 namespace", root.XMLName, op)
	}
	m, _ := root.tree().(map[string]any)
	if md, _ := m["ResponseMetadata"].(map[string]any); md == nil || md["RequestId"] == "" {
		t.Errorf("no ResponseMetadata/RequestId in %s", rec.Body)
	}
	if noOutputOps[op] {
		if _, ok := m[op+"Result"]; ok {
			t.Errorf("%s has no output shape, but the answer has a %sResult", op, op)
		}
		return map[string]any{}
	}
	res, ok := m[op+"Result"]
	if !ok {
		t.Fatalf("no %sResult in %s", op, rec.Body)
	}
	if s, ok := res.(string); ok && s == "" {
		return map[string]any{}
	}
	return res
}

func queryFailure(t *testing.T, rec *httptest.ResponseRecorder) (string, string, string) {
	t.Helper()
	root := parseXML(t, rec.Body.Bytes())
	m := root.tree().(map[string]any)
	e, _ := m["Error"].(map[string]any)
	if root.XMLName.Local != "ErrorResponse" || e == nil || e["Type"] != "Sender" || m["RequestId"] == "" {
		t.Errorf("error answer %s: want <ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>", rec.Body)
		return "", "", ""
	}
	return e["Code"].(string), e["Code"].(string), e["Message"].(string)
}

// --- tree accessors: the leaves as each protocol writes them ---

func at(t *testing.T, v any, path string) any {
	t.Helper()
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				t.Fatalf("%s: no %q in %v", path, k, x)
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(x) {
				t.Fatalf("%s: no element %s in %v", path, k, x)
			}
			v = x[i]
		default:
			t.Fatalf("%s: %q of a %T", path, k, v)
		}
	}
	return v
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	switch x := v.(type) {
	case float64:
		return x
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			t.Fatalf("number %q: %v", x, err)
		}
		return f
	}
	t.Fatalf("number: %T %v", v, v)
	return 0
}

func stamp(t *testing.T, p proto, v any) time.Time {
	t.Helper()
	if typ := fmt.Sprintf("%T", v); typ != p.stamp {
		t.Errorf("timestamp %v is a %s, want a %s in %s", v, typ, p.stamp, p.name)
	}
	switch x := v.(type) {
	case time.Time:
		return x
	case float64: // JSON 1.0: epoch seconds
		return time.UnixMilli(int64(math.Round(x * 1e3)))
	case string: // query: ISO 8601
		tm, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			t.Fatalf("timestamp %q: %v", x, err)
		}
		return tm
	}
	t.Fatalf("timestamp: %T %v", v, v)
	return time.Time{}
}

func length(t *testing.T, v any) int {
	t.Helper()
	switch x := v.(type) {
	case []any:
		return len(x)
	case string:
		if x == "" {
			return 0
		}
	}
	t.Fatalf("list: %T %v", v, v)
	return 0
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// TestProtocolsEveryOperation runs every operation in every protocol against a fresh store and
// checks what was decoded (through the answers and the store) and how the answers are encoded.
func TestProtocolsEveryOperation(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0).UTC() // on a minute boundary
	dims := []any{map[string]any{"Name": "DynamoDBTable", "Value": "chaos"}}
	body := `{"widgets":[{"type":"text","properties":{"markdown":"a <b> & \"c\""}}]}`
	for _, p := range protos {
		t.Run(p.name, func(t *testing.T) {
			store := localcw.NewStore()
			store.SetClock(func() time.Time { return t0.Add(5 * time.Minute) })
			h := store.Handler()
			call := func(op string, in map[string]any) any {
				t.Helper()
				rec := p.do(t, h, op, in)
				if rec.Header().Get("X-Amzn-RequestId") == "" {
					t.Errorf("%s: no X-Amzn-RequestId", op)
				}
				return p.answer(t, op, rec)
			}

			out := call("PutMetricData", map[string]any{"Namespace": "Lab", "MetricData": []any{
				map[string]any{"MetricName": "Writes", "Dimensions": dims, "Timestamp": t0.Add(10 * time.Second), "Value": 4.0, "Unit": "Count"},
				map[string]any{"MetricName": "Writes", "Dimensions": dims, "Timestamp": t0.Add(20 * time.Second), "Unit": "Count",
					"StatisticValues": map[string]any{"SampleCount": 2.0, "Sum": 6.0, "Minimum": 1.0, "Maximum": 5.0}},
				map[string]any{"MetricName": "Writes", "Dimensions": dims, "Timestamp": t0.Add(70 * time.Second), "Unit": "Count",
					"Values": []any{1.5, 2.5}, "Counts": []any{2.0, 1.0}},
				map[string]any{"MetricName": "Other", "Timestamp": t0.Add(10 * time.Second), "Value": -1.0},
			}})
			if m, ok := out.(map[string]any); !ok || len(m) != 0 {
				t.Errorf("PutMetricData answer = %v, want an empty structure", out)
			}
			// What the store got, decoded from this protocol: minute 0 = 4 + 6, minute 1 = 1.5*2 + 2.5.
			res, err := store.GetMetricData([]localcw.Query{{ID: "w", ReturnData: true, MetricStat: &localcw.MetricStat{
				Namespace: "Lab", Name: "Writes", Dimensions: map[string]string{"DynamoDBTable": "chaos"}, Period: time.Minute, Stat: "Sum"}}},
				t0, t0.Add(5*time.Minute), false)
			if err != nil || fmt.Sprint(res[0].Values) != "[10 5.5]" {
				t.Errorf("stored Writes sums = %+v, %v; want [10 5.5]", res, err)
			}

			out = call("GetMetricData", map[string]any{
				"StartTime": t0, "EndTime": t0.Add(3 * time.Minute), "ScanBy": "TimestampAscending",
				"MetricDataQueries": []any{
					map[string]any{"Id": "w", "ReturnData": false, "MetricStat": map[string]any{
						"Metric": map[string]any{"Namespace": "Lab", "MetricName": "Writes", "Dimensions": dims}, "Period": 60, "Stat": "Sum"}},
					map[string]any{"Id": "pct", "Expression": "w * 10", "Label": "ten times"},
					map[string]any{"Id": "n", "MetricStat": map[string]any{
						"Metric": map[string]any{"Namespace": "Lab", "MetricName": "Writes", "Dimensions": dims}, "Period": 60, "Stat": "SampleCount"}},
				}})
			if n := length(t, at(t, out, "MetricDataResults")); n != 2 {
				t.Fatalf("MetricDataResults: %d, want 2 (w has ReturnData false)", n)
			}
			if id, label := at(t, out, "MetricDataResults.0.Id"), at(t, out, "MetricDataResults.0.Label"); id != "pct" || label != "ten times" {
				t.Errorf("result 0 = %v %v", id, label)
			}
			if v0, v1 := num(t, at(t, out, "MetricDataResults.0.Values.0")), num(t, at(t, out, "MetricDataResults.0.Values.1")); v0 != 100 || v1 != 55 {
				t.Errorf("pct values = %v %v, want 100 55", v0, v1)
			}
			if ts := stamp(t, p, at(t, out, "MetricDataResults.0.Timestamps.1")); !ts.Equal(t0.Add(time.Minute)) {
				t.Errorf("pct timestamp 1 = %v, want %v", ts, t0.Add(time.Minute))
			}
			if at(t, out, "MetricDataResults.0.StatusCode") != "Complete" || length(t, at(t, out, "MetricDataResults.0.Messages")) != 0 || length(t, at(t, out, "Messages")) != 0 {
				t.Errorf("StatusCode/Messages: %v", out)
			}
			if at(t, out, "MetricDataResults.1.Label") != "Writes" || num(t, at(t, out, "MetricDataResults.1.Values.0")) != 3 || num(t, at(t, out, "MetricDataResults.1.Values.1")) != 3 {
				t.Errorf("SampleCount result = %v, want Writes [3 3]", at(t, out, "MetricDataResults.1"))
			}

			out = call("GetMetricStatistics", map[string]any{"Namespace": "Lab", "MetricName": "Writes", "Dimensions": dims,
				"StartTime": t0, "EndTime": t0.Add(2 * time.Minute), "Period": 120,
				"Statistics": []any{"Sum", "Maximum"}})
			if at(t, out, "Label") != "Writes" || length(t, at(t, out, "Datapoints")) != 1 {
				t.Fatalf("GetMetricStatistics = %v", out)
			}
			dp := at(t, out, "Datapoints.0").(map[string]any)
			if !stamp(t, p, dp["Timestamp"]).Equal(t0) || num(t, dp["Sum"]) != 15.5 || num(t, dp["Maximum"]) != 5 || dp["Unit"] != "Count" {
				t.Errorf("datapoint = %v, want %v Sum 15.5 Maximum 5 Count", dp, t0)
			}
			if _, ok := dp["Average"]; ok {
				t.Errorf("datapoint has Average, which was not asked for: %v", dp)
			}
			// Minute 1 only: minute 0's statistic set (Minimum 1, Maximum 5) has no percentiles.
			out = call("GetMetricStatistics", map[string]any{"Namespace": "Lab", "MetricName": "Writes", "Dimensions": dims,
				"StartTime": t0.Add(time.Minute), "EndTime": t0.Add(2 * time.Minute), "Period": 60, "ExtendedStatistics": []any{"p50"}})
			if length(t, at(t, out, "Datapoints")) != 1 || num(t, at(t, out, "Datapoints.0.ExtendedStatistics.p50")) != 1.5 {
				t.Errorf("GetMetricStatistics p50 = %v, want 1.5", out)
			}

			out = call("ListMetrics", map[string]any{"Namespace": "Lab", "Dimensions": []any{map[string]any{"Name": "DynamoDBTable"}}})
			if length(t, at(t, out, "Metrics")) != 1 || at(t, out, "Metrics.0.MetricName") != "Writes" || at(t, out, "Metrics.0.Namespace") != "Lab" ||
				at(t, out, "Metrics.0.Dimensions.0.Name") != "DynamoDBTable" || at(t, out, "Metrics.0.Dimensions.0.Value") != "chaos" {
				t.Errorf("ListMetrics = %v", out)
			}
			if out = call("ListMetrics", map[string]any{}); length(t, at(t, out, "Metrics")) != 2 || length(t, at(t, out, "Metrics.0.Dimensions")) != 0 {
				t.Errorf("ListMetrics (all) = %v, want Other (no dimensions) and Writes", out)
			}

			out = call("PutDashboard", map[string]any{"DashboardName": "lab", "DashboardBody": body})
			if length(t, at(t, out, "DashboardValidationMessages")) != 0 {
				t.Errorf("PutDashboard = %v", out)
			}
			out = call("GetDashboard", map[string]any{"DashboardName": "lab"})
			if at(t, out, "DashboardBody") != body || at(t, out, "DashboardName") != "lab" || at(t, out, "DashboardArn") != "arn:aws:cloudwatch::000000000000:dashboard/lab" {
				t.Errorf("GetDashboard = %v", out)
			}
			call("PutDashboard", map[string]any{"DashboardName": "other", "DashboardBody": `{"widgets":[]}`})
			out = call("ListDashboards", map[string]any{"DashboardNamePrefix": "la"})
			if length(t, at(t, out, "DashboardEntries")) != 1 || at(t, out, "DashboardEntries.0.DashboardName") != "lab" ||
				num(t, at(t, out, "DashboardEntries.0.Size")) != float64(len(body)) || !stamp(t, p, at(t, out, "DashboardEntries.0.LastModified")).Equal(t0.Add(5*time.Minute)) {
				t.Errorf("ListDashboards = %v", out)
			}
			call("DeleteDashboards", map[string]any{"DashboardNames": []any{"lab", "other"}})
			if out = call("ListDashboards", map[string]any{}); length(t, at(t, out, "DashboardEntries")) != 0 {
				t.Errorf("ListDashboards after delete = %v", out)
			}
			if _, ok := store.Dashboard("lab"); ok {
				t.Error("dashboard lab still stored")
			}
		})
	}
}

// datum is a PutMetricData input of one datum (Value 1) with the members of mod set; a nil
// member is left out, and "__namespace" is the request's Namespace.
func datum(mod map[string]any) map[string]any {
	d := map[string]any{"MetricName": "m", "Value": 1.0}
	ns := "N"
	for k, v := range mod {
		switch {
		case k == "__namespace":
			ns = v.(string)
		case v == nil:
			delete(d, k)
		default:
			d[k] = v
		}
	}
	return map[string]any{"Namespace": ns, "MetricData": []any{d}}
}

// numbers is 1 … n.
func numbers(n int) []any {
	var out []any
	for i := range n {
		out = append(out, float64(i+1))
	}
	return out
}

// manyData is n data of one value each.
func manyData(n int) []any {
	var out []any
	for range n {
		out = append(out, map[string]any{"MetricName": "m", "Value": 1.0})
	}
	return out
}

// metricData is a GetMetricData input of one MetricStat query over an hour; mod sets members of
// the MetricStat (Unit, Period) or of the request (ScanBy, NextToken, MaxDatapoints).
func metricData(mod map[string]any) map[string]any {
	t0 := time.Unix(1_800_000_000, 0).UTC()
	ms := map[string]any{"Metric": map[string]any{"Namespace": "N", "MetricName": "m"}, "Period": 60, "Stat": "Sum"}
	in := map[string]any{"StartTime": t0, "EndTime": t0.Add(time.Hour), "MetricDataQueries": []any{map[string]any{"Id": "q", "MetricStat": ms}}}
	for k, v := range mod {
		if k == "Unit" || k == "Period" {
			ms[k] = v
		} else {
			in[k] = v
		}
	}
	return in
}

// statistics is a GetMetricStatistics input (Sum at 60 s over an hour) with the members of mod set.
func statistics(mod map[string]any) map[string]any {
	t0 := time.Unix(1_800_000_000, 0).UTC()
	in := map[string]any{"Namespace": "N", "MetricName": "m", "StartTime": t0, "EndTime": t0.Add(time.Hour), "Period": 60, "Statistics": []any{"Sum"}}
	for k, v := range mod {
		in[k] = v
	}
	return in
}

// TestProtocolErrors checks each protocol's error shape: the modeled error's shape id in __type
// (CBOR, JSON 1.0) with the query code in X-Amzn-Query-Error, or the query code in an XML
// ErrorResponse; and the HTTP status.
func TestProtocolErrors(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0).UTC()
	tests := []struct {
		name   string
		op     string
		in     map[string]any
		status int
		code   string // the query code
		shape  string // the modeled error (CBOR, JSON 1.0 __type)
		msg    string // a part of the message
	}{
		{name: "missing namespace", op: "PutMetricData", in: map[string]any{"MetricData": []any{map[string]any{"MetricName": "x", "Value": 1.0}}},
			status: 400, code: "MissingParameter", shape: "MissingRequiredParameterException", msg: "Namespace"},
		{name: "reserved namespace", op: "PutMetricData", in: map[string]any{"Namespace": "AWS/SQS", "MetricData": []any{map[string]any{"MetricName": "x", "Value": 1.0}}},
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "AWS/SQS"},
		{name: "bad unit", op: "PutMetricData", in: map[string]any{"Namespace": "N", "MetricData": []any{map[string]any{"MetricName": "x", "Value": 1.0, "Unit": "Parsecs"}}},
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Unit"},
		{name: "a string for a number", op: "PutMetricData", in: map[string]any{"Namespace": "N", "MetricData": []any{map[string]any{"MetricName": "x", "Value": "lots"}}},
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Value"},
		{name: "unknown id in expression", op: "GetMetricData", in: map[string]any{"StartTime": t0, "EndTime": t0.Add(time.Hour),
			"MetricDataQueries": []any{map[string]any{"Id": "e", "Expression": "zz * 2"}}},
			status: 400, code: "ValidationError", shape: "ValidationException", msg: "zz"},
		{name: "no end time", op: "GetMetricData", in: map[string]any{"StartTime": t0, "MetricDataQueries": []any{map[string]any{"Id": "e", "Expression": "1"}}},
			status: 400, code: "MissingParameter", shape: "MissingRequiredParameterException", msg: "EndTime"},
		{name: "no statistics", op: "GetMetricStatistics", in: map[string]any{"Namespace": "N", "MetricName": "x", "StartTime": t0, "EndTime": t0.Add(time.Hour), "Period": 60},
			status: 400, code: "InvalidParameterCombination", shape: "InvalidParameterCombinationException", msg: "Statistics"},
		{name: "dashboard not found", op: "GetDashboard", in: map[string]any{"DashboardName": "nope"},
			status: 404, code: "ResourceNotFound", shape: "DashboardNotFoundError", msg: "nope"},
		{name: "delete a missing dashboard", op: "DeleteDashboards", in: map[string]any{"DashboardNames": []any{"nope"}},
			status: 404, code: "ResourceNotFound", shape: "DashboardNotFoundError", msg: "nope"},
		{name: "dashboard body without widgets", op: "PutDashboard", in: map[string]any{"DashboardName": "d", "DashboardBody": `{"x":1}`},
			status: 400, code: "InvalidParameterInput", shape: "DashboardInvalidInputError", msg: "widgets"},
		{name: "a timestamp 3 hours ahead", op: "PutMetricData", in: datum(map[string]any{"Timestamp": time.Now().Add(3 * time.Hour)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Timestamp must specify a time no more than two hours in the future"},
		{name: "a timestamp 15 days old", op: "PutMetricData", in: datum(map[string]any{"Timestamp": time.Now().Add(-15 * 24 * time.Hour)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Timestamp must specify a time no more than two weeks in the past"},
		{name: "Value and Values", op: "PutMetricData", in: datum(map[string]any{"Values": []any{1.0}}),
			status: 400, code: "InvalidParameterCombination", shape: "InvalidParameterCombinationException", msg: "MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive"},
		{name: "Value and StatisticValues", op: "PutMetricData", in: datum(map[string]any{"StatisticValues": map[string]any{"SampleCount": 1.0, "Sum": 1.0, "Minimum": 1.0, "Maximum": 1.0}}),
			status: 400, code: "InvalidParameterCombination", shape: "InvalidParameterCombinationException", msg: "MetricData.member.1.StatisticValues"},
		{name: "151 values", op: "PutMetricData", in: datum(map[string]any{"Value": nil, "Values": numbers(151)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Values must not have a size greater than 150"},
		{name: "counts without as many values", op: "PutMetricData", in: datum(map[string]any{"Value": nil, "Values": numbers(2), "Counts": numbers(3)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Counts must be of the same size"},
		{name: "counts with a single value", op: "PutMetricData", in: datum(map[string]any{"Counts": numbers(1)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "Counts"},
		{name: "storage resolution 5", op: "PutMetricData", in: datum(map[string]any{"StorageResolution": 5}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.StorageResolution"},
		{name: "a dimension without a value", op: "PutMetricData", in: datum(map[string]any{"Dimensions": []any{map[string]any{"Name": "F"}}}),
			status: 400, code: "MissingParameter", shape: "MissingRequiredParameterException", msg: "MetricData.member.1.Dimensions.member.1.Value"},
		{name: "a dimension named twice", op: "PutMetricData", in: datum(map[string]any{"Dimensions": []any{
			map[string]any{"Name": "F", "Value": "a"}, map[string]any{"Name": "F", "Value": "b"}}}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Dimensions.member.2.Name is duplicated"},
		{name: "31 dimensions", op: "PutMetricData", in: datum(map[string]any{"Dimensions": manyDimensions(31)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Dimensions must not have a size greater than 30"},
		{name: "a value over 2^360", op: "PutMetricData", in: datum(map[string]any{"Value": math.Ldexp(1.5, 360)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Value"},
		{name: "a value under -2^360 in Values", op: "PutMetricData", in: datum(map[string]any{"Value": nil, "Values": []any{1.0, -math.Ldexp(1.5, 360)}}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.Values.member.2"},
		{name: "a namespace starting with a colon", op: "PutMetricData", in: datum(map[string]any{"__namespace": ":Probe"}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "Namespace"},
		{name: "a namespace of 256 characters", op: "PutMetricData", in: datum(map[string]any{"__namespace": strings.Repeat("n", 256)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "Namespace must be at most 255"},
		{name: "a metric name of 256 characters", op: "PutMetricData", in: datum(map[string]any{"MetricName": strings.Repeat("m", 256)}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData.member.1.MetricName must be at most 255"},
		{name: "1001 data", op: "PutMetricData", in: map[string]any{"Namespace": "N", "MetricData": manyData(1001)},
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricData must not have a size greater than 1000"},
		{name: "a bad ScanBy", op: "GetMetricData", in: metricData(map[string]any{"ScanBy": "Newest"}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "ScanBy"},
		{name: "a bad unit in a MetricStat", op: "GetMetricData", in: metricData(map[string]any{"Unit": "Parsecs"}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricDataQueries.member.1.MetricStat.Unit"},
		{name: "a period of 90 s in a MetricStat", op: "GetMetricData", in: metricData(map[string]any{"Period": 90}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricDataQueries.member.1.MetricStat.Period"},
		{name: "a period of 7 s in a MetricStat", op: "GetMetricData", in: metricData(map[string]any{"Period": 7}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "MetricDataQueries.member.1.MetricStat.Period"},
		{name: "a garbled NextToken", op: "GetMetricData", in: metricData(map[string]any{"NextToken": "garbage"}),
			status: 400, code: "InvalidNextToken", shape: "InvalidNextToken", msg: "NextToken"},
		{name: "2,881 datapoints", op: "GetMetricStatistics", in: statistics(map[string]any{"EndTime": t0.Add(48*time.Hour + 48*time.Second), "StartTime": t0.Add(47 * time.Second)}),
			status: 400, code: "InvalidParameterCombination", shape: "InvalidParameterCombinationException", msg: "You have requested up to 2,881 datapoints, which exceeds the limit of 1,440"},
		{name: "statistics and extended statistics", op: "GetMetricStatistics", in: statistics(map[string]any{"ExtendedStatistics": []any{"p99"}}),
			status: 400, code: "InvalidParameterCombination", shape: "InvalidParameterCombinationException", msg: "Statistics and ExtendedStatistics are mutually exclusive"},
		// Statistics takes the basic five only; an extended one goes in ExtendedStatistics.
		{name: "a trimmed mean as a statistic", op: "GetMetricStatistics", in: statistics(map[string]any{"Statistics": []any{"tm90"}}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "The value tm90 for parameter Statistics is invalid."},
		{name: "a period of 7 s", op: "GetMetricStatistics", in: statistics(map[string]any{"Period": 7}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "Period"},
		{name: "a period of 90 s", op: "GetMetricStatistics", in: statistics(map[string]any{"Period": 90}),
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "Period"},
		{name: "RecentlyActive PT1H", op: "ListMetrics", in: map[string]any{"RecentlyActive": "PT1H"},
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "RecentlyActive"},
		{name: "11 dimension filters", op: "ListMetrics", in: map[string]any{"Dimensions": manyDimensions(11)},
			status: 400, code: "InvalidParameterValue", shape: "InvalidParameterValueException", msg: "Dimensions must not have a size greater than 10"},
		{name: "a garbled ListMetrics NextToken", op: "ListMetrics", in: map[string]any{"NextToken": "garbage"},
			status: 400, code: "InvalidNextToken", shape: "InvalidNextToken", msg: "NextToken"},
		{name: "unknown operation", op: "PutCompositeAlarm", in: map[string]any{},
			status: 0, code: "InvalidAction", shape: "UnknownOperationException", msg: "PutCompositeAlarm"},
	}
	for _, p := range protos {
		for _, tc := range tests {
			t.Run(p.name+"/"+tc.name, func(t *testing.T) {
				rec := serve(localcw.NewStore().Handler(), p.request(tc.op, tc.in))
				if tc.status != 0 && rec.Code != tc.status || rec.Code < 400 {
					t.Errorf("status %d, want %d", rec.Code, tc.status)
				}
				checkFailure(t, p, rec, tc.code, tc.shape, tc.msg)
			})
		}
	}
}

// TestProtocolDetection covers requests that are in no protocol, or wrapped: gzip bodies in every
// protocol, a query request sent as GET, and the answers to a request without an operation.
func TestProtocolDetection(t *testing.T) {
	in := map[string]any{"Namespace": "N", "MetricData": []any{map[string]any{"MetricName": "m", "Value": 2.0}}}
	for _, p := range protos {
		t.Run(p.name+"/gzip", func(t *testing.T) {
			store := localcw.NewStore()
			r := p.request("PutMetricData", in)
			raw, _ := io.ReadAll(r.Body)
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			_, _ = zw.Write(raw)
			_ = zw.Close()
			r.Body = io.NopCloser(&z)
			r.ContentLength = int64(z.Len())
			r.Header.Set("Content-Encoding", "gzip")
			if rec := serve(store.Handler(), r); rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if ms := store.ListMetrics("N", "m", nil); len(ms) != 1 {
				t.Errorf("metrics after a gzipped PutMetricData = %v", ms)
			}
		})
	}
	t.Run("query as GET", func(t *testing.T) {
		store := localcw.NewStore()
		store.Put(localcw.Datum{Namespace: "N", Name: "m", Value: 1})
		rec := serve(store.Handler(), httptest.NewRequest(http.MethodGet, "/?Action=ListMetrics&Version=2010-08-01&Namespace=N", nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<MetricName>m</MetricName>") {
			t.Errorf("GET ListMetrics: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("no action", func(t *testing.T) {
		rec := serve(localcw.NewStore().Handler(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Version=2010-08-01")))
		code, _, msg := queryFailure(t, rec)
		if rec.Code != 400 || code != "MissingAction" || !strings.Contains(msg, "rpc-v2-cbor") {
			t.Errorf("no Action: %d %s %s", rec.Code, code, msg)
		}
	})
	t.Run("json target of another service", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := serve(localcw.NewStore().Handler(), r)
		code, shape, _ := jsonFailure(t, rec)
		if rec.Code != 400 || code != "InvalidAction" || shape != "com.amazonaws.cloudwatch#UnknownOperationException" {
			t.Errorf("foreign target: %d %s %s", rec.Code, code, shape)
		}
	})
	t.Run("broken json", func(t *testing.T) {
		r := jsonRequest("ListMetrics", nil)
		r.Body = io.NopCloser(strings.NewReader(`{"Namespace":`))
		rec := serve(localcw.NewStore().Handler(), r)
		if _, shape, _ := jsonFailure(t, rec); rec.Code != 400 || shape != "com.amazonaws.cloudwatch#SerializationException" {
			t.Errorf("broken JSON: %d %s", rec.Code, shape)
		}
	})
	t.Run("cbor path with GET", func(t *testing.T) {
		rec := serve(localcw.NewStore().Handler(), httptest.NewRequest(http.MethodGet, "/service/GraniteServiceVersion20100801/operation/ListMetrics", nil))
		if code, _, _ := cborFailure(t, rec); rec.Code != 404 || code != "InvalidAction" {
			t.Errorf("GET on the CBOR path: %d %s", rec.Code, code)
		}
	})
}

// TestQueryMapsAndEmptyLists checks the query protocol's Name.entry.N.key/value answers (the
// ExtendedStatistics map) and that an empty list answers as an empty element.
func TestQueryMapsAndEmptyLists(t *testing.T) {
	store := localcw.NewStore()
	t0 := time.Unix(1_800_000_000, 0).UTC()
	for i := 1; i <= 4; i++ {
		store.Put(localcw.Datum{Namespace: "N", Name: "m", Value: float64(i), Time: t0.Add(time.Duration(i) * time.Second)})
	}
	form := url.Values{"Action": {"GetMetricStatistics"}, "Version": {"2010-08-01"}, "Namespace": {"N"}, "MetricName": {"m"},
		"StartTime": {t0.Format(time.RFC3339)}, "EndTime": {t0.Add(time.Minute).Format(time.RFC3339)}, "Period": {"60"},
		"ExtendedStatistics.member.1": {"p25"}, "ExtendedStatistics.member.2": {"p100"}}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	rec := serve(store.Handler(), r)
	want := `<ExtendedStatistics><entry><key>p100</key><value>4</value></entry><entry><key>p25</key><value>1</value></entry></ExtendedStatistics>`
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) || !strings.Contains(rec.Body.String(), "<Timestamp>2027-01-15T08:00:00.000Z</Timestamp>") {
		t.Errorf("GetMetricStatistics XML:\n%s\nwant %s and the ISO 8601 timestamp", rec.Body, want)
	}
	rec = serve(store.Handler(), queryRequest("ListDashboards", map[string]any{}))
	if !strings.Contains(rec.Body.String(), "<ListDashboardsResult><DashboardEntries></DashboardEntries></ListDashboardsResult>") {
		t.Errorf("ListDashboards XML: %s", rec.Body)
	}
}
