// Package sqstask is the local SQS's message move task handle: base64 JSON naming the task and its
// source queue, as SQS's handles are. local/sqs makes them; local/iam reads the source queue out
// of one, since CancelMessageMoveTask names no queue but is authorized on its source queue.
package sqstask

import (
	"encoding/base64"
	"encoding/json"
)

// Handle is the handle of task id moving messages from the queue sourceArn.
func Handle(id, sourceArn string) string {
	b, _ := json.Marshal(struct {
		TaskID    string `json:"taskId"`
		SourceArn string `json:"sourceArn"`
	}{id, sourceArn})
	return base64.StdEncoding.EncodeToString(b)
}

// Source is the source queue's ARN handle names, "" when it is not a handle.
func Source(handle string) string {
	b, err := base64.StdEncoding.DecodeString(handle)
	var h struct {
		SourceArn string `json:"sourceArn"`
	}
	if err != nil || json.Unmarshal(b, &h) != nil {
		return ""
	}
	return h.SourceArn
}
