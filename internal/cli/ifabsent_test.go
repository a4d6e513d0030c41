package cli_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/api"
	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// TestAddIfAbsentRunsAgain: a setup job (docker compose's) that registers
// its labs and remote runs again on the next `docker compose up`; with
// --if-absent what exists is left as it is and the job goes on, without
// it a second add is still an error naming the name.
func TestAddIfAbsentRunsAgain(t *testing.T) {
	st := storetest.Migrated(t)
	key, _ := secret.LoadOrCreate("", t.TempDir())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &api.Server{Store: st, Key: key, Log: log, Coordinator: &coordinator.Coordinator{Store: st, Key: key, Log: log}}
	hs := httptest.NewServer(api.Guard(s.Handler(), "127.0.0.1:8080", nil, log))
	t.Cleanup(hs.Close)
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
