// Package faultconfig parses and validates the failure config: the JSON value of the SSM
// parameter that drives package failure (docs/contracts.md §3; the field reference is in
// package failure's documentation).
//
// It reads both of failure-lambda's formats, told apart by shape (Parse): 0.x's flat config
// (isEnabled, failureMode, rate, ...) with our extensions (faults, targets, error, scope), and
// 1.0's one flag per mode ({"latency": {"enabled": true, "percentage": 50, ...}}, FlagOrder),
// with match conditions on the invocation's event (Condition, Event). Our expiresAt and
// expiresAfterSeconds go with either. Both become the same Config: a list of Faults, which
// package failure applies without asking which format they came from (Config.Format says it).
//
// It is the one parser of both. It imports only the standard library, no AWS SDK, so
// that the experiments compiler can validate a fault before anything runs, with exactly the
// rules the Lambda function applies when it reads the parameter. Match conditions are evaluated
// here too (Fault.Matches on an Event from ReadEvent), on the decoded JSON of the event, so the
// rule for reading an SQS batch (each record, its body decoded) is in one place.
package faultconfig
