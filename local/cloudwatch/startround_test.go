package cloudwatch

import (
	"testing"
	"time"
)

// roundedStart as GetMetricData's and GetMetricStatistics' StartTime documents it: by the start's
// age (a minute under 15 days, 5 minutes to 63, an hour beyond) and, for periods under a minute,
// to their divisions of a minute.
func TestRoundedStart(t *testing.T) {
	now := time.Date(2026, 12, 6, 4, 30, 0, 0, time.UTC)
	at := func(daysAgo int, hms string) time.Time {
		c, err := time.Parse("15:04:05.000", hms)
		if err != nil {
			t.Fatal(err)
		}
		d := now.AddDate(0, 0, -daysAgo)
		return time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), time.UTC)
	}
	const s = time.Second
	for _, tc := range []struct {
		start   time.Time
		periods []time.Duration
		want    time.Time
	}{
		{at(0, "04:16:54.000"), []time.Duration{60 * s}, at(0, "04:16:00.000")},
		{at(0, "04:16:54.250"), []time.Duration{300 * s}, at(0, "04:16:00.000")}, // the minute, not the period
		{at(0, "04:16:00.000"), []time.Duration{60 * s}, at(0, "04:16:00.000")},
		{at(0, "04:16:54.000"), nil, at(0, "04:16:00.000")},
		{at(3, "12:32:34.000"), []time.Duration{3600 * s}, at(3, "12:32:00.000")},
		{at(14, "12:32:34.000"), []time.Duration{60 * s}, at(14, "12:32:00.000")},
		{at(20, "12:32:34.000"), []time.Duration{60 * s}, at(20, "12:30:00.000")},
		{at(63, "04:32:34.000"), []time.Duration{60 * s}, at(63, "04:30:00.000")},
		{at(70, "12:32:34.000"), []time.Duration{60 * s}, at(70, "12:00:00.000")},
		// Periods under a minute: their divisions of a minute (01:05:23 by 10 s: 01:05:20).
		{at(0, "01:05:23.000"), []time.Duration{10 * s}, at(0, "01:05:20.000")},
		{at(0, "03:07:17.500"), []time.Duration{5 * s}, at(0, "03:07:15.000")},
		{at(0, "03:07:17.500"), []time.Duration{1 * s}, at(0, "03:07:17.000")},
		{at(0, "03:07:47.000"), []time.Duration{20 * s}, at(0, "03:07:40.000")},
		{at(0, "03:07:47.000"), []time.Duration{30 * s}, at(0, "03:07:30.000")},
		// Several queries: the interval each of them rounds to.
		{at(0, "03:07:47.000"), []time.Duration{5 * s, 10 * s}, at(0, "03:07:40.000")},
		{at(0, "03:07:47.000"), []time.Duration{20 * s, 30 * s}, at(0, "03:07:00.000")},
		{at(0, "03:07:47.000"), []time.Duration{10 * s, 60 * s}, at(0, "03:07:00.000")},
		{at(20, "03:07:47.000"), []time.Duration{10 * s}, at(20, "03:05:00.000")},
	} {
		if got := roundedStart(tc.start, now, tc.periods); !got.Equal(tc.want) {
			t.Errorf("roundedStart(%s, %v) = %s, want %s", tc.start.Format(time.RFC3339Nano), tc.periods, got.Format(time.RFC3339Nano), tc.want.Format(time.RFC3339Nano))
		}
	}
}
