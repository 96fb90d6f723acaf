package faultconfig

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		check func(t *testing.T, c Config)
	}{
		{
			name: "the seed's initial parameter",
			json: `{"isEnabled": false}`,
			check: func(t *testing.T, c Config) {
				if c.Enabled || len(c.Faults) != 0 {
					t.Errorf("got %+v, want disabled with no faults", c)
				}
			},
		},
		{
			name: "failure-lambda's sample config: every field, latency chosen",
			json: `{"isEnabled": true, "failureMode": "latency", "rate": 1, "minLatency": 100, "maxLatency": 400,
				"exceptionMsg": "Exception message!", "statusCode": 404, "diskSpace": 100,
				"denylist": ["s3.*.amazonaws.com", "dynamodb.*.amazonaws.com"]}`,
			check: func(t *testing.T, c Config) {
				f := c.Faults[0]
				if len(c.Faults) != 1 || f.Mode != ModeLatency || f.MinLatency != 100*time.Millisecond || f.MaxLatency != 400*time.Millisecond {
					t.Errorf("got %+v", c.Faults)
				}
				if f.SDKLevel() {
					t.Error("latency without targets must act on the invocation")
				}
			},
		},
		{
			name: "the seed's Lab 4 config with the blacklist spelling",
			json: `{"isEnabled": true, "failureMode": "blacklist", "rate": 0.5, "blacklist": ["dynamodb.*.amazonaws.com"]}`,
			check: func(t *testing.T, c Config) {
				f := c.Faults[0]
				if f.Mode != ModeDenylist || f.Rate != 0.5 || len(f.Denylist) != 1 || !f.Denylist[0].MatchString("dynamodb.us-east-1.amazonaws.com") {
					t.Errorf("got %+v", f)
				}
			},
		},
		{
			name: "the seed's Lab 3 config",
			json: `{"isEnabled": true, "failureMode": "latency", "rate": 0.5, "minLatency": 3000, "maxLatency": 5000}`,
			check: func(t *testing.T, c Config) {
				if f := c.Faults[0]; f.Rate != 0.5 || f.MinLatency != 3*time.Second || f.MaxLatency != 5*time.Second {
					t.Errorf("got %+v", f)
				}
			},
		},
		{
			name: "contracts.md example: several faults, expiresAt",
			json: `{"isEnabled": true, "expiresAt": "2026-11-23T14:00:00Z",
				"faults": [
					{"mode": "latency", "rate": 0.5, "minLatency": 3000, "maxLatency": 5000},
					{"mode": "denylist", "rate": 0.5, "denylist": ["dynamodb.*.amazonaws.com"]},
					{"mode": "sdkerror", "rate": 0.75, "targets": ["dynamodb:*"], "error": "throttling"},
					{"mode": "sdkerror", "rate": 0.5, "targets": ["s3:PutObject"], "error": "unavailable"}
				]}`,
			check: func(t *testing.T, c Config) {
				if len(c.Faults) != 4 || !c.ExpiresAt.Equal(time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)) {
					t.Fatalf("got %+v", c)
				}
				if f := c.Faults[2]; f.Error != SDKErrorThrottling || f.Targets[0] != (Target{"dynamodb", "*"}) || f.Rate != 0.75 {
					t.Errorf("faults[2] = %+v", f)
				}
			},
		},
		{
			name: "top-level fault comes first, then faults; rate defaults to 1",
			json: `{"isEnabled": true, "failureMode": "exception", "faults": [{"mode": "statuscode", "statusCode": 503}]}`,
			check: func(t *testing.T, c Config) {
				if len(c.Faults) != 2 || c.Faults[0].Mode != ModeException || c.Faults[1].Mode != ModeStatusCode || c.Faults[1].Rate != 1 {
					t.Errorf("got %+v", c.Faults)
				}
				if c.Faults[0].ExceptionMsg != "injected exception" {
					t.Errorf("default exceptionMsg = %q", c.Faults[0].ExceptionMsg)
				}
			},
		},
		{
			name: "expiresAfterSeconds, diskspace, minLatency alone",
			json: `{"isEnabled": true, "expiresAfterSeconds": 300, "faults": [{"mode": "diskspace", "diskSpace": 10},
				{"mode": "latency", "minLatency": 250, "targets": ["*:*"]}, {"mode": "blacklist", "blacklist": ["x"], "targets": ["s3:Get*"]}]}`,
			check: func(t *testing.T, c Config) {
				if c.ExpiresAfter != 300*time.Second || c.Faults[0].DiskSpaceMB != 10 {
					t.Errorf("got %+v", c)
				}
				if f := c.Faults[1]; f.MaxLatency != 250*time.Millisecond || !f.SDKLevel() {
					t.Errorf("latency with only minLatency = %+v", f)
				}
				if f := c.Faults[2]; f.Mode != ModeDenylist || !f.Targets[0].Matches("s3", "GetObject") || f.Targets[0].Matches("s3", "PutObject") {
					t.Errorf("faults[2] = %+v", f)
				}
			},
		},
		{
			name: "scope of faults entries: call by default, invocation when asked; the top-level fault is per invocation",
			json: `{"isEnabled": true, "failureMode": "denylist", "denylist": ["x"],
				"faults": [{"mode": "sdkerror", "error": "internal"}, {"mode": "sdkerror", "error": "unavailable", "targets": ["dynamodb:*"], "scope": "invocation"}]}`,
			check: func(t *testing.T, c Config) {
				got := []Scope{c.Faults[0].Scope, c.Faults[1].Scope, c.Faults[2].Scope}
				if want := []Scope{ScopeInvocation, ScopeCall, ScopeInvocation}; !slices.Equal(got, want) {
					t.Errorf("scopes = %v, want %v", got, want)
				}
			},
		},
		{
			name: "disabled config is still fully validated, and valid",
			json: `{"isEnabled": false, "failureMode": "sdkerror", "error": "timeout"}`,
			check: func(t *testing.T, c Config) {
				if c.Enabled || c.Faults[0].Error != SDKErrorTimeout {
					t.Errorf("got %+v", c)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.json))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string // the error must contain this (the field or JSON path, and what is wrong)
	}{
		{"empty", ``, "want a JSON object"},
		{"not an object", `[1]`, "want a JSON object"},
		{"invalid JSON", `{"isEnabled": true,}`, "invalid JSON"},
		{"trailing garbage", `{"isEnabled": false} x`, "invalid JSON"},
		{"isEnabled missing", `{"failureMode": "latency"}`, "isEnabled: required"},
		{"isEnabled a string", `{"isEnabled": "true"}`, "isEnabled: want true or false"},
		{"unknown top-level field", `{"isEnabled": true, "failureMode": "latency", "latency": 100}`, `unknown field "latency"`},
		{"misspelt top-level field", `{"isEnabled": true, "failuremode": "latency"}`, `unknown field "failuremode"; did you mean "failureMode"?`},
		// Its being missing follows from the misspelling: one problem.
		{"misspelt isEnabled", `{"IsEnabled": true, "failureMode": "latency", "minLatency": 100}`, `unknown field "IsEnabled"; did you mean "isEnabled"?`},
		{"misspelt isEnabled with faults", `{"isenabled": true, "faults": [{"mode": "exception"}]}`, `unknown field "isenabled"; did you mean "isEnabled"?`},
		{"misspelt fault field", `{"isEnabled": true, "faults": [{"mode": "latency", "minLatancy": 100}]}`, `faults[0]: unknown field "minLatancy"; did you mean "minLatency"?`},
		{"unknown mode", `{"isEnabled": true, "failureMode": "slow"}`, `failureMode: unknown mode "slow"`},
		{"mode case matters", `{"isEnabled": true, "failureMode": "Latency"}`, `unknown mode "Latency"`},
		{"enabled with nothing to do", `{"isEnabled": true}`, "neither failureMode nor faults"},
		{"rate above 1", `{"isEnabled": true, "failureMode": "latency", "rate": 1.5}`, "rate: want 0 ≤ rate ≤ 1"},
		{"rate negative", `{"isEnabled": true, "faults": [{"mode": "exception", "rate": -0.1}]}`, "faults[0].rate: want 0 ≤ rate ≤ 1"},
		{"rate a string", `{"isEnabled": true, "failureMode": "latency", "rate": "0.5"}`, "rate: want a number"},
		{"min > max latency", `{"isEnabled": true, "failureMode": "latency", "minLatency": 500, "maxLatency": 100}`, "minLatency 500 ms > maxLatency 100 ms"},
		{"negative latency", `{"isEnabled": true, "faults": [{"mode": "latency", "minLatency": -1}]}`, "faults[0].minLatency: want 0..900000 ms"},
		{"latency beyond Lambda's 15 min", `{"isEnabled": true, "failureMode": "latency", "maxLatency": 900001}`, "maxLatency: want 0..900000 ms"},
		{"bad regex", `{"isEnabled": true, "failureMode": "denylist", "denylist": ["dynamodb.(*"]}`, `denylist[0]: bad regex "dynamodb.(*"`},
		{"bad regex in blacklist", `{"isEnabled": true, "faults": [{"mode": "blacklist", "blacklist": ["ok", "["]}]}`, `faults[0].blacklist[1]: bad regex`},
		{"denylist not a list", `{"isEnabled": true, "failureMode": "denylist", "denylist": "dynamodb"}`, "denylist: want a list of host regexes"},
		{"denylist empty", `{"isEnabled": true, "failureMode": "denylist", "denylist": []}`, "denylist: empty"},
		{"denylist missing", `{"isEnabled": true, "failureMode": "denylist"}`, "denylist: required by mode denylist"},
		{"denylist and blacklist", `{"isEnabled": true, "failureMode": "denylist", "denylist": ["a"], "blacklist": ["b"]}`, "both denylist and blacklist"},
		{"bad expiresAt", `{"isEnabled": true, "failureMode": "exception", "expiresAt": "tomorrow"}`, `expiresAt: want an RFC 3339 time`},
		{"expiresAt without zone", `{"isEnabled": true, "failureMode": "exception", "expiresAt": "2026-11-23T14:00:00"}`, `expiresAt: want an RFC 3339 time`},
		{"expiresAt a number", `{"isEnabled": true, "failureMode": "exception", "expiresAt": 1700000000}`, `expiresAt: want a string`},
		{"expiresAfterSeconds zero", `{"isEnabled": true, "failureMode": "exception", "expiresAfterSeconds": 0}`, "expiresAfterSeconds: want 0 < seconds"},
		{"statusCode missing", `{"isEnabled": true, "failureMode": "statuscode"}`, "statusCode: required by mode statuscode"},
		{"statusCode out of range", `{"isEnabled": true, "faults": [{"mode": "statuscode", "statusCode": 99}]}`, "faults[0].statusCode: want an HTTP status 100..599"},
		{"statusCode fractional", `{"isEnabled": true, "failureMode": "statuscode", "statusCode": 404.5}`, "statusCode: want a whole number"},
		{"diskSpace too large", `{"isEnabled": true, "failureMode": "diskspace", "diskSpace": 10241}`, "diskSpace: want 1..10240 MB"},
		{"diskSpace missing", `{"isEnabled": true, "faults": [{"mode": "diskspace"}]}`, "faults[0].diskSpace: required"},
		{"unused top-level field of the wrong type", `{"isEnabled": true, "failureMode": "latency", "statusCode": "404"}`, "statusCode: want a number"},
		{"unused top-level field without failureMode", `{"isEnabled": false, "denylist": ["("]}`, "denylist[0]: bad regex"},
		{"faults not a list", `{"isEnabled": true, "faults": {"mode": "latency"}}`, "faults: want a list"},
		{"fault not an object", `{"isEnabled": true, "faults": ["latency"]}`, "faults[0]: want a JSON object"},
		{"fault without mode", `{"isEnabled": true, "faults": [{"rate": 1}]}`, "faults[0].mode: required"},
		{"unknown fault field", `{"isEnabled": true, "faults": [{"mode": "latency"}, {"mode": "exception", "msg": "x"}]}`, `faults[1]: unknown field "msg"`},
		{"unknown fault mode", `{"isEnabled": true, "faults": [{"mode": "chaos"}]}`, `faults[0].mode: unknown mode "chaos"`},
		{"field not used by the fault's mode", `{"isEnabled": true, "faults": [{"mode": "latency", "statusCode": 500}]}`, `faults[0].statusCode: not used by mode "latency"`},
		{"targets on exception", `{"isEnabled": true, "faults": [{"mode": "exception", "targets": ["s3:*"]}]}`, `faults[0].targets: not used by mode "exception"`},
		{"sdkerror without error", `{"isEnabled": true, "faults": [{"mode": "sdkerror"}]}`, "faults[0].error: required by mode sdkerror"},
		{"sdkerror unknown error", `{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "throttle"}]}`, `faults[0].error: unknown error "throttle"`},
		{"target without operation", `{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "internal", "targets": ["dynamodb"]}]}`, `faults[0].targets[0]: want "service:Operation"`},
		{"target with bad pattern", `{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "internal", "targets": ["dynamodb:[Put"]}]}`, `faults[0].targets[0]: bad pattern`},
		{"targets empty", `{"isEnabled": true, "faults": [{"mode": "latency", "targets": []}]}`, `faults[0].targets: empty`},
		{"null value", `{"isEnabled": true, "failureMode": "latency", "rate": null}`, "rate: want a number, got null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.json))
			if err == nil {
				t.Fatalf("Parse accepted %s", tt.json)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			// One mistake, one problem: none told twice, none that follows from another.
			if strings.Contains(err.Error(), "problems:") {
				t.Errorf("error %q: want the one problem", err)
			}
		})
	}
}

