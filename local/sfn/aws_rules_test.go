package sfn

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
)

// Where the interpreter library reads a definition otherwise than AWS does, host.mjs rewrites it
// (asAWSRunsIt) or refuses it (awsRules); each rule here, with what AWS documents.

// succeedsWith runs def on input and requires SUCCEEDED with output equal (as JSON) to want.
func succeedsWith(t *testing.T, name, def, input, want string) {
	t.Helper()
	out := wait(t, start(t, create(t, name, def), input))
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("status %s error %q cause %q; want SUCCEEDED with %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), want)
	}
	var got, exp any
	if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("output %s, want %s", aws.ToString(out.Output), want)
	}
}

// AWS's errors page: ResultPath "defaults to $ which selects, and so overwrites, the entire input";
// written out, "$" does the same (the library made a key named "$" of it), for a Catcher too.
func TestResultPathDollarReplacesTheInput(t *testing.T) {
	succeedsWith(t, "rp-dollar", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"r":1},"ResultPath":"$","End":true}}}`,
		`{"a":1}`, `{"r":1}`)
	out := wait(t, start(t, create(t, "catch-dollar", `{"StartAt":"Get","States":{
	  "Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ssm:getParameter","Parameters":{"Name":"/rules/missing"},
	    "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$","Next":"Done"}],"End":true},
	  "Done":{"Type":"Succeed"}}}`), `{"a":1}`))
	var got map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &got); err != nil {
		t.Fatal(err)
	}
	if _, hasInput := got["a"]; hasInput || got["Error"] != "Ssm.ParameterNotFoundException" {
		t.Errorf("output %s, want the error object alone ({Error, Cause})", aws.ToString(out.Output))
	}
}

// AWS waits as long as a definition says (a Task's TimeoutSeconds defaults to 99999999 s, its Task
// state docs); a Node timer of more than 2^31-1 ms (24.8 days) fires at once, so the library's timers
// are armed again a part at a time.
func TestTimersLongerThanANodeTimer(t *testing.T) {
	// A Task with an explicit TimeoutSeconds of AWS's default (more than a Node timer holds) runs.
	succeedsWith(t, "long-timeout", `{"TimeoutSeconds":99999999,"StartAt":"Put","States":{"Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ssm:putParameter",
	  "Parameters":{"Name":"/rules/long","Value":"v","Type":"String","Overwrite":true},"TimeoutSeconds":99999999,"ResultPath":null,"End":true}}}`, `{"a":1}`, `{"a":1}`)
	// A Wait of more than 24.8 days (more than a Node timer holds) still waits, however it is given,
	// and so does a retrier's interval.
	in40days := time.Now().Add(40 * 24 * time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct{ name, wait, input string }{
		{"long-wait", `"Seconds":2200000`, `{}`},
		{"long-wait-path", `"SecondsPath":"$.s"`, `{"s":3000000}`},
		{"long-wait-timestamp", `"Timestamp":"` + in40days + `"`, `{}`},
		{"long-wait-timestamp-path", `"TimestampPath":"$.at"`, `{"at":"` + in40days + `"}`},
		{"long-retry-interval", `"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ssm:getParameter","Parameters":{"Name":"/rules/missing"},
		  "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":3000000,"MaxAttempts":1}]`, `{}`},
	} {
		state := c.wait
		if !strings.HasPrefix(state, `"Type"`) {
			state = `"Type":"Wait",` + state
		}
		w := start(t, create(t, c.name, `{"StartAt":"W","States":{"W":{`+state+`,"End":true}}}`), c.input)
		wctx, wcancel := context.WithTimeout(context.Background(), time.Second)
		if st, _ := svc.WaitExecution(wctx, w); st.Status != statusRunning {
			t.Errorf("%s (%s) after a second: %s, want RUNNING", c.name, c.wait, st.Status)
		}
		wcancel()
		if _, err := svc.StopExecution(w, nil, nil); err != nil {
			t.Error(err)
		}
	}
}

// AWS's Context Object page: $$.State holds the state's Name, its EnteredTime, and RetryCount,
// "the number of retries attempted for this state" (the library's was always 0). A retry stays in
// the state it retries, so EnteredTime is the first attempt's.
func TestStateContextCountsRetries(t *testing.T) {
	out := wait(t, start(t, create(t, "retry-count", `{"StartAt":"Put","States":{
	  "Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ssm:putParameter",
	    "Parameters":{"Name":"/retry-count/2","Value":"third","Type":"String","Overwrite":true},"ResultPath":null,"Next":"Get"},
	  "Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ssm:getParameter",
	    "Parameters":{"Name.$":"States.Format('/retry-count/{}', $$.State.RetryCount)"},
	    "Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":5},{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"BackoffRate":1,"MaxAttempts":3}],
	    "ResultSelector":{"value.$":"$.Parameter.Value","retries.$":"$$.State.RetryCount","state.$":"$$.State.Name","entered.$":"$$.State.EnteredTime"},
	    "Next":"After"},
	  "After":{"Type":"Pass","Parameters":{"got.$":"$","retries.$":"$$.State.RetryCount","state.$":"$$.State.Name"},"End":true}}}`), `{}`))
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("status %s error %q cause %q", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	var got struct {
		Got struct {
			Value, State, Entered string
			Retries               int
		}
		Retries int
		State   string
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &got); err != nil {
		t.Fatal(err)
	}
	// Two retries: the third attempt read /retry-count/2.
	if got.Got.Value != "third" || got.Got.Retries != 2 || got.Got.State != "Get" {
		t.Errorf("Get's result %+v, want value third after 2 retries, in state Get", got.Got)
	}
	if got.Retries != 0 || got.State != "After" {
		t.Errorf("the next state read RetryCount %d in %q, want 0 in After", got.Retries, got.State)
	}
	entered, err := time.Parse(time.RFC3339Nano, got.Got.Entered)
	if err != nil {
		t.Fatalf("EnteredTime %q: %v", got.Got.Entered, err)
	}
	// The retries waited 2 s in all; the first attempt began well before the last.
	if ended := aws.ToTime(out.StopDate); ended.Sub(entered) < 1900*time.Millisecond {
		t.Errorf("EnteredTime %s, %s before the execution ended: want the first attempt's, 2 s of retries before", entered, ended.Sub(entered))
	}
}

// The Amazon States Language's MUSTs the library's validator does not check: States.ALL alone and
// in the last retrier or catcher, BackoffRate at least 1.0, HeartbeatSeconds below TimeoutSeconds,
// no Next in a nested choice rule. Each refusal names the state.
func TestDefinitionsAWSRefuses(t *testing.T) {
	task := `"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ssm:getParameter","Parameters":{"Name":"/x"}`
	for _, tc := range []struct{ name, def, want string }{
		{"States.ALL not alone", `{"StartAt":"T","States":{"T":{` + task + `,"Retry":[{"ErrorEquals":["States.ALL","X"]}],"End":true}}}`,
			"States.T.Retry[0]: States.ALL must appear alone"},
		{"States.ALL not last", `{"StartAt":"T","States":{"T":{` + task + `,"Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}],"End":true}}}`,
			"States.T.Retry[0]: States.ALL must appear in the last retrier"},
		{"a Catcher's States.ALL not last", `{"StartAt":"T","States":{"T":{` + task + `,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"},{"ErrorEquals":["X"],"Next":"S"}],"End":true},"S":{"Type":"Succeed"}}}`,
			"States.T.Catch[0]: States.ALL must appear in the last catcher"},
		{"BackoffRate below 1", `{"StartAt":"T","States":{"T":{` + task + `,"Retry":[{"ErrorEquals":["X"],"BackoffRate":0.5}],"End":true}}}`,
			"States.T.Retry[0].BackoffRate: 0.5 is below 1.0"},
		{"HeartbeatSeconds not below TimeoutSeconds", `{"StartAt":"T","States":{"T":{` + task + `,"TimeoutSeconds":10,"HeartbeatSeconds":10,"End":true}}}`,
			"States.T: HeartbeatSeconds (10) must be smaller than TimeoutSeconds (10)"},
		{"Next inside And", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.x","IsPresent":true,"Next":"S"}],"Next":"S"}]},"S":{"Type":"Succeed"}}}`,
			"States.C.Choices[0].And[0]: a nested choice rule has no Next"},
		{"in a Map's iterations", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{` + task + `,"Retry":[{"ErrorEquals":["X"],"BackoffRate":0}],"End":true}}},"End":true}}}`,
			"States.M.ItemProcessor.States.T.Retry[0].BackoffRate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := svc.CreateStateMachine("bad", machineArn("bad-"+strings.ReplaceAll(tc.name, " ", "-")), tc.def, "")
			if ErrorCode(err) != "InvalidDefinition" || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CreateStateMachine: %v, want InvalidDefinition saying %q", err, tc.want)
			}
		})
	}
	// What the rules allow: States.ALL alone in the last retrier, a BackoffRate of 1, a heartbeat
	// below the timeout.
	ok := `{"StartAt":"T","States":{"T":{` + task + `,"TimeoutSeconds":10,"HeartbeatSeconds":9,"Retry":[{"ErrorEquals":["X"],"BackoffRate":1},{"ErrorEquals":["States.ALL"]}],"End":true}}}`
	if err := svc.CreateStateMachine("fine", machineArn("rules-fine"), ok, ""); err != nil {
		t.Errorf("a definition within the rules: %v", err)
	}
}

// AWS's Task state docs: TimeoutSeconds defaults to 99999999 (the language's spec, and the library,
// say 60). A task answered after 61 s succeeds. Takes about 61 s, run beside the package's others.
func TestTaskWithoutTimeoutSecondsRunsPast60s(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits 61 s")
	}
	t.Parallel()
	slow := func(ctx context.Context, service, action string, p json.RawMessage) (json.RawMessage, error) {
		select {
		case <-time.After(61 * time.Second):
		case <-ctx.Done():
		}
		return json.RawMessage(`{"ok":true}`), nil
	}
	st := runOnOwnService(t, Options{Call: slow}, "slow",
		`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ssm:getParameter","Parameters":{"Name":"/x"},"End":true}}}`, `{}`, 2*time.Minute)
	if st.Status != statusSucceeded {
		t.Fatalf("%s %s %s; want SUCCEEDED (AWS's default TimeoutSeconds is 99999999)", st.Status, st.Error, st.Cause)
	}
}

