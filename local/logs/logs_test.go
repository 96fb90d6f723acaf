package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// call sends one Logs API request to the store and decodes the answer (or the error's __type).
func call(t *testing.T, s *Store, op string, in any) (map[string]any, string) {
	t.Helper()
	b, _ := json.Marshal(in)
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(b))
	r.Header.Set("X-Amz-Target", "Logs_20140328."+op)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: %s: %v", op, w.Body.String(), err)
	}
	if w.Code != http.StatusOK {
		return out, fmt.Sprint(out["__type"], ": ", out["message"])
	}
	return out, ""
}

func messages(out map[string]any) []string {
	var m []string
	for _, e := range out["events"].([]any) {
		m = append(m, e.(map[string]any)["message"].(string))
	}
	return m
}

// newStore is a store whose clock starts at t0 and moves a second each time it is read (a new
// group, a new stream, a line): in TestFilterLogEvents the lines are at t0+4s to t0+9s.
func newStore() (*Store, time.Time) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	s := New("us-east-1", "000000000000")
	now := t0
	s.now = func() time.Time { now = now.Add(time.Second); return now }
	return s, t0
}

func TestFilterLogEvents(t *testing.T) {
	s, t0 := newStore()
	a, b := s.NewStream("/aws/lambda/f"), s.NewStream("/aws/lambda/f")
	if !strings.HasPrefix(a, "2026/12/04/[$LATEST]") || len(a) != len("2026/12/04/[$LATEST]")+32 || a == b {
		t.Fatalf("stream names %q %q, want Lambda's form, each its own", a, b)
	}
	for i, line := range []string{"START RequestId: 1", `{"level":"ERROR","msg":"write failed"}`, "END RequestId: 1",
		"START RequestId: 2", `{"level":"INFO","msg":"Task timed out"}`, "END RequestId: 2"} {
		st := a
		if i >= 3 {
			st = b
		}
		s.Put("/aws/lambda/f", st, []byte(line))
	}
	ms := func(sec int) int64 { return t0.Add(time.Duration(sec) * time.Second).UnixMilli() }
	for _, c := range []struct {
		name string
		in   map[string]any
		want string
	}{
		{"all", map[string]any{}, "START RequestId: 1|" + `{"level":"ERROR","msg":"write failed"}` + "|END RequestId: 1|START RequestId: 2|" + `{"level":"INFO","msg":"Task timed out"}` + "|END RequestId: 2"},
		{"a term", map[string]any{"filterPattern": "START"}, "START RequestId: 1|START RequestId: 2"},
		{"terms are all needed, case counts", map[string]any{"filterPattern": "START 2"}, "START RequestId: 2"},
		{"case-sensitive", map[string]any{"filterPattern": "start"}, ""},
		{"a quoted phrase", map[string]any{"filterPattern": `"Task timed out"`}, `{"level":"INFO","msg":"Task timed out"}`},
		{"alternatives", map[string]any{"filterPattern": "?ERROR ?timed"}, `{"level":"ERROR","msg":"write failed"}|{"level":"INFO","msg":"Task timed out"}`},
		{"an exclusion", map[string]any{"filterPattern": "RequestId -END"}, "START RequestId: 1|START RequestId: 2"},
		{"a stream", map[string]any{"logStreamNames": []string{b}, "filterPattern": "END"}, "END RequestId: 2"},
		{"a JSON pattern", map[string]any{"filterPattern": `{ $.level = "ERROR" }`}, `{"level":"ERROR","msg":"write failed"}`},
		{"a time range, both ends inclusive", map[string]any{"startTime": ms(7), "endTime": ms(8)}, "START RequestId: 2|" + `{"level":"INFO","msg":"Task timed out"}`},
	} {
		c.in["logGroupName"] = "/aws/lambda/f"
		out, err := call(t, s, "FilterLogEvents", c.in)
		if err != "" {
			t.Errorf("%s: %s", c.name, err)
			continue
		}
		if got := strings.Join(messages(out), "|"); got != c.want {
			t.Errorf("%s: %q\nwant %q", c.name, got, c.want)
		}
	}

	// Pages of two, to the end, each event once, in order.
	var got []string
	in := map[string]any{"logGroupName": "/aws/lambda/f", "limit": 2}
	for pages := 0; ; pages++ {
		out, err := call(t, s, "FilterLogEvents", in)
		if err != "" || pages > 5 {
			t.Fatalf("page %d: %s", pages, err)
		}
		got = append(got, messages(out)...)
		tok, ok := out["nextToken"].(string)
		if !ok {
			break
		}
		in["nextToken"] = tok
	}
	if len(got) != 6 || got[0] != "START RequestId: 1" || got[5] != "END RequestId: 2" {
		t.Errorf("paged: %q", got)
	}
	// A token is the request's own: another pattern does not take it.
	in["filterPattern"] = "START"
	if _, err := call(t, s, "FilterLogEvents", in); !strings.HasPrefix(err, "InvalidParameterException") {
		t.Errorf("a token under another pattern: %q, want InvalidParameterException", err)
	}

	for _, c := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"logGroupName": "/aws/lambda/g"}, "ResourceNotFoundException"},
		{map[string]any{}, "InvalidParameterException: Either LogGroup name"},
		{map[string]any{"logGroupName": "/aws/lambda/f", "filterPattern": `[ip, user]`}, "InvalidParameterException: filterPattern"},
		{map[string]any{"logGroupName": "/aws/lambda/f", "filterPattern": `{ $.level = }`}, "InvalidParameterException: filterPattern"},
		{map[string]any{"logGroupName": "/aws/lambda/f", "filterPattern": `"unclosed`}, "InvalidParameterException: filterPattern"},
		{map[string]any{"logGroupName": "/aws/lambda/f", "limit": 0}, "InvalidParameterException: 1 validation error"},
		{map[string]any{"logGroupName": "/aws/lambda/f", "logStreamNames": []string{a}, "logStreamNamePrefix": "2026"}, "InvalidParameterException"},
	} {
		if _, err := call(t, s, "FilterLogEvents", c.in); !strings.HasPrefix(err, c.want) {
			t.Errorf("%v: %q, want %s", c.in, err, c.want)
		}
	}
}

