package sqs

import (
	"encoding/json"
	"net/http"

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
		var in struct{ MessageAttributeNames []json.RawMessage }
		if err != nil || exactjson.Unmarshal(body, &in) != nil || len(in.MessageAttributeNames) > 0 {
			next.ServeHTTP(w, r) // names given (the emulator filters), or a request it answers itself
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
