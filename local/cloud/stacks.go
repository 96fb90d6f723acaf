package cloud

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/iam"
	"github.com/chaoslab/serverless-chaos-lab/local/template"
)

// A local cloud holds several stacks at once, as CloudFormation does: each is deployed, redeployed
// and deleted by its name without touching the others, and Dir/outputs.json holds every deployed
// stack's outputs, keyed by stack name (the `cdk deploy --outputs-file` format). Names never
// collide: generated names derive from the stack name, and a name that a template sets itself and
// another stack already owns fails the deploy (template.Names), as CloudFormation's "already
// exists" does.

// ErrNoStack is wrapped by the error of Delete for a stack that is not deployed.
var ErrNoStack = errors.New("no such stack")

// stackSet is the cloud's deployed stacks. Deploys of different stacks run at the same time; a
// deploy or delete of one stack waits for the one before it on the same stack.
type stackSet struct {
	mu       sync.Mutex
	locks    map[string]*sync.Mutex
	deployed map[string]*template.Deployment
	order    []string // stack names, oldest deploy first
	names    *template.Names
	// listed holds the templates (by hash) whose resources a deploy has listed already: a
	// redeploy of the same template prints one line.
	listed map[[32]byte]bool
	// outputsMu serializes writes of outputs.json.
	outputsMu sync.Mutex
}

