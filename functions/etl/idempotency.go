package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// Resilient counts each S3 event once. S3 delivers event notifications at least once ("designed to be
// delivered at least once", Amazon S3 User Guide, Event notifications): a duplicate of an event
// arrives as a new SQS message with a new message id, and SQS itself redelivers a message whose
// invocation failed or timed out. So the per-message row is keyed on the S3 event, not on the SQS
// message, and written in one transaction with the summary update, conditional on that row not
// existing yet: whichever delivery commits first counts, every later one finds the row and writes
// nothing to DynamoDB and no metric.
//
// The key is SHA-256 over (bucket, key, event id), where the event id is, in order of preference:
//
//   - the record's sequencer: S3 gives every PUT or DELETE of a key a new one, and every
//     notification of that event (duplicates, replays of the message body) carries the same one.
//     It names the write, so two uploads of the same key count twice, as the seed counted them.
//     It is unique per bucket and key only, hence both are in the key.
//   - else the eTag: it names the content, not the write, so a replayed notification still counts
//     once, but so does a second upload of the same bytes to the same key (the CSV would be the same
//     bytes anyway). S3 always sends a sequencer with ObjectCreated events; the fallback is for
//     hand-made or rewritten events.
//   - else the SQS message id and the record's position in it (the earlier key): an event that
//     names no version of its object can only be recognised when SQS redelivers the same message.
//
// A hash, because a sort key holds at most 1024 bytes and an S3 key alone may have 1024; the
// inputs are stored on the row in clear (sourceBucket, objectKey, s3Sequencer or s3ETag).
//
// The row lives in the partition of the document's symbol, next to the summary it counts into. If
// the object is overwritten between two notifications of its first version, the late one reads the
// new content; it is then keyed on the old event under the new symbol and counts the new content
// once more (noticed, not handled: GetObject with the event's eTag as If-Match would tell).

const (
	// idempotencyPrefix marks per-message rows keyed on the S3 event.
	idempotencyPrefix = "obj#"
	// legacyPrefix marks per-message rows keyed on the SQS message (events without a sequencer or eTag).
	legacyPrefix = "msg#"
)

// idempotencyKey is the entryType of the per-message row of ref as named by msg.
func idempotencyKey(msg events.SQSMessage, ref objectRef) string {
	kind, id := "sequencer", ref.Sequencer
	if id == "" {
		kind, id = "etag", ref.ETag
	}
	if id == "" {
		if ref.Index == 0 {
			return legacyPrefix + msg.MessageId
		}
		return legacyPrefix + msg.MessageId + "#" + strconv.Itoa(ref.Index)
	}
	h := sha256.New()
	for _, f := range []string{ref.Bucket, ref.Key, kind, id} {
		// Length-prefixed: no choice of key can make two different tuples hash the same input.
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return idempotencyPrefix + hex.EncodeToString(h.Sum(nil))
}

// writeOnce writes the per-message row and the summary update in one transaction, conditional on the
// per-message row not existing: a duplicated or redelivered notification is recognised and counted
// once. first is true when this delivery committed the write (and so counts it).
//
// A summary ADD that DynamoDB cannot represent (the running total would leave the number range or
// need more than 38 digits) is rejected with a ValidationException, on every retry alike: it is
// returned as a *PoisonError (ReasonSummaryOverflow), unless the row shows the event was already
// counted (DynamoDB Local validates the update before it checks the condition).
func (h *Handler) writeOnce(ctx context.Context, msg events.SQSMessage, ref objectRef, doc Document) (first bool, err error) {
	key := idempotencyKey(msg, ref)
	item := map[string]ddbtypes.AttributeValue{
		"symbol":              &ddbtypes.AttributeValueMemberS{Value: doc.Symbol},
		"entryType":           &ddbtypes.AttributeValueMemberS{Value: key},
		"symbolValue":         &ddbtypes.AttributeValueMemberN{Value: doc.Value.String()},
		"messageId":           &ddbtypes.AttributeValueMemberN{Value: doc.MessageID.String()},
		"processingTimestamp": &ddbtypes.AttributeValueMemberS{Value: h.now().UTC().Format(time.RFC3339Nano)},
		"sourceBucket":        &ddbtypes.AttributeValueMemberS{Value: ref.Bucket},
		"objectKey":           &ddbtypes.AttributeValueMemberS{Value: ref.Key},
		"sqsMessageId":        &ddbtypes.AttributeValueMemberS{Value: msg.MessageId},
	}
	if ref.Sequencer != "" {
		item["s3Sequencer"] = &ddbtypes.AttributeValueMemberS{Value: ref.Sequencer}
	}
	if ref.ETag != "" {
		item["s3ETag"] = &ddbtypes.AttributeValueMemberS{Value: ref.ETag}
	}
	sum := h.summaryUpdate(doc)
	_, err = h.DynamoDB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []ddbtypes.TransactWriteItem{
			{Put: &ddbtypes.Put{
				TableName:           aws.String(h.Settings.Table),
				Item:                item,
				ConditionExpression: aws.String("attribute_not_exists(entryType)"),
			}},
			{Update: &ddbtypes.Update{
				TableName:                 sum.TableName,
				Key:                       sum.Key,
				UpdateExpression:          sum.UpdateExpression,
				ExpressionAttributeValues: sum.ExpressionAttributeValues,
			}},
		},
	})
	if err == nil {
		return true, nil
	}
	var tce *ddbtypes.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) > 0 &&
		aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		return false, nil
	}
	werr := fmt.Errorf("write %s/%s: %w", doc.Symbol, key, err)
	if !summaryRejected(err) {
		return false, werr
	}
	row, gerr := h.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(h.Settings.Table),
		Key:            rowKey(doc.Symbol, key),
		ConsistentRead: aws.Bool(true),
	})
	if gerr != nil {
		// Cannot tell a duplicate from a first delivery: retry later rather than park a counted document.
		return false, fmt.Errorf("%w; and reading the per-message row: %w", werr, gerr)
	}
	if row.Item != nil {
		return false, nil
	}
	return false, &PoisonError{Reason: ReasonSummaryOverflow, Field: "value",
		Err: fmt.Errorf("adding %s to the summary of %q: %w", doc.Value, doc.Symbol, err)}
}

// summaryRejected reports a number the summary's ADD would produce but DynamoDB cannot store.
// DynamoDB cancels the transaction with a ValidationError on the update (the second item); DynamoDB
// Local fails the whole call with a ValidationException ("Number overflow", "Number underflow",
// "DynamoDB only supports precision up to 38 digits"). The document's own numbers are checked before
// (Document.CheckDynamoDBNumbers), so a number rejected here is the sum's.
func summaryRejected(err error) bool {
	var tce *ddbtypes.TransactionCanceledException
	if errors.As(err, &tce) {
		return len(tce.CancellationReasons) > 1 && aws.ToString(tce.CancellationReasons[1].Code) == "ValidationError"
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		return false
	}
	msg := strings.ToLower(ae.ErrorMessage())
	return strings.Contains(msg, "number overflow") || strings.Contains(msg, "number underflow") ||
		strings.Contains(msg, "precision")
}

func rowKey(symbol, entryType string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		"symbol":    &ddbtypes.AttributeValueMemberS{Value: symbol},
		"entryType": &ddbtypes.AttributeValueMemberS{Value: entryType},
	}
}