// runOnOwnService starts a Service of opts (its log discarded, a directory of its own), creates a
// machine of def and runs it on input: the execution's end, bounded by wait.
func runOnOwnService(t *testing.T, opts Options, name, def, input string, wait time.Duration) ExecutionStatus {
	t.Helper()
	opts.Log, opts.Dir = slog.New(slog.NewJSONHandler(io.Discard, nil)), t.TempDir()
	s := New(opts)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	arn := machineArn(name)
	if err := s.CreateStateMachine(name, arn, def, ""); err != nil {
		t.Fatal(err)
	}
	x, _, err := s.StartExecution(arn, "", input)
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), wait)
	defer wcancel()
	st, _ := s.WaitExecution(wctx, x)
	return st
}

// AWS's intrinsic functions page: States.JsonToString returns the JSON text of its value, and only
// a literal string's escapes (\' \{ \} \\) are read as escapes. The library deleted every backslash
// of a string result: a fault parameter written with JsonToString and an exception message holding
// a quote was not JSON, and a path's backslashes were lost in States.Format.
func TestIntrinsicsKeepBackslashes(t *testing.T) {
	input := `{"fault":{"exception_msg":"say \"hi\"\nbye"},"path":"C:\\tmp","n":3}`
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
	  "json.$":"States.JsonToString($.fault)",
	  "path.$":"States.Format('{}', $.path)",
	  "literal.$":"States.Format('it\\'s \\{\\} and {}', $.n)",
	  "split.$":"States.StringSplit($.path, ':')"},"End":true}}}`
	succeedsWith(t, "intrinsic-backslashes", def, input,
		`{"json":"{\"exception_msg\":\"say \\\"hi\\\"\\nbye\"}","path":"C:\\tmp","literal":"it's {} and 3","split":["C","\\tmp"]}`)
}

// The same page's escapes: a literal's \\ is a backslash (the library's validator refused it), and
// a literal is one argument whatever it holds: its parentheses, commas and escaped quotes (the
// library counted a literal's parentheses, so 'smile :)' ended States.Format early).
func TestIntrinsicLiteralsAreOneArgument(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
	  "backslash.$":"States.Format('C:\\\\tmp\\\\{}', $.n)",
	  "smile.$":"States.Format('smile :) {}', $.n)",
	  "frown.$":"States.Format('frown :( {} (really, {}', $.n, $.n)",
	  "nested.$":"States.Format('{}|{}', States.Format('a(b{}', $.n), 'c)d')",
	  "quote.$":"States.Format('it\\'s ({})', $.n)",
	  "ends.$":"States.Array('x\\\\', 'y')"},"End":true}}}`
	succeedsWith(t, "intrinsic-literals", def, `{"n":3}`,
		`{"backslash":"C:\\tmp\\3","smile":"smile :) 3","frown":"frown :( 3 (really, 3","nested":"a(b3|c)d","quote":"it's (3)","ends":["x\\","y"]}`)
}

