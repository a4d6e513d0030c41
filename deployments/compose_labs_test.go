package deployments_test

import (
	"net"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// composeLab is what a simulated lab serves: its address, accounts and
// data file.
type composeLab struct {
	port     string
	users    map[string]string
	dataFile string
}

// composeLabs parses each lab's command and accounts.
func composeLabs(t *testing.T, p *types.Project) map[string]composeLab {
	t.Helper()
	labs := map[string]composeLab{}
	for name, s := range p.Services {
		if composeRole(s) != "lab" {
			continue
		}
		fs, err := composeParseSim(t, s.Command)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		host, port, err := net.SplitHostPort(fs.Lookup("addr").Value.String())
		if err != nil || host != "0.0.0.0" {
			t.Errorf("%s: --addr %q: want 0.0.0.0:PORT (reached from the other containers)", name, fs.Lookup("addr").Value)
		}
		users := composeEnv(s, "SENAITE_SIM_USERS")
		if v := fs.Lookup("users").Value.String(); v != "" {
			t.Errorf("%s: --users %q: the accounts' passwords belong in SENAITE_SIM_USERS (from .env), not on the command line", name, v)
			users = v
		}
		lab := composeLab{port: port, users: map[string]string{}, dataFile: fs.Lookup("data").Value.String()}
		for _, part := range strings.Split(users, ",") {
			if u, pw, ok := strings.Cut(part, ":"); ok && u != "" && pw != "" {
				lab.users[u] = pw
			} else {
				t.Errorf("%s: account %q is not user:password", name, part)
			}
		}
		labs[name] = lab
	}
	return labs
}

// TestComposeLabs: the simulated labs listen where their health checks,
// published ports and registrations look for them, and keep their state
// on a volume the image's user can write, so that a lab started again is
// the one PostgreSQL remembers.
func TestComposeLabs(t *testing.T) {
	p := composeProject(t)
	labs := composeLabs(t, p)
	if len(labs) != 2 {
		t.Fatalf("labs %v, want two", labs)
	}
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for name, lab := range labs {
		s := p.Services[name]
		want := "http://127.0.0.1:" + lab.port + "/senaite/@@API/senaite/v1/version"
		if s.HealthCheck == nil || !slices.Equal(s.HealthCheck.Test, []string{"CMD", "senaite-sync", "healthcheck", want}) {
			t.Errorf("%s: health check %v, want senaite-sync healthcheck %s", name, s.HealthCheck, want)
		}
		for _, port := range s.Ports {
			if strconv.Itoa(int(port.Target)) != lab.port {
				t.Errorf("%s publishes %d but listens on %s", name, port.Target, lab.port)
			}
		}
		if lab.dataFile == "" {
			t.Errorf("%s: no --data: the lab is lost whenever its container starts again", name)
			continue
		}
		dir := path.Dir(lab.dataFile)
		if !slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Type == types.VolumeTypeVolume && v.Target == dir
		}) {
			t.Errorf("%s: --data %s is on no named volume mounted at %s", name, lab.dataFile, dir)
		}
		// a new named volume takes the ownership of the image's directory
		if !regexp.MustCompile(`(?m)^COPY\s+[^\n]*--chown=[^\n]*\s` + regexp.QuoteMeta(dir) + `/?\s*$`).Match(dockerfile) {
			t.Errorf("%s: deployments/Dockerfile gives its user no directory %s: the volume would be root's", name, dir)
		}
	}
}
