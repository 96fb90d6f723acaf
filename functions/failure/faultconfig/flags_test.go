package faultconfig

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// parse1 parses a 1.0 config that must be valid and returns its only enabled fault.
func parse1(t *testing.T, js string) Fault {
	t.Helper()
	c, err := Parse([]byte(js))
	if err != nil {
		t.Fatalf("Parse(%s): %v", js, err)
	}
	if c.Format != FormatFlags || len(c.Faults) != 1 || !c.Enabled {
		t.Fatalf("Parse(%s) = %+v, want a 1.0 config with one enabled fault", js, c)
	}
	return c.Faults[0]
}

// TestParseFlags checks every attribute of every 1.0 flag: its default, its unit, its value.
func TestParseFlags(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		check func(t *testing.T, f Fault)
	}{
		// Common attributes.
		{"percentage defaults to 100", `{"exception": {"enabled": true}}`, func(t *testing.T, f Fault) {
			if f.Rate != 1 {
				t.Errorf("rate %v, want 1", f.Rate)
			}
		}},
		{"percentage is a share of 100", `{"exception": {"enabled": true, "percentage": 25}}`, func(t *testing.T, f Fault) {
			if f.Rate != 0.25 {
				t.Errorf("rate %v, want 0.25", f.Rate)
			}
		}},
		{"percentage 0 never fires", `{"exception": {"enabled": true, "percentage": 0}}`, func(t *testing.T, f Fault) {
			if f.Rate != 0 {
				t.Errorf("rate %v, want 0", f.Rate)
			}
		}},
		{"every 1.0 fault rolls once per invocation", `{"denylist": {"enabled": true, "percentage": 50, "deny_list": ["dynamodb"]}}`, func(t *testing.T, f Fault) {
			if f.Scope != ScopeInvocation || !f.SDKLevel() || f.Denylist[0].String() != "dynamodb" {
				t.Errorf("got %+v", f)
			}
		}},
		{"match: operator defaults to eq", `{"exception": {"enabled": true, "match": [{"path": "a.b", "value": "x"}]}}`, func(t *testing.T, f Fault) {
			if len(f.Match) != 1 || f.Match[0].Operator != OpEq || f.Match[0].Path != "a.b" || f.Match[0].Value != "x" {
				t.Errorf("match %+v", f.Match)
			}
		}},
		{"match: all four operators", `{"exception": {"enabled": true, "match": [{"path": "a", "operator": "eq", "value": "x"},
			{"path": "b", "operator": "exists"}, {"path": "c", "operator": "startsWith", "value": "/api"}, {"path": "d", "operator": "regex", "value": "^(GET|HEAD)$"}]}}`,
			func(t *testing.T, f Fault) {
				var ops []Operator
				for _, c := range f.Match {
					ops = append(ops, c.Operator)
				}
				if !slices.Equal(ops, operators) {
					t.Errorf("operators %v", ops)
				}
			}},
		{"match: empty list (1.0: every invocation)", `{"exception": {"enabled": true, "match": []}}`, func(t *testing.T, f Fault) {
			if len(f.Match) != 0 {
				t.Errorf("match %+v", f.Match)
			}
		}},
		// latency
		{"latency: min and max in ms", `{"latency": {"enabled": true, "min_latency": 100, "max_latency": 400}}`, func(t *testing.T, f Fault) {
			if f.Mode != ModeLatency || f.MinLatency != 100*time.Millisecond || f.MaxLatency != 400*time.Millisecond || f.SDKLevel() {
				t.Errorf("got %+v", f)
			}
		}},
		{"latency: min alone is a fixed delay", `{"latency": {"enabled": true, "min_latency": 250}}`, func(t *testing.T, f Fault) {
			if f.MinLatency != 250*time.Millisecond || f.MaxLatency != 250*time.Millisecond {
				t.Errorf("got %v..%v", f.MinLatency, f.MaxLatency)
			}
		}},
		{"latency: max alone draws from 0", `{"latency": {"enabled": true, "max_latency": 300}}`, func(t *testing.T, f Fault) {
			if f.MinLatency != 0 || f.MaxLatency != 300*time.Millisecond {
				t.Errorf("got %v..%v", f.MinLatency, f.MaxLatency)
			}
		}},
		{"latency: neither is 0 ms (1.0's defaults)", `{"latency": {"enabled": true}}`, func(t *testing.T, f Fault) {
			if f.MinLatency != 0 || f.MaxLatency != 0 {
				t.Errorf("got %v..%v", f.MinLatency, f.MaxLatency)
			}
		}},
		// timeout
		{"timeout: buffer defaults to 0", `{"timeout": {"enabled": true}}`, func(t *testing.T, f Fault) {
			if f.Mode != ModeTimeout || f.TimeoutBuffer != 0 || f.SDKLevel() {
				t.Errorf("got %+v", f)
			}
		}},
		{"timeout: buffer in ms", `{"timeout": {"enabled": true, "timeout_buffer_ms": 500}}`, func(t *testing.T, f Fault) {
			if f.TimeoutBuffer != 500*time.Millisecond {
				t.Errorf("buffer %v", f.TimeoutBuffer)
			}
		}},
		// diskspace
		{"diskspace: defaults to 100 MB", `{"diskspace": {"enabled": true}}`, func(t *testing.T, f Fault) {
			if f.Mode != ModeDiskSpace || f.DiskSpaceMB != DefaultDiskSpaceMB {
				t.Errorf("got %+v", f)
			}
		}},
		{"diskspace: disk_space in MB", `{"diskspace": {"enabled": true, "disk_space": 10240}}`, func(t *testing.T, f Fault) {
			if f.DiskSpaceMB != 10240 {
				t.Errorf("got %d", f.DiskSpaceMB)
			}
		}},
		// denylist
		{"denylist: host regexes", `{"denylist": {"enabled": true, "deny_list": ["s3.*.amazonaws.com", "dynamodb.*.amazonaws.com"]}}`, func(t *testing.T, f Fault) {
			if len(f.Denylist) != 2 || !f.Denylist[1].MatchString("dynamodb.us-east-1.amazonaws.com") || len(f.Targets) != 0 {
				t.Errorf("got %+v", f)
			}
		}},
		// statuscode
		{"statuscode: defaults to 500", `{"statuscode": {"enabled": true}}`, func(t *testing.T, f Fault) {
			if f.Mode != ModeStatusCode || f.StatusCode != DefaultStatusCode {
				t.Errorf("got %+v", f)
			}
		}},
		{"statuscode: status_code", `{"statuscode": {"enabled": true, "status_code": 404}}`, func(t *testing.T, f Fault) {
			if f.StatusCode != 404 {
				t.Errorf("got %d", f.StatusCode)
			}
		}},
		// exception
		{"exception: defaults to 1.0's message", `{"exception": {"enabled": true}}`, func(t *testing.T, f Fault) {
			if f.Mode != ModeException || f.ExceptionMsg != "Injected exception" {
				t.Errorf("got %+v", f)
			}
		}},
		{"exception: exception_msg", `{"exception": {"enabled": true, "exception_msg": "Exception message!"}}`, func(t *testing.T, f Fault) {
			if f.ExceptionMsg != "Exception message!" {
				t.Errorf("got %q", f.ExceptionMsg)
			}
		}},
		// corruption
		{"corruption: without body, mangle", `{"corruption": {"enabled": true}}`, func(t *testing.T, f Fault) {
			if f.Mode != ModeCorruption || f.ReplaceBody || f.SDKLevel() {
				t.Errorf("got %+v", f)
			}
		}},
		{"corruption: body replaces", `{"corruption": {"enabled": true, "percentage": 30, "body": "{\"error\": \"corrupted\"}"}}`, func(t *testing.T, f Fault) {
			if !f.ReplaceBody || f.Body != `{"error": "corrupted"}` || f.Rate != 0.3 {
				t.Errorf("got %+v", f)
			}
		}},
		{"corruption: an empty body is a body", `{"corruption": {"enabled": true, "body": ""}}`, func(t *testing.T, f Fault) {
			if !f.ReplaceBody || f.Body != "" {
				t.Errorf("got %+v", f)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, parse1(t, tt.json)) })
	}
}

