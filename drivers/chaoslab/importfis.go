package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/experiments/fis"
	"github.com/chaoslab/serverless-chaos-lab/internal/atomicfile"
)

func init() {
	register(command{name: "import-fis", synopsis: "translate an AWS FIS experiment template into an experiment file", run: (*Main).importFIS, plainSignals: true})
}

const importFISUsage = `
chaoslab import-fis translates an AWS Fault Injection Service experiment
template (the CreateExperimentTemplate JSON, what aws fis
get-experiment-template prints, or a CloudFormation template's
AWS::FIS::ExperimentTemplate; JSON or YAML) into an experiment of ours for the stack's
function (FunctionName from -outputs, or -function-name). FIS's Lambda actions
(invocation-add-delay, invocation-error, invocation-http-integration-response)
become failure-lambda 1.0 flags written to the fault parameter on FIS's
schedule (startAfter); aws:fis:wait only delays what starts after it; the
rollback switches every fault off.

The stop conditions' CloudWatch alarms are read with DescribeAlarms, from AWS
or from the local cloud (AWS_ENDPOINT_URL); -alarms reads a saved answer of
aws cloudwatch describe-alarms instead. Each alarm becomes a steady-state probe
over its own metric and threshold, and the guard checks them all during every
pause (a breach of any ends it, as FIS stops on any alarm).
The probe judges one value over its whole window where the alarm judges each
period, so only alarms it judges at least as strictly are translated: Sum,
SampleCount or Maximum compared with GreaterThan(OrEqualTo)Threshold, Minimum
with LessThan(OrEqualTo)Threshold, no metric math. Others (an Average, a
percentile, a ratio) are reported, as is a stop condition whose alarm does not
exist. A template without an
alarm stop condition (source "none") has nothing to judge a run by: -hypothesis
is then required, and borrows the steady-state hypothesis of a shipped
experiment (chaoslab list) or of an experiment file.

Whatever cannot be translated is printed to stderr as "path: reason", one per
line (the path is the template's JSON path), and nothing is written. Otherwise
the experiment is written to -o: by default fis-<template id>.json (the id of
get-experiment-template's output), or fis-<template file's name>.json for a
template without an id, in the current directory; "-o -" writes to stdout. An
existing file is replaced only with -force. A CloudFormation template holding
several FIS templates imports one at a time: -resource <logical id>, written
to fis-<logical id>.json by default. The experiment stands alone (the
borrowed hypothesis's file:// queries are written inline), passes chaoslab
validate, and runs with chaoslab run.

Exit 0 written; 1 something is not translated (nothing written); 2 bad command
line, a file that is not a template, or an AWS error.

Usage:
  chaoslab import-fis [flags] <template.json|.yaml>

Example:
  aws fis get-experiment-template --id EXT4Bq9wVd2Lm8ReZ > template.json
  chaoslab import-fis -outputs outputs.json template.json
  chaoslab run fis-EXT4Bq9wVd2Lm8ReZ.json
`

