package cloud

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// DynamoDB Local names its tables in a region of its own ("arn:aws:dynamodb:ddblocal:...") and
// takes a table's ARN only where an operation names one table: dynamoARNs makes both the local
// cloud's. A table's ARN in the answers that carry one (CreateTable, DescribeTable, UpdateTable,
// DeleteTable, and their indexes' and streams' ARNs) is us-east-1's, so the ARN DescribeTable
// gives can be given back; and a TransactWriteItems or TransactGetItems whose items name their
// table by its ARN reaches DynamoDB Local with the name (it answered ResourceNotFoundException).
// dynamoTables, before it, has refused an ARN of another region or account.

// dynamoLocalARN and dynamoARN are the prefixes of a table's ARN in DynamoDB Local and here.
const (
	dynamoLocalARN = "arn:aws:dynamodb:ddblocal:"
	dynamoARN      = "arn:aws:dynamodb:" + Region + ":"
)

// dynamoTableAnswers are the operations whose answers carry a table's ARN.
var dynamoTableAnswers = map[string]bool{"CreateTable": true, "DescribeTable": true, "UpdateTable": true, "DeleteTable": true}

// dynamoTransactions are the operations whose items each name a table.
var dynamoTransactions = map[string]bool{"TransactWriteItems": true, "TransactGetItems": true}

// dynamoMaxBody bounds the request body dynamoARNs reads (TransactWriteItems is 4 MB at most).
const dynamoMaxBody = 8 << 20

func (c *Cloud) dynamoARNs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		switch {
		case dynamoTransactions[op]:
			if err := transactionTableNames(r); err != nil {
				gateway.WriteError(w, r, http.StatusBadRequest, "SerializationException", err.Error())
				return
			}
			next.ServeHTTP(w, r)
		case dynamoTableAnswers[op]:
			rec := gateway.NewResponseBuffer()
			next.ServeHTTP(rec, r)
			if b := rec.Body.Bytes(); bytes.Contains(b, []byte(dynamoLocalARN)) {
				setDynamoBody(rec, bytes.ReplaceAll(b, []byte(dynamoLocalARN), []byte(dynamoARN)))
			}
			rec.SendTo(w)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// setDynamoBody makes b the body of the answer rec keeps, with its CRC32 (dynamoCRC32).
func setDynamoBody(rec *gateway.ResponseBuffer, b []byte) {
	rec.Body.Reset()
	rec.Body.Write(b)
	dynamoCRC32(rec.Header(), b)
}

// dynamoCRC32 sets the X-Amz-Crc32 of an answer whose body is now b, where DynamoDB Local gave
// one: the SDKs check DynamoDB's answers against it.
func dynamoCRC32(h http.Header, b []byte) {
	if h.Get("X-Amz-Crc32") != "" {
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10))
	}
}

// transactionTableNames gives each item of r's TransactItems that names its table by an ARN the
// table's name instead. A body without an ARN is left as it is, unread past the check.
func transactionTableNames(r *http.Request) error {
	body, err := gateway.PeekBody(r, dynamoMaxBody)
	if err != nil || !bytes.Contains(body, []byte("arn:aws:dynamodb:")) {
		return nil // the emulator answers what it cannot read
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var in map[string]any
	if dec.Decode(&in) != nil {
		return nil
	}
	items, _ := in["TransactItems"].([]any)
	changed := false
	for _, it := range items {
		kinds, _ := it.(map[string]any)
		for _, v := range kinds {
			x, _ := v.(map[string]any)
			if name, ok := x["TableName"].(string); ok && strings.HasPrefix(name, "arn:") {
				if _, table, ok := strings.Cut(name, ":table/"); ok {
					x["TableName"], changed = table, true
				}
			}
		}
	}
	if !changed {
		return nil
	}
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	r.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return nil
}
