package lab

import (
	"bytes"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/publish"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/subscribe"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/tally"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

// The lab's proof: every experiment flips, resilient loses nothing, every fault is off; anything else
// is named.
func TestLabExpectations(t *testing.T) {
	on, off := true, false
	ok := func(s, e string) Result {
		v := experiments.VerdictDeviated
		if s == "resilient" {
			v = experiments.VerdictHeld
		}
		return Result{Scenario: s, Experiment: e, Verdict: v, FaultOff: &on}
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
		{name: "fault left on", edit: func(rs []Result) { rs[0].FaultOff = &off }, wants: []string{"exp_1 on flawed: the fault parameter was still on"}},
		{name: "fault unread is not fault on", edit: func(rs []Result) { rs[0].FaultOff, rs[0].FaultUnread = nil, true },
			wants: []string{"exp_1 on flawed: the fault parameter could not be read after the run, so whether it is off is unknown"}},
		{name: "faults fired", edit: func(rs []Result) { n := 41.0; rs[0].Injected, rs[1].Injected = &n, &n }},
		// A verdict on a fault that never fired (a target that matches nothing the function does)
		// says nothing of the fault, whatever it is.
		{name: "the fault never fired", edit: func(rs []Result) { n := 0.0; rs[1].Injected = &n },
			wants: []string{"exp_1 on resilient: the fault never fired: the function's FaultsInjected counted none while the fault was on"}},
		{name: "a run failed", edit: func(rs []Result) { rs[0].Error = "deploy: boom" }, wants: []string{"exp_1 on flawed: deploy: boom"}},
		// A trial the lab was stopped before: its error alone, not "the fault parameter was still on".
		{name: "not run", edit: func(rs []Result) {
			rs[0] = Result{Scenario: "flawed", Experiment: "exp_1", Verdict: VerdictNotRun, Error: "not run: the lab was stopped before this trial started"}
		}, wants: []string{"exp_1 on flawed: not run: the lab was stopped before this trial started"}},
		// A trial stopped while it deployed wrote no fault: its error alone, not "still on".
		{name: "interrupted in its deploy", edit: func(rs []Result) {
			rs[0] = Result{Scenario: "flawed", Experiment: "exp_1", Verdict: "error", Error: "interrupted: the lab was stopped before this trial's experiment ran"}
		}, wants: []string{"exp_1 on flawed: interrupted", "exp_1 on flawed: verdict error, want deviated"}},
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

// Each probe says how far its value lies from the tolerance: inside from each bound, or outside
// past one; the margin is the signed distance to the nearest bound.
func TestProbeDistance(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	tests := []struct {
		name     string
		p        Probe
		distance string
		margin   float64
	}{
		{name: "inside", p: Probe{Value: v(12), Min: -10, Max: 20}, distance: "22.0 above min, 8.0 below max", margin: 8},
		{name: "above", p: Probe{Value: v(26.8), Min: -10, Max: 20}, distance: "6.8 above max", margin: -6.8},
		{name: "below", p: Probe{Value: v(-13), Min: -10, Max: 20}, distance: "3.0 below min", margin: -3},
		{name: "on a bound", p: Probe{Value: v(0), Min: 0, Max: 5}, distance: "0.0 above min, 5.0 below max", margin: 0},
		{name: "exact", p: Probe{Value: v(0), Min: 0, Max: 0}, distance: "equal", margin: 0},
		{name: "exact missed", p: Probe{Value: v(2), Min: 0, Max: 0}, distance: "2.0 above max", margin: -2},
		{name: "just outside: not 0.0", p: Probe{Value: v(80.04), Min: -10, Max: 80}, distance: "0.04 above max", margin: -0.04},
		{name: "no data", p: Probe{Min: 0, Max: 5}, distance: "no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Distance(); got != tt.distance {
				t.Errorf("Distance() = %q, want %q", got, tt.distance)
			}
			if tt.p.Value != nil {
				if got := margin(*tt.p.Value, tt.p.Min, tt.p.Max); math.Abs(got-tt.margin) > 1e-9 {
					t.Errorf("margin = %v, want %v", got, tt.margin)
				}
			}
		})
	}
}

// The table shows each probe's value, tolerance, verdict and distance on a line of its own; a trial
// not steady before the fault shows the probes of that check.
func TestPrintTableShowsDistances(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	var out bytes.Buffer
	PrintTable(&out, []Result{{Experiment: "exp_2", Scenario: "flawed", Verdict: "deviated", Published: 506, Probes: []Probe{
		{Name: "zero-sns-errors", Value: v(0), Tolerance: "0", Pass: true},
		{Name: "messages-in-flight", Value: v(26.8), Tolerance: "[-10.0, 20.0]", Min: -10, Max: 20},
	}}, {Experiment: "exp_2", Scenario: "resilient", Verdict: "error"},
		{Experiment: "exp_4", Scenario: "flawed", Verdict: "not-steady-before", Published: 300, Before: []Probe{
			{Name: "messages-in-flight", Value: v(10.9), Tolerance: "[-10.0, 10.0]", Min: -10, Max: 10},
		}}})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want header + 2 probes + 1 without probes + 1 probe before the fault:\n%s", len(lines), out.String())
	}
	for i, want := range []string{`DISTANCE TO THE TOLERANCE`, `zero-sns-errors\s+0\.0\s+0\s+ok\s+equal\s+506`,
		`^\s+messages-in-flight\s+26\.8\s+\[-10\.0, 20\.0\]\s+FAIL\s+6\.8 above max\s*$`, `^exp_2\s+resilient\s+error\s+-`,
		`^exp_4\s+flawed\s+not-steady-before\s+messages-in-flight \(before\)\s+10\.9\s+\[-10\.0, 10\.0\]\s+FAIL\s+0\.9 above max\s+300`} {
		if !regexp.MustCompile(want).MatchString(lines[i]) {
			t.Errorf("line %d %q does not match %q", i, lines[i], want)
		}
	}
}

