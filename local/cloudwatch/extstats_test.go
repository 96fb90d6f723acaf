package cloudwatch

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/cwstat"
)

// storeOf is a store holding values, each put once, in one minute of metric N/d.
func storeOf(values ...float64) (*Store, time.Time) {
	s := NewStore()
	start := time.Unix(1700000000, 0)
	for i, v := range values {
		s.Put(Datum{Namespace: "N", Name: "d", Value: v, Time: start.Add(time.Duration(i) * 10 * time.Millisecond)})
	}
	return s, start
}

// putPoint puts statistic sets in N/d, as PutMetricData does for a datum's Values and Counts or
// its StatisticValues.
func putPoint(s *Store, ps ...point) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		s.putLocked("N", "d", nil, "", p)
	}
}

// statValue is GetMetricData's one value of stat over the store's minute; ok false when it has
// no datapoint.
func statValue(t *testing.T, s *Store, start time.Time, stat string) (float64, bool) {
	t.Helper()
	res, err := s.GetMetricData([]Query{{ID: "m", ReturnData: true, MetricStat: &MetricStat{Namespace: "N", Name: "d", Period: time.Minute, Stat: stat}}},
		start, start.Add(time.Minute), false)
	if err != nil {
		t.Fatalf("%s: %v", stat, err)
	}
	if len(res) != 1 || len(res[0].Values) > 1 {
		t.Fatalf("%s: %+v, want one result of at most one value", stat, res)
	}
	if len(res[0].Values) == 0 {
		return 0, false
	}
	return res[0].Values[0], true
}

// The trimmed and winsorized statistics, over 1 to 100, computed as CloudWatch's statistics page
// defines them: percentage bounds drop the lowest and highest ranks, value bounds exclude their
// lower end and include their upper one.
func TestExtendedStatistics(t *testing.T) {
	var hundred []float64
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, float64(i))
	}
	s, start := storeOf(hundred...)
	tests := []struct {
		stat string
		want float64 // NaN: no datapoint
	}{
		{"tm90", 45.5},               // 1..90
		{"TM(:90%)", 45.5},           // the same, long
		{"TM(10%:90%)", 50.5},        // 11..90
		{"TM(10%:)", 55.5},           // 11..100
		{"IQM", 50.5},                // 26..75
		{"TM(10:20)", 15.5},          // 11..20: 10 excluded, 20 included
		{"TM(150:1000)", math.NaN()}, // nothing kept
		{"tc90", 90},
		{"TC(10%:90%)", 80},
		{"TC(10:20)", 10},
		{"TC(150:1000)", 0}, // a count of nothing is 0, not missing
		{"ts90", 4095},      // 1+…+90
		{"TS(:10)", 55},
		{"wm90", 49.95},        // 91..100 counted as 90: (4095 + 900) / 100
		{"WM(20%:90%)", 52.05}, // 1..20 as 21, 91..100 as 90: (420 + 3885 + 900) / 100
		{"PR(:30)", 30},
		{"PR(10:20)", 10},
		{"PR(-5:0)", 0},
		{"PR(99.5:)", 1},
	}
	for _, tc := range tests {
		t.Run(tc.stat, func(t *testing.T) {
			want := tc.want
			got, ok := statValue(t, s, start, tc.stat)
			switch {
			case math.IsNaN(want) && ok:
				t.Errorf("%s = %v, want no datapoint", tc.stat, got)
			case !math.IsNaN(want) && (!ok || math.Abs(got-want) > 1e-9):
				t.Errorf("%s = %v (datapoint %v), want %v", tc.stat, got, ok, want)
			}
		})
	}
}