func TestParseFlagsConfig(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		wantModes []Mode
		check     func(t *testing.T, c Config)
	}{
		{name: "1.0's README config, all disabled", json: readmeConfig(false)},
		{name: "1.0's README config, all enabled: in 1.0's injection order", json: readmeConfig(true),
			wantModes: []Mode{ModeLatency, ModeTimeout, ModeDiskSpace, ModeDenylist, ModeStatusCode, ModeException, ModeCorruption}},
		{name: "an empty object is 1.0 with nothing enabled (1.0's default config)", json: `{}`},
		{name: "a disabled flag needs only enabled", json: `{"latency": {"enabled": false}, "exception": {"enabled": true}}`,
			wantModes: []Mode{ModeException}},
		{name: "a disabled denylist may have an empty list", json: `{"denylist": {"enabled": false, "deny_list": []}}`},
		{name: "several on at once", json: `{"exception": {"enabled": true, "percentage": 10}, "latency": {"enabled": true, "min_latency": 1}}`,
			wantModes: []Mode{ModeLatency, ModeException}},
		{name: "our expiry beside 1.0's flags", json: `{"latency": {"enabled": true, "min_latency": 1}, "expiresAt": "2026-11-23T14:00:00Z", "expiresAfterSeconds": 300}`,
			wantModes: []Mode{ModeLatency}, check: func(t *testing.T, c Config) {
				if c.ExpiresAfter != 300*time.Second || c.ExpiresAt.IsZero() {
					t.Errorf("expiry %v / %v", c.ExpiresAt, c.ExpiresAfter)
				}
			}},
		{name: "0.x is still 0.x", json: `{"isEnabled": true, "failureMode": "latency", "minLatency": 5}`,
			wantModes: []Mode{ModeLatency}, check: func(t *testing.T, c Config) {
				if c.Format != FormatFlat {
					t.Errorf("format %q", c.Format)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			var modes []Mode
			for _, f := range c.Faults {
				modes = append(modes, f.Mode)
			}
			if !slices.Equal(modes, tt.wantModes) || c.Enabled != (len(tt.wantModes) > 0) {
				t.Errorf("modes %v enabled %v, want %v", modes, c.Enabled, tt.wantModes)
			}
			if tt.check == nil && c.Format != FormatFlags {
				t.Errorf("format %q, want 1.0", c.Format)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// readmeConfig is the config of failure-lambda 1.0's README ("Configuration"), every flag set to on.
func readmeConfig(on bool) string {
	return strings.ReplaceAll(`{
  "latency": { "enabled": false, "percentage": 100, "min_latency": 100, "max_latency": 400 },
  "exception": { "enabled": false, "percentage": 100, "exception_msg": "Exception message!" },
  "statuscode": { "enabled": false, "percentage": 100, "status_code": 404 },
  "diskspace": { "enabled": false, "percentage": 100, "disk_space": 100 },
  "denylist": { "enabled": false, "percentage": 50, "deny_list": ["s3.*.amazonaws.com", "dynamodb.*.amazonaws.com"] },
  "timeout": { "enabled": false, "percentage": 100, "timeout_buffer_ms": 500 },
  "corruption": { "enabled": false, "percentage": 30, "body": "{\"error\": \"corrupted\"}" }
}`, `"enabled": false`, `"enabled": `+map[bool]string{true: "true", false: "false"}[on])
}

func TestParseFlagsErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string // the error must contain this
	}{
		// Shape.
		{"flag not an object", `{"latency": true}`, `latency: want a flag object such as {"enabled": true}, got true`},
		{"0.x denylist without isEnabled", `{"denylist": ["dynamodb"]}`, `denylist: want a flag object`},
		{"0.x field without isEnabled", `{"rate": 0.5}`, `unknown field "rate": a failure-lambda 0.x field, but this config has no isEnabled`},
		{"unknown top-level field", `{"latencies": {"enabled": true}}`, `unknown field "latencies" (a failure-lambda 1.0 config has the flags latency, timeout, diskspace, denylist, statuscode, exception, corruption`},
		{"a 0.x config capitalised", `{"IsEnabled": true, "FailureMode": "latency"}`, `unknown field "FailureMode"; did you mean "failureMode" (failure-lambda 0.x)?`},
		{"a misspelt flag", `{"latancy": {"enabled": true}}`, `unknown field "latancy"; did you mean "latency"?`},
		{"a misspelt attribute", `{"timeout": {"enabled": true, "timeout_bufer_ms": 5}}`, `timeout.timeout_bufer_ms: unknown attribute "timeout_bufer_ms"; did you mean "timeout_buffer_ms"?`},
		{"1.0 flag in a 0.x config", `{"isEnabled": false, "timeout": {"enabled": true}}`, `unknown field "timeout": a failure-lambda 1.0 flag, but this config is 0.x (it has isEnabled)`},
		{"1.0-only mode in 0.x failureMode", `{"isEnabled": true, "failureMode": "corruption"}`, `failureMode: mode "corruption" exists only in failure-lambda 1.0's format`},
		{"our faults list is 0.x", `{"faults": [], "latency": {"enabled": true}}`, `unknown field "latency": a failure-lambda 1.0 flag, but this config is 0.x (it has faults)`},
		// Common attributes.
		{"enabled missing", `{"latency": {"min_latency": 1}}`, `latency.enabled: required`},
		{"enabled a string", `{"latency": {"enabled": "true"}}`, `latency.enabled: want true or false`},
		{"percentage above 100", `{"latency": {"enabled": true, "percentage": 150}}`, `latency.percentage: want a whole number 0..100, got 150`},
		{"percentage negative", `{"latency": {"enabled": false, "percentage": -1}}`, `latency.percentage: want a whole number 0..100, got -1`},
		{"percentage fractional (1.0: an integer)", `{"exception": {"enabled": true, "percentage": 12.5}}`, `exception.percentage: want a whole number 0..100, got 12.5`},
		{"percentage as 0.x's rate", `{"exception": {"enabled": true, "rate": 0.5}}`, `exception.rate: unknown attribute "rate": the 0.x spelling; 1.0 writes percentage (0..100)`},
		{"0.x spelling of an attribute", `{"latency": {"enabled": true, "minLatency": 100}}`, `latency.minLatency: unknown attribute "minLatency": the 0.x spelling; 1.0 writes min_latency`},
		{"another flag's attribute", `{"latency": {"enabled": true, "exception_msg": "x"}}`, `latency.exception_msg: "exception_msg" is an attribute of exception, not of latency`},
		{"unknown attribute", `{"timeout": {"enabled": true, "buffer": 5}}`, `timeout.buffer: unknown attribute "buffer" (known: enabled, percentage, match, timeout_buffer_ms)`},
		{"our targets inside a flag", `{"latency": {"enabled": true, "targets": ["s3:*"]}}`, `latency.targets: unknown attribute "targets"`},
		// latency
		{"latency negative", `{"latency": {"enabled": true, "min_latency": -5}}`, `latency.min_latency: want 0..900000 ms, got -5`},
		{"latency beyond Lambda's 15 min", `{"latency": {"enabled": true, "max_latency": 900001}}`, `latency.max_latency: want 0..900000 ms`},
		{"latency min > max", `{"latency": {"enabled": true, "min_latency": 500, "max_latency": 100}}`, `latency: min_latency 500 ms > max_latency 100 ms`},
		{"latency a string", `{"latency": {"enabled": true, "min_latency": "100"}}`, `latency.min_latency: want a number`},
		// timeout
		{"timeout buffer negative", `{"timeout": {"enabled": true, "timeout_buffer_ms": -1}}`, `timeout.timeout_buffer_ms: want 0..900000 ms, got -1`},
		// diskspace
		{"diskspace 0", `{"diskspace": {"enabled": true, "disk_space": 0}}`, `diskspace.disk_space: want 1..10240 MB, got 0`},
		{"diskspace too large", `{"diskspace": {"enabled": false, "disk_space": 10241}}`, `diskspace.disk_space: want 1..10240 MB, got 10241`},
		{"diskspace fractional", `{"diskspace": {"enabled": true, "disk_space": 0.5}}`, `diskspace.disk_space: want a whole number`},
		// denylist
		{"denylist enabled without deny_list", `{"denylist": {"enabled": true}}`, `denylist.deny_list: required when denylist is enabled`},
		{"denylist enabled with an empty list", `{"denylist": {"enabled": true, "deny_list": []}}`, `denylist.deny_list: empty`},
		{"denylist bad regex", `{"denylist": {"enabled": true, "deny_list": ["ok", "(*"]}}`, `denylist.deny_list[1]: bad regex "(*"`},
		// JavaScript's RegExp (1.0's) takes a lookahead; Go's RE2 does not, and says why.
		{"denylist lookahead", `{"denylist": {"enabled": true, "deny_list": ["^(?!sqs).*amazonaws\\.com$"]}}`, `denylist.deny_list[0]: bad regex "^(?!sqs).*amazonaws\\.com$" (RE2 syntax: no lookaround, no backreferences)`},
		{"denylist not a list", `{"denylist": {"enabled": true, "deny_list": "dynamodb"}}`, `denylist.deny_list: want a list of host regexes`},
		// statuscode
		{"statuscode out of range", `{"statuscode": {"enabled": true, "status_code": 99}}`, `statuscode.status_code: want an HTTP status 100..599, got 99`},
		{"statuscode a string", `{"statuscode": {"enabled": true, "status_code": "404"}}`, `statuscode.status_code: want a number`},
		// exception
		{"exception_msg a number", `{"exception": {"enabled": true, "exception_msg": 5}}`, `exception.exception_msg: want a string, got 5`},
		{"exception_msg null", `{"exception": {"enabled": true, "exception_msg": null}}`, `exception.exception_msg: want a string, got null`},
		// corruption
		{"corruption body an object", `{"corruption": {"enabled": true, "body": {"error": 1}}}`, `corruption.body: want a string`},
		// match
		{"match not a list", `{"latency": {"enabled": true, "match": {"path": "a"}}}`, `latency.match: want a list of conditions`},
		{"match condition not an object", `{"latency": {"enabled": true, "match": ["a"]}}`, `latency.match[0]: want a JSON object`},
		{"match without path", `{"latency": {"enabled": true, "match": [{"value": "x"}]}}`, `latency.match[0].path: required`},
		{"match empty path", `{"latency": {"enabled": true, "match": [{"path": "", "value": "x"}]}}`, `latency.match[0].path: want dot-separated names`},
		{"match path with an empty segment", `{"latency": {"enabled": true, "match": [{"path": "a..b", "value": "x"}]}}`, `latency.match[0].path: want dot-separated names`},
		{"match unknown operator", `{"latency": {"enabled": true, "match": [{"path": "a", "operator": "contains", "value": "x"}]}}`, `latency.match[0].operator: unknown operator "contains" (known: eq, exists, startsWith, regex)`},
		{"match operator case matters", `{"latency": {"enabled": true, "match": [{"path": "a", "operator": "startswith", "value": "x"}]}}`, `unknown operator "startswith"`},
		{"match eq without value", `{"latency": {"enabled": true, "match": [{"path": "a"}]}}`, `latency.match[0].value: required by operator eq`},
		{"match value not a string", `{"latency": {"enabled": true, "match": [{"path": "a", "value": 5}]}}`, `latency.match[0].value: want a string, got 5`},
		{"match exists with a value", `{"latency": {"enabled": true, "match": [{"path": "a", "operator": "exists", "value": "x"}]}}`, `latency.match[0].value: not used by operator exists`},
		{"match bad regex", `{"latency": {"enabled": true, "match": [{"path": "a", "operator": "regex", "value": "(*"}]}}`, `latency.match[0].value: bad regex "(*"`},
		{"match lookahead (not RE2)", `{"latency": {"enabled": true, "match": [{"path": "a", "operator": "regex", "value": "^(?!x)"}]}}`, `RE2 syntax`},
		{"match unknown field", `{"latency": {"enabled": true, "match": [{"path": "a", "value": "x", "op": "eq"}]}}`, `latency.match[0]: unknown field "op"`},
		// expiry beside 1.0
		{"bad expiresAt beside 1.0", `{"latency": {"enabled": true}, "expiresAt": "soon"}`, `expiresAt: want an RFC 3339 time`},
		{"bad expiresAfterSeconds beside 1.0", `{"latency": {"enabled": true}, "expiresAfterSeconds": 0}`, `expiresAfterSeconds: want 0 < seconds`},
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
		})
	}
}
