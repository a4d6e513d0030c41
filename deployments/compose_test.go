// Package deployments_test checks what the repository ships to run
// senaite-sync elsewhere — docker-compose.yml, the Dockerfile, the
// Kubernetes manifests — without Docker or a cluster: each file loaded by
// the library of its own format, and held against what the binary
// really reads, serves and has as sub-commands (issue #14).
package deployments_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	composecli "github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/senaite-sync/senaite-sync/internal/cli"
)

// composeProject loads docker-compose.yml as `docker compose` does, with
// .env.example as its .env: interpolated, validated against the compose
// specification's schema, references between services, secrets and
// volumes checked.
func composeProject(t *testing.T) *types.Project {
	t.Helper()
	opts, err := composecli.NewProjectOptions([]string{"../docker-compose.yml"},
		composecli.WithWorkingDirectory(".."),
		composecli.WithEnvFiles("../.env.example"),
		composecli.WithDotEnv,
		composecli.WithInterpolation(true),
		composecli.WithConsistency(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := composecli.ProjectFromOptions(context.Background(), opts)
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return p
}

// TestComposeFile: the "like production" path of the README.
func TestComposeFile(t *testing.T) {
	p := composeProject(t)
	byRole, replicas := map[string][]string{}, map[string]int{}
	for name, s := range p.Services {
		byRole[composeRole(s)] = append(byRole[composeRole(s)], name)
		replicas[composeRole(s)] += s.GetScale()
	}
	for role, want := range map[string]int{"coordinator": 2, "fetcher": 2, "importer": 2, "lab": 2, "nats": 3, "postgres": 1, "step": 5} {
		if got := replicas[role]; got != want {
			t.Errorf("%d %s containers (services %v), want %d", got, role, byRole[role], want)
		}
	}
	read := composeVariablesRead(t)
	for name, s := range p.Services {
		role := composeRole(s)
		// long-running services say when they are ready
		if role != "step" && (s.HealthCheck == nil || len(s.HealthCheck.Test) < 2 || s.HealthCheck.Disable) {
			t.Errorf("%s: no health check", name)
		}
		if role == "step" && s.Restart != "no" {
			t.Errorf("%s: a one-shot step restarts (%q)", name, s.Restart)
		}
		// every senaite-sync command, and every health check run with it, is one the binary has
		args := append(append([]string{}, s.Entrypoint...), s.Command...)
		if len(s.Entrypoint) == 0 && strings.HasPrefix(s.Image, "senaite-sync:") {
			args = append([]string{"senaite-sync"}, s.Command...) // the image's ENTRYPOINT
		}
		composeCheckCommand(t, name, args)
		if s.HealthCheck != nil && len(s.HealthCheck.Test) > 1 && s.HealthCheck.Test[0] == "CMD" {
			composeCheckCommand(t, name+" healthcheck", s.HealthCheck.Test[1:])
		}
		for k, v := range s.Environment {
			if !strings.HasPrefix(k, "SENAITE_SYNC_") {
				continue
			}
			if !read[k] {
				t.Errorf("%s sets %s, which no binary reads", name, k)
			}
			// secrets only as files of declared secrets, never as values here
			for _, secret := range []string{"SENAITE_SYNC_SECRET_KEY", "SENAITE_SYNC_API_TOKEN", "SENAITE_SYNC_DATABASE_URL"} {
				if k == secret {
					t.Errorf("%s: %s inlined; give %s_FILE a secret's path", name, k, k)
				}
				if k == secret+"_FILE" {
					if v == nil || !composeMountsSecret(p, s, *v) {
						t.Errorf("%s: %s=%v is not the path of a secret the service mounts", name, k, v)
					}
				}
			}
		}
		if role == "coordinator" || role == "fetcher" || role == "importer" {
			if v := s.Environment["SENAITE_SYNC_NATS_URL"]; v == nil || len(strings.Split(*v, ",")) != 3 {
				t.Errorf("%s: SENAITE_SYNC_NATS_URL does not name the three NATS servers: %v", name, v)
			}
			for _, dep := range []string{"postgres", "nats-1", "nats-2", "nats-3"} {
				if d, ok := s.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("%s starts before %s is healthy", name, dep)
				}
			}
			if _, ok := s.Environment["SENAITE_SYNC_HTTP_ADDR"]; !ok {
				t.Errorf("%s: no SENAITE_SYNC_HTTP_ADDR: its health check would have nothing to ask", name)
			}
		}
	}
	composeCheckCluster(t, p)
	composeCheckJob(t, p)
}

// composeRole classifies a service by what it runs.
func composeRole(s types.ServiceConfig) string {
	switch {
	case strings.HasPrefix(s.Image, "postgres"):
		return "postgres"
	case strings.HasPrefix(s.Image, "nats"):
		return "nats"
	case slices.Contains(s.Entrypoint, "senaite-sim"):
		return "lab"
	case len(s.Command) > 0 && slices.Contains([]string{"coordinator", "fetcher", "importer"}, s.Command[0]):
		return s.Command[0]
	default:
		return "step"
	}
}

// composeCheckCommand: args (a program and its arguments) are a
// senaite-sync sub-command with flags it has, or senaite-sim's flags.
func composeCheckCommand(t *testing.T, where string, args []string) {
	t.Helper()
	if len(args) == 0 {
		return
	}
	switch args[0] {
	case "senaite-sync":
		root := cli.Root()
		cmd, rest, err := root.Find(args[1:])
		if err != nil || cmd == root {
			t.Errorf("%s: %v is no senaite-sync sub-command: %v", where, args[1:], err)
			return
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("%s: %v: %v", where, args, err)
			return
		}
		if cmd.Args != nil {
			if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
				t.Errorf("%s: %v: %v", where, args, err)
			}
		}
	case "senaite-sim":
		known := composeSimFlags(t)
		for _, a := range args[1:] {
			if name, ok := strings.CutPrefix(strings.TrimPrefix(a, "-"), "-"); ok || strings.HasPrefix(a, "-") {
				if !ok {
					name = strings.TrimPrefix(a, "-")
				}
				name, _, _ = strings.Cut(name, "=")
				if !known[name] {
					t.Errorf("%s: senaite-sim has no flag %s", where, a)
				}
			}
		}
	case "nats-server", "postgres", "pg_isready", "wget":
	default:
		t.Errorf("%s: runs %q, neither senaite-sync nor a service's own program", where, args[0])
	}
}

