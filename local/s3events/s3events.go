// Package s3events delivers S3 event notifications in the local cloud (the emulator stores objects
// but sends no notifications): a gateway interceptor for "s3" that keeps each bucket's notification
// configuration and, after a successful write or delete, sends the AWS-shaped event to the
// configured SQS queues and SNS topics whose event types and key filters match.
//
// Events: ObjectCreated:Put, ObjectCreated:Copy, ObjectCreated:CompleteMultipartUpload,
// ObjectRemoved:Delete (DeleteObject and each key of DeleteObjects). Deliveries run in the
// background, as in S3 (Wait blocks until they are done). Putting a configuration sends
// s3:TestEvent to each destination and fails with InvalidArgument if one cannot be reached, as S3
// validates destinations (one in another region than the bucket's is refused outright). Lambda
// destinations are rejected (the lab wires S3 → SQS → Lambda). DeleteBucket takes the bucket's
// configuration with it.
//
// S3 delivers as s3.amazonaws.com on the bucket's behalf: each delivery names the bucket as its
// source (aws:SourceArn arn:aws:s3:::<bucket>, aws:SourceAccount Options.AccountID), to a queue in
// gateway.WithSource's headers, to a topic as sns.PublishInput.From, so that the queue's or topic's
// policy decides it as in AWS (the test event of a configuration too: a destination whose policy
// does not admit the bucket cannot be validated).
package s3events

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/sqsurl"
	"github.com/chaoslab/serverless-chaos-lab/local/sns"
)

// QueueAPI delivers to SQS (an *sqs.Client pointed at the gateway, so the delivery is counted as
// the queue's NumberOfMessagesSent).
type QueueAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// TopicPublisher delivers to SNS (satisfied by *sns.Service).
type TopicPublisher interface {
	Publish(ctx context.Context, in sns.PublishInput) (string, error)
}

var _ TopicPublisher = (*sns.Service)(nil)

// Options wire a Notifier.
type Options struct {
	Queues QueueAPI
	Topics TopicPublisher
	Region string // Default: us-east-1.
	// AccountID owns the buckets (aws:SourceAccount of the deliveries). Default: 000000000000.
	AccountID string
	Logger    *slog.Logger // Default: slog.Default().
	// DeliveryTimeout bounds one event's delivery to all its destinations. Default: 30s.
	DeliveryTimeout time.Duration
}

// FilterRule is one key filter rule: Name "prefix" or "suffix".
type FilterRule struct {
	Name  string `json:"Name" xml:"Name"`
	Value string `json:"Value" xml:"Value"`
}

// KeyFilter holds the key filter rules.
type KeyFilter struct {
	FilterRules []FilterRule `json:"FilterRules"`
}

// Filter is a notification's key filter, in the shape of the S3 API and of CloudFormation's
// NotificationConfiguration (Filter.Key.FilterRules).
type Filter struct {
	Key KeyFilter `json:"Key"`
}

// QueueConfiguration sends matching events to an SQS queue.
type QueueConfiguration struct {
	ID       string   `json:"Id,omitempty"`
	QueueArn string   `json:"QueueArn"`
	Events   []string `json:"Events"`
	Filter   *Filter  `json:"Filter,omitempty"`
}

// TopicConfiguration sends matching events to an SNS topic.
type TopicConfiguration struct {
	ID       string   `json:"Id,omitempty"`
	TopicArn string   `json:"TopicArn"`
	Events   []string `json:"Events"`
	Filter   *Filter  `json:"Filter,omitempty"`
}

// Configuration is a bucket's notification configuration. Its JSON form is the one the CDK's
// Custom::S3BucketNotifications resource carries in NotificationConfiguration.
type Configuration struct {
	QueueConfigurations []QueueConfiguration `json:"QueueConfigurations,omitempty"`
	TopicConfigurations []TopicConfiguration `json:"TopicConfigurations,omitempty"`
}

// Notifier keeps configurations and delivers events.
type Notifier struct {
	opts Options

	mu        sync.RWMutex
	configs   map[string]Configuration
	queueURLs *sqsurl.Cache
	seq       atomic.Uint64 // the last sequencer given
	wg        sync.WaitGroup
	now       func() time.Time
}

