package sns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/uuid"
)

// DedupWindow is how long a FIFO topic remembers a message's deduplication id: a message published
// again with the same id within it is accepted, answered as the first, and not delivered.
const DedupWindow = 5 * time.Minute

// fifoTopic is a FIFO topic's ordering and deduplication state. Its lock is held from a message's
// sequence number to the end of its deliveries, so subscribers receive a topic's messages in the
// order of their sequence numbers.
type fifoTopic struct {
	mu    sync.Mutex
	seq   uint64
	sent  map[string]fifoSent // by deduplication id
	order []string            // deduplication ids, oldest first
}

type fifoSent struct {
	out Published
	at  time.Time
}

func (s *Service) fifoTopic(arn string) *fifoTopic {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.fifo[arn]
	if t == nil {
		t = &fifoTopic{sent: map[string]fifoSent{}}
		s.fifo[arn] = t
	}
	return t
}

// forgetFIFO drops a deleted topic's state: a topic created again under its name starts afresh.
func (s *Service) forgetFIFO(arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.fifo, arn)
}

// publishFIFO publishes to a FIFO topic: in.MessageGroupId is required, and a deduplication id
// (given, or the SHA-256 of the message when the topic has ContentBasedDeduplication).
func (s *Service) publishFIFO(ctx context.Context, in PublishInput, subs topicSubs) (Published, error) {
	if in.MessageGroupId == "" {
		return Published{}, invalid("The MessageGroupId parameter is required for FIFO topics")
	}
	if err := fifoID("MessageGroupId", in.MessageGroupId); err != nil {
		return Published{}, err
	}
	switch {
	case in.MessageDeduplicationId != "":
		if err := fifoID("MessageDeduplicationId", in.MessageDeduplicationId); err != nil {
			return Published{}, err
		}
	case subs.contentDedup:
		sum := sha256.Sum256([]byte(in.Message))
		in.MessageDeduplicationId = hex.EncodeToString(sum[:])
	default:
		return Published{}, invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
	}

	t := s.fifoTopic(in.TopicArn)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	for len(t.order) > 0 && now.Sub(t.sent[t.order[0]].at) >= DedupWindow {
		delete(t.sent, t.order[0])
		t.order = t.order[1:]
	}
	if prev, ok := t.sent[in.MessageDeduplicationId]; ok {
		return prev.out, nil
	}
	t.seq++
	out := Published{MessageID: uuid.New(), SequenceNumber: fmt.Sprintf("1%019d", t.seq)}
	t.sent[in.MessageDeduplicationId] = fifoSent{out: out, at: now}
	t.order = append(t.order, in.MessageDeduplicationId)
	s.fanOut(ctx, out, in, subs.subs)
	return out, nil
}

// fifoID checks a message group or deduplication id as SNS does: 1 to 128 characters, letters,
// digits and ASCII punctuation.
func fifoID(field, v string) *Error {
	if len(v) > 128 {
		return invalid(field + " Reason: " + field + " can only be up to 128 characters long")
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r < 127 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r)) {
			return invalid(field + " Reason: " + field + " can only include alphanumeric and punctuation characters")
		}
	}
	return nil
}

func invalid(reason string) *Error {
	return &Error{Code: "InvalidParameter", Message: "Invalid parameter: " + reason, Status: 400}
}

// checkFIFOSubscription refuses to subscribe a FIFO queue to a standard topic, as SNS does (a FIFO
// topic takes both kinds of queue).
func checkFIFOSubscription(form url.Values) *Error {
	if form.Get("Action") != "Subscribe" || form.Get("Protocol") != "sqs" {
		return nil
	}
	if strings.HasSuffix(form.Get("Endpoint"), ".fifo") && !strings.HasSuffix(form.Get("TopicArn"), ".fifo") {
		return invalid("Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")
	}
	return nil
}
