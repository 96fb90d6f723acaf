package fis

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// isoDuration is the ISO 8601 duration FIS takes (PT5M, PT1H30M, PT90S, P1D): days and a time
// part of hours, minutes and seconds, each a number with an optional fraction.
var isoDuration = regexp.MustCompile(`^P(?:([0-9]+(?:\.[0-9]+)?)D)?(?:T(?:([0-9]+(?:\.[0-9]+)?)H)?(?:([0-9]+(?:\.[0-9]+)?)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?$`)

// calendarUnits are ISO 8601 units with no fixed length: years, months (before the T) and weeks.
var calendarUnits = regexp.MustCompile(`^P(?:[0-9.]+[YMW])`)

// ParseDuration reads an ISO 8601 duration as FIS writes them ("PT5M"); years, months and weeks
// are refused (they have no fixed length, and FIS's limit is 12 hours).
func ParseDuration(s string) (time.Duration, error) {
	if calendarUnits.MatchString(s) {
		return 0, fmt.Errorf("%q: years, months and weeks are not translated (write days, hours, minutes or seconds, e.g. PT5M)", s)
	}
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s[len(s)-1] == 'T' {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration such as PT5M, PT1H30M or PT90S", s)
	}
	var d float64
	for i, unit := range []float64{24 * 3600, 3600, 60, 1} {
		if m[i+1] == "" {
			continue
		}
		f, err := strconv.ParseFloat(m[i+1], 64)
		if err != nil {
			return 0, fmt.Errorf("%q: %v", s, err)
		}
		d += f * unit
	}
	if d > 1e9 || math.IsInf(d, 0) { // far beyond any limit, and beyond time.Duration's range soon
		return 0, fmt.Errorf("%q is too long", s)
	}
	return time.Duration(math.Round(d * float64(time.Second))), nil
}

// formatSeconds writes a duration for a name or a reason: 300s, 90.5s.
func formatSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}