func (m *Main) importFIS(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab import-fis", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	names := stack.Bind(fs, map[string]string{stack.FunctionName: "function-name"})
	out := fs.String("o", "", "write the experiment to this `file` (default fis-<template id>.json, else fis-<template file name>.json; - for stdout)")
	force := fs.Bool("force", false, "replace the -o file if it exists")
	hypothesis := fs.String("hypothesis", "", "borrow the steady-state hypothesis (and configuration) of this `experiment`, a shipped name or a file; required when the template has no alarm stop condition")
	alarmsFile := fs.String("alarms", "", "read the stop conditions' alarms from this `file` (aws cloudwatch describe-alarms output) instead of asking CloudWatch")
	resource := fs.String("resource", "", "import the AWS::FIS::ExperimentTemplate of this logical `id` from a CloudFormation template that holds several (default fis-<id>.json)")
	tags := map[string]string{}
	fs.Func("function-tag", "a tag `key=value` of the stack's function, for targets that select by resourceTags (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return fmt.Errorf("want key=value, got %q", s)
		}
		tags[k] = v
		return nil
	})
	fs.Usage = usageFunc(fs, importFISUsage)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Argsf(fs, "chaoslab import-fis [flags] <template.json|.yaml>", "chaoslab import-fis: want one template, got %d arguments", fs.NArg())
	}
	src := fs.Arg(0)
	tpl, err := os.ReadFile(src)
	if err != nil {
		return cli.Usagef("chaoslab import-fis: %w", err)
	}
	if tpl, err = fis.JSON(tpl); err != nil { // a YAML template: read once, as its JSON
		return cli.Usagef("chaoslab import-fis: %s: %w", src, err)
	}
	if *resource != "" {
		if tpl, err = fis.Resource(tpl, *resource); err != nil {
			return cli.Usagef("chaoslab import-fis: -resource %s: %s: %w", *resource, src, err)
		}
	}
	alarmNames, err := fis.AlarmNames(tpl)
	if err != nil {
		return cli.Usagef("chaoslab import-fis: %s: %w", src, err)
	}
	if from := fis.Form(tpl); from != "" {
		if *resource != "" {
			from = "the CloudFormation template's resource " + *resource
		}
		fmt.Fprintf(m.Stderr, "chaoslab import-fis: %s: reading %s, its members in the API's spelling (Actions, ActionId: actions, actionId)\n", src, from)
	}
	dest := *out
	if dest == "" {
		dest = defaultImportName(tpl, src, *resource)
	}
	if dest != "-" {
		if st, err := os.Stat(dest); err == nil {
			// No input is written over, -force or not: the template, the saved alarms, the
			// experiment whose hypothesis is borrowed (a file; a shipped name is not one here).
			for _, in := range []struct{ path, what string }{{src, "the template itself"}, {*alarmsFile, "-alarms, an input"}, {*hypothesis, "-hypothesis, an input"}} {
				if inSt, err := os.Stat(in.path); in.path != "" && err == nil && os.SameFile(st, inSt) {
					return cli.Usagef("chaoslab import-fis: -o %s is %s", dest, in.what)
				}
			}
			if !st.IsDir() && !*force { // a directory is writableFile's to refuse
				return cli.Usagef("chaoslab import-fis: %s exists: pass -force to replace it, or -o another file", dest)
			}
		}
		if err := cli.WritableFile(dest); err != nil {
			if *out == "" {
				return cli.Usagef("chaoslab import-fis: the experiment goes in the working directory as %s (or -o): %v", dest, err)
			}
			return cli.Usagef("chaoslab import-fis: -o %s: %v", dest, err)
		}
	}
	res, err := names.Resolve(stack.FunctionName)
	if err != nil {
		return cli.Usagef("chaoslab import-fis: %w", err)
	}
	opts := fis.Options{FunctionName: res[stack.FunctionName], Name: filepath.Base(dest)}
	if dest == "-" {
		opts.Name = defaultImportName(tpl, src, *resource)
	}
	if len(tags) > 0 {
		opts.FunctionTags = tags
	}
	if *hypothesis != "" {
		if opts.Hypothesis, err = loadExperiment(*hypothesis); err != nil {
			return cli.Usagef("chaoslab import-fis: -hypothesis: %w", err)
		}
		// Checked whole, as chaoslab validate would: a key it does not know would be dropped from
		// the experiment written (unknown keys are the compiler's problems, not Parse's).
		if err := experiments.Validate(opts.Hypothesis); err != nil {
			return cli.Exit(ExitDeviated, fmt.Errorf("chaoslab import-fis: -hypothesis %s is not a valid experiment: %w", *hypothesis, err))
		}
	}

	var problems []fis.Problem
	if len(alarmNames) > 0 {
		if opts.Alarms, err = m.readAlarms(ctx, *alarmsFile, alarmNames); err != nil {
			// The rest of the template is worth knowing before the alarms can be read (a template
			// whose actions the lab cannot translate needs no alarm): translated without them,
			// the problems of its stop conditions left out (each names an alarm not read).
			if _, others, terr := fis.Translate(tpl, opts); terr == nil {
				others = slices.DeleteFunc(others, func(p fis.Problem) bool {
					return strings.HasPrefix(p.Path, "stopConditions") || strings.HasPrefix(p.Path, "(translated experiment)")
				})
				for _, p := range others {
					fmt.Fprintf(m.Stderr, "%s: %s\n", p.Path, p.Reason)
				}
				if len(others) > 0 {
					return fmt.Errorf("chaoslab import-fis: %w; and %d other part(s) of %s not translated (above), whatever the alarms", err, len(others), src)
				}
			}
			return fmt.Errorf("chaoslab import-fis: %w", err)
		}
		// The stop conditions whose alarm is missing, said once, as CheckAlarms says it;
		// Translate's own problem at the same path is the same news.
		where := "(DescribeAlarms did not return it)"
		if *alarmsFile != "" { // read from the file, not asked of CloudWatch
			where = "in -alarms " + *alarmsFile + " (a saved aws cloudwatch describe-alarms answer)"
		}
		if problems, err = fis.CheckAlarms(tpl, opts.Alarms, where); err != nil {
			return cli.Usagef("chaoslab import-fis: %s: %w", src, err)
		}
	}
	e, tps, err := fis.Translate(tpl, opts)
	if err != nil {
		return cli.Usagef("chaoslab import-fis: %s: %w", src, err)
	}
	for _, p := range tps {
		if !slices.ContainsFunc(problems, func(q fis.Problem) bool { return q.Path == p.Path && strings.Contains(p.Reason, "does not exist") }) {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		// The stopConditions problem (no alarm stop condition) says what to pass; it is told once.
		for _, p := range problems {
			fmt.Fprintf(m.Stderr, "%s: %s\n", p.Path, p.Reason)
		}
		return cli.Exit(ExitDeviated, fmt.Errorf("chaoslab import-fis: %s: %d part(s) not translated: nothing written", src, len(problems)))
	}

	if err := experiments.InlineFiles(e); err != nil {
		return fmt.Errorf("chaoslab import-fis: -hypothesis %s: %w", *hypothesis, err)
	}
	b, err := experiments.MarshalFile(e)
	if err != nil {
		return fmt.Errorf("chaoslab import-fis: %w", err)
	}
	// What is written is what chaoslab validate and run will read: check it alone, without the
	// borrowed experiment's directory.
	var plan *experiments.Compiled
	back, err := experiments.Parse(b, opts.Name, experiments.NoFiles, ".")
	if err == nil {
		plan, err = experiments.Plan(back)
	}
	if err != nil {
		return fmt.Errorf("chaoslab import-fis: the written experiment would not validate (a bug: please report it): %w", err)
	}
	if dest == "-" {
		_, err := m.Stdout.Write(b)
		return err
	}
	if err := atomicfile.WriteFile(dest, b, 0o644); err != nil {
		return fmt.Errorf("chaoslab import-fis: %w", err)
	}
	printImported(m.Stdout, dest, e, plan.Guard)
	return nil
}