// AWS's Context object docs: $$.Execution.Input is the execution's input in every state, the
// documented way for a Map iteration to reach data outside its item; StartTime is the execution's.
// States.JsonMerge leaves its arguments alone (a Map merging defaults into each item saw the last
// item's fields), and a Pass state's Result is any JSON value, false included.
func TestContextAndResultsInMaps(t *testing.T) {
	succeedsWith(t, "exec-input-map", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
	  "ItemSelector":{"v.$":"States.JsonMerge($.defaults, $$.Map.Item.Value, false)"},
	  "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"cfg.$":"$$.Execution.Input.cfg","v.$":"$.v"},"End":true}}},"End":true}}}`,
		`{"cfg":"C","defaults":{"x":1},"items":[{"a":1},{"b":2}]}`, `[{"cfg":"C","v":{"x":1,"a":1}},{"cfg":"C","v":{"x":1,"b":2}}]`)
	succeedsWith(t, "pass-false", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":false,"ResultPath":"$.r","Next":"Z"},
	  "Z":{"Type":"Pass","Result":0,"ResultPath":"$.z","End":true}}}`, `{"a":1}`, `{"a":1,"r":false,"z":0}`)

	arn := start(t, create(t, "start-time", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"t.$":"$$.Execution.StartTime"},"End":true}}}`), `{}`)
	out := wait(t, arn)
	var got struct{ T time.Time }
	if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &got); err != nil {
		t.Fatal(err)
	}
	if !got.T.Equal(aws.ToTime(out.StartDate)) {
		t.Errorf("$$.Execution.StartTime %v, DescribeExecution's startDate %v: want the same time", got.T, aws.ToTime(out.StartDate))
	}
}

