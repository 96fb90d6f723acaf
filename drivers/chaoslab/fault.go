package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
	"github.com/chaoslab/serverless-chaos-lab/internal/jsondup"
)

func init() {
	register(command{name: "fault", synopsis: "read or set the fault parameter by hand: fault status | enable MODE [attr=value ...] | off", run: (*Main).fault})
}

const faultUsage = `
chaoslab fault reads and writes the stack's fault parameter (FaultParameterName)
by hand, as failure-lambda's own CLI does for its parameter. Every value is
checked with the parser the function uses before it is written, and a fault
switched on here always switches itself off: enable writes expiresAfterSeconds
(-for, default 5m, at most 24h), so it cannot outlive its user.

  chaoslab fault status                            the parameter's value in words: which modes are on, how often, time left
  chaoslab fault enable MODE [attr=value ...] ...  switch modes on (failure-lambda 1.0 flags), replacing the value
  chaoslab fault enable -json CONFIG               write a whole config (0.x or 1.0, ours included), checked
  chaoslab fault off                               write {"isEnabled": false} (nothing to do when it is already off)

MODE is one of failure-lambda 1.0's flags; the attributes after it are that
flag's (percentage and match on every flag; default percentage 100):

  latency     min_latency=MS max_latency=MS
  timeout     timeout_buffer_ms=MS
  diskspace   disk_space=MB
  denylist    deny_list=REGEX (repeat it for several hosts)
  statuscode  status_code=CODE
  exception   exception_msg=TEXT
  corruption  body=TEXT
  every flag  percentage=0..100 match='{"path": "...", "operator": "eq|exists|startsWith|regex", "value": "..."}' (repeatable, or a JSON list)

Several modes in one command each start with their name. Our own extensions
(sdkerror faults, targets such as dynamodb:PutItem) are written with -json.

While an experiment of the stack's state machine holds the parameter, enable
refuses (the experiment would be judged under this fault, and its rollback
would end it; -alongside writes it anyway), and off goes ahead, saying whose
fault it ends.

Examples:
  chaoslab fault enable latency min_latency=3000 max_latency=5000 percentage=50 -for 2m
  chaoslab fault enable denylist deny_list='dynamodb\..*' percentage=50 statuscode status_code=503 percentage=10
  chaoslab fault enable -json '{"isEnabled": true, "faults": [{"mode": "sdkerror", "error": "throttling", "rate": 0.5, "targets": ["dynamodb:*"]}]}'
  chaoslab fault status
  chaoslab fault off

Exit 0 done, 2 on a bad command line or value (nothing is written then) or an
AWS error.

Usage:
  chaoslab fault <status|enable|off> [flags] [arguments]
`

// The expiry of a fault switched on by hand (-for).
const (
	// defaultFaultFor is -for's default: long enough to watch a dashboard react, short enough
	// that a forgotten fault is gone before the next coffee.
	defaultFaultFor = 5 * time.Minute
	// maxFaultFor bounds -for and a -json config's own expiry: a fault set by hand must not
	// survive its user's day.
	maxFaultFor = 24 * time.Hour
)

// bindParamAlias registers -param on fs, failure-lambda's CLI's spelling of -fault-parameter (a
// flag of names): usage says whose spelling it is. The check it returns, called once fs is parsed,
// refuses the two given different names (the last one won, and a rollback switched off the other
// parameter than the user may have meant).
func bindParamAlias(fs *flag.FlagSet, names *stack.Names, usage string) (agree func() error) {
	var param string // the last -param; the flag -fault-parameter holds it too, unless given after it
	conflict := func(other string) error {
		return fmt.Errorf("-param %s and -fault-parameter %s name two parameters: give one of them", param, other)
	}
	fs.Func("param", "same as -fault-parameter ("+usage+")", func(s string) error {
		// A -fault-parameter given before: the flag holds a value no -param set (-param twice is
		// refused, as any flag given twice).
		if v := names.Flag(stack.FaultParameterName); v != "" && v != param && v != s {
			param = s
			return conflict(v)
		}
		param = s
		return cli.SetAlias(fs, "fault-parameter", s) // not -fault-parameter given: that one may follow
	})
	return func() error {
		if v := names.Flag(stack.FaultParameterName); param != "" && v != param {
			return conflict(v)
		}
		return nil
	}
}

