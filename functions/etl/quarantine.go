package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chaoslab/serverless-chaos-lab/internal/xmlchar"
)

// maxDetail bounds the ErrorDetail attribute in bytes (SQS counts attributes in its 256 KiB message
// limit).
const maxDetail = 1024

// quarantine sends a poison record to the error queue with its reason and reports it done (nil), so
// SQS deletes it instead of retrying what cannot succeed. A non-poison err is returned unchanged, and
// so is a failure to enqueue: the record is then redelivered rather than lost.
func (h *Handler) quarantine(ctx context.Context, log *slog.Logger, msg events.SQSMessage, ref objectRef, err error) error {
	var poison *PoisonError
	if !errors.As(err, &poison) {
		return err
	}
	attrs := map[string]sqstypes.MessageAttributeValue{}
	for name, v := range map[string]string{
		"ErrorReason": poison.Reason, "ErrorDetail": truncateUTF8(attrText(err.Error()), maxDetail),
		"SourceMessageId": msg.MessageId, "SourceBucket": ref.Bucket, "SourceKey": attrText(ref.Key),
	} {
		if v != "" { // SQS rejects empty attribute values
			attrs[name] = stringAttr(v)
		}
	}
	body := msg.Body
	if body == "" {
		body = "{}" // SQS rejects an empty body
	}
	if _, serr := h.SQS.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:          aws.String(h.Settings.ErrorQueueURL),
		MessageBody:       aws.String(body),
		MessageAttributes: attrs,
	}); serr != nil {
		log.Error("poison document could not be sent to the error queue; reported for redelivery",
			"reason", poison.Reason, "error", serr)
		return fmt.Errorf("send poison record to error queue: %w (poison: %v)", serr, err)
	}
	log.Warn("poison document sent to the error queue", "reason", poison.Reason, "error", err)
	return nil
}

func stringAttr(v string) sqstypes.MessageAttributeValue {
	return sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

// attrText makes s a valid SQS attribute value: SQS accepts only #x9, #xA, #xD, #x20-#xD7FF,
// #xE000-#xFFFD and #x10000-#x10FFFF in valid UTF-8, and rejects the whole SendMessage otherwise,
// which would turn a poison record into one retried until the redrive. Everything else (a control
// character in an object key, invalid UTF-8 quoted in an error) becomes U+FFFD.
func attrText(s string) string {
	if xmlchar.Valid(s) {
		return s
	}
	return strings.Map(func(r rune) rune { // strings.Map sees each invalid byte as utf8.RuneError
		if !xmlchar.Is(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// truncateUTF8 cuts s to at most n bytes on a character boundary, ending it with "…" when it cut, so
// that a multi-byte character is never split (SQS would reject the invalid UTF-8 left behind).
// s must be valid UTF-8.
func truncateUTF8(s string, n int) string {
	const ellipsis = "…"
	if len(s) <= n {
		return s
	}
	if n < len(ellipsis) {
		return ""
	}
	i := n - len(ellipsis)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ellipsis
}
