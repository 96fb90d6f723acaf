package stack

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "outputs.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		key     string
		wantErr []string // substrings; empty = success
		want    string
	}{
		{name: "found", body: `{"ChaosLab":{"BucketName":"b1"}}`, key: BucketName, want: "b1"},
		{name: "single other stack", body: `{"Renamed":{"BucketName":"b2"}}`, key: BucketName, want: "b2"},
		{name: "missing key names file and key", body: `{"ChaosLab":{"BucketName":"b1"}}`, key: CsvQueueUrl,
			wantErr: []string{"outputs.json", `"CsvQueueUrl"`, "missing stack output"}},
		{name: "empty value is missing", body: `{"ChaosLab":{"CsvQueueUrl":""}}`, key: CsvQueueUrl,
			wantErr: []string{"outputs.json", `"CsvQueueUrl"`}},
		{name: "several stacks are ambiguous", body: `{"B":{},"A":{}}`, key: BucketName,
			wantErr: []string{"outputs.json", "several stacks (A, B): pick one with -stack"}},
		{name: "several stacks, the default among them, still ambiguous", body: `{"ChaosLab":{"BucketName":"b1"},"ChaosLabResilient":{}}`, key: BucketName,
			wantErr: []string{"several stacks (ChaosLab, ChaosLabResilient)"}},
		{name: "no stack", body: `{}`, key: BucketName, wantErr: []string{"outputs.json: no stack in the file"}},
		{name: "not json", body: `BucketName=x`, key: BucketName,
			wantErr: []string{"outputs.json", "not a `cdk deploy --outputs-file` JSON"}},
		// Said in JSON's words, not Go's ("cannot unmarshal array into Go value of type map[string]...").
		{name: "a list", body: `[{"BucketName":"b"}]`, key: BucketName,
			wantErr: []string{"outputs.json", "the file is a JSON array, where an object is wanted"}},
		{name: "one stack's outputs alone", body: `{"BucketName":"b","TopicName":"t"}`, key: BucketName,
			wantErr: []string{`"BucketName" is not an object of outputs (a file of one stack's outputs alone?`}},
		{name: "a stack that is no object beside one that is", body: `{"ChaosLab":{"BucketName":"b"},"Other":"x"}`, key: BucketName,
			wantErr: []string{`stack "Other" is not an object of outputs`}},
		{name: "non-string value", body: `{"ChaosLab":{"BucketName":{"a":1}}}`, key: BucketName,
			wantErr: []string{"outputs.json", "ChaosLab.BucketName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, tt.body)
			o, err := Load(p)
			var got string
			if err == nil {
				got, err = o.Get(tt.key)
			}
			if len(tt.wantErr) == 0 {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, got %q", got)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

// A file of several stacks (a local cloud holding several, or one `cdk deploy --outputs-file` of
// several): the stack is picked by name, and a wrong name lists the file's stacks.
func TestLoadStack(t *testing.T) {
	p := writeFile(t, `{"ChaosLab":{"BucketName":"b1"},"ChaosLabResilient":{"BucketName":"b2","Scenario":"resilient"}}`)
	tests := []struct {
		name, stack, want string
		wantErr           []string
	}{
		{name: "first", stack: "ChaosLab", want: "b1"},
		{name: "second", stack: "ChaosLabResilient", want: "b2"},
		{name: "unknown names the file's stacks", stack: "Nope", wantErr: []string{"outputs.json", `no stack "Nope"`, "ChaosLab, ChaosLabResilient"}},
		{name: "none named is ambiguous", wantErr: []string{"several stacks (ChaosLab, ChaosLabResilient): pick one with -stack"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := LoadStack(p, tt.stack)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error, got stack %s", o.Stack)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				if tt.stack == "" && !errors.Is(err, ErrAmbiguous) {
					t.Errorf("error %v is not ErrAmbiguous", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := o.Get(BucketName); got != tt.want || o.Stack != tt.stack {
				t.Errorf("stack %s bucket %q, want %s %q", o.Stack, got, tt.stack, tt.want)
			}
			if _, err := o.Get(TableName); err == nil || !strings.Contains(err.Error(), "stack "+tt.stack) {
				t.Errorf("missing output error %v does not name the stack", err)
			}
		})
	}
}

// An output that is a JSON number or boolean (a hand-edited file) is refused where it is read,
// naming the file, the stack and the key; one not read does not matter.
func TestOutputNotAString(t *testing.T) {
	o, err := Load(writeFile(t, `{"ChaosLab":{"FaultParameterName":5,"Debug":true,"BucketName":"b"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Get(FaultParameterName); err == nil || !strings.Contains(err.Error(), "ChaosLab.FaultParameterName: want a string, got a JSON number") || !strings.Contains(err.Error(), "outputs.json") {
		t.Errorf("a number: %v, want it refused naming the file and the key", err)
	}
	if v, err := o.Get(BucketName); err != nil || v != "b" {
		t.Errorf("the string beside it: %q, %v", v, err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.json") {
		t.Fatalf("err = %v", err)
	}
}

func TestNamesResolve(t *testing.T) {
	file := writeFile(t, `{"ChaosLab":{"BucketName":"from-file","CsvQueueUrl":"http://q"}}`)
	tests := []struct {
		name    string
		args    []string
		keys    []string
		want    map[string]string
		wantErr []string
	}{
		{name: "file", args: []string{"-outputs", file}, keys: []string{BucketName, CsvQueueUrl},
			want: map[string]string{BucketName: "from-file", CsvQueueUrl: "http://q"}},
		{name: "flag overrides file", args: []string{"-outputs", file, "-bucket", "mine"}, keys: []string{BucketName},
			want: map[string]string{BucketName: "mine"}},
		{name: "flags only, no file needed", args: []string{"-outputs", "/nonexistent/x.json", "-bucket", "b", "-csv-queue-url", "u"},
			keys: []string{BucketName, CsvQueueUrl}, want: map[string]string{BucketName: "b", CsvQueueUrl: "u"}},
		{name: "missing every key listed", args: []string{"-outputs", writeFile(t, `{"ChaosLab":{}}`)}, keys: []string{BucketName, CsvQueueUrl},
			wantErr: []string{`"BucketName"`, `"CsvQueueUrl"`, "(the flag: -bucket)", "(the flag: -csv-queue-url)"}},
		{name: "missing file names it and the keys", args: []string{"-outputs", "/nonexistent/x.json"}, keys: []string{BucketName},
			wantErr: []string{"/nonexistent/x.json", "needed for BucketName", "pass -outputs FILE", ".lab/local/outputs.json"}},
		{name: "-stack picks one of several", args: []string{"-outputs", writeFile(t, `{"A":{"BucketName":"a"},"B":{"BucketName":"b"}}`), "-stack", "B"},
			keys: []string{BucketName}, want: map[string]string{BucketName: "b"}},
		{name: "several without -stack", args: []string{"-outputs", writeFile(t, `{"A":{"BucketName":"a"},"B":{"BucketName":"b"}}`)},
			keys: []string{BucketName}, wantErr: []string{"several stacks (A, B): pick one with -stack", "needed for BucketName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			n := Bind(fs, map[string]string{BucketName: "bucket", CsvQueueUrl: "csv-queue-url"})
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got, err := n.Resolve(tt.keys...)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error: %v", got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestOptionalWithoutDefaultFile(t *testing.T) {
	t.Chdir(t.TempDir()) // no outputs.json here
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	n := Bind(fs, map[string]string{ErrorQueueUrl: "error-queue-url"})
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	v, err := n.Optional(ErrorQueueUrl)
	if err != nil || v != "" {
		t.Fatalf("Optional = %q, %v; want empty, nil", v, err)
	}
}

func TestNamesAll(t *testing.T) {
	file := writeFile(t, `{"ChaosLab":{"BucketName":"from-file","TableName":"t"}}`)
	numbers := writeFile(t, `{"ChaosLab":{"BucketName":5,"TableName":"t","Extra":true}}`)
	tests := []struct {
		name    string
		chdir   bool
		args    []string
		want    map[string]string
		wantErr string
	}{
		{name: "file with flag laid over", args: []string{"-outputs", file, "-bucket", "flag"},
			want: map[string]string{BucketName: "flag", TableName: "t"}},
		{name: "no default file: flags only", chdir: true, args: []string{"-bucket", "flag"},
			want: map[string]string{BucketName: "flag"}},
		{name: "explicit missing file is an error", args: []string{"-outputs", "/nonexistent/o.json"}, wantErr: "/nonexistent/o.json"},
		// A number or boolean is left out (NotString says why, for the outputs a caller needs).
		{name: "outputs given as numbers or booleans are left out", args: []string{"-outputs", numbers},
			want: map[string]string{TableName: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.chdir {
				t.Chdir(t.TempDir())
			}
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			n := Bind(fs, map[string]string{BucketName: "bucket"})
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got, err := n.All()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// Elsewhere names the flags that point at another stack's resource than the file's, and then the
// file's Scenario is not the run's: a run on a second pipeline by override flags was labelled
// with the first's.
func TestNamesElsewhereAndScenario(t *testing.T) {
	file := writeFile(t, `{"ChaosLab":{"BucketName":"b","TableName":"t","FunctionName":"fn","Scenario":"flawed"}}`)
	for _, tc := range []struct {
		name      string
		args      []string
		elsewhere string
		scenario  string
	}{
		{name: "no flags", args: []string{"-outputs", file}, scenario: "flawed"},
		{name: "a flag that agrees with the file", args: []string{"-outputs", file, "-bucket", "b"}, scenario: "flawed"},
		{name: "a flag naming another bucket", args: []string{"-outputs", file, "-bucket", "other"}, elsewhere: "-bucket"},
		{name: "two", args: []string{"-outputs", file, "-bucket", "other", "-table", "u"}, elsewhere: "-bucket -table"},
		{name: "the file's function as an ARN", args: []string{"-outputs", file, "-function", "arn:aws:lambda:us-east-1:000000000000:function:fn"}, scenario: "flawed"},
		{name: "another function's ARN", args: []string{"-outputs", file, "-function", "arn:aws:lambda:us-east-1:000000000000:function:other"}, elsewhere: "-function"},
		{name: "an output the file lacks", args: []string{"-outputs", file, "-csv-queue", "q"}, scenario: "flawed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			n := Bind(fs, map[string]string{BucketName: "bucket", TableName: "table", FunctionName: "function", CsvQueueName: "csv-queue"})
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(n.Elsewhere(), " "); got != tc.elsewhere {
				t.Errorf("Elsewhere %q, want %q", got, tc.elsewhere)
			}
			if got := n.Scenario(); got != tc.scenario {
				t.Errorf("Scenario %q, want %q", got, tc.scenario)
			}
		})
	}
}

// A name flag or -outputs given empty (an unset $VAR) is refused at parse time, naming the flag:
// it fell back to the outputs file's stack, acting on another resource than the one meant.
func TestEmptyNameFlagRefused(t *testing.T) {
	for _, args := range [][]string{{"-bucket", ""}, {"-outputs", ""}, {"-bucket="}} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		Bind(fs, map[string]string{BucketName: "bucket"})
		err := fs.Parse(args)
		if err == nil || !strings.Contains(err.Error(), "flag "+strings.TrimSuffix(args[0], "=")) || !strings.Contains(err.Error(), "empty") {
			t.Errorf("%q: %v, want it refused naming the flag", args, err)
		}
	}
}

// -stack without an outputs file to pick it from is said: with every name given as a flag, the
// missing file was passed over, and -stack with it.
func TestStackWithoutAnOutputsFile(t *testing.T) {
	t.Chdir(t.TempDir())
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	n := Bind(fs, map[string]string{FunctionName: "function-name"})
	if err := fs.Parse([]string{"-function-name", "f", "-stack", "Nope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.All(); err == nil || !strings.Contains(err.Error(), "-stack Nope: no stack outputs file outputs.json to pick it from") {
		t.Errorf("All with -stack and no file: %v", err)
	}
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	n = Bind(fs, map[string]string{FunctionName: "function-name"})
	if err := fs.Parse([]string{"-function-name", "f"}); err != nil {
		t.Fatal(err)
	}
	if got, err := n.All(); err != nil || got[FunctionName] != "f" {
		t.Errorf("All without -stack or file: %v %v, want the flag's name", got, err)
	}
	// A file given with -outputs that is not there is the file's error, not -stack's.
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	n = Bind(fs, map[string]string{FunctionName: "function-name"})
	if err := fs.Parse([]string{"-outputs", "typo.json", "-stack", "ChaosLab"}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.All(); err == nil || !strings.Contains(err.Error(), "stack outputs typo.json: no such file or directory") || strings.Contains(err.Error(), "-stack") || strings.Count(err.Error(), "typo.json") != 1 {
		t.Errorf("All with a missing -outputs file: %v, want the file's error", err)
	}
}

// NotString names an output the file gives as a number or boolean, and the flag that gives it
// instead; nothing for a string, an absent output, or one its flag gives.
func TestNamesNotString(t *testing.T) {
	file := writeFile(t, `{"ChaosLab":{"BucketName":5,"TableName":"t","Extra":true}}`)
	for _, tt := range []struct {
		args []string
		key  string
		want string // "" for nil
	}{
		{[]string{"-outputs", file}, BucketName, "ChaosLab.BucketName: want a string, got a JSON number (the flag: -bucket)"},
		{[]string{"-outputs", file}, "Extra", "ChaosLab.Extra: want a string, got a JSON boolean"},
		{[]string{"-outputs", file, "-bucket", "b"}, BucketName, ""},
		{[]string{"-outputs", file}, TableName, ""},
		{[]string{"-outputs", file}, FunctionName, ""},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		n := Bind(fs, map[string]string{BucketName: "bucket"})
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		err := n.NotString(tt.key)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%q NotString(%s) = %v, want %q", tt.args, tt.key, err, tt.want)
		}
	}
}
