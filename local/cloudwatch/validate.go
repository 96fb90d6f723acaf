package cloudwatch

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// The input checks the operations share: the service model's constraints (botocore
// data/cloudwatch/2010-08-01/service-2.json: lengths, list sizes, patterns, enums) and the limits
// its documentation gives. AWS answers a few of these with the request framework's ValidationError
// ("1 validation error detected: ...") rather than InvalidParameterValue (from memory, not the
// model); both are 400 Sender faults, and the package answers every one as InvalidParameterValue
// naming the member, as CloudWatch's own checks do.

// tooMany is a list over its maximum size.
func tooMany(field string, max int) *apiErr {
	return invalid("The collection %s must not have a size greater than %d.", field, max)
}

// tooLong is a string over its maximum length.
func tooLong(field string, max int) *apiErr {
	return invalid("The value for parameter %s must be at most %d characters.", field, max)
}

// combination is an InvalidParameterCombination error.
func combination(format string, a ...any) *apiErr {
	return &apiErr{code: "InvalidParameterCombinationException", query: "InvalidParameterCombination", msg: fmt.Sprintf(format, a...)}
}

// badToken is GetMetricData's, ListMetrics' and DescribeAlarms' answer to a NextToken they did not give.
func badToken() *apiErr {
	return &apiErr{code: "InvalidNextToken", query: "InvalidNextToken", msg: "The service couldn't process the NextToken."}
}

// checkNamespace: Namespace is 1 to 255 characters and does not start with a colon (the model's
// pattern [^:].*); "" is absent (the caller says whether it is required).
func checkNamespace(ns, field string) error {
	switch {
	case len(ns) > 255:
		return tooLong(field, 255)
	case strings.HasPrefix(ns, ":"):
		return invalid("The value %s for parameter %s is invalid: it must not start with a colon.", ns, field)
	}
	return nil
}

// checkMetricName: MetricName is at most 255 characters ("" is absent).
func checkMetricName(name, field string) error {
	if len(name) > 255 {
		return tooLong(field, 255)
	}
	return nil
}

// checkDimensions checks a Dimensions list (at most 30) or, with filter, a ListMetrics
// DimensionFilters list (at most 10, Value optional): every Name 1 to 255 characters, not
// starting with a colon (Dimension.Name's documentation), every Value 1 to 1024, no name twice.
// AWS refuses a repeated name (from memory: the model does not say); the local store would
// otherwise keep one of the two values.
func checkDimensions(ds []dimension, field string, filter bool) error {
	max := 30
	if filter {
		max = 10
	}
	if len(ds) > max {
		return tooMany(field, max)
	}
	seen := make(map[string]bool, len(ds))
	for i, d := range ds {
		f := fmt.Sprintf("%s.member.%d", field, i+1)
		switch {
		case d.Name == "":
			return missing(f + ".Name")
		case len(d.Name) > 255:
			return tooLong(f+".Name", 255)
		case strings.HasPrefix(d.Name, ":"):
			return invalid("The value %s for parameter %s.Name is invalid: it must not start with a colon.", d.Name, f)
		case d.Value == "" && !filter:
			return missing(f + ".Value")
		case len(d.Value) > 1024:
			return tooLong(f+".Value", 1024)
		case seen[d.Name]:
			return invalid("The value %s for parameter %s.Name is duplicated.", d.Name, f)
		}
		seen[d.Name] = true
	}
	return nil
}

// checkUnit: Unit is a StandardUnit ("" is absent).
func checkUnit(unit, field string) error {
	if !validUnits[unit] {
		return invalid("The value %s for parameter %s is invalid.", unit, field)
	}
	return nil
}

// checkQueryPeriod: GetMetricData's and GetMetricStatistics' Period is 1, 5, 10, 20, 30 or a
// multiple of 60 seconds (the Period documentation; the first five only mean something for
// high-resolution metrics, but are accepted for any).
func checkQueryPeriod(seconds int64, field string) error {
	switch {
	case seconds < 1:
		return invalid("The value %d for parameter %s is invalid: it must be at least 1.", seconds, field)
	case seconds == 1 || seconds == 5 || seconds == 10 || seconds == 20 || seconds == 30 || seconds%60 == 0:
		return nil
	}
	return invalid("The value %d for parameter %s is invalid: 1, 5, 10, 20, 30 or a multiple of 60 seconds.", seconds, field)
}

// maxPastTimestamp and maxFutureTimestamp bound a PutMetricData timestamp (the operation's
// documentation: "as much as two weeks before the current date, and as much as 2 hours after
// the current day and time").
const (
	maxPastTimestamp   = 14 * 24 * time.Hour
	maxFutureTimestamp = 2 * time.Hour
)

// checkTimestamp refuses a datum's timestamp outside [now - two weeks, now + 2 hours] (the
// messages are from memory).
func checkTimestamp(t, now time.Time, field string) error {
	switch {
	case t.Before(now.Add(-maxPastTimestamp)):
		return invalid("The parameter %s must specify a time no more than two weeks in the past.", field)
	case t.After(now.Add(maxFutureTimestamp)):
		return invalid("The parameter %s must specify a time no more than two hours in the future.", field)
	}
	return nil
}

// maxValue is the largest magnitude PutMetricData takes: "Values must be in the range of -2^360
// to 2^360" (MetricDatum.Value). The documentation once gave 8.515920e-109 (2^-360) as the
// smallest magnitude too; today's range includes every smaller one, so none is refused.
var maxValue = math.Ldexp(1, 360)

// checkValue refuses NaN, ±Inf and a magnitude over 2^360.
func checkValue(f float64, field string) error {
	if !finite(f) || f > maxValue || f < -maxValue {
		return invalid("The value %v for parameter %s is invalid: values must be finite and in the range -2^360 to 2^360.", f, field)
	}
	return nil
}

// checkARN: an alarm action is an ARN, arn:partition:service:region:account:resource (region
// and account may be empty, as in arn:aws:ssm-incidents::account-id:responseplan/name), at most
// 1024 characters. AWS's message for a malformed one is not documented; this one names the member.
func checkARN(s, field string) error {
	parts := strings.SplitN(s, ":", 6)
	switch {
	case len(s) > 1024:
		return tooLong(field, 1024)
	case len(parts) < 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "":
		return invalid("The value %s for parameter %s is invalid: it is not an ARN (arn:partition:service:region:account:resource).", s, field)
	}
	return nil
}
