// Package procgroup runs a long-lived child (the CDK CLI's synth and a benchmarked local cloud for
// the drivers; the emulators, the Step Functions host and the function sandboxes for the local
// cloud) so that nothing of it outlives its parent: the child leads a process group of its own,
// which a cancel kills whole, and it gets a signal when the parent dies, however it died (SIGKILL
// included, which leaves no clean-up to run).
package procgroup

import (
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
