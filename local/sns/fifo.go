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

// DedupWindow is how long a FIFO topic remembers a message's deduplication id (Options.DedupWindow's
// default): a message published again with the same id within it is accepted, answered as the
// first, and not delivered.
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

// checkIDs checks a message's group and deduplication ids against its topic, as SNS does: a FIFO
// topic requires a group id, and a deduplication id unless it has ContentBasedDeduplication; a
// standard topic refuses a deduplication id and checks a group id by the same rules (SNS passes it
// to standard queues for fair queueing).
func checkIDs(in PublishInput, subs topicSubs) *Error {
	if in.MessageGroupId != "" {
		if err := fifoID("MessageGroupId", in.MessageGroupId); err != nil {
			return err
		}
	}
	if !subs.fifo {
		if in.MessageDeduplicationId != "" {
			return invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
		}
		return nil
	}
	if in.MessageGroupId == "" {
		return invalid("The MessageGroupId parameter is required for FIFO topics")
	}
	if in.MessageDeduplicationId != "" {
		return fifoID("MessageDeduplicationId", in.MessageDeduplicationId)
	}
	if !subs.contentDedup {
		return invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
	}
	return nil
}

// publishFIFO publishes to a FIFO topic a message whose ids checkIDs accepted; without a
// deduplication id, the SHA-256 of the message is its id.
func (s *Service) publishFIFO(ctx context.Context, in PublishInput, subs topicSubs) (Published, error) {
	if in.MessageDeduplicationId == "" {
		sum := sha256.Sum256([]byte(in.Message))
		in.MessageDeduplicationId = hex.EncodeToString(sum[:])
	}
	key := in.MessageDeduplicationId
	if subs.groupDedup { // FifoThroughputScope MessageGroup: ids are per group
		key = in.MessageGroupId + "\x00" + key
	}

	t := s.fifoTopic(in.TopicArn)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	for len(t.order) > 0 && now.Sub(t.sent[t.order[0]].at) >= s.opts.DedupWindow {
		delete(t.sent, t.order[0])
		t.order = t.order[1:]
	}
	if prev, ok := t.sent[key]; ok {
		return prev.out, nil
	}
	t.seq++
	out := Published{MessageID: uuid.New(), SequenceNumber: fmt.Sprintf("1%019d", t.seq)}
	t.sent[key] = fifoSent{out: out, at: now}
	t.order = append(t.order, key)
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
