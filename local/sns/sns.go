// Package sns delivers SNS messages in the local cloud, so every delivery has a witness: it
// intercepts Publish/PublishBatch at the gateway, lists the topic's subscriptions on the emulator,
// sends each SQS subscriber the SNS envelope (or the raw message) itself, answers the Publish, and
// records the AWS/SNS metrics. Everything else passes through to the emulator.
//
// Each delivery names the topic as its source (gateway.WithSource: aws:SourceArn, aws:SourceAccount),
// so that the local cloud decides it against the queue's policy as AWS does, for the principal
// Options.Queues signs as (sns.amazonaws.com). A Publish made in process on a resource's behalf
// (PublishInput.From, S3 event notifications) is decided by Options.Authorize.
//
// A subscription's FilterPolicy (either FilterPolicyScope) is decided here too (filter.go): a message
// it filters out is not sent and counts as NumberOfNotificationsFilteredOut and its -MessageAttributes
// or -MessageBody (or, when it cannot be judged, -NoMessageAttributes, -InvalidAttributes or
// -InvalidMessageBody); a bad policy is refused when it is set, with InvalidParameter.
//
// FIFO topics (fifo.go) are delivered here too: MessageGroupId required, MessageDeduplicationId or
// the topic's ContentBasedDeduplication, a duplicate within five minutes accepted and not delivered,
// a sequence number per message, and each topic's messages delivered one at a time in the order of
// their sequence numbers, with the group and deduplication ids on deliveries to FIFO queues.
//
// Not covered: only the sqs protocol is delivered (a Subscribe of another is refused: checkProtocol).
package sns

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/chaoslab/serverless-chaos-lab/local/cloudwatch"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/sqsurl"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/uuid"
)

// TopicAPI is what the service asks the emulator about topics (an *sns.Client pointed at the
// emulator directly, not at the gateway).
type TopicAPI interface {
	GetTopicAttributes(ctx context.Context, in *sns.GetTopicAttributesInput, optFns ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error)
	ListSubscriptionsByTopic(ctx context.Context, in *sns.ListSubscriptionsByTopicInput, optFns ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error)
	GetSubscriptionAttributes(ctx context.Context, in *sns.GetSubscriptionAttributesInput, optFns ...func(*sns.Options)) (*sns.GetSubscriptionAttributesOutput, error)
}

// QueueAPI delivers to SQS subscribers (an *sqs.Client pointed at the gateway, so the SQS metrics
// interceptor counts each delivery as the queue's NumberOfMessagesSent).
type QueueAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Options wire a Service.
type Options struct {
	Topics  TopicAPI
	Queues  QueueAPI
	Metrics *cloudwatch.Store // AWS/SNS metrics; nil records none
	Region  string            // Default: us-east-1.
	// CacheTTL bounds how long a topic's subscription list is reused; Subscribe, Unsubscribe,
	// SetSubscriptionAttributes, SetTopicAttributes and DeleteTopic through the gateway invalidate
	// it at once. Default: 5s.
	CacheTTL time.Duration
	// DedupWindow is how long a FIFO topic remembers a deduplication id. Default: DedupWindow
	// (5 minutes, as SNS).
	DedupWindow time.Duration
	// DeliveryRetry bounds the retries of a publish's deliveries to queues that fail on the service's
	// side, all of them together. Default: DefaultDeliveryRetry.
	DeliveryRetry time.Duration
	// Context is the service's life: when it ends (the cloud stops), deliveries stop retrying.
	// Default: context.Background().
	Context context.Context
	Logger  *slog.Logger // Default: slog.Default().
	// Authorize, when set, decides a Publish made in process on a resource's behalf
	// (PublishInput.From: S3 event notifications), as the topic's policy would in AWS: nil allows
	// it, an error refuses it (AuthorizationError). A Publish through the gateway was authorized
	// there.
	Authorize func(ctx context.Context, from Publisher, topicArn string) error
}

// Publisher is a service that publishes on a resource's behalf: S3 for a bucket's event
// notifications (Principal s3.amazonaws.com, SourceArn the bucket's ARN, SourceAccount its
// owner), as the topic policy's aws:SourceArn and aws:SourceAccount see it.
type Publisher struct {
	Principal, SourceArn, SourceAccount string
}

