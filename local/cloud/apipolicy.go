package cloud

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/iam"
	"github.com/chaoslab/serverless-chaos-lab/local/s3events"
)

// Resource policies set through the services' APIs, kept in step with the IAM engine by three
// gateway interceptors (after the clients' dialects are adapted): an SQS queue's Policy
// (CreateQueue, SetQueueAttributes; DeleteQueue forgets it), an SNS topic's Policy (CreateTopic,
// SetTopicAttributes; DeleteTopic) and an S3 bucket's policy (PutBucketPolicy, DeleteBucketPolicy;
// DeleteBucket; the emulator has none of these, so they are answered here). A resource has one policy: one set through the API replaces what the templates'
// policy resources give it, and an empty one leaves it with none. A deploy of the resource's stack
// forgets it (CloudFormation sets the template's policy again; see setStackIAM). A policy the engine
// cannot read is refused with the service's error before the emulator sees the request, as the
// service refuses it; the engine changes only once the emulator has taken the request.

// policyChange is one request's change to a resource's policy.
type policyChange struct {
	arn    string
	policy string // "" with set: the resource has no policy
	forget bool   // the resource is deleted: drop what the API set
	// refused is the service's error for a policy the engine cannot read.
	refused func(reason string) (status int, code, message string)
}

// applyPolicy forwards r to next and, when the emulator takes it, puts ch into the engine.
func (c *Cloud) applyPolicy(w http.ResponseWriter, r *http.Request, next http.Handler, ch policyChange) {
	c.iam.mu.Lock()
	defer c.iam.mu.Unlock()
	policies := maps.Clone(c.iam.policies)
	if policies == nil {
		policies = map[string]string{}
	}
	if ch.forget {
		delete(policies, ch.arn)
	} else {
		policies[ch.arn] = ch.policy
	}
	eng, err := c.loadIAMLocked(c.iam.stacks, policies)
	if err != nil {
		status, code, msg := ch.refused(err.Error())
		gateway.WriteError(w, r, status, code, msg)
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	next.ServeHTTP(rec, r)
	if rec.status/100 != 2 {
		return
	}
	c.iam.policies = policies
	c.iam.engine.Store(eng)
}

// readBody reads r's body and puts it back for the handlers after.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

// queuePolicies is the interceptor for sqs (JSON protocol; the query protocol was turned into it).
func (c *Cloud) queuePolicies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		if op != "CreateQueue" && op != "SetQueueAttributes" && op != "DeleteQueue" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := readBody(r)
		var in struct {
			QueueName, QueueUrl string
			Attributes          map[string]string
		}
		if err != nil || json.Unmarshal(body, &in) != nil {
			next.ServeHTTP(w, r) // the emulator answers what it cannot read
			return
		}
		policy, set := in.Attributes["Policy"]
		if op != "DeleteQueue" && !set {
			next.ServeHTTP(w, r)
			return
		}
		name := in.QueueUrl
		if op == "CreateQueue" {
			name = in.QueueName
		}
		c.applyPolicy(w, r, next, policyChange{arn: iam.QueueARN(name, Region, AccountID), policy: policy, forget: op == "DeleteQueue",
			refused: func(reason string) (int, string, string) {
				return http.StatusBadRequest, "InvalidAttributeValue", "Invalid value for the parameter Policy. Reason: " + reason
			}})
	})
}

// topicPolicies is the interceptor for sns (the query protocol).
func (c *Cloud) topicPolicies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.Contains(r.Header.Get("Content-Type"), "x-www-form-urlencoded") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := readBody(r)
		form, perr := url.ParseQuery(string(body))
		if err != nil || perr != nil {
			next.ServeHTTP(w, r)
			return
		}
		ch := policyChange{arn: form.Get("TopicArn"), refused: func(reason string) (int, string, string) {
			return http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Policy Error: " + reason
		}}
		set := false
		switch form.Get("Action") {
		case "CreateTopic":
			ch.arn = "arn:aws:sns:" + Region + ":" + AccountID + ":" + form.Get("Name")
			for i := 1; form.Get("Attributes.entry."+strconv.Itoa(i)+".key") != ""; i++ {
				if p := "Attributes.entry." + strconv.Itoa(i) + "."; form.Get(p+"key") == "Policy" {
					ch.policy, set = form.Get(p+"value"), true
				}
			}
		case "SetTopicAttributes":
			ch.policy, set = form.Get("AttributeValue"), form.Get("AttributeName") == "Policy"
		case "DeleteTopic":
			ch.forget, set = true, true
		}
		if !set || ch.arn == "" {
			next.ServeHTTP(w, r)
			return
		}
		c.applyPolicy(w, r, next, ch)
	})
}

// bucketPolicies is the interceptor for s3 (path-style requests). The emulator has no bucket
// policy API (it takes DELETE /<bucket>?policy for DeleteBucket), so PutBucketPolicy,
// GetBucketPolicy and DeleteBucketPolicy are answered here; DeleteBucket passes through and, when it
// succeeds, forgets the bucket's policy.
func (c *Cloud) bucketPolicies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		_, policyOp := r.URL.Query()["policy"]
		if bucket == "" || rest != "" || !policyOp && (r.Method != http.MethodDelete || len(r.URL.Query()) > 0) {
			next.ServeHTTP(w, r)
			return
		}
		ch := policyChange{arn: "arn:aws:s3:::" + bucket, refused: func(reason string) (int, string, string) {
			return http.StatusBadRequest, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{': " + reason
		}}
		if !policyOp { // DeleteBucket
			ch.forget = true
			c.applyPolicy(w, r, next, ch)
			return
		}
		if !s3events.BucketExists(r, next, bucket) {
			gateway.WriteError(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
			return
		}
		noContent := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
		switch r.Method {
		case http.MethodGet:
			doc, ok := c.bucketPolicy(bucket)
			if !ok {
				gateway.WriteError(w, r, http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, doc)
		case http.MethodPut:
			body, err := readBody(r)
			if err != nil {
				gateway.WriteError(w, r, http.StatusBadRequest, "IncompleteBody", err.Error())
				return
			}
			ch.policy = string(body)
			if strings.TrimSpace(ch.policy) == "" {
				ch.policy = " " // not a removal: the engine refuses it as malformed
			}
			c.applyPolicy(w, r, noContent, ch)
		case http.MethodDelete:
			c.applyPolicy(w, r, noContent, ch)
		default:
			gateway.WriteError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		}
	})
}

// bucketPolicy is the bucket's policy document: the one set through the API, else the one its
// stack's AWS::S3::BucketPolicy gives it.
func (c *Cloud) bucketPolicy(bucket string) (string, bool) {
	c.iam.mu.Lock()
	defer c.iam.mu.Unlock()
	if doc, set := c.iam.policies["arn:aws:s3:::"+bucket]; set {
		return doc, doc != ""
	}
	for _, rs := range c.iam.stacks {
		for _, r := range rs {
			if b, _ := r.Properties["Bucket"].(string); r.Type == "AWS::S3::BucketPolicy" && b == bucket {
				doc, err := json.Marshal(r.Properties["PolicyDocument"])
				return string(doc), err == nil
			}
		}
	}
	return "", false
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
