package experiments

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"testing"
	"time"
)

// FuzzExperimentFile: any bytes given as an experiment file are parsed, validated and compiled
// without a panic, and an error, when there is one, is never empty (a user must be told why); what
// compiles can be written as JSON (the state machine's input and the journal are JSON, which has no
// Infinity: a bound of 1e400 once compiled to +Inf), and every probe says what it reads. The seeds
// are the shipped experiments; each input is read as a JSON file and as a YAML one.
func FuzzExperimentFile(f *testing.F) {
	for _, name := range Names() {
		b, err := fs.ReadFile(Definitions, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(bytes.Replace(b, []byte("-10.0"), []byte("-1e400"), 1)) // a bound beyond float64
	}
	f.Add([]byte(`{"title": "t", "method": [{"type": "action", "name": "a", "provider": {"type": "process", "path": "aws", "arguments": "ssm put-parameter --name failureLambdaConfig --value '{}'"}}]}`))
	env := EnvFromOutputs(map[string]string{
		"BucketName": "b", "FunctionName": "f", "JsonQueueName": "j", "CsvQueueName": "c", "ErrorQueueName": "e",
		"TableName": "t", "TopicName": "n", "FaultParameterName": "p",
	})
	f.Add([]byte("title: t\nmethod:\n  - type: action\n    name: a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"fuzz.json", "fuzz.yaml"} { // and as YAML, read as its JSON
			checkExperimentFile(t, data, name, env)
		}
	})
}

// checkExperimentFile is FuzzExperimentFile's check of one input, read as the file name says.
func checkExperimentFile(t *testing.T, data []byte, name string, env map[string]string) {
	e, err := Parse(data, name, Definitions, ".")
	if err != nil {
		if err.Error() == "" {
			t.Fatal("Parse: empty error")
		}
		return
	}
	if err := Validate(e); err != nil && err.Error() == "" {
		t.Fatal("Validate: empty error")
	}
	c, err := Compile(e, CompileOptions{FaultParameterName: "p", Env: env, Overrides: Overrides{Pause: time.Second}})
	if err != nil {
		if err.Error() == "" {
			t.Fatal("Compile: empty error")
		}
		return
	}
	if _, err := json.Marshal(c); err != nil {
		t.Fatalf("the compiled experiment is not JSON: %v", err)
	}
	// What the report says each probe reads (its metric math in words) is said of any probe
	// that compiles.
	for _, p := range c.SteadyState.Probes {
		if p.Reads() == "" {
			t.Fatalf("probe %s compiled, but reads nothing", p.Name)
		}
	}
}