// MessageAttribute is an SNS message attribute.
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// PublishInput is one message to a topic.
type PublishInput struct {
	TopicArn          string
	Subject           string
	Message           string
	MessageAttributes map[string]MessageAttribute
	// MessageGroupId and MessageDeduplicationId: for FIFO topics (a standard topic refuses a
	// deduplication id; its group id is accepted and not passed on).
	MessageGroupId, MessageDeduplicationId string
	// MessageStructure "json": Message is a JSON object of a message per protocol, "default" for
	// those it does not name (checkPublish).
	MessageStructure string
	// From is the service that publishes in process (nil for a Publish through the gateway).
	From *Publisher

	// structured: Message was a MessageStructure json object, now the SQS subscribers' message;
	// its attributes are then not delivered ("sent only when the message structure is String").
	structured bool
}

// Published is what a Publish answers: the message id and, on a FIFO topic, its sequence number.
type Published struct {
	MessageID, SequenceNumber string
}

// Error is an SNS API error (Code is the query-protocol error code, e.g. NotFound).
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// invalid is SNS's InvalidParameter error with its reason.
func invalid(reason string) *Error {
	return &Error{Code: "InvalidParameter", Message: "Invalid parameter: " + reason, Status: 400}
}

type subscription struct {
	arn, queueArn string
	raw           bool
	filter        *filterPolicy // nil: every message
	badFilter     error         // a stored policy that does not compile: every delivery fails
}

type topicSubs struct {
	subs         []subscription
	fifo         bool // FifoTopic
	contentDedup bool // ContentBasedDeduplication (FIFO topics)
	groupDedup   bool // FifoThroughputScope MessageGroup: a deduplication id is the group's own
	at           time.Time
}

// Service delivers SNS messages.
type Service struct {
	opts Options

	mu        sync.Mutex
	cache     map[string]topicSubs
	queueURLs *sqsurl.Cache
	fifo      map[string]*fifoTopic // by topic ARN; created on a FIFO topic's first publish
}

// DefaultDeliveryRetry is how long a delivery that fails on the queue service's side is retried:
// 30 s, a stall of the emulators under a chaos trial; AWS retries deliveries to SQS for 23 days
// (100,015 attempts), which a local cloud that lives minutes cannot outlast anyway. A Publish
// answers once its deliveries are made or given up, so this also bounds how long it can wait.
const DefaultDeliveryRetry = 30 * time.Second

// New returns a Service.
func New(opts Options) *Service {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = 5 * time.Second
	}
	if opts.DedupWindow <= 0 {
		opts.DedupWindow = DedupWindow
	}
	if opts.DeliveryRetry <= 0 {
		opts.DeliveryRetry = DefaultDeliveryRetry
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	return &Service{opts: opts, cache: map[string]topicSubs{}, queueURLs: sqsurl.New(opts.Queues), fifo: map[string]*fifoTopic{}}
}

func topicName(arn string) string { return arn[strings.LastIndexByte(arn, ':')+1:] }

// arnAccount is the account field of an ARN ("" if none).
func arnAccount(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		return parts[4]
	}
	return ""
}

func (s *Service) metric(name, topicArn string, v float64) {
	if s.opts.Metrics != nil && v > 0 {
		s.opts.Metrics.Add("AWS/SNS", name, map[string]string{"TopicName": topicName(topicArn)}, v)
	}
}

// Invalidate forgets the cached subscriptions of topicArn ("" = every topic).
func (s *Service) Invalidate(topicArn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if topicArn == "" {
		s.cache = map[string]topicSubs{}
		return
	}
	delete(s.cache, topicArn)
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		status := http.StatusBadRequest
		if api.ErrorCode() == "NotFound" {
			status = http.StatusNotFound
		}
		return &Error{Code: api.ErrorCode(), Message: api.ErrorMessage(), Status: status}
	}
	return &Error{Code: "InternalError", Message: err.Error(), Status: http.StatusInternalServerError}
}

