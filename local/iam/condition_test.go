package iam

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything/at:all", true},
		{"a*", "a", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*a*b*", "xxaxxbxx", true},
		{"*a*b*", "xxbxxaxx", false},
		{"input/*.json", "input/a/b.json", true},
		{"input/*.json", "input/a/b.json.bak", false},
		{"abc", "ABC", false},
		{"", "", true},
		{"", "a", false},
		{"**", "a", true},
		{"a*b*c*d", "aXbYcZd", true},
		{"a*b*c*d", "aXbYcZ", false},
	} {
		if got := glob(c.pattern, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestMatchARN(t *testing.T) {
	for _, c := range []struct {
		pattern, arn string
		want         bool
	}{
		{"*", "arn:aws:sqs:us-east-1:000000000000:q", true},
		{"arn:aws:sqs:us-east-1:000000000000:q", "arn:aws:sqs:us-east-1:000000000000:q", true},
		{"arn:aws:sqs:*:000000000000:q", "arn:aws:sqs:us-east-1:000000000000:q", true},
		{"arn:aws:sqs:us-east-1:*:*", "arn:aws:sqs:us-east-1:000000000000:q", true},
		{"arn:aws:sqs:us-east-1:000000000000:Q", "arn:aws:sqs:us-east-1:000000000000:q", false},
		// A wildcard stays in its part: the region * does not swallow the account.
		{"arn:aws:sqs:*:000000000000:q", "arn:aws:sqs:a:b:000000000000:q", false},
		// The resource part keeps its colons.
		{"arn:aws:states:us-east-1:000000000000:execution:M:*", "arn:aws:states:us-east-1:000000000000:execution:M:run-1", true},
		{"arn:aws:states:us-east-1:000000000000:execution:M:*", "arn:aws:states:us-east-1:000000000000:execution:N:run-1", false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/a:b/c", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::c/a", false},
		// Not six parts: matched as a whole.
		{"arn:aws:sqs:*", "arn:aws:sqs:us-east-1:000000000000:q", true},
		{"arn:aws:s3:::b", "*", false},
	} {
		if got := matchARN(c.pattern, c.arn); got != c.want {
			t.Errorf("matchARN(%q, %q) = %v, want %v", c.pattern, c.arn, got, c.want)
		}
	}
}

// TestConditionOperators runs each operator (and its IfExists, ForAnyValue and ForAllValues forms)
// against request contexts.
func TestConditionOperators(t *testing.T) {
	ctx := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i < len(kv); i += 2 {
			m[strings.ToLower(kv[i])] = append(m[strings.ToLower(kv[i])], kv[i+1])
		}
		return m
	}
	tests := []struct {
		cond string // the Condition element
		ctx  map[string][]string
		want bool
	}{
		// Strings.
		{`{"StringEquals": {"aws:SourceAccount": "000000000000"}}`, ctx("aws:SourceAccount", "000000000000"), true},
		{`{"StringEquals": {"aws:SourceAccount": "000000000000"}}`, ctx("aws:SourceAccount", "111111111111"), false},
		{`{"StringEquals": {"aws:SourceAccount": "000000000000"}}`, ctx(), false},
		{`{"StringEquals": {"cloudwatch:namespace": "ChaosTransformer"}}`, ctx("cloudwatch:namespace", "chaostransformer"), false},
		{`{"StringEquals": {"CloudWatch:Namespace": "ChaosTransformer"}}`, ctx("cloudwatch:namespace", "ChaosTransformer"), true}, // key names are case-insensitive
		{`{"StringEquals": {"aws:SourceAccount": ["1", "2"]}}`, ctx("aws:SourceAccount", "2"), true},                              // values: OR
		{`{"StringNotEquals": {"aws:SourceAccount": "000000000000"}}`, ctx("aws:SourceAccount", "111111111111"), true},
		{`{"StringNotEquals": {"aws:SourceAccount": "000000000000"}}`, ctx("aws:SourceAccount", "000000000000"), false},
		{`{"StringNotEquals": {"aws:SourceAccount": ["1", "2"]}}`, ctx("aws:SourceAccount", "2"), false}, // none of the values
		{`{"StringNotEquals": {"aws:SourceAccount": "000000000000"}}`, ctx(), true},                      // a missing key matches no value
		{`{"StringEqualsIgnoreCase": {"cloudwatch:namespace": "chaostransformer"}}`, ctx("cloudwatch:namespace", "ChaosTransformer"), true},
		{`{"StringNotEqualsIgnoreCase": {"cloudwatch:namespace": "chaostransformer"}}`, ctx("cloudwatch:namespace", "ChaosTransformer"), false},
		{`{"StringLike": {"s3:prefix": "input/*"}}`, ctx("s3:prefix", "input/2024/"), true},
		{`{"StringLike": {"s3:prefix": "input/*"}}`, ctx("s3:prefix", "output/"), false},
		{`{"StringLike": {"s3:prefix": ["", "input/?"]}}`, ctx("s3:prefix", "input/a"), true},
		{`{"StringLike": {"s3:prefix": "input/*"}}`, ctx(), false},
		{`{"StringNotLike": {"s3:prefix": "secret/*"}}`, ctx("s3:prefix", "input/"), true},
		{`{"StringNotLike": {"s3:prefix": "secret/*"}}`, ctx("s3:prefix", "secret/x"), false},
		{`{"StringNotLike": {"s3:prefix": "secret/*"}}`, ctx(), true},
		// ARNs.
		{`{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b"}}`, ctx("aws:SourceArn", "arn:aws:s3:::b"), true},
		{`{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b*"}}`, ctx("aws:SourceArn", "arn:aws:s3:::bucket"), true},
		{`{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b"}}`, ctx("aws:SourceArn", "arn:aws:s3:::c"), false},
		{`{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:000000000000:t"}}`, ctx("aws:SourceArn", "arn:aws:sns:us-east-1:000000000000:t"), true},
		{`{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b"}}`, ctx(), false},
		{`{"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:000000000000:t"}}`, ctx("aws:SourceArn", "arn:aws:sns:us-east-1:000000000000:t"), true},
		{`{"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:000000000000:t"}}`, ctx("aws:SourceArn", "arn:aws:sns:us-east-1:000000000000:u"), false},
		{`{"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:000000000000:t"}}`, ctx("aws:SourceArn", "arn:aws:sns:us-east-1:000000000000:u"), true},
		{`{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}`, ctx("aws:PrincipalArn", "arn:aws:iam::000000000000:role/app"), true},
		{`{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}`, ctx("aws:PrincipalArn", "arn:aws:iam::000000000000:role/admin-x"), false},
		{`{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}`, ctx(), true},
		// Bool.
		{`{"Bool": {"aws:SecureTransport": "false"}}`, ctx("aws:SecureTransport", "false"), true},
		{`{"Bool": {"aws:SecureTransport": "false"}}`, ctx("aws:SecureTransport", "true"), false},
		{`{"Bool": {"aws:SecureTransport": "false"}}`, ctx(), false},
		{`{"Bool": {"aws:SecureTransport": false}}`, ctx("aws:SecureTransport", "false"), true}, // a JSON boolean
		{`{"Bool": {"aws:SecureTransport": "TRUE"}}`, ctx("aws:SecureTransport", "true"), true},
		{`{"BoolIfExists": {"aws:SecureTransport": "false"}}`, ctx(), true},
		// Numbers.
		{`{"NumericLessThan": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "9"), true},
		{`{"NumericLessThan": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "10"), false},
		{`{"NumericLessThanEquals": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "10"), true},
		{`{"NumericGreaterThan": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "11"), true},
		{`{"NumericGreaterThanEquals": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "9.5"), false},
		{`{"NumericEquals": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "10.0"), true},
		{`{"NumericNotEquals": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "10"), false},
		{`{"NumericLessThan": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "many"), false},
		// Dates.
		{`{"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2029-06-01T00:00:00Z"), true},
		{`{"DateGreaterThan": {"aws:CurrentTime": "2030-01-01"}}`, ctx("aws:CurrentTime", "2029-06-01T00:00:00Z"), false},
		{`{"DateGreaterThanEquals": {"aws:EpochTime": "1700000000"}}`, ctx("aws:EpochTime", "1700000000"), true},
		{`{"DateEquals": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2030-01-01T01:00:00+01:00"), true},
		{`{"DateNotEquals": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2030-01-01T00:00:01Z"), true},
		{`{"DateLessThanEquals": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2030-01-01T00:00:00Z"), true},
		// IP addresses, binary.
		{`{"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}`, ctx("aws:SourceIp", "127.0.0.1"), true},
		{`{"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.1.1"]}}`, ctx("aws:SourceIp", "192.168.1.1"), true},
		{`{"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}`, ctx("aws:SourceIp", "127.0.0.1"), false},
		{`{"BinaryEquals": {"k": "QUJD"}}`, ctx("k", "QUJD"), true},
		// Null.
		{`{"Null": {"aws:SourceArn": "true"}}`, ctx(), true},
		{`{"Null": {"aws:SourceArn": "true"}}`, ctx("aws:SourceArn", "x"), false},
		{`{"Null": {"aws:SourceArn": "false"}}`, ctx("aws:SourceArn", "x"), true},
		{`{"Null": {"aws:SourceArn": false}}`, ctx(), false},
		// IfExists.
		{`{"StringEqualsIfExists": {"ssm:Overwrite": "false"}}`, ctx(), true},
		{`{"StringEqualsIfExists": {"ssm:Overwrite": "false"}}`, ctx("ssm:Overwrite", "true"), false},
		{`{"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::b"}}`, ctx("aws:SourceArn", "arn:aws:s3:::b"), true},
		// Sets.
		{`{"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["u1", "u2"]}}`, ctx("dynamodb:LeadingKeys", "u1", "dynamodb:LeadingKeys", "u2"), true},
		{`{"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["u1"]}}`, ctx("dynamodb:LeadingKeys", "u1", "dynamodb:LeadingKeys", "u2"), false},
		{`{"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["u1"]}}`, ctx(), true}, // vacuous
		{`{"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": ["u1"]}}`, ctx("dynamodb:LeadingKeys", "u3", "dynamodb:LeadingKeys", "u1"), true},
		{`{"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": ["u1"]}}`, ctx("dynamodb:LeadingKeys", "u3"), false},
		{`{"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": ["u1"]}}`, ctx(), false},
		{`{"ForAnyValue:StringLike": {"aws:TagKeys": ["env*"]}}`, ctx("aws:TagKeys", "owner", "aws:TagKeys", "environment"), true},
		{`{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}`, ctx("aws:TagKeys", "owner", "aws:TagKeys", "env"), true},
		{`{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}`, ctx("aws:TagKeys", "owner", "aws:TagKeys", "secret"), false},
		{`{"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["x"]}}`, ctx(), true},
		{`{"Null": {"dynamodb:LeadingKeys": "false"}}`, ctx("dynamodb:LeadingKeys", "u1", "dynamodb:LeadingKeys", "u2"), true},
		// Several keys, several operators: AND.
		{`{"StringEquals": {"aws:SourceAccount": "0", "aws:SourceArn": "a"}}`, ctx("aws:SourceAccount", "0", "aws:SourceArn", "a"), true},
		{`{"StringEquals": {"aws:SourceAccount": "0", "aws:SourceArn": "a"}}`, ctx("aws:SourceAccount", "0", "aws:SourceArn", "b"), false},
		{`{"StringEquals": {"aws:SourceAccount": "0"}, "ArnLike": {"aws:SourceArn": "arn:aws:s3:::b"}}`, ctx("aws:SourceAccount", "0", "aws:SourceArn", "arn:aws:s3:::b"), true},
		{`{"StringEquals": {"aws:SourceAccount": "0"}, "ArnLike": {"aws:SourceArn": "arn:aws:s3:::b"}}`, ctx("aws:SourceAccount", "1", "aws:SourceArn", "arn:aws:s3:::b"), false},
	}
	for _, tt := range tests {
		var raw any
		if err := json.Unmarshal([]byte(tt.cond), &raw); err != nil {
			t.Fatalf("bad test condition %s: %v", tt.cond, err)
		}
		conds, err := parseConditions(raw)
		if err != nil {
			t.Errorf("%s: %v", tt.cond, err)
			continue
		}
		got := true
		for i := range conds {
			if !conds[i].eval(tt.ctx) {
				got = false
			}
		}
		if got != tt.want {
			t.Errorf("%s with %v: %v, want %v", tt.cond, tt.ctx, got, tt.want)
		}
	}
}

func TestConditionErrors(t *testing.T) {
	for _, c := range []struct{ cond, want string }{
		{`{"StringMatches": {"k": "v"}}`, `operator "StringMatches" is not supported`},
		{`{"ForAnyValue:Null": {"k": "true"}}`, "Null takes no set qualifier"},
		{`{"DateLessThan": {"aws:CurrentTime": "tomorrow"}}`, "is not a date"},
		{`{"IpAddress": {"aws:SourceIp": "localhost"}}`, "is not an IP address"},
		{`{"StringEquals": {}}`, "no condition keys"},
		{`{"StringEquals": "k"}`, "want {key: values}"},
		{`{"StringEquals": {"k": []}}`, "empty list"},
		{`{"StringLike": {"s3:prefix": "${aws:username}/*"}}`, "policy variables"},
		// AWS: "Multivalued context keys require a condition set operator". Read as "any value", a
		// StringEquals on dynamodb:LeadingKeys would let a BatchGetItem reach an unlisted partition.
		{`{"StringEquals": {"dynamodb:LeadingKeys": "u1"}}`, `StringEquals dynamodb:LeadingKeys: a multivalued key needs a set operator (ForAllValues:StringEquals`},
		{`{"StringNotLikeIfExists": {"aws:TagKeys": "secret*"}}`, "a multivalued key needs a set operator"},
	} {
		var raw any
		if err := json.Unmarshal([]byte(c.cond), &raw); err != nil {
			t.Fatal(err)
		}
		_, err := parseConditions(raw)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.cond, err, c.want)
		}
	}
}