// The unaccounted documents of a trial are pending first in the work queue (not converted yet),
// then in the CSV queue (converted, their notification not received yet), each at most as many as
// its queue holds; only the rest are lost.
func TestReconcileSplitsTheUnaccounted(t *testing.T) {
	keys := func(n int) []string {
		var k []string
		for i := range n {
			k = append(k, "input/doc-"+strconv.Itoa(i)+".json")
		}
		return k
	}
	for _, tt := range []struct {
		name                                string
		depths                              queueDepths
		pending, notificationsPending, lost int
	}{
		{"queues empty: all lost", queueDepths{}, 0, 0, 6},
		{"the work queue first", queueDepths{work: 2, csv: 3}, 2, 3, 1},
		{"never more than unaccounted", queueDepths{work: 4, csv: 9}, 4, 2, 0},
		{"the CSV queue alone", queueDepths{csv: 6}, 0, 6, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := &load{pub: publish.Summary{Published: 10, Keys: keys(10)}, sub: subscribe.Summary{Keys: keys(4), ReceiveErrors: 2}}
			tr := &trial{}
			tr.reconcile(l, tt.depths, nil)
			if tr.res.Pending != tt.pending || tr.res.NotificationsPending != tt.notificationsPending || tr.res.Lost != tt.lost {
				t.Errorf("pending %d, notifications pending %d, lost %d; want %d, %d, %d",
					tr.res.Pending, tr.res.NotificationsPending, tr.res.Lost, tt.pending, tt.notificationsPending, tt.lost)
			}
			if tr.res.ReceiveErrors != 2 {
				t.Errorf("the subscriber's 2 failed receives recorded as %d", tr.res.ReceiveErrors)
			}
		})
	}
	// Depths that could not be read (a lab stopped with Ctrl-C): the unaccounted are unknown, none lost.
	tr := &trial{}
	tr.reconcile(&load{pub: publish.Summary{Published: 10, Keys: keys(10)}, sub: subscribe.Summary{Keys: keys(4)}}, queueDepths{}, errors.New("no CSV queue"))
	if !strings.Contains(tr.res.Error, "read the queues' depths: no CSV queue") {
		t.Errorf("a depth that could not be read: error %q, want it named", tr.res.Error)
	}
	// A driver that refused its configuration is the trial's problem, not silence.
	tr2 := &trial{}
	tr2.reconcile(&load{subErr: errors.New("subscribe config: Wait must be 1-20 s")}, queueDepths{}, nil)
	if !strings.Contains(tr2.res.Error, "subscriber: subscribe config: Wait") {
		t.Errorf("a subscriber's error: trial error %q, want it named", tr2.res.Error)
	}
	if tr.res.Lost != 0 || tr.res.Unknown != 6 {
		t.Errorf("queues unread: lost %d, unknown %d; want 0 and 6 (neither pending nor lost as far as can be told)", tr.res.Lost, tr.res.Unknown)
	}
}

