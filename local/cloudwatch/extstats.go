package cloudwatch

import (
	"math"

	"github.com/chaoslab/serverless-chaos-lab/internal/cwstat"
)

// The extended statistics other than percentiles (internal/cwstat reads their names), computed
// as CloudWatch's "statistics definitions" page defines them. Like percentiles they need the raw
// values put (statSeries hands them over only then).
//
// Where the page is exact it is followed: a value bound excludes its lower end and includes its
// upper one (TM(150:1000) drops what is 150 or less and what is over 1000; "percentile rank is
// exclusive on the lower bound and inclusive on the upper bound"). Percentage bounds are ranks, as
// the page's "removes the lowest 2 % and the highest 2 % of the data points" says, and a rank may
// fall inside a data point: of N values in ascending order, the one of rank r (from 1) spans
// (r−1, r], and the bounds keep (a·N, b·N] of that line, part of a data point where a bound cuts
// one ("Trimmed count can return decimal values rather than integers", the page says). So tm90 of
// 15 values keeps 13.5 of them, IQM of one value is that value, and wm90 moves the highest values
// to the one tm90 keeps last, which is p90. AWS computes all of these from a sketch of the values
// and may differ in the last digits.

// computeExtended is the statistic e over vals (each value with how many times it occurred); false when no
// value is kept (TM, WM of nothing) or there are no values.
func computeExtended(e cwstat.Extended, vals []sample) (float64, bool) {
	if len(vals) == 0 {
		return 0, false
	}
	sorted, total := ascending(vals)
	// kept is how many of a value's occurrences are inside the bounds.
	var kept func(i int, before float64) float64
	lowest, highest := math.Inf(-1), math.Inf(1) // what winsorizing moves values to
	if e.Percent {
		from, to := 0.0, total // ranks (from, to], in fractions of a data point
		if e.HasLo {
			from = e.Lo * total / 100
		}
		if e.HasHi {
			to = e.Hi * total / 100
		}
		kept = func(i int, before float64) float64 {
			return max(0, min(before+sorted[i].n, to)-max(before, from))
		}
		before := 0.0
		for i, s := range sorted {
			if kept(i, before) > 0 {
				if math.IsInf(lowest, -1) {
					lowest = s.v
				}
				highest = s.v
			}
			before += s.n
		}
		if math.IsInf(lowest, -1) {
			lowest, highest = math.Inf(1), math.Inf(-1) // nothing kept
		}
	} else {
		kept = func(i int, _ float64) float64 {
			v := sorted[i].v
			if e.HasLo && v <= e.Lo || e.HasHi && v > e.Hi {
				return 0
			}
			return sorted[i].n
		}
	}
	var count, sum, winsorized float64
	before := 0.0
	for i, s := range sorted {
		k := kept(i, before)
		count += k
		sum += k * s.v
		winsorized += s.n * min(max(s.v, lowest), highest)
		before += s.n
	}
	switch e.Kind {
	case "TC":
		return count, true
	case "TS":
		return sum, true
	case "PR":
		return 100 * count / total, true
	case "TM":
		return sum / count, count > 0
	case "WM":
		return winsorized / total, lowest <= highest
	}
	return 0, false
}
