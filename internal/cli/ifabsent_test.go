package cli_test

import (
	"strings"
	"testing"
)

// TestAddIfAbsentRunsAgain: a setup job (docker compose's) that registers
// its labs and remote runs again on the next `docker compose up`; with
// --if-absent what exists is left as it is and the job goes on, without
// it a second add is still an error naming the name.
func TestAddIfAbsentRunsAgain(t *testing.T) {
	st, hs := coordinatorAPI(t)
	t.Setenv("LAB_PW", "pw")
	steps := [][]string{
		{"instance", "add", "lab_a", "--url", "http://127.0.0.1:1/senaite", "--username", "admin", "--password-env", "LAB_PW", "--no-check"},
		{"instance", "add", "lab_b", "--url", "http://127.0.0.1:2/senaite", "--username", "admin", "--password-env", "LAB_PW", "--no-check"},
		{"remote", "add", "a_to_b", "--source", "lab_a", "--destination", "lab_b"},
	}
	for round := range 2 {
		for _, step := range steps {
			out, err := runCLI(t, hs.URL, append(step, "--if-absent")...)
			if err != nil {
				t.Fatalf("round %d %v: %v %s", round, step, err, out)
			}
			if round == 1 && !strings.Contains(out, "exists; left as it is") {
				t.Errorf("round 2 %v says %q", step, out)
			}
		}
	}
	for _, step := range steps {
		if _, err := runCLI(t, hs.URL, step...); err == nil || !strings.Contains(err.Error(), "exist") {
			t.Errorf("%v again without --if-absent: %v", step, err)
		}
	}
	if rms, err := st.Remotes(t.Context()); err != nil || len(rms) != 1 {
		t.Errorf("remotes after two rounds: %d %v", len(rms), err)
	}
}