func (s *Service) subscriptions(ctx context.Context, topicArn string) (topicSubs, error) {
	s.mu.Lock()
	c, ok := s.cache[topicArn]
	s.mu.Unlock()
	if ok && time.Since(c.at) < s.opts.CacheTTL {
		return c, nil
	}
	c = topicSubs{at: time.Now()}
	// The emulator lists no subscriptions for a topic that does not exist; SNS answers NotFound.
	ta, err := s.opts.Topics.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topicArn)})
	if err != nil {
		return c, err
	}
	// Only a FIFO topic's name ends in .fifo (CreateTopic refuses the one without the other).
	c.fifo = ta.Attributes["FifoTopic"] == "true" || strings.HasSuffix(topicArn, ".fifo")
	c.contentDedup = c.fifo && ta.Attributes["ContentBasedDeduplication"] == "true"
	c.groupDedup = c.fifo && ta.Attributes["FifoThroughputScope"] == "MessageGroup"

	var token *string
	for {
		out, err := s.opts.Topics.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicArn), NextToken: token})
		if err != nil {
			return c, err
		}
		for _, sub := range out.Subscriptions {
			if aws.ToString(sub.Protocol) != "sqs" {
				s.opts.Logger.Warn("sns: only sqs subscriptions are delivered locally", "topic", topicArn, "protocol", aws.ToString(sub.Protocol))
				continue
			}
			attrs, err := s.opts.Topics.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: sub.SubscriptionArn})
			if err != nil {
				return c, fmt.Errorf("subscription %s attributes: %w", aws.ToString(sub.SubscriptionArn), err)
			}
			if attrs.Attributes["PendingConfirmation"] == "true" {
				continue
			}
			sb := subscription{arn: aws.ToString(sub.SubscriptionArn), queueArn: aws.ToString(sub.Endpoint), raw: attrs.Attributes["RawMessageDelivery"] == "true"}
			if p := attrs.Attributes["FilterPolicy"]; !noPolicy(p) {
				// Policies set through the gateway were checked there; one set on the emulator
				// directly may not compile.
				sb.filter, sb.badFilter = parseFilterPolicy(p, attrs.Attributes["FilterPolicyScope"])
			}
			c.subs = append(c.subs, sb)
		}
		if token = out.NextToken; token == nil || *token == "" {
			break
		}
	}
	s.mu.Lock()
	s.cache[topicArn] = c
	s.mu.Unlock()
	return c, nil
}

// Publish delivers in to every SQS subscriber of its topic and returns the message id. A delivery
// that fails (refused, or still failing after DeliveryRetry) counts as NumberOfNotificationsFailed and does not fail the publish,
// as in SNS.
func (s *Service) Publish(ctx context.Context, in PublishInput) (string, error) {
	out, err := s.publish(ctx, in)
	return out.MessageID, err
}

// CheckPublish reports whether a Publish to in.TopicArn by in.From would be accepted: the topic
// exists and the publisher may publish to it. Nothing is published: S3 checks its notification
// destinations before it sends any test event (s3events).
func (s *Service) CheckPublish(ctx context.Context, in PublishInput) error {
	if in.TopicArn == "" {
		return invalid("TopicArn")
	}
	_, err := s.accepted(ctx, in)
	return err
}

// accepted decides whether the topic takes a Publish from in.From (Options.Authorize) and returns
// the topic's subscriptions (NotFound for a topic that does not exist): what Publish and
// CheckPublish both ask.
func (s *Service) accepted(ctx context.Context, in PublishInput) (topicSubs, error) {
	if in.From != nil && s.opts.Authorize != nil {
		if err := s.opts.Authorize(ctx, *in.From, in.TopicArn); err != nil {
			return topicSubs{}, &Error{Code: "AuthorizationError", Message: err.Error(), Status: 403}
		}
	}
	subs, err := s.subscriptions(ctx, in.TopicArn)
	if err != nil {
		return subs, asError(err)
	}
	return subs, nil
}

