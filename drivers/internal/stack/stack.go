// Package stack reads a deployed lab stack's outputs (the file written by
// `cdk deploy --outputs-file outputs.json`, or by the local cloud) so every
// driver finds the deployed resources the same way, and lets per-name flags
// override them.
//
// A file may hold several stacks (one `cdk deploy --outputs-file` of several
// stacks, or a local cloud holding several): -stack picks one. Without it, a
// file of one stack is read whatever the stack's name; a file of several is
// ambiguous, and the error lists them:
//
//	names := stack.Bind(fs, map[string]string{stack.BucketName: "bucket"}) // -outputs, -stack, -bucket
//	vals, err := names.Resolve(stack.BucketName)
package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
)

// StackName is the stack id the CDK app deploys by default (docs/contracts.md §1).
const StackName = contract.DefaultStackName

// DefaultFile is where `cdk deploy --outputs-file outputs.json` writes.
const DefaultFile = "outputs.json"

// LocalCloudFile is where `chaoslab local up` keeps its outputs file (its default -dir, .lab/local),
// for the hint of a missing outputs file.
const LocalCloudFile = ".lab/local/outputs.json"

// Output ids, exactly as the CDK app declares them (docs/contracts.md §1).
const (
	BucketName                = "BucketName"
	JsonQueueUrl              = "JsonQueueUrl"
	CsvQueueUrl               = "CsvQueueUrl"
	ErrorQueueUrl             = "ErrorQueueUrl"
	JsonQueueName             = "JsonQueueName"
	CsvQueueName              = "CsvQueueName"
	ErrorQueueName            = "ErrorQueueName"
	TopicArn                  = "TopicArn"
	TopicName                 = "TopicName"
	TableName                 = "TableName"
	FunctionName              = "FunctionName"
	FaultParameterName        = "FaultParameterName"
	FailureCacheTTL           = "FailureCacheTTL"
	DashboardName             = "DashboardName"
	ExperimentStateMachineArn = "ExperimentStateMachineArn"
	Scenario                  = "Scenario"
)

// ErrMissing is wrapped by every error about an output that is needed but absent.
var ErrMissing = errors.New("missing stack output")

// Outputs holds one stack's outputs by id. Source names where they came
// from, for error messages; Stack is the stack's name in the file.
type Outputs struct {
	Source string
	Stack  string
	Values map[string]string
	// notStrings are the outputs whose value is a JSON number or boolean (a hand-edited file: cdk
	// deploy writes strings), by the JSON kind they are: Get refuses one, naming it.
	notStrings map[string]string
}

// Load reads an outputs file and picks its only stack (see Pick).
func Load(path string) (*Outputs, error) {
	return LoadStack(path, "")
}

// LoadStack reads an outputs file and picks the stack named name; "" picks the file's only stack.
func LoadStack(path, name string) (*Outputs, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) { // "open <path>: " again after the path; the errno is still fs.ErrNotExist
			err = pe.Err
		}
		return nil, fmt.Errorf("stack outputs %s: %w", path, err)
	}
	return ParseStack(path, b, name)
}

// Parse decodes the content of an outputs file and picks its only stack; source names it in errors.
func Parse(source string, b []byte) (*Outputs, error) {
	return ParseStack(source, b, "")
}

// ErrAmbiguous is wrapped by the error of a file holding several stacks when none was named.
var ErrAmbiguous = errors.New("several stacks")

// ParseStack decodes the content of an outputs file and picks the stack named name. With name
// "", a file of one stack gives that stack, whatever its name (a renamed stack still works);
// a file of several is ambiguous (ErrAmbiguous) and the error lists them. source names the file
// in errors.
func ParseStack(source string, b []byte, name string) (*Outputs, error) {
	stacks, names, err := parseStacks(source, b)
	if err != nil {
		return nil, err
	}
	var vals map[string]any
	switch {
	case name != "":
		v, ok := stacks[name]
		if !ok {
			return nil, fmt.Errorf("stack outputs %s: no stack %q (stacks in file: %s)", source, name, listOrNone(names))
		}
		vals = v
	case len(stacks) == 1:
		name, vals = names[0], stacks[names[0]]
	case len(stacks) == 0:
		return nil, fmt.Errorf("stack outputs %s: no stack in the file", source)
	default:
		return nil, fmt.Errorf("stack outputs %s: %w (%s): pick one with -stack", source, ErrAmbiguous, strings.Join(names, ", "))
	}
	return outputsOf(source, name, vals)
}

