package cloudwatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// AWS JSON 1.0, what botocore ≥ 1.3x (boto3 1.43, AWS CLI v1.45) sends:
// POST /, X-Amz-Target: GraniteServiceVersion20100801.<Op>, Content-Type: application/x-amz-json-1.0,
// timestamps as epoch seconds (numbers). CloudWatch is awsQueryCompatible, so an error carries the
// query protocol's code in the x-amzn-query-error header ("<Code>;Sender") besides its __type.

const jsonTargetPrefix = "GraniteServiceVersion20100801."

// jsonTree parses a JSON 1.0 body into a decode tree (codec.go). An empty body is an empty structure.
func jsonTree(raw []byte) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, &apiErr{code: "SerializationException", query: "SerializationException", msg: fmt.Sprintf("JSON body: %v", err)}
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, &apiErr{code: "SerializationException", query: "SerializationException", msg: fmt.Sprintf("JSON body is %T, want an object", v)}
	}
	return v, nil
}

// appendJSON writes an encoded tree as JSON. Timestamps are epoch seconds; a non-finite double is
// a string ("NaN", "Infinity", "-Infinity") as AWS JSON protocols write it.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case obj:
		b = append(b, '{')
		for i, f := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.name)
			b = append(b, ':')
			b = appendJSON(b, f.v)
		}
		return append(b, '}')
	case dict:
		b = append(b, '{')
		for i, k := range x.sortedKeys() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x[k])
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case string:
		return appendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return appendJSONFloat(b, x)
	case time.Time:
		return appendJSONFloat(b, epochSeconds(x))
	}
	panic(fmt.Sprintf("cloudwatch: cannot encode %T as JSON", v))
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

func appendJSONFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	q, _ := json.Marshal(f) // finite: never fails; 'f' notation unless the exponent is extreme
	return append(b, q...)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_, _ = w.Write(appendJSON(nil, body))
}