func (s *Service) publish(ctx context.Context, in PublishInput) (Published, error) {
	if in.TopicArn == "" {
		return Published{}, invalid("TopicArn")
	}
	if in.Message == "" {
		return Published{}, invalid("Empty message")
	}
	if err := checkPublish(&in); err != nil {
		return Published{}, err
	}
	subs, err := s.accepted(ctx, in)
	if err != nil {
		return Published{}, err
	}
	if err := checkIDs(in, subs); err != nil {
		return Published{}, err
	}
	// Once a publish is accepted its deliveries are made even if the publisher stops waiting (a
	// client's timeout would otherwise cancel them, and its retry of a FIFO message be taken for a
	// duplicate); each delivery is bounded by its own attempts.
	ctx = context.WithoutCancel(ctx)
	if !subs.fifo {
		in.MessageGroupId = "" // checked, as SNS does; not passed to standard queues here (fair queues)
		out := Published{MessageID: uuid.New()}
		s.fanOut(ctx, out, in, subs.subs)
		return out, nil
	}
	return s.publishFIFO(ctx, in, subs)
}

// fanOut sends one published message to each subscription its filter policy lets through.
func (s *Service) fanOut(ctx context.Context, p Published, in PublishInput, subs []subscription) {
	s.metric("NumberOfMessagesPublished", in.TopicArn, 1)
	now := time.Now().UTC()
	// One bound for the whole publish, not one per subscription: a Publish waits DeliveryRetry at
	// most, however many of its queues fail.
	deadline := now.Add(s.opts.DeliveryRetry)
	for _, sub := range subs {
		if sub.badFilter != nil {
			s.opts.Logger.Warn("sns: delivery failed: the subscription's filter policy does not compile", "subscription", sub.arn, "err", sub.badFilter)
			s.metric("NumberOfNotificationsFailed", in.TopicArn, 1)
			continue
		}
		if sub.filter != nil {
			if out := sub.filter.decide(in); out != filterMatched {
				s.metric(string(out), in.TopicArn, 1)
				if out == filterOut {
					s.metric(string(out)+"-"+sub.filter.scope, in.TopicArn, 1)
				}
				continue
			}
		}
		if err := s.deliver(ctx, p, now, deadline, in, sub); err != nil {
			s.opts.Logger.Warn("sns: delivery failed", "topic", in.TopicArn, "subscription", sub.arn, "err", err)
			s.metric("NumberOfNotificationsFailed", in.TopicArn, 1)
			continue
		}
		s.metric("NumberOfNotificationsDelivered", in.TopicArn, 1)
	}
}

type envelopeAttr struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// envelope is the JSON SNS sends to an SQS subscriber without RawMessageDelivery.
type envelope struct {
	Type              string                  `json:"Type"`
	MessageID         string                  `json:"MessageId"`
	TopicArn          string                  `json:"TopicArn"`
	Subject           string                  `json:"Subject,omitempty"`
	Message           string                  `json:"Message"`
	Timestamp         string                  `json:"Timestamp"`
	SignatureVersion  string                  `json:"SignatureVersion,omitempty"` // not on FIFO topics'
	Signature         string                  `json:"Signature,omitempty"`
	SigningCertURL    string                  `json:"SigningCertURL,omitempty"`
	UnsubscribeURL    string                  `json:"UnsubscribeURL"`
	MessageAttributes map[string]envelopeAttr `json:"MessageAttributes,omitempty"`
	SequenceNumber    string                  `json:"SequenceNumber,omitempty"` // FIFO topics
}

func (s *Service) queueURL(ctx context.Context, queueArn string) (string, error) {
	u, err := s.queueURLs.URL(ctx, queueArn)
	if nq := (*sqsurl.NotQueueError)(nil); errors.As(err, &nq) {
		return "", permanent{fmt.Errorf("subscription endpoint %q is not an SQS queue ARN", queueArn)}
	}
	return u, err
}

// permanent is a delivery failure no retry can mend (an endpoint that is not a queue).
type permanent struct{ error }

func (e permanent) Unwrap() error { return e.error }

