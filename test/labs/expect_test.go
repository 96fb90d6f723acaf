package labs

import (
	"errors"
	"strings"
	"testing"
)

func TestExpectMatch(t *testing.T) {
	out := Lines(strings.Join([]string{
		"experiment: Minor delays should not impact processing",
		"[    0.0s] execution started",
		"[   10.1s]   probe: e1=0",
		"",
		"PHASE           PROBE               VALUE    TOLERANCE      RESULT",
		"after           messages-in-flight  83.7209  [-10.0, 80.0]  FAIL",
		"after           normal-error-rates  13.9535  [0.0, 5.0]     FAIL",
		`put CFN-ChaosLab-Fault-M5D = {"expiresAfterSeconds":150,"isEnabled":true}`,
		"verdict: deviated",
		"local cloud: live dashboards at http://127.0.0.1:34211/?token=168b0409ad0d",
		"\x1b[32mgreen\x1b[0m text",
		"progress 10%\rprogress 100%",
	}, "\n") + "\n")

	tests := []struct {
		name    string
		expect  string
		wantErr string // substring of the error; empty: matches
	}{
		{name: "literal lines in order", expect: "experiment: Minor delays should not impact processing\nverdict: deviated"},
		{name: "lines between are skipped", expect: "[ {n}s] execution started\nverdict: deviated"},
		{name: "out of order fails", expect: "verdict: deviated\nexperiment: Minor delays should not impact processing",
			wantErr: `expected line not found: "experiment: Minor`},
		{name: "spaces match any run of spaces", expect: "after messages-in-flight {n} [-10.0, 80.0] FAIL"},
		{name: "number within bounds", expect: "after messages-in-flight {n:50..100} [-10.0, 80.0] FAIL"},
		{name: "number out of bounds names it", expect: "after messages-in-flight {n:0..80} [-10.0, 80.0] FAIL",
			wantErr: "number 1 is 83.7209, outside [0..80]"},
		{name: "open bounds", expect: "after normal-error-rates {n:5..} [{n}, {n:..5}] FAIL"},
		{name: "ellipsis elides text", expect: "after ... FAIL\nput CFN-ChaosLab-Fault-{id} = {\"expiresAfterSeconds\":{n},...}"},
		{name: "ellipsis may stand for nothing", expect: "verdict: ... deviated"},
		{name: "a lone ellipsis line matches nothing", expect: "experiment: ...\n...\nverdict: deviated"},
		{name: "word placeholders", expect: "local cloud: live dashboards at http://127.0.0.1:{port}/?token={token}"},
		{name: "a word does not span spaces", expect: "verdict: {word}\nlocal cloud: {word} at {url}",
			wantErr: `"local cloud: {word} at {url}"`},
		{name: "whole lines only", expect: "verdict: dev", wantErr: "not found"},
		{name: "JSON braces are literal", expect: `put {x} = {"expiresAfterSeconds":{n:100..200},"isEnabled":true}`},
		{name: "colour codes are stripped", expect: "green text"},
		{name: "a carriage return keeps the last state", expect: "progress 100%"},
		{name: "blank output lines are lines", expect: "[ {n}s] probe: e1={n}\nPHASE ... RESULT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Compile(tt.expect)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			_, err = e.Match(out, 0)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Match: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Match: want an error containing %q, got a match", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Match: error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestExpectMatchCursor(t *testing.T) {
	// GIVEN a background terminal's output that grows between two expectations
	out := Lines("subscriber: 10.0s converted=24\nsubscriber: 20.0s converted=43\n")
	first, _ := Compile("subscriber: {n}s converted={n:1..}")
	next, err := first.Match(out, 0)
	if err != nil || next != 1 {
		t.Fatalf("first Match = %d, %v; want 1, nil", next, err)
	}
	// WHEN the second expectation goes on from there
	second, _ := Compile("subscriber: {n}s converted={n:30..}")
	next, err = second.Match(out, next)
	// THEN it finds the later line, and a third finds nothing new
	if err != nil || next != 2 {
		t.Fatalf("second Match = %d, %v; want 2, nil", next, err)
	}
	if _, err := first.Match(out, next); err == nil {
		t.Fatal("third Match found a line past the end")
	}
	var me *MismatchError
	if _, err := second.Match(out, 2); !errors.As(err, &me) || me.After != "subscriber: 20.0s converted=43" {
		t.Fatalf("mismatch = %#v; want one naming the line it looked after", err)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, expect, wantErr string
	}{
		{"empty", "\n  \n...\n", "at least one line"},
		{"bounds on a word", "{port:1..2}", "only {n:LO..HI} takes bounds"},
		{"bounds without dots", "{n:5}", "want {n:LO..HI}"},
		{"bad number", "{n:a..5}", "bad lower bound"},
		{"reversed bounds", "{n:5..1}", "lower bound is above"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.expect)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Compile(%q) = %v; want an error containing %q", tt.expect, err, tt.wantErr)
			}
		})
	}
}

func TestNumbers(t *testing.T) {
	e, _ := Compile("v={n:-1..1}")
	for _, s := range []string{"v=0", "v=-1", "v=+1", "v=0.5", "v=.5", "v=1e-3", "v=-0.25E0"} {
		if _, err := e.Match([]string{s}, 0); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"v=2", "v=-1.5", "v=", "v=x", "v=1e3"} {
		if _, err := e.Match([]string{s}, 0); err == nil {
			t.Errorf("%s matched", s)
		}
	}
}
