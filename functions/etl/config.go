package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// Scenario selects the handler's behaviour (docs/contracts.md §2, env SCENARIO).
type Scenario string

const (
	// ScenarioFlawed reproduces the seed: writes started but neither awaited nor checked.
	ScenarioFlawed Scenario = contract.ScenarioFlawed
	// ScenarioResilient awaits and checks everything, retries within the deadline, and is idempotent.
	ScenarioResilient Scenario = contract.ScenarioResilient
)

var scenarios = []Scenario{ScenarioFlawed, ScenarioResilient}

// ParseScenario accepts exactly the names in scenarios.
func ParseScenario(s string) (Scenario, error) {
	for _, sc := range scenarios {
		if Scenario(s) == sc {
			return sc, nil
		}
	}
	names := make([]string, len(scenarios))
	for i, sc := range scenarios {
		names[i] = string(sc)
	}
	return "", fmt.Errorf("SCENARIO=%q: want one of %s", s, strings.Join(names, ", "))
}

// Settings is the function's environment (docs/contracts.md §2).
type Settings struct {
	Scenario      Scenario // SCENARIO
	Table         string   // CHAOS_DATA_TABLE
	ErrorQueueURL string   // ERROR_QUEUE_URL; required by resilient
}

// SettingsFromEnv reads and checks the environment, reporting every problem at once.
func SettingsFromEnv(getenv func(string) string) (Settings, error) {
	var errs []error
	sc, err := ParseScenario(getenv("SCENARIO"))
	if err != nil {
		errs = append(errs, err)
	}
	s := Settings{Scenario: sc, Table: getenv("CHAOS_DATA_TABLE"), ErrorQueueURL: getenv("ERROR_QUEUE_URL")}
	if s.Table == "" {
		errs = append(errs, errors.New("CHAOS_DATA_TABLE is empty: want the DynamoDB table name"))
	}
	if sc == ScenarioResilient && s.ErrorQueueURL == "" {
		errs = append(errs, errors.New("ERROR_QUEUE_URL is empty: SCENARIO=resilient sends poison documents there"))
	}
	return s, errors.Join(errs...)
}

// RetryPolicy is resilient's SDK retry policy.
type RetryPolicy struct {
	MaxAttempts int           // attempts per SDK call, the first included
	BaseDelay   time.Duration // the first retry waits up to this; doubles per attempt
	MaxBackoff  time.Duration // cap of one wait
}

// DefaultRetryPolicy: 10 attempts with full-jitter waits of at most 25 ms, 50 ms, 100 ms, then 200 ms,
// i.e. at most ≈1.4 s (≈0.7 s on average) of waiting per call. Two tiers of retry: short waits inside
// the invocation, where Lambda bills the sleeping; the long waits between invocations, where SQS
// holds the record for free (redelivery.go: 1 s, 2 s, … capped at 60 s). Under a per-call fault at
// 50 % (a faults entry with the default "call" scope: throttling, 5xx) a call fails with probability
// 0.5^10 ≈ 0.1 %. Retries cannot rescue an outage that lasts the whole invocation (the seed's Lab 4
// fault, decided once per invocation, as failure-lambda does): that record is reported failed within
// about a second, the rest of the batch is handed back untried (handleResilient), and all come back
// after the redelivery backoff. The invocation deadline bounds it all (Handler.DeadlineMargin).
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 10, BaseDelay: 25 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}

// Retryer builds the SDK retryer of p. The retry token bucket is off (ratelimit.None): with the SDK's
// default 500-token bucket, a sustained fault (a denylist at rate 0.5 for minutes) drains it after
// about 100 failed attempts, and from then on every call fails on its first error with "retry quota
// exceeded": the opposite of what a fault-tolerant consumer wants. Retries are bounded instead by
// MaxAttempts and the invocation deadline.
func (p RetryPolicy) Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = p.MaxAttempts
		o.MaxBackoff = p.MaxBackoff
		o.RateLimiter = ratelimit.None
		o.Backoff = fullJitter{base: p.BaseDelay, max: p.MaxBackoff}
		o.Retryables = append([]retry.IsErrorRetryable{
			retry.IsErrorRetryableFunc(retryableTransaction),
			retry.RetryableErrorCode{Codes: map[string]struct{}{
				"TransactionConflictException":   {},
				"TransactionInProgressException": {},
			}},
		}, o.Retryables...)
	})
}

// retryableTransaction retries a transaction cancelled only by contention or throttling (two records
// of one symbol in flight at once); a failed condition means "already done" and is not retried.
func retryableTransaction(err error) aws.Ternary {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return aws.UnknownTernary
	}
	transient := false
	for _, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed", "ValidationError", "ItemCollectionSizeLimitExceeded":
			return aws.FalseTernary
		case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
			transient = true
		}
	}
	return aws.BoolTernary(transient)
}

// fullJitter waits a uniformly random time in [0, min(max, base·2^(attempt-1))): "full jitter",
// which spreads the retries of many sandboxes hit by one fault instead of synchronising them.
type fullJitter struct{ base, max time.Duration }

func (j fullJitter) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	ceiling := j.max
	if attempt < 1 {
		attempt = 1
	}
	if attempt < 32 {
		if d := j.base << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	if ceiling <= 0 {
		return 0, nil
	}
	return rand.N(ceiling), nil
}
