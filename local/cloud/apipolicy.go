package cloud

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/iam"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
	"github.com/chaoslab/serverless-chaos-lab/local/s3events"
	"github.com/chaoslab/serverless-chaos-lab/local/sns"
)

// Resource policies set through the services' APIs, kept in step with the IAM engine by three
// gateway interceptors (after the clients' dialects are adapted): an SQS queue's Policy (CreateQueue,
// SetQueueAttributes), an SNS topic's (CreateTopic, SetTopicAttributes) and an S3 bucket's
// (Put/Get/DeleteBucketPolicy, which the emulator lacks and are answered here). A resource has one
// policy: one set through the API replaces what the templates' policy resources give it; an empty
// one (SQS's way to remove it; SNS refuses it) and the resource's deletion (DeleteQueue, DeleteTopic,
// DeleteBucket) leave it with none. A deploy of the stack whose policy resources name it forgets
// what the API set (CloudFormation sets the template's policy again; see setStackIAM). A policy the
// engine cannot read is refused with the service's error before the emulator sees the request, as
// the service refuses it; the engine changes only once the emulator has taken the request.

// policyChange is one request's change to a resource's policy.
type policyChange struct {
	arn string
	// policy is the resource's policy from now on; "" is none (a policy removed, or the resource
	// deleted: one made again with its name has no policy until one is set, or its stack deployed).
	policy string
	// refused is the service's error for a policy the engine cannot read.
	refused func(reason string) (status int, code, message string)
}

// applyPolicy checks ch, forwards r to next and, when next takes it (2xx), puts ch into the engine.
// Changes are serialized by c.iam.apiMu, held across the forward, so that the emulator and the
// engine see them in one order; c.iam.mu is held only to check and to commit (each time over the
// stacks deployed then), so a slow emulator never holds up deploys or the engine's readers.
func (c *Cloud) applyPolicy(w http.ResponseWriter, r *http.Request, next http.Handler, ch policyChange) {
	c.iam.apiMu.Lock()
	defer c.iam.apiMu.Unlock()
	with := func() (*iam.Engine, map[string]string, error) {
		policies := maps.Clone(c.iam.policies)
		if policies == nil {
			policies = map[string]string{}
		}
		policies[ch.arn] = ch.policy
		eng, err := c.loadIAMLocked(c.iam.stacks, policies)
		return eng, policies, err
	}
	c.iam.mu.Lock()
	_, _, err := with()
	c.iam.mu.Unlock()
	if err != nil {
		status, code, msg := ch.refused(err.Error())
		gateway.WriteError(w, r, status, code, msg)
		return
	}
	rec := gateway.NewStatusRecorder(w)
	next.ServeHTTP(rec, r)
	if rec.Status()/100 != 2 {
		return
	}
	c.iam.mu.Lock()
	defer c.iam.mu.Unlock()
	eng, policies, err := with()
	if err != nil { // a stack deployed meanwhile made it unreadable; the check above passed
		c.log.Warn("iam: a policy set through the API no longer loads", "resource", ch.arn, "err", err)
		return
	}
	c.iam.policies = policies
	c.iam.engine.Store(eng)
}

// readBody reads up to 2 MiB of r's body, the most a policy request carries, and puts it back
// whole for the handlers after.
func readBody(r *http.Request) ([]byte, error) { return gateway.PeekBody(r, 2<<20) }

// queuePolicies is the interceptor for sqs (JSON protocol; the query protocol was turned into it).
func (c *Cloud) queuePolicies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		if op == "GetQueueAttributes" {
			c.queuePolicyAttribute(w, r, next)
			return
		}
		if op != "CreateQueue" && op != "SetQueueAttributes" && op != "DeleteQueue" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := readBody(r)
		var in struct {
			QueueName, QueueUrl string
			Attributes          map[string]string
		}
		// Members by their exact names, as the gateway's IAM check and fauxqs read them (and SQS):
		// {"QueueName": "mine", "queueName": "theirs"} is a request about mine, and its policy mine's.
		if err != nil || exactjson.Unmarshal(body, &in) != nil {
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
		c.applyPolicy(w, r, next, policyChange{arn: iam.QueueARN(name, Region, AccountID), policy: policy,
			refused: func(reason string) (int, string, string) {
				return http.StatusBadRequest, "InvalidAttributeValue", "Invalid value for the parameter Policy. Reason: " + reason
			}})
	})
}

// topicPolicyAttribute answers GetTopicAttributes with the topic's policy when the emulator's answer
// has none, as queuePolicyAttribute does for a queue: a stack's AWS::SNS::TopicPolicy is the IAM
// engine's alone.
func (c *Cloud) topicPolicyAttribute(w http.ResponseWriter, r *http.Request, next http.Handler, arn string) {
	rec := gateway.NewResponseBuffer()
	next.ServeHTTP(rec, r)
	answer := rec.Body.String()
	end := strings.LastIndex(answer, "</Attributes>")
	if rec.Status() != http.StatusOK || end < 0 || strings.Contains(answer, "<key>Policy</key>") {
		rec.SendTo(w)
		return
	}
	doc, ok := c.resourcePolicy(arn)
	if !ok {
		rec.SendTo(w)
		return
	}
	var entry strings.Builder
	entry.WriteString("<entry><key>Policy</key><value>")
	_ = xml.EscapeText(&entry, []byte(doc))
	entry.WriteString("</value></entry>")
	rec.Body.Reset()
	rec.Body.WriteString(answer[:end] + entry.String() + answer[end:])
	rec.SendTo(w)
}

