package sqs

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A GetQueueUrl for another account's queue is a queue that does not exist (the local cloud is one
// account); the account's own, or no owner given, goes on to the emulator, as does any other call.
func TestOwner(t *testing.T) {
	h := Owner("000000000000")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	for _, c := range []struct {
		target, body string
		status       int
	}{
		{"AmazonSQS.GetQueueUrl", `{"QueueName": "q", "QueueOwnerAWSAccountId": "111111111111"}`, http.StatusBadRequest},
		{"AmazonSQS.GetQueueUrl", `{"QueueName": "q", "QueueOwnerAWSAccountId": "000000000000"}`, http.StatusTeapot},
		{"AmazonSQS.GetQueueUrl", `{"QueueName": "q"}`, http.StatusTeapot},
		{"AmazonSQS.SendMessage", `{"QueueOwnerAWSAccountId": "111111111111"}`, http.StatusTeapot},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
		r.Header.Set("X-Amz-Target", c.target)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status {
			t.Errorf("%s %s: %d, want %d", c.target, c.body, w.Code, c.status)
		}
		if w.Code == http.StatusBadRequest && (!strings.Contains(w.Body.String(), `"com.amazonaws.sqs#QueueDoesNotExist"`) ||
			w.Header().Get("X-Amzn-Query-Error") != "AWS.SimpleQueueService.NonExistentQueue;Sender") {
			t.Errorf("%s %s: %s %v, want SQS's QueueDoesNotExist", c.target, c.body, w.Body, w.Header())
		}
	}
}
