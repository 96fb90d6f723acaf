package cwstat

import "testing"

// A percentile statistic is "p" and a plain decimal from 0 to 100: what else strconv.ParseFloat
// reads (NaN, exponents, signs, hex) names no CloudWatch statistic.
func TestPercentiles(t *testing.T) {
	for stat, want := range map[string]bool{
		"p0": true, "p0.0": true, "p50": true, "p99.9": true, "p99.99": true, "p100": true, "p100.0": true,
		"p": false, "p100.1": false, "p101": false, "pNaN": false, "pnan": false, "pInf": false, "p1e1": false,
		"p+5": false, "p-0": false, "p0x1p4": false, "p.5": false, "p5.": false, "p 5": false, "p5.5.5": false, "P50": false,
	} {
		if got := Valid(stat); got != want {
			t.Errorf("Valid(%q) = %v, want %v", stat, got, want)
		}
	}
}

// What is a statistic: the forms of the statistics page, nothing near them.
func TestValidStatExtended(t *testing.T) {
	for stat, want := range map[string]bool{
		"tm90": true, "tm99.9": true, "tm100": true, "wm0": true, "tc50": true, "ts75.5": true, "IQM": true,
		"TM(10%:90%)": true, "TM(:90%)": true, "TM(10%:)": true, "TM(150:1000)": true, "TM(-5:5)": true,
		"WM(10%:90%)": true, "WM(10:90)": false, "WM(:90)": false, "TC(0.5:1.5)": true, "TS(:10)": true, "PR(:300)": true, "PR(100:2000)": true,
		"TM(1.0123456789:2)": true,
		"tm":                 false, "tm101": false, "tm-1": false, "tmNaN": false, "TM90": false, "Tm90": false, "iqm": false,
		"TM(10%:90)": false, "TM(10:90%)": false, "PR(10%:20%)": false, "PR(:5%)": false, "TM(:)": false,
		"TM(90%:10%)": false, "TM(20:10)": false, "tm(10%:90%)": false, "TM(10%:90%": false, "TM10%:90%)": false,
		"TM(1.01234567891:2)": false, "TM(1.0123456789%:2%)": true, "TM(1.01234567891%:2%)": false, "TM(1e3:)": false, "TM(+5:)": false, "TM(110%:)": false, "TM(a:b)": false,
		"TM(10%:50%:90%)": false, "XX(1:2)": false, "TM((1:2))": false,
	} {
		if got := Valid(stat); got != want {
			t.Errorf("Valid(%q) = %v, want %v", stat, got, want)
		}
	}
}

// An alarm's ExtendedStatistic is what PutMetricAlarm's page allows: percentiles, the short
// forms, IQM, PR(n:m), and the long forms with percentage bounds from 10 to 90.
func TestAlarmExtendedStatistics(t *testing.T) {
	for stat, want := range map[string]bool{
		"p99": true, "tm90": true, "wm95": true, "tc90": true, "ts90": true, "IQM": true, "PR(:300)": true,
		"TM(10%:90%)": true, "WM(25%:75%)": true, "TC(:90%)": false, "TM(10%:)": false,
		"TM(5%:90%)": false, "TS(10%:95%)": false, "TM(150:1000)": false, "Sum": false, "tm": false,
	} {
		if got := Alarmable(stat); got != want {
			t.Errorf("Alarmable(%q) = %v, want %v", stat, got, want)
		}
	}
}