// queuePolicyAttribute answers a GetQueueAttributes that asks for Policy (or All) with the queue's
// policy when the emulator has none: a stack's AWS::SQS::QueuePolicy is the IAM engine's, never set
// on the emulator's queue, so `aws sqs get-queue-attributes --attribute-names Policy` on the stack's
// queues answered nothing while the policy was enforced. SQS answers it.
func (c *Cloud) queuePolicyAttribute(w http.ResponseWriter, r *http.Request, next http.Handler) {
	body, err := readBody(r)
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	if err != nil || exactjson.Unmarshal(body, &in) != nil || !slices.Contains(in.AttributeNames, "Policy") && !slices.Contains(in.AttributeNames, "All") {
		next.ServeHTTP(w, r)
		return
	}
	rec := gateway.NewResponseBuffer()
	next.ServeHTTP(rec, r)
	var out map[string]json.RawMessage
	var attrs map[string]string
	if rec.Status() != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil ||
		out["Attributes"] != nil && json.Unmarshal(out["Attributes"], &attrs) != nil || attrs["Policy"] != "" {
		rec.SendTo(w)
		return
	}
	arn := attrs["QueueArn"]
	if arn == "" {
		arn = iam.QueueARN(in.QueueUrl, Region, AccountID)
	}
	doc, ok := c.resourcePolicy(arn)
	if !ok {
		rec.SendTo(w)
		return
	}
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs["Policy"] = doc
	out["Attributes"], _ = json.Marshal(attrs)
	b, _ := json.Marshal(out)
	rec.Body.Reset()
	rec.Body.Write(b)
	rec.SendTo(w)
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
		case "GetTopicAttributes":
			c.topicPolicyAttribute(w, r, next, form.Get("TopicArn"))
			return
		case "CreateTopic":
			ch.arn = "arn:aws:sns:" + Region + ":" + AccountID + ":" + form.Get("Name")
			ch.policy, set = sns.AttributeEntries(form)["Policy"]
		case "SetTopicAttributes":
			ch.policy, set = form.Get("AttributeValue"), form.Get("AttributeName") == "Policy"
		case "DeleteTopic":
			set = true // the topic has no policy any more
		}
		if !set || ch.arn == "" {
			next.ServeHTTP(w, r)
			return
		}
		if form.Get("Action") != "DeleteTopic" && strings.TrimSpace(ch.policy) == "" {
			gateway.WriteError(w, r, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Policy is empty")
			return
		}
		c.applyPolicy(w, r, next, ch)
	})
}

// bucketPolicies is the interceptor for s3 (path-style requests). The emulator has no bucket
// policy API, so PutBucketPolicy, GetBucketPolicy and DeleteBucketPolicy are answered here;
// DeleteBucket passes through and, when it succeeds, leaves the bucket's name with no policy. A
// DELETE of another bucket subresource (?tagging, ?cors, ...) never comes here: s3Served refuses it.
func (c *Cloud) bucketPolicies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		sub := slices.Collect(maps.Keys(s3Subresources(r.URL.Query())))
		policyOp := slices.Equal(sub, []string{"policy"})
		if rest != "" || bucket == "" || !policyOp && (r.Method != http.MethodDelete || len(sub) > 0) {
			next.ServeHTTP(w, r)
			return
		}
		ch := policyChange{arn: "arn:aws:s3:::" + bucket, refused: func(reason string) (int, string, string) {
			return http.StatusBadRequest, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{': " + reason
		}}
		if !policyOp { // DeleteBucket
			c.applyPolicy(w, r, next, ch)
			return
		}
		// Answered here, after the bucket is found (inside applyPolicy's serialized section, so a
		// DeleteBucket cannot come between the two).
		answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !s3events.BucketExists(r, next, bucket) {
				gateway.WriteError(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
		switch r.Method {
		case http.MethodGet:
			if !s3events.BucketExists(r, next, bucket) {
				gateway.WriteError(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
				return
			}
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
			if msg := iam.BucketPolicyProblem(bucket, string(body)); msg != "" && s3events.BucketExists(r, next, bucket) { // a missing bucket's NoSuchBucket first
				gateway.WriteError(w, r, http.StatusBadRequest, "MalformedPolicy", msg)
				return
			}
			c.applyPolicy(w, r, answer, ch)
		case http.MethodDelete:
			c.applyPolicy(w, r, answer, ch)
		default:
			gateway.WriteError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		}
	})
}

// bucketPolicy is the bucket's policy document (resourcePolicy).
func (c *Cloud) bucketPolicy(bucket string) (string, bool) {
	return c.resourcePolicy("arn:aws:s3:::" + bucket)
}

// resourcePolicy is the policy document of a bucket, queue or topic: the one set through its
// service's API, else the one its stack's policy resource gives it (which the emulator never saw).
func (c *Cloud) resourcePolicy(arn string) (string, bool) {
	c.iam.mu.Lock()
	defer c.iam.mu.Unlock()
	if doc, set := c.iam.policies[arn]; set {
		return doc, doc != ""
	}
	for _, name := range slices.Sorted(maps.Keys(c.iam.stacks)) {
		if doc, ok := iam.TemplatePolicy(c.iam.stacks[name], arn, Region, AccountID); ok {
			return doc, true
		}
	}
	return "", false
}