// New returns a Notifier.
func New(opts Options) *Notifier {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DeliveryTimeout <= 0 {
		opts.DeliveryTimeout = 30 * time.Second
	}
	return &Notifier{opts: opts, configs: map[string]Configuration{}, queueURLs: sqsurl.New(opts.Queues), now: time.Now}
}

// Wait blocks until every event delivery started so far has finished.
func (n *Notifier) Wait() { n.wg.Wait() }

// Configuration returns bucket's notification configuration.
func (n *Notifier) Configuration(bucket string) (Configuration, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	c, ok := n.configs[bucket]
	return c, ok
}

// InvalidArgumentError is S3's InvalidArgument (an unreachable or unsupported destination).
type InvalidArgumentError struct{ Message string }

func (e *InvalidArgumentError) Error() string { return "InvalidArgument: " + e.Message }

// SetConfiguration replaces bucket's notification configuration and sends s3:TestEvent to each
// destination, as S3 does; a destination that cannot be reached fails the call and leaves the
// previous configuration in place.
func (n *Notifier) SetConfiguration(ctx context.Context, bucket string, cfg Configuration) error {
	return n.setConfiguration(ctx, bucket, cfg, true)
}

// setConfiguration sends the test events; with validate false (the request's
// x-amz-skip-destination-validation), an unreachable destination is logged, not an error.
func (n *Notifier) setConfiguration(ctx context.Context, bucket string, cfg Configuration, strict bool) error {
	cfg = withIDs(cfg)
	for i, q := range cfg.QueueConfigurations {
		if err := validate(q.Events, q.Filter); err != nil {
			return &InvalidArgumentError{Message: fmt.Sprintf("QueueConfiguration %d (%s): %v", i+1, q.QueueArn, err)}
		}
		if err := n.sameRegion(fmt.Sprintf("QueueConfiguration %d", i+1), q.QueueArn); err != nil {
			return err
		}
	}
	for i, t := range cfg.TopicConfigurations {
		if err := validate(t.Events, t.Filter); err != nil {
			return &InvalidArgumentError{Message: fmt.Sprintf("TopicConfiguration %d (%s): %v", i+1, t.TopicArn, err)}
		}
		if err := n.sameRegion(fmt.Sprintf("TopicConfiguration %d", i+1), t.TopicArn); err != nil {
			return err
		}
	}
	if err := overlaps(cfg); err != nil {
		return err
	}
	test, _ := json.Marshal(map[string]string{
		"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"Bucket": bucket, "RequestId": requestID(), "HostId": "local",
	})
	var unreachable []string
	// Queues and topics that do not exist, topics of another account, and topics whose policy
	// refuses S3 (when the publisher can say so: publishChecker) are found before any test event is
	// sent: "If enabling the notification fails, you don't receive a test notification" (Amazon S3
	// User Guide, Supported event types). A queue whose policy refuses S3 shows only when sending:
	// after one, no more test events are sent (destinations sent to before it have theirs).
	missing := map[string]bool{}
	for _, q := range cfg.QueueConfigurations {
		if _, err := n.queueURL(ctx, q.QueueArn); err != nil && !missing[q.QueueArn] {
			missing[q.QueueArn] = true
			unreachable = append(unreachable, q.QueueArn+" ("+err.Error()+")")
		}
	}
	for _, t := range cfg.TopicConfigurations {
		err := n.inAccount(t.TopicArn)
		if c, ok := n.opts.Topics.(publishChecker); ok && err == nil {
			err = c.CheckPublish(ctx, n.topicInput(bucket, t.TopicArn, string(test)))
		}
		if err != nil && !missing[t.TopicArn] {
			missing[t.TopicArn] = true
			unreachable = append(unreachable, t.TopicArn+" ("+err.Error()+")")
		}
	}
	for _, q := range cfg.QueueConfigurations {
		if strict && len(unreachable) > 0 {
			break
		}
		if missing[q.QueueArn] {
			continue
		}
		if err := n.sendQueue(ctx, bucket, q.QueueArn, string(test)); err != nil {
			unreachable = append(unreachable, q.QueueArn+" ("+err.Error()+")")
		}
	}
	for _, t := range cfg.TopicConfigurations {
		if strict && len(unreachable) > 0 {
			break
		}
		if missing[t.TopicArn] {
			continue
		}
		if err := n.sendTopic(ctx, bucket, t.TopicArn, string(test)); err != nil {
			unreachable = append(unreachable, t.TopicArn+" ("+err.Error()+")")
		}
	}
	if len(unreachable) > 0 && !strict {
		n.opts.Logger.Warn("s3 notification destinations not reachable (validation skipped)", "bucket", bucket, "destinations", unreachable)
	} else if len(unreachable) > 0 {
		return &InvalidArgumentError{Message: "Unable to validate the following destination configurations: " + strings.Join(unreachable, "; ")}
	}
	n.mu.Lock()
	if len(cfg.QueueConfigurations)+len(cfg.TopicConfigurations) == 0 {
		delete(n.configs, bucket)
	} else {
		n.configs[bucket] = cfg
	}
	n.mu.Unlock()
	return nil
}

