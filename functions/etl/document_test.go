package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimRight(b, "\n")
}

func TestParseDocument(t *testing.T) {
	valid := string(fixture(t, "valid.json"))
	replace := func(old, new string) []byte { return []byte(strings.Replace(valid, old, new, 1)) }
	tests := []struct {
		name       string
		body       []byte
		wantReason string // "" = valid
		wantField  string
		want       Document
	}{
		{name: "seed publisher document", body: fixture(t, "valid.json"), want: Document{
			Symbol: "ABCD", MessageID: "7", Value: "10", ObjectName: "data_object_msg-7.json",
			SubmissionDate: "23-Nov-2026 13:45:12", Author: "the_publisher.py", Version: "1.1"}},
		{name: "extra fields are accepted, numbers keep their text", body: fixture(t, "quoting.json"), want: Document{
			Symbol: "QUOT", MessageID: "11", Value: "-2.5e3", ObjectName: "data, \"quoted\"\nname.json",
			SubmissionDate: "01-Jan-2027 00:00:00", Author: "the_publisher.py", Version: "2"}},
		{name: "seed malformed body (first quote removed)", body: fixture(t, "malformed.json"), wantReason: ReasonMalformedJSON},
		{name: "messageId as a string", body: fixture(t, "wrong-type.json"), wantReason: ReasonWrongType, wantField: "messageId"},
		{name: "objectName missing", body: fixture(t, "missing-field.json"), wantReason: ReasonMissingField, wantField: "objectName"},
		{name: "symbol null", body: replace(`"ABCD"`, `null`), wantReason: ReasonMissingField, wantField: "symbol"},
		{name: "symbol a number", body: replace(`"ABCD"`, `12`), wantReason: ReasonWrongType, wantField: "symbol"},
		{name: "value a string", body: replace(`"value":10`, `"value":"10"`), wantReason: ReasonWrongType, wantField: "value"},
		{name: "value a boolean", body: replace(`"value":10`, `"value":true`), wantReason: ReasonWrongType, wantField: "value"},
		{name: "messageId fractional", body: replace(`"messageId":7`, `"messageId":7.5`), wantReason: ReasonWrongType, wantField: "messageId"},
		{name: "version an object", body: replace(`1.1}`, `{"major":1}}`), wantReason: ReasonWrongType, wantField: "version"},
		{name: "value out of range", body: replace(`"value":10`, `"value":1e999`), wantReason: ReasonWrongType, wantField: "value"},
		{name: "empty symbol", body: replace(`"ABCD"`, `"  "`), wantReason: ReasonInvalidValue, wantField: "symbol"},
		{name: "bad submissionDate", body: replace(`23-Nov-2026 13:45:12`, `2026-11-23T13:45:12Z`), wantReason: ReasonInvalidValue, wantField: "submissionDate"},
		{name: "array, not object", body: []byte(`[1,2]`), wantReason: ReasonMalformedJSON},
		{name: "null document", body: []byte(`null`), wantReason: ReasonWrongType},
		{name: "empty body", body: nil, wantReason: ReasonMalformedJSON},
		{name: "trailing garbage", body: []byte(valid + `{}`), wantReason: ReasonMalformedJSON},
		{name: "not UTF-8", body: replace(`the_publisher.py`, "the_publisher\xff.py"), wantReason: ReasonNotUTF8},
		{name: "too large", body: []byte(valid[:len(valid)-1] + `,"pad":"` + strings.Repeat("x", MaxDocumentBytes) + `"}`), wantReason: ReasonTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDocument(tt.body)
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("ParseDocument: %v", err)
				}
				if got != tt.want {
					t.Fatalf("got %+v\nwant %+v", got, tt.want)
				}
				return
			}
			var p *PoisonError
			if !errors.As(err, &p) {
				t.Fatalf("err = %v, want a *PoisonError %s", err, tt.wantReason)
			}
			if p.Reason != tt.wantReason || p.Field != tt.wantField {
				t.Fatalf("reason, field = %s, %q; want %s, %q (%v)", p.Reason, p.Field, tt.wantReason, tt.wantField, err)
			}
		})
	}
}

func TestDocumentCSV(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    string
	}{
		{"seed document", "valid.json",
			"objectName,submissionDate,author,formatVersion\ndata_object_msg-7.json,23-Nov-2026 13:45:12,the_publisher.py,1.1\n"},
		{"comma, quotes and newline are quoted", "quoting.json",
			"objectName,submissionDate,author,formatVersion\n\"data, \"\"quoted\"\"\nname.json\",01-Jan-2027 00:00:00,the_publisher.py,2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDocument(fixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(d.CSV()); got != tt.want {
				t.Fatalf("CSV =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// FuzzParseDocument: the parser never panics, rejects only with a *PoisonError, and whatever it
// accepts passes resilient's DynamoDB number check or fails it as poison, and renders to a CSV that
// reads back as the header plus exactly the document's four fields.
func FuzzParseDocument(f *testing.F) {
	for _, name := range []string{"valid.json", "malformed.json", "wrong-type.json", "missing-field.json", "quoting.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"symbol":"\u00e9\r","messageId":-0,"value":0.0,"objectName":"\"","submissionDate":"29-Feb-2028 23:59:59","author":"","version":-1E+2}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := ParseDocument(body)
		if err != nil {
			var p *PoisonError
			if !errors.As(err, &p) || p.Reason == "" {
				t.Fatalf("error %v is not a *PoisonError with a reason", err)
			}
			return
		}
		if err := d.CheckDynamoDBNumbers(); err != nil {
			var p *PoisonError
			if !errors.As(err, &p) || p.Reason != ReasonNumberOutOfRange {
				t.Fatalf("CheckDynamoDBNumbers: %v, want nil or a %s poison", err, ReasonNumberOutOfRange)
			}
		}
		recs, err := csv.NewReader(bytes.NewReader(d.CSV())).ReadAll()
		if err != nil {
			t.Fatalf("CSV of %+v does not parse: %v", d, err)
		}
		want := []string{d.ObjectName, d.SubmissionDate, d.Author, d.Version.String()}
		if len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
			t.Fatalf("CSV records = %q, want header + 1", recs)
		}
		for i := range want {
			// encoding/csv reads \r\n inside quoted fields back as \n.
			if recs[1][i] != strings.ReplaceAll(want[i], "\r\n", "\n") {
				t.Fatalf("CSV field %d = %q, want %q", i, recs[1][i], want[i])
			}
		}
	})
}