// choiceOf is a machine whose Choice answers "yes" when rule holds, else "no".
func choiceOf(rule string) string {
	return `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[` + rule + `],"Default":"N"},
	  "Y":{"Type":"Pass","Result":"yes","End":true},"N":{"Type":"Pass","Result":"no","End":true}}}`
}

// The Amazon States Language's choice rules as AWS decides them: a type test holds when its outcome
// equals its boolean, false included; "Step Functions doesn't attempt to match a numeric field to a
// string value" (a comparison with a value of another type does not match, and does not fail the
// execution); StringMatches' only wildcard is *, with \* and \\ escapes.
func TestChoiceRulesAsAWSDecides(t *testing.T) {
	for i, tc := range []struct{ name, rule, input, want string }{
		{"IsPresent false on a missing field", `{"Variable":"$.missing","IsPresent":false,"Next":"Y"}`, `{"x":5}`, "yes"},
		{"IsPresent true on a null", `{"Variable":"$.x","IsPresent":true,"Next":"Y"}`, `{"x":null}`, "yes"},
		{"IsNull false on a number", `{"Variable":"$.x","IsNull":false,"Next":"Y"}`, `{"x":5}`, "yes"},
		{"IsString false on a number", `{"Variable":"$.x","IsString":false,"Next":"Y"}`, `{"x":5}`, "yes"},
		{"IsNumeric false on a number", `{"Variable":"$.x","IsNumeric":false,"Next":"Y"}`, `{"x":5}`, "no"},
		{"IsTimestamp on a timestamp", `{"Variable":"$.x","IsTimestamp":true,"Next":"Y"}`, `{"x":"2026-12-03T10:00:00Z"}`, "yes"},
		// "an uppercase T must separate the date and time portions, and an uppercase Z" (AWS's Choice docs).
		{"IsTimestamp on a lowercase t and z", `{"Variable":"$.x","IsTimestamp":true,"Next":"Y"}`, `{"x":"2016-03-14t01:59:00z"}`, "no"},
		{"IsTimestamp on month 13", `{"Variable":"$.x","IsTimestamp":true,"Next":"Y"}`, `{"x":"2016-13-45T01:59:00Z"}`, "no"},
		{"TimestampEquals on a lowercase timestamp", `{"Variable":"$.x","TimestampEquals":"2016-03-14T01:59:00Z","Next":"Y"}`, `{"x":"2016-03-14t01:59:00z"}`, "no"},
		{"TimestampLessThan with fractions", `{"Variable":"$.x","TimestampLessThan":"2016-03-14T01:59:00.5Z","Next":"Y"}`, `{"x":"2016-03-14T01:59:00.25Z"}`, "yes"},
		{"Not IsPresent", `{"Not":{"Variable":"$.missing","IsPresent":true},"Next":"Y"}`, `{}`, "yes"},
		{"NumericLessThan on a string", `{"Variable":"$.x","NumericLessThan":20,"Next":"Y"}`, `{"x":"10"}`, "no"},
		{"NumericLessThan on a number", `{"Variable":"$.x","NumericLessThan":20,"Next":"Y"}`, `{"x":10}`, "yes"},
		{"StringEquals on a number", `{"Variable":"$.x","StringEquals":"5","Next":"Y"}`, `{"x":5}`, "no"},
		{"TimestampEquals on a number", `{"Variable":"$.x","TimestampEquals":"1970-01-01T00:00:00Z","Next":"Y"}`, `{"x":0}`, "no"},
		{"BooleanEquals on a string", `{"Variable":"$.x","BooleanEquals":true,"Next":"Y"}`, `{"x":"true"}`, "no"},
		{"StringMatches on a number", `{"Variable":"$.x","StringMatches":"*","Next":"Y"}`, `{"x":5}`, "no"},
		{"StringMatches: ? is itself", `{"Variable":"$.x","StringMatches":"a?c","Next":"Y"}`, `{"x":"abc"}`, "no"},
		{"StringMatches: * is any run", `{"Variable":"$.x","StringMatches":"log-*.txt","Next":"Y"}`, `{"x":"log-2026-12.txt"}`, "yes"},
		{"StringMatches: \\* is a *", `{"Variable":"$.x","StringMatches":"a\\*c","Next":"Y"}`, `{"x":"abc"}`, "no"},
		{"StringMatches: \\* matches a *", `{"Variable":"$.x","StringMatches":"a\\*c","Next":"Y"}`, `{"x":"a*c"}`, "yes"},
		{"an And of both", `{"And":[{"Variable":"$.x","IsNumeric":true},{"Variable":"$.x","NumericGreaterThan":1}],"Next":"Y"}`, `{"x":5}`, "yes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			succeedsWith(t, fmt.Sprintf("choice-%d", i), choiceOf(tc.rule), tc.input, `"`+tc.want+`"`)
		})
	}
}

