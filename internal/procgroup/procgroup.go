// Package procgroup runs a long-lived child (the CDK CLI's synth and a benchmarked local cloud for
// the drivers; the emulators, the Step Functions host and the function sandboxes for the local
// cloud) so that nothing of it outlives its parent: the child leads a process group of its own,
// which a cancel kills whole, and it gets a signal when the parent dies, however it died (SIGKILL
// included, which leaves no clean-up to run). TreeCommand reaches the child's own children too;
// a Reaper does the same for many children at the cost of one process in all.
package procgroup

import (
	"context"
	"os/exec"
	"syscall"
)

// Own puts cmd in a process group of its own, makes a cancel SIGKILL that group by the child's pid
// (when cmd comes from exec.CommandContext, whose Cancel it replaces), and has the kernel send the child onParentDeath when this process
// dies: SIGTERM for a child that cleans up after itself (it then stops what it started), SIGKILL
// for one that does not. Call it before cmd.Start.
func Own(cmd *exec.Cmd, onParentDeath syscall.Signal) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: onParentDeath}
	if cmd.Cancel == nil {
		return // no context: exec.Cmd refuses a Cancel then
	}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// TreeCommand is exec.CommandContext(ctx, name, args...) under Own, for a child whose own children
// must die with this process too: a cancel kills the group as Own's does, and when this process
// dies, however it died, the child's whole process group is SIGKILLed, not only the child. A shell
// leads the group: it gets SIGTERM when this process dies, and its trap kills the group. Own's
// parent-death signal reaches the child alone, and what the child started runs on, reparented to
// init, until it notices: the CDK CLI's `go run .` of the app compiles for minutes on a cold build
// cache. (Not a PID namespace, whose kernel-side kill would do the same: the CDK CLI's lock on its
// output directory records its pid, and a pid from inside a namespace, 1, reads as alive, or as
// its own, to every other CLI.) A process of the tree that leaves the group (setsid) is not reached.
func TreeCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", treeScript, name}, args...)...)
	Own(cmd, syscall.SIGTERM)
	return cmd
}

// treeScript runs "$0" "$@" in the background (so that the shell is free to take its trap), waits
// for it and exits with its status; SIGTERM kills the whole process group, the shell included.
const treeScript = `trap 'kill -KILL 0' TERM; "$0" "$@" & wait $!`
