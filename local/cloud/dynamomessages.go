package cloud

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// DynamoDB Local answers with DynamoDB's error codes but words some of its messages its own way:
// a table that does not exist is "Cannot do operations on a non-existent table", and a key that is
// not the table's (an attribute missing, or of another type) "The number of conditions on the keys
// is invalid" or "Type mismatch for key". dynamoMessages gives them DynamoDB's words, which are what
// a user searches for. Only error answers are read: a success passes untouched.

// dynamoKeyOps are the operations whose Key names one item: a key that is not the table's is
// DynamoDB's "The provided key element does not match the schema".
var dynamoKeyOps = map[string]bool{"GetItem": true, "DeleteItem": true, "UpdateItem": true}

func (c *Cloud) dynamoMessages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := &dynamoErrorMend{ResponseWriter: w}
		next.ServeHTTP(m, r)
		if m.kept != nil { // an error: the request is read again only then, not on the way in
			m.finish(strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810."), requestTable(r))
		}
	})
}

// dynamoErrorMend passes a success through and keeps an error answer (400) for finish to word.
type dynamoErrorMend struct {
	http.ResponseWriter
	kept *bytes.Buffer // the error's body; nil for an answer passed through
	code int
}

func (m *dynamoErrorMend) WriteHeader(code int) {
	if code == http.StatusBadRequest && m.kept == nil && m.code == 0 {
		m.code, m.kept = code, new(bytes.Buffer)
		return
	}
	if m.code == 0 {
		m.code = code
	}
	m.ResponseWriter.WriteHeader(code)
}

func (m *dynamoErrorMend) Write(p []byte) (int, error) {
	if m.code == 0 {
		m.WriteHeader(http.StatusOK)
	}
	if m.kept != nil {
		return m.kept.Write(p)
	}
	return m.ResponseWriter.Write(p)
}

// Flush passes a flush through for an answer not kept.
func (m *dynamoErrorMend) Flush() {
	if f, ok := m.ResponseWriter.(http.Flusher); m.kept == nil && ok {
		f.Flush()
	}
}

func (m *dynamoErrorMend) Unwrap() http.ResponseWriter { return m.ResponseWriter }

// finish words a kept error as DynamoDB does and sends it.
func (m *dynamoErrorMend) finish(op, table string) {
	b := m.kept.Bytes()
	var e map[string]any
	if json.Unmarshal(b, &e) == nil {
		key := "message"
		if _, ok := e["Message"]; ok {
			key = "Message"
		}
		msg, _ := e[key].(string)
		if words := dynamoWords(op, table, msg); words != msg {
			e[key] = words
			if nb, err := json.Marshal(e); err == nil {
				b = nb
			}
		}
	}
	h := m.ResponseWriter.Header()
	h.Set("Content-Length", strconv.Itoa(len(b)))
	dynamoCRC32(h, b)
	m.ResponseWriter.WriteHeader(m.code)
	m.ResponseWriter.Write(b)
}

// requestTable is the table r names, read again from its body as IAM's check kept it (GetBody);
// "" when it cannot be.
func requestTable(r *http.Request) string {
	if r.GetBody == nil {
		return ""
	}
	body, err := r.GetBody()
	if err != nil {
		return ""
	}
	defer body.Close()
	var in struct{ TableName string }
	if json.NewDecoder(io.LimitReader(body, dynamoMaxBody)).Decode(&in) != nil {
		return ""
	}
	return dynamoTableName(in.TableName)
}

// dynamoWords is DynamoDB's message for DynamoDB Local's msg, answering op on table.
func dynamoWords(op, table, msg string) string {
	switch {
	case msg == "Cannot do operations on a non-existent table":
		if table == "" {
			return "Requested resource not found"
		}
		return "Requested resource not found: Table: " + table + " not found"
	case dynamoKeyOps[op] && (msg == "The number of conditions on the keys is invalid" || strings.HasPrefix(msg, "Type mismatch for key")):
		return "The provided key element does not match the schema"
	}
	return msg
}
