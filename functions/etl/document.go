package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chaoslab/serverless-chaos-lab/internal/jsonfields"
)

// MaxDocumentBytes bounds the size of an input document. The seed's documents are about 200 bytes;
// 256 KiB is the largest message SQS (and so every queue of this pipeline) can carry, so a document
// bigger than that could never be forwarded whole to the error queue, and reading an unbounded object
// into a 128 MB function is a memory hazard. Anything larger is poison, not retried.
const MaxDocumentBytes = 256 * 1024

// submissionDateLayout is the publisher's strftime "%d-%b-%Y %H:%M:%S" in Go terms.
const submissionDateLayout = "02-Jan-2006 15:04:05"

// Poison reasons, sent as the ErrorReason message attribute with a document that can never succeed.
const (
	ReasonMalformedJSON  = "malformed_json"
	ReasonWrongType      = "wrong_type"
	ReasonMissingField   = "missing_field"
	ReasonInvalidValue   = "invalid_value"
	ReasonTooLarge       = "too_large"
	ReasonNotUTF8        = "not_utf8"
	ReasonMalformedEvent = "malformed_event"
	ReasonNoSuchObject   = "no_such_object"
	// ReasonNumberOutOfRange: a number DynamoDB cannot store (CheckDynamoDBNumbers).
	ReasonNumberOutOfRange = "number_out_of_range"
	// ReasonSummaryOverflow: the document is valid, but adding its value to its symbol's summary
	// row would make a number DynamoDB cannot store (writeOnce).
	ReasonSummaryOverflow = "summary_overflow"
)

// PoisonError says a document (or its event) can never be processed, whatever the retries.
type PoisonError struct {
	Reason string // one of the Reason* constants
	Field  string // the offending field, when there is one
	Err    error
}

func (e *PoisonError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("poison document (%s): field %q: %v", e.Reason, e.Field, e.Err)
	}
	return fmt.Sprintf("poison document (%s): %v", e.Reason, e.Err)
}

func (e *PoisonError) Unwrap() error { return e.Err }

// Document is one input document, in the seed publisher's shape:
//
//	{"symbol":"ABCD","messageId":7,"value":10,"objectName":"data_object_msg-7.json",
//	 "submissionDate":"23-Nov-2026 13:45:12","author":"the_publisher.py","version":1.1}
//
// Numbers keep their JSON text so that what is written (CSV, DynamoDB N) is exactly what was sent.
type Document struct {
	Symbol         string
	MessageID      json.Number // an integer
	Value          json.Number
	ObjectName     string
	SubmissionDate string // as sent; validated against the publisher's layout
	Author         string
	Version        json.Number // written to the CSV as formatVersion
}

type fieldKind int

const (
	kindString fieldKind = iota
	kindNumber
	kindInteger
)

// documentFields lists every required field, in the order problems are reported.
var documentFields = []struct {
	name string
	kind fieldKind
}{
	{"symbol", kindString},
	{"messageId", kindInteger},
	{"value", kindNumber},
	{"objectName", kindString},
	{"submissionDate", kindString},
	{"author", kindString},
	{"version", kindNumber},
}

// ParseDocument validates and decodes one document. Every error it returns is a *PoisonError: the
// bytes themselves are wrong, so retrying cannot help. Unknown extra fields are accepted (a newer
// publisher may add some).
func ParseDocument(body []byte) (Document, error) {
	if len(body) > MaxDocumentBytes {
		return Document{}, &PoisonError{Reason: ReasonTooLarge,
			Err: fmt.Errorf("%d bytes, limit %d", len(body), MaxDocumentBytes)}
	}
	if !utf8.Valid(body) {
		// encoding/json would silently replace invalid bytes with U+FFFD and write altered data.
		return Document{}, &PoisonError{Reason: ReasonNotUTF8, Err: errors.New("body is not valid UTF-8")}
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Document{}, &PoisonError{Reason: ReasonMalformedJSON, Err: err}
	}
	if dec.More() {
		return Document{}, &PoisonError{Reason: ReasonMalformedJSON, Err: errors.New("trailing data after the JSON object")}
	}
	if raw == nil {
		return Document{}, &PoisonError{Reason: ReasonWrongType, Err: errors.New("document is null, want an object")}
	}
	vals := make(map[string]string, len(documentFields))
	for _, f := range documentFields {
		v, ok := raw[f.name]
		if !ok || string(v) == "null" {
			return Document{}, &PoisonError{Reason: ReasonMissingField, Field: f.name, Err: errors.New("required")}
		}
		s, err := decodeField(v, f.kind)
		if err != nil {
			return Document{}, &PoisonError{Reason: ReasonWrongType, Field: f.name, Err: err}
		}
		vals[f.name] = s
	}
	d := Document{
		Symbol:         vals["symbol"],
		MessageID:      json.Number(vals["messageId"]),
		Value:          json.Number(vals["value"]),
		ObjectName:     vals["objectName"],
		SubmissionDate: vals["submissionDate"],
		Author:         vals["author"],
		Version:        json.Number(vals["version"]),
	}
	for _, c := range []struct{ field, val string }{{"symbol", d.Symbol}, {"objectName", d.ObjectName}} {
		if strings.TrimSpace(c.val) == "" {
			return Document{}, &PoisonError{Reason: ReasonInvalidValue, Field: c.field, Err: errors.New("empty")}
		}
	}
	// symbol is a DynamoDB key attribute: at most 2048 bytes (AWS limit for a partition key).
	if len(d.Symbol) > 2048 {
		return Document{}, &PoisonError{Reason: ReasonInvalidValue, Field: "symbol", Err: errors.New("longer than 2048 bytes")}
	}
	if _, err := time.Parse(submissionDateLayout, d.SubmissionDate); err != nil {
		return Document{}, &PoisonError{Reason: ReasonInvalidValue, Field: "submissionDate",
			Err: fmt.Errorf("want DD-Mon-YYYY HH:MM:SS: %w", err)}
	}
	return d, nil
}