// AWS's intrinsic functions page: States.Hash's hex digest (the library's was wrong from 56 bytes
// on), Base64 of UTF-8 text, StringSplit at each delimiting character ("This.is+a,test=string" by
// ".+,=" is five strings), MathAdd rounding non-integers to the nearest integer.
func TestIntrinsicsAsAWSComputes(t *testing.T) {
	long := strings.Repeat("chaos", 30) // 150 bytes: past the library's 56
	sum := sha256.Sum256([]byte(long))
	sum512 := sha512.Sum512([]byte(long))
	md := md5.Sum([]byte(long))
	want, _ := json.Marshal(map[string]any{
		"sha256": hex.EncodeToString(sum[:]), "sha512": hex.EncodeToString(sum512[:]), "md5": hex.EncodeToString(md[:]),
		"b64": base64.StdEncoding.EncodeToString([]byte("日本 ü")), "back": "日本 ü",
		"split": []string{"This", "is", "a", "test", "string"}, "sum": 3,
	})
	succeedsWith(t, "intrinsics-aws", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
	  "sha256.$":"States.Hash($.s, 'SHA-256')", "sha512.$":"States.Hash($.s, 'SHA-512')", "md5.$":"States.Hash($.s, 'MD5')",
	  "b64.$":"States.Base64Encode($.u)", "back.$":"States.Base64Decode(States.Base64Encode($.u))",
	  "split.$":"States.StringSplit($.t, '.+,=')", "sum.$":"States.MathAdd($.x, 1)"},"End":true}}}`,
		`{"s":"`+long+`","u":"日本 ü","t":"This.is+a,test=string","x":1.6}`, string(want))
}

// AWS's Fail state docs allow ErrorPath and CausePath to be intrinsic functions; variables (Assign)
// and a state's own JSONata, which the interpreter cannot run, are refused at create naming the
// state, not left to fail an execution with a path that "does not point to a value".
func TestFailPathsAndWhatDoesNotRun(t *testing.T) {
	out := wait(t, start(t, create(t, "fail-intrinsic", `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"States.Format('E{}', $.n)","CausePath":"States.Format('cause: {}', $.c)"}}}`), `{"c":"x","n":7}`))
	if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "E7" || aws.ToString(out.Cause) != "cause: x" {
		t.Errorf("%s error %q cause %q, want FAILED E7, \"cause: x\"", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	for _, tc := range []struct{ name, def, want string }{
		{"Assign", `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"x.$":"$.a"},"End":true}}}`, "States.P.Assign: variables do not run locally"},
		{"Assign in a Catcher in a Map", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ssm:getParameter","Parameters":{"Name":"/x"},"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"e.$":"$"},"Next":"S"}],"End":true},"S":{"Type":"Succeed"}}},"End":true}}}`,
			"States.M.ItemProcessor.States.T.Catch[0].Assign"},
		{"a JSONata definition", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "Invalid State Machine Definition: only the JSONPath query language runs locally"},
		{"a JSONata state", `{"StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% 1 %}","End":true}}}`, "States.P: only the JSONPath query language runs locally"},
	} {
		err := svc.CreateStateMachine("unsupported", machineArn("unsupported-"+strings.ReplaceAll(tc.name, " ", "-")), tc.def, "")
		if ErrorCode(err) != "InvalidDefinition" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want InvalidDefinition saying %q", tc.name, err, tc.want)
		}
	}
	// A payload key named Assign is data, not a variable.
	succeedsWith(t, "assign-as-data", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"Assign":1},"End":true}}}`, `{}`, `{"Assign":1}`)
}

// The library's fixes apply when its package is reached through a symlink (a linked node_modules):
// Node names the module by its real path, which the load hook must recognize.
func TestFixesThroughASymlinkedLibrary(t *testing.T) {
	lib, err := filepath.Abs(filepath.Join("..", "..", "node_modules", "aws-local-stepfunctions"))
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "linked-lib")
	if err := os.Symlink(lib, link); err != nil {
		t.Fatal(err)
	}
	st := runOnOwnService(t, Options{LibDir: link}, "linked", choiceOf(`{"Variable":"$.x","StringMatches":"*","Next":"Y"}`), `{"x":5}`, 30*time.Second)
	if st.Status != statusSucceeded || st.Output != `"no"` {
		t.Errorf("StringMatches on a number through a linked library: %s %s %s %s, want SUCCEEDED \"no\" (the fixed library)", st.Status, st.Output, st.Error, st.Cause)
	}
}

// $$.Map.Item is the context of a Map's ItemSelector (AWS's ItemSelector page); a state after the
// Map finds no $$.Map, and a path to it fails the execution as a missing path does.
func TestMapContextEndsWithTheMap(t *testing.T) {
	out := wait(t, start(t, create(t, "map-context-after", `{"StartAt":"M","States":{
	  "M":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"i.$":"$$.Map.Item.Index"},
	    "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ResultPath":"$.r","Next":"After"},
	  "After":{"Type":"Pass","Parameters":{"i.$":"$$.Map.Item.Index"},"End":true}}}`), `{"items":["a","b"]}`))
	if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "States.Runtime" {
		t.Fatalf("status %s error %q output %s: want FAILED States.Runtime ($$.Map is not there after the Map)",
			out.Status, aws.ToString(out.Error), aws.ToString(out.Output))
	}
}

// AWS's intrinsic functions page: States.MathRandom returns a number from its start (inclusive) to
// its end (exclusive), and it, States.ArrayPartition and States.ArrayRange round a non-integer
// number argument to the nearest integer (from a path here: the validator takes integer literals
// only). The library could draw the end (MathRandom(0, 1) gave 1 about half the time) and failed
// the execution with States.Runtime on a non-integer.
func TestIntrinsicsRoundAndExcludeTheEnd(t *testing.T) {
	params := map[string]string{
		"rounded.$": "States.MathRandom($.from, $.to, 7)",       // 4.6, 5.6: [5, 6), so 5
		"chunks.$":  "States.ArrayPartition($.a, $.chunk)",      // 1.6: chunks of 2
		"range.$":   "States.ArrayRange($.first, $.last, $.by)", // 0.6, 5.4, 2.4: 1 to 5 by 2
	}
	want := map[string]any{"rounded": 5, "chunks": [][]int{{1, 2}, {3, 4}, {5}}, "range": []int{1, 3, 5}}
	for seed := 1; seed <= 24; seed++ { // a seed draws the same number every time: no flake
		params[fmt.Sprintf("r%d.$", seed)] = fmt.Sprintf("States.MathRandom(0, 1, %d)", seed)
		want[fmt.Sprintf("r%d", seed)] = 0
	}
	p, _ := json.Marshal(params)
	w, _ := json.Marshal(want)
	succeedsWith(t, "intrinsics-round", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":`+string(p)+`,"End":true}}}`,
		`{"a":[1,2,3,4,5],"from":4.6,"to":5.6,"chunk":1.6,"first":0.6,"last":5.4,"by":2.4}`, string(w))

	// A chunk size that rounds to 0 is no chunk size: the execution fails, as before.
	out := wait(t, start(t, create(t, "partition-zero", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"c.$":"States.ArrayPartition($.a, $.chunk)"},"End":true}}}`), `{"a":[1],"chunk":0.4}`))
	if out.Status != types.ExecutionStatusFailed {
		t.Fatalf("ArrayPartition by 0.4: status %s output %s, want FAILED", out.Status, aws.ToString(out.Output))
	}
}

// AWS's error handling page: States.DataLimitExceeded is reported "when the output of a connector
// is larger than payload size quota", "when the output of a state is larger" and when "the input of
// a state is larger than the payload size quota" after Parameters (256 KiB of UTF-8, the quotas
// page); "a terminal error that cannot be caught by the States.ALL error type". The library had no
// limit: such an execution succeeded.
func TestPayloadsOver256KiBFailTheExecution(t *testing.T) {
	big := strings.Repeat("é", 130<<10) // 130 Ki characters, 260 KiB of UTF-8: over only as bytes
	catchAll := `"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]`
	for _, tc := range []struct{ name, def, input string }{
		{"state output", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"ResultPath":"$.copy","End":true}}}`,
			`{"s":"` + strings.Repeat("x", 100<<10) + `"}`},
		{"state input after Parameters", `{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:cloudwatch:getMetricData",
		  "Parameters":{"a.$":"$.s","b.$":"$.s","c.$":"$.s"},"ResultPath":null,` + catchAll + `,"End":true},"Caught":{"Type":"Succeed"}}}`,
			`{"s":"` + strings.Repeat("x", 90<<10) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := wait(t, start(t, create(t, "data-limit", tc.def), tc.input))
			if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "States.DataLimitExceeded" {
				t.Fatalf("status %s error %q cause %.200q, want FAILED States.DataLimitExceeded", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
			}
		})
	}
	// A connector's output over the limit, though ResultSelector would keep none of it.
	bigOutput := func(context.Context, string, string, json.RawMessage) (json.RawMessage, error) {
		return json.Marshal(map[string]string{"Label": big})
	}
	st := runOnOwnService(t, Options{Call: bigOutput}, "data-limit-connector", `{"StartAt":"Get","States":{
	  "Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:cloudwatch:getMetricData","ResultSelector":{"n":1},`+catchAll+`,"End":true},
	  "Caught":{"Type":"Succeed"}}}`, `{}`, 30*time.Second)
	if st.Status != statusFailed || st.Error != "States.DataLimitExceeded" {
		t.Fatalf("connector output: status %s error %q cause %.200q, want FAILED States.DataLimitExceeded", st.Status, st.Error, st.Cause)
	}
	// At the limit is within it.
	succeedsWith(t, "data-limit-edge", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
		`"`+strings.Repeat("x", 256<<10-2)+`"`, `"`+strings.Repeat("x", 256<<10-2)+`"`)
}