// parseStacks decodes an outputs file's content (from source): its stacks' outputs, and their names sorted.
func parseStacks(source string, b []byte) (map[string]map[string]any, []string, error) {
	var stacks map[string]map[string]any
	if err := json.Unmarshal(b, &stacks); err != nil {
		// Said in JSON's words, not Go's ("cannot unmarshal array into Go value of type map[string]...").
		var te *json.UnmarshalTypeError
		var top map[string]json.RawMessage
		switch {
		case json.Unmarshal(b, &top) == nil:
			var notObjects []string
			for _, k := range slices.Sorted(maps.Keys(top)) {
				if v := bytes.TrimSpace(top[k]); len(v) == 0 || v[0] != '{' {
					notObjects = append(notObjects, k)
				}
			}
			switch {
			case len(notObjects) == 0:
			case len(notObjects) == len(top):
				err = fmt.Errorf("%q is not an object of outputs (a file of one stack's outputs alone? cdk deploy --outputs-file writes {\"<stack>\": {\"BucketName\": ...}})", notObjects[0])
			default:
				err = fmt.Errorf("stack %q is not an object of outputs", notObjects[0])
			}
		case errors.As(err, &te):
			err = fmt.Errorf("the file is a JSON %s, where an object is wanted", te.Value)
		}
		return nil, nil, fmt.Errorf("stack outputs %s: not a `cdk deploy --outputs-file` JSON object of stacks, each an object of outputs: %w", source, err)
	}
	names := make([]string, 0, len(stacks))
	for n := range stacks {
		names = append(names, n)
	}
	sort.Strings(names)
	return stacks, names, nil
}

// outputsOf is the stack name's outputs vals, as read from source.
func outputsOf(source, name string, vals map[string]any) (*Outputs, error) {
	o := &Outputs{Source: source, Stack: name, Values: make(map[string]string, len(vals)), notStrings: map[string]string{}}
	for k, v := range vals {
		// A number or boolean is kept out of Values: a name read from a number ("Parameter 5 not
		// found") named neither the file nor the key. Outputs not read may be anything.
		switch v := v.(type) {
		case string:
			o.Values[k] = v
		case float64:
			o.notStrings[k] = "number"
		case bool:
			o.notStrings[k] = "boolean"
		default:
			return nil, fmt.Errorf("stack outputs %s: %s.%s: want a string, got %T", source, name, k, v)
		}
	}
	return o, nil
}

// ErrNoStack is wrapped by the error of LoadWhere when no stack of the file has the output.
var ErrNoStack = errors.New("no stack has the output")

// LoadWhere reads an outputs file and picks the stack whose output key is value (the stack of a
// given state machine, whatever the file holds besides it).
func LoadWhere(path, key, value string) (*Outputs, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("stack outputs %s: %w", path, err)
	}
	stacks, names, err := parseStacks(path, b)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if v, _ := stacks[n][key].(string); v == value {
			return outputsOf(path, n, stacks[n])
		}
	}
	return nil, fmt.Errorf("stack outputs %s: %w %s = %s (stacks in file: %s)", path, ErrNoStack, key, value, listOrNone(names))
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Get returns the output id's value, or an error naming the file and the key.
func (o *Outputs) Get(key string) (string, error) {
	if o != nil {
		if v := o.Values[key]; v != "" {
			return v, nil
		}
		if kind := o.notStrings[key]; kind != "" {
			return "", fmt.Errorf("stack outputs %s: %s.%s: want a string, got a JSON %s", o.Source, o.Stack, key, kind)
		}
	}
	src := "(no outputs file)"
	if o != nil {
		src = o.Source
		if o.Stack != "" {
			src += ", stack " + o.Stack
		}
	}
	return "", fmt.Errorf("%w %q in %s: pass it as a flag or deploy with `cdk deploy --outputs-file`", ErrMissing, key, src)
}