// composeSimFlags are the flags cmd/senaite-sim declares.
func composeSimFlags(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("../cmd/senaite-sim/main.go")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`fs\.[A-Z][A-Za-z0-9]*\("([a-z][a-z0-9-]*)"`).FindAllStringSubmatch(string(src), -1) {
		known[m[1]] = true
	}
	if !known["addr"] || !known["objects"] {
		t.Fatalf("the simulator's flags were not found in its source: %v", known)
	}
	return known
}

// composeVariablesRead are the SENAITE_SYNC_* variables the binaries read
// (their non-test sources, as internal/cli's reference test finds them).
func composeVariablesRead(t *testing.T) map[string]bool {
	t.Helper()
	variable := regexp.MustCompile(`SENAITE_SYNC_[A-Z][A-Z_]*[A-Z]`)
	secretRead := regexp.MustCompile(`envSecret\("(SENAITE_SYNC_[A-Z_]+)"`)
	read := map[string]bool{}
	for _, dir := range []string{"../cmd", "../internal"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, v := range variable.FindAllString(string(src), -1) {
				read[v] = true
			}
			// a secret's variable is also read from the file its _FILE names
			for _, m := range secretRead.FindAllStringSubmatch(string(src), -1) {
				read[m[1]+"_FILE"] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !read["SENAITE_SYNC_NATS_URL"] || !read["SENAITE_SYNC_SECRET_KEY_FILE"] {
		t.Fatalf("variables not found in the sources: %v", read)
	}
	return read
}

// composeMountsSecret tells whether path is where a secret the service
// mounts appears (/run/secrets/NAME, or its target).
func composeMountsSecret(p *types.Project, s types.ServiceConfig, path string) bool {
	for _, ref := range s.Secrets {
		target := ref.Target
		if target == "" {
			target = ref.Source
		}
		if !strings.HasPrefix(target, "/") {
			target = "/run/secrets/" + target
		}
		if _, declared := p.Secrets[ref.Source]; declared && target == path {
			return true
		}
	}
	return false
}

// composeCheckCluster: the three NATS servers form one JetStream cluster,
// each routed to the other two.
func composeCheckCluster(t *testing.T, p *types.Project) {
	t.Helper()
	for _, name := range []string{"nats-1", "nats-2", "nats-3"} {
		s, ok := p.Services[name]
		if !ok {
			t.Errorf("no service %s", name)
			continue
		}
		flags := map[string]string{}
		for i := 0; i+1 < len(s.Command); i++ {
			if strings.HasPrefix(s.Command[i], "--") {
				flags[s.Command[i]] = s.Command[i+1]
			}
		}
		if !slices.Contains(s.Command, "--js") || flags["--cluster_name"] == "" || flags["--name"] != name {
			t.Errorf("%s: not a named JetStream server of a cluster: %v", name, s.Command)
		}
		for _, other := range []string{"nats-1", "nats-2", "nats-3"} {
			if other != name && !strings.Contains(flags["--routes"], "nats://"+other+":6222") {
				t.Errorf("%s: its routes %q do not name %s", name, flags["--routes"], other)
			}
		}
	}
}

// composeCheckJob: the one-shot job registers the labs when they and the
// coordinator are healthy, then adds the remote, fetches and imports, each
// step after the one before succeeded; the labs' password comes from .env.
func composeCheckJob(t *testing.T, p *types.Project) {
	t.Helper()
	after := map[string][]string{
		"setup-lab-a":  {"coordinator-1", "lab-a"},
		"setup-lab-b":  {"coordinator-1", "lab-b"},
		"setup-remote": {"setup-lab-a", "setup-lab-b"},
		"setup-fetch":  {"setup-remote"},
		"setup-import": {"setup-fetch"},
	}
	for step, deps := range after {
		s, ok := p.Services[step]
		if !ok {
			t.Errorf("no step %s", step)
			continue
		}
		for _, dep := range deps {
			want := types.ServiceConditionHealthy
			if strings.HasPrefix(dep, "setup-") {
				want = types.ServiceConditionCompletedSuccessfully
			}
			if d, ok := s.DependsOn[dep]; !ok || d.Condition != want {
				t.Errorf("%s does not wait for %s (%s)", step, dep, want)
			}
		}
	}
	if !slices.Contains(p.Services["setup-import"].Command, "--wait") {
		t.Error("setup-import does not wait for the import's end")
	}
}

// TestComposeSecretsStayOutOfTheRepository: the example names every
// variable the compose file interpolates, and the real .env is ignored.
func TestComposeSecretsStayOutOfTheRepository(t *testing.T) {
	compose, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	interpolated := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)`).FindAllStringSubmatch(string(compose), -1) {
		interpolated[m[1]] = true
	}
	// and the secrets' environment sources
	for _, m := range regexp.MustCompile(`(?m)^\s+environment: ([A-Z_][A-Z0-9_]*)\s*$`).FindAllStringSubmatch(string(compose), -1) {
		interpolated[m[1]] = true
	}
	if len(interpolated) < 5 {
		t.Fatalf("only %v interpolated", interpolated)
	}
	for v := range interpolated {
		if !regexp.MustCompile(`(?m)^` + v + `=`).Match(example) {
			t.Errorf(".env.example does not name %s, which docker-compose.yml reads", v)
		}
	}
	out, err := exec.Command("git", "-C", "..", "check-ignore", "-q", ".env").CombinedOutput()
	if err != nil {
		t.Errorf(".env is not git-ignored: %v %s", err, out)
	}
}
