package template

import (
	"fmt"
	"sync"
)

// Names are the physical names the stacks of one local cloud own, shared by their deployments
// (Options.Names), so that two stacks never share a queue, a table or a state machine.
//
// In AWS a name is one resource's: CloudFormation fails a stack whose resource takes a name that
// another stack's resource holds ("... already exists in stack ..."). Locally the emulators would
// not always say so — SQS CreateQueue of an existing name with the same attributes answers the
// existing queue's URL, and two stacks would silently share it — so the deployer claims each name
// before it creates the resource, and a deployment releases its names when it is torn down.
//
// Generated names (<stack>-<logicalId>-<hash>) differ per stack name, so only names a template
// sets itself can collide: the same template deployed under two stack names, or two templates
// that name a resource alike.
type Names struct {
	mu    sync.Mutex
	owner map[nameKey]string // stack name
}

type nameKey struct{ typ, name string }

// NewNames returns an empty registry.
func NewNames() *Names { return &Names{owner: map[nameKey]string{}} }

// Owner is the stack that owns the resource of type typ named name, or "".
func (n *Names) Owner(typ, name string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.owner[nameKey{typ, name}]
}

// claim records stack as the owner of name; it fails when another stack owns it.
func (n *Names) claim(typ, name, stack string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := nameKey{typ, name}
	if o, ok := n.owner[k]; ok && o != stack {
		return fmt.Errorf("%s %s already exists in stack %s", typ, name, o)
	}
	n.owner[k] = stack
	return nil
}

func (n *Names) release(typ, name, stack string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := nameKey{typ, name}
	if n.owner[k] == stack {
		delete(n.owner, k)
	}
}

// claim claims a physical name for the stack being deployed, before the resource is created; the
// deployment releases it when torn down (also after a failed deploy).
func (d *deployer) claim(typ, name string) error {
	if d.opts.Names == nil {
		return nil
	}
	if err := d.opts.Names.claim(typ, name, d.asm.StackName); err != nil {
		return err
	}
	names, stack := d.opts.Names, d.asm.StackName
	d.dep.releases = append(d.dep.releases, func() { names.release(typ, name, stack) })
	return nil
}
