package bench

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill a child process when the bench dies:
// a harness stopped by Ctrl-C or SIGKILL must not leave coordinators
// behind that go on leading in the next run's database.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