// Names binds per-output override flags and resolves them against the
// outputs file: a flag given on the command line wins, otherwise the
// file's value is used. The file is read only when a needed value was not
// given as a flag, so every name can be passed without any file.
type Names struct {
	// File is the outputs file (flag -outputs). Default: outputs.json.
	File string
	// Stack picks a stack of the file (flag -stack). Default: the file's only stack.
	Stack string
	flags map[string]*string
	// flagNames are the override flags' names by key, for errors.
	flagNames map[string]string
	// fileSet records whether -outputs was given explicitly.
	fileSet bool
	loaded  *Outputs
}

// Bind registers -outputs, -stack and one override flag per key on fs. The
// flag name of a key is given in flagNames (e.g. "bucket" for BucketName).
func Bind(fs *flag.FlagSet, flagNames map[string]string) *Names {
	n := &Names{flags: map[string]*string{}, flagNames: flagNames}
	fs.Func("outputs", "stack outputs `file` written by cdk deploy --outputs-file (default "+DefaultFile+")", func(s string) error {
		if s == "" {
			return errEmptyFlag
		}
		n.File, n.fileSet = s, true
		return nil
	})
	fs.StringVar(&n.Stack, "stack", "", "the `stack` of the outputs file to use, when it holds several (default: its only one)")
	keys := make([]string, 0, len(flagNames))
	for k := range flagNames {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		v := new(string)
		n.flags[key] = v
		// Given empty (an unset $VAR), it would silently fall back to the outputs file's stack.
		fs.Func(flagNames[key], "override the stack output "+key+" (default: from -outputs)", func(s string) error {
			if s == "" {
				return errEmptyFlag
			}
			*v = s
			return nil
		})
	}
	return n
}

// Given reports whether key's override flag was given.
func (n *Names) Given(key string) bool {
	return n.Flag(key) != ""
}

// Flag is the value key's override flag was given, or "".
func (n *Names) Flag(key string) string {
	if p, ok := n.flags[key]; ok {
		return *p
	}
	return ""
}

// SourceOf names where key's value comes from: its flag ("-fault-parameter") when given, else the
// outputs file and stack (Source).
func (n *Names) SourceOf(key string) string {
	if f := n.flagNames[key]; f != "" && n.Given(key) {
		return "-" + f
	}
	return n.Source()
}

// Elsewhere lists the override flags given ("-function-name") whose value is not the outputs
// file's: the command drives another stack's resource than the file's stack, so what only the
// file says of its stack (its Scenario, its function's FailureCacheTTL) is not the driven one's.
// A flag giving as an ARN the name the file gives agrees with it; one for an output the file
// lacks (an older stack's) says nothing either way. Sorted; empty when none was given.
func (n *Names) Elsewhere() []string {
	var out []string
	for k := range n.flags {
		if n.Differs(k) {
			out = append(out, "-"+n.flagNames[k])
		}
	}
	slices.Sort(out)
	return out
}

// Differs reports whether key's override flag was given a value that is not the outputs file's
// (Elsewhere's test for one key).
func (n *Names) Differs(key string) bool {
	p := n.flags[key]
	if p == nil || *p == "" {
		return false
	}
	v, err := n.InFile(key)
	return err != nil || v != "" && v != *p && !strings.HasSuffix(*p, ":"+v)
}

// Scenario is the stack's Scenario output, "" when the file has none or an override flag names
// another stack's resource (Elsewhere): a run driven so is not labelled with the file's stack.
func (n *Names) Scenario() string {
	if len(n.Elsewhere()) > 0 {
		return ""
	}
	s, _ := n.InFile(Scenario)
	return s
}

// Path is the outputs file the names are read from: -outputs, else DefaultFile.
func (n *Names) Path() string {
	if n.File == "" {
		return DefaultFile
	}
	return n.File
}

// Source names the outputs file and, once it has been read, the stack picked in it: where a value
// not given as a flag comes from, for messages.
func (n *Names) Source() string {
	src := n.Path()
	if n.loaded != nil && n.loaded.Stack != "" {
		return src + ", stack " + n.loaded.Stack
	}
	if n.Stack != "" {
		return src + ", stack " + n.Stack
	}
	return src
}

