package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/experiments"
)

func init() {
	register(command{name: "list", synopsis: "list the shipped experiments", run: (*Main).list})
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
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
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
