// Package faultconfig parses and validates the failure config: the JSON value of the SSM
// parameter that drives package failure (docs/contracts.md §3; the field reference is in
// package failure's documentation).
//
// It is the one parser of that format. It imports only the standard library, no AWS SDK, so
// that the experiments compiler can validate a fault before anything runs, with exactly the
// rules the Lambda function applies when it reads the parameter.
package faultconfig
