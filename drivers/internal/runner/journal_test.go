package runner

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// The probe table judges the phases before and after the fault; the rows after the rollback say
// where the value is, never pass or FAIL, since the verdict does not read them.
func TestPrintJournalDoesNotJudgeTheRecovery(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	tol := experiments.Tolerance{Type: experiments.ToleranceRange, Min: -10, Max: 80, Text: "[-10, 80]"}
	j := &experiments.Journal{Verdict: experiments.VerdictHeld,
		Before: []experiments.ProbeResult{{Name: "messages-in-flight", Tolerance: tol, Value: v(2), Status: experiments.ProbeOK, Pass: true}},
		After:  []experiments.ProbeResult{{Name: "messages-in-flight", Tolerance: tol, Value: v(95), Status: experiments.ProbeDeviated}},
		AfterRollback: []experiments.ProbeResult{
			{Name: "messages-in-flight", Tolerance: tol, Value: v(-24), Status: experiments.ProbeDeviated},
			{Name: "normal-error-rates", Tolerance: tol, Value: v(1), Status: experiments.ProbeOK, Pass: true},
			{Name: "zero-sns-errors", Tolerance: tol, Status: experiments.ProbeNoData}},
	}
	var out bytes.Buffer
	PrintJournal(&out, j)
	for _, want := range []string{
		`(?m)^before\s+messages-in-flight\s+2\s+\[-10, 80\]\s+pass$`,
		`(?m)^after\s+messages-in-flight\s+95\s+\[-10, 80\]\s+FAIL$`,
		`(?m)^after-rollback\s+messages-in-flight\s+-24\s+\[-10, 80\]\s+outside, not judged$`,
		`(?m)^after-rollback\s+normal-error-rates\s+1\s+\[-10, 80\]\s+inside, not judged$`,
		`(?m)^after-rollback\s+zero-sns-errors\s+no data\s+\[-10, 80\]\s+no data, not judged$`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("no line like %s in:\n%s", want, out.String())
		}
	}
}

// A probe's progress line names the probe: its query's label, when that is more than the id.
func TestMetricValuesNameTheProbe(t *testing.T) {
	for _, tc := range []struct{ output, want string }{
		{`{"MetricDataResults":[{"Id":"e1","Label":"messages-in-flight","Values":[14.399999999999999,3]}]}`, "messages-in-flight e1=14.4"},
		{`{"MetricDataResults":[{"Id":"e1","Label":"e1","Values":[]}]}`, "e1=no data"},
		{`{"MetricDataResults":[{"Id":"m1","Values":[0]}]}`, "m1=0"},
		{`{"MetricDataResults":[]}`, "no data"},
	} {
		if got := metricValues(tc.output); got != tc.want {
			t.Errorf("metricValues(%s) = %q, want %q", tc.output, got, tc.want)
		}
	}
}
