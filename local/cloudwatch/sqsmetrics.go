package cloudwatch

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
)

// SQSQueueAPI is what the sampler asks the emulator (an *sqs.Client).
type SQSQueueAPI interface {
	ListQueues(ctx context.Context, in *sqs.ListQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// SQSMetrics records the AWS/SQS metrics (dimension QueueName): NumberOfMessagesSent,
// NumberOfMessagesReceived, NumberOfMessagesDeleted from the requests that pass the gateway
// (awsJson1.0, X-Amz-Target AmazonSQS.<Op>), and ApproximateNumberOfMessagesVisible,
// ApproximateNumberOfMessagesNotVisible and ApproximateAgeOfOldestMessage by sampling the emulator.
// Every SQS call that should count must go through the gateway (the event source mapping's
// receives and deletes, the S3 and SNS deliveries).
type SQSMetrics struct {
	store *Store
	opts  SQSMetricsOptions
	http  *http.Client
}

// SQSMetricsOptions wire the sampler.
type SQSMetricsOptions struct {
	// Queues is the emulator's SQS API for ListQueues/GetQueueAttributes (sampling only).
	Queues SQSQueueAPI
	// Fauxqs is the emulator's base URL, for its /_fauxqs/queues/<name> inspection endpoint, the
	// only source of the oldest message's age. Nil: age is not sampled.
	Fauxqs *url.URL
	// Every is the sampling interval. Default: 5s (AWS publishes these every minute; the local lab
	// compresses time).
	Every time.Duration
	// Logger for sampling errors. Default: slog.Default().
	Logger *slog.Logger
}

// NewSQSMetrics returns the SQS metrics witness writing to s.
func NewSQSMetrics(s *Store, opts SQSMetricsOptions) *SQSMetrics {
	if opts.Every <= 0 {
		opts.Every = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &SQSMetrics{store: s, opts: opts, http: &http.Client{Timeout: 5 * time.Second}}
}

// QueueNameFromURL returns the queue name of an SQS queue URL (its last path segment).
func QueueNameFromURL(queueURL string) string {
	if u, err := url.Parse(queueURL); err == nil && u.Path != "" {
		return path.Base(u.Path)
	}
	return path.Base(queueURL)
}

func (m *SQSMetrics) count(metric, queue string, n int) {
	if n <= 0 || queue == "" {
		return
	}
	m.store.Add("AWS/SQS", metric, map[string]string{"QueueName": queue}, float64(n))
}

// CountSent records n messages sent to queueName (for deliveries that do not pass the gateway).
func (m *SQSMetrics) CountSent(queueName string, n int) {
	m.count("NumberOfMessagesSent", queueName, n)
}

// recorder passes a response through while keeping its status and body for counting.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Middleware is the gateway interceptor for the "sqs" signing name.
func (m *SQSMetrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		switch {
		case !ok:
			next.ServeHTTP(w, r)
			return
		case op != "SendMessage" && op != "SendMessageBatch" && op != "ReceiveMessage" && op != "DeleteMessage" && op != "DeleteMessageBatch":
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var in struct{ QueueUrl string }
		_ = exactjson.Unmarshal(body, &in) // the queue fauxqs reads: the member named exactly

		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status != http.StatusOK {
			return
		}
		queue := QueueNameFromURL(in.QueueUrl)
		var out struct {
			Successful []json.RawMessage
			Messages   []json.RawMessage
		}
		switch op {
		case "SendMessage":
			m.count("NumberOfMessagesSent", queue, 1)
		case "DeleteMessage":
			m.count("NumberOfMessagesDeleted", queue, 1)
		case "SendMessageBatch":
			_ = json.Unmarshal(rec.body.Bytes(), &out)
			m.count("NumberOfMessagesSent", queue, len(out.Successful))
		case "DeleteMessageBatch":
			_ = json.Unmarshal(rec.body.Bytes(), &out)
			m.count("NumberOfMessagesDeleted", queue, len(out.Successful))
		case "ReceiveMessage":
			_ = json.Unmarshal(rec.body.Bytes(), &out)
			m.count("NumberOfMessagesReceived", queue, len(out.Messages))
		}
	})
}

// Run samples queue depth and age every Options.Every until ctx ends. Each sample is bounded by
// the interval.
func (m *SQSMetrics) Run(ctx context.Context) {
	t := time.NewTicker(m.opts.Every)
	defer t.Stop()
	for {
		m.Sample(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sample records one sample of every queue's depth (and age of its oldest message).
func (m *SQSMetrics) Sample(ctx context.Context) {
	if m.opts.Queues == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.Every)
	defer cancel()
	list, err := m.opts.Queues.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1000)})
	if err != nil {
		if ctx.Err() == nil {
			m.opts.Logger.Warn("sqs metrics: list queues", "err", err)
		}
		return
	}
	now := m.store.now()
	for _, qurl := range list.QueueUrls {
		name := QueueNameFromURL(qurl)
		attrs, err := m.opts.Queues.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(qurl),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			continue
		}
		dims := map[string]string{"QueueName": name}
		if v, err := strconv.ParseFloat(attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)], 64); err == nil {
			m.store.Put(Datum{Namespace: "AWS/SQS", Name: "ApproximateNumberOfMessagesVisible", Dimensions: dims, Value: v, Unit: "Count", Time: now})
		}
		if v, err := strconv.ParseFloat(attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)], 64); err == nil {
			m.store.Put(Datum{Namespace: "AWS/SQS", Name: "ApproximateNumberOfMessagesNotVisible", Dimensions: dims, Value: v, Unit: "Count", Time: now})
		}
		if age, ok := m.oldestAge(ctx, name, now); ok {
			m.store.Put(Datum{Namespace: "AWS/SQS", Name: "ApproximateAgeOfOldestMessage", Dimensions: dims, Value: age, Unit: "Seconds", Time: now})
		}
	}
}

// oldestAge asks fauxqs's inspection endpoint for the queue's messages (ready and in flight, as
// AWS counts them) and returns the oldest one's age in seconds; 0 for an empty queue.
func (m *SQSMetrics) oldestAge(ctx context.Context, queue string, now time.Time) (float64, bool) {
	if m.opts.Fauxqs == nil {
		return 0, false
	}
	u := m.opts.Fauxqs.JoinPath("_fauxqs", "queues", queue)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, false
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, false
	}
	type msg struct {
		SentTimestamp int64 `json:"sentTimestamp"`
	}
	var body struct {
		Messages struct {
			Ready    []msg `json:"ready"`
			Delayed  []msg `json:"delayed"`
			Inflight []struct {
				Message msg `json:"message"`
			} `json:"inflight"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&body); err != nil {
		return 0, false
	}
	oldest := int64(0)
	consider := func(ts int64) {
		if ts > 0 && (oldest == 0 || ts < oldest) {
			oldest = ts
		}
	}
	for _, x := range body.Messages.Ready {
		consider(x.SentTimestamp)
	}
	for _, x := range body.Messages.Inflight {
		consider(x.Message.SentTimestamp)
	}
	if oldest == 0 {
		return 0, true
	}
	return max(0, now.Sub(time.UnixMilli(oldest)).Seconds()), true
}
