package cloud

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/iam"
)

// queuePolicies is the gateway interceptor (signing name sqs, after the query protocol is turned
// into JSON) that keeps the IAM engine's queue policies in step with the SQS API: a Policy given to
// CreateQueue or SetQueueAttributes becomes the queue's resource policy, replacing the template's
// (a queue has one policy), and an empty one leaves the queue with none; DeleteQueue forgets it, and
// so does a deploy of the queue's stack (CloudFormation sets the template's policy again). A policy
// the engine cannot read is refused with InvalidAttributeValue before the emulator sees the request,
// as SQS refuses it; the engine changes only once the emulator has taken the request.
func (c *Cloud) queuePolicies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		if op != "CreateQueue" && op != "SetQueueAttributes" && op != "DeleteQueue" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		if err != nil {
			gateway.WriteError(w, r, http.StatusBadRequest, "InvalidParameterValue", "read body: "+err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var in struct {
			QueueName, QueueUrl string
			Attributes          map[string]string
		}
		if json.Unmarshal(body, &in) != nil {
			next.ServeHTTP(w, r) // the emulator answers what is not JSON
			return
		}
		policy, set := in.Attributes["Policy"]
		if op != "DeleteQueue" && !set {
			next.ServeHTTP(w, r)
			return
		}
		arn := iam.QueueARN(in.QueueUrl, Region, AccountID)
		if op == "CreateQueue" {
			arn = iam.QueueARN(in.QueueName, Region, AccountID)
		}

		c.iam.mu.Lock()
		defer c.iam.mu.Unlock()
		queues := maps.Clone(c.iam.queues)
		if queues == nil {
			queues = map[string]string{}
		}
		if op == "DeleteQueue" {
			delete(queues, arn)
		} else {
			queues[arn] = policy
		}
		eng, err := c.loadIAMLocked(c.iam.stacks, queues)
		if err != nil {
			gateway.WriteError(w, r, http.StatusBadRequest, "InvalidAttributeValue", "Invalid value for the parameter Policy. Reason: "+err.Error())
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.status/100 != 2 {
			return
		}
		c.iam.queues = queues
		c.iam.engine.Store(eng)
	})
}

// statusRecorder passes a response through and keeps its status.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
