// Package cwstat reads CloudWatch statistic names as CloudWatch's "statistics definitions" page
// writes them: the basic five, percentiles (p99), and the other extended statistics — trimmed
// mean (TM), winsorized mean (WM), trimmed count (TC), trimmed sum (TS), percentile rank (PR) and
// the interquartile mean (IQM). The experiment validator and the local CloudWatch both read them
// here, so what an experiment may name is what the local cloud computes.
//
// An extended statistic other than a percentile has a short form with an upper percentage bound
// only (tm90 is TM(:90%): the mean without the highest 10 %) and a long form with two bounds,
// both percentages (TM(10%:90%)) or both values of the metric (TM(150:1000)), one of them
// possibly empty. PR takes values only; WM percentages only (the page gives it no other).
package cwstat

import (
	"strconv"
	"strings"
)

// Basic reports whether stat is one of the five statistics that are not extended.
func Basic(stat string) bool {
	switch stat {
	case "SampleCount", "Average", "Sum", "Minimum", "Maximum":
		return true
	}
	return false
}

// Percentile reads a percentile statistic, "p" and a plain decimal between 0 and 100 ("p99",
// "p99.9", "p0.0", "p100": CloudWatch's "values between p0.0 and p100"). strconv.ParseFloat alone
// would also take "pNaN", "p1e1", "p+5" and "p0x1p4", none of which CloudWatch names a statistic.
func Percentile(stat string) (float64, bool) {
	if len(stat) < 2 || stat[0] != 'p' {
		return 0, false
	}
	whole, frac, dotted := strings.Cut(stat[1:], ".")
	if whole == "" || dotted && frac == "" || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, false
	}
	p, err := strconv.ParseFloat(stat[1:], 64)
	if err != nil || p < 0 || p > 100 {
		return 0, false
	}
	return p, true
}

// Extended is an extended statistic other than a percentile.
type Extended struct {
	Kind         string  // "TM", "WM", "TC", "TS" or "PR"
	Percent      bool    // the bounds are percentages (ranks), not values of the metric
	Lo, Hi       float64 // the bounds, where HasLo and HasHi say there is one
	HasLo, HasHi bool
	Short        bool // written tmNN, wmNN, tcNN, tsNN or IQM
}

// ParseExtended reads stat as one of the extended statistics other than percentiles; false for
// anything else, a percentile included.
func ParseExtended(stat string) (Extended, bool) {
	if stat == "IQM" {
		return Extended{Kind: "TM", Percent: true, Lo: 25, Hi: 75, HasLo: true, HasHi: true, Short: true}, true
	}
	if len(stat) > 2 {
		switch prefix := stat[:2]; prefix {
		case "tm", "wm", "tc", "ts":
			if p, ok := Percentile("p" + stat[2:]); ok {
				return Extended{Kind: strings.ToUpper(prefix), Percent: true, Hi: p, HasHi: true, Short: true}, true
			}
			return Extended{}, false
		}
	}
	if strings.IndexByte(stat, '(') != 2 || !strings.HasSuffix(stat, ")") {
		return Extended{}, false
	}
	e := Extended{Kind: stat[:2]}
	switch e.Kind {
	case "TM", "WM", "TC", "TS", "PR":
	default:
		return Extended{}, false
	}
	loS, hiS, ok := strings.Cut(stat[3:len(stat)-1], ":")
	if !ok || loS == "" && hiS == "" {
		return Extended{}, false
	}
	loPct, hiPct := strings.HasSuffix(loS, "%"), strings.HasSuffix(hiS, "%")
	if loS != "" && hiS != "" && loPct != hiPct {
		return Extended{}, false // one kind of bound: percentages or values
	}
	e.Percent = loPct || hiPct
	if e.Percent != (e.Kind != "PR") && (e.Kind == "PR" || e.Kind == "WM") {
		return Extended{}, false
	}
	read := func(s string) (float64, bool) {
		if e.Percent {
			s = strings.TrimSuffix(s, "%")
			if _, frac, _ := strings.Cut(s, "."); len(frac) > 10 {
				return 0, false // the page's "up to 10 decimal places"
			}
			return Percentile("p" + s)
		}
		return value(s)
	}
	if loS != "" {
		if e.Lo, e.HasLo = read(loS); !e.HasLo {
			return Extended{}, false
		}
	}
	if hiS != "" {
		if e.Hi, e.HasHi = read(hiS); !e.HasHi {
			return Extended{}, false
		}
	}
	if e.HasLo && e.HasHi && e.Lo > e.Hi {
		return Extended{}, false
	}
	return e, true
}

// value reads a bound that is a value of the metric: a plain decimal, signed or not, with at most
// 10 decimals (the page's "up to 10 decimal places").
func value(s string) (float64, bool) {
	whole, frac, dotted := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" || dotted && (frac == "" || len(frac) > 10) || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// IsExtended reports whether stat is an extended statistic: a percentile or another one.
func IsExtended(stat string) bool {
	if _, ok := Percentile(stat); ok {
		return true
	}
	_, ok := ParseExtended(stat)
	return ok
}

// Valid reports whether stat is any statistic CloudWatch computes: a basic one or an extended one.
func Valid(stat string) bool { return Basic(stat) || IsExtended(stat) }

// Alarmable reports whether an alarm's ExtendedStatistic may be stat: PutMetricAlarm's page allows
// percentiles, the short forms, IQM and PR(n:m), and TC, TM, TS and WM with two percentage bounds,
// each between 10 and 90 (its TM(X%:X%)).
func Alarmable(stat string) bool {
	e, ok := ParseExtended(stat)
	if !ok {
		_, ok := Percentile(stat)
		return ok
	}
	if e.Short || e.Kind == "PR" {
		return true
	}
	in := func(p float64) bool { return p >= 10 && p <= 90 }
	return e.Percent && e.HasLo && e.HasHi && in(e.Lo) && in(e.Hi)
}
