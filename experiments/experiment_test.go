package experiments

import (
	"errors"
	"strings"
	"testing"
)

// Parse reports every value of the wrong JSON type at its full JSON path (array indexes
// included), with every unknown key, in one *Error; a file that is not JSON, with the line and
// column.
func TestParseReportsEveryProblem(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want []string // the problems, in order
	}{
		{"{\n \"title\": 1\n}", []string{"title: want a JSON string, got JSON number"}},
		{`{"title": 7, "method": [{"type": "action", "name": "a", "pauses": {"after": "300"}}]}`,
			[]string{"title: want a JSON string, got JSON number", "method[0].pauses.after: want a JSON number, got JSON string"}},
		{"{\"title\": \"t\", \"method\": [\n {\"name\": \"a\"},\n {\"name\": 7, \"pause\": {}}\n], \"rollbacks\": {}}",
			[]string{"method[1].name: want a JSON string, got JSON number", `method[1].pause: unknown key; did you mean "pauses"?`, "rollbacks: want a JSON array, got JSON object"}},
		{`{"title": "t", "steady-state-hypothesis": {"probes": [{"background": "no", "provider": []}]}, "tags": [1]}`,
			[]string{"steady-state-hypothesis.probes[0].background: want a JSON boolean, got JSON string",
				"steady-state-hypothesis.probes[0].provider: want a JSON object, got JSON array", "tags[0]: want a JSON string, got JSON number"}},
		{`{"method": [{"pauses": {"before": 1e400}}]}`, []string{"method[0].pauses.before: number 1e400 is out of range"}},
		// An array is most likely a probe's query file (steadyState*.json): said so.
		{`[]`, []string{": want a JSON object, an experiment, got JSON array (a probe's file:// query file, such as steadyState*.json, is not an experiment: validate the experiment that names it)"}},
		{"{\n \"title\": ,\n}", []string{": line 2 column 11: invalid character ','"}},
	} {
		_, err := Parse([]byte(tt.src), "x.json", nil, ".")
		var perr *Error
		if !errors.As(err, &perr) {
			t.Errorf("%s: err = %v, want an *Error", tt.src, err)
			continue
		}
		var got []string
		for _, p := range perr.Problems {
			got = append(got, p.Path+": "+p.Reason)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: problems\n%s\nwant\n%s", tt.src, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tt.want[i]) {
				t.Errorf("%s: problem %d = %q, want %q", tt.src, i, got[i], tt.want[i])
			}
		}
	}
	// A syntax error is the whole file's problem: no path before its position.
	_, err := Parse([]byte("{\n \"title\": ,\n}"), "x.json", nil, ".")
	if err == nil || !strings.Contains(err.Error(), "x.json: 1 problem(s):\n  line 2 column 11: ") {
		t.Errorf("err = %v", err)
	}
}

// An experiment saved with a UTF-8 byte-order mark (Windows editors and PowerShell write one) reads
// as the same experiment: it failed with "invalid character 'ï' looking for beginning of value".
func TestParseSkipsAByteOrderMark(t *testing.T) {
	b, err := definitions.ReadFile("exp_1-minor_delay.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Parse(append([]byte("\xef\xbb\xbf"), b...), "bom.json", nil, ".")
	if err != nil {
		t.Fatalf("an experiment with a byte-order mark: %v", err)
	}
	if want, _ := Parse(b, "bom.json", nil, "."); e.Title == "" || e.Title != want.Title || len(e.Method) != len(want.Method) {
		t.Errorf("parsed %q with %d actions, want %q with %d", e.Title, len(e.Method), want.Title, len(want.Method))
	}
}

// An empty file says so, not "line 1 column 1: unexpected end of JSON input".
func TestParseEmptyFile(t *testing.T) {
	for _, in := range []string{"", " \n\t"} {
		if _, err := Parse([]byte(in), "empty.json", nil, "."); err == nil || !strings.Contains(err.Error(), "empty.json") || !strings.Contains(err.Error(), "the file is empty") {
			t.Errorf("%q: %v, want it named empty", in, err)
		}
	}
}

// A file of another kind this lab reads (a FIS template, a journal, a compiled input) given as an
// experiment says what it is and what reads it: it was a wall of "unknown key" lines.
func TestParseNamesOtherKindsOfFile(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"fis", `{"description": "d", "targets": {}, "actions": {}, "stopConditions": [{"source": "none"}], "roleArn": "arn", "tags": {}}`, "an AWS FIS experiment template: chaoslab import-fis"},
		{"journal", `{"title": "t", "executionArn": "arn", "startedAt": "2026-12-04T10:00:00Z", "verdict": "held", "before": []}`, "a chaoslab journal"},
		{"ctk journal", `{"chaoslib-version": "1.44.0", "experiment": {}, "status": "completed"}`, "a Chaos Toolkit journal"},
		{"compiled", `{"version": 1, "title": "t", "source": "x.json", "steadyState": {}, "method": [], "rollbacks": [], "guard": {}}`, "a compiled state machine input"},
	} {
		_, err := Parse([]byte(tt.data), tt.name+".json", nil, ".")
		var xe *Error
		if !errors.As(err, &xe) || len(xe.Problems) != 1 || !strings.Contains(xe.Problems[0].Reason, "not an experiment: this is "+tt.want) {
			t.Errorf("%s: %v, want one problem saying it is %s", tt.name, err, tt.want)
		}
	}
	// An experiment with a typo'd key is still an experiment, its problems its own (steadyState for
	// steady-state-hypothesis too).
	for _, typo := range []string{`{"title": "t", "methd": []}`, `{"title": "t", "steadyState": {}, "method": []}`} {
		if _, err := Parse([]byte(typo), "typo.json", nil, "."); err != nil && strings.Contains(err.Error(), "not an experiment") {
			t.Errorf("an experiment with a typo, %s: %v", typo, err)
		}
	}
}
