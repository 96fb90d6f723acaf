package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

func init() {
	register(command{name: "compile", synopsis: "print the state machine input an experiment compiles to", run: (*Main).compile, plainSignals: true})
}

func (m *Main) compile(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab compile", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cf := bindCompileFlags(fs)
	fs.Usage = usageFunc(fs, `
chaoslab compile translates an experiment into the experiment state machine's
execution input (JSON on stdout), with the stack's names from -outputs (when
that file exists) and the environment, and the duration overrides applied.
Exit 0, 1 when the experiment is invalid, 2 on any other error (a name
neither the stack outputs nor the environment give among them).

Usage:
  chaoslab compile [flags] <file|name>
`)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Argsf(fs, "chaoslab compile [flags] <file|name>", "chaoslab compile: want one experiment, got %d arguments", fs.NArg())
	}
	out, _, err := cf.compile(fs.Arg(0), m.Stderr)
	if err != nil {
		// Exit 1 is an invalid experiment; a name the stack did not give is the command line's
		// (exit 2, as run says it).
		var xe *experiments.Error
		if errors.As(err, &xe) && !xe.OnlyUnset() {
			return cli.Exit(ExitDeviated, fmt.Errorf("chaoslab compile: %w", err))
		}
		return fmt.Errorf("chaoslab compile: %w", err)
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
