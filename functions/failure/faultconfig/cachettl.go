package faultconfig

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// EnvCacheTTL is the environment variable of the failure layer's config cache TTL (package
// failure's FromEnv reads it): a Go duration ("5s") or, as in failure-lambda 1.0, a number of
// seconds ("60").
const EnvCacheTTL = "FAILURE_CACHE_TTL"

// ParseCacheTTL reads a FAILURE_CACHE_TTL value as the failure layer does: a Go duration, or
// failure-lambda 1.0's seconds (a number). Here, beside the config's parser, so that whoever
// reads the value outside the function (chaoslab run's default onset, from the stack output that
// holds it) reads it by the function's rules.
func ParseCacheTTL(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(n, 0) && !math.IsNaN(n) {
		if n <= 0 || n > 366*24*3600 {
			return 0, fmt.Errorf("%s=%q: want a positive number of seconds (failure-lambda 1.0 reads 0 as no cache; this layer never fetches the parameter per invocation)", EnvCacheTTL, s)
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive Go duration such as 5s, or seconds such as 60", EnvCacheTTL, s)
	}
	return d, nil
}
