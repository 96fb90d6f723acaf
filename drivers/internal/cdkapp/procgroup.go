package cdkapp

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts cmd in its own process group and makes a cancel kill
// that group (by the child's pid), so grandchildren do not outlive it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
