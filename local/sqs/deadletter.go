package sqs

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/pagetoken"
)

// ListDeadLetterSourceQueues is the gateway interceptor for the "sqs" signing name that answers
// ListDeadLetterSourceQueues, which fauxqs does not have (it answered InvalidAction, so `aws sqs
// list-dead-letter-source-queues` on the stack's error queue failed): the queues whose redrive
// policy names the queue as its dead-letter queue, in the order of their URLs. With MaxResults it
// pages as ListQueues does (a token names the last queue answered, good only for the same
// dead-letter queue); without, it answers them all, up to 1,000, and no token, as SQS does ("You
// must set MaxResults to receive a value for NextToken"). It asks the emulator for the queue's
// ARN (a queue that does not exist is the emulator's NonExistentQueue), the list of queues and each
// one's RedrivePolicy, on behalf of a caller IAM allowed sqs:ListDeadLetterSourceQueues on the
// dead-letter queue.
func ListDeadLetterSourceQueues(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.ListDeadLetterSourceQueues" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := gateway.PeekBody(r, maxCheckedBody)
		var in struct {
			QueueUrl   *string
			MaxResults *int64
			NextToken  *string
		}
		if err != nil || exactjson.Unmarshal(body, &in) != nil {
			writeError(w, "InvalidParameterValue", "The request body is not a JSON object of ListDeadLetterSourceQueues' parameters.")
			return
		}
		if in.QueueUrl == nil || *in.QueueUrl == "" {
			writeError(w, "MissingParameter", "The request must contain the parameter QueueUrl.")
			return
		}
		size, bad := pageSize(in.MaxResults)
		if bad != "" {
			writeError(w, "InvalidParameterValue", bad)
			return
		}
		ask := func(action string, in any) (*gateway.ResponseBuffer, bool) {
			b, _ := json.Marshal(in)
			sub := withBody(r, b)
			sub.Header.Set("X-Amz-Target", "AmazonSQS."+action)
			rec := gateway.NewResponseBuffer()
			next.ServeHTTP(rec, sub)
			return rec, rec.Status() == http.StatusOK
		}
		attribute := func(url, name string) (string, *gateway.ResponseBuffer, bool) {
			rec, ok := ask("GetQueueAttributes", map[string]any{"QueueUrl": url, "AttributeNames": []string{name}})
			var out struct{ Attributes map[string]string }
			if !ok || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
				return "", rec, false
			}
			return out.Attributes[name], rec, true
		}
		target, rec, ok := attribute(*in.QueueUrl, "QueueArn")
		if !ok {
			rec.SendTo(w) // NonExistentQueue, as SQS answers a dead-letter queue that does not exist
			return
		}
		listing := pagetoken.Scope("ListDeadLetterSourceQueues", target)
		after := ""
		if in.NextToken != nil && *in.NextToken != "" {
			if after, ok = pagetoken.Last(*in.NextToken, listing); !ok {
				writeError(w, "InvalidParameterValue", "Invalid NextToken: it was not given for a ListDeadLetterSourceQueues of this queue.")
				return
			}
		}
		rec, ok = ask("ListQueues", map[string]any{})
		var all struct{ QueueUrls []string }
		if !ok || json.Unmarshal(rec.Body.Bytes(), &all) != nil {
			rec.SendTo(w)
			return
		}
		var sources []string
		for _, url := range all.QueueUrls {
			policy, _, ok := attribute(url, "RedrivePolicy")
			var redrive struct{ DeadLetterTargetArn string }
			if ok && policy != "" && json.Unmarshal([]byte(policy), &redrive) == nil && redrive.DeadLetterTargetArn == target {
				sources = append(sources, url) // a queue deleted since the list is not a source
			}
		}
		slices.Sort(sources)
		page, last := pageAfter(sources, after, size)
		if page == nil {
			page = []string{} // SQS answers the member, empty
		}
		answer := map[string]any{"queueUrls": page}
		if last != "" && in.MaxResults != nil {
			answer["NextToken"] = pagetoken.After(listing, last)
		}
		b, _ := json.Marshal(answer)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
	})
}
