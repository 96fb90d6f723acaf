package sns

import (
	"fmt"
	"strings"
	"testing"
)

func str(v string) MessageAttribute { return MessageAttribute{DataType: "String", StringValue: v} }
func num(v string) MessageAttribute { return MessageAttribute{DataType: "Number", StringValue: v} }
func arr(v string) MessageAttribute {
	return MessageAttribute{DataType: "String.Array", StringValue: v}
}

// The examples of the SNS developer guide's filter policy pages, as a subscriber relies on them.
func TestFilterPolicyOnAttributes(t *testing.T) {
	order := map[string]MessageAttribute{
		"customer_interests": arr(`["soccer", "rugby", "hockey"]`),
		"store":              str("example_corp"),
		"event":              str("order_placed"),
		"price_usd":          num("210.75"),
		"source_ip":          str("10.0.0.42"),
		"encrypted":          {DataType: "Binary", BinaryValue: []byte{1}},
	}
	tests := []struct {
		name, policy string
		want         filterOutcome
	}{
		{"exact string", `{"store": ["example_corp"]}`, filterMatched},
		{"exact string, other value", `{"store": ["other_corp"]}`, filterOut},
		{"any of the array's values", `{"customer_interests": ["rugby", "football"]}`, filterMatched},
		{"none of the array's values", `{"customer_interests": ["football", "baseball"]}`, filterOut},
		{"keys are ANDed", `{"store": ["example_corp"], "event": ["order_cancelled"]}`, filterOut},
		{"numeric exact", `{"price_usd": [{"numeric": ["=", 210.75]}]}`, filterMatched},
		{"numeric range", `{"price_usd": [{"numeric": [">", 100, "<=", 250]}]}`, filterMatched},
		{"numeric range missed", `{"price_usd": [{"numeric": [">=", 250]}]}`, filterOut},
		{"a string does not equal a number", `{"price_usd": ["210.75"]}`, filterOut},
		{"a number does not equal a string", `{"store": [210]}`, filterOut},
		{"prefix", `{"event": [{"prefix": "order_"}]}`, filterMatched},
		{"suffix", `{"event": [{"suffix": "_placed"}]}`, filterMatched},
		{"equals-ignore-case", `{"store": [{"equals-ignore-case": "EXAMPLE_CORP"}]}`, filterMatched},
		{"anything-but a value", `{"event": [{"anything-but": "order_cancelled"}]}`, filterMatched},
		{"anything-but the value", `{"event": [{"anything-but": ["order_placed", "order_cancelled"]}]}`, filterOut},
		{"anything-but a prefix", `{"event": [{"anything-but": {"prefix": "order"}}]}`, filterOut},
		{"anything-but a number", `{"price_usd": [{"anything-but": [100, 200]}]}`, filterMatched},
		{"anything-but needs the attribute", `{"missing": [{"anything-but": "x"}]}`, filterOut},
		{"exists", `{"store": [{"exists": true}]}`, filterMatched},
		{"exists false on a missing attribute", `{"coupon": [{"exists": false}]}`, filterMatched},
		{"exists false on a present one", `{"store": [{"exists": false}]}`, filterOut},
		{"a binary attribute is not filtered on", `{"encrypted": [{"exists": true}]}`, filterOut},
		{"cidr", `{"source_ip": [{"cidr": "10.0.0.0/24"}]}`, filterMatched},
		{"cidr outside", `{"source_ip": [{"cidr": "10.0.1.0/24"}]}`, filterOut},
		{"$or of alternatives", `{"store": ["example_corp"], "$or": [{"event": ["order_cancelled"]}, {"price_usd": [{"numeric": [">", 200]}]}]}`, filterMatched},
		{"$or none", `{"$or": [{"event": ["order_cancelled"]}, {"price_usd": [{"numeric": ["<", 200]}]}]}`, filterOut},
		{"wildcard", `{"event": [{"wildcard": "order_*ed"}]}`, filterMatched},
		{"wildcard missed", `{"event": [{"wildcard": "*_cancel*"}]}`, filterOut},
		{"anything-but a wildcard", `{"store": [{"anything-but": {"wildcard": "*_corp"}}]}`, filterOut},
		{"numeric to five decimals", `{"price_usd": [{"numeric": ["=", 210.750001]}]}`, filterMatched},
		{"a number beyond numeric's range, exactly", `{"price_usd": [1700000000000]}`, filterOut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseFilterPolicy(tt.policy, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := f.decide(PublishInput{Message: "m", MessageAttributes: order}); got != tt.want {
				t.Errorf("decide = %q, want %q", got, tt.want)
			}
		})
	}

	f, _ := parseFilterPolicy(`{"store": ["example_corp"]}`, ScopeAttributes)
	if got := f.decide(PublishInput{Message: "m"}); got != filterNoAttributes {
		t.Errorf("no attributes: %q, want %q", got, filterNoAttributes)
	}
	if got := f.decide(PublishInput{Message: "m", MessageAttributes: map[string]MessageAttribute{"store": arr(`not json`)}}); got != filterInvalidAttrs {
		t.Errorf("a String.Array that is not JSON: %q, want %q", got, filterInvalidAttrs)
	}
}

