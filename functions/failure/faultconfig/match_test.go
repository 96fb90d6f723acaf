package faultconfig

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// faultWith parses a 1.0 exception flag with the given match list.
func faultWith(t *testing.T, match string) Fault {
	t.Helper()
	return parse1(t, `{"exception": {"enabled": true, "match": `+match+`}}`)
}

// sqsEvent builds an SQS event whose records carry the given bodies (receive counts 1, 2, ...).
func sqsEvent(t *testing.T, bodies ...string) []byte {
	t.Helper()
	type rec struct {
		MessageID   string            `json:"messageId"`
		Body        string            `json:"body"`
		Attributes  map[string]string `json:"attributes"`
		EventSource string            `json:"eventSource"`
		ARN         string            `json:"eventSourceARN"`
	}
	ev := struct {
		Records []rec `json:"Records"`
	}{}
	for n, b := range bodies {
		ev.Records = append(ev.Records, rec{MessageID: fmt.Sprintf("m%d", n), Body: b, EventSource: "aws:sqs",
			ARN: "arn:aws:sqs:us-east-1:1:ChaosLab-Json", Attributes: map[string]string{"ApproximateReceiveCount": fmt.Sprint(n + 1)}})
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// s3Body is an S3 event notification for key, as S3 sends it to the pipeline's queue.
func s3Body(key string) string {
	return `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",` +
		`"s3":{"bucket":{"name":"chaos-bucket"},"object":{"key":"` + key + `","size":160}}}]}`
}

const apiEvent = `{"rawPath": "/api/orders", "headers": {"x-debug": "", "x-count": "3"},
	"requestContext": {"stage": "prod", "http": {"method": "GET", "path": "/api/orders"}},
	"isBase64Encoded": false, "status": 200, "ratio": 1.0, "big": 1e21, "small": 0.0000001, "nothing": null,
	"list": ["a", "b"]}`

func TestMatch(t *testing.T) {
	selected := s3Body("input/run1-data_object_msg-15.json")
	other := s3Body("input/run1-data_object_msg-7.json")
	byKey := `[{"path": "body.Records.0.s3.object.key", "operator": "regex", "value": "msg-[0-9]*[05]\\.json$"}]`
	tests := []struct {
		name  string
		match string
		event []byte
		want  bool
	}{
		// 1.0's README examples on an API Gateway event.
		{"eq (default operator)", `[{"path": "requestContext.http.method", "value": "GET"}]`, []byte(apiEvent), true},
		{"eq, two conditions, both hold", `[{"path": "requestContext.http.method", "value": "GET"}, {"path": "requestContext.stage", "value": "prod"}]`, []byte(apiEvent), true},
		{"eq, two conditions, one fails", `[{"path": "requestContext.http.method", "value": "GET"}, {"path": "requestContext.stage", "value": "dev"}]`, []byte(apiEvent), false},
		{"startsWith", `[{"path": "requestContext.http.path", "operator": "startsWith", "value": "/api"}]`, []byte(apiEvent), true},
		{"startsWith fails", `[{"path": "requestContext.http.path", "operator": "startsWith", "value": "/admin"}]`, []byte(apiEvent), false},
		{"exists: an empty string exists", `[{"path": "headers.x-debug", "operator": "exists"}]`, []byte(apiEvent), true},
		{"exists: false exists", `[{"path": "isBase64Encoded", "operator": "exists"}]`, []byte(apiEvent), true},
		{"exists: null does not", `[{"path": "nothing", "operator": "exists"}]`, []byte(apiEvent), false},
		{"exists: missing does not", `[{"path": "headers.x-missing", "operator": "exists"}]`, []byte(apiEvent), false},
		{"exists: an object exists", `[{"path": "requestContext.http", "operator": "exists"}]`, []byte(apiEvent), true},
		{"regex (unanchored unless anchored)", `[{"path": "requestContext.http.method", "operator": "regex", "value": "^(GET|HEAD)$"}]`, []byte(apiEvent), true},
		{"regex fails", `[{"path": "requestContext.http.method", "operator": "regex", "value": "^POST$"}]`, []byte(apiEvent), false},
		{"a header name is case-sensitive", `[{"path": "headers.X-Debug", "operator": "exists"}]`, []byte(apiEvent), false},
		// Values compare as JavaScript's String(value).
		{"a number compares as its text", `[{"path": "status", "value": "200"}]`, []byte(apiEvent), true},
		{"1.0 in JSON is 1", `[{"path": "ratio", "value": "1"}]`, []byte(apiEvent), true},
		{"a large number as JavaScript writes it", `[{"path": "big", "value": "1e+21"}]`, []byte(apiEvent), true},
		{"a small number as JavaScript writes it", `[{"path": "small", "value": "1e-7"}]`, []byte(apiEvent), true},
		{"false compares as \"false\"", `[{"path": "isBase64Encoded", "value": "false"}]`, []byte(apiEvent), true},
		{"null never equals", `[{"path": "nothing", "value": "null"}]`, []byte(apiEvent), false},
		{"an object never equals", `[{"path": "requestContext", "operator": "regex", "value": "."}]`, []byte(apiEvent), false},
		{"a list never equals", `[{"path": "list", "value": "a,b"}]`, []byte(apiEvent), false},
		{"a list index", `[{"path": "list.1", "value": "b"}]`, []byte(apiEvent), true},
		{"a non-canonical index", `[{"path": "list.01", "value": "b"}]`, []byte(apiEvent), false},
		{"an index out of range", `[{"path": "list.2", "operator": "exists"}]`, []byte(apiEvent), false},
		{"a path through a string", `[{"path": "rawPath.0", "operator": "exists"}]`, []byte(apiEvent), false},
		{"no conditions", `[]`, []byte(apiEvent), true},
		// A non-SQS event with Records is read as is.
		{"an S3 event is read as is", `[{"path": "Records.0.s3.object.key", "operator": "startsWith", "value": "input/"}]`, []byte(selected), true},
		// SQS: each record, body decoded.
		{"SQS: the S3 key in the body", byKey, sqsEvent(t, selected), true},
		{"SQS: another key", byKey, sqsEvent(t, other), false},
		{"SQS: one record of the batch is enough", byKey, sqsEvent(t, other, other, selected), true},
		{"SQS: conditions hold on the same record", `[{"path": "body.Records.0.s3.object.key", "operator": "regex", "value": "[05]\\.json$"},
			{"path": "attributes.ApproximateReceiveCount", "value": "1"}]`, sqsEvent(t, other, selected), false},
		{"SQS: record attributes", `[{"path": "attributes.ApproximateReceiveCount", "value": "2"}]`, sqsEvent(t, other, other), true},
		{"SQS: record fields", `[{"path": "eventSourceARN", "operator": "regex", "value": ":ChaosLab-Json$"}]`, sqsEvent(t, other), true},
		{"SQS: a body that is not JSON stays a string", `[{"path": "body", "value": "hello"}]`, sqsEvent(t, "hello"), true},
		{"SQS: a malformed JSON body stays a string", `[{"path": "body", "operator": "startsWith", "value": "{\"Records\""}]`, sqsEvent(t, `{"Records": [`), true},
		{"SQS: the envelope is not read", `[{"path": "Records.0.eventSource", "value": "aws:sqs"}]`, sqsEvent(t, selected), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := faultWith(t, tt.match)
			ev, err := ReadEvent(tt.event)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Matches(ev); got != tt.want {
				t.Errorf("Matches = %v, want %v (event %s)", got, tt.want, tt.event)
			}
		})
	}
}

func TestReadEvent(t *testing.T) {
	if ev, err := ReadEvent(sqsEvent(t, "x")); err != nil || !ev.SQS() {
		t.Errorf("SQS event: sqs %v, err %v", ev.SQS(), err)
	}
	mixed := []byte(`{"Records": [{"eventSource": "aws:sqs"}, {"eventSource": "aws:s3"}]}`)
	if ev, err := ReadEvent(mixed); err != nil || ev.SQS() {
		t.Errorf("records of several sources: sqs %v, err %v; want read as is", ev.SQS(), err)
	}
	for _, bad := range []string{``, `{`, `{} {}`, `nope`} {
		if _, err := ReadEvent([]byte(bad)); err == nil {
			t.Errorf("ReadEvent(%q) accepted", bad)
		}
	}
	f := faultWith(t, `[{"path": "a", "operator": "exists"}]`)
	if f.Matches(Event{}) {
		t.Error("the zero Event matched a condition")
	}
	if f := parse1(t, `{"exception": {"enabled": true}}`); !f.Matches(Event{}) {
		t.Error("a fault without conditions must match any event")
	}
	c := faultWith(t, `[{"path": "Records.0.body", "operator": "exists"}, {"path": "body.Records", "operator": "exists"}]`).Match
	if !c[0].ReadsEnvelope() || c[1].ReadsEnvelope() {
		t.Errorf("ReadsEnvelope = %v, %v; want true, false", c[0].ReadsEnvelope(), c[1].ReadsEnvelope())
	}
	if got := c[0].String(); got != "Records.0.body exists" {
		t.Errorf("String = %q", got)
	}
}

func TestJSNumber(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 100: "100", 0.5: "0.5", -3: "-3", 1e21: "1e+21", 1.5e-7: "1.5e-7", 0.000001: "0.000001", 123456789012: "123456789012"} {
		if got := jsNumber(in); got != want {
			t.Errorf("jsNumber(%v) = %q, want %q", in, got, want)
		}
	}
}