// withIDs is a copy of cfg in which each configuration without an Id has one, as S3 gives it ("If
// you don't provide one, Amazon S3 will assign an ID", S3 API Reference, QueueConfiguration and
// TopicConfiguration): the events' configurationId and GetBucketNotificationConfiguration show it.
func withIDs(cfg Configuration) Configuration {
	qs := append([]QueueConfiguration(nil), cfg.QueueConfigurations...)
	for i := range qs {
		if qs[i].ID == "" {
			qs[i].ID = fmt.Sprintf("queue-%d", i+1)
		}
	}
	ts := append([]TopicConfiguration(nil), cfg.TopicConfigurations...)
	for i := range ts {
		if ts[i].ID == "" {
			ts[i].ID = fmt.Sprintf("topic-%d", i+1)
		}
	}
	return Configuration{QueueConfigurations: qs, TopicConfigurations: ts}
}

// sameRegion refuses a destination in another region than the bucket's, as S3 does whether or not
// destinations are validated ("The Amazon SQS queue must be in the same AWS Region as your Amazon
// S3 bucket", likewise the SNS topic: Amazon S3 User Guide, Event notification types and
// destinations). A malformed ARN is left to the delivery, which names it.
func (n *Notifier) sameRegion(name, arn string) error {
	parts := strings.Split(arn, ":")
	if len(parts) < 6 || parts[3] == n.opts.Region {
		return nil
	}
	return &InvalidArgumentError{Message: fmt.Sprintf("The notification destination service region is not valid for the bucket location constraint (%s (%s): region %q, the bucket's %q)",
		name, arn, parts[3], n.opts.Region)}
}

// inAccount refuses a destination ARN of another account: the local cloud has one account, so no
// such queue or topic exists (looking it up by name alone would find the local one of that name).
func (n *Notifier) inAccount(arn string) error {
	if parts := strings.Split(arn, ":"); len(parts) >= 6 && parts[4] != n.opts.AccountID {
		return fmt.Errorf("%s does not exist: its account %s is not the local cloud's (%s)", arn, parts[4], n.opts.AccountID)
	}
	return nil
}

func validate(events []string, f *Filter) error {
	if len(events) == 0 {
		return fmt.Errorf("no Event")
	}
	for _, e := range events {
		if !knownEvent(e) {
			return fmt.Errorf("event %q: the event is not supported for notifications (S3's event types: s3:ObjectCreated:*, s3:ObjectRemoved:Delete, ...)", e)
		}
	}
	if f != nil {
		seen := map[string]bool{}
		for _, r := range f.Key.FilterRules {
			name := strings.ToLower(r.Name)
			if name != "prefix" && name != "suffix" {
				return fmt.Errorf("filter rule name %q must be prefix or suffix", r.Name)
			}
			if seen[name] {
				return fmt.Errorf("filter rule %s given twice", name)
			}
			seen[name] = true
		}
	}
	return nil
}

// knownEvent reports whether e is one of S3's notification event types (the S3 API model's list).
func knownEvent(e string) bool {
	for _, v := range s3types.Event("").Values() {
		if string(v) == e {
			return true
		}
	}
	return false
}

// destination is one configuration of any kind, for the overlap check.
type destination struct {
	name   string // "QueueConfiguration 2 (arn:...)"
	events []string
	prefix string
	suffix string
}

