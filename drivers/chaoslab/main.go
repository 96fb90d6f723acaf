// Command chaoslab validates, compiles and runs chaos experiments on the stack's experiment state
// machine, reads or sets the fault by hand, and runs the whole lab on a local cloud.
//
//	go run ./drivers/chaoslab list
//	go run ./drivers/chaoslab validate exp_2-dynamodb_disruption
//	go run ./drivers/chaoslab run -pause 2m exp_1-minor_delay
//	go run ./drivers/chaoslab fault enable latency min_latency=3000 max_latency=5000 -for 2m
//	go run ./drivers/chaoslab fault status
//	go run ./drivers/chaoslab rollback
//	go run ./drivers/chaoslab lab                    # every experiment × scenario on a local cloud
//	go run ./drivers/chaoslab local up -scenario resilient
//
// The subcommands: list, validate, compile, run, rollback, fault, report (a run's journal as an
// HTML report), import-fis (an AWS FIS experiment template as an experiment), lab, lab-compare (two
// labs' margins side by side), local (a local cloud to deploy to and drive by hand) and bench (the
// local pipeline at rising rates).
//
// Each subcommand lives in its own file and registers itself (register), so new ones are added
// without touching this file. A subcommand parses its flags, calls a package and maps the outcome
// to output and an exit code; the work is done in drivers/internal: runner (run: start and follow an
// execution; fault, rollback: read, check and write the fault parameter), report (report, and the
// lab's reports), lab (lab: deploy, load, run, drain, reconcile, audit), cdkapp (lab, local, bench,
// report, run: find and synthesize the CDK app), stack (the stack's outputs and their flags).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/internal/suggest"
)

func main() {
	ctx := context.Background()
	// A command that leaves nothing behind ends at a signal, as Go's default has it: SignalContext
	// would hold a SIGTERM (timeout, a CI's cancel) until a clean-up it has none of, and a command
	// that never looks at its context would run on.
	if len(os.Args) < 2 || !commands[os.Args[1]].plainSignals {
		var stop context.CancelFunc
		ctx, stop = cli.SignalContext()
		defer stop()
	}
	m := NewMain()
	os.Exit(cli.Report(m.Stderr, m.Run(ctx, os.Args[1:]), ExitError))
}

// Exit codes of chaoslab. A verdict that is not "held" (deviated, or not
// steady before the fault: Chaos Toolkit also fails such a run) is 1;
// everything that kept an experiment from giving a verdict is 2.
const (
	ExitHeld     = 0
	ExitDeviated = 1
	ExitError    = 2
)

// Main is the chaoslab command: a dispatcher over the registered subcommands.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// AWSConfig loads the SDK config. Default: the SDK's default chain
	// (AWS_ENDPOINT_URL honoured); tests point it at a local cloud.
	AWSConfig func(ctx context.Context) (aws.Config, error)
	// Now is the clock for names of executions and journals. Default: time.Now.
	Now func() time.Time
}

// NewMain returns the command wired to the process's streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// command is one subcommand. run gets the arguments after its name.
type command struct {
	name     string
	synopsis string
	run      func(m *Main, ctx context.Context, args []string) error
	// plainSignals: the command starts nothing, changes nothing in a cloud, and writes its files
	// whole or not at all, so Ctrl-C or a SIGTERM ends it at once (no cli.SignalContext).
	plainSignals bool
}

var commands = map[string]command{}

// register adds a subcommand; each command's file calls it from init.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("chaoslab: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprint(w, `chaoslab runs chaos experiments (Chaos Toolkit JSON) on the Serverless Chaos Lab's
experiment state machine, reading resource names from the stack outputs
(cdk deploy --outputs-file outputs.json) or from flags.

Usage:
  `+mainSynopsis+`

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, n := range names {
		fmt.Fprintf(tw, "  %s\t%s\n", n, commands[n].synopsis)
	}
	tw.Flush()
	fmt.Fprint(w, `
Run "chaoslab <command> -h" for a command's flags.
Exit codes: 0 held (or success), 1 deviated or not steady before the fault
(validate and compile: an invalid experiment; import-fis: something not
translated; lab: an expectation not met (a verdict, a lost document, a fault
left on); lab-compare: margins narrower beyond chance or an unexpected verdict),
2 error (bad command line, an experiment run cannot use, AWS failure, aborted
run).
`)
}

