package cloud

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
)

// dynamoTypes is the gateway interceptor for the "dynamodb" signing name that refuses an attribute
// value of the wrong JSON type as DynamoDB does, with a SerializationException (400), before DynamoDB
// Local sees it: DynamoDB Local stored {"S": 5} and {"N": 5} as if they were strings, and answered
// {"BOOL": "yes"} with a 500 that the SDKs retry. The message names the value's place in the request
// (Item.price.N), which DynamoDB's does not. Only a client without parameter validation sends these
// (the AWS CLIs, boto3 and the Go SDK check the types first); a request it cannot read goes on.
func dynamoTypes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		if !itemOperations[op] {
			next.ServeHTTP(w, r)
			return
		}
		body, err := gateway.PeekBody(r, 16<<20) // BatchWriteItem's 16 MB
		var in map[string]any                    // decoded once: the walk below reads it by type
		if err != nil || json.Unmarshal(body, &in) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if problem := itemValuesProblem(op, in); problem != "" {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			b, _ := json.Marshal(map[string]string{"__type": "com.amazon.coral.service#SerializationException", "Message": problem})
			w.Write(b)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// itemOperations are the operations whose requests carry attribute values.
var itemOperations = map[string]bool{"PutItem": true, "GetItem": true, "DeleteItem": true, "UpdateItem": true, "Query": true,
	"Scan": true, "BatchWriteItem": true, "BatchGetItem": true, "TransactWriteItems": true, "TransactGetItems": true}

// itemValuesProblem checks the attribute values of op's request, at the places DynamoDB's model gives
// them, and says the first wrong one ("" when they are all right).
func itemValuesProblem(op string, in map[string]any) string {
	var problem string
	var walk func(path string, v any, shape []string)
	// shape is the way from v to its attribute values: "map" (names to the rest), "list" (each
	// element), a member's name, and at the end "values" (names to values) or "value".
	walk = func(path string, v any, shape []string) {
		if problem != "" || v == nil {
			return
		}
		switch step := shape[0]; step {
		case "value":
			problem = attributeValueProblem(path, v)
		case "values", "map":
			m, ok := v.(map[string]any)
			if !ok {
				problem = path + ": not a JSON object"
				return
			}
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if step == "values" {
					walk(path+"."+k, m[k], []string{"value"})
				} else {
					walk(path+"."+k, m[k], shape[1:])
				}
			}
		case "list":
			l, ok := v.([]any)
			if !ok {
				problem = path + ": not a JSON array"
				return
			}
			for i, e := range l {
				walk(fmt.Sprintf("%s[%d]", path, i), e, shape[1:])
			}
		default: // a member
			m, ok := v.(map[string]any)
			if !ok {
				problem = path + ": not a JSON object"
				return
			}
			walk(path+"."+step, m[step], shape[1:])
		}
	}
	switch op {
	case "BatchWriteItem":
		walk("RequestItems", in["RequestItems"], []string{"map", "list", "PutRequest", "Item", "values"})
		walk("RequestItems", in["RequestItems"], []string{"map", "list", "DeleteRequest", "Key", "values"})
	case "BatchGetItem":
		walk("RequestItems", in["RequestItems"], []string{"map", "Keys", "list", "values"})
	case "TransactWriteItems", "TransactGetItems":
		for _, p := range [][]string{{"Put", "Item"}, {"Put", "ExpressionAttributeValues"}, {"Update", "Key"}, {"Update", "ExpressionAttributeValues"},
			{"Delete", "Key"}, {"Delete", "ExpressionAttributeValues"}, {"ConditionCheck", "Key"}, {"ConditionCheck", "ExpressionAttributeValues"}, {"Get", "Key"}} {
			walk("TransactItems", in["TransactItems"], []string{"list", p[0], p[1], "values"})
		}
	default:
		for _, member := range []string{"Item", "Key", "ExpressionAttributeValues", "ExclusiveStartKey"} {
			walk(member, in[member], []string{"values"})
		}
		walk("AttributeUpdates", in["AttributeUpdates"], []string{"map", "Value", "value"})
	}
	return problem
}

// attributeValueProblem checks one AttributeValue: an object of exactly one of DynamoDB's types,
// its value of that type's JSON kind.
func attributeValueProblem(path string, v any) string {
	av, ok := v.(map[string]any)
	if !ok {
		return path + ": an attribute value must be a JSON object of one type (S, N, B, SS, NS, BS, M, L, NULL, BOOL)"
	}
	if len(av) != 1 {
		return fmt.Sprintf("%s: an attribute value must have exactly one type (S, N, B, SS, NS, BS, M, L, NULL, BOOL), not %d", path, len(av))
	}
	for t, x := range av {
		at := path + "." + t
		switch t {
		case "S", "N", "B":
			if _, ok := x.(string); !ok {
				return at + ": a JSON string, not " + kindOf(x)
			}
		case "SS", "NS", "BS":
			l, ok := x.([]any)
			if !ok {
				return at + ": a JSON array of strings, not " + kindOf(x)
			}
			for i, e := range l {
				if _, ok := e.(string); !ok {
					return fmt.Sprintf("%s[%d]: a JSON string, not %s", at, i, kindOf(e))
				}
			}
		case "NULL", "BOOL":
			if _, ok := x.(bool); !ok {
				return at + ": true or false, not " + kindOf(x)
			}
		case "M":
			m, ok := x.(map[string]any)
			if !ok {
				return at + ": a JSON object of attribute values, not " + kindOf(x)
			}
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if p := attributeValueProblem(at+"."+k, m[k]); p != "" {
					return p
				}
			}
		case "L":
			l, ok := x.([]any)
			if !ok {
				return at + ": a JSON array of attribute values, not " + kindOf(x)
			}
			for i, e := range l {
				if p := attributeValueProblem(fmt.Sprintf("%s[%d]", at, i), e); p != "" {
					return p
				}
			}
		default:
			return fmt.Sprintf("%s: %q is not an attribute value's type (S, N, B, SS, NS, BS, M, L, NULL, BOOL)", path, t)
		}
	}
	return ""
}

// kindOf names a decoded JSON value's kind with its article ("a string", "an array", "null").
func kindOf(v any) string { return jsonfields.A(jsonfields.ValueKind(v)) }
