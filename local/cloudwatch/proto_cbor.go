package cloudwatch

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Smithy RPCv2-CBOR, what the pinned SDK for Go v2 sends:
// POST /service/GraniteServiceVersion20100801/operation/<Op>, Smithy-Protocol: rpc-v2-cbor,
// timestamps as tag 1 (epoch seconds), errors as {"__type": "<shape id>", "message": …}.

// cborTree parses a CBOR body into a decode tree (codec.go). An empty body is an empty structure.
func cborTree(raw []byte) (any, error) {
	if len(raw) == 0 {
		return map[string]any{}, nil
	}
	v, err := cbor.Decode(raw)
	if err != nil {
		return nil, invalid("CBOR body: %v", err)
	}
	if _, ok := v.(cbor.Map); !ok {
		return nil, invalid("CBOR body is %T, want a map", v)
	}
	return fromCBOR(v), nil
}

func fromCBOR(v cbor.Value) any {
	switch x := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = fromCBOR(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = fromCBOR(e)
		}
		return l
	case cbor.String:
		return string(x)
	case cbor.Bool:
		return bool(x)
	case cbor.Uint:
		return uint64(x)
	case cbor.NegInt:
		if x > math.MaxInt64 {
			return -math.Ldexp(1, 63)
		}
		return -int64(x)
	case cbor.Float32:
		return float64(x)
	case cbor.Float64:
		return float64(x)
	case *cbor.Tag:
		if t, err := cbor.AsTime(x); err == nil {
			return t.UTC()
		}
		return x
	case *cbor.Nil, *cbor.Undefined:
		return nil
	}
	return v // byte strings and other tags: no shape of this API takes them; decoding rejects them
}

// toCBOR writes an encoded tree as CBOR.
func toCBOR(v any) cbor.Value {
	switch x := v.(type) {
	case obj:
		m := make(cbor.Map, len(x))
		for _, f := range x {
			m[f.name] = toCBOR(f.v)
		}
		return m
	case dict:
		m := make(cbor.Map, len(x))
		for k, e := range x {
			m[k] = toCBOR(e)
		}
		return m
	case []any:
		l := make(cbor.List, len(x))
		for i, e := range x {
			l[i] = toCBOR(e)
		}
		return l
	case string:
		return cbor.String(x)
	case bool:
		return cbor.Bool(x)
	case float64:
		return cbor.Float64(x)
	case int64:
		if x < 0 {
			return cbor.NegInt(-x)
		}
		return cbor.Uint(x)
	case time.Time:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(epochSeconds(x))}
	}
	panic(fmt.Sprintf("cloudwatch: cannot encode %T as CBOR", v))
}

func writeCBOR(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(toCBOR(body)))
}
