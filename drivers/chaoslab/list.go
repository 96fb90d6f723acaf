package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
	"github.com/chaoslab/serverless-chaos-lab/internal/columns"
)

func init() {
	register(command{name: "list", synopsis: "list the shipped experiments", run: (*Main).list, plainSignals: true})
}

func (m *Main) list(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab list", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = usageFunc(fs, `
chaoslab list prints the experiments shipped with chaoslab; run one by name.

Usage:
  chaoslab list
`)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return cli.Argsf(fs, "chaoslab list", "chaoslab list: unexpected arguments %q (it takes none: an experiment's file is experiments/<name>.json in the repository)", fs.Args())
	}
	tw := columns.NewWriter(m.Stdout, 2)
	fmt.Fprintln(tw, "NAME\tTITLE")
	for _, n := range experiments.Names() {
		e, err := experiments.LoadDefinition(n)
		if err != nil {
			return fmt.Errorf("chaoslab list: %w", err)
		}
		fmt.Fprintf(tw, "%s\t%s\n", experimentName(n), e.Title)
	}
	return tw.Flush()
}
