package esm

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A mapping switched off stops polling (its messages wait in the queue) and, switched on again,
// takes them up; the Lambda API's list, get and update describe it as Lambda's do.
func TestUpdateEnabledStopsAndStartsPolling(t *testing.T) {
	t.Parallel()
	// A visibility timeout of 60 s: the function's timeout, a sixth of it, is 10 s, well above the
	// slow batch's 3 s however slowly a starved machine runs it.
	work, _, records, p := setupMapping(t, "switch", 60, Mapping{BatchSize: 10, ReportBatchItemFailures: true})
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
		m["BatchSize"] != 10.0 || m["FunctionResponseTypes"].([]any)[0] != "ReportBatchItemFailures" || m["ScalingConfig"] != nil || m["StateTransitionReason"] != "USER_INITIATED" {
		t.Errorf("the mapping = %v", m)
	}
	for _, fn := range []string{"000000000000:function:switch", "switch:$LATEST", "arn:aws:lambda:us-east-1:000000000000:function:switch"} {
		if _, l := call("GET", "/2015-03-31/event-source-mappings/?FunctionName="+url.QueryEscape(fn), ""); len(l["EventSourceMappings"].([]any)) != 1 {
			t.Errorf("the mappings of %s: %v, want the one", fn, l)
		}
	}
	if _, other := call("GET", "/2015-03-31/event-source-mappings/?EventSourceArn=arn:aws:sqs:us-east-1:000000000000:other", ""); len(other["EventSourceMappings"].([]any)) != 0 {
		t.Errorf("the mappings of another queue: %v", other)
	}

	// Switched off with a batch in flight: answered at once, Disabling, as Lambda answers it (a
	// function that switches off its own trigger waited on itself), then Disabled once the batch is done.
	send(t, work, "slow")
	waitFor(t, 10*time.Second, "the slow batch to start", func() bool { got, _ := seen(t, records); return len(got) == 1 })
	start := time.Now()
	code, m = call("PUT", "/2015-03-31/event-source-mappings/"+p.uuid, `{"Enabled": false}`)
	if took := time.Since(start); code != 202 || m["State"] != "Disabling" || m["StateTransitionReason"] != "USER_INITIATED" || took > 2*time.Second {
		t.Fatalf("UpdateEventSourceMapping Enabled false: %d %v after %s; want 202 Disabling at once", code, m, took)
	}
	waitFor(t, 10*time.Second, "Disabled", func() bool {
		_, m := call("GET", "/2015-03-31/event-source-mappings/"+p.uuid, "")
		return m["State"] == "Disabled"
	})
	if now, _ := p.pollers(); now != 0 {
		t.Errorf("%d pollers after it was switched off, want 0", now)
	}
	waitFor(t, 10*time.Second, "the slow batch deleted", func() bool { return depth(t, work) == 0 })

	// A long poll cut short by the switch-off may still take a message that arrives within its wait
	// (the emulator, as SQS, answers a connection gone): the message is sent after that wait.
	time.Sleep(2500 * time.Millisecond)
	send(t, work, "held")
	time.Sleep(3 * time.Second) // longer than the test's long polls
	if got, _ := seen(t, records); len(got) != 1 || depth(t, work) != 1 {
		t.Fatalf("switched off: records %v, queue depth %d; want the slow one only, the message waiting", got, depth(t, work))
	}
	// Switched on again: Enabling, as Lambda answers it, then Enabled once its pollers poll.
	if code, m := call("PUT", "/2015-03-31/event-source-mappings/"+p.uuid, `{"Enabled": true}`); code != 202 || m["State"] != "Enabling" {
		t.Fatalf("UpdateEventSourceMapping Enabled true: %d %v, want Enabling", code, m)
	}
	waitFor(t, 10*time.Second, "Enabled", func() bool {
		_, m := call("GET", "/2015-03-31/event-source-mappings/"+p.uuid, "")
		return m["State"] == "Enabled"
	})
	waitFor(t, 20*time.Second, "the waiting message", func() bool { got, _ := seen(t, records); return len(got) == 2 })

	for _, c := range []struct{ method, path, body, want string }{
		{"GET", "/2015-03-31/event-source-mappings/no-such-uuid", "", "ResourceNotFoundException"},
		{"PUT", "/2015-03-31/event-source-mappings/" + p.uuid, `{"BatchSize": 5}`, "updates a mapping's Enabled only"},
		{"PUT", "/2015-03-31/event-source-mappings/" + p.uuid, `{"Enabled": "no"}`, "Enabled: want true or false"},
		{"DELETE", "/2015-03-31/event-source-mappings/" + p.uuid, "", "UnknownOperationException"},
		{"GET", "/2015-03-31/event-source-mappings/?MaxItems=0", "", "maxItems"},
	} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		if rec.Code < 400 || !strings.Contains(rec.Body.String()+rec.Header().Get("X-Amzn-ErrorType"), c.want) {
			t.Errorf("%s %s %s: %d %s, want %s", c.method, c.path, c.body, rec.Code, rec.Body, c.want)
		}
	}
	// The not-found message names the answer's own request id, as Lambda's does.
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", "/2015-03-31/event-source-mappings/no-such-uuid", nil))
	if id := rec.Header().Get("X-Amzn-Requestid"); id == "" || !strings.Contains(rec.Body.String(), "Request ID: "+id+")") {
		t.Errorf("not found: %s, header id %q; want the message to name the answer's request id", rec.Body, id)
	}
}

// A mapping made with Enabled false (a template's) exists, listed as Disabled, polls nothing, and
// takes its queue's messages once switched on.
func TestMappingMadeDisabled(t *testing.T) {
	t.Parallel()
	work, _, records, p := setupMapping(t, "made-off", 30, Mapping{Disabled: true})
	if now, _ := p.pollers(); now != 0 {
		t.Fatalf("%d pollers, want none", now)
	}
	if i, err := p.svc.Get(p.uuid); err != nil || i.State != "Disabled" {
		t.Fatalf("Get: %+v, %v; want Disabled", i, err)
	}
	send(t, work, "waits")
	time.Sleep(2 * time.Second)
	if got, _ := seen(t, records); len(got) != 0 {
		t.Fatalf("records %v while disabled", got)
	}
	if i, err := p.svc.SetEnabled(p.uuid, true); err != nil || i.State != "Enabling" {
		t.Fatalf("SetEnabled true: %+v, %v; want Enabling", i, err)
	}
	waitFor(t, 20*time.Second, "the message", func() bool { got, _ := seen(t, records); return len(got) == 1 })
}