func TestGetLogEventsAndDescribe(t *testing.T) {
	s, _ := newStore()
	st := s.NewStream("/aws/lambda/f")
	s.CreateGroup("/aws/lambda/empty", 7)
	for i := 1; i <= 5; i++ {
		s.Put("/aws/lambda/f", st, []byte(fmt.Sprint("line ", i)))
	}
	// The newest by default; forward from the head; the forward token at the end stays put, and
	// reads what came since.
	out, _ := call(t, s, "GetLogEvents", map[string]any{"logGroupName": "/aws/lambda/f", "logStreamName": st, "limit": 2})
	if got := strings.Join(messages(out), "|"); got != "line 4|line 5" {
		t.Errorf("newest two: %q", got)
	}
	back := out["nextBackwardToken"]
	out, _ = call(t, s, "GetLogEvents", map[string]any{"logGroupName": "/aws/lambda/f", "logStreamName": st, "limit": 2, "nextToken": back})
	if got := strings.Join(messages(out), "|"); got != "line 2|line 3" {
		t.Errorf("the two before: %q", got)
	}
	out, _ = call(t, s, "GetLogEvents", map[string]any{"logGroupName": "/aws/lambda/f", "logStreamName": st, "startFromHead": true})
	fwd := out["nextForwardToken"]
	if got := strings.Join(messages(out), "|"); got != "line 1|line 2|line 3|line 4|line 5" {
		t.Errorf("from the head: %q", got)
	}
	out, _ = call(t, s, "GetLogEvents", map[string]any{"logGroupName": "/aws/lambda/f", "logStreamName": st, "nextToken": fwd})
	if len(messages(out)) != 0 || out["nextForwardToken"] != fwd {
		t.Errorf("at the end: %v, want no events and the same token", out)
	}
	s.Put("/aws/lambda/f", st, []byte("line 6"))
	out, _ = call(t, s, "GetLogEvents", map[string]any{"logGroupName": "/aws/lambda/f", "logStreamName": st, "nextToken": fwd})
	if got := strings.Join(messages(out), "|"); got != "line 6" {
		t.Errorf("after a new line: %q", got)
	}
	if _, err := call(t, s, "GetLogEvents", map[string]any{"logGroupName": "/aws/lambda/f", "logStreamName": "nope"}); !strings.HasPrefix(err, "ResourceNotFoundException") {
		t.Errorf("no such stream: %q", err)
	}

	out, _ = call(t, s, "DescribeLogGroups", map[string]any{"logGroupNamePrefix": "/aws/lambda/", "limit": 1})
	g := out["logGroups"].([]any)[0].(map[string]any)
	if g["logGroupName"] != "/aws/lambda/empty" || g["retentionInDays"] != float64(7) || out["nextToken"] == nil {
		t.Errorf("first page: %v, want /aws/lambda/empty with its retention of 7 days", out)
	}
	out, _ = call(t, s, "DescribeLogGroups", map[string]any{"logGroupNamePrefix": "/aws/lambda/", "limit": 1, "nextToken": out["nextToken"]})
	g = out["logGroups"].([]any)[0].(map[string]any)
	if _, kept := g["retentionInDays"]; g["logGroupName"] != "/aws/lambda/f" || kept || out["nextToken"] != nil || g["arn"] != "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*" {
		t.Errorf("second page: %v", out)
	}
	out, _ = call(t, s, "DescribeLogStreams", map[string]any{"logGroupIdentifier": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f"})
	if ls := out["logStreams"].([]any); len(ls) != 1 || ls[0].(map[string]any)["logStreamName"] != st {
		t.Errorf("streams: %v", out)
	}
	out, _ = call(t, s, "DescribeLogStreams", map[string]any{"logGroupName": "/aws/lambda/empty"})
	if ls := out["logStreams"].([]any); len(ls) != 0 {
		t.Errorf("a group with no lines: %v", out)
	}
	if _, err := call(t, s, "PutLogEvents", map[string]any{}); !strings.HasPrefix(err, "UnknownOperationException") {
		t.Errorf("PutLogEvents: %q", err)
	}
}

// A group keeps its newest MaxEvents events, and the streams that still have some.
func TestGroupKeepsItsNewestEvents(t *testing.T) {
	s, _ := newStore()
	old, st := s.NewStream("g"), s.NewStream("g")
	for i := 0; i < 50; i++ {
		s.Put("g", old, []byte("old"))
	}
	for i := 0; i < MaxEvents+10; i++ {
		s.Put("g", st, []byte(fmt.Sprint(i)))
	}
	ev := s.groups["g"].events
	if len(ev) > MaxEvents || ev[len(ev)-1].msg != fmt.Sprint(MaxEvents+9) || ev[0].msg != fmt.Sprint(MaxEvents+10-len(ev)) {
		t.Errorf("%d events kept, from %s to %s", len(ev), ev[0].msg, ev[len(ev)-1].msg)
	}
	if _, kept := s.groups["g"].streams[old]; kept || s.groups["g"].streams[st] == nil {
		t.Errorf("streams %v: want the one whose events were all dropped gone, the other kept", s.groups["g"].streams)
	}

	// And MaxBytes of messages: long lines go by bytes first.
	big := strings.Repeat("x", 1<<20)
	for i := 0; i < 40; i++ {
		s.Put("h", st, []byte(fmt.Sprint(i, big)))
	}
	g := s.groups["h"]
	if g.bytes > MaxBytes || len(g.events) < 20 || !strings.HasPrefix(g.events[len(g.events)-1].msg, "39x") {
		t.Errorf("%d bytes in %d events kept, the last %.3s", g.bytes, len(g.events), g.events[len(g.events)-1].msg)
	}
}

// JSON patterns, as CloudWatch Logs reads them, against the function's slog lines.
func TestJSONPatterns(t *testing.T) {
	lines := []string{
		`{"level":"INFO","msg":"document processed","object_key":"input/a/b.json","first_delivery":true}`,
		`{"level":"ERROR","msg":"put CSV failed","object_key":"input/c.json","error":null}`,
		`{"level":"INFO","msg":"failed record visible again after backoff","receive_count":4,"backoff_s":8,"tags":["x","y"]}`,
		`START RequestId: 1 {"level":"ERROR"}`,
		`{"level":"WARN","msg":"a","nested":{"depth":{"n":2.5}}}`,
	}
	for _, c := range []struct {
		pattern string
		want    string // indexes of the lines matched
	}{
		{`{ $.level = "ERROR" }`, "1"},
		{`{$.level=ERROR}`, "1"},
		{`{ $.level != "INFO" }`, "1 4"},
		{`{ $.object_key = "input/*" }`, "0 1"},
		{`{ $.object_key = "*/b.json" }`, "0"},
		{`{ $.msg = "document processed" && $.object_key = "input/a*" }`, "0"},
		{`{ $.receive_count > 3 }`, "2"},
		{`{ $.receive_count >= 4 && $.backoff_s < 8 }`, ""},
		{`{ ($.backoff_s <= 8 || $.level = "ERROR") && $.msg != "put CSV failed" }`, "2"},
		{`{ $.level = "INFO" || $.level = "WARN" && $.nested.depth.n = 2.5 }`, "0 2 4"},
		{`{ $.nested.depth.n > 2 }`, "4"},
		{`{ $.tags[1] = "y" }`, "2"},
		{`{ $.error IS NULL }`, "1"},
		{`{ $.first_delivery IS TRUE }`, "0"},
		{`{ $.first_delivery IS FALSE }`, ""},
		{`{ $.object_key NOT EXISTS }`, "2 4"},
		{`{ $.backoff_s EXISTS }`, "2"},
		{`{ $.receive_count = "4" }`, ""},                     // a string never equals a number
		{`{ $.detail NOT EXISTS && $.level = "ERROR" }`, "1"}, // line 3 is not JSON: no JSON pattern matches it
		{`{ $.msg = Infinity }`, ""},                          // a word, not a number
		{`{ $.msg = "put \"CSV\" failed" || $.msg = "a" }`, "4"},
	} {
		pt, err := parsePattern(c.pattern)
		if err != nil {
			t.Errorf("%s: %v", c.pattern, err)
			continue
		}
		var got []string
		for i, l := range lines {
			if pt.match(l) {
				got = append(got, fmt.Sprint(i))
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s matched lines %q, want %q", c.pattern, strings.Join(got, " "), c.want)
		}
	}
	for _, bad := range []string{`{ $.* = "INFO" }`, `{ $.n > 0x1p1 }`, `%ERR.R%`, `{ $.level = %ERR.R% }`, `{ level = "x" }`, `{ $.level }`, `{ $.level = "x" `, `{ $.n > "x" }`, `{ ($.a = 1 }`, `{ $.a = 1 } x`, `{ $.a[x] = 1 }`, `{ $. = 1 }`} {
		if _, err := parsePattern(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// Responses hold 1 MB of events at most (each its message's bytes plus 26): FilterLogEvents goes on
// with nextToken, GetLogEvents with its tokens; a group is found by a name pattern, and an ARN of
// another account names no group here.
func TestResponseSizeAndNames(t *testing.T) {
	s, _ := newStore()
	st := s.NewStream("/aws/lambda/Big")
	line := strings.Repeat("y", 300<<10) // four of these pass 1 MB
	for i := 0; i < 5; i++ {
		s.Put("/aws/lambda/Big", st, []byte(fmt.Sprint(i, line)))
	}
	out, _ := call(t, s, "FilterLogEvents", map[string]any{"logGroupName": "/aws/lambda/Big"})
	if n := len(messages(out)); n != 3 || out["nextToken"] == nil {
		t.Errorf("FilterLogEvents of 5 × 300 KiB: %d events, token %v; want 3 and a next page", n, out["nextToken"])
	}
	out, _ = call(t, s, "FilterLogEvents", map[string]any{"logGroupName": "/aws/lambda/Big", "nextToken": out["nextToken"]})
	if m := messages(out); len(m) != 2 || !strings.HasPrefix(m[0], "3") || out["nextToken"] != nil {
		t.Errorf("the next page: %d events, token %v", len(m), out["nextToken"])
	}
	out, _ = call(t, s, "GetLogEvents", map[string]any{"logGroupName": "/aws/lambda/Big", "logStreamName": st})
	if m := messages(out); len(m) != 3 || !strings.HasPrefix(m[0], "2") || !strings.HasPrefix(m[2], "4") {
		t.Errorf("GetLogEvents, newest: %d events", len(m))
	}

	out, _ = call(t, s, "DescribeLogGroups", map[string]any{"logGroupNamePattern": "big"})
	if g := out["logGroups"].([]any); len(g) != 1 {
		t.Errorf("pattern big: %v", out)
	}
	out, _ = call(t, s, "DescribeLogGroups", map[string]any{"logGroupNamePattern": "small"})
	if g := out["logGroups"].([]any); len(g) != 0 {
		t.Errorf("pattern small: %v", out)
	}
	for _, c := range []struct {
		op   string
		in   map[string]any
		want string
	}{
		{"DescribeLogGroups", map[string]any{"logGroupNamePattern": "a", "logGroupNamePrefix": "b"}, "InvalidParameterException"},
		{"DescribeLogGroups", map[string]any{"logGroupIdentifiers": []string{"x"}}, "InvalidParameterException"},
		{"FilterLogEvents", map[string]any{"logGroupIdentifier": "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/Big"}, "ResourceNotFoundException"},
	} {
		if _, err := call(t, s, c.op, c.in); !strings.HasPrefix(err, c.want) {
			t.Errorf("%s %v: %q, want %s", c.op, c.in, err, c.want)
		}
	}
	if out, err := call(t, s, "FilterLogEvents", map[string]any{"logGroupIdentifier": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/Big:*", "limit": 1}); err != "" || len(messages(out)) != 1 {
		t.Errorf("by this account's ARN: %q %v", err, out)
	}
}

// Reads scan a snapshot of the group while lines go on arriving (go test -race checks the sharing).
func TestReadWhileWriting(t *testing.T) {
	s, _ := newStore()
	st := s.NewStream("g")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20000; i++ {
			s.Put("g", st, []byte(fmt.Sprintf(`{"level":"INFO","i":%d}`, i)))
		}
	}()
	for n := 0; ; n++ {
		out, err := call(t, s, "FilterLogEvents", map[string]any{"logGroupName": "g", "filterPattern": `{ $.i >= 0 }`, "limit": 10000})
		if err != "" {
			t.Fatal(err)
		}
		prev := -1
		for _, m := range messages(out) {
			var e struct{ I int }
			if json.Unmarshal([]byte(m), &e) != nil || e.I != prev+1 {
				t.Fatalf("event %q after %d: want the lines in order, none missing", m, prev)
			}
			prev = e.I
		}
		select {
		case <-done:
			return
		default:
		}
	}
}
