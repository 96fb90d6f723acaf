package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// dynamoDBNumbers are numbers at and around DynamoDB's limits, and whether DynamoDB stores them.
var dynamoDBNumbers = []struct {
	n  string
	ok bool
}{
	{"10", true},
	{"0", true},
	{"-0", true},
	{"0e999", true}, // zero whatever the exponent, ...
	{"0e2147483647", true},
	{"0.00e2147483647", true},
	{"0e-2147483647", true},
	{"0e2147483648", false}, // ... if DynamoDB (Local) can read it: exponent and scale in 32 bits
	{"0e-2147483648", false},
	{"0.0e-2147483647", false},
	{"0e999999999999999999999", false},
	{"0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", true},
	{"1E-130", true},
	{"-1E-130", true},
	{"0.1e-129", true},
	{"9.9E-131", false},
	{"-1e-131", false},
	{"100e-133", false}, // 1E-131: zeros before the exponent count in the magnitude
	{"100e-132", true},
	{"9.9999999999999999999999999999999999999E+125", true},
	{"-9.9999999999999999999999999999999999999E+125", true},
	{"99999999999999999999999999999999999999e88", true},
	{"1E+126", false},
	{"-1e126", false},
	{"0.01e127", true},
	{"0.01e128", false},
	{"1e200", false},
	{"1e999999999999999999999", false},
	{"1e-999999999999999999999", false},
	{"12345678901234567890123456789012345678", true},
	{"123456789012345678901234567890123456789", false},
	{"-1.23456789012345678901234567890123456789", false},
	{"1234567890123456789012345678901234567800000", true},  // trailing zeros are not significant
	{"0.000123456789012345678901234567890123456780", true}, // nor leading ones
	{"1.000000000000000000000000000000000000000000", true},
}

func TestCheckDynamoDBNumber(t *testing.T) {
	for _, tt := range dynamoDBNumbers {
		t.Run(tt.n, func(t *testing.T) {
			if err := checkDynamoDBNumber(tt.n); (err == nil) != tt.ok {
				t.Fatalf("checkDynamoDBNumber(%s) = %v, want ok %v", tt.n, err, tt.ok)
			}
		})
	}
}

// The check agrees with DynamoDB Local on every number above.
func TestCheckDynamoDBNumberAgreesWithDynamoDBLocal(t *testing.T) {
	l := newLab(t, ScenarioResilient, faultsOff)
	for i, tt := range dynamoDBNumbers {
		_, err := l.ddb.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(l.table), Item: map[string]ddbtypes.AttributeValue{
			"symbol": &ddbtypes.AttributeValueMemberS{Value: "N"}, "entryType": &ddbtypes.AttributeValueMemberS{Value: fmt.Sprint(i)},
			"n": &ddbtypes.AttributeValueMemberN{Value: tt.n}}})
		if (err == nil) != tt.ok {
			t.Errorf("DynamoDB Local on %s: %v; the table above says ok %v", tt.n, err, tt.ok)
		}
	}
}

// document is the seed publisher's document n with the given symbol and value (JSON number text).
func document(n int, symbol, value string) []byte {
	return fmt.Appendf(nil, `{"symbol":%q,"messageId":%d,"value":%s,"objectName":"data_object_msg-%d.json","submissionDate":"23-Nov-2026 13:45:12","author":"the_publisher.py","version":1.1}`,
		symbol, n, value, n)
}

// errorReasons drains the error queue: SourceKey → attributes.
func (l *lab) errorReasons() map[string]map[string]string {
	l.t.Helper()
	got := map[string]map[string]string{}
	for _, m := range l.errorQueueMessages() {
		attrs := map[string]string{}
		for k, v := range m.MessageAttributes {
			attrs[k] = aws.ToString(v.StringValue)
		}
		got[attrs["SourceKey"]] = attrs
	}
	return got
}

