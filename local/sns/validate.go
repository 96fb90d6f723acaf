package sns

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chaoslab/serverless-chaos-lab/local/internal/awsnames"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/msgattr"
)

// What SNS checks of a Publish before it accepts it (the emulator behind checks none of it): the
// subject, the message attributes, the size of the message with its attributes, and a
// MessageStructure json message's shape. Each refusal names the field.

// maxMessageBytes is SNS's message size limit, "including the message attributes" (256 KiB).
const maxMessageBytes = 262144

// maxRawAttributes: "Messages with more than 10 message attributes directed towards Raw Message
// Delivery enabled Amazon SQS subscriptions will be discarded" (SQS takes 10 attributes a message).
const maxRawAttributes = 10

// checkPublish checks in as SNS does and, for MessageStructure json, picks the message an SQS
// subscriber gets: the "sqs" key's, else "default"'s.
func checkPublish(in *PublishInput) *Error {
	if in.Subject != "" {
		if err := checkSubject(in.Subject); err != nil {
			return err
		}
	}
	size := len(in.Message)
	for name, a := range in.MessageAttributes {
		if err := checkAttribute(name, a); err != nil {
			return err
		}
		size += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	if size > maxMessageBytes {
		return invalid(fmt.Sprintf("Message too long: the message and its attributes are %d bytes, at most %d", size, maxMessageBytes))
	}
	switch in.MessageStructure {
	case "":
	case "json":
		var per map[string]json.RawMessage
		if err := json.Unmarshal([]byte(in.Message), &per); err != nil || per == nil {
			return invalid("Message Structure - JSON message body failed to parse")
		}
		var def string
		if raw, ok := per["default"]; !ok || json.Unmarshal(raw, &def) != nil {
			return invalid("Message Structure - No default entry in JSON message body")
		}
		msg := def
		if raw, ok := per["sqs"]; ok {
			if json.Unmarshal(raw, &msg) != nil {
				return invalid(`Message Structure - the "sqs" entry is not a string`)
			}
		}
		in.Message, in.structured = msg, true
	default:
		return invalid(fmt.Sprintf("MessageStructure %q: the only structure is json", in.MessageStructure))
	}
	return nil
}

// maxTopicName is the longest topic name, a FIFO topic's .fifo suffix included.
const maxTopicName = 256

// checkTopicName checks a CreateTopic's Name, of a FIFO topic (FifoTopic true) or not, as
// CreateTopic's reference states it: "Topic names must be made up of only uppercase and lowercase
// ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.
// For a FIFO (first-in-first-out) topic, the name must end with the .fifo suffix": a standard
// topic's may not (a period is none of those characters). The emulator took any name, and made
// x.fifo a FIFO topic without FifoTopic.
func checkTopicName(name string, fifo bool) *Error {
	switch {
	case awsnames.QueueOrTopic(name, fifo, maxTopicName):
		return nil
	case fifo:
		return invalid("Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
	}
	return invalid("Topic Name")
}

// checkSubject: "UTF-8 text with no line breaks or control characters, and less than 100
// characters long".
func checkSubject(s string) *Error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) >= 100 || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return invalid("Subject: UTF-8 text with no line breaks or control characters, fewer than 100 characters")
	}
	return nil
}

// checkAttribute checks one message attribute as SNS's guide states it: a name of up to 256
// characters of A-Z a-z 0-9 _ - ., not starting with AWS. or Amazon., not starting or ending with
// a period and without two in a row (msgattr.NameProblem, as SQS's); a type String, Number or
// Binary, optionally with a custom label after a period (String.Array and Number.Array are JSON
// arrays); a value that is not empty, and a number for Number (msgattr.IsNumber: up to 38 digits,
// 0 or 10^-128 to 10^126 in magnitude).
func checkAttribute(name string, a MessageAttribute) *Error {
	bad := func(reason string) *Error {
		return &Error{Code: "InvalidParameterValue", Message: fmt.Sprintf("The message attribute '%s' %s.", name, reason), Status: 400}
	}
	if why := msgattr.NameProblem(name); why != "" {
		return bad(why)
	}
	base, label, _ := strings.Cut(a.DataType, ".")
	switch base {
	case "String", "Number":
		if a.StringValue == "" {
			return bad("must contain a non-empty value of message attribute type '" + a.DataType + "'")
		}
	case "Binary":
		if len(a.BinaryValue) == 0 {
			return bad("must contain a non-empty binary value")
		}
	default:
		if a.DataType == "" {
			return bad("has no data type (String, String.Array, Number or Binary)")
		}
		return bad("has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String")
	}
	switch {
	case label == "Array" && base != "Binary":
		var l []any
		if json.Unmarshal([]byte(a.StringValue), &l) != nil {
			return bad("with type '" + a.DataType + "' must contain a JSON array")
		}
		if base == "Number" {
			for _, e := range l {
				if _, ok := e.(float64); !ok {
					return bad("with type 'Number.Array' must contain a JSON array of numbers")
				}
			}
		}
	case base == "Number":
		if !msgattr.IsNumber(a.StringValue) {
			return bad("with type 'Number' must contain a numeric value")
		}
	}
	return nil
}
