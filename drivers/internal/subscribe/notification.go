package subscribe

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chaoslab/serverless-chaos-lab/internal/s3event"
)

// ObjectRef is one S3 object named by a notification.
type ObjectRef struct {
	Bucket string
	Key    string // decoded (S3 events URL-encode keys, spaces as '+')
}

// ErrNotNotification is wrapped when a body is neither an SNS envelope nor
// an S3 event.
var ErrNotNotification = errors.New("not an S3 event notification")

type snsEnvelope struct {
	Type    string `json:"Type"`
	Message string `json:"Message"`
}

// ParseNotification returns the objects named by an SQS message body: an
// SNS envelope (the CSV queue's subscription is not raw) around an S3
// event, or a bare S3 event (raw delivery, or the JSON queue's messages in
// the error queue). An S3 test event yields no objects and no error.
func ParseNotification(body string) ([]ObjectRef, error) {
	var env snsEnvelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotNotification, err)
	}
	inner := body
	if env.Type != "" {
		if env.Type != "Notification" {
			return nil, fmt.Errorf("%w: SNS message of type %q", ErrNotNotification, env.Type)
		}
		inner = env.Message
	}
	var ev s3event.Notification
	if err := json.Unmarshal([]byte(inner), &ev); err != nil {
		return nil, fmt.Errorf("%w: S3 event: %v", ErrNotNotification, err)
	}
	if ev.Event == s3event.TestEvent {
		return nil, nil
	}
	if len(ev.Records) == 0 {
		return nil, fmt.Errorf("%w: no Records", ErrNotNotification)
	}
	refs := make([]ObjectRef, 0, len(ev.Records))
	for i, r := range ev.Records {
		if r.S3.Object.Key == "" {
			return nil, fmt.Errorf("%w: Records[%d].s3.object.key is empty", ErrNotNotification, i)
		}
		key, err := r.Key()
		if err != nil {
			return nil, fmt.Errorf("%w: Records[%d].s3.object.key %q: %v", ErrNotNotification, i, r.S3.Object.Key, err)
		}
		refs = append(refs, ObjectRef{Bucket: r.S3.Bucket.Name, Key: key})
	}
	return refs, nil
}