// A condition on the SQS envelope gets a note (it never holds on an SQS-fed function); one on a
// record's body does not.
func TestSQSNotes(t *testing.T) {
	c, err := Parse([]byte(`{"latency": {"enabled": true, "min_latency": 100, "match": [{"path": "Records.0.eventSource", "value": "aws:sqs"}]},
		"exception": {"enabled": true, "match": [{"path": "body.Records.0.s3.object.key", "operator": "exists"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	notes := c.SQSNotes()
	if len(notes) != 1 || !strings.Contains(notes[0], `the latency fault's condition Records.0.eventSource eq "aws:sqs" reads the SQS event's envelope`) {
		t.Errorf("notes %q, want one, of the latency fault's envelope condition", notes)
	}
	// failure-lambda's README's own examples read an API Gateway event: said, not silently kept.
	c, err = Parse([]byte(`{"latency": {"enabled": true, "min_latency": 100, "match": [{"path": "requestContext.http.method", "value": "GET"},
		{"path": "messageAttributes.team.stringValue", "value": "etl"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if notes := c.SQSNotes(); len(notes) != 1 || !strings.Contains(notes[0], `the latency fault's condition requestContext.http.method eq "GET" reads requestContext, which no SQS record has`) {
		t.Errorf("notes %q, want one, of the API Gateway path (an SQS record's messageAttributes are read)", notes)
	}
	// A statuscode fault (FIS's invocation-http-integration-response imports as one) fails an
	// SQS-fed invocation: said, with the code it would have answered.
	c, err = Parse([]byte(`{"statuscode": {"enabled": true, "status_code": 503}}`))
	if err != nil {
		t.Fatal(err)
	}
	if notes := c.SQSNotes(); len(notes) != 1 || !strings.HasPrefix(notes[0], "the statuscode fault answers 503 only where the handler's answer has a status code") {
		t.Errorf("notes %q, want one, of the statuscode fault", notes)
	}
}
