package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/experiments/fis"
	"github.com/chaoslab/serverless-chaos-lab/functions/failure/faultconfig"
)

// loadExperiment reads ref as a file if one exists at that path, else as a
// shipped experiment's name (exp_1-minor_delay or exp_1-minor_delay.json). An error
// says which of the two ref was taken for and what is wrong with it.
func loadExperiment(ref string) (*experiments.Experiment, error) {
	shipped := strings.Join(experiments.ShortNames(), ", ")
	if ref == "" {
		return nil, fmt.Errorf("the experiment is an empty argument: give an experiment's JSON file or a shipped experiment's name (%s)", shipped)
	}
	st, err := os.Stat(ref)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("%s is a directory: give an experiment's JSON file or a shipped experiment's name (%s)", ref, shipped)
	case err == nil:
		// Read once: a pipe (<(...), /dev/stdin) gives its data once.
		b, err := os.ReadFile(ref)
		if err != nil {
			return nil, fmt.Errorf("load experiment: %w", err)
		}
		if fis.IsTemplate(b) {
			return nil, fmt.Errorf("%s is an AWS FIS experiment template (or a CloudFormation template holding one), not a Chaos Toolkit experiment: translate it into one first (chaoslab import-fis %s)", ref, ref)
		}
		return experiments.LoadData(ref, b)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("experiment file %s: %w", ref, err)
	case strings.ContainsAny(ref, `/\`):
		return nil, fmt.Errorf("no experiment file %s", ref)
	case !slices.Contains(experiments.Names(), strings.TrimSuffix(ref, ".json")+".json"):
		return nil, fmt.Errorf("%s: no such file here, nor a shipped experiment of that name (have %s)", ref, shipped)
	}
	return experiments.LoadDefinition(ref)
}

// flagDuration is a duration flag's name (with its dash) and value.
type flagDuration struct {
	flag string
	d    time.Duration
}

// maxFlagDuration bounds every duration flag: 366 days, as every duration of an experiment is
// bounded (the longest a fault may stay on).
const maxFlagDuration = 366 * 24 * time.Hour

// badDuration is the error naming the first of ds that is below zero or above maxFlagDuration, nil
// when none is (0 is each flag's default or "none", as its help says; a negative is never meant).
func badDuration(ds []flagDuration) error {
	for _, d := range ds {
		if d.d < 0 {
			return fmt.Errorf("%s %s: a duration must not be negative", d.flag, d.d)
		}
		if d.d > maxFlagDuration {
			return fmt.Errorf("%s %s: at most 366 days (%s)", d.flag, d.d, maxFlagDuration)
		}
	}
	return nil
}

// experimentName is the short name of ref, for execution and journal names.
func experimentName(ref string) string {
	return experiments.BaseName(ref)
}

// compileFlags are the flags compile and run share: where the stack's names
// come from and the duration overrides of experiments.CompileOptions.
type compileFlags struct {
	names         *stack.Names
	pause         time.Duration
	window        time.Duration
	recovery      time.Duration
	guardInterval time.Duration
	expiryMargin  time.Duration
	onset         time.Duration
	onsetSet      bool // -onset given on the command line
}

// outputFlags are the per-output overrides compile and run accept.
var outputFlags = map[string]string{
	stack.FaultParameterName:        "fault-parameter",
	stack.ExperimentStateMachineArn: "state-machine-arn",
	stack.TopicName:                 "topic-name",
	stack.JsonQueueName:             "json-queue-name",
	stack.CsvQueueName:              "csv-queue-name",
	stack.TableName:                 "table-name",
	stack.FunctionName:              "function-name",
}

func bindCompileFlags(fs *flag.FlagSet) *compileFlags {
	c := &compileFlags{names: stack.Bind(fs, outputFlags)}
	fs.DurationVar(&c.pause, "pause", 0, "override every method action's pause after the fault, e.g. 1m (0: the experiment's)")
	fs.DurationVar(&c.window, "window", 0, "override every probe's window, and so the observation before the fault (0: the experiment's)")
	fs.DurationVar(&c.recovery, "recovery", 0, "override the observation after the rollbacks (0: the observation before)")
	fs.DurationVar(&c.guardInterval, "guard-interval", 0, "override how often the guard's probes are checked during a pause (0: the experiment's, else 60s)")
	fs.DurationVar(&c.expiryMargin, "expiry-margin", 0, "override how long a fault may outlive the method's planned end (0: 120s)")
	c.onset = experiments.DefaultFaultOnset
	fs.Func("onset", fmt.Sprintf("how long a written fault takes to be in force, a `duration` (the function's FAILURE_CACHE_TTL; 0 for none): the first part of each pause; the probes' window after the fault starts at its end (default: the stack's output FailureCacheTTL, else %s)", experiments.DefaultFaultOnset), func(s string) error {
		d, err := time.ParseDuration(s)
		c.onset, c.onsetSet = d, true
		return err
	})
	return c
}

// onsetFromStack makes the stack's FailureCacheTTL output (the function's config cache: a written
// fault is in force in every sandbox after it) the onset, unless -onset was given: a stack of
// one's own with a TTL of 10 s judged its window after the fault from 5 s, when warm sandboxes
// had not read the fault yet. A stack without the output (synthesized before it) keeps the
// default; one that is not a duration is said and keeps it too.
func (c *compileFlags) onsetFromStack(ttl string, warn io.Writer) {
	if c.onsetSet || ttl == "" {
		return
	}
	d, err := faultconfig.ParseCacheTTL(ttl) // as the function reads its FAILURE_CACHE_TTL
	switch {
	case err != nil:
		fmt.Fprintf(warn, "chaoslab: the stack output FailureCacheTTL %q is not a duration: the fault's onset stays %s (-onset sets it)\n", ttl, c.onset)
	case d != c.onset:
		fmt.Fprintf(warn, "chaoslab: note: the fault's onset is %s, the stack's FailureCacheTTL (how long its function caches the fault config): the window after the fault starts once every sandbox has it (-onset sets another)\n", d)
		c.onset = d
	}
}

// compile loads, validates and compiles ref with the stack's names. The
// configuration's env entries come from the stack (its flags, then its outputs
// file) and, for what the stack does not name, from the process environment
// (Chaos Toolkit reads env entries from there). A variable the environment sets
// to another name than the stack's is not used, and warn says so: exported for
// the seed's Chaos Toolkit lab, it would point the probes at another stack's
// function than the one the fault goes into.
func (c *compileFlags) compile(ref string, warn io.Writer) (*experiments.Compiled, map[string]string, error) {
	if err := badDuration([]flagDuration{{"-pause", c.pause}, {"-window", c.window}, {"-recovery", c.recovery},
		{"-guard-interval", c.guardInterval}, {"-expiry-margin", c.expiryMargin}, {"-onset", c.onset}}); err != nil {
		return nil, nil, cli.Usagef("%w", err) // a wrong command line: its two lines
	}
	e, err := loadExperiment(ref)
	if err != nil {
		return nil, nil, err
	}
	outputs, err := c.names.All()
	if err != nil {
		return nil, nil, err
	}
	// The compiler reads the fault parameter's name (the machine may write it by that name too):
	// a number there was no name, silently.
	if err := c.names.NotString(stack.FaultParameterName); err != nil {
		return nil, nil, err
	}
	if c.names.Differs(stack.FunctionName) {
		// Another function than the file's stack's: its FailureCacheTTL is not the file's to say.
		if !c.onsetSet && outputs[stack.FailureCacheTTL] != "" {
			fmt.Fprintf(warn, "chaoslab: note: the fault's onset stays %s: -function-name names another function than the stack's, whose FailureCacheTTL the outputs give (-onset sets it to that function's)\n", c.onset)
		}
	} else {
		c.onsetFromStack(outputs[stack.FailureCacheTTL], warn)
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		// A blank variable of a stack output's name is unset (LAMBDA_FUNCTION_NAME= named the
		// function ""); any other is the experiment's to read, blank or not, as Chaos Toolkit reads it.
		if k, v, ok := strings.Cut(kv, "="); ok && (strings.TrimSpace(v) != "" || experiments.OutputOfEnv(k) == "") {
			env[k] = v
		}
	}
	fromStack := experiments.EnvFromOutputs(outputs)
	_, serr := os.Stat(stack.DefaultFile)
	noFile := c.names.File == "" && errors.Is(serr, fs.ErrNotExist) // the names were looked for in a file that is not here
	for _, k := range slices.Sorted(maps.Keys(fromStack)) {
		if v, set := env[k]; set && v != fromStack[k] {
			if output := experiments.OutputOfEnv(k); output != "" {
				fmt.Fprintf(warn, "chaoslab: %s=%s in the environment is not used: the stack's %s is %s (%s)\n",
					k, v, output, fromStack[k], c.names.SourceOf(output))
			}
		}
		env[k] = fromStack[k]
	}
	out, err := experiments.Compile(e, experiments.CompileOptions{
		FaultParameterName: outputs[stack.FaultParameterName],
		Env:                env,
		Missing: func(key string) string {
			output := experiments.OutputOfEnv(key)
			if output == "" {
				return ""
			}
			if err := c.names.NotString(output); err != nil {
				return err.Error() // there, but no name: not "missing or empty"
			}
			how := fmt.Sprintf("the stack output %s is missing or empty in %s, and the environment variable %s is not set", output, c.names.SourceOf(""), key)
			if noFile { // the error's first line says so: not "missing or empty in" a file that is not there
				how = fmt.Sprintf("the environment variable %s is not set, and there is no outputs file for the stack output %s", key, output)
			}
			if f, ok := outputFlags[output]; ok {
				how += " (the flag: -" + f + ")"
			}
			return how
		},
		Overrides: experiments.Overrides{
			Pause: c.pause, ProbeWindow: c.window, Recovery: c.recovery,
			GuardInterval: c.guardInterval, ExpiryMargin: c.expiryMargin, Onset: &c.onset,
		},
	})
	if err == nil {
		for _, n := range append(slices.Clone(out.Notes), otherStackNotes(out, outputs)...) {
			fmt.Fprintf(warn, "chaoslab: note: %s\n", n)
		}
	}
	if err == nil && len(out.Method) > 0 {
		// The steady state after is observed from method[0]'s onset to the method's end. An onset
		// (given or the default) that takes all of that time (the compiler clamps it to each pause)
		// leaves that window empty: the run would judge nothing of the fault.
		if out.OnsetTakesAll(c.onset) {
			onset := fmt.Sprintf("-onset %s", c.onset)
			if !c.onsetSet {
				onset = fmt.Sprintf("the fault's onset (-onset, default %s)", c.onset)
			}
			const why = "%s leaves no time to observe the fault: the steady state after is observed from the first fault's onset to the method's end, %s after its write; %s, or shorten -onset (a window that starts before every sandbox has the fault measures fault-free time too)"
			if c.pause == 0 && !c.onsetSet {
				// The file's pauses against the default onset: the experiment's matter, not the
				// command line's (no usage line).
				return nil, nil, fmt.Errorf(why, onset, out.FaultSpan(), "lengthen the method's pauses after its first write (pauses.after in the experiment file, or -pause here)")
			}
			return nil, nil, cli.Usagef(why, onset, out.FaultSpan(), "lengthen the pause (-pause)")
		}
	}
	if err != nil {
		if verr := experiments.Validate(e); verr != nil {
			return nil, nil, verr // invalid whatever the stack's names (exit 1): not the missing file's fault
		}
		if noFile {
			// Not an invalid experiment (exit 2, not 1): the stack's names were looked for in a
			// file that is not here.
			dir, _ := os.Getwd()
			return nil, nil, fmt.Errorf("no stack outputs file %s in %s, where the stack's names come from (write it with npx cdk deploy --outputs-file %s, or name one with -outputs, the local cloud's is %s, or <dir>/outputs.json for `local up -dir <dir>`: `local env` names it; or set each name with its flag or environment variable):\n%s",
				stack.DefaultFile, dir, stack.DefaultFile, stack.LocalCloudFile, err.Error())
		}
		return nil, nil, err
	}
	return out, outputs, nil
}

// stackDimensions are the CloudWatch dimensions that name one of the stack's resources, and the
// outputs that name them.
var stackDimensions = map[string][]string{
	"QueueName":    {stack.JsonQueueName, stack.CsvQueueName, stack.ErrorQueueName},
	"FunctionName": {stack.FunctionName},
	"TableName":    {stack.TableName},
	"TopicName":    {stack.TopicName},
}

// otherStackNotes names each probe's metric dimension that names a queue, function, table or topic
// that is not the stack's (a name written into a query file, where a ${var} of the stack's would
// follow it): the fault goes into this stack's function, and a probe of another stack's resource
// holds whatever the fault does. Notes, not problems: a probe may watch another resource on
// purpose. None without the stack's outputs.
func otherStackNotes(c *experiments.Compiled, outputs map[string]string) []string {
	var notes []string
	for _, p := range c.SteadyState.Probes {
		seen := map[string]bool{}
		for _, q := range p.MetricDataQueries {
			if q.MetricStat == nil {
				continue
			}
			for _, d := range q.MetricStat.Metric.Dimensions {
				keys, ok := stackDimensions[d.Name]
				if !ok || seen[d.Name+"="+d.Value] {
					continue
				}
				var ours []string
				for _, k := range keys {
					if v := outputs[k]; v != "" {
						ours = append(ours, v)
					}
				}
				if len(ours) == 0 || slices.Contains(ours, d.Value) {
					continue
				}
				seen[d.Name+"="+d.Value] = true
				notes = append(notes, fmt.Sprintf("probe %q (%s) reads %s %s=%s, which is not this stack's (%s): the fault goes into this stack's function, so a probe of another resource holds whatever it does; write ${...} of the stack's name there",
					p.Name, p.Source, q.MetricStat.Metric.Namespace, d.Name, d.Value, strings.Join(ours, ", ")))
			}
		}
	}
	return notes
}