// overlaps refuses two configurations that one event could match, as S3 does ("Configurations
// overlap", or with filters "Configuration is ambiguously defined"): they share an event type (s3:ObjectCreated:* shares every s3:ObjectCreated:...), and
// a key could pass both filters (one prefix starts the other, one suffix ends the other; a missing
// rule matches every key). S3 would otherwise have to pick one destination for the event.
func overlaps(cfg Configuration) error {
	var ds []destination
	add := func(kind string, i int, arn string, events []string, f *Filter) {
		d := destination{name: fmt.Sprintf("%s %d (%s)", kind, i+1, arn), events: events}
		d.prefix, d.suffix = f.rules()
		ds = append(ds, d)
	}
	for i, q := range cfg.QueueConfigurations {
		add("QueueConfiguration", i, q.QueueArn, q.Events, q.Filter)
	}
	for i, t := range cfg.TopicConfigurations {
		add("TopicConfiguration", i, t.TopicArn, t.Events, t.Filter)
	}
	for i, a := range ds {
		for _, b := range ds[i+1:] {
			ev, ok := sharedEvent(a.events, b.events)
			if !ok || !(strings.HasPrefix(a.prefix, b.prefix) || strings.HasPrefix(b.prefix, a.prefix)) ||
				!(strings.HasSuffix(a.suffix, b.suffix) || strings.HasSuffix(b.suffix, a.suffix)) {
				continue
			}
			// S3's two messages: one for configurations without filters, one for filters that overlap.
			msg := "Configurations overlap. Configurations on the same bucket cannot share a common event type."
			if a.prefix+a.suffix+b.prefix+b.suffix != "" {
				msg = "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type."
			}
			return &InvalidArgumentError{Message: fmt.Sprintf("%s (%s and %s both take %s for keys prefix %q suffix %q)",
				msg, a.name, b.name, ev, longer(a.prefix, b.prefix), longer(a.suffix, b.suffix))}
		}
	}
	return nil
}

// covers reports whether the wildcard event type wild (s3:ObjectCreated:*) stands for e
// (s3:ObjectCreated:Put); both with their s3: or both without.
func covers(wild, e string) bool {
	return strings.HasSuffix(wild, ":*") && strings.HasPrefix(e, strings.TrimSuffix(wild, "*"))
}

// rules are f's prefix and suffix ("" for a rule not given: every key passes it). validate has
// checked that each is given at most once.
func (f *Filter) rules() (prefix, suffix string) {
	if f == nil {
		return "", ""
	}
	for _, r := range f.Key.FilterRules {
		switch strings.ToLower(r.Name) {
		case "prefix":
			prefix = r.Value
		case "suffix":
			suffix = r.Value
		}
	}
	return prefix, suffix
}

// sharedEvent returns an event type both lists take, a wildcard standing for its family.
func sharedEvent(a, b []string) (string, bool) {
	for _, x := range a {
		for _, y := range b {
			switch {
			case x == y, covers(x, y):
				return y, true
			case covers(y, x):
				return x, true
			}
		}
	}
	return "", false
}

func longer(a, b string) string {
	if len(a) >= len(b) {
		return a
	}
	return b
}

// matches reports whether an event (e.g. "ObjectCreated:Put") on key passes events and filter.
func matches(events []string, f *Filter, eventName, key string) bool {
	ok := false
	for _, e := range events {
		e = strings.TrimPrefix(e, "s3:")
		if e == eventName || covers(e, eventName) {
			ok = true
		}
	}
	prefix, suffix := f.rules()
	return ok && strings.HasPrefix(key, prefix) && strings.HasSuffix(key, suffix)
}

func requestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(fmt.Sprintf("%x", b))
}

func (n *Notifier) queueURL(ctx context.Context, arn string) (string, error) {
	if n.opts.Queues == nil {
		return "", fmt.Errorf("no SQS client configured")
	}
	if _, ok := sqsurl.Name(arn); !ok {
		return "", fmt.Errorf("%q is not an SQS queue ARN", arn)
	}
	if err := n.inAccount(arn); err != nil {
		return "", err
	}
	return n.queueURLs.URL(ctx, arn)
}

func (n *Notifier) sendQueue(ctx context.Context, bucket, arn, body string) error {
	if n.opts.Queues == nil {
		return fmt.Errorf("no SQS client configured")
	}
	u, err := n.queueURL(ctx, arn)
	if err != nil {
		return err
	}
	src := gateway.Source{Arn: "arn:aws:s3:::" + bucket, Account: n.opts.AccountID}
	_, err = n.opts.Queues.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String(body)},
		func(o *sqs.Options) { o.APIOptions = append(o.APIOptions, gateway.WithSource(src)) })
	return err
}

