package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cdkapp"
	"github.com/chaoslab/serverless-chaos-lab/drivers/internal/cli"
	"github.com/chaoslab/serverless-chaos-lab/internal/contract"
	"github.com/chaoslab/serverless-chaos-lab/local/cloud"
)

func init() {
	register(command{name: "local", synopsis: "keep a local cloud running: local up | deploy | delete | env | down", run: (*Main).local})
}

const localUsage = `
chaoslab local keeps a local cloud running on 127.0.0.1 so the drivers,
chaoslab run and the AWS SDK/CLI can be used against it by hand. The cloud
holds several stacks at once, as CloudFormation does: each is deployed,
redeployed and deleted by its name (-stack) without touching the others, and
outputs.json in its run directory holds every deployed stack.

  chaoslab local up [-scenario flawed|resilient] [-stack name]   start it (and deploy), stay in the foreground until Ctrl-C or "local down"
  chaoslab local deploy [-scenario ...] [-stack name]          synthesize that scenario as that stack (-c stackName=) and (re)deploy it into the running cloud
  chaoslab local deploy -cdk-out DIR -stack name               (re)deploy the stack of your own app, synthesized with npx cdk synth -o DIR
  chaoslab local delete -stack name                            delete one stack, leaving the others
  chaoslab local env                                           print the environment a client needs (eval "$(chaoslab local env)")
  chaoslab local down                                          stop it: every process it started, by pid

Then, in another terminal:
  eval "$(go run ./drivers/chaoslab local env)"
  go run ./drivers/publisher -outputs .lab/local/outputs.json -rate 10 -duration 5m &   # load through the whole run, at the lab's rate
  go run ./drivers/chaoslab run -outputs .lab/local/outputs.json -pause 30s -window 20s exp_1-minor_delay

Both scenarios side by side:
  go run ./drivers/chaoslab local deploy -scenario resilient -stack ChaosLabResilient
  go run ./drivers/chaoslab run -outputs .lab/local/outputs.json -stack ChaosLabResilient exp_1-minor_delay

A team's own app with the constructs (README: The constructs in your own app), its
function built for this machine's architecture:
  (cd ../orders-app && npx cdk synth -o cdk.out.local)
  go run ./drivers/chaoslab local deploy -cdk-out ../orders-app/cdk.out.local -stack OrdersChaos

Usage:
  chaoslab local <up|deploy|delete|env|down> [flags]
`

// localSynopsis is the command line in one line, for the errors of one that is not.
const localSynopsis = "chaoslab local <up|deploy|delete|env|down> [flags]"

