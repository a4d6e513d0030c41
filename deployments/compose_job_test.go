package deployments_test

import (
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// TestComposeJob: the one-shot job registers the labs when they and the
// coordinator are healthy, then adds the remote, fetches and imports, each
// step after the one before succeeded; it talks to a coordinator that
// answers for the name it uses, registers the labs where they listen with
// accounts they have, the password from the environment .env fills.
func TestComposeJob(t *testing.T) {
	p := composeProject(t)
	steps := map[string][]string{
		"setup-lab-a":  {"instance", "add", "lab_a"},
		"setup-lab-b":  {"instance", "add", "lab_b"},
		"setup-remote": {"remote", "add", "lab_a_to_b"},
		"setup-fetch":  {"fetch", "lab_a_to_b"},
		"setup-import": {"import", "lab_a_to_b"},
	}
	after := map[string][]string{
		"setup-lab-a":  {"coordinator-1", "lab-a"},
		"setup-lab-b":  {"coordinator-1", "lab-b"},
		"setup-remote": {"setup-lab-a", "setup-lab-b"},
		"setup-fetch":  {"setup-remote", "fetcher"},
		"setup-import": {"setup-fetch", "importer"},
	}
	for name, s := range p.Services {
		if composeRole(s) == "step" && steps[name] == nil {
			t.Errorf("step %s is none of %v", name, steps)
		}
	}
	labs := composeLabs(t, p)
	for step, verb := range steps {
		s, ok := p.Services[step]
		if !ok {
			t.Errorf("no step %s", step)
			continue
		}
		if !slices.Equal(s.Command[:min(len(verb), len(s.Command))], verb) {
			t.Errorf("%s runs %v, want %v …", step, s.Command, verb)
		}
		for _, dep := range after[step] {
			want := types.ServiceConditionHealthy
			if strings.HasPrefix(dep, "setup-") {
				want = types.ServiceConditionCompletedSuccessfully
			}
			if d, ok := s.DependsOn[dep]; !ok || d.Condition != want {
				t.Errorf("%s does not wait for %s (%s)", step, dep, want)
			}
		}
		if verb[0] == "instance" || verb[0] == "remote" {
			if !slices.Contains(s.Command, "--if-absent") {
				t.Errorf("%s: without --if-absent the next `docker compose up` fails at this step", step)
			}
		}
		if verb[0] == "fetch" || verb[0] == "import" {
			if !slices.Contains(s.Command, "--wait") {
				t.Errorf("%s does not wait for the run's end", step)
			}
		}
		composeCheckCoordinatorURL(t, p, step, composeEnv(s, "SENAITE_SYNC_URL"))
		if composeEnv(s, "SENAITE_SYNC_API_TOKEN_FILE") == "" {
			t.Errorf("%s: no SENAITE_SYNC_API_TOKEN_FILE: the coordinators refuse it", step)
		}
		if verb[0] != "instance" {
			if composeEnv(s, "LAB_PASSWORD") != "" {
				t.Errorf("%s is given the labs' password it does not use", step)
			}
			continue
		}
		// the lab registered is one of the compose file's, with an account it has
		u, err := url.Parse(composeFlag(s.Command, "url"))
		if err != nil {
			t.Errorf("%s: --url: %v", step, err)
			continue
		}
		lab, ok := labs[u.Hostname()]
		if !ok || u.Port() != lab.port || u.Path != "/senaite" {
			t.Errorf("%s: --url %s is no lab of this file (labs %v)", step, u, labs)
			continue
		}
		for _, account := range [][2]string{{"username", "password-env"}, {"verifier-username", "verifier-password-env"}} {
			user, pwVar := composeFlag(s.Command, account[0]), composeFlag(s.Command, account[1])
			if user == "" {
				continue
			}
			pw := composeEnv(s, pwVar)
			if pwVar == "" || pw == "" {
				t.Errorf("%s: --%s %q names no variable the step is given", step, account[1], pwVar)
			} else if lab.users[user] != pw {
				t.Errorf("%s: %s is not an account of %s with the password %s holds", step, user, u.Hostname(), pwVar)
			}
		}
	}
}

// composeCheckCoordinatorURL: raw is the URL of a coordinator service of
// the file, on the port it listens on, by a name it answers for.
func composeCheckCoordinatorURL(t *testing.T, p *types.Project, where, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		t.Errorf("%s: SENAITE_SYNC_URL %q", where, raw)
		return
	}
	s, ok := p.Services[u.Hostname()]
	if !ok || composeRole(s) != "coordinator" {
		t.Errorf("%s: SENAITE_SYNC_URL %s names no coordinator service", where, raw)
		return
	}
	if _, port, _ := net.SplitHostPort(composeEnv(s, "SENAITE_SYNC_HTTP_ADDR")); port != u.Port() {
		t.Errorf("%s: SENAITE_SYNC_URL %s, but %s listens on %s", where, raw, u.Hostname(), composeEnv(s, "SENAITE_SYNC_HTTP_ADDR"))
	}
	allowed := strings.Split(composeEnv(s, "SENAITE_SYNC_ALLOWED_HOSTS"), ",")
	if !slices.ContainsFunc(allowed, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), u.Hostname()) }) {
		t.Errorf("%s: %s answers 421 to Host %s: not in its SENAITE_SYNC_ALLOWED_HOSTS %v", where, u.Hostname(), u.Hostname(), allowed)
	}
}