// DynamoDB's number type (Amazon DynamoDB Developer Guide, "Data types"): up to 38 significant
// digits, leading and trailing zeros trimmed; magnitudes from 1E-130 to
// 9.9999999999999999999999999999999999999E+125, and zero. DynamoDB rejects anything else with a
// ValidationException ("Number overflow", "Number underflow", "DynamoDB only supports precision up
// to 38 digits"), every time: so such a number is poison, not a reason to retry.
const (
	dynamoDBMaxDigits = 38
	// A non-zero value is 0.d₁d₂…dₙ × 10^q with d₁ ≠ 0, so it lies in [10^(q-1), 10^q): it is at
	// least 1E-130 iff q ≥ -129, and (with at most 38 digits) at most 9.99…9E+125 iff q ≤ 126.
	dynamoDBMinQ = -129
	dynamoDBMaxQ = 126
)

// CheckDynamoDBNumbers reports, as a *PoisonError (ReasonNumberOutOfRange), a number of d that
// DynamoDB would reject. It checks value (symbolValue, and the summary's ADD operand); messageId
// is an int64, always storable; version only goes to the CSV.
func (d Document) CheckDynamoDBNumbers() error {
	if err := checkDynamoDBNumber(d.Value.String()); err != nil {
		return &PoisonError{Reason: ReasonNumberOutOfRange, Field: "value", Err: err}
	}
	return nil
}

// checkDynamoDBNumber checks the text of a JSON number (-?int(.frac)?([eE][+-]?exp)?) against
// DynamoDB's limits, exactly and on the text: a float64 would lose digits and range.
func checkDynamoDBNumber(n string) error {
	s := strings.TrimPrefix(n, "-")
	mant, exp, _ := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	e := int64(0)
	if exp != "" {
		var err error
		if e, err = strconv.ParseInt(exp, 10, 64); err != nil {
			e = math.MaxInt64 // an exponent beyond int64 is out of range either way
			if strings.HasPrefix(exp, "-") {
				e = math.MinInt64
			}
		}
	}
	digits := intPart + frac
	sig := strings.TrimLeft(digits, "0")
	lead := len(digits) - len(sig)
	sig = strings.TrimRight(sig, "0")
	if sig == "" {
		// Zero, whatever its exponent; but DynamoDB Local, a Java BigDecimal, cannot read a zero
		// whose exponent or scale (fraction digits minus exponent) leaves 32 bits ("A value
		// provided cannot be converted into a number"). Be as strict as the emulator.
		if e < math.MinInt32 || e > math.MaxInt32 || int64(len(frac))-e < math.MinInt32 || int64(len(frac))-e > math.MaxInt32 {
			return fmt.Errorf("%s: a zero whose exponent DynamoDB cannot read", n)
		}
		return nil
	}
	if len(sig) > dynamoDBMaxDigits {
		return fmt.Errorf("%s has %d significant digits, DynamoDB stores at most %d", n, len(sig), dynamoDBMaxDigits)
	}
	// q = len(intPart) - lead + e, compared without overflowing: both lengths are below 2^20.
	off := int64(len(intPart) - lead)
	switch {
	case e > dynamoDBMaxQ-off:
		return fmt.Errorf("%s is above DynamoDB's largest magnitude 9.9999999999999999999999999999999999999E+125", n)
	case e < dynamoDBMinQ-off:
		return fmt.Errorf("%s is below DynamoDB's smallest non-zero magnitude 1E-130", n)
	}
	return nil
}

// decodeField checks a raw JSON value against kind and returns its text (unquoted for strings).
func decodeField(v json.RawMessage, kind fieldKind) (string, error) {
	switch kind {
	case kindString:
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("want a string, got %s", jsonfields.A(jsonfields.RawKind(v)))
		}
		return s, nil
	default:
		var n json.Number
		if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
			return "", fmt.Errorf("want a number, got %s", jsonfields.A(jsonfields.RawKind(v)))
		}
		if err := json.Unmarshal(v, &n); err != nil {
			return "", fmt.Errorf("want a number: %v", err)
		}
		if kind == kindInteger {
			if _, err := n.Int64(); err != nil {
				return "", fmt.Errorf("want an integer, got %s", n)
			}
		} else if _, err := n.Float64(); err != nil {
			// DynamoDB numbers carry 38 digits and magnitudes up to 1e125; float64 range is a fair guard.
			return "", fmt.Errorf("number out of range: %s", n)
		}
		return n.String(), nil
	}
}

// csvHeader is the CSV's first line. The seed wrote the same four columns but left formatVersion
// empty; ours fills it from the document's version.
var csvHeader = []string{"objectName", "submissionDate", "author", "formatVersion"}

// CSV renders the document as a header line and one record, quoted as RFC 4180 requires.
func (d Document) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(csvHeader) // writes to a bytes.Buffer cannot fail
	_ = w.Write([]string{d.ObjectName, d.SubmissionDate, d.Author, d.Version.String()})
	w.Flush()
	return b.Bytes()
}
