package sqs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/awsnames"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/msgattr"
)

// Checks is the gateway interceptor for the "sqs" signing name (JSON protocol; a query-protocol
// request reaches it translated) that refuses what SQS refuses and fauxqs lets through, where a
// user would otherwise learn nothing of a typo:
//
//   - an attribute name that SQS does not have, in GetQueueAttributes' AttributeNames or
//     CreateQueue's Attributes: InvalidAttributeName "Unknown Attribute <name>." (fauxqs answered
//     GetQueueAttributes without it and created the queue without it; its SetQueueAttributes
//     checks names itself);
//   - a message's DelaySeconds outside 0 to 900 in SendMessage or a SendMessageBatch entry:
//     InvalidParameterValue naming the value (fauxqs sent the message);
//   - a ReceiptHandle that no receive could have given (the emulator's are UUIDs) in
//     DeleteMessage or ChangeMessageVisibility: ReceiptHandleIsInvalid (fauxqs answered the
//     delete as done). A handle of the right form that is stale is SQS's business as before: the
//     delete succeeds and deletes nothing;
//   - a ChangeMessageVisibility of a handle of the right form whose message is not in flight (deleted,
//     or visible again): InvalidParameterValue "Value <handle> for parameter ReceiptHandle is
//     invalid. Reason: Message does not exist or is not available for visibility timeout change.",
//     SQS's words for a deleted message's handle (fauxqs answered MessageNotInflight, a code of
//     SQS's model that SQS is not seen to answer: an SDK's handler for InvalidParameterValue missed
//     it). SQS answers a handle whose visibility ran out with success and changes nothing; here
//     that is the same refusal (the emulator, mended to move such a message back first, cannot
//     tell it from a deleted one), and the message stays visible. A ChangeMessageVisibilityBatch
//     entry of such a handle is Failed with fauxqs's ReceiptHandleIsInvalid, unchanged: what SQS
//     lists for it is not on record here;
//   - such a handle in a DeleteMessageBatch entry: that entry Failed with ReceiptHandleIsInvalid
//     and the others deleted (fauxqs listed it Successful, so a script took it for deleted);
//   - a message's attributes that SQS refuses, in SendMessage (InvalidParameterValue) or a
//     SendMessageBatch entry (that entry Failed with InvalidParameterValue, the others sent):
//     more than 10, a name or data type SQS does not take, an empty value, a Number that is not
//     one (attributesProblem; fauxqs stored them all);
//   - a CreateQueue's QueueName of other characters than A-Z a-z 0-9 _ -, or longer than 80, or
//     without the .fifo suffix a FIFO queue's name must have, or with it on a standard queue:
//     InvalidParameterValue (fauxqs took any name, and made x.fifo a FIFO queue unasked);
//   - a KmsMasterKeyId in CreateQueue or SetQueueAttributes: InvalidAttributeValue saying that this
//     cloud has no KMS. fauxqs dropped it, and the queue read back unencrypted by KMS while the
//     user's template or script believed otherwise; SQS's own encryption (SqsManagedSseEnabled,
//     on by default: SSE) is what there is. Stricter than SQS, which takes any key's id at
//     CreateQueue and fails the sends when KMS does not know it.
//
// Anything it cannot read goes on to the emulator, which answers it.
func Checks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		if !checked[op] {
			next.ServeHTTP(w, r)
			return
		}
		body, err := gateway.PeekBody(r, maxCheckedBody)
		if err == nil && op == "DeleteMessageBatch" {
			deleteBatch(w, r, next, body)
			return
		}
		if err == nil {
			if code, msg := check(op, body); code != "" {
				writeError(w, code, msg)
				return
			}
		}
		if err == nil && op == "ChangeMessageVisibility" {
			changeVisibility(w, r, next, body)
			return
		}
		if err == nil && op == "SendMessageBatch" && bytes.Contains(body, []byte(`"MessageAttributes"`)) {
			failBatchEntries(w, r, next, body, sendEntryFailure)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checked are the actions Checks reads.
var checked = map[string]bool{"CreateQueue": true, "SetQueueAttributes": true, "GetQueueAttributes": true, "SendMessage": true,
	"SendMessageBatch": true, "DeleteMessage": true, "ChangeMessageVisibility": true, "DeleteMessageBatch": true}

// maxCheckedBody bounds what Checks reads of a request: SQS's largest, a batch of 1 MiB messages
// is 1 MiB in all, plus its JSON.
const maxCheckedBody = 2 << 20

// maxDelaySeconds is the longest a message may be delayed (SendMessage's DelaySeconds: "Valid
// values: 0 to 900").
const maxDelaySeconds = 900

// check returns the error code and message SQS answers a request of op with body, or "".
func check(op string, body []byte) (code, msg string) {
	switch op {
	case "GetQueueAttributes":
		var in struct{ AttributeNames []string }
		if exactjson.Unmarshal(body, &in) != nil {
			return "", ""
		}
		for _, name := range in.AttributeNames {
			if !slices.Contains(queueAttributeNames, types.QueueAttributeName(name)) {
				return unknownAttribute(name)
			}
		}
	case "CreateQueue":
		var in struct {
			QueueName  *string
			Attributes map[string]json.RawMessage
		}
		if exactjson.Unmarshal(body, &in) != nil {
			return "", ""
		}
		if in.QueueName != nil {
			var fifo string
			_ = json.Unmarshal(in.Attributes["FifoQueue"], &fifo)
			if code, msg := queueNameProblem(*in.QueueName, strings.EqualFold(fifo, "true")); code != "" {
				return code, msg
			}
		}
		names := make([]string, 0, len(in.Attributes))
		for name := range in.Attributes {
			names = append(names, name)
		}
		slices.Sort(names) // the same request, the same error
		for _, name := range names {
			if !slices.Contains(queueAttributeNames, types.QueueAttributeName(name)) || readOnlyAttributes[name] {
				return unknownAttribute(name)
			}
		}
		return noKMS(in.Attributes)
	case "SetQueueAttributes": // the names are fauxqs's to check
		var in struct{ Attributes map[string]json.RawMessage }
		if exactjson.Unmarshal(body, &in) != nil {
			return "", ""
		}
		return noKMS(in.Attributes)
	case "SendMessage":
		// The usual send (no delay, no attributes): nothing to decode.
		if !bytes.Contains(body, []byte(`"DelaySeconds"`)) && !bytes.Contains(body, []byte(`"MessageAttributes"`)) {
			return "", ""
		}
		var in struct {
			DelaySeconds      *int64
			MessageAttributes map[string]attributeValue
		}
		if exactjson.Unmarshal(body, &in) != nil {
			return "", ""
		}
		if in.DelaySeconds != nil && outsideDelay(*in.DelaySeconds) {
			return "InvalidParameterValue", fmt.Sprintf("Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and %d, if provided.", *in.DelaySeconds, maxDelaySeconds)
		}
		if msg := attributesProblem(in.MessageAttributes); msg != "" {
			return "InvalidParameterValue", msg
		}
	case "DeleteMessage", "ChangeMessageVisibility":
		var in struct{ ReceiptHandle *string }
		if exactjson.Unmarshal(body, &in) == nil && in.ReceiptHandle != nil && !receiptHandle.MatchString(*in.ReceiptHandle) {
			return "ReceiptHandleIsInvalid", fmt.Sprintf("The input receipt handle %q is not a valid receipt handle.", *in.ReceiptHandle)
		}
	case "SendMessageBatch":
		if !bytes.Contains(body, []byte(`"DelaySeconds"`)) {
			return "", ""
		}
		var in struct {
			Entries []struct {
				Id           string
				DelaySeconds *int64
			}
		}
		if exactjson.Unmarshal(body, &in) != nil {
			return "", ""
		}
		for _, e := range in.Entries {
			if e.DelaySeconds != nil && outsideDelay(*e.DelaySeconds) {
				return "InvalidParameterValue", fmt.Sprintf("Value %d for parameter DelaySeconds of entry %s is invalid. Reason: must be between 0 and %d, if provided.", *e.DelaySeconds, e.Id, maxDelaySeconds)
			}
		}
	}
	return "", ""
}

// changeVisibility passes a ChangeMessageVisibility (body, read already) on to the emulator and
// answers its refusal of a message not in flight as SQS does (Checks).
func changeVisibility(w http.ResponseWriter, r *http.Request, next http.Handler, body []byte) {
	rec := gateway.NewResponseBuffer()
	next.ServeHTTP(rec, r)
	var answer struct {
		Type string `json:"__type"`
	}
	var in struct{ ReceiptHandle string }
	if rec.Status() != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &answer) != nil ||
		answer.Type != "com.amazonaws.sqs#MessageNotInflight" || exactjson.Unmarshal(body, &in) != nil {
		rec.SendTo(w)
		return
	}
	writeError(w, "InvalidParameterValue", fmt.Sprintf("Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", in.ReceiptHandle))
}

