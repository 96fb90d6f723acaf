package sqs

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A queue is encrypted with SQS's own keys unless made or set otherwise, and GetQueueAttributes says
// so when asked (All, or the name), beside what the emulator answers; a deleted queue's setting goes
// with it.
func TestSSE(t *testing.T) {
	emulator := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSQS.GetQueueAttributes":
			w.Write([]byte(`{"Attributes": {"VisibilityTimeout": "30"}}`))
		case "AmazonSQS.CreateQueue":
			if strings.Contains(r.URL.RawQuery, "refuse") {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.Write([]byte(`{"QueueUrl": "http://x/000000000000/q"}`))
		default:
			w.Write([]byte(`{}`))
		}
	})
	h := NewSSE().Interceptor(emulator)
	call := func(op, body, query string) map[string]string {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/?"+query, strings.NewReader(body))
		r.Header.Set("X-Amz-Target", "AmazonSQS."+op)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var out struct{ Attributes map[string]string }
		_ = json.Unmarshal(w.Body.Bytes(), &out)
		return out.Attributes
	}
	get := func(names string) map[string]string {
		return call("GetQueueAttributes", `{"QueueUrl": "http://x/000000000000/q", "AttributeNames": [`+names+`]}`, "")
	}
	if a := get(`"All"`); a["SqsManagedSseEnabled"] != "true" || a["VisibilityTimeout"] != "30" {
		t.Errorf("a queue made without the setting: %v, want SqsManagedSseEnabled true beside the emulator's", a)
	}
	if a := get(`"VisibilityTimeout"`); a["SqsManagedSseEnabled"] != "" {
		t.Errorf("not asked for: %v", a)
	}
	call("CreateQueue", `{"QueueName": "q", "Attributes": {"SqsManagedSseEnabled": "false"}}`, "refuse")
	if a := get(`"SqsManagedSseEnabled"`); a["SqsManagedSseEnabled"] != "true" {
		t.Errorf("after a refused CreateQueue: %v, want it unchanged", a)
	}
	call("CreateQueue", `{"QueueName": "q", "Attributes": {"SqsManagedSseEnabled": "false"}}`, "")
	if a := get(`"SqsManagedSseEnabled"`); a["SqsManagedSseEnabled"] != "false" {
		t.Errorf("made with it off: %v", a)
	}
	call("SetQueueAttributes", `{"QueueUrl": "http://x/000000000000/q", "Attributes": {"SqsManagedSseEnabled": "true"}}`, "")
	if a := get(`"All"`); a["SqsManagedSseEnabled"] != "true" {
		t.Errorf("set on again: %v", a)
	}
	call("SetQueueAttributes", `{"QueueUrl": "http://x/000000000000/q", "Attributes": {"SqsManagedSseEnabled": "false"}}`, "")
	call("DeleteQueue", `{"QueueUrl": "http://x/000000000000/q"}`, "")
	if a := get(`"All"`); a["SqsManagedSseEnabled"] != "true" {
		t.Errorf("a queue of the name made again after its delete: %v, want the default", a)
	}
}