// lock returns the stack's own lock, locked.
func (s *stackSet) lock(name string) *sync.Mutex {
	s.mu.Lock()
	if s.locks == nil {
		s.locks = map[string]*sync.Mutex{}
	}
	l := s.locks[name]
	if l == nil {
		l = &sync.Mutex{}
		s.locks[name] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l
}

// StackDeploy says what DeployStack deploys.
type StackDeploy struct {
	// CdkOut is the cloud assembly directory. Required.
	CdkOut string
	// StackName names the stack in the cloud. Required.
	StackName string
	// Artifact is the stack artifact of CdkOut to deploy (its id or its stackName), as
	// `aws cloudformation deploy --template-file ... --stack-name ...` deploys one template under
	// any name. Default: StackName.
	Artifact string
	// Progress receives the deploy's lines. Default: Options.Log.
	Progress io.Writer
}

// Deploy deploys the stack artifact stackName from the cloud assembly cdkOut under its own name
// and writes Dir/outputs.json. A stack of that name already deployed is torn down first (a
// redeploy is a teardown and a fresh deploy: each run starts from empty queues and tables); other
// stacks are left alone.
func (c *Cloud) Deploy(ctx context.Context, cdkOut, stackName string) (Outputs, error) {
	return c.DeployStack(ctx, StackDeploy{CdkOut: cdkOut, StackName: stackName})
}

// DeployStack deploys one stack as d says, next to the stacks already deployed (see Deploy).
func (c *Cloud) DeployStack(ctx context.Context, d StackDeploy) (Outputs, error) {
	if d.StackName == "" {
		return nil, errors.New("cloud: deploy: no stack name")
	}
	if d.Artifact == "" {
		d.Artifact = d.StackName
	}
	progress := d.Progress
	if progress == nil {
		progress = c.opts.Log
	}
	defer c.stacks.lock(d.StackName).Unlock()
	asm, err := template.Load(d.CdkOut, d.Artifact)
	if err != nil {
		return nil, err
	}
	asm.StackName = d.StackName
	if err := c.deleteStack(ctx, d.StackName, progress); err != nil && !errors.Is(err, ErrNoStack) {
		return nil, err
	}
	begin := time.Now()
	fmt.Fprintf(progress, "local cloud: deploying %s from %s ...\n", asm.StackName, d.CdkOut)
	tb, _ := json.Marshal(asm.Template)
	key := sha256.Sum256(append(tb, asm.StackName...))
	c.stacks.mu.Lock()
	if c.stacks.listed == nil {
		c.stacks.listed = map[[32]byte]bool{}
	}
	if c.stacks.names == nil {
		c.stacks.names = template.NewNames()
	}
	again, names := c.stacks.listed[key], c.stacks.names
	c.stacks.mu.Unlock()
	detail := progress
	if again {
		detail = io.Discard
	}
	dep, err := template.Deploy(ctx, asm, template.Options{
		AWS:           c.Config(),
		Lambda:        c.lambda,
		ESM:           c.esm,
		StateMachines: stateMachines{c.sfn},
		LogGroups:     c.logs,
		AccountID:     AccountID,
		// A scratch directory per stack: two stacks of one template have the same logical ids.
		ScratchDir: filepath.Join(c.opts.Dir, "deploy", asm.StackName),
		Progress:   detail,
		Logger:     c.log,
		Names:      names,
		IAM:        func(rs []iam.Resource) (*iam.Engine, error) { return c.setStackIAM(asm.StackName, rs) },
		Alarms:     c.metrics,
	})
	if err != nil {
		if _, ierr := c.setStackIAM(asm.StackName, nil); ierr != nil {
			c.log.Error("iam: remove a failed stack", "stack", asm.StackName, "err", ierr)
		}
		return nil, err
	}
	c.stacks.mu.Lock()
	if c.stacks.deployed == nil {
		c.stacks.deployed = map[string]*template.Deployment{}
	}
	c.stacks.deployed[asm.StackName] = dep
	c.stacks.order = append(slices.DeleteFunc(c.stacks.order, func(n string) bool { return n == asm.StackName }), asm.StackName)
	c.stacks.listed[key] = true
	c.stacks.mu.Unlock()
	if err := c.writeOutputs(); err != nil {
		return nil, err
	}
	if report := dep.Report(); again {
		summary, _, _ := strings.Cut(report, "\n")
		fmt.Fprintf(progress, "%s (the same template as an earlier deploy, which listed them)\n", summary)
	} else {
		fmt.Fprint(progress, report)
	}
	fmt.Fprintf(progress, "local cloud: %s deployed in %s; outputs in %s\n", asm.StackName, since(begin), c.OutputsPath())
	if !again {
		c.printDashboards(progress, dep)
	}
	return Outputs(dep.Outputs), nil
}

// OutputsPath is Dir/outputs.json: every deployed stack's outputs, keyed by stack name.
func (c *Cloud) OutputsPath() string { return filepath.Join(c.opts.Dir, "outputs.json") }

// writeOutputs writes every deployed stack's outputs, aside and renamed so a reader never sees
// half a file. With no stack deployed the file holds {}.
func (c *Cloud) writeOutputs() error {
	c.stacks.outputsMu.Lock()
	defer c.stacks.outputsMu.Unlock()
	all := map[string]map[string]string{}
	c.stacks.mu.Lock()
	for name, dep := range c.stacks.deployed {
		all[name] = dep.Outputs
	}
	c.stacks.mu.Unlock()
	b, err := json.MarshalIndent(all, "", "  ")
	if err == nil {
		tmp := c.OutputsPath() + ".tmp"
		if err = os.WriteFile(tmp, append(b, '\n'), 0o644); err == nil {
			err = os.Rename(tmp, c.OutputsPath())
		}
	}
	if err != nil {
		return fmt.Errorf("cloud: outputs.json: %w", err)
	}
	return nil
}

// Stacks are the deployed stacks' names, sorted.
func (c *Cloud) Stacks() []string {
	c.stacks.mu.Lock()
	defer c.stacks.mu.Unlock()
	names := make([]string, 0, len(c.stacks.deployed))
	for n := range c.stacks.deployed {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Stack is the deployed stack of that name, or nil.
func (c *Cloud) Stack(name string) *template.Deployment {
	c.stacks.mu.Lock()
	defer c.stacks.mu.Unlock()
	return c.stacks.deployed[name]
}

// Deployment is the most recently deployed stack still deployed, or nil: with one stack, the
// stack. Use Stack with several.
func (c *Cloud) Deployment() *template.Deployment {
	c.stacks.mu.Lock()
	defer c.stacks.mu.Unlock()
	if len(c.stacks.order) == 0 {
		return nil
	}
	return c.stacks.deployed[c.stacks.order[len(c.stacks.order)-1]]
}

// Delete deletes one deployed stack's resources, leaving the others alone, and rewrites
// outputs.json without it. A stack that is not deployed is an error wrapping ErrNoStack that
// lists the deployed ones.
func (c *Cloud) Delete(ctx context.Context, stackName string) error {
	defer c.stacks.lock(stackName).Unlock()
	return c.deleteStack(ctx, stackName, io.Discard)
}

// deleteStack tears one stack down; the caller holds the stack's lock.
func (c *Cloud) deleteStack(ctx context.Context, name string, progress io.Writer) error {
	c.stacks.mu.Lock()
	dep := c.stacks.deployed[name]
	delete(c.stacks.deployed, name)
	c.stacks.order = slices.DeleteFunc(c.stacks.order, func(n string) bool { return n == name })
	c.stacks.mu.Unlock()
	if dep == nil {
		deployed := c.Stacks()
		if len(deployed) == 0 {
			return fmt.Errorf("cloud: %w %s (no stack is deployed)", ErrNoStack, name)
		}
		return fmt.Errorf("cloud: %w %s (deployed: %s)", ErrNoStack, name, strings.Join(deployed, ", "))
	}
	fmt.Fprintf(progress, "local cloud: deleting %s ...\n", name)
	if err := dep.Teardown(ctx); err != nil {
		// As CloudFormation's DELETE_FAILED: the stack stays, with what could not be deleted (its
		// outputs and IAM too), so that a delete again finishes it, where it had been forgotten
		// and its bucket, say, left behind with no stack to delete it.
		c.stacks.mu.Lock()
		c.stacks.deployed[name] = dep
		c.stacks.order = append(c.stacks.order, name)
		c.stacks.mu.Unlock()
		return fmt.Errorf("cloud: delete %s: %w; the stack stays with what could not be deleted (CloudFormation's DELETE_FAILED): delete it again (chaoslab local delete -stack %s) once the cause is mended", name, err, name)
	}
	_, err := c.setStackIAM(name, nil)
	if werr := c.writeOutputs(); err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("cloud: delete %s: %w", name, err)
	}
	return nil
}

// Teardown deletes every deployed stack.
func (c *Cloud) Teardown(ctx context.Context) error {
	var errs []error
	for _, name := range c.Stacks() {
		if err := c.Delete(ctx, name); err != nil && !errors.Is(err, ErrNoStack) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