// mainSynopsis is chaoslab's own synopsis, the second line of a command line it cannot dispatch.
const mainSynopsis = "chaoslab <command> [flags] [arguments]"

// synopsis is the command's synopsis, from its help (cli.SynopsisOf), for the second line of a
// wrong command line's error.
func (m *Main) synopsis(ctx context.Context, c command) string {
	var help bytes.Buffer
	mm := *m
	mm.Stdout, mm.Stderr = &help, &help
	_ = c.run(&mm, ctx, []string{"-h"})
	return cli.SynopsisOf(help.String())
}

// forHelp is m with its Stderr on Stdout: asked for, a command's help is its output (chaoslab run
// -h | less), as chaoslab -h's is.
func (m *Main) forHelp() *Main {
	mm := *m
	mm.Stderr = m.Stdout
	return &mm
}

// helpAsked reports whether args ask for help (-h, -help or --help before a "--").
func helpAsked(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// Run dispatches args[0] to its subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return cli.WithSynopsis(cli.Usagef("chaoslab: no command"), mainSynopsis, "chaoslab")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		// chaoslab help run, and chaoslab -h run: the command's help (-h run printed the list).
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run(m.forHelp(), ctx, []string{"-h"})
			}
			return cli.WithSynopsis(cli.Usagef("chaoslab %s: unknown command %q", name, args[1]), mainSynopsis, "chaoslab")
		}
		m.usage(m.Stdout)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		// A flag first (chaoslab -outputs o.json run ...): the flags are the command's, after it.
		if strings.HasPrefix(name, "-") {
			if i := slices.IndexFunc(args[1:], func(a string) bool { _, ok := commands[a]; return ok }); i >= 0 {
				return cli.WithSynopsis(cli.Usagef("chaoslab: %s before the command: flags go after it, chaoslab %s %s ...", name, args[1+i], name), mainSynopsis, "chaoslab")
			}
			return cli.WithSynopsis(cli.Usagef("chaoslab: %s: a command comes first, then its flags (chaoslab -h lists the commands)", name), mainSynopsis, "chaoslab")
		}
		if near := suggest.Nearest(name, slices.Sorted(maps.Keys(commands))); near != "" {
			return cli.WithSynopsis(cli.Usagef("chaoslab: unknown command %q: did you mean %s?", name, near), mainSynopsis, "chaoslab")
		}
		return cli.WithSynopsis(cli.Usagef("chaoslab: unknown command %q", name), mainSynopsis, "chaoslab")
	}
	if helpAsked(args[1:]) {
		return c.run(m.forHelp(), ctx, args[1:])
	}
	err := c.run(m, ctx, args[1:])
	var ue *cli.UsageError
	if errors.As(err, &ue) {
		err = cli.WithSynopsis(err, m.synopsis(ctx, c), "chaoslab "+name)
	} else if err != nil && !errors.Is(err, flag.ErrHelp) && !strings.HasPrefix(err.Error(), "chaoslab") {
		// An error from a helper every command shares (no AWS region, no cdk.json) names the
		// command, as the commands' own errors do.
		err = fmt.Errorf("chaoslab %s: %w", name, err)
	}
	if name == "lab" || name == "bench" {
		return err // they start a cloud of their own, which `local up` would not help
	}
	return cli.WithLocalCloudHint(err)
}

func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Main) awsConfig(ctx context.Context) (aws.Config, error) {
	if m.AWSConfig != nil {
		return m.AWSConfig(ctx)
	}
	cfg, err := cli.AWSConfig(ctx)
	if err == nil {
		err = cli.CheckRegion(cfg)
	}
	return cfg, err
}

// usageFunc prints a command's help: its text, then its flags, if it has any (list and validate
// have none: no empty "Flags:" heading).
func usageFunc(fs *flag.FlagSet, text string) func() {
	return func() {
		fmt.Fprint(fs.Output(), strings.TrimLeft(text, "\n"))
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
}

func (m *Main) logger() *slog.Logger { return cli.Logger(m.Stderr) }
