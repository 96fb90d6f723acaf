package sqs

import (
	"encoding/json"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// SSE is the gateway interceptor for the "sqs" signing name (JSON protocol; the query protocol is
// JSON by then) that keeps what fauxqs drops of a queue's encryption: SqsManagedSseEnabled. SQS
// encrypts every queue made since late 2022 with its own keys (SSE-SQS) unless CreateQueue or
// SetQueueAttributes says "false", and GetQueueAttributes answers the setting when it is asked (All,
// or its name); fauxqs answered nothing, so the pipeline's queues, whose template asks for it, read
// as unencrypted to a compliance check. Keys of KMS (KmsMasterKeyId) are another matter: no KMS here.
type SSE struct {
	mu  sync.Mutex
	off map[string]bool // queue name → SSE-SQS switched off
}

// NewSSE returns the interceptor's state; Interceptor is the gateway's middleware.
func NewSSE() *SSE { return &SSE{off: map[string]bool{}} }

// Interceptor records the setting of CreateQueue, SetQueueAttributes and DeleteQueue that succeed,
// and adds it to the GetQueueAttributes answers that ask for it.
func (s *SSE) Interceptor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		if op != "CreateQueue" && op != "SetQueueAttributes" && op != "GetQueueAttributes" && op != "DeleteQueue" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := gateway.PeekBody(r, maxCheckedBody)
		var in struct {
			QueueName, QueueUrl string
			Attributes          map[string]string
			AttributeNames      []string
		}
		if err != nil || json.Unmarshal(body, &in) != nil {
			next.ServeHTTP(w, r) // the emulator's to refuse
			return
		}
		name := in.QueueName
		if name == "" {
			name = path.Base(in.QueueUrl)
		}
		if op != "GetQueueAttributes" {
			rec := gateway.NewStatusRecorder(w)
			next.ServeHTTP(rec, r)
			if rec.Status()/100 != 2 {
				return
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if v, given := in.Attributes["SqsManagedSseEnabled"]; op == "DeleteQueue" {
				delete(s.off, name)
			} else if given {
				s.off[name] = strings.EqualFold(v, "false")
			}
			return
		}
		if !slices.Contains(in.AttributeNames, "All") && !slices.Contains(in.AttributeNames, "SqsManagedSseEnabled") {
			next.ServeHTTP(w, r)
			return
		}
		rec := gateway.NewResponseBuffer()
		next.ServeHTTP(rec, r)
		var out map[string]json.RawMessage
		if rec.Status() != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			rec.SendTo(w)
			return
		}
		attrs := map[string]string{}
		_ = json.Unmarshal(out["Attributes"], &attrs) // none asked for that it has: no member
		s.mu.Lock()
		attrs["SqsManagedSseEnabled"] = strconv.FormatBool(!s.off[name])
		s.mu.Unlock()
		out["Attributes"], _ = json.Marshal(attrs)
		b, _ := json.Marshal(out)
		rec.Body.Reset()
		rec.Body.Write(b)
		rec.SendTo(w)
	})
}