// deleteBatch answers a DeleteMessageBatch (body, read already) whose entries hold receipt handles
// no receive could have given: those entries Failed, as SQS lists them, and the rest passed on to
// the emulator, whose answer they join.
func deleteBatch(w http.ResponseWriter, r *http.Request, next http.Handler, body []byte) {
	failBatchEntries(w, r, next, body, func(entry json.RawMessage) (id, code, msg string, ok bool) {
		var e struct{ Id, ReceiptHandle string }
		if json.Unmarshal(entry, &e) != nil {
			return "", "", "", false
		}
		if receiptHandle.MatchString(e.ReceiptHandle) {
			return e.Id, "", "", true
		}
		return e.Id, "ReceiptHandleIsInvalid", fmt.Sprintf("The input receipt handle %q is not a valid receipt handle.", e.ReceiptHandle), true
	})
}

// sendEntryFailure is the failure SQS lists for a SendMessageBatch entry whose message attributes
// it refuses: the entry Failed with InvalidParameterValue (SenderFault), the others sent, as
// SendMessageBatch's reference has it ("The result of sending each message is reported
// individually in the response") and as SQS answers a bad attribute in a batch (an entry's
// "error_code: InvalidParameterValue" for its empty value, in boto's issue 3335). ok is false
// for an entry it cannot read.
func sendEntryFailure(entry json.RawMessage) (id, code, msg string, ok bool) {
	var e struct {
		Id                string
		MessageAttributes map[string]attributeValue
	}
	if exactjson.Unmarshal(entry, &e) != nil {
		return "", "", "", false
	}
	if msg := attributesProblem(e.MessageAttributes); msg != "" {
		return e.Id, "InvalidParameterValue", msg, true
	}
	return e.Id, "", "", true
}