// errEmptyFlag refuses a name flag given an empty value.
var errEmptyFlag = errors.New("empty: give a value, or leave the flag out to take it from the stack outputs file")

// Resolve returns the value of every key, flags first, then the file. The
// error lists every key it could not resolve.
func (n *Names) Resolve(keys ...string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	var missing []string
	for _, k := range keys {
		if p := n.flags[k]; p != nil && *p != "" {
			out[k] = *p
			continue
		}
		missing = append(missing, k)
	}
	if len(missing) == 0 {
		return out, nil
	}
	o, err := n.outputs()
	if errors.Is(err, fs.ErrNotExist) {
		// What to do next: which file, and where the local cloud keeps its own.
		return nil, fmt.Errorf("%w (needed for %s): pass -outputs FILE, the file `cdk deploy --outputs-file` wrote (the local cloud's is %s, or <dir>/outputs.json for `local up -dir <dir>`: `local env` names it), or give each name with its flag (-h lists them)",
			err, strings.Join(missing, ", "), LocalCloudFile)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (needed for %s)", err, strings.Join(missing, ", "))
	}
	var errs []error
	for _, k := range missing {
		v, err := o.Get(k)
		if err != nil {
			if name := n.flagNames[k]; name != "" {
				err = fmt.Errorf("%w (the flag: -%s)", err, name)
			}
			errs = append(errs, err)
			continue
		}
		out[k] = v
	}
	return out, errors.Join(errs...)
}

// Optional returns a key's value from the flag or file, or "" when neither
// has it (a missing file is not an error when -outputs was not given).
func (n *Names) Optional(key string) (string, error) {
	if p := n.flags[key]; p != nil && *p != "" {
		return *p, nil
	}
	return n.InFile(key)
}

// InFile returns a key's value from the outputs file alone, whatever its flag
// says, or "" when the file does not have it (a missing file is not an error
// when -outputs was not given).
func (n *Names) InFile(key string) (string, error) {
	o, err := n.outputs()
	if err != nil {
		if !n.fileSet && errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "", err
	}
	return o.Values[key], nil
}

func (n *Names) outputs() (*Outputs, error) {
	if n.loaded != nil {
		return n.loaded, nil
	}
	path := n.Path()
	o, err := LoadStack(path, n.Stack)
	if errors.Is(err, os.ErrNotExist) && n.Stack != "" && !n.fileSet {
		// Not the missing file the callers may pass over (every name given as a flag): -stack names
		// a stack of the file, and was ignored.
		return nil, fmt.Errorf("-stack %s: no stack outputs file %s to pick it from (-outputs)", n.Stack, path)
	}
	if err != nil {
		return nil, err
	}
	n.loaded = o
	return o, nil
}

// NotString is the error of an output All leaves out because the file gives it as a number or
// boolean (a hand-edited file), naming the file, stack, key and the flag that gives the name
// instead; nil when the output is a string, absent, or given by its flag. A caller that finds a
// name missing from All's map asks it first: the output is there, but is no name.
func (n *Names) NotString(key string) error {
	if n.Given(key) {
		return nil
	}
	o, err := n.outputs()
	if err != nil || o.notStrings[key] == "" {
		return nil
	}
	_, err = o.Get(key)
	if f := n.flagNames[key]; f != "" {
		err = fmt.Errorf("%w (the flag: -%s)", err, f)
	}
	return err
}

// All returns every output of the file with the flags given on the command
// line laid over it. A missing default file is not an error (only flags
// then); a missing file given with -outputs is.
func (n *Names) All() (map[string]string, error) {
	out := map[string]string{}
	o, err := n.outputs()
	switch {
	case err == nil:
		for k, v := range o.Values {
			out[k] = v
		}
	case n.fileSet || !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	for k, p := range n.flags {
		if *p != "" {
			out[k] = *p
		}
	}
	// A blank output names nothing: absent, as Get takes it (a name left empty in a hand-edited
	// file is then reported missing, not sent to AWS as "").
	maps.DeleteFunc(out, func(_, v string) bool { return strings.TrimSpace(v) == "" })
	return out, nil
}