// A value with several mistakes gets them all at once, in the order of its fields: a user
// fixes them in one go, not one `fault enable` at a time. Within one fault, the first only.
func TestParseTellsEveryProblem(t *testing.T) {
	tests := []struct {
		name, json string
		want       []string // each problem's start, in order
	}{
		{
			name: "0.x: top-level fields, expiry and each fault",
			json: `{"isEnabled": "yes", "colour": 1, "expiresAt": "tomorrow", "expiresAfterSeconds": -1,
				"failureMode": "latency", "rate": 2,
				"faults": [{"mode": "latency", "rate": 5, "minLatency": -1}, {"mdoe": "denylist", "colr": 1}, {"mode": "exception"}, {"mode": "sdkerror"}]}`,
			want: []string{
				`unknown field "colour"`,
				`isEnabled: want true or false, got "yes"`,
				`expiresAt: want an RFC 3339 time`,
				`expiresAfterSeconds: want 0 < seconds`,
				`rate: want 0 ≤ rate ≤ 1, got 2`,
				`faults[0].rate: want 0 ≤ rate ≤ 1, got 5`,
				`faults[1]: unknown field "colr"`,
				`faults[1]: unknown field "mdoe"; did you mean "mode"?`,
				`faults[3].error: required by mode sdkerror`,
			},
		},
		{
			name: "0.x: a misspelt failureMode is the problem, not a missing one",
			json: `{"isEnabled": true, "failuremode": "latency", "expiresAt": "soon"}`,
			want: []string{`unknown field "failuremode"; did you mean "failureMode"?`, `expiresAt: want an RFC 3339 time`},
		},
		{
			// Read as 1.0 for want of its 0.x keys: the misspelt keys are the problems, not rate,
			// which is only out of place because of them.
			name: "0.x misspelt, read as 1.0",
			json: `{"IsEnabled": true, "FailureMode": "latency", "rate": 1}`,
			want: []string{`unknown field "FailureMode"; did you mean "failureMode" (failure-lambda 0.x)?`, `unknown field "IsEnabled"; did you mean "isEnabled" (failure-lambda 0.x)?`},
		},
		{
			// A 1.0 flag's attributes are independent: each tells its own problem
			// (`fault enable latency min_latency=abc max_latency=xyz percentage=150`).
			name: "1.0: every attribute of a flag",
			json: `{"latency": {"enabled": "yes", "min_latency": "abc", "max_latency": -5, "percentage": 150}}`,
			want: []string{
				`latency.enabled: want true or false, got "yes"`,
				`latency.percentage: want a whole number 0..100, got 150`,
				`latency.min_latency: want a number, got "abc"`,
				`latency.max_latency: want 0..900000 ms, got -5`,
			},
		},
		{
			// Unknown attributes alone: a misspelt one would read as missing.
			name: "1.0: a flag's unknown attributes",
			json: `{"latency": {"enabled": true, "min_latncy": 1, "colour": 2, "percentage": 500}}`,
			want: []string{`latency.colour: unknown attribute "colour"`, `latency.min_latncy: unknown attribute "min_latncy"; did you mean "min_latency"?`},
		},
		{
			name: "1.0: unknown fields, expiry and each flag",
			json: `{"latency": {"enabled": true, "min_latency": -1}, "exception": {"enabled": "yes"}, "expiresAfterSeconds": 0, "Latency": {}, "statuscode": {"enabled": true}}`,
			want: []string{
				`unknown field "Latency"; did you mean "latency"?`,
				`expiresAfterSeconds: want 0 < seconds`,
				`latency.min_latency: want 0..900000 ms, got -1`,
				`exception.enabled: want true or false`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.json))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Parse: %v (%T), want Problems", err, err)
			}
			if len(ps) != len(tt.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(ps), len(tt.want), err)
			}
			for n, want := range tt.want {
				if !strings.HasPrefix(ps[n].Error(), want) {
					t.Errorf("problem %d: %q, want it to start %q", n, ps[n], want)
				}
			}
			if msg := err.Error(); !strings.HasPrefix(msg, fmt.Sprintf("%d problems:\n  ", len(tt.want))) || strings.Count(msg, "\n  ") != len(tt.want) {
				t.Errorf("message %q: want \"N problems:\" and each on a line of its own", msg)
			}
			if c.Enabled && len(c.Faults) > 0 && c.Faults[0].Mode == "" {
				t.Errorf("a fault without its mode kept: %+v", c.Faults)
			}
		})
	}
}