// faultSubcommands are chaoslab fault's subcommands, in the order the usage lists them.
var faultSubcommands = []string{"status", "enable", "off"}

// faultSynopsis is the command line in one line, for the errors of one that is not.
const faultSynopsis = "chaoslab fault <status|enable|off> [flags] [arguments]"

func (m *Main) fault(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab fault", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	names := stack.Bind(fs, map[string]string{stack.FaultParameterName: "fault-parameter"})
	paramsAgree := bindParamAlias(fs, names, "the spelling of failure-lambda's CLI")
	forDur := fs.Duration("for", defaultFaultFor, "enable: how long the fault stays on before it switches itself off (expiresAfterSeconds), at most 24h")
	rawJSON := fs.String("json", "", "enable: a whole fault config (failure-lambda 0.x or 1.0 format, with our extensions) instead of MODE and attributes")
	alongside := fs.Bool("alongside", false, "enable: write even while an experiment of the stack's state machine holds the parameter (its verdict would be judged under this fault, and its rollback would end it)")
	fs.Usage = usageFunc(fs, faultUsage)
	if len(args) == 0 {
		return cli.Argsf(fs, faultSynopsis, "chaoslab fault: want %s", strings.Join(faultSubcommands, ", "))
	}
	sub := args[0]
	switch sub {
	case "-h", "-help", "--help", "help":
		fs.Usage()
		return flag.ErrHelp
	}
	if !slices.Contains(faultSubcommands, sub) {
		if strings.HasPrefix(sub, "-") {
			return cli.Argsf(fs, faultSynopsis, "chaoslab fault: %s before the subcommand: write the subcommand first, then its flags (chaoslab fault <status|enable|off> %s ...)", sub, sub)
		}
		return cli.Argsf(fs, faultSynopsis, "chaoslab fault: unknown subcommand %q (want %s)", sub, strings.Join(faultSubcommands, ", "))
	}
	// Flags may follow the mode and its attributes (`enable latency min_latency=3000 -for 2m`).
	err := cli.Parse(fs, args[1:])
	pos := fs.Args()
	if err != nil {
		return err
	}
	if err := paramsAgree(); err != nil {
		return cli.Usagef("chaoslab fault: %w", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if sub != "enable" {
		for _, f := range []string{"for", "json", "alongside"} {
			if set[f] {
				return cli.Usagef("chaoslab fault %s: -%s is for enable only", sub, f)
			}
		}
		if len(pos) > 0 {
			return cli.Argsf(fs, faultSynopsis, "chaoslab fault %s: unexpected arguments %q", sub, pos)
		}
	}

	// Build and check the value before anything is read or written.
	var value string
	if sub == "enable" {
		var written faultconfig.Config
		if value, written, err = enableValue(pos, *rawJSON, *forDur, set["for"], time.Now()); err != nil {
			// "(nothing written)" before the error: after it, it read as part of a value's last problem.
			return cli.Usagef("chaoslab fault enable (nothing written): %w", err)
		}
		for _, n := range written.SQSNotes() {
			fmt.Fprintf(m.Stderr, "chaoslab fault enable: note: %s\n", n)
		}
	}

	res, err := names.Resolve(stack.FaultParameterName)
	if err != nil {
		return cli.Usagef("chaoslab fault: %w", err)
	}
	name := res[stack.FaultParameterName]
	cfg, err := m.awsConfig(ctx)
	if err != nil {
		return err
	}
	// An experiment holding the parameter: enable refuses (the experiment's verdict would be judged
	// under this fault, and its rollback would end it), fail-closed: a check that cannot be made
	// refuses too, and -alongside skips it. Off goes ahead whatever the check says, it is the way
	// out, and says what it ends or that it could not tell.
	if sub == "off" || sub == "enable" && !*alongside {
		err := experimentHolding(ctx, cfg, names, name)
		var busy *runner.BusyError
		switch {
		case err == nil:
		case sub == "off":
			sayWhatOffEnds(m.Stderr, "chaoslab fault off", err)
		case errors.As(err, &busy):
			return cli.Usagef("chaoslab fault enable: %w (nothing written)", err)
		default:
			return fmt.Errorf("chaoslab fault enable: %w (nothing written; -alongside writes without the check)", err)
		}
	}
	client := ssm.NewFromConfig(cfg)
	// Read first, every time: a parameter that does not exist is a wrong name (the stack creates
	// it), and writing would create a parameter no function reads.
	cur, err := runner.ReadFault(ctx, client, name)
	if err != nil {
		return fmt.Errorf("chaoslab fault %s: %w%s", sub, err, nameFrom(err, names, stack.FaultParameterName))
	}
	switch sub {
	case "status":
		printFault(m.Stdout, cur, time.Now())
		return nil
	case "off":
		if cur.Value == runner.FaultOff {
			fmt.Fprintf(m.Stdout, "already off: nothing written\n")
			printFault(m.Stdout, cur, time.Now())
			return nil
		}
		if _, err := runner.SwitchOff(ctx, client, name); err != nil {
			return fmt.Errorf("chaoslab fault off: %w", err)
		}
	case "enable":
		if _, err := runner.WriteFault(ctx, client, name, value); err != nil {
			return fmt.Errorf("chaoslab fault enable: %w", err)
		}
	}
	if cur.On(time.Now()) {
		fmt.Fprintf(m.Stdout, "was on (version %d): %s\n", cur.Version, cur.Value)
	}
	now, err := runner.ReadFault(ctx, client, name)
	if err != nil {
		return fmt.Errorf("chaoslab fault %s: written, but reading it back: %w", sub, err)
	}
	printFault(m.Stdout, now, time.Now())
	return nil
}

// experimentHolding returns a *runner.BusyError when an experiment of the stack's state machine
// holds param; nil when none does, when param is not the stack's fault parameter (one given by
// -fault-parameter that the outputs do not name: the stack's machine does not write it), when the
// outputs name no state machine or one that does not exist (nothing runs on it); another error
// when the executions cannot be read.
func experimentHolding(ctx context.Context, cfg aws.Config, names *stack.Names, param string) error {
	own, err := names.InFile(stack.FaultParameterName)
	if err != nil || own != param {
		return nil
	}
	machine, err := names.Optional(stack.ExperimentStateMachineArn)
	if err != nil || machine == "" {
		return nil
	}
	err = (&runner.Runner{SFN: sfn.NewFromConfig(cfg)}).Busy(ctx, machine)
	var missing *sfntypes.StateMachineDoesNotExist
	if errors.As(err, &missing) {
		return nil
	}
	return err
}

// sayWhatOffEnds is what a switch-off by hand (fault off, rollback) says when experimentHolding
// answered err: it goes ahead, it is the way out, and says whose fault it ends, or that it could
// not tell.
func sayWhatOffEnds(w io.Writer, cmd string, err error) {
	var busy *runner.BusyError
	switch {
	case errors.As(err, &busy):
		fmt.Fprintf(w, "%s: switching off the fault of %s, which holds the parameter: its verdict is judged without it from now on\n", cmd, busy.Execution)
	case err != nil:
		fmt.Fprintf(w, "%s: could not tell whether an experiment holds the parameter (%v); switching it off all the same\n", cmd, err)
	}
}

// enableValue is the value chaoslab fault enable writes, and that value as the function parses it
// (enableJSON's, read once more as it will be written: the function reads exactly this).
func enableValue(args []string, rawJSON string, forDur time.Duration, forSet bool, now time.Time) (string, faultconfig.Config, error) {
	b, err := enableJSON(args, rawJSON, forDur, forSet, now)
	if err != nil {
		return "", faultconfig.Config{}, err
	}
	written, err := faultconfig.Parse(b)
	if err != nil {
		return "", faultconfig.Config{}, err
	}
	return string(b), written, nil
}

// enableJSON is the value chaoslab fault enable writes: a failure-lambda 1.0 config from the MODE
// [attr=value ...] groups of args, or the config rawJSON; either way with an expiry of at most
// maxFaultFor, checked with faultconfig.Parse, and enabling some fault. forSet says -for was given
// on the command line.
func enableJSON(args []string, rawJSON string, forDur time.Duration, forSet bool, now time.Time) ([]byte, error) {
	if forDur <= 0 || forDur > maxFaultFor {
		return nil, fmt.Errorf("-for %s: want more than 0 and at most %s", forDur, maxFaultFor)
	}
	var cfg map[string]any
	switch {
	case rawJSON != "" && len(args) > 0:
		return nil, fmt.Errorf("give MODE and attributes, or -json, not both (got -json and %q)", args)
	case rawJSON != "":
		dec := json.NewDecoder(strings.NewReader(rawJSON))
		dec.UseNumber()
		if err := dec.Decode(&cfg); err != nil || cfg == nil || dec.More() {
			return nil, fmt.Errorf("-json: want one JSON object, a fault config, got %q", clipArg(rawJSON))
		}
		// A key given twice is read as its last value: refused, as in experiment files (the first
		// may be the one meant: "isEnabled": true, "isEnabled": false enabled nothing).
		if twice, _ := jsondup.Find([]byte(rawJSON)); len(twice) > 0 {
			return nil, fmt.Errorf("-json: %q is given twice: give each key once", twice[0].At())
		}
	case len(args) == 0:
		return nil, fmt.Errorf("enable what? give a MODE (%s) and its attributes, or -json CONFIG", modeList())
	default:
		var err error
		if cfg, err = flagConfig(args); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	parsed, err := faultconfig.Parse(b)
	if err != nil {
		return nil, err
	}
	if !parsed.Enabled {
		return nil, errors.New("the config enables no fault: to switch the fault off, use `chaoslab fault off`")
	}
	if !parsed.ExpiresAt.IsZero() || parsed.ExpiresAfter > 0 {
		// The config brought its own expiry (-json): keep it, within the same bound.
		if forSet {
			return nil, errors.New("the config has its own expiry (expiresAt or expiresAfterSeconds): leave out -for, or leave out the expiry")
		}
		left := parsed.ExpiresAtFor(now, now).Sub(now)
		if left <= 0 {
			return nil, fmt.Errorf("expiresAt %s is past: the fault would be off", parsed.ExpiresAt.Format(time.RFC3339))
		}
		if left > maxFaultFor {
			return nil, fmt.Errorf("the config's expiry is %s away: a fault set by hand may stay on at most %s", left.Round(time.Second), maxFaultFor)
		}
	} else {
		cfg["expiresAfterSeconds"] = int(math.Ceil(forDur.Seconds()))
		if b, err = json.Marshal(cfg); err != nil {
			return nil, err
		}
	}
	// A latency of 0 ms is a valid config (1.0's latencies default to 0) but delays nothing: enabled
	// by hand it is a mistake, as an enabled denylist without a deny_list is.
	for _, f := range parsed.Faults {
		if f.Mode == faultconfig.ModeLatency && f.MaxLatency == 0 {
			return nil, errors.New("latency: min_latency and max_latency are 0 ms, which delays nothing: give min_latency=MS (and max_latency=MS for a range)")
		}
	}
	return b, nil
}

// Attribute kinds of failure-lambda 1.0's flags (README "Flag Attributes"): every other attribute
// is text. The parser judges every value; these only decide how the command line's text becomes
// JSON. An unknown attribute is passed on as text, for the parser to name.
var (
	numberAttrs = []string{"percentage", "min_latency", "max_latency", "timeout_buffer_ms", "disk_space", "status_code"}
	listAttrs   = []string{"deny_list", "match"}
)

// flagConfig builds a failure-lambda 1.0 config from MODE [attr=value ...] groups: each MODE
// starts an enabled flag, and the attributes after it are that flag's.
func flagConfig(args []string) (map[string]any, error) {
	cfg := map[string]any{}
	var fl map[string]any
	var mode string
	for _, a := range args {
		k, v, isAttr := strings.Cut(a, "=")
		if !isAttr {
			if !slices.Contains(faultconfig.FlagOrder, faultconfig.Mode(a)) {
				if fl != nil && (slices.Contains(numberAttrs, a) || slices.Contains(listAttrs, a) || a == "exception_msg" || a == "body") {
					return nil, fmt.Errorf("%s.%s: an attribute takes a value: %s=VALUE", mode, a, a)
				}
				return nil, fmt.Errorf("unknown mode %q (failure-lambda 1.0's: %s; ours, such as sdkerror, with -json)", a, modeList())
			}
			if _, dup := cfg[a]; dup {
				return nil, fmt.Errorf("mode %s given twice", a)
			}
			mode, fl = a, map[string]any{"enabled": true}
			cfg[a] = fl
			continue
		}
		at := mode + "." + k
		switch {
		case fl == nil:
			return nil, fmt.Errorf("attribute %q comes before any mode: write the mode first, e.g. latency %s", a, a)
		case k == "enabled":
			return nil, fmt.Errorf("%s: enable sets it (chaoslab fault off switches every mode off)", at)
		case k == "expiresAt" || k == "expiresAfterSeconds":
			return nil, fmt.Errorf("%s: the expiry is -for's (or the -json config's)", at)
		case slices.Contains(listAttrs, k):
			items, err := listItems(k, v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			prev, _ := fl[k].([]any)
			fl[k] = append(prev, items...)
			continue
		}
		if _, dup := fl[k]; dup {
			return nil, fmt.Errorf("%s given twice", at)
		}
		fl[k] = v
		if slices.Contains(numberAttrs, k) {
			if n := json.Number(v); json.Valid([]byte(v)) && isNumber(n) {
				fl[k] = n
			}
		}
	}
	return cfg, nil
}

// listItems reads one occurrence of a list attribute: a JSON list (its items) or, for match, a
// JSON object (one condition); else, for deny_list, one pattern.
func listItems(k, v string) ([]any, error) {
	t := strings.TrimSpace(v)
	if strings.HasPrefix(t, "[") || (k == "match" && strings.HasPrefix(t, "{")) {
		dec := json.NewDecoder(strings.NewReader(t))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return nil, fmt.Errorf("bad JSON %q: %v", clipArg(v), err)
		}
		if list, ok := x.([]any); ok {
			return list, nil
		}
		return []any{x}, nil
	}
	if k == "match" {
		return nil, fmt.Errorf(`want a condition as JSON, e.g. match='{"path": "body.Records.0.s3.object.key", "operator": "startsWith", "value": "input/"}', got %q`, clipArg(v))
	}
	return []any{v}, nil
}

func isNumber(n json.Number) bool {
	_, err := n.Float64()
	return err == nil
}

func modeList() string {
	s := make([]string, len(faultconfig.FlagOrder))
	for i, m := range faultconfig.FlagOrder {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

func clipArg(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// printFault prints the parameter: its name and version, its value, whether the function injects
// from it at now and for how long, and each fault in words.
func printFault(w io.Writer, f *runner.Fault, now time.Time) {
	var value bytes.Buffer
	if json.Compact(&value, []byte(f.Value)) != nil {
		value.Reset()
		value.WriteString(f.Value)
	}
	fmt.Fprintf(w, "parameter: %s (version %d, written %s)\n", f.Name, f.Version, f.LastModified.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "value:     %s\n", value.String())
	exp := f.ExpiresAt(now)
	switch {
	case f.Invalid != nil:
		// A value's several problems, a line each, under the value column.
		fmt.Fprintf(w, "state:     off: not a valid fault config, so the function injects nothing: %s\n", strings.ReplaceAll(f.Invalid.Error(), "\n", "\n           "))
		return
	case !f.Config.Enabled:
		fmt.Fprintln(w, "state:     off")
		return
	case !exp.IsZero() && !now.Before(exp):
		fmt.Fprintf(w, "state:     off: expired %s ago (at %s); the value still lists:\n", now.Sub(exp).Round(time.Second), exp.UTC().Format(time.RFC3339))
	case exp.IsZero():
		fmt.Fprintf(w, "state:     on, with no expiry: it stays on until switched off (chaoslab fault off); failure-lambda %s format:\n", f.Config.Format)
	default:
		fmt.Fprintf(w, "state:     on, %s left (it switches itself off at %s); failure-lambda %s format:\n",
			exp.Sub(now).Round(time.Second), exp.UTC().Format(time.RFC3339), f.Config.Format)
	}
	for _, line := range f.Config.Describe() {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// nameFrom is, for an error saying a parameter does not exist, where its name came from and what
// to check; "" for another error.
func nameFrom(err error, names *stack.Names, key string) string {
	if !errors.Is(err, runner.ErrNoParameter) {
		return ""
	}
	return fmt.Sprintf(" (the name is from %s: is the stack deployed, and is it this one?)", names.SourceOf(key))
}
