package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/runner"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/stack"
)

func init() {
	register(command{name: "rollback", synopsis: `switch the fault off by hand ({"isEnabled": false})`, run: (*Main).rollback})
}

func (m *Main) rollback(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab rollback", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	names := stack.Bind(fs, map[string]string{stack.FaultParameterName: "fault-parameter"})
	paramsAgree := bindParamAlias(fs, names, "the spelling of failure-lambda's CLI, as chaoslab fault takes it")
	fs.Usage = usageFunc(fs, `
chaoslab rollback writes {"isEnabled": false} to the stack's fault parameter,
switching every injected fault off (the function sees it within its cache TTL).
Use it when an experiment was interrupted and its rollback did not run.

Usage:
  chaoslab rollback [flags]
`)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Argsf(fs, "chaoslab rollback [flags]", "chaoslab rollback: unexpected arguments %q", fs.Args())
	}
	if err := paramsAgree(); err != nil {
		return cli.Usagef("chaoslab rollback: %w", err)
	}
	res, err := names.Resolve(stack.FaultParameterName)
	if err != nil {
		return cli.Usagef("chaoslab rollback: %w", err)
	}
	cfg, err := m.awsConfig(ctx)
	if err != nil {
		return err
	}
	// As fault off: an experiment holding the parameter is judged without its fault from now on.
	sayWhatOffEnds(m.Stderr, "chaoslab rollback", experimentHolding(ctx, cfg, names, res[stack.FaultParameterName]))
	client := ssm.NewFromConfig(cfg)
	// Read first: a parameter that does not exist is a wrong name (the stack creates it), and
	// writing would create a parameter no function reads while the real fault stays on.
	if _, err := runner.ReadFault(ctx, client, res[stack.FaultParameterName]); err != nil {
		return fmt.Errorf("chaoslab rollback: %w%s (nothing written)", err, nameFrom(err, names, stack.FaultParameterName))
	}
	v, err := runner.SwitchOff(ctx, client, res[stack.FaultParameterName])
	if err != nil {
		return fmt.Errorf("chaoslab rollback: %w", err)
	}
	fmt.Fprintf(m.Stdout, "fault parameter %s set to %s (version %d)\n", res[stack.FaultParameterName], runner.FaultOff, v)
	return nil
}
