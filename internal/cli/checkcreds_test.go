package cli_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestInstanceAddChecksTheCredentials (issue #15): a wrong lab password is
// found when the instance is added — refused, nothing registered — not at
// the first fetch; --no-check registers it anyway, and `instance check`
// then exits non-zero with the lab's answer.
func TestInstanceAddChecksTheCredentials(t *testing.T) {
	lab, err := sim.NewLab(sim.Options{Seed: 5, Users: []sim.User{{Username: "admin", Password: "right"}}})
	if err != nil {
		t.Fatal(err)
	}
	labSrv := httptest.NewServer(sim.NewServer(lab, nil, nil))
	t.Cleanup(labSrv.Close)
	st, hs := coordinatorAPI(t)
	t.Setenv("WRONG_PW", "wrong")
	t.Setenv("RIGHT_PW", "right")
	add := func(name, pwEnv string, extra ...string) (string, error) {
		return runCLI(t, hs.URL, append([]string{"instance", "add", name, "--url", labSrv.URL + "/senaite",
			"--username", "admin", "--password-env", pwEnv}, extra...)...)
	}
	_, err = add("lab_a", "WRONG_PW")
	if err == nil || !strings.Contains(err.Error(), "not registered") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("a wrong password: %v", err)
	}
	if ins, _ := st.Instances(t.Context()); len(ins) != 0 {
		t.Errorf("a refused instance was kept: %v", ins)
	}
	if out, err := add("lab_a", "RIGHT_PW"); err != nil || !strings.Contains(out, `"auth": true`) {
		t.Errorf("the right password: %v %s", err, out)
	}
	if _, err := runCLI(t, hs.URL, "instance", "check", "lab_a"); err != nil {
		t.Errorf("check of a lab that takes the credentials: %v", err)
	}
	if _, err := add("lab_b", "WRONG_PW", "--no-check"); err != nil {
		t.Errorf("--no-check: %v", err)
	}
	if _, err := runCLI(t, hs.URL, "instance", "check", "lab_b"); err == nil || !strings.Contains(err.Error(), "lab lab_b refused") {
		t.Errorf("check of a lab that refuses: %v", err)
	}
}
