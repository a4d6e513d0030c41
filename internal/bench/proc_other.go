//go:build !linux

package bench

import "os/exec"

// dieWithParent is Linux's parent-death signal; elsewhere children are
// stopped by the bench's own cleanup only.
func dieWithParent(*exec.Cmd) {}
