package lab

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// NarrowerLevel is the chance below which lab-compare calls a candidate's margins narrower than the
// baseline's: the one-sided p-value of NarrowerP.
const NarrowerLevel = 0.05

// exactSplits bounds the splits NarrowerP enumerates; past it (more than 10 runs a side) it samples
// this many of them at random, from a fixed seed so that a comparison prints the same p each time.
const exactSplits = 200_000

// NarrowerP is the chance that the candidate's margins would rank as low as they do among the
// baseline's if both labs drew them from the same distribution: an exact one-sided permutation
// test (Mann–Whitney's, ties at their mean rank) of "the candidate's runs sit closer to the edge".
// It is small only when most of the candidate's runs are narrower than most of the baseline's;
// with 5 runs a side its smallest value is 1/252, every candidate run below every baseline run.
// NaN when either side has no margin.
//
// Why not the closest run alone: it is the least steady statistic of a handful of runs. Two 5-run
// tables of the same lab, unchanged, put the closest run of a probe below the other's in six of 21
// probes (README, design notes); the closest-run comparison stays in lab-compare's table, and the
// tests decide.
func NarrowerP(base, cand []float64) float64 {
	return narrowerP([][]float64{base}, [][]float64{cand})
}

// narrowerP is NarrowerP over several probes at once, the runs as the units that move between the
// two labs: base[k] and cand[k] are probe k's margins, one per run in one order for every probe
// (NaN: that run has no value). Each run scores the sum over the probes of its margin's rank among
// the probe's values, less their mean rank, over their count (so that each probe weighs the same,
// whatever its scale); the statistic is the candidate runs' sum of scores, and the p-value the
// share of the ways to choose that many runs of both labs whose sum is as low or lower. Moving
// whole runs keeps what one run's probes share (the same machine, the same minutes).
func narrowerP(base, cand [][]float64) float64 {
	if len(base) == 0 || len(base) != len(cand) {
		return math.NaN()
	}
	nb, nc := len(base[0]), len(cand[0])
	n := nb + nc
	score := make([]float64, n)
	values := 0
	for k := range base {
		if len(base[k]) != nb || len(cand[k]) != nc {
			return math.NaN()
		}
		pooled := append(slices.Clone(base[k]), cand[k]...)
		ranks, m := midRanks(pooled)
		if m == 0 {
			continue
		}
		values += m
		mean := float64(m+1) / 2
		for i, r := range ranks {
			if !math.IsNaN(r) {
				score[i] += (r - mean) / float64(m)
			}
		}
	}
	if nb == 0 || nc == 0 || values == 0 {
		return math.NaN()
	}
	observed := 0.0
	for _, sc := range score[nb:] {
		observed += sc
	}
	const eps = 1e-9 // sums of fractions: a tie with the observed sum counts as "as low"
	if binomial(n, nc) <= exactSplits {
		low, all := 0, 0
		var walk func(from, left int, sum float64)
		walk = func(from, left int, sum float64) {
			if left == 0 {
				all++
				if sum <= observed+eps {
					low++
				}
				return
			}
			for i := from; i <= n-left; i++ {
				walk(i+1, left-1, sum+score[i])
			}
		}
		walk(0, nc, 0)
		return float64(low) / float64(all)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	low := 1 // the observed split is one of them (the usual +1 of a sampled permutation test)
	for range exactSplits {
		rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		sum := 0.0
		for _, i := range idx[:nc] {
			sum += score[i]
		}
		if sum <= observed+eps {
			low++
		}
	}
	return float64(low) / float64(exactSplits+1)
}

// midRanks ranks the values of xs from 1 (the smallest), in xs's order, and counts them; tied
// values share the mean of their ranks; a NaN (no value) has NaN for its rank.
func midRanks(xs []float64) ([]float64, int) {
	order := make([]int, 0, len(xs))
	ranks := make([]float64, len(xs))
	for i, x := range xs {
		if math.IsNaN(x) {
			ranks[i] = math.NaN()
		} else {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(xs[a], xs[b]) })
	for i := 0; i < len(order); {
		j := i
		for j+1 < len(order) && xs[order[j+1]] == xs[order[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			ranks[order[k]] = mean
		}
		i = j + 1
	}
	return ranks, len(order)
}

// binomial is n choose k, saturating at math.MaxInt.
func binomial(n, k int) int {
	if k < 0 || k > n {
		return 0
	}
	k = min(k, n-k)
	c := 1
	for i := 1; i <= k; i++ {
		if c > math.MaxInt/(n-k+i) {
			return math.MaxInt
		}
		c = c * (n - k + i) / i
	}
	return c
}