func (s *Service) deliver(ctx context.Context, p Published, at time.Time, deadline time.Time, in PublishInput, sub subscription) error {
	send := &sqs.SendMessageInput{}
	if in.MessageGroupId != "" && strings.HasSuffix(sub.queueArn, ".fifo") {
		// A FIFO topic's message keeps its group and deduplication ids in a FIFO queue.
		send.MessageGroupId, send.MessageDeduplicationId = aws.String(in.MessageGroupId), aws.String(in.MessageDeduplicationId)
	}
	attrs := in.MessageAttributes
	if in.structured {
		attrs = nil
	}
	if sub.raw {
		if len(attrs) > maxRawAttributes {
			return permanent{fmt.Errorf("a raw delivery of %d message attributes: SQS takes %d, and SNS discards the message", len(attrs), maxRawAttributes)}
		}
		send.MessageBody = aws.String(in.Message)
		if len(attrs) > 0 {
			send.MessageAttributes = map[string]sqstypes.MessageAttributeValue{}
			for k, a := range attrs {
				v := sqstypes.MessageAttributeValue{DataType: aws.String(a.DataType), BinaryValue: a.BinaryValue}
				if a.BinaryValue == nil {
					v.StringValue = aws.String(a.StringValue)
				}
				send.MessageAttributes[k] = v
			}
		}
	} else {
		env := envelope{
			Type: "Notification", MessageID: p.MessageID, SequenceNumber: p.SequenceNumber, TopicArn: in.TopicArn, Subject: in.Subject, Message: in.Message,
			Timestamp:      at.Format("2006-01-02T15:04:05.000Z"),
			UnsubscribeURL: fmt.Sprintf("https://sns.%s.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=%s", s.opts.Region, url.QueryEscape(sub.arn)),
		}
		if p.SequenceNumber == "" { // SNS does not sign a FIFO topic's notifications
			env.SignatureVersion = "1"
			env.Signature = base64.StdEncoding.EncodeToString([]byte("local-cloud-unsigned"))
			env.SigningCertURL = fmt.Sprintf("https://sns.%s.amazonaws.com/SimpleNotificationService-local.pem", s.opts.Region)
		}
		if len(attrs) > 0 {
			env.MessageAttributes = map[string]envelopeAttr{}
			for k, a := range attrs {
				v := a.StringValue
				if a.BinaryValue != nil {
					v = base64.StdEncoding.EncodeToString(a.BinaryValue)
				}
				env.MessageAttributes[k] = envelopeAttr{Type: a.DataType, Value: v}
			}
		}
		b, err := json.Marshal(env)
		if err != nil {
			return err
		}
		send.MessageBody = aws.String(string(b))
	}
	// SNS delivers as sns.amazonaws.com on the topic's behalf: the queue policy sees the topic as
	// aws:SourceArn and its owner as aws:SourceAccount.
	from := func(o *sqs.Options) {
		o.APIOptions = append(o.APIOptions, gateway.WithSource(gateway.Source{Arn: in.TopicArn, Account: arnAccount(in.TopicArn)}))
	}
	// SNS's delivery policy for SQS endpoints: a server-side failure (the queue service failing,
	// throttling, unreachable) is retried, for days in AWS and here for up to DeliveryRetry, backing
	// off from 100 ms to 5 s; a client-side one (the queue's policy denies, the queue is gone) is not
	// retried, as SNS does not. Before, three attempts within 300 ms lost the notification of any
	// stall longer than that.
	var err error
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		var qurl string
		if qurl, err = s.queueURL(ctx, sub.queueArn); err == nil {
			send.QueueUrl = aws.String(qurl)
			if _, err = s.opts.Queues.SendMessage(ctx, send, from); err == nil {
				return nil
			}
		}
		if clientFault(err) || time.Now().Add(backoff).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-s.opts.Context.Done(): // the cloud is stopping
			return errors.Join(err, s.opts.Context.Err())
		case <-time.After(backoff):
		}
	}
}

// clientFault reports an error SNS does not retry: the request was refused for what it is (an
// access denied, a queue that does not exist: a 4xx answer other than throttling), not failed by the
// service (a 5xx, or no answer at all).
func clientFault(err error) bool {
	if errors.As(err, new(permanent)) {
		return true
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() < 400 || re.HTTPStatusCode() >= 500 || re.HTTPStatusCode() == http.StatusTooManyRequests {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		// A throttle is a 4xx the service asks to be retried: the SDK's list of them, and SQS's own
		// for a throttled KMS key.
		if _, throttled := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]; throttled || ae.ErrorCode() == "KmsThrottled" {
			return false
		}
	}
	return true
}

