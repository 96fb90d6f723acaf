package cloudwatch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestGetMetricDataPagesCoverEveryDatapointOnce pages random results at random page sizes, in both
// scan orders, and requires the pages together to hold every datapoint of every result exactly once
// and in order, each result present (an empty one once), no page over its size, and PartialData
// exactly on a result continued on a later page.
func TestGetMetricDataPagesCoverEveryDatapointOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for round := range 2000 {
		descending := round%2 == 1
		results := make([]Result, rng.IntN(5))
		for i := range results {
			n := rng.IntN(8)
			if rng.IntN(4) == 0 {
				n = 0
			}
			r := Result{ID: fmt.Sprintf("q%d", i), Timestamps: []time.Time{}, Values: []float64{}}
			for j := range n {
				k := j
				if descending {
					k = n - 1 - j
				}
				r.Timestamps = append(r.Timestamps, base.Add(time.Duration(k)*time.Minute))
				r.Values = append(r.Values, float64(i*100+k))
			}
			results[i] = r
		}
		size := 1 + rng.IntN(6)
		got := map[string][]float64{}
		seen := map[string]int{}
		var after *cursor
		for page := 0; ; page++ {
			if page > 100 {
				t.Fatalf("round %d: more than 100 pages", round)
			}
			out, last, ok := pageOf(results, after, size, descending)
			if !ok {
				t.Fatalf("round %d page %d: refused", round, page)
			}
			n := 0
			for _, r := range out.MetricDataResults {
				n += len(r.Values)
				got[r.ID] = append(got[r.ID], r.Values...)
				seen[r.ID]++
				continued := last != nil && r.ID == last.ID && len(got[r.ID]) < len(valuesOf(results, r.ID))
				if (r.StatusCode == "PartialData") != continued {
					t.Fatalf("round %d page %d: %s is %s with %d of %d datapoints answered", round, page, r.ID, r.StatusCode, len(got[r.ID]), len(valuesOf(results, r.ID)))
				}
			}
			if n > size {
				t.Fatalf("round %d page %d: %d datapoints on a page of %d", round, page, n, size)
			}
			if last == nil {
				break
			}
			after = last
		}
		for _, r := range results {
			if !slices.Equal(got[r.ID], r.Values) {
				t.Fatalf("round %d (size %d, descending %v): %s paged as %v, want %v", round, size, descending, r.ID, got[r.ID], r.Values)
			}
			if len(r.Values) == 0 && seen[r.ID] != 1 {
				t.Fatalf("round %d: the empty result %s appeared %d times, want once", round, r.ID, seen[r.ID])
			}
		}
	}
}

func valuesOf(results []Result, id string) []float64 {
	for _, r := range results {
		if r.ID == id {
			return r.Values
		}
	}
	return nil
}
