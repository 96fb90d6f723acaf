package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

func init() {
	register(command{name: "validate", synopsis: "check experiment files (or shipped names) without running them", run: (*Main).validate, plainSignals: true})
}

func (m *Main) validate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab validate", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = usageFunc(fs, `
chaoslab validate checks each experiment: its JSON, every probe, action and
tolerance it would translate, with the JSON path and reason of each problem:
every unknown key and every value of the wrong type. Every experiment given is
checked. Environment values (${var} from env) are not needed. A valid
experiment that chaoslab run would refuse with its default onset (a method
that does not pause long enough after the fault's write to observe it) gets
a note on stderr. Exit 0 when all are valid, 1 when one is not, 2 when a file
cannot be read.

Usage:
  chaoslab validate <file|name>...
`)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return cli.Argsf(fs, "chaoslab validate <file|name>...", "chaoslab validate: no experiment given")
	}
	// Every experiment is checked, whatever is wrong with the ones before it.
	invalid, unread := 0, 0
	for _, ref := range fs.Args() {
		e, err := loadExperiment(ref)
		var plan *experiments.Compiled
		if err == nil {
			plan, err = experiments.Plan(e)
		}
		var xe *experiments.Error
		switch {
		case err == nil:
			fmt.Fprintf(m.Stdout, "ok      %s: %s\n", ref, e.Title)
			for _, n := range plan.Notes {
				fmt.Fprintf(m.Stderr, "chaoslab validate: note: %s: %s\n", ref, n)
			}
			// Valid, but run with the default onset would observe nothing of the fault (run
			// refuses it then): said here, before a run. With -onset 0 it runs.
			switch span := plan.FaultSpan(); {
			case pausesFromEnvironment(e):
				// A ${var} pause from the environment is unknown here (validate reads none): no
				// note. One of the configuration's literal values is known, and judged.
			case len(plan.Method) > 0 && span == 0:
				fmt.Fprintf(m.Stderr, "chaoslab validate: note: %s: the method does not pause after its first write: chaoslab run would observe nothing of the fault and refuses it; give the action pauses.after (the seed's lab paused 300 s)\n", ref)
			case plan.OnsetTakesAll(experiments.DefaultFaultOnset):
				fmt.Fprintf(m.Stderr, "chaoslab validate: note: %s: the method's pauses after its first write (%s) are no longer than the fault's default onset (%s): chaoslab run would observe nothing of the fault and refuses it; lengthen the pauses (pauses.after), or run with -onset 0\n",
					ref, span, experiments.DefaultFaultOnset)
			}
		case errors.As(err, &xe):
			invalid++
			fmt.Fprintf(m.Stdout, "invalid %s\n", err)
		default:
			unread++
			fmt.Fprintf(m.Stderr, "chaoslab validate: %v\n", err)
		}
	}
	switch {
	case unread > 0 && invalid > 0:
		return fmt.Errorf("chaoslab validate: of %d experiments, %d cannot be read, %d invalid", fs.NArg(), unread, invalid)
	case unread > 0:
		return fmt.Errorf("chaoslab validate: %d of %d experiments cannot be read", unread, fs.NArg())
	case invalid > 0:
		return cli.Exit(ExitDeviated, fmt.Errorf("chaoslab validate: %d of %d experiments invalid", invalid, fs.NArg()))
	}
	return nil
}

// pausesFromEnvironment reports whether a method action's pause is a ${var} of an env entry of the
// configuration (or of none), whose value validate does not know.
func pausesFromEnvironment(e *experiments.Experiment) bool {
	fromEnv := func(v string) bool { // v is "${name}"
		raw := bytes.TrimSpace(e.Configuration[strings.TrimSuffix(strings.TrimPrefix(v, "${"), "}")])
		return len(raw) == 0 || raw[0] == '{' // an env entry (or none): its value is not known here
	}
	for _, a := range e.Method {
		if a.Pauses != nil && (a.Pauses.Before.Var != "" && fromEnv(a.Pauses.Before.Var) || a.Pauses.After.Var != "" && fromEnv(a.Pauses.After.Var)) {
			return true
		}
	}
	return false
}