func TestExpiresAtFor(t *testing.T) {
	abs := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	mod := time.Date(2026, 11, 23, 13, 50, 0, 0, time.UTC)
	fetched := time.Date(2026, 11, 23, 13, 55, 0, 0, time.UTC)
	tests := []struct {
		name         string
		cfg          Config
		lastModified time.Time
		want         time.Time
	}{
		{"no expiry", Config{}, mod, time.Time{}},
		{"absolute only", Config{ExpiresAt: abs}, mod, abs},
		{"relative to LastModifiedDate", Config{ExpiresAfter: 5 * time.Minute}, mod, mod.Add(5 * time.Minute)},
		{"relative without LastModifiedDate counts from the fetch", Config{ExpiresAfter: 5 * time.Minute}, time.Time{}, fetched.Add(5 * time.Minute)},
		{"both: the earlier wins (relative)", Config{ExpiresAt: abs, ExpiresAfter: time.Minute}, mod, mod.Add(time.Minute)},
		{"both: the earlier wins (absolute)", Config{ExpiresAt: abs, ExpiresAfter: time.Hour}, mod, abs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cfg.ExpiresAtFor(tt.lastModified, fetched); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzParseConfig: the parser never panics, and whatever it accepts is internally consistent.
func FuzzParseConfig(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "configs", "*.json"))
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if c.Enabled && len(c.Faults) == 0 {
			t.Fatal("accepted an enabled config with no faults")
		}
		switch c.Format {
		case FormatFlat:
		case FormatFlags:
			// 1.0: the enabled flags, each once, in FlagOrder; nothing but enabled flags.
			if c.Enabled != (len(c.Faults) > 0) {
				t.Fatalf("1.0 config: enabled %v with %d faults", c.Enabled, len(c.Faults))
			}
			last := -1
			for n, f := range c.Faults {
				at := slices.Index(FlagOrder, f.Mode)
				if at <= last {
					t.Fatalf("faults[%d]: mode %q out of 1.0's order or repeated", n, f.Mode)
				}
				last = at
				if whole := math.Round(f.Rate * 100); whole/100 != f.Rate || f.Scope != ScopeInvocation || len(f.Targets) > 0 || f.Error != "" {
					t.Fatalf("faults[%d]: not a 1.0 flag: %+v", n, f)
				}
			}
		default:
			t.Fatalf("format %q", c.Format)
		}
		for n, f := range c.Faults {
			if c.Format == FormatFlat {
				if _, ok := modeAliases[string(f.Mode)]; !ok || f.Mode == "blacklist" {
					t.Fatalf("faults[%d]: mode %q not canonical", n, f.Mode)
				}
				if len(f.Match) > 0 || f.Mode == ModeTimeout || f.Mode == ModeCorruption {
					t.Fatalf("faults[%d]: a 1.0 feature in a 0.x config: %+v", n, f)
				}
			}
			if f.TimeoutBuffer < 0 || f.TimeoutBuffer > MaxLatency || (f.ReplaceBody && f.Mode != ModeCorruption) {
				t.Fatalf("faults[%d] out of range: %+v", n, f)
			}
			for k, m := range f.Match {
				if !slices.Contains(operators, m.Operator) || len(m.segs) == 0 || slices.Contains(m.segs, "") ||
					(m.Operator == OpRegex) != (m.re != nil) || (m.Operator == OpExists && m.Value != "") {
					t.Fatalf("faults[%d].match[%d] inconsistent: %+v", n, k, m)
				}
			}
			if f.Rate < 0 || f.Rate > 1 || f.MinLatency < 0 || f.MinLatency > f.MaxLatency || f.MaxLatency > MaxLatency {
				t.Fatalf("faults[%d] out of range: %+v", n, f)
			}
			if f.Mode == ModeDenylist && len(f.Denylist) == 0 || f.Mode == ModeSDKError && f.Error == "" ||
				f.Mode == ModeDiskSpace && (f.DiskSpaceMB < 1 || f.DiskSpaceMB > MaxDiskSpaceMB) ||
				f.Mode == ModeStatusCode && (f.StatusCode < 100 || f.StatusCode > 599) {
				t.Fatalf("faults[%d] incomplete: %+v", n, f)
			}
			if f.Scope != ScopeCall && f.Scope != ScopeInvocation || f.Scope == ScopeCall && !f.SDKLevel() {
				t.Fatalf("faults[%d]: scope %q for mode %s (SDK-level %v)", n, f.Scope, f.Mode, f.SDKLevel())
			}
		}
	})
}

// FuzzReadEvent: reading any event and matching it against conditions of every operator never
// panics.
func FuzzReadEvent(f *testing.F) {
	f.Add([]byte(apiEvent))
	f.Add([]byte(`{"Records":[{"eventSource":"aws:sqs","body":"{\"Records\":[{\"s3\":{\"object\":{\"key\":\"input/msg-5.json\"}}}]}","attributes":{"ApproximateReceiveCount":"1"}}]}`))
	f.Add([]byte(`{"Records":[{"eventSource":"aws:sqs","body":"[1,2"}]}`))
	f.Add([]byte(`[0, {"a": null}]`))
	c, err := Parse([]byte(`{"exception": {"enabled": true, "match": [
		{"path": "body.Records.0.s3.object.key", "operator": "regex", "value": "[05]\\.json$"},
		{"path": "attributes.ApproximateReceiveCount", "value": "1"}]},
		"latency": {"enabled": true, "match": [{"path": "0", "operator": "exists"}, {"path": "requestContext.http.path", "operator": "startsWith", "value": "/"}]}}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ReadEvent(b)
		if err != nil {
			return
		}
		for n := range c.Faults {
			_ = c.Faults[n].Matches(ev)
		}
	})
}
