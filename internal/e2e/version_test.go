package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestVersionIsStamped: a binary built from the repository as make build
// builds it says which commit it is (issue #14: it said "dev").
func TestVersionIsStamped(t *testing.T) {
	out, err := exec.Command(binary, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("version: %v\n%s", err, out)
	}
	head, err := exec.Command("git", "rev-parse", "--short=7", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v", err)
	}
	// the commit, after its tag when it has one (git describe)
	got, commit := strings.TrimSpace(string(out)), strings.TrimSpace(string(head))
	if !strings.HasPrefix(got, "senaite-sync ") || !strings.Contains(got, commit) {
		t.Errorf("version says %q, want it to name commit %s", got, commit)
	}
}
