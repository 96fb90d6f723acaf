package sqs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
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
//   - such a handle in a DeleteMessageBatch entry: that entry Failed with ReceiptHandleIsInvalid
//     and the others deleted (fauxqs listed it Successful, so a script took it for deleted);
//   - a CreateQueue's QueueName of other characters than A-Z a-z 0-9 _ -, or longer than 80, or
//     without the .fifo suffix a FIFO queue's name must have, or with it on a standard queue:
//     InvalidParameterValue (fauxqs took any name, and made x.fifo a FIFO queue unasked).
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
		next.ServeHTTP(w, r)
	})
}

// checked are the actions Checks reads.
var checked = map[string]bool{"CreateQueue": true, "GetQueueAttributes": true, "SendMessage": true, "SendMessageBatch": true,
	"DeleteMessage": true, "ChangeMessageVisibility": true, "DeleteMessageBatch": true}

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
	case "SendMessage":
		if !bytes.Contains(body, []byte(`"DelaySeconds"`)) { // the usual send: nothing to decode
			return "", ""
		}
		var in struct{ DelaySeconds *int64 }
		if exactjson.Unmarshal(body, &in) == nil && in.DelaySeconds != nil && outsideDelay(*in.DelaySeconds) {
			return "InvalidParameterValue", fmt.Sprintf("Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and %d, if provided.", *in.DelaySeconds, maxDelaySeconds)
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

// deleteBatch answers a DeleteMessageBatch (body, read already) whose entries hold receipt handles
// no receive could have given: those entries Failed, as SQS lists them, and the rest passed on to
// the emulator, whose answer they join. A batch it cannot read goes on as it is.
func deleteBatch(w http.ResponseWriter, r *http.Request, next http.Handler, body []byte) {
	var in map[string]json.RawMessage
	var raw []json.RawMessage
	if json.Unmarshal(body, &in) != nil || json.Unmarshal(in["Entries"], &raw) != nil {
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
	for _, entry := range raw {
		var e struct{ Id, ReceiptHandle string }
		if json.Unmarshal(entry, &e) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if receiptHandle.MatchString(e.ReceiptHandle) {
			good = append(good, entry)
			continue
		}
		bad = append(bad, failed{Id: e.Id, SenderFault: true, Code: "ReceiptHandleIsInvalid",
			Message: fmt.Sprintf("The input receipt handle %q is not a valid receipt handle.", e.ReceiptHandle)})
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
	base, suffixed := strings.CutSuffix(name, ".fifo")
	if !fifo {
		base = name
	}
	if fifo && !suffixed || len(name) > maxQueueName || !nameChars(base) {
		if fifo {
			return "InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
		}
		return "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
	}
	return "", ""
}

// nameChars reports whether s is one or more of A-Z a-z 0-9 _ -, the characters of a queue's name
// (and of a topic's: local/sns).
func nameChars(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
}

func outsideDelay(s int64) bool { return s < 0 || s > maxDelaySeconds }

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
func writeError(w http.ResponseWriter, code, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amzn-Query-Error", code+";Sender")
	w.WriteHeader(http.StatusBadRequest)
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
	_, _ = w.Write(b)
}
