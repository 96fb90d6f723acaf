package iam

import (
	"strings"
	"testing"
)

// Divergences from AWS's IAM User Guide found by a review on 2026-12-04, each with the guide's line
// and a test that failed before its fix.

// AWS: "You cannot use a wildcard to match part of a principal name or ARN" (Principal element) and
// "you can use * only to specify 'everyone/anonymous.' You cannot use it to specify part of a name
// or ARN" (policy grammar, principal_id_string). The engine compared such a principal as a plain
// string, so it named no one: a Deny meant for role/* loaded and denied nothing, where AWS refuses
// the policy.
func TestPrincipalPartialWildcardRefused(t *testing.T) {
	queuePolicy := func(stmt string) Stack {
		return Stack{Resources: []Resource{{LogicalID: "QP", Type: "AWS::SQS::QueuePolicy",
			Properties: map[string]any{"Queues": []any{queueURL}, "PolicyDocument": statements(t, stmt)}}}}
	}
	for _, p := range []string{
		`{"AWS": "arn:aws:iam::000000000000:role/*"}`,
		`{"AWS": "arn:aws:iam::000000000000:role/app-?"}`,
		`{"AWS": ["arn:aws:iam::000000000000:role/app", "arn:aws:sts::000000000000:assumed-role/app/*"]}`,
		`{"AWS": "arn:aws:iam::*:root"}`,
		`{"Service": "*.amazonaws.com"}`,
		`{"Service": "*"}`,
	} {
		_, err := Load(queuePolicy(`{"Effect": "Deny", "Principal": ` + p + `, "Action": "sqs:*", "Resource": "*"}`))
		if err == nil || !strings.Contains(err.Error(), "wildcard") {
			t.Errorf("Principal %s: Load error %v, want a refusal of the wildcard", p, err)
		}
	}
	// Everyone, as AWS spells it, is still everyone.
	for _, p := range []string{`"*"`, `{"AWS": "*"}`, `{"AWS": ["*"]}`} {
		e, err := Load(queuePolicy(`{"Effect": "Deny", "Principal": ` + p + `, "Action": "sqs:PurgeQueue", "Resource": "*"}`))
		if err != nil {
			t.Errorf("Principal %s: %v", p, err)
			continue
		}
		if d := e.Authorize(Request{Principal: appRole, Action: "sqs:PurgeQueue", Resource: queueArn}); d.Statement == nil {
			t.Errorf("Principal %s: the Deny did not apply to %s: %s", p, appRole, d.Reason)
		}
	}
}

// AWS: "Individual elements must not contain multiple instances of the same key. For example, you
// cannot include the Effect block twice in the same statement" (policy grammar notes). A policy set
// through an API arrives as text, which encoding/json read keeping the last of each duplicate: a
// Condition with two StringEquals blocks lost the first, and the Allow held without it.
func TestDuplicateKeysRefused(t *testing.T) {
	for name, policy := range map[string]string{
		"Effect twice": `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:*",
			"Resource": "` + queueArn + `", "Effect": "Allow"}]}`,
		"an operator twice": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
			"Action": "sqs:SendMessage", "Resource": "` + queueArn + `",
			"Condition": {"StringEquals": {"aws:SourceAccount": "000000000000"}, "StringEquals": {"aws:SourceArn": "` + topicArn + `"}}}]}`,
		"a condition key twice": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
			"Action": "sqs:SendMessage", "Resource": "` + queueArn + `",
			"Condition": {"ArnEquals": {"aws:SourceArn": "` + topicArn + `", "aws:SourceArn": "*"}}}]}`,
		"Statement twice": `{"Version": "2012-10-17",
			"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "` + queueArn + `"}],
			"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "` + queueArn + `"}]}`,
		"a principal type twice": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
			"Principal": {"AWS": "arn:aws:iam::000000000000:role/other", "AWS": "*"}, "Action": "sqs:*", "Resource": "` + queueArn + `"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := testStack(t, nil, nil)
			s.APIPolicies = map[string]string{queueArn: policy}
			_, err := Load(s)
			if err == nil || !strings.Contains(err.Error(), "more than once") {
				t.Errorf("Load error %v, want the duplicate refused", err)
			} else if name == "an operator twice" && !strings.Contains(err.Error(), queueArn+`: Policy: policy document: Statement[0].Condition has "StringEquals" more than once`) {
				t.Errorf("Load error %v, want it to name the queue and where", err)
			}
		})
	}
	// The same names in different objects are no duplicates.
	s := testStack(t, nil, nil)
	s.APIPolicies = map[string]string{queueArn: `{"Version": "2012-10-17", "Statement": [
		{"Sid": "A", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "` + queueArn + `",
			"Condition": {"ArnEquals": {"aws:SourceArn": "` + topicArn + `"}, "StringEquals": {"aws:SourceAccount": ["000000000000"]}}},
		{"Sid": "B", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "` + queueArn + `",
			"Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:us-east-1:000000000000:rule/r"}}}]}`}
	e := load(t, s)
	if d := e.Authorize(Request{Principal: "sns.amazonaws.com", Action: "sqs:SendMessage", Resource: queueArn,
		Context: map[string][]string{"aws:SourceArn": {topicArn}, "aws:SourceAccount": {"000000000000"}}}); !d.Allowed {
		t.Errorf("the topic may send: %s", d.Reason)
	}
}

