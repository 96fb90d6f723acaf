package sqs

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// writeJSON answers v as SQS's JSON protocol does.
func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// emulator makes SQS requests of the emulator behind the interceptors, each a copy of base with
// another target and body.
type emulator struct {
	next http.Handler
	base *http.Request
}

// detached is em with requests that live as long as ctx, not as the request that started them.
func (em emulator) detached(ctx context.Context) emulator {
	return emulator{next: em.next, base: em.base.Clone(ctx)}
}

// call makes one request of the emulator and gives its whole answer (an error to pass on as the
// emulator gave it).
func (em emulator) call(action string, in any) *gateway.ResponseBuffer {
	b, _ := json.Marshal(in)
	sub := withBody(em.base, b)
	sub.Header.Set("X-Amz-Target", "AmazonSQS."+action)
	rec := gateway.NewResponseBuffer()
	em.next.ServeHTTP(rec, sub)
	return rec
}

// ask makes one request of the emulator and decodes its answer into out (unless nil): false when
// the emulator refused it.
func (em emulator) ask(action string, in any, out any) bool {
	rec := em.call(action, in)
	return rec.Status() == http.StatusOK && (out == nil || json.Unmarshal(rec.Body.Bytes(), out) == nil)
}

// queueURL is the URL of the queue arn names (arn:aws:sqs:<region>:<account>:<name>).
func (em emulator) queueURL(arn string) (string, bool) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" || p[5] == "" {
		return "", false
	}
	var out struct{ QueueUrl string }
	ok := em.ask("GetQueueUrl", map[string]any{"QueueName": p[5], "QueueOwnerAWSAccountId": p[4]}, &out)
	return out.QueueUrl, ok && out.QueueUrl != ""
}

func (em emulator) attribute(url, name string) string {
	var out struct{ Attributes map[string]string }
	em.ask("GetQueueAttributes", map[string]any{"QueueUrl": url, "AttributeNames": []string{name}}, &out)
	return out.Attributes[name]
}

// sourceURLs is the URLs of the queues whose redrive policy names dlq (an ARN) as their dead-letter
// queue, in the emulator's order; failed is the emulator's answer when it could not list the queues.
// A queue deleted since the list is not a source.
func (em emulator) sourceURLs(dlq string) (urls []string, failed *gateway.ResponseBuffer) {
	rec := em.call("ListQueues", map[string]any{})
	var all struct{ QueueUrls []string }
	if rec.Status() != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &all) != nil {
		return nil, rec
	}
	for _, url := range all.QueueUrls {
		var redrive struct{ DeadLetterTargetArn string }
		if p := em.attribute(url, "RedrivePolicy"); p != "" && json.Unmarshal([]byte(p), &redrive) == nil && redrive.DeadLetterTargetArn == dlq {
			urls = append(urls, url)
		}
	}
	return urls, nil
}
