package sqs

import (
	"encoding/json"
	"net/http"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// Owner is the gateway interceptor for the "sqs" signing name (JSON protocol; the query protocol is
// JSON by then) that answers a GetQueueUrl for another account's queue (QueueOwnerAWSAccountId not
// account) as SQS answers a queue that does not exist: the local cloud is one account, and fauxqs
// answered this account's queue of that name, as if the owner had not been given.
func Owner(account string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Target") != "AmazonSQS.GetQueueUrl" {
				next.ServeHTTP(w, r)
				return
			}
			body, err := gateway.PeekBody(r, maxCheckedBody)
			var in struct{ QueueOwnerAWSAccountId string }
			if err != nil || json.Unmarshal(body, &in) != nil || in.QueueOwnerAWSAccountId == "" || in.QueueOwnerAWSAccountId == account {
				next.ServeHTTP(w, r)
				return
			}
			writeCodedError(w, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
		})
	}
}