// --- the gateway interceptor (query protocol) ---------------------------------------------------

// Middleware is the gateway interceptor for the "sns" signing name.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.Contains(r.Header.Get("Content-Type"), "x-www-form-urlencoded") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			writeError(w, &Error{Code: "InvalidParameter", Message: "read body: " + err.Error(), Status: 400})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, err := url.ParseQuery(string(body))
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		action := form.Get("Action")
		// A subscription is named by its ARN, the topic's and an id: anything else (a typo, the
		// topic's ARN, "pending confirmation") is SNS's InvalidParameter, where the emulator
		// answered an Unsubscribe of it as done and a read of it as NotFound.
		if (action == "Unsubscribe" || action == "GetSubscriptionAttributes" || action == "SetSubscriptionAttributes") &&
			!isSubscriptionARN(form.Get("SubscriptionArn")) {
			writeError(w, &Error{Code: "InvalidParameter", Message: "Invalid parameter: SubscriptionArn", Status: 400})
			return
		}
		switch action {
		case "Publish":
			// A topic's ARN as TargetArn is a publish to the topic, as SNS takes it ("If you don't
			// specify a value for the TargetArn parameter, you must specify a value for the
			// PhoneNumber or TopicArn"); a mobile endpoint's or a phone number is not a topic.
			topic := form.Get("TopicArn")
			if t := form.Get("TargetArn"); topic == "" && isTopicARN(t) {
				topic = t
			}
			if topic == "" {
				next.ServeHTTP(w, r)
				return
			}
			// Another region's topic is none of this endpoint's: SNS refuses its ARN, where the
			// emulator, which reads the name alone, answered NotFound.
			if parts := strings.Split(topic, ":"); isTopicARN(topic) && parts[3] != s.opts.Region {
				writeError(w, &Error{Code: "InvalidParameter", Message: "Invalid parameter: TopicArn", Status: 400})
				return
			}
			out, err := s.publish(r.Context(), publishInput(form, topic, ""))
			if err != nil {
				writeError(w, asError(err))
				return
			}
			writeXML(w, "Publish", "<MessageId>"+out.MessageID+"</MessageId>"+sequenceXML(out))
		case "PublishBatch":
			s.publishBatch(w, r, form)
		case "CreateTopic":
			if _, named := form["Name"]; named {
				if err := checkTopicName(form.Get("Name"), strings.EqualFold(AttributeEntries(form)["FifoTopic"], "true")); err != nil {
					writeError(w, err)
					return
				}
			}
			next.ServeHTTP(w, r)
		case "ListSubscriptionsByTopic":
			// The emulator lists no subscriptions for a topic that does not exist, where SNS says
			// so: a typo'd ARN looked like a topic nobody subscribes to.
			topic := form.Get("TopicArn")
			if !isTopicARN(topic) {
				writeError(w, &Error{Code: "InvalidParameter", Message: "Invalid parameter: TopicArn", Status: 400})
				return
			}
			if _, err := s.opts.Topics.GetTopicAttributes(r.Context(), &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)}); err != nil {
				writeError(w, asError(err))
				return
			}
			next.ServeHTTP(w, r)
		case "Subscribe", "Unsubscribe", "SetSubscriptionAttributes", "SetTopicAttributes", "DeleteTopic", "ConfirmSubscription":
			if err := checkProtocol(form); err != nil {
				writeError(w, err)
				return
			}
			if err := s.checkFilterPolicy(r.Context(), form); err != nil {
				writeError(w, err)
				return
			}
			if err := checkFIFOSubscription(form); err != nil {
				writeError(w, err)
				return
			}
			rec := gateway.NewStatusRecorder(w)
			next.ServeHTTP(rec, r)
			s.Invalidate("")
			if action == "DeleteTopic" && rec.Status() < 300 {
				s.forgetFIFO(form.Get("TopicArn"))
			}
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// checkProtocol refuses a Subscribe of a protocol other than sqs: nothing here delivers to an
// email address, a URL, a phone, a function, an app or a stream, and the emulator confirmed such a
// subscription at once and dropped every message for it (an email subscription looked live where
// SNS would have left it pending confirmation). Stricter than SNS, as a template's S3 → Lambda
// notification is refused at deploy: the user learns it before publishing, not from silence.
func checkProtocol(form url.Values) *Error {
	if form.Get("Action") != "Subscribe" {
		return nil
	}
	switch p := form.Get("Protocol"); p {
	case "sqs":
		return nil
	case "email", "email-json", "http", "https", "sms", "lambda", "application", "firehose":
		return &Error{Code: "InvalidParameter", Status: 400, Message: "Invalid parameter: Protocol Reason: the local cloud delivers to sqs subscriptions only, not " + p}
	default: // as SNS words an unknown one
		return &Error{Code: "InvalidParameter", Status: 400, Message: "Invalid parameter: Amazon SNS does not support this protocol string: " + p}
	}
}