// AWS: StringLike's values "can include multi-character match wildcards (*) and single-character
// match wildcards (?)" (condition operators), and in a Resource "any single character with a
// question mark (?)" (Resource element). glob read ? as one byte, so it did not match é, two bytes
// in UTF-8, in an S3 key or prefix.
func TestQuestionMarkMatchesOneCharacter(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"caf?", "café", true},
		{"caf??", "café", false},
		{"r?sum?.pdf", "résumé.pdf", true},
		{"*?", "é", true},
		{"*??", "é", false},
		{"x*??", "xé", false},
		{"x*??", "xéé", true},
		{"?", "日", true},
		{"??", "日", false},
		{"*日*", "a日b", true},
	} {
		if got := glob(c.pattern, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
	e := load(t, testStack(t, []string{
		`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/docs/r?sum?.pdf"}`,
		`{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b", "Condition": {"StringLike": {"s3:prefix": "caf?/*"}}}`,
	}, nil))
	if d := e.Authorize(Request{Principal: appRole, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/docs/résumé.pdf"}); !d.Allowed {
		t.Errorf("Resource with ?: %s", d.Reason)
	}
	if d := e.Authorize(Request{Principal: appRole, Action: "s3:ListBucket", Resource: "arn:aws:s3:::b",
		Context: map[string][]string{"s3:prefix": {"café/menu"}}}); !d.Allowed {
		t.Errorf("StringLike with ?: %s", d.Reason)
	}
}

// AWS: "You can't use a wildcard in the service segment that identifies the AWS product" (Resource
// element). The engine matched the segment like any other, so an Allow on arn:aws:s*:::b/* granted
// S3 objects where AWS grants nothing (IAM refuses the document).
func TestResourceServiceWildcardRefused(t *testing.T) {
	for _, r := range []string{`"arn:aws:s*:::b/*"`, `["arn:aws:sqs:*:*:q", "arn:aws:*:*:*:*"]`, `"arn:aws:?3:::b"`, `"arn:aws:*"`} {
		for _, el := range []string{"Resource", "NotResource"} {
			_, err := Load(testStack(t, []string{`{"Effect": "Allow", "Action": "s3:GetObject", "` + el + `": ` + r + `}`}, nil))
			if err == nil || !strings.Contains(err.Error(), "service") {
				t.Errorf("%s %s: Load error %v, want the wildcard in the service refused", el, r, err)
			}
		}
	}
	// Wildcards elsewhere in the ARN, and * alone, are AWS's own.
	e := load(t, testStack(t, []string{`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/*", "arn:*:s3:::c?/*", "*"]}`}, nil))
	if d := e.Authorize(Request{Principal: appRole, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}); !d.Allowed {
		t.Errorf("GetObject: %s", d.Reason)
	}
}
