package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
)

// MessageAttributes is the gateway interceptor for the "sqs" signing name (JSON protocol) that
// gives a ReceiveMessage the messages' attributes only when it names them, as SQS does: a receive
// without MessageAttributeNames (or with an empty list) gets no MessageAttributes and no
// MD5OfMessageAttributes (API Reference, ReceiveMessage: "you can send a list of attribute names
// to receive, or you can return all of the attributes by specifying All or .*"). fauxqs returns
// every attribute to such a receive; it filters them itself when names are given.
//
// A receive that names some attributes gets those, and an MD5OfMessageAttributes of those, as
// SQS computes it over what it returns: fauxqs gave the MD5 of all of the message's, which the
// SDKs that check it (Java's, .NET's) refuse as a corrupted message.
//
// The event source mapping and the subscriber's error-queue receives ask for All, so they see no
// change (the bench's and the subscriber's CSV-queue receives ask for none and read none); a
// user's receive that asks for none now gets none, as in AWS.
func MessageAttributes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.ReceiveMessage" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := gateway.PeekBody(r, maxCheckedBody)
		var in struct{ MessageAttributeNames []string }
		if err != nil || exactjson.Unmarshal(body, &in) != nil || slices.Contains(in.MessageAttributeNames, "All") || slices.Contains(in.MessageAttributeNames, ".*") {
			next.ServeHTTP(w, r) // all of them (the emulator's MD5 is theirs), or a request it answers itself
			return
		}
		rec := gateway.NewResponseBuffer()
		next.ServeHTTP(rec, r)
		var out map[string]json.RawMessage
		var msgs []map[string]json.RawMessage
		if rec.Status() != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil ||
			json.Unmarshal(out["Messages"], &msgs) != nil || len(msgs) == 0 {
			rec.SendTo(w)
			return
		}
		for _, m := range msgs {
			var attrs map[string]attributeValue
			if len(in.MessageAttributeNames) > 0 && json.Unmarshal(m["MessageAttributes"], &attrs) == nil && len(attrs) > 0 {
				m["MD5OfMessageAttributes"], _ = json.Marshal(attributesMD5(attrs)) // the emulator filtered them
				continue
			}
			delete(m, "MessageAttributes")
			delete(m, "MD5OfMessageAttributes")
		}
		out["Messages"], _ = json.Marshal(msgs)
		b, _ := json.Marshal(out)
		rec.Body.Reset()
		rec.Body.Write(b)
		rec.SendTo(w)
	})
}

// attributeValue is a message attribute as the JSON protocol carries it (BinaryValue in base64).
type attributeValue struct {
	DataType    string
	StringValue *string
	BinaryValue []byte
}

// attributesMD5 is MD5OfMessageAttributes of attrs, as SQS's developer guide computes it ("Calculating
// the MD5 message digest for message attributes"): the attributes sorted by name, each its name,
// its data type, a transport byte (1 for String and Number, 2 for Binary) and its value, every
// string and value preceded by its length in 4 bytes, big-endian.
func attributesMD5(attrs map[string]attributeValue) string {
	h := md5.New()
	field := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[name]
		field([]byte(name))
		field([]byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			h.Write([]byte{2})
			field(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			field([]byte(aws.ToString(a.StringValue)))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