// isTopicARN says whether arn names a topic: arn:<partition>:sns:<region>:<account>:<name>, where
// a platform application's endpoint has a path (endpoint/GCM/<app>/<id>).
func isTopicARN(arn string) bool {
	parts := strings.Split(arn, ":")
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "sns" && parts[5] != "" && !strings.Contains(parts[5], "/")
}

// isSubscriptionARN says whether arn names a subscription: a topic's ARN and the subscription's id,
// arn:<partition>:sns:<region>:<account>:<topic>:<id>.
func isSubscriptionARN(arn string) bool {
	i := strings.LastIndex(arn, ":")
	return i > 0 && isTopicARN(arn[:i]) && arn[i+1:] != ""
}

// checkFilterPolicy refuses a Subscribe or SetSubscriptionAttributes that would leave a subscription
// with a filter policy SNS refuses (the emulator stores any string). For a change of one of the
// policy and its scope, the other is the subscription's current one.
func (s *Service) checkFilterPolicy(ctx context.Context, form url.Values) *Error {
	var policy, scope string
	switch form.Get("Action") {
	case "Subscribe":
		attrs := AttributeEntries(form)
		policy, scope = attrs["FilterPolicy"], attrs["FilterPolicyScope"]
		if policy == "" && scope == "" {
			return nil
		}
	case "SetSubscriptionAttributes":
		name, value := form.Get("AttributeName"), form.Get("AttributeValue")
		if name != "FilterPolicy" && name != "FilterPolicyScope" {
			return nil
		}
		cur, err := s.opts.Topics.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(form.Get("SubscriptionArn"))})
		if err != nil {
			return asError(err)
		}
		policy, scope = cur.Attributes["FilterPolicy"], cur.Attributes["FilterPolicyScope"]
		if name == "FilterPolicy" {
			policy = value
		} else {
			scope = value
		}
	default:
		return nil
	}
	check := func() error { _, err := parseFilterPolicy(policy, scope); return err }
	if noPolicy(policy) { // no policy (or one being removed): only the scope's name is checked
		check = func() error { _, err := filterScope(scope); return err }
	}
	if err := check(); err != nil {
		msg := "Invalid parameter: " + err.Error()
		if form.Get("Action") == "Subscribe" {
			msg = "Invalid parameter: Attributes Reason: " + err.Error() // as SNS words it
		}
		return &Error{Code: "InvalidParameter", Message: msg, Status: 400}
	}
	return nil
}

// AttributeEntries reads a query-protocol request's Attributes map (Attributes.entry.N.key and
// .value, as Subscribe and CreateTopic send it).
func AttributeEntries(form url.Values) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		p := "Attributes.entry." + strconv.Itoa(i) + "."
		k := form.Get(p + "key")
		if k == "" {
			return out
		}
		out[k] = form.Get(p + "value")
	}
}

// publishInput reads one message of a Publish (prefix "") or of a PublishBatch entry (its prefix).
func publishInput(form url.Values, topic, prefix string) PublishInput {
	return PublishInput{TopicArn: topic, Subject: form.Get(prefix + "Subject"), Message: form.Get(prefix + "Message"),
		MessageStructure:  form.Get(prefix + "MessageStructure"),
		MessageAttributes: attributes(form, prefix+"MessageAttributes.entry."),
		MessageGroupId:    form.Get(prefix + "MessageGroupId"), MessageDeduplicationId: form.Get(prefix + "MessageDeduplicationId")}
}

