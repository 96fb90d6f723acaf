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
		em := emulator{next: next, base: r}
		rec := em.call("GetQueueAttributes", map[string]any{"QueueUrl": *in.QueueUrl, "AttributeNames": []string{"QueueArn"}})
		var attrs struct{ Attributes map[string]string }
		if rec.Status() != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &attrs) != nil {
			rec.SendTo(w) // NonExistentQueue, as SQS answers a dead-letter queue that does not exist
			return
		}
		target := attrs.Attributes["QueueArn"]
		listing := pagetoken.Scope("ListDeadLetterSourceQueues", target)
		after := ""
		if in.NextToken != nil && *in.NextToken != "" {
			var ok bool
			if after, ok = pagetoken.Last(*in.NextToken, listing); !ok {
				writeError(w, "InvalidParameterValue", "Invalid NextToken: it was not given for a ListDeadLetterSourceQueues of this queue.")
				return
			}
		}
		sources, failed := em.sourceURLs(target)
		if failed != nil {
			failed.SendTo(w)
			return
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
		writeJSON(w, answer)
	})
}
