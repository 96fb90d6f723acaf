package esm

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A mapping switched off stops polling (its messages wait in the queue) and, switched on again,
// takes them up; the Lambda API's list, get and update describe it as Lambda's do.
func TestUpdateEnabledStopsAndStartsPolling(t *testing.T) {
	t.Parallel()
	work, _, records, p := setupMapping(t, "switch", 30, Mapping{BatchSize: 10, ReportBatchItemFailures: true})
	s := p.svc
	api := s.Interceptor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("passed on: %s %s", r.Method, r.URL.Path)
	}))
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return rec.Code, out
	}

	code, list := call("GET", "/2015-03-31/event-source-mappings/?FunctionName=switch", "")
	ms, _ := list["EventSourceMappings"].([]any)
	if code != 200 || len(ms) != 1 {
		t.Fatalf("ListEventSourceMappings: %d %v", code, list)
	}
	m := ms[0].(map[string]any)
	if m["UUID"] != p.uuid || m["State"] != "Enabled" || m["EventSourceArn"] != work.arn || m["FunctionArn"] != "arn:aws:lambda:us-east-1:000000000000:function:switch" ||
		m["BatchSize"] != 10.0 || m["FunctionResponseTypes"].([]any)[0] != "ReportBatchItemFailures" {
		t.Errorf("the mapping = %v", m)
	}
	if _, other := call("GET", "/2015-03-31/event-source-mappings/?EventSourceArn=arn:aws:sqs:us-east-1:000000000000:other", ""); len(other["EventSourceMappings"].([]any)) != 0 {
		t.Errorf("the mappings of another queue: %v", other)
	}

	if code, m := call("PUT", "/2015-03-31/event-source-mappings/"+p.uuid, `{"Enabled": false}`); code != 202 || m["State"] != "Disabled" || m["StateTransitionReason"] != "USER_INITIATED" {
		t.Fatalf("UpdateEventSourceMapping Enabled false: %d %v", code, m)
	}
	if now, _ := p.pollers(); now != 0 {
		t.Errorf("%d pollers after it was switched off, want 0", now)
	}
	// A long poll cut short by the switch-off may still take a message that arrives within its wait
	// (the emulator, as SQS, answers a connection gone): the message is sent after that wait.
	time.Sleep(2500 * time.Millisecond)
	send(t, work, "held")
	time.Sleep(3 * time.Second) // longer than the test's long polls
	if got, _ := seen(t, records); len(got) != 0 || depth(t, work) != 1 {
		t.Fatalf("switched off: records %v, queue depth %d; want none, the message waiting", got, depth(t, work))
	}
	if code, m := call("PUT", "/2015-03-31/event-source-mappings/"+p.uuid, `{"Enabled": true}`); code != 202 || m["State"] != "Enabled" {
		t.Fatalf("UpdateEventSourceMapping Enabled true: %d %v", code, m)
	}
	waitFor(t, 20*time.Second, "the waiting message", func() bool { got, _ := seen(t, records); return len(got) == 1 })

	for _, c := range []struct{ method, path, body, want string }{
		{"GET", "/2015-03-31/event-source-mappings/no-such-uuid", "", "ResourceNotFoundException"},
		{"PUT", "/2015-03-31/event-source-mappings/" + p.uuid, `{"BatchSize": 5}`, "updates a mapping's Enabled only"},
		{"PUT", "/2015-03-31/event-source-mappings/" + p.uuid, `{"Enabled": "no"}`, "Enabled: want true or false"},
		{"DELETE", "/2015-03-31/event-source-mappings/" + p.uuid, "", "operation not supported by the local Lambda"},
		{"GET", "/2015-03-31/event-source-mappings/?MaxItems=0", "", "maxItems"},
	} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		if rec.Code < 400 || !strings.Contains(rec.Body.String()+rec.Header().Get("X-Amzn-ErrorType"), c.want) {
			t.Errorf("%s %s %s: %d %s, want %s", c.method, c.path, c.body, rec.Code, rec.Body, c.want)
		}
	}
}