// A bound may cut a data point: tc90 of 15 values is 13.5 (the page: "Trimmed count can return
// decimal values rather than integers"), a period of one value has an IQM, wm90 caps at p90, and a
// value put with a count is that many data points.
func TestExtendedStatisticsRanks(t *testing.T) {
	var fifteen []float64
	for i := 1; i <= 15; i++ {
		fifteen = append(fifteen, float64(i))
	}
	s, start := storeOf(fifteen...)
	for stat, want := range map[string]float64{
		"tc90":        13.5,
		"tm90":        (91 + 0.5*14) / 13.5, // 1..13 whole, half of 14
		"IQM":         8,                    // symmetric: the middle value
		"TM(10%:90%)": 8,
		"wm90":        (120 - 15 + 14) / 15.0, // 1+…+15, the 15 counted as 14 (p90)
		"p90":         14,
	} {
		if got, ok := statValue(t, s, start, stat); !ok || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s of 1..15 = %v (%v), want %v", stat, got, ok, want)
		}
	}
	one, at1 := storeOf(7)
	for _, stat := range []string{"tm90", "IQM", "wm90", "TM(10%:90%)", "p50"} {
		if got, ok := statValue(t, one, at1, stat); !ok || got != 7 {
			t.Errorf("%s of one value 7 = %v (%v), want 7", stat, got, ok)
		}
	}

	w := NewStore()
	at := time.Unix(1700000000, 0)
	putPoint(w, point{t: at, sum: 9, count: 9, min: 1, max: 1}, point{t: at, sum: 100, count: 1, min: 100, max: 100}) // Values [1, 100], Counts [9, 1]
	for stat, want := range map[string]float64{"tm90": 1, "tc90": 9, "wm90": 1, "TS(:90%)": 9, "PR(1:100)": 10} {
		if got, ok := statValue(t, w, at, stat); !ok || got != want {
			t.Errorf("%s of 1 nine times and 100 once = %v (%v), want %v", stat, got, ok, want)
		}
	}
}

// Like percentiles, they need the values put: a statistic set of several values has none.
func TestExtendedStatisticsNeedRawValues(t *testing.T) {
	s := NewStore()
	at := time.Unix(1700000000, 0)
	putPoint(s, point{t: at, sum: 10, count: 4, min: 1, max: 4}) // StatisticValues
	for _, stat := range []string{"tm90", "IQM", "TC(:90%)", "PR(:2)"} {
		if got, ok := statValue(t, s, at, stat); ok {
			t.Errorf("%s of a statistic set = %v, want no datapoint", stat, got)
		}
	}
	if got, ok := statValue(t, s, at, "Sum"); !ok || got != 10 {
		t.Errorf("Sum = %v, want 10", got)
	}
}

func ExampleStore_GetMetricData_trimmedMean() {
	s, start := storeOf(1, 2, 3, 4, 5, 6, 7, 8, 9, 1000) // one outlier
	res, _ := s.GetMetricData([]Query{
		{ID: "avg", ReturnData: true, MetricStat: &MetricStat{Namespace: "N", Name: "d", Period: time.Minute, Stat: "Average"}},
		{ID: "tm90", ReturnData: true, MetricStat: &MetricStat{Namespace: "N", Name: "d", Period: time.Minute, Stat: "tm90"}},
	}, start, start.Add(time.Minute), false)
	for _, r := range res {
		fmt.Println(r.ID, r.Values)
	}
	// Output:
	// avg [104.5]
	// tm90 [5]
}

// FuzzExtendedStatistic: whatever the statistic's text, reading it does not panic, and one read
// gives a value CloudWatch could: a count within the values', a rank from 0 to 100, a mean within
// the values' range.
func FuzzExtendedStatistic(f *testing.F) {
	for _, s := range []string{"tm90", "IQM", "TM(10%:90%)", "TM(150:1000)", "PR(:300)", "WM(20%:)", "TS(-5:5)", "tc99.5", "TM(:)"} {
		f.Add(s, 3.0, 9.0)
	}
	f.Fuzz(func(t *testing.T, stat string, a, b float64) {
		e, ok := cwstat.ParseExtended(stat)
		if !ok || math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
			return
		}
		vals := []sample{{v: a, n: 3}, {v: b, n: 2}, {v: (a + b) / 2, n: 1}}
		v, got := computeExtended(e, vals)
		if !got {
			return
		}
		lo, hi := min(a, b), max(a, b)
		switch e.Kind {
		case "TC":
			if v < 0 || v > 6 {
				t.Fatalf("%s = %v, outside 0..6 values", stat, v)
			}
		case "PR":
			if v < 0 || v > 100 {
				t.Fatalf("%s = %v, outside 0..100 %%", stat, v)
			}
		case "TM", "WM":
			if tol := 1e-9 * max(1, math.Abs(lo), math.Abs(hi)); v < lo-tol || v > hi+tol {
				t.Fatalf("%s of %v..%v = %v, outside the values", stat, lo, hi, v)
			}
		}
	})
}