func (n *Notifier) sendTopic(ctx context.Context, bucket, arn, body string) error {
	if n.opts.Topics == nil {
		return fmt.Errorf("no SNS publisher configured")
	}
	if err := n.inAccount(arn); err != nil {
		return err
	}
	_, err := n.opts.Topics.Publish(ctx, n.topicInput(bucket, arn, body))
	return err
}

// topicInput is the Publish of body to the topic arn that S3 makes for bucket: as
// s3.amazonaws.com on the bucket's behalf.
func (n *Notifier) topicInput(bucket, arn, body string) sns.PublishInput {
	return sns.PublishInput{TopicArn: arn, Subject: "Amazon S3 Notification", Message: body,
		From: &sns.Publisher{Principal: "s3.amazonaws.com", SourceArn: "arn:aws:s3:::" + bucket, SourceAccount: n.opts.AccountID}}
}

// publishChecker is a TopicPublisher that can tell, without publishing, whether a Publish would be
// accepted (sns.Service can): a missing topic, or one whose policy refuses S3, is then found before
// any test event is sent.
type publishChecker interface {
	CheckPublish(ctx context.Context, in sns.PublishInput) error
}

// Object describes the object an event is about.
type Object struct {
	Key       string
	Size      int64
	ETag      string // without quotes
	VersionID string
}

// record is one S3 event record (event version 2.1).
type record struct {
	EventVersion      string            `json:"eventVersion"`
	EventSource       string            `json:"eventSource"`
	AwsRegion         string            `json:"awsRegion"`
	EventTime         string            `json:"eventTime"`
	EventName         string            `json:"eventName"`
	UserIdentity      map[string]string `json:"userIdentity"`
	RequestParameters map[string]string `json:"requestParameters"`
	ResponseElements  map[string]string `json:"responseElements"`
	S3                s3Entity          `json:"s3"`
}