// defaultImportName is the file an imported template is written to without -o: fis-<id>.json
// for a template with an id (get-experiment-template's output), else fis-<template's file
// name>.json, so that importing add-delay.json writes fis-add-delay.json.
func defaultImportName(tpl []byte, src, resource string) string {
	if resource != "" && !strings.ContainsAny(resource, `/\`) {
		return "fis-" + resource + ".json" // a CloudFormation logical id: letters and digits
	}
	var t struct {
		ID      string `json:"id"`
		Wrapped *struct {
			ID string `json:"id"`
		} `json:"experimentTemplate"`
	}
	_ = json.Unmarshal(tpl, &t)
	id := t.ID
	if t.Wrapped != nil {
		id = t.Wrapped.ID
	}
	if id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		id = strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
	}
	return "fis-" + id + ".json"
}

// readAlarms returns the named alarms: from file (a saved DescribeAlarms answer) or from
// CloudWatch, metric and composite alarms both (a composite one is then a problem that says so,
// not a missing alarm).
func (m *Main) readAlarms(ctx context.Context, file string, names []string) ([]fis.Alarm, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, cli.Usagef("-alarms: %w", err)
		}
		as, err := fis.ParseAlarms(b)
		if err != nil {
			return nil, cli.Usagef("-alarms %s: %w", file, err)
		}
		return as, nil
	}
	cfg, err := m.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	all := &cloudwatch.DescribeAlarmsOutput{}
	// DescribeAlarms takes at most 100 names; FIS allows far fewer stop conditions.
	for chunk := range slices.Chunk(names, 100) {
		p := cloudwatch.NewDescribeAlarmsPaginator(cloudwatch.NewFromConfig(cfg), &cloudwatch.DescribeAlarmsInput{
			AlarmNames: chunk, AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("read the stop conditions' alarms (DescribeAlarms %s): %w", strings.Join(chunk, ", "), err)
			}
			all.MetricAlarms = append(all.MetricAlarms, page.MetricAlarms...)
			all.CompositeAlarms = append(all.CompositeAlarms, page.CompositeAlarms...)
		}
	}
	b, err := json.Marshal(all)
	if err != nil {
		return nil, err
	}
	return fis.ParseAlarms(b)
}

// printImported says what was written and what it does; guard is its compiled guard (Plan's).
func printImported(w io.Writer, dest string, e *experiments.Experiment, guard experiments.CompiledGuard) {
	fmt.Fprintf(w, "wrote %s: %s\n", dest, e.Title)
	var probes []string
	for _, p := range e.SteadyState.Probes {
		probes = append(probes, p.Name)
	}
	fmt.Fprintf(w, "  hypothesis: %s\n", strings.Join(probes, ", "))
	if guard.Enabled {
		var names []string
		for _, p := range guard.Probes {
			names = append(names, p.Name)
		}
		fmt.Fprintf(w, "  guard:      %s, checked during every pause\n", strings.Join(names, ", "))
	}
	for _, a := range e.Method {
		pause := ""
		if a.Pauses != nil && a.Pauses.After.N > 0 {
			pause = fmt.Sprintf(", then %gs", a.Pauses.After.N)
		}
		fmt.Fprintf(w, "  method:     %s%s\n", a.Name, pause)
	}
	for _, a := range e.Rollbacks {
		fmt.Fprintf(w, "  rollback:   %s\n", a.Name)
	}
	fmt.Fprintf(w, "next: chaoslab validate %s; chaoslab run %s\n", dest, dest)
}