func (m *Main) local(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaoslab local", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	dir := fs.String("dir", ".lab/local", "the local cloud's run directory (state file, logs, outputs.json, the synthesized cdk.out)")
	scenario := fs.String("scenario", contract.ScenarioFlawed, "scenario to deploy (up, deploy); empty with up: deploy nothing")
	stackName := fs.String("stack", contract.DefaultStackName, "the stack's name (up, deploy: this default; delete: required, named): synthesized with -c stackName=, so stacks never share a name")
	cdkOut := fs.String("cdk-out", "", "deploy: the cloud assembly of your own CDK app (npx cdk synth -o `DIR`) whose stack -stack is deployed, instead of synthesizing the lab's (copied into the run directory: the cloud runs its function from there)")
	fs.Usage = usageFunc(fs, localUsage)
	if len(args) == 0 {
		return cli.Argsf(fs, localSynopsis, "chaoslab local: want up, deploy, delete, env or down")
	}
	sub := args[0]
	if sub == "-h" || sub == "-help" || sub == "--help" || sub == "help" {
		fs.Usage()
		return nil
	}
	switch sub {
	case "up", "deploy", "delete", "env", "down":
	default:
		if strings.HasPrefix(sub, "-") {
			return cli.Argsf(fs, localSynopsis, "chaoslab local: %s before the subcommand: write the subcommand first, then its flags (chaoslab local <up|deploy|delete|env|down> %s ...)", sub, sub)
		}
		return cli.Argsf(fs, localSynopsis, "chaoslab local: unknown subcommand %q: want up, deploy, delete, env or down", sub)
	}
	if err := cli.Parse(fs, args[1:]); err != nil {
		return err
	}
	// The subcommand takes no argument: a stray word is refused, not ignored.
	if fs.NArg() > 0 {
		return cli.Argsf(fs, localSynopsis, "chaoslab local %s: unexpected argument %q (flags go after the subcommand; it takes no other argument)", sub, fs.Arg(0))
	}
	// A flag the subcommand does not read is refused, not ignored: `local down -stack X` stopped the
	// whole cloud, every stack, where the user meant to remove one.
	var unread error
	fs.Visit(func(f *flag.Flag) {
		if unread == nil && !slices.Contains(localFlags[sub], f.Name) {
			unread = cli.Usagef("chaoslab local %s: -%s does not apply to %s (it reads %s)%s", sub, f.Name, sub, flagList(localFlags[sub]), localHint[sub])
		}
	})
	if unread != nil {
		return unread
	}
	if *scenario != "" {
		if err := contract.CheckScenario("-scenario", *scenario); err != nil {
			return cli.Usagef("chaoslab local: %v", err)
		}
	}
	if !stackNamePattern.MatchString(*stackName) {
		return cli.Usagef("chaoslab local: -stack %q is not a CloudFormation stack name (a letter, then letters, digits and hyphens, at most 128)", *stackName)
	}
	// The repository is needed to synthesize (up, deploy) and to place a relative -dir; env, down
	// and delete of a cloud named by its absolute -dir work from anywhere.
	var root string
	if sub == "up" || sub == "deploy" && *cdkOut == "" || !filepath.IsAbs(*dir) {
		r, err := cdkapp.FindRoot()
		if err != nil {
			if st, running := cloud.ReadState(*dir); sub == "up" && running == nil {
				return alreadyRuns(*dir, st) // the first thing wrong, wherever it is asked from
			}
			return err
		}
		root = r
	}
	if !filepath.IsAbs(*dir) {
		*dir = filepath.Join(root, *dir)
	}
	switch sub {
	case "up":
		return m.localUp(ctx, root, *dir, *scenario, *stackName)
	case "deploy":
		if *cdkOut != "" {
			scenarioSet := false
			fs.Visit(func(f *flag.Flag) { scenarioSet = scenarioSet || f.Name == "scenario" })
			if scenarioSet {
				return cli.Usagef("chaoslab local deploy: give -scenario (the lab's app, synthesized here) or -cdk-out (your app's synthesized assembly), not both")
			}
			return m.localDeployAssembly(ctx, root, *dir, *cdkOut, *stackName)
		}
		if *scenario == "" {
			return cli.Usagef("chaoslab local deploy: -scenario is required")
		}
		return m.localDeploy(ctx, root, *dir, *scenario, *stackName)
	case "delete":
		// Deleting is for a stack the user names, as CloudFormation's delete-stack: the default
		// name is not assumed.
		named := false
		fs.Visit(func(f *flag.Flag) { named = named || f.Name == "stack" })
		if !named {
			return cli.Usagef("chaoslab local delete: -stack is required: name the stack to delete (%s lists the deployed ones)",
				cdkapp.Rel(root, filepath.Join(*dir, "outputs.json")))
		}
		if err := cloud.RemoteDelete(ctx, *dir, *stackName); err != nil {
			return fmt.Errorf("chaoslab local delete: %w", err)
		}
		fmt.Fprintf(m.Stderr, "stack %s deleted; outputs.json holds the stacks still deployed\n", *stackName)
		return nil
	case "env":
		st, err := cloud.ReadState(*dir)
		if err != nil {
			return fmt.Errorf("chaoslab local env: %w", err)
		}
		if st.AccessKeyID == "" {
			return fmt.Errorf("chaoslab local env: the local cloud (pid %d) records no key: it predates per-start keys; restart it", st.Pid)
		}
		for _, kv := range cloud.ClientEnv(st.Endpoint, st.Credentials()) {
			fmt.Fprintf(m.Stdout, "export %s\n", kv)
		}
		// The environment has no outputs file: where this cloud's is, as a comment eval passes over.
		if abs, err := filepath.Abs(filepath.Join(*dir, "outputs.json")); err == nil {
			fmt.Fprintf(m.Stdout, "# the stacks' outputs: -outputs %s (or ln -sf it as outputs.json where you work)\n", abs)
		}
		return nil
	case "down":
		_, starting := cloud.ReadState(*dir)
		if err := cloud.Stop(ctx, *dir); errors.Is(err, cloud.ErrNothingToStop) {
			if errors.Is(starting, cloud.ErrStaleState) { // this read removed it, and says so
				err = fmt.Errorf("%w: %w", cloud.ErrNothingToStop, starting)
			}
			// A stop is idempotent, as docker compose down and systemctl stop are: a script's
			// `trap 'chaoslab local down' EXIT` after the cloud ended (or crashed) does not fail.
			fmt.Fprintf(m.Stderr, "chaoslab local down: %v\n", err)
			return nil
		} else if err != nil {
			return fmt.Errorf("chaoslab local down: %w", err)
		}
		if se := (*cloud.StartingError)(nil); errors.As(starting, &se) {
			fmt.Fprintf(m.Stderr, "local cloud stopped while it was starting (pid %d)\n", se.Pid)
			return nil
		}
		fmt.Fprintln(m.Stderr, "local cloud stopped")
		return nil
	}
	panic("chaoslab local: subcommand " + sub + " accepted above but not handled")
}