// AWS's histories: ExecutionStarted and the first state's StateEntered both have previousEventId
// 0 (the first state follows no event of its own); every later event here follows the one before.
func TestHistoryFirstStateFollowsNoEvent(t *testing.T) {
	arn := start(t, create(t, "previous-ids", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`), `{}`)
	wait(t, arn)
	events := history(t, arn, false)
	var got []int64
	for _, e := range events {
		got = append(got, e.PreviousEventId)
	}
	if want := []int64{0, 0, 2, 3, 4, 5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("previousEventIds %v of %v, want %v", got, eventTypes(events), want)
	}
}

// The guide's "Handling errors in service integrations": an AWS SDK integration's error is
// "ServiceName.ErrorName", both PascalCase, with the Exception suffix always: the AWS SDK for Java's
// class, so a model's Fault shape ends in Exception, and an error the model does not name (Step
// Functions' AccessDeniedException, CloudWatch's Throttling) is the service's own exception
// (Sfn.SfnException). The caller named every error by its wire code plus Exception:
// Sfn.AccessDeniedException, CloudWatch.InternalServiceErrorException.
func TestSDKErrorNamesAreJavaClasses(t *testing.T) {
	for _, tc := range []struct {
		service string
		err     error
		want    string
	}{
		{"ssm", &ssmtypes.ParameterNotFound{Message: aws.String("p")}, "Ssm.ParameterNotFoundException"},
		{"ssm", &ssmtypes.TooManyUpdates{}, "Ssm.TooManyUpdatesException"},
		{"ssm", &ssmtypes.AccessDeniedException{}, "Ssm.AccessDeniedException"},
		{"ssm", &ssmtypes.ThrottlingException{Message: aws.String("Rate exceeded")}, "Ssm.ThrottlingException"}, // SSM's model names it
		{"ssm", &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "try again"}, "Ssm.SsmException"},
		{"cloudwatch", &cwtypes.InternalServiceFault{}, "CloudWatch.InternalServiceException"},
		{"cloudwatch", &cwtypes.MissingRequiredParameterException{}, "CloudWatch.MissingRequiredParameterException"},
		{"cloudwatch", &cwtypes.InvalidParameterValueException{}, "CloudWatch.InvalidParameterValueException"},
		{"cloudwatch", &smithy.GenericAPIError{Code: "Throttling"}, "CloudWatch.CloudWatchException"},
		{"sfn", &smithy.GenericAPIError{Code: "AccessDeniedException"}, "Sfn.SfnException"},
		{"sfn", fmt.Errorf("describe: %w", &types.ExecutionDoesNotExist{}), "Sfn.ExecutionDoesNotExistException"},
		{"ssm", io.ErrUnexpectedEOF, "States.TaskFailed"},
	} {
		var te *TaskError
		if !errors.As(sdkTaskError(tc.service, tc.err), &te) || te.Name != tc.want {
			t.Errorf("%s %T: %+v, want %s", tc.service, tc.err, te, tc.want)
		}
	}
}