type s3Entity struct {
	SchemaVersion   string `json:"s3SchemaVersion"`
	ConfigurationID string `json:"configurationId"`
	Bucket          struct {
		Name          string            `json:"name"`
		OwnerIdentity map[string]string `json:"ownerIdentity"`
		Arn           string            `json:"arn"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      *int64 `json:"size,omitempty"`
		ETag      string `json:"eTag,omitempty"`
		VersionID string `json:"versionId,omitempty"`
		Sequencer string `json:"sequencer"`
	} `json:"object"`
}

// EncodeKey URL-encodes an object key as S3 event notifications do (form encoding: a space is
// "+", "/" stays).
func EncodeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.QueryEscape(s)
	}
	return strings.Join(segs, "/")
}

// sequencer is the next event's sequencer: the time in nanoseconds, or one more than the last one
// given if the clock has not passed it, so that it only grows ("the event notification with the
// greater sequencer hexadecimal value is the event that occurred later", Amazon S3 User Guide,
// Event message structure). 16 hex digits hold it until 2554.
func (n *Notifier) sequencer() string {
	now := uint64(n.now().UnixNano())
	for {
		last := n.seq.Load()
		next := max(now, last+1)
		if n.seq.CompareAndSwap(last, next) {
			return fmt.Sprintf("%016X", next)
		}
	}
}

// Notify sends the event eventName ("ObjectCreated:Put", ...) about obj in bucket to every matching
// destination, in the background. sourceIP, reqID and hostID (the x-amz-request-id and x-amz-id-2
// of the answer to the request) fill the record's request fields.
func (n *Notifier) Notify(bucket, eventName string, obj Object, sourceIP, reqID, hostID string) {
	n.mu.RLock()
	cfg, ok := n.configs[bucket]
	n.mu.RUnlock()
	if !ok {
		return
	}
	seq := n.sequencer()
	build := func(configID string) string {
		r := record{
			EventVersion: "2.1", EventSource: "aws:s3", AwsRegion: n.opts.Region,
			EventTime: n.now().UTC().Format("2006-01-02T15:04:05.000Z"), EventName: eventName,
			UserIdentity:      map[string]string{"principalId": "AWS:AKIDLOCAL"},
			RequestParameters: map[string]string{"sourceIPAddress": sourceIP},
			// "These values are the same as those that Amazon S3 returns in the response to the
			// request that initiates the events" (Amazon S3 User Guide, Event message structure).
			ResponseElements: map[string]string{"x-amz-request-id": reqID, "x-amz-id-2": hostID},
		}
		r.S3.SchemaVersion = "1.0"
		r.S3.ConfigurationID = configID
		r.S3.Bucket.Name = bucket
		r.S3.Bucket.OwnerIdentity = map[string]string{"principalId": "A000000000000"}
		r.S3.Bucket.Arn = "arn:aws:s3:::" + bucket
		r.S3.Object.Key = EncodeKey(obj.Key)
		if strings.HasPrefix(eventName, "ObjectCreated:") {
			size := obj.Size
			r.S3.Object.Size = &size
			r.S3.Object.ETag = obj.ETag
		}
		r.S3.Object.VersionID = obj.VersionID
		r.S3.Object.Sequencer = seq
		b, _ := json.Marshal(map[string][]record{"Records": {r}})
		return string(b)
	}
	type dest struct{ queue, topic, body string }
	var dests []dest
	for _, q := range cfg.QueueConfigurations {
		if matches(q.Events, q.Filter, eventName, obj.Key) {
			dests = append(dests, dest{queue: q.QueueArn, body: build(q.ID)})
		}
	}
	for _, t := range cfg.TopicConfigurations {
		if matches(t.Events, t.Filter, eventName, obj.Key) {
			dests = append(dests, dest{topic: t.TopicArn, body: build(t.ID)})
		}
	}
	if len(dests) == 0 {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), n.opts.DeliveryTimeout)
		defer cancel()
		for _, d := range dests {
			var err error
			if d.queue != "" {
				err = n.sendQueue(ctx, bucket, d.queue, d.body)
			} else {
				err = n.sendTopic(ctx, bucket, d.topic, d.body)
			}
			if err != nil {
				n.opts.Logger.Error("s3 event notification not delivered", "bucket", bucket, "key", obj.Key, "event", eventName, "queue", d.queue, "topic", d.topic, "err", err)
			}
		}
	}()
}

// --- the gateway interceptor (path-style S3 REST) -----------------------------------------------

type xmlFilter struct {
	Rules []FilterRule `xml:"S3Key>FilterRule"`
}

type xmlDest struct {
	ID     string     `xml:"Id,omitempty"`
	Queue  string     `xml:"Queue,omitempty"`
	Topic  string     `xml:"Topic,omitempty"`
	Lambda string     `xml:"CloudFunction,omitempty"`
	Events []string   `xml:"Event"`
	Filter *xmlFilter `xml:"Filter,omitempty"`
}

type xmlConfig struct {
	XMLName xml.Name  `xml:"NotificationConfiguration"`
	Xmlns   string    `xml:"xmlns,attr,omitempty"`
	Queues  []xmlDest `xml:"QueueConfiguration"`
	Topics  []xmlDest `xml:"TopicConfiguration"`
	Lambdas []xmlDest `xml:"CloudFunctionConfiguration"`
}

func filterOf(f *xmlFilter) *Filter {
	if f == nil || len(f.Rules) == 0 {
		return nil
	}
	return &Filter{Key: KeyFilter{FilterRules: f.Rules}}
}

func xmlFilterOf(f *Filter) *xmlFilter {
	if f == nil {
		return nil
	}
	return &xmlFilter{Rules: f.Key.FilterRules}
}

func writeS3Error(w http.ResponseWriter, status int, code, msg, resource string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><Resource>%s</Resource><RequestId>%s</RequestId></Error>`,
		esc(code), esc(msg), esc(resource), requestID())
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// subresources that make a PUT/POST/DELETE on a key something other than an object write.
var subresources = []string{"tagging", "acl", "retention", "legal-hold", "uploads", "partNumber", "restore", "select", "torrent", "attributes"}

// Middleware is the gateway interceptor for the "s3" signing name (path-style requests, which is
// what the SDK sends to http://127.0.0.1:port).
func (n *Notifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		q := r.URL.Query()
		if bucket == "" {
			next.ServeHTTP(w, r)
			return
		}
		if _, ok := q["notification"]; ok && key == "" {
			n.serveNotification(w, r, next, bucket)
			return
		}
		event := ""
		switch {
		case key == "":
			if _, ok := q["delete"]; ok && r.Method == http.MethodPost {
				n.deleteObjects(w, r, next, bucket)
				return
			}
			if r.Method == http.MethodDelete && !hasSubresource(q) {
				n.deleteBucket(w, r, next, bucket)
				return
			}
		case hasAny(q, subresources):
		case r.Method == http.MethodPut && q.Get("uploadId") == "":
			event = "ObjectCreated:Put"
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				event = "ObjectCreated:Copy"
			}
		case r.Method == http.MethodPost && q.Get("uploadId") != "":
			event = "ObjectCreated:CompleteMultipartUpload"
		case r.Method == http.MethodDelete && q.Get("uploadId") == "":
			event = "ObjectRemoved:Delete"
		}
		n.mu.RLock()
		_, configured := n.configs[bucket]
		n.mu.RUnlock()
		if event == "" || !configured {
			next.ServeHTTP(w, r)
			return
		}
		rec := gateway.NewStatusRecorder(w)
		next.ServeHTTP(rec, r)
		if rec.Status()/100 != 2 {
			return
		}
		obj := Object{Key: key, VersionID: w.Header().Get("X-Amz-Version-Id")}
		put, known := Object{}, false
		if event == "ObjectCreated:Put" {
			put, known = putObject(r, w.Header(), key)
		}
		if known {
			obj = put
		} else if strings.HasPrefix(event, "ObjectCreated:") {
			var ok bool
			if obj, ok = n.head(r, next, bucket, key); !ok {
				n.opts.Logger.Warn("s3 event: object vanished before its notification", "bucket", bucket, "key", key)
				return
			}
		}
		n.Notify(bucket, event, obj, sourceIP(r), w.Header().Get("X-Amz-Request-Id"), w.Header().Get("X-Amz-Id-2"))
	})
}