func sequenceXML(p Published) string {
	if p.SequenceNumber == "" {
		return ""
	}
	return "<SequenceNumber>" + p.SequenceNumber + "</SequenceNumber>"
}

// attributes reads query-protocol message attributes: <prefix>N.Name, <prefix>N.Value.DataType,
// .Value.StringValue, .Value.BinaryValue (base64).
func attributes(form url.Values, prefix string) map[string]MessageAttribute {
	out := map[string]MessageAttribute{}
	for i := 1; ; i++ {
		p := prefix + strconv.Itoa(i) + "."
		name := form.Get(p + "Name")
		if name == "" {
			break
		}
		a := MessageAttribute{DataType: form.Get(p + "Value.DataType"), StringValue: form.Get(p + "Value.StringValue")}
		if b := form.Get(p + "Value.BinaryValue"); b != "" {
			a.BinaryValue, _ = base64.StdEncoding.DecodeString(b)
		}
		out[name] = a
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (s *Service) publishBatch(w http.ResponseWriter, r *http.Request, form url.Values) {
	topic := form.Get("TopicArn")
	var ok, failed strings.Builder
	type entry struct {
		id string
		in PublishInput
	}
	var entries []entry
	ids := map[string]bool{}
	for i := 1; ; i++ {
		p := "PublishBatchRequestEntries.member." + strconv.Itoa(i) + "."
		id := form.Get(p + "Id")
		if id == "" {
			break
		}
		if len(entries) == 10 {
			writeError(w, &Error{Code: "TooManyEntriesInBatchRequest", Message: "The batch request contains more entries than permissible.", Status: 400})
			return
		}
		if ids[id] {
			writeError(w, &Error{Code: "BatchEntryIdsNotDistinct", Message: "Two or more batch entries in the request have the same Id.", Status: 400})
			return
		}
		ids[id] = true
		entries = append(entries, entry{id, publishInput(form, topic, p)})
	}
	if len(entries) == 0 {
		writeError(w, &Error{Code: "EmptyBatchRequest", Message: "The batch request doesn't contain any entries.", Status: 400})
		return
	}
	// "The maximum total payload size (the sum of the individual lengths of all of the batched
	// messages)" is a message's: 256 KiB.
	total := 0
	for _, e := range entries {
		total += len(e.in.Message)
	}
	if total > maxMessageBytes {
		writeError(w, &Error{Code: "BatchRequestTooLong", Message: fmt.Sprintf("The length of all the messages put together is more than the limit: %d bytes, at most %d.", total, maxMessageBytes), Status: 400})
		return
	}
	// SNS refuses the whole batch when an entry's group or deduplication id is missing or malformed.
	subs, err := s.subscriptions(r.Context(), topic)
	if err != nil {
		writeError(w, asError(err))
		return
	}
	for _, e := range entries {
		if err := checkIDs(e.in, subs); err != nil {
			writeError(w, err)
			return
		}
	}
	for _, e := range entries {
		id := e.id
		out, err := s.publish(r.Context(), e.in)
		if err != nil {
			e := asError(err)
			if e.Code == "NotFound" {
				writeError(w, e)
				return
			}
			fmt.Fprintf(&failed, "<member><Id>%s</Id><Code>%s</Code><Message>%s</Message><SenderFault>true</SenderFault></member>", esc(id), esc(e.Code), esc(e.Message))
			continue
		}
		fmt.Fprintf(&ok, "<member><Id>%s</Id><MessageId>%s</MessageId>%s</member>", esc(id), out.MessageID, sequenceXML(out))
	}
	writeXML(w, "PublishBatch", "<Successful>"+ok.String()+"</Successful><Failed>"+failed.String()+"</Failed>")
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

const xmlns = "http://sns.amazonaws.com/doc/2010-03-31/"

func writeXML(w http.ResponseWriter, action, result string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, xmlns, action, result, action, uuid.New(), action)
}

func writeError(w http.ResponseWriter, e *Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		xmlns, fault, esc(e.Code), esc(e.Message), uuid.New())
}