// GIVEN documents whose value DynamoDB cannot store, in one batch with a good document of the same
// symbol, THEN resilient sends each to the error queue at once with reason number_out_of_range
// (no failure reported: no retries), and the good one is written.
func TestResilientNumbersDynamoDBRejectsArePoison(t *testing.T) {
	l := newLab(t, ScenarioResilient, faultsOff)
	bad := map[string]string{ // key → value
		"input/huge.json":      "1e200",
		"input/precise.json":   "123456789012345678901234567890123456789",
		"input/tiny.json":      "1e-131",
		"input/underflow.json": "-9.9e-131",
	}
	var batch []events.SQSMessage
	n := 1
	for key, v := range bad {
		batch = append(batch, l.put(key, document(n, "SAME", v)))
		n++
	}
	good := l.put(inputKey(n), document(n, "SAME", "10"))
	batch = append([]events.SQSMessage{batch[0], good}, batch[1:]...)
	resp, err := l.invoke(context.Background(), event(batch...))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("response %+v, %v; want no failures (poison is handled, not retried)", resp, err)
	}
	if got, want := l.counts(), (counts{messageRows: 1, summaryRows: 1, updateCount: 1, metric: 1, csvs: 1}); got != want {
		t.Fatalf("the good document: %+v, want %+v", got, want)
	}
	got := l.errorReasons()
	if len(got) != len(bad) {
		t.Fatalf("error queue holds %v, want the %d bad documents", got, len(bad))
	}
	for key, v := range bad {
		a := got[key]
		if a["ErrorReason"] != ReasonNumberOutOfRange || !strings.Contains(a["ErrorDetail"], `field "value"`) || !strings.Contains(a["ErrorDetail"], v) {
			t.Errorf("%s (value %s): attributes %v, want reason %s naming the field and the number", key, v, a, ReasonNumberOutOfRange)
		}
	}
}

// GIVEN a symbol whose summary holds 9E+125, WHEN a valid document would push the summary's ADD
// beyond DynamoDB's range, THEN resilient sends it to the error queue at once with reason
// summary_overflow (DynamoDB's ValidationException is not retried ten times), a good document of
// the same symbol in the same batch is written, and a duplicate notification of the document
// already counted (whose ADD would overflow too) is recognised as a duplicate, not parked.
func TestResilientSummaryOverflowIsPoison(t *testing.T) {
	l := newLab(t, ScenarioResilient, faultsOff)
	big := l.put("input/big.json", document(1, "BIG", "9e125"))
	l.deliverUntilDone(event(big), 1)

	over := l.put("input/over.json", document(2, "BIG", "9e125"))
	down := l.put("input/down.json", document(3, "BIG", "-1e125"))
	dup := l.message(big.Body) // S3 delivered the first one's notification again
	resp, err := l.invoke(context.Background(), event(over, down, dup))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("response %+v, %v; want no failures", resp, err)
	}
	if got, want := l.counts(), (counts{messageRows: 2, summaryRows: 1, updateCount: 2, metric: 2, csvs: 2}); got != want {
		t.Fatalf("counts %+v, want %+v (big.json once, down.json)", got, want)
	}
	got := l.errorReasons()
	if len(got) != 1 || got["input/over.json"]["ErrorReason"] != ReasonSummaryOverflow {
		t.Fatalf("error queue holds %v, want only input/over.json with reason %s", got, ReasonSummaryOverflow)
	}
	if d := got["input/over.json"]["ErrorDetail"]; !strings.Contains(d, `"BIG"`) || !strings.Contains(d, "9e125") {
		t.Errorf("ErrorDetail %q, want it to name the symbol and the value", d)
	}
}

// GIVEN a value DynamoDB cannot store, THEN flawed keeps the seed's behaviour: it reports success and
// writes the CSV, and the rejected DynamoDB writes are lost silently.
func TestFlawedNumberDynamoDBRejectsIsLostSilently(t *testing.T) {
	l := newLab(t, ScenarioFlawed, faultsOff)
	resp, err := l.invoke(context.Background(), event(l.put("input/huge.json", document(1, "HUGE", "1e200"))))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("flawed reported %+v, %v; the seed reports success", resp, err)
	}
	l.h.waitBackground()
	if got, want := l.counts(), (counts{csvs: 1}); got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
	if !strings.Contains(l.logs.String(), "not awaited: lost") {
		t.Error("the lost writes are not logged")
	}
}

func TestCheckDynamoDBNumbersIsPoison(t *testing.T) {
	d, err := ParseDocument(document(1, "X", "1e200"))
	if err != nil {
		t.Fatalf("ParseDocument: %v (flawed must still accept it)", err)
	}
	var p *PoisonError
	if err := d.CheckDynamoDBNumbers(); !errors.As(err, &p) || p.Reason != ReasonNumberOutOfRange || p.Field != "value" {
		t.Fatalf("CheckDynamoDBNumbers = %v, want poison %s on value", err, ReasonNumberOutOfRange)
	}
}
