package lab

import (
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/tally"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// The lab's proof: every experiment flips, resilient loses nothing, every fault is off; anything else
// is named.
func TestLabExpectations(t *testing.T) {
	ok := func(s, e string) Result {
		v := experiments.VerdictDeviated
		if s == "resilient" {
			v = experiments.VerdictHeld
		}
		return Result{Scenario: s, Experiment: e, Verdict: v, FaultOff: true}
	}
	tests := []struct {
		name  string
		edit  func(rs []Result)
		wants []string
	}{
		{name: "all flipped", edit: func([]Result) {}},
		{name: "flawed held", edit: func(rs []Result) { rs[0].Verdict = experiments.VerdictHeld },
			wants: []string{"exp_1 on flawed: verdict held, want deviated"}},
		{name: "resilient not steady", edit: func(rs []Result) { rs[1].Verdict = experiments.VerdictNotSteadyBefore },
			wants: []string{"exp_1 on resilient: verdict not-steady-before, want held"}},
		{name: "resilient lost a document", edit: func(rs []Result) {
			rs[1].Lost = 1
			rs[1].Documents = tally.Report{LostKeys: []string{"doc-7.json"}}
		}, wants: []string{"exp_1 on resilient: 1 documents lost (in no queue and no output): doc-7.json"}},
		{name: "pending is not lost", edit: func(rs []Result) { rs[1].Pending = 2 }},
		{name: "fault left on", edit: func(rs []Result) { rs[0].FaultOff = false }, wants: []string{"exp_1 on flawed: the fault parameter was still on"}},
		{name: "a run failed", edit: func(rs []Result) { rs[0].Error = "deploy: boom" }, wants: []string{"exp_1 on flawed: deploy: boom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := []Result{ok("flawed", "exp_1"), ok("resilient", "exp_1")}
			tt.edit(rs)
			got := Expectations(rs)
			if len(got) != len(tt.wants) {
				t.Fatalf("problems %q, want %d", got, len(tt.wants))
			}
			for i, w := range tt.wants {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q does not say %q", got[i], w)
				}
			}
		})
	}
}
