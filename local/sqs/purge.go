package sqs

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// purgeInterval is how often a queue may be purged: "Only one PurgeQueue operation on a queue is
// allowed every 60 seconds" (SQS's API reference, PurgeQueueInProgress).
const purgeInterval = 60 * time.Second

// Purges limits PurgeQueue as SQS does: a queue purged less than 60 s ago answers
// PurgeQueueInProgress, where fauxqs purged it again (a reset loop that worked here failed on
// AWS). The zero value is not usable: NewPurges.
type Purges struct {
	now  func() time.Time
	mu   sync.Mutex
	last map[string]time.Time // by queue URL path (/<account>/<name>): when it was last purged
}

// NewPurges returns the limit, with now as its clock (time.Now when nil).
func NewPurges(now func() time.Time) *Purges {
	if now == nil {
		now = time.Now
	}
	return &Purges{now: now, last: map[string]time.Time{}}
}

// Interceptor is the gateway interceptor for the "sqs" signing name.
func (p *Purges) Interceptor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.PurgeQueue" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := gateway.PeekBody(r, maxCheckedBody)
		var in struct{ QueueUrl string }
		if err != nil || json.Unmarshal(body, &in) != nil || in.QueueUrl == "" {
			next.ServeHTTP(w, r)
			return
		}
		key := queuePath(in.QueueUrl)
		// The purge is recorded as it is let through, in one step with the check, so that two at
		// the same instant cannot both pass; one that fails gives its minute back.
		p.mu.Lock()
		last, purged := p.last[key]
		now := p.now()
		if purged && now.Sub(last) < purgeInterval {
			p.mu.Unlock()
			writeError(w, "PurgeQueueInProgress", "Only one PurgeQueue operation on "+path.Base(key)+" is allowed every 60 seconds.")
			return
		}
		p.last[key] = now
		p.mu.Unlock()
		rec := gateway.NewResponseBuffer()
		next.ServeHTTP(rec, r)
		if rec.Status() != http.StatusOK {
			p.mu.Lock()
			if p.last[key].Equal(now) {
				if purged {
					p.last[key] = last
				} else {
					delete(p.last, key)
				}
			}
			p.mu.Unlock()
		}
		rec.SendTo(w)
	})
}

// queuePath is a queue URL's path, /<account>/<name>, whatever host names the endpoint.
func queuePath(queueURL string) string {
	if u, err := url.Parse(queueURL); err == nil && u.Path != "" {
		return strings.TrimRight(u.Path, "/")
	}
	return queueURL
}