func TestFilterPolicyOnBody(t *testing.T) {
	body := `{"order": {"store": "example_corp", "items": [{"sku": "a-1", "qty": 2}, {"sku": "b-7", "qty": 1}]},
		"event": "order_placed", "tags": ["gift", "express"], "coupon": null, "paid": true, "price_usd": 210.75,
		"matrix": [[1, 2], [3, 4]], "grid": [[{"v": "a"}], [{"v": "b"}]], "epoch_ms": 1700000000000}`
	tests := []struct {
		name, policy string
		want         filterOutcome
	}{
		{"nested key", `{"order": {"store": ["example_corp"]}}`, filterMatched},
		{"nested key, other value", `{"order": {"store": ["other"]}}`, filterOut},
		{"any object of an array", `{"order": {"items": {"sku": [{"prefix": "b-"}], "qty": [{"numeric": ["=", 1]}]}}}`, filterMatched},
		{"one object must hold both", `{"order": {"items": {"sku": ["a-1"], "qty": [{"numeric": ["=", 1]}]}}}`, filterOut},
		{"any value of an array", `{"tags": ["express"]}`, filterMatched},
		{"null", `{"coupon": [null]}`, filterMatched},
		{"boolean", `{"paid": [true]}`, filterMatched},
		{"boolean, other value", `{"paid": [false]}`, filterOut},
		{"number", `{"price_usd": [{"numeric": [">", 200]}]}`, filterMatched},
		{"exists is for leaves: an object is no value", `{"order": [{"exists": true}]}`, filterOut},
		{"exists: a null is no value", `{"coupon": [{"exists": true}]}`, filterOut},
		{"exists false: a null is no value", `{"coupon": [{"exists": false}]}`, filterMatched},
		{"exists false under a missing parent", `{"refund": {"id": [{"exists": false}]}}`, filterMatched},
		{"nested arrays are flattened", `{"matrix": [3]}`, filterMatched},
		{"objects in nested arrays", `{"grid": {"v": ["b"]}}`, filterMatched},
		{"a large plain number", `{"epoch_ms": [1700000000000]}`, filterMatched},
		{"a dotted key is a path", `{"order.store": ["example_corp"]}`, filterMatched},
		{"a dotted key, other value", `{"order.store": ["other"]}`, filterOut},
		{"missing nested object", `{"refund": {"store": ["example_corp"]}}`, filterOut},
		{"$or in a nested object", `{"order": {"$or": [{"store": ["x"]}, {"items": {"qty": [2]}}]}}`, filterMatched},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseFilterPolicy(tt.policy, ScopeBody)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.decide(PublishInput{Message: body}); got != tt.want {
				t.Errorf("decide = %q, want %q", got, tt.want)
			}
		})
	}
	f, _ := parseFilterPolicy(`{"event": ["order_placed"]}`, ScopeBody)
	for _, m := range []string{"not json", `["an", "array"]`, `"a string"`, `{"event": "order_placed"} and more`} {
		if got := f.decide(PublishInput{Message: m}); got != filterInvalidBody {
			t.Errorf("body %s: %q, want %q", m, got, filterInvalidBody)
		}
	}
	if got := f.decide(PublishInput{Message: `{}`}); got != filterOut {
		t.Errorf("an empty body: %q, want %q", got, filterOut)
	}
}