func (m *Main) localUp(ctx context.Context, root, dir, scenario, stackName string) error {
	if st, err := cloud.ReadState(dir); err == nil {
		return alreadyRuns(dir, st)
	}
	cloud.TuneGC() // this process is the cloud from here on
	c, err := cloud.Start(ctx, cloud.Options{Dir: dir, Root: root, Log: m.Stderr, LongLived: true})
	if err != nil {
		if ctx.Err() != nil { // what failed was cut short: not a host problem
			return interruptedStart("starting the cloud", err)
		}
		return fmt.Errorf("chaoslab local up: %w", err)
	}
	defer c.Close()
	stop := make(chan struct{})
	if err := c.ServeControl(func() { close(stop) }); err != nil {
		return fmt.Errorf("chaoslab local up: control API: %w", err)
	}
	if scenario != "" {
		if err := m.synthAndDeploy(ctx, root, dir, scenario, stackName, func(cdkOut string) (cloud.Outputs, error) {
			return c.Deploy(ctx, cdkOut, stackName)
		}); err != nil {
			if ctx.Err() != nil {
				c.Close()
				return interruptedStart("synthesizing and deploying the stack "+stackName, err)
			}
			return err
		}
	}
	fmt.Fprintf(m.Stderr, "local cloud up at %s; environment for clients:\n", c.Endpoint())
	for _, kv := range c.Env() {
		fmt.Fprintf(m.Stdout, "export %s\n", kv)
	}
	fmt.Fprintln(m.Stderr, "Ctrl-C or `chaoslab local down` stops it.")
	select {
	case <-ctx.Done():
	case <-stop:
	}
	fmt.Fprintln(m.Stderr, "stopping the local cloud")
	return c.Close()
}

// interruptedStart is the error of a local up stopped by a signal while what: the error it cut
// short ("cannot create namespaces", "CreateBucket: context canceled") read like a host problem,
// and nothing said the cloud was gone.
func interruptedStart(what string, cut error) error {
	return fmt.Errorf("chaoslab local up: interrupted while %s; the local cloud is stopped, and nothing it started runs on (what the interrupt cut short: %v)", what, cut)
}

func alreadyRuns(dir string, st cloud.State) error {
	return fmt.Errorf("chaoslab local up: a local cloud already runs from %s (pid %d, %s); stop it with `chaoslab local down -dir %s`", dir, st.Pid, st.Endpoint, dir)
}

func (m *Main) localDeploy(ctx context.Context, root, dir, scenario, stackName string) error {
	if _, err := cloud.ReadState(dir); err != nil {
		return fmt.Errorf("chaoslab local deploy: %w", err)
	}
	return m.synthAndDeploy(ctx, root, dir, scenario, stackName, func(cdkOut string) (cloud.Outputs, error) {
		return cloud.RemoteDeploy(ctx, dir, cdkOut, stackName, m.Stderr)
	})
}