// A document still pending in the work queue has not been written yet: of the writes missing, those
// of documents still pending are said so. An interrupted resilient trial read "31 pending in the
// work queue, 0 lost; 28 DynamoDB writes missing", as if 28 writes were lost.
func TestWritesMissingSayThoseStillPending(t *testing.T) {
	// The tally's keys are document names; the publisher's malformed keys have its prefix.
	name := func(n int) string { return "resilient-exp_1-data_object_msg-" + strconv.Itoa(n) + ".json" }
	key := func(n int) string { return "input/" + name(n) }
	// 10 published, document 10 malformed; 1-6 converted, 7-9 and 10 still in the work queue.
	// Rows: 1-4 and 8 (a pending one written before its invocation timed out); 5 and 6 converted
	// without a row (missing), 7 and 9 not written yet.
	r := Result{Published: 10, Malformed: 1, Pending: 4}
	r.Documents.LostKeys = []string{name(7), name(8), name(9), name(10)}
	written := map[int]bool{1: true, 2: true, 3: true, 4: true, 8: true}
	r.writesMissing(10-1-len(written), written, []string{key(10)})
	if r.WritesMissing != 4 || r.WritesUnaccounted != 2 {
		t.Fatalf("writes missing %d, of documents unaccounted %d; want 4 (5, 6, 7 and 9), 2 (7 and 9, still pending)", r.WritesMissing, r.WritesUnaccounted)
	}
	if got, want := r.documents(""), "0 lost; 4 DynamoDB writes missing (2 of them for documents still pending)"; !strings.HasSuffix(got, want) {
		t.Errorf("documents %q, want it to end %q", got, want)
	}
	// Some of the unaccounted lost: they are said to be pending or lost.
	r.Lost, r.Pending = 1, 3
	if got := r.documents(""); !strings.Contains(got, "for documents still pending or lost") {
		t.Errorf("documents %q, want the unaccounted said pending or lost", got)
	}
	// Some converted with their notification still in the CSV queue: their writes were due, so they
	// are not said pending alone either.
	r.Lost, r.Pending, r.NotificationsPending = 0, 3, 1
	if got := r.documents(""); !strings.Contains(got, "for documents still pending or lost") {
		t.Errorf("documents %q, want the unaccounted said pending or lost (a notification pending)", got)
	}
	// Nothing unaccounted: no write missing is said pending.
	all := Result{Published: 5}
	all.writesMissing(3, map[int]bool{1: true, 2: true}, nil)
	if all.WritesMissing != 3 || all.WritesUnaccounted != 0 || strings.Contains(all.documents(""), "of them") {
		t.Errorf("writes missing %d, of unaccounted documents %d, %q; want 3, 0 and none said pending", all.WritesMissing, all.WritesUnaccounted, all.documents(""))
	}
}