// A policy SNS refuses is refused with a reason that names the key and the rule broken.
func TestFilterPolicyRefused(t *testing.T) {
	tests := []struct {
		name, policy, scope, want string
	}{
		{"not JSON", `{"a": [`, "", "not a JSON object"},
		{"more after the object", `{"a": ["x"]} {"b": ["y"]}`, "", "more after the JSON value"},
		{"six keys", `{"a": ["x"], "b": ["x"], "c": ["x"], "d": ["x"], "e": ["x"], "f": ["x"]}`, "", "6 keys, at most 5"},
		{"not an object", `["a"]`, "", "not a JSON object"},
		{"empty", `{}`, "", "empty object"},
		{"a bare value", `{"store": "example_corp"}`, "", `store: want an array of conditions, got a string`},
		{"an empty array", `{"store": []}`, "", "store: an empty array"},
		{"nested under attributes", `{"order": {"store": ["x"]}}`, ScopeAttributes, "order: scope MessageAttributes takes no nested object"},
		{"unknown operator", `{"store": [{"contains": "x"}]}`, "", `store[0]: unknown operator "contains"`},
		{"two operators in one object", `{"store": [{"prefix": "a", "suffix": "b"}]}`, "", "exactly one key"},
		{"prefix of a number", `{"store": [{"prefix": 1}]}`, "", "prefix: want a string, got a number"},
		{"exists of a string", `{"store": [{"exists": "yes"}]}`, "", "exists: want true or false"},
		{"numeric without operator", `{"price": [{"numeric": [100]}]}`, "", "numeric"},
		{"numeric upper bound first", `{"price": [{"numeric": ["<", 100, ">", 0]}]}`, "", "a lower bound then an upper one"},
		{"numeric empty range", `{"price": [{"numeric": [">", 100, "<", 50]}]}`, "", "is empty"},
		{"numeric too large", `{"price": [{"numeric": ["=", 1e10]}]}`, "", "want -1000000000..1000000000"},
		{"cidr not a prefix", `{"ip": [{"cidr": "10.0.0.300/8"}]}`, "", "cidr:"},
		{"anything-but of an object value", `{"a": [{"anything-but": [{"x": 1}]}]}`, "", "anything-but: list values are strings or numbers"},
		{"too many combinations", `{"a": [1,2,3,4,5,6], "b": [1,2,3,4,5], "c": [1,2,3,4,5,6]}`, "", "more than 150 combinations of values"},
		{"too many to count", manyKeys(70), "", "more than 150 combinations of values"},
		{"wildcard of four stars", `{"a": [{"wildcard": "*a*b*c*"}]}`, "", "4 '*', at most 3"},
		{"unknown scope", `{"a": ["x"]}`, "MessageHeaders", `FilterPolicyScope: "MessageHeaders"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFilterPolicy(tt.policy, tt.scope)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	for _, p := range []string{"", " ", "{}", "{ }"} {
		if !noPolicy(p) {
			t.Errorf("noPolicy(%q) = false: SNS removes a policy set to it", p)
		}
	}
	if noPolicy(`{"a": ["x"]}`) {
		t.Error(`noPolicy({"a": ["x"]}) = true`)
	}
}

// Any policy and any message: parsing refuses or compiles, deciding never panics, and a policy that
// compiles keeps within SNS's size limit.
func FuzzFilterPolicy(f *testing.F) {
	f.Add(`{"store": ["example_corp"], "price_usd": [{"numeric": [">", 100, "<=", 250]}]}`, "", `{"store": "example_corp"}`, "210.75")
	f.Add(`{"order": {"items": {"sku": [{"prefix": "b-"}]}}, "$or": [{"a": [null]}, {"b": [{"exists": false}]}]}`, "MessageBody", `{"order": {"items": [{"sku": "b-7"}]}}`, "1")
	f.Add(`{"ip": [{"cidr": "10.0.0.0/24"}], "t": [{"anything-but": {"suffix": "x"}}]}`, "", `[1, "a", null]`, "x")
	f.Fuzz(func(t *testing.T, policy, scope, message, number string) {
		p, err := parseFilterPolicy(policy, scope)
		if err != nil {
			return
		}
		if n := combinations(p.root); n > maxFilterCombinations {
			t.Fatalf("compiled a policy of %d combinations", n)
		}
		_ = p.decide(PublishInput{Message: message, MessageAttributes: map[string]MessageAttribute{
			"store": str(message), "price_usd": num(number), "t": arr(message), "ip": str(number)}})
	})
}

// manyKeys is a policy of n keys with two values each: 2^n combinations.
func manyKeys(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d": ["a", "b"]`, i)
	}
	return "{" + strings.Join(keys, ", ") + "}"
}

// "$or" is the operator only as an array of 2 or more policy objects; otherwise it is an attribute
// name like any other, as SNS reads it.
func TestFilterPolicyOrAsAName(t *testing.T) {
	for _, tt := range []struct {
		policy string
		attrs  map[string]MessageAttribute
		want   filterOutcome
	}{
		{`{"$or": ["a", "b"]}`, map[string]MessageAttribute{"$or": str("b")}, filterMatched},
		{`{"$or": [{"prefix": "ab"}, {"suffix": "yz"}]}`, map[string]MessageAttribute{"$or": str("xyz")}, filterMatched},
		{`{"$or": [{"a": ["x"]}, {"b": ["y"]}]}`, map[string]MessageAttribute{"b": str("y")}, filterMatched},
		{`{"$or": [{"a": ["x"]}, {"b": ["y"]}]}`, map[string]MessageAttribute{"$or": str("x")}, filterOut},
	} {
		f, err := parseFilterPolicy(tt.policy, "")
		if err != nil {
			t.Fatalf("%s: %v", tt.policy, err)
		}
		if got := f.decide(PublishInput{Message: "m", MessageAttributes: tt.attrs}); got != tt.want {
			t.Errorf("%s on %v: %q, want %q", tt.policy, tt.attrs, got, tt.want)
		}
	}
}