// maxBatchEntries is a batch's most entries (TooManyEntriesInBatchRequest beyond).
const maxBatchEntries = 10

// failBatchEntries answers a batch request (body, read already) some of whose entries SQS fails
// one by one (failure's code not ""): those entries Failed, as SQS lists them, and the rest
// passed on to the emulator, whose answer they join. A batch it cannot read, or that SQS refuses
// whole (no entries, more than ten, ids not distinct: the emulator's answer), goes on as it is.
func failBatchEntries(w http.ResponseWriter, r *http.Request, next http.Handler, body []byte, failure func(entry json.RawMessage) (id, code, msg string, ok bool)) {
	var in map[string]json.RawMessage
	var raw []json.RawMessage
	if json.Unmarshal(body, &in) != nil || json.Unmarshal(in["Entries"], &raw) != nil || len(raw) == 0 || len(raw) > maxBatchEntries {
		next.ServeHTTP(w, r)
		return
	}
	type failed struct {
		Id          string
		SenderFault bool
		Code        string
		Message     string
	}
	var bad []failed
	var good []json.RawMessage
	ids := map[string]bool{}
	for _, entry := range raw {
		id, code, msg, ok := failure(entry)
		if !ok || ids[id] {
			next.ServeHTTP(w, r)
			return
		}
		ids[id] = true
		if code == "" {
			good = append(good, entry)
			continue
		}
		bad = append(bad, failed{Id: id, SenderFault: true, Code: code, Message: msg})
	}
	if len(bad) == 0 {
		next.ServeHTTP(w, r)
		return
	}
	out := map[string]any{"Successful": []any{}, "Failed": bad}
	if len(good) > 0 {
		in["Entries"], _ = json.Marshal(good)
		b, _ := json.Marshal(in)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		r.Header.Set("Content-Length", strconv.Itoa(len(b)))
		rec := gateway.NewResponseBuffer()
		next.ServeHTTP(rec, r)
		var answer struct {
			Successful []json.RawMessage
			Failed     []json.RawMessage
		}
		if rec.Status() != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &answer) != nil {
			rec.SendTo(w) // the batch's own error: the emulator's answer
			return
		}
		out["Successful"] = append([]json.RawMessage{}, answer.Successful...)
		merged := append([]json.RawMessage{}, answer.Failed...)
		for _, f := range bad {
			b, _ := json.Marshal(f)
			merged = append(merged, b)
		}
		out["Failed"] = merged
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Write(b)
}

// maxMessageAttributes: "Each message can have up to 10 attributes" (SQS's developer guide,
// "Amazon SQS message attributes").
const maxMessageAttributes = 10

