package dashboard

import (
	"testing"
	"time"
)

func TestFaultWindows(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	const p, q = "/Stack/failureLambdaConfig", "/Other/config"
	writes := []Write{
		{Parameter: p, Time: at(0), Value: `{"isEnabled": false}`},
		{Parameter: p, Time: at(10), Value: `{"isEnabled": true, "failureMode": "latency", "rate": 0.5}`},
		{Parameter: "/plain", Time: at(12), Value: `hello`},
		{Parameter: p, Time: at(40), Value: `{"isEnabled": false}`},
		// expires by itself 20 s after its write, before the rollback at 100
		{Parameter: p, Time: at(50), Value: `{"isEnabled": true, "expiresAfterSeconds": 20, "faults": [{"mode": "sdkerror", "error": "throttling", "rate": 0.75}]}`},
		{Parameter: p, Time: at(100), Value: `{"isEnabled": false}`},
		// a JSON string holding the config (as some writers quote it), then deleted
		{Parameter: q, Time: at(60), Value: `"{\"isEnabled\": true, \"expiresAt\": \"2026-01-01T12:10:00Z\"}"`},
		{Parameter: q, Time: at(90), Deleted: true},
		// failure-lambda 1.0's shape, then still on (0.x)
		{Parameter: p, Time: at(150), Value: `{"expiresAfterSeconds": 420, "latency": {"enabled": true}, "denylist": {"enabled": true, "percentage": 50}}`},
		{Parameter: p, Time: at(160), Value: `{"latency": {"enabled": false}}`},
		{Parameter: p, Time: at(200), Value: `{"isEnabled": true, "failureMode": "denylist"}`},
	}
	got := FaultWindows(writes)
	want := []FaultWindow{
		// What the fault does, in words, where the function reads the value (a latency with no
		// bounds waits 0 ms; an enabled config without a mode, or a denylist without hosts, is
		// not one the function reads).
		{Parameter: p, Start: at(10), End: at(40), Summary: "latency 50%", Words: "latency 0 ms, 50% of invocations"},
		{Parameter: p, Start: at(50), End: at(70), Summary: "sdkerror (throttling) 75%", Words: "sdkerror: throttling errors, 75% of SDK calls"},
		{Parameter: q, Start: at(60), End: at(90), Summary: "fault enabled"},
		{Parameter: p, Start: at(150), End: at(160), Summary: "denylist 50%, latency"},
		{Parameter: p, Start: at(200), Summary: "denylist"},
	}
	if len(got) != len(want) {
		t.Fatalf("FaultWindows = %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("window %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	spans := Spans(got, at(300))
	if last := spans[4]; !last.Ongoing || last.End != Seconds(at(300)) {
		t.Errorf("ongoing span = %+v", last)
	}
	if first := spans[0]; first.Ongoing || first.End != Seconds(at(40)) {
		t.Errorf("closed span = %+v", first)
	}
}

func TestFaultIsDecidedByTheValue(t *testing.T) {
	for _, c := range []struct {
		value string
		on    bool
	}{
		{`{"isEnabled": true}`, true},
		{`{"isEnabled": false, "failureMode": "latency"}`, false},
		{`{"isEnabled": "true"}`, false},
		{`[{"isEnabled": true}]`, false},
		{`isEnabled: true`, false},
		{``, false},
		// failure-lambda 1.0: one object per mode
		{`{"latency": {"enabled": true, "min_latency": 200}}`, true},
		{`{"latency": {"enabled": false}, "denylist": {"enabled": true, "percentage": 50, "deny_list": ["x"]}}`, true},
		{`{"latency": {"enabled": true, "percentage": 0}, "exception": {"enabled": false}}`, false},
		{`{"expiresAfterSeconds": 60, "timeout": {"enabled": false}}`, false},
		// 0.x and ours: a mode at rate 0 fires on no call
		{`{"isEnabled": true, "failureMode": "latency", "rate": 0}`, false},
		{`{"isEnabled": true, "faults": [{"mode": "sdkerror", "rate": 0}]}`, false},
		{`{"isEnabled": true, "faults": [{"mode": "sdkerror", "rate": 0}, {"mode": "latency", "rate": 0.1}]}`, true},
		{`{"isEnabled": true, "failureMode": "latency"}`, true},
	} {
		if on, _, _ := Fault(c.value, time.Now()); on != c.on {
			t.Errorf("Fault(%q) = %v, want %v", c.value, on, c.on)
		}
	}
}

// A fault's rate reads as it was written: the live page's banner and a report's timeline showed
// a rate of 0.29 as "28.999999999999996%" (0.29 × 100 in floating point).
func TestFaultSummaryRatesReadAsWritten(t *testing.T) {
	for value, want := range map[string]string{
		`{"isEnabled": true, "failureMode": "latency", "rate": 0.29}`:                                "latency 29%",
		`{"isEnabled": true, "failureMode": "latency", "rate": 0.07}`:                                "latency 7%",
		`{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "throttling", "rate": 0.57}]}`: "sdkerror (throttling) 57%",
		`{"isEnabled": true, "failureMode": "latency", "rate": 0.125}`:                               "latency 12.5%",
		`{"isEnabled": true, "failureMode": "latency", "rate": 0.0001}`:                              "latency 0.01%",
		`{"isEnabled": true, "failureMode": "latency", "rate": 0.333333}`:                            "latency 33.3333%",
		`{"denylist": {"enabled": true, "percentage": 33.3}}`:                                        "denylist 33.3%",
		`{"isEnabled": true, "failureMode": "latency", "rate": 1}`:                                   "latency",
		`{"isEnabled": true, "failureMode": "latency", "rate": 0.9999999}`:                           "latency 99.99999%",
	} {
		if _, _, got := Fault(value, time.Now()); got != want {
			t.Errorf("Fault(%s) summary %q, want %q", value, got, want)
		}
	}
}

// A fault value in words: each fault the function would apply, joined; a value written as a JSON
// string is read inside; a value that switches nothing on, or that the function refuses, has none.
func TestFaultWords(t *testing.T) {
	for _, tt := range []struct{ value, want string }{
		{`{"isEnabled": true, "failureMode": "blacklist", "rate": 0.5, "blacklist": ["dynamodb.*.amazonaws.com"]}`,
			"denylist: connections to hosts matching dynamodb.*.amazonaws.com fail, 50% of invocations"},
		{`"{\"latency\": {\"enabled\": true, \"min_latency\": 100, \"max_latency\": 400}, \"exception\": {\"enabled\": true, \"percentage\": 10, \"exception_msg\": \"boom\"}}"`,
			"latency 100–400 ms, 100% of invocations; exception: fails with \"boom\" before the handler, 10% of invocations"},
		{`{"isEnabled": false, "failureMode": "latency"}`, ""},
		{`{"isEnabled": true, "failureMode": "nonsense"}`, ""},
		{`hello`, ""},
	} {
		if got := FaultWords(tt.value); got != tt.want {
			t.Errorf("FaultWords(%s) = %q, want %q", tt.value, got, tt.want)
		}
	}
}