// localDeployAssembly deploys the stack stackName of a cloud assembly synthesized elsewhere (a
// team's own app) into the cloud running from dir. The assembly is copied into the run directory
// first, as the lab's own synth goes there: the cloud runs the function's bootstrap from it, and
// a synth of the app into the same directory meanwhile would replace it under the running cloud.
func (m *Main) localDeployAssembly(ctx context.Context, root, dir, assembly, stackName string) error {
	b, err := os.ReadFile(filepath.Join(assembly, "manifest.json"))
	if err != nil {
		return cli.Usagef("chaoslab local deploy: -cdk-out %s is not a cloud assembly (no manifest.json in it): write one with npx cdk synth -o %s in your app", assembly, assembly)
	}
	// The stack is looked for before the assembly (its assets, tens of MB) is copied.
	var manifest struct {
		Artifacts map[string]struct {
			Type       string
			Properties struct{ StackName string }
		}
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		return cli.Usagef("chaoslab local deploy: -cdk-out %s: manifest.json: %v", assembly, err)
	}
	var stacks []string
	found := false
	for id, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		name := cmp.Or(a.Properties.StackName, id)
		found = found || name == stackName || id == stackName
		stacks = append(stacks, name)
	}
	if !found {
		slices.Sort(stacks)
		return cli.Usagef("chaoslab local deploy: -cdk-out %s has no stack %s (-stack): it has %s", assembly, stackName, cmp.Or(strings.Join(stacks, ", "), "none"))
	}
	if _, err := cloud.ReadState(dir); err != nil {
		return fmt.Errorf("chaoslab local deploy: %w", err)
	}
	copied := filepath.Join(dir, "cdk.out.app-"+stackName)
	if err := os.RemoveAll(copied); err != nil {
		return fmt.Errorf("chaoslab local deploy: %w", err)
	}
	fmt.Fprintf(m.Stderr, "copying the cloud assembly %s into %s\n", assembly, cdkapp.Rel(root, copied))
	if err := os.CopyFS(copied, os.DirFS(assembly)); err != nil {
		return fmt.Errorf("chaoslab local deploy: copy -cdk-out %s: %w", assembly, err)
	}
	out, err := cloud.RemoteDeploy(ctx, dir, copied, stackName, m.Stderr)
	if err != nil {
		return fmt.Errorf("chaoslab local deploy: %s from %s: %w", stackName, assembly, err)
	}
	m.printDeployed(stackName, out)
	return nil
}

// printDeployed prints a deployed stack's outputs and where outputs.json is.
func (m *Main) printDeployed(stackName string, out cloud.Outputs) {
	for _, k := range slices.Sorted(maps.Keys(out)) {
		fmt.Fprintf(m.Stderr, "  %-26s %s\n", k, out[k])
	}
	fmt.Fprintf(m.Stderr, "deployed %s; its outputs are also in outputs.json in the cloud's run directory, with every other stack deployed there (-outputs, and -stack %s when there are several)\n", stackName, stackName)
}

// localFlags are the flags each local subcommand reads.
var localFlags = map[string][]string{
	"up":     {"dir", "scenario", "stack"},
	"deploy": {"dir", "scenario", "stack", "cdk-out"},
	"delete": {"dir", "stack"},
	"env":    {"dir"},
	"down":   {"dir"},
}

// localHint says what a user who gave a subcommand a flag it does not read may have meant.
var localHint = map[string]string{
	"down": ": down stops the whole cloud, every stack; to remove one stack: chaoslab local delete -stack NAME",
	"env":  ": the environment is the cloud's, the same for every stack in it",
}

// flagList names flags as a user types them: "-dir, -scenario and -stack".
func flagList(names []string) string {
	dashed := make([]string, len(names))
	for i, n := range names {
		dashed[i] = "-" + n
	}
	if len(dashed) == 1 {
		return "only " + dashed[0]
	}
	return strings.Join(dashed[:len(dashed)-1], ", ") + " and " + dashed[len(dashed)-1]
}

// stackNamePattern is CloudFormation's rule for stack names (the CDK app checks it too).
var stackNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)

// synthAndDeploy synthesizes scenario as the stack stackName for the host and deploys it with
// deploy, printing the outputs and where outputs.json is.
//
// The cdk.out goes into the cloud's run directory, dir: the cloud runs the function binary from
// it, so two clouds in two directories never write each other's (in the repository's .lab, a
// second cloud's deploy of the same scenario replaced the binary the first one ran).
func (m *Main) synthAndDeploy(ctx context.Context, root, dir, scenario, stackName string, deploy func(cdkOut string) (cloud.Outputs, error)) error {
	base := "cdk.out." + scenario
	if stackName != contract.DefaultStackName {
		base = "cdk.out." + stackName + "-" + scenario
	}
	cdkOut := filepath.Join(dir, base)
	fmt.Fprintf(m.Stderr, "synthesizing scenario %s as stack %s into %s\n", scenario, stackName, cdkapp.Rel(root, cdkOut))
	if err := cdkapp.SynthStack(ctx, root, scenario, stackName, cdkOut, cli.Indent(m.Stderr)); err != nil {
		return err
	}
	out, err := deploy(cdkOut)
	if err != nil {
		return fmt.Errorf("deploy %s: %w", scenario, err)
	}
	m.printDeployed(stackName, out)
	return nil
}
