package cloud

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An attribute value of the wrong JSON type is a SerializationException naming its place, where
// DynamoDB Local stored {"S": 5} and answered {"BOOL": "yes"} with a 500; a right one, and every
// other request, goes on to DynamoDB Local untouched.
func TestDynamoTypesRefusesWrongValueTypes(t *testing.T) {
	for _, tc := range []struct {
		op, body string
		want     string // "" when the request goes on
	}{
		{"PutItem", `{"TableName":"t","Item":{"k":{"S":"a"},"n":{"N":"1.5"},"b":{"B":"AA=="},"ss":{"SS":["a"]},"ns":{"NS":["1"]},"bs":{"BS":["AA=="]},` +
			`"m":{"M":{"x":{"BOOL":true}}},"l":{"L":[{"NULL":true},{"S":"x"}]}},"ExpressionAttributeValues":{":v":{"S":"x"}}}`, ""},
		{"PutItem", `{"TableName":"t","Item":{"k":{"S":5}}}`, "Item.k.S: a JSON string, not a number"},
		{"PutItem", `{"TableName":"t","Item":{"k":{"S":"a"},"n":{"N":5}}}`, "Item.n.N: a JSON string, not a number"},
		{"PutItem", `{"TableName":"t","Item":{"k":{"S":"a"},"x":{"BOOL":"yes"}}}`, "Item.x.BOOL: true or false, not a string"},
		{"PutItem", `{"TableName":"t","Item":{"k":{"S":"a"},"x":{"L":"x"}}}`, "Item.x.L: a JSON array of attribute values, not a string"},
		{"PutItem", `{"TableName":"t","Item":{"k":{"S":"a"},"x":{"M":{"y":{"L":[{"S":"ok"},{"N":1}]}}}}}`, "Item.x.M.y.L[1].N: a JSON string, not a number"},
		{"PutItem", `{"TableName":"t","Item":{"k":{"S":"a","N":"1"}}}`, "Item.k: an attribute value must have exactly one type"},
		{"PutItem", `{"TableName":"t","Item":{"k":{"Str":"a"}}}`, `Item.k: "Str" is not an attribute value's type`},
		{"PutItem", `{"TableName":"t","Item":{"k":"a"}}`, "Item.k: an attribute value must be a JSON object"},
		{"PutItem", `{"TableName":"t","Item":{"k":{"SS":"a"}}}`, "Item.k.SS: a JSON array of strings, not a string"},
		{"GetItem", `{"TableName":"t","Key":{"k":{"S":null}}}`, "Key.k.S: a JSON string, not null"},
		{"UpdateItem", `{"TableName":"t","Key":{"k":{"S":"a"}},"ExpressionAttributeValues":{":v":{"N":2}}}`, "ExpressionAttributeValues.:v.N: a JSON string, not a number"},
		{"UpdateItem", `{"TableName":"t","Key":{"k":{"S":"a"}},"AttributeUpdates":{"n":{"Value":{"N":2},"Action":"PUT"}}}`, "AttributeUpdates.n.Value.N: a JSON string, not a number"},
		{"Query", `{"TableName":"t","ExclusiveStartKey":{"k":{"S":1}}}`, "ExclusiveStartKey.k.S: a JSON string, not a number"},
		{"BatchWriteItem", `{"RequestItems":{"t":[{"PutRequest":{"Item":{"k":{"S":"a"}}}},{"DeleteRequest":{"Key":{"k":{"S":1}}}}]}}`, "RequestItems.t[1].DeleteRequest.Key.k.S: a JSON string, not a number"},
		{"BatchWriteItem", `{"RequestItems":{"t":[{"PutRequest":{"Item":{"k":{"S":"a"}}}}]}}`, ""},
		{"BatchGetItem", `{"RequestItems":{"t":{"Keys":[{"k":{"S":"a"}},{"k":{"BOOL":1}}]}}}`, "RequestItems.t.Keys[1].k.BOOL: true or false, not a number"},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"t","Item":{"k":{"S":"a"}}}},{"Update":{"TableName":"t","Key":{"k":{"S":"a"}},"ExpressionAttributeValues":{":v":{"N":[]}}}}]}`,
			"TransactItems[1].Update.ExpressionAttributeValues.:v.N: a JSON string, not an array"},
		{"DescribeTable", `{"TableName":"t","Item":{"k":{"S":5}}}`, ""}, // not an item operation
		{"PutItem", `{"TableName":`, ""},                                // DynamoDB Local answers what cannot be read
	} {
		reached := false
		h := dynamoTypes(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached = true
			if b, err := io.ReadAll(r.Body); err != nil || string(b) != tc.body {
				t.Errorf("%s %s: DynamoDB Local got %q, %v", tc.op, tc.body, b, err)
			}
		}))
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		r.Header.Set("X-Amz-Target", "DynamoDB_20120810."+tc.op)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if tc.want == "" {
			if !reached {
				t.Errorf("%s %s: refused (%s), want it passed on", tc.op, tc.body, w.Body.String())
			}
			continue
		}
		var out struct{ Type, Message string }
		_ = json.Unmarshal(w.Body.Bytes(), &struct {
			Type    *string `json:"__type"`
			Message *string
		}{&out.Type, &out.Message})
		if reached || w.Code != http.StatusBadRequest || out.Type != "com.amazon.coral.service#SerializationException" || !strings.HasPrefix(out.Message, tc.want) {
			t.Errorf("%s %s: reached %v, %d %s; want 400 SerializationException %q", tc.op, tc.body, reached, w.Code, w.Body.String(), tc.want)
		}
	}
}

// BenchmarkDynamoTypes is the check of one document's write as the ETL function sends it (a
// transaction of a row put under a condition and a summary's ADD): its cost on the pipeline's path.
func BenchmarkDynamoTypes(b *testing.B) {
	body := `{"TransactItems":[{"Put":{"TableName":"ChaosLab-PipelineTable","Item":{"symbol":{"S":"ACME"},"entryType":{"S":"msg#4f1c2a7e-0d2b-4c55-9a1e-3b8f7c6d5e4a"},` +
		`"price":{"N":"123.45"},"quantity":{"N":"10"},"sourceKey":{"S":"input/doc-000123.json"},"processedAt":{"S":"2026-12-06T09:33:16Z"}},` +
		`"ConditionExpression":"attribute_not_exists(entryType)"}},{"Update":{"TableName":"ChaosLab-PipelineTable","Key":{"symbol":{"S":"ACME"},"entryType":{"S":"summary"}},` +
		`"UpdateExpression":"ADD writeCount :one, totalQuantity :q","ExpressionAttributeValues":{":one":{"N":"1"},":q":{"N":"10"}}}}]}`
	h := dynamoTypes(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", "DynamoDB_20120810.TransactWriteItems")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