// hasSubresource reports whether q names a subresource: any parameter but the SDK's x-id and a
// presigned URL's X-Amz-*.
func hasSubresource(q url.Values) bool {
	for k := range q {
		if k != "x-id" && !strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			return true
		}
	}
	return false
}

// deleteBucket passes DeleteBucket through and, once the bucket is gone, forgets its notification
// configuration: it is the bucket's ("You store this configuration in the notification subresource
// that's associated with a bucket", Amazon S3 User Guide, Amazon S3 Event Notifications), so a
// bucket created again under the name has none.
func (n *Notifier) deleteBucket(w http.ResponseWriter, r *http.Request, next http.Handler, bucket string) {
	rec := gateway.NewStatusRecorder(w)
	next.ServeHTTP(rec, r)
	if rec.Status()/100 != 2 {
		return
	}
	n.mu.Lock()
	delete(n.configs, bucket)
	n.mu.Unlock()
}

func hasAny(q url.Values, keys []string) bool {
	for _, k := range keys {
		if _, ok := q[k]; ok {
			return true
		}
	}
	return false
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// putObject is the object a PutObject wrote, as its request and answer describe it: the size the
// request's body decodes to (X-Amz-Decoded-Content-Length for an aws-chunked body, else its
// Content-Length) and the answer's ETag and version. ok is false when either is unknown (a body
// of no stated length, an answer without ETag): head asks the emulator then.
func putObject(r *http.Request, answer http.Header, key string) (obj Object, ok bool) {
	etag := strings.Trim(answer.Get("ETag"), `"`)
	if etag == "" {
		return Object{}, false
	}
	size := r.ContentLength
	chunked := strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked")
	if !chunked && strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return Object{}, false // chunks the emulator may have stored as they came: ask it
	}
	if chunked {
		var err error
		if size, err = strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64); err != nil {
			return Object{}, false
		}
	}
	if size < 0 {
		return Object{}, false
	}
	return Object{Key: key, Size: size, ETag: etag, VersionID: answer.Get("X-Amz-Version-Id")}, true
}

// head asks the emulator for the object's size, ETag and version, as the event reports them.
func (n *Notifier) head(r *http.Request, next http.Handler, bucket, key string) (Object, bool) {
	req := httptest.NewRequestWithContext(r.Context(), http.MethodHead, (&url.URL{Path: "/" + bucket + "/" + key}).EscapedPath(), nil)
	req.Host = r.Host
	req.Header.Set("Authorization", r.Header.Get("Authorization"))
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return Object{}, false
	}
	size, _ := strconv.ParseInt(rec.Header().Get("Content-Length"), 10, 64)
	return Object{Key: key, Size: size, ETag: strings.Trim(rec.Header().Get("ETag"), `"`), VersionID: rec.Header().Get("X-Amz-Version-Id")}, true
}