// attributesProblem says why SQS refuses a message's attributes ("" when it takes them), as its
// developer guide ("Amazon SQS message attributes") states them: at most 10; each name as
// msgattr.NameProblem has it (the characters A-Z a-z 0-9 _ - ., up to 256, no AWS. or Amazon.
// prefix in any case, no period first, last or twice in a row); a DataType of String, Number or
// Binary, optionally followed by a period and a custom label ("Number.float"); a String's or
// Number's value not empty ("String" and "Number" values are text) and a Number a number
// (msgattr.IsNumber: up to 38 digits, 10^-128 to 10^126), a Binary's not empty either (stricter
// than the guide says, as SNS is). fauxqs took them all; the messages are SQS's wording.
func attributesProblem(attrs map[string]attributeValue) string {
	if len(attrs) > maxMessageAttributes {
		return fmt.Sprintf("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxMessageAttributes)
	}
	names := slices.Sorted(maps.Keys(attrs)) // the same request, the same error
	for _, name := range names {
		a := attrs[name]
		if why := msgattr.NameProblem(name); why != "" {
			return fmt.Sprintf("The message (user) attribute '%s' %s.", name, why)
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch base {
		case "String", "Number":
			if a.StringValue == nil || *a.StringValue == "" {
				return fmt.Sprintf("The message (user) attribute '%s' must contain a non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
			}
			if base == "Number" && !msgattr.IsNumber(*a.StringValue) {
				return fmt.Sprintf("Can't cast the value of message (user) attribute '%s' to a number.", name)
			}
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return fmt.Sprintf("The message (user) attribute '%s' must contain a non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
			}
		default:
			return fmt.Sprintf("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
	}
	return ""
}

// receiptHandle is the form of the emulator's receipt handles (fauxqs gives each receive a
// crypto.randomUUID()).
var receiptHandle = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// maxQueueName is the longest queue name, a FIFO queue's .fifo suffix included (CreateQueue's
// QueueName: "A queue name can have up to 80 characters").
const maxQueueName = 80

// queueNameProblem returns the error SQS answers a CreateQueue of name, of a FIFO queue or not, or
// "". CreateQueue's QueueName: "Valid values: alphanumeric characters, hyphens (-), and underscores
// (_)", up to 80 characters, and "A FIFO queue name must end with the .fifo suffix": a standard
// queue's may not (its period is not among the valid characters). fauxqs took any name, and made a
// queue named x.fifo a FIFO queue without FifoQueue, where SQS refuses it.
func queueNameProblem(name string, fifo bool) (code, msg string) {
	if !awsnames.QueueOrTopic(name, fifo, maxQueueName) {
		if fifo {
			return "InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
		}
		return "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
	}
	return "", ""
}

func outsideDelay(s int64) bool { return s < 0 || s > maxDelaySeconds }

// noKMS refuses a KmsMasterKeyId among a queue's attributes: there is no KMS to hold its key.
func noKMS(attrs map[string]json.RawMessage) (code, msg string) {
	raw, ok := attrs[string(types.QueueAttributeNameKmsMasterKeyId)]
	if !ok {
		return "", ""
	}
	var key string
	_ = json.Unmarshal(raw, &key)
	return "InvalidAttributeValue", fmt.Sprintf("Invalid value for the parameter KmsMasterKeyId. Reason: the local cloud has no KMS to hold %q; "+
		"leave KmsMasterKeyId out: SQS's own encryption (SqsManagedSseEnabled, on unless set to false) encrypts the queue.", key)
}

func unknownAttribute(name string) (code, msg string) {
	return "InvalidAttributeName", "Unknown Attribute " + name + "."
}

// queueAttributeNames are the names SQS's model gives a queue's attributes (All included, which
// only GetQueueAttributes takes).
var queueAttributeNames = types.QueueAttributeName("").Values()

// readOnlyAttributes are the ones SQS computes, which CreateQueue cannot set.
var readOnlyAttributes = map[string]bool{
	"All": true, "ApproximateNumberOfMessages": true, "ApproximateNumberOfMessagesNotVisible": true,
	"ApproximateNumberOfMessagesDelayed": true, "CreatedTimestamp": true, "LastModifiedTimestamp": true, "QueueArn": true,
}

// writeError answers in SQS's JSON protocol, with the x-amzn-query-error header that SDKs of
// either protocol read the code from (the gateway turns it into the query protocol's XML for
// query clients).
func writeError(w http.ResponseWriter, code, msg string) { writeCodedError(w, code, code, msg) }

// writeCodedError is writeError for an error whose query-protocol code differs from its JSON type
// (QueueDoesNotExist is AWS.SimpleQueueService.NonExistentQueue to a query client).
func writeCodedError(w http.ResponseWriter, jsonType, queryCode, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amzn-Query-Error", queryCode+";Sender")
	w.WriteHeader(http.StatusBadRequest)
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.sqs#" + jsonType, "message": msg})
	_, _ = w.Write(b)
}
