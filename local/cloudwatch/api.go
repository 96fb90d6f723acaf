package cloudwatch

import (
	"compress/gzip"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

// apiErr is a CloudWatch error: code is the modeled error shape (the SDK for Go decodes it into
// types.<code>, __type in CBOR and JSON); query is the awsQuery error code (<Code> in the query
// protocol, the X-Amzn-Query-Error header in the others, which botocore and the SDK report as the
// error code).
type apiErr struct {
	code, query, msg string
	status           int
	// members are the error shape's members besides its message (DashboardInvalidInputError's
	// dashboardValidationMessages), written after it in every protocol.
	members obj
}

func (e *apiErr) Error() string { return e.code + ": " + e.msg }

func invalid(format string, a ...any) *apiErr {
	return &apiErr{code: "InvalidParameterValueException", query: "InvalidParameterValue", msg: fmt.Sprintf(format, a...)}
}

func missing(field string) *apiErr {
	return &apiErr{code: "MissingRequiredParameterException", query: "MissingParameter", msg: fmt.Sprintf("The parameter %s is required.", field)}
}

// Handler answers the CloudWatch API for the "monitoring" signing name in the three protocols
// CloudWatch clients speak, chosen per request:
//
//   - Smithy RPCv2-CBOR (the pinned SDK for Go v2, service/cloudwatch v1.75): POST
//     /service/GraniteServiceVersion20100801/operation/<Op> with Smithy-Protocol: rpc-v2-cbor;
//   - AWS JSON 1.0 (botocore 1.43, boto3 1.43, AWS CLI v1.45): X-Amz-Target:
//     GraniteServiceVersion20100801.<Op>, Content-Type: application/x-amz-json-1.0;
//   - the query protocol (older botocore: Debian's AWS CLI 2.9, python3-boto3 1.26): a
//     form-encoded Action=<Op>&Version=2010-08-01&…, answered in XML.
//
// Answers and errors come in the request's protocol. Operations: PutMetricData (gzip bodies too),
// GetMetricData, GetMetricStatistics, ListMetrics, PutDashboard, GetDashboard, ListDashboards,
// DeleteDashboards, PutMetricAlarm, DescribeAlarms, DeleteAlarms, SetAlarmState,
// DescribeAlarmHistory, DescribeAlarmsForMetric, EnableAlarmActions, DisableAlarmActions (alarms.go).
func (s *Store) Handler() http.Handler { return &api{s: s} }

type api struct{ s *Store }

const opPrefix = "/service/GraniteServiceVersion20100801/operation/"

// maxBody bounds a request body (PutMetricData's limit is 1 MB; gzip may expand it).
const maxBody = 4 << 20

// operation is one API operation: a new input struct, and the logic from input to output.
type operation struct {
	input func() any
	call  func(a *api, in any) (any, error)
}

func op[I, O any](f func(*api, *I) (*O, error)) operation {
	return operation{
		input: func() any { return new(I) },
		call: func(a *api, in any) (any, error) {
			out, err := f(a, in.(*I))
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

var operations = map[string]operation{
	"PutMetricData":       op((*api).putMetricData),
	"GetMetricData":       op((*api).getMetricData),
	"GetMetricStatistics": op((*api).getMetricStatistics),
	"ListMetrics":         op((*api).listMetrics),
	"PutDashboard":        op((*api).putDashboard),
	"GetDashboard":        op((*api).getDashboard),
	"ListDashboards":      op((*api).listDashboards),
	"DeleteDashboards":    op((*api).deleteDashboards),
	"PutMetricAlarm":      op((*api).putMetricAlarm),
	"DescribeAlarms":      op((*api).describeAlarms),
	"DeleteAlarms":        op((*api).deleteAlarms),
	"SetAlarmState":       op((*api).setAlarmState),
	// alarm_ops.go
	"DescribeAlarmHistory":    op((*api).describeAlarmHistory),
	"DescribeAlarmsForMetric": op((*api).describeAlarmsForMetric),
	"EnableAlarmActions":      op((*api).enableAlarmActions),
	"DisableAlarmActions":     op((*api).disableAlarmActions),
}

// wire is a request's protocol.
type wire int

const (
	wireCBOR wire = iota
	wireJSON
	wireQuery
)

func (p wire) String() string {
	return [...]string{"rpc-v2-cbor", "json 1.0", "query"}[p]
}

// detect picks the protocol of r: RPCv2-CBOR by its header or path, JSON 1.0 by X-Amz-Target or
// its content type, and the query protocol otherwise.
func detect(r *http.Request) wire {
	switch {
	case strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor") || strings.HasPrefix(r.URL.Path, "/service/"):
		return wireCBOR
	case r.Header.Get("X-Amz-Target") != "" || strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json"):
		return wireJSON
	}
	return wireQuery
}

// exchange is one request in its protocol.
type exchange struct {
	wire wire
	op   string
	id   string // request id
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{wire: detect(r), id: requestID()}
	w.Header().Set("X-Amzn-RequestId", x.id)
	switch x.wire {
	case wireCBOR:
		op, ok := strings.CutPrefix(r.URL.Path, opPrefix)
		if !ok || r.Method != http.MethodPost {
			x.fail(w, &apiErr{code: "UnknownOperationException", query: "InvalidAction", msg: fmt.Sprintf("cloudwatch: %s %s is not an RPCv2-CBOR CloudWatch operation (POST %s<Op>)", r.Method, r.URL.Path, opPrefix), status: 404})
			return
		}
		x.op = op
	case wireJSON:
		op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), jsonTargetPrefix)
		if !ok || r.Method != http.MethodPost {
			x.fail(w, &apiErr{code: "UnknownOperationException", query: "InvalidAction", msg: fmt.Sprintf("cloudwatch: %s with X-Amz-Target %q is not a JSON 1.0 CloudWatch operation (POST, X-Amz-Target: %s<Op>)", r.Method, r.Header.Get("X-Amz-Target"), jsonTargetPrefix)})
			return
		}
		x.op = op
	}
	raw, err := readBody(r)
	if err != nil {
		x.fail(w, invalid("cloudwatch %s: %v", x.op, err))
		return
	}
	var tree any
	var form url.Values
	switch x.wire {
	case wireCBOR:
		tree, err = cborTree(raw)
	case wireJSON:
		tree, err = jsonTree(raw)
	case wireQuery:
		if form, err = queryForm(raw, r.URL); err == nil {
			x.op = form.Get("Action")
			if x.op == "" {
				x.fail(w, &apiErr{code: "MissingAction", query: "MissingAction", msg: "cloudwatch: the request has no Action; the local CloudWatch speaks rpc-v2-cbor (Smithy-Protocol header), JSON 1.0 (X-Amz-Target: " + jsonTargetPrefix + "<Op>) and the query protocol (Action=<Op>&Version=2010-08-01)"})
				return
			}
		}
	}
	if err != nil {
		x.fail(w, err)
		return
	}
	o, ok := operations[x.op]
	if !ok {
		x.fail(w, &apiErr{code: "UnknownOperationException", query: "InvalidAction", msg: fmt.Sprintf("cloudwatch: operation %s is not emulated by the local cloud", x.op)})
		return
	}
	in := o.input()
	if x.wire == wireQuery {
		tree, _ = queryTree(form, "", reflect.TypeOf(in).Elem())
	}
	if err := decodeInto(tree, in); err != nil {
		x.fail(w, err)
		return
	}
	out, err := o.call(a, in)
	if err != nil {
		x.fail(w, err)
		return
	}
	x.reply(w, out)
}

func readBody(r *http.Request) ([]byte, error) {
	var body io.Reader = io.LimitReader(r.Body, maxBody)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		defer zr.Close()
		body = io.LimitReader(zr, maxBody)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return raw, nil
}

// reply writes an operation's output in the request's protocol.
func (x *exchange) reply(w http.ResponseWriter, out any) {
	_, none := out.(*noOutput)
	tree := encodeTree(out)
	switch x.wire {
	case wireCBOR:
		writeCBOR(w, http.StatusOK, tree)
	case wireJSON:
		writeJSON(w, http.StatusOK, tree)
	case wireQuery:
		if none {
			tree = nil
		}
		writeXMLOutput(w, x.op, tree, x.id)
	}
}

// fail writes err in the request's protocol; an error that is not an *apiErr is an
// InvalidParameterValue.
func (x *exchange) fail(w http.ResponseWriter, err error) {
	e, ok := err.(*apiErr)
	if !ok {
		e = invalid("cloudwatch %s: %v", x.op, err)
	}
	status := e.status
	if status == 0 {
		status = http.StatusBadRequest
	}
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	if x.wire == wireQuery {
		writeXMLError(w, status, e, fault, x.id)
		return
	}
	if e.query != "" {
		w.Header().Set("X-Amzn-Query-Error", e.query+";"+fault)
	}
	body := append(obj{{"__type", "com.amazonaws.cloudwatch#" + e.code}, {"message", e.msg}}, e.members...)
	if x.wire == wireJSON {
		writeJSON(w, status, body)
		return
	}
	writeCBOR(w, status, body)
}

// requestID returns a random UUID-shaped request id.
func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