// BucketExists asks the emulator (next) whether bucket exists, with a HEAD of it signed as r: for
// the bucket subresources the emulator lacks and an interceptor answers itself.
func BucketExists(r *http.Request, next http.Handler, bucket string) bool {
	req := httptest.NewRequestWithContext(r.Context(), http.MethodHead, (&url.URL{Path: "/" + bucket}).EscapedPath(), nil)
	req.Host = r.Host
	req.Header.Set("Authorization", r.Header.Get("Authorization"))
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, req)
	return rec.Code == http.StatusOK
}

func (n *Notifier) serveNotification(w http.ResponseWriter, r *http.Request, next http.Handler, bucket string) {
	if !BucketExists(r, next, bucket) {
		writeS3Error(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "/"+bucket)
		return
	}
	switch r.Method {
	case http.MethodGet:
		cfg, _ := n.Configuration(bucket)
		out := xmlConfig{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/"}
		for _, q := range cfg.QueueConfigurations {
			out.Queues = append(out.Queues, xmlDest{ID: q.ID, Queue: q.QueueArn, Events: q.Events, Filter: xmlFilterOf(q.Filter)})
		}
		for _, t := range cfg.TopicConfigurations {
			out.Topics = append(out.Topics, xmlDest{ID: t.ID, Topic: t.TopicArn, Events: t.Events, Filter: xmlFilterOf(t.Filter)})
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, xml.Header)
		_ = xml.NewEncoder(w).Encode(out)
	case http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			writeS3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error(), "/"+bucket)
			return
		}
		var in xmlConfig
		if err := xml.NewDecoder(bytes.NewReader(body)).Decode(&in); err != nil {
			writeS3Error(w, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: "+err.Error(), "/"+bucket)
			return
		}
		if len(in.Lambdas) > 0 {
			writeS3Error(w, http.StatusBadRequest, "InvalidArgument", "Lambda destinations (CloudFunctionConfiguration) are not supported by the local cloud; use SQS or SNS", "/"+bucket)
			return
		}
		var cfg Configuration
		for _, q := range in.Queues {
			cfg.QueueConfigurations = append(cfg.QueueConfigurations, QueueConfiguration{ID: q.ID, QueueArn: q.Queue, Events: q.Events, Filter: filterOf(q.Filter)})
		}
		for _, t := range in.Topics {
			cfg.TopicConfigurations = append(cfg.TopicConfigurations, TopicConfiguration{ID: t.ID, TopicArn: t.Topic, Events: t.Events, Filter: filterOf(t.Filter)})
		}
		validate := !strings.EqualFold(r.Header.Get("X-Amz-Skip-Destination-Validation"), "true")
		if err := n.setConfiguration(r.Context(), bucket, cfg, validate); err != nil {
			msg := err.Error()
			if ia := (*InvalidArgumentError)(nil); errors.As(err, &ia) {
				msg = ia.Message // the code is the error's Code; the message is S3's, without it
			}
			writeS3Error(w, http.StatusBadRequest, "InvalidArgument", msg, "/"+bucket)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		writeS3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.", "/"+bucket)
	}
}

// deleteObjects passes DeleteObjects through and notifies ObjectRemoved:Delete for each key the
// response lists as deleted.
func (n *Notifier) deleteObjects(w http.ResponseWriter, r *http.Request, next http.Handler, bucket string) {
	n.mu.RLock()
	_, configured := n.configs[bucket]
	n.mu.RUnlock()
	if !configured {
		next.ServeHTTP(w, r)
		return
	}
	crec := httptest.NewRecorder()
	next.ServeHTTP(crec, r)
	for k, v := range crec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(crec.Code)
	body := crec.Body.Bytes()
	_, _ = w.Write(body)
	if crec.Code != http.StatusOK {
		return
	}
	var res struct {
		Deleted []struct {
			Key       string `xml:"Key"`
			VersionID string `xml:"VersionId"`
		} `xml:"Deleted"`
	}
	if err := xml.Unmarshal(body, &res); err != nil {
		return
	}
	for _, d := range res.Deleted {
		n.Notify(bucket, "ObjectRemoved:Delete", Object{Key: d.Key, VersionID: d.VersionID}, sourceIP(r), crec.Header().Get("X-Amz-Request-Id"), crec.Header().Get("X-Amz-Id-2"))
	}
}
