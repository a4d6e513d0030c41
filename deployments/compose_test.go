// Package deployments_test checks what the repository ships to run
// senaite-sync elsewhere — docker-compose.yml, the Dockerfile, the
// Kubernetes manifests — without Docker or a cluster: each file loaded by
// the library of its own format, and held against what the binary
// really reads, serves and has as sub-commands (issue #14).
package deployments_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	composecli "github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeEnvExample is the committed example of .env: the compose file is
// loaded with it, as `docker compose up` loads .env.
const composeEnvExample = "../.env.example"

// composeLoad loads docker-compose.yml as `docker compose` does, with
// envFile as its .env and nothing of this process's environment:
// interpolated, validated against the compose specification's schema,
// references between services, secrets and volumes checked.
func composeLoad(envFile string) (*types.Project, error) {
	opts, err := composecli.NewProjectOptions([]string{"../docker-compose.yml"},
		composecli.WithWorkingDirectory(".."),
		composecli.WithEnvFiles(envFile),
		composecli.WithDotEnv,
		composecli.WithInterpolation(true),
		composecli.WithConsistency(true),
	)
	if err != nil {
		return nil, err
	}
	return composecli.ProjectFromOptions(context.Background(), opts)
}

func composeProject(t *testing.T) *types.Project {
	t.Helper()
	p, err := composeLoad(composeEnvExample)
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return p
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
	case len(s.Command) > 0 && slices.Contains([]string{"coordinator", "fetcher", "importer", "migrate"}, s.Command[0]):
		return s.Command[0]
	default:
		return "step"
	}
}

// composeOneShot tells the services that run once and exit.
func composeOneShot(role string) bool { return role == "step" || role == "migrate" }

// composeArgs is what a service runs: its entrypoint (the image's,
// senaite-sync, when it names none) and its command.
func composeArgs(s types.ServiceConfig) []string {
	if len(s.Entrypoint) == 0 && strings.HasPrefix(s.Image, "senaite-sync:") {
		return append([]string{"senaite-sync"}, s.Command...)
	}
	return append(append([]string{}, s.Entrypoint...), s.Command...)
}

// composeFlag is the value of --name (or --name=value) in args, "" if absent.
func composeFlag(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
		if a == "--"+name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func composeEnv(s types.ServiceConfig, name string) string {
	if v := s.Environment[name]; v != nil {
		return *v
	}
	return ""
}

// TestComposeFile: the "like production" path of the README — the
// services there are, their health checks, commands, variables, secrets,
// ports and start order.
func TestComposeFile(t *testing.T) {
	p := composeProject(t)
	byRole, containers := map[string][]string{}, map[string]int{}
	for name, s := range p.Services {
		byRole[composeRole(s)] = append(byRole[composeRole(s)], name)
		containers[composeRole(s)] += s.GetScale()
	}
	for role, want := range map[string]int{"coordinator": 2, "fetcher": 2, "importer": 2, "lab": 2, "nats": 3,
		"postgres": 1, "migrate": 1, "step": 5} {
		if got := containers[role]; got != want {
			t.Errorf("%d %s containers (services %v), want %d", got, role, byRole[role], want)
		}
	}
	if len(byRole) != 8 {
		t.Errorf("services of unexpected kinds: %v", byRole)
	}
	read := composeVariablesRead(t)
	for name, s := range p.Services {
		role := composeRole(s)
		// long-running services say when they are ready; one-shot ones run once
		if !composeOneShot(role) && (s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) < 2 ||
			s.HealthCheck.Test[0] != "CMD") {
			t.Errorf("%s: no health check run in exec form (the image has no shell)", name)
		}
		if !composeOneShot(role) && s.Restart != types.RestartPolicyUnlessStopped && s.Restart != types.RestartPolicyAlways {
			t.Errorf("%s: restart %q: a long-running service that dies stays dead", name, s.Restart)
		}
		if composeOneShot(role) && s.Restart != types.RestartPolicyNo {
			t.Errorf("%s: a one-shot step restarts (%q)", name, s.Restart)
		}
		// every senaite-sync command, and every health check run with it, is one the binary has
		composeCheckCommand(t, name, composeArgs(s))
		if s.HealthCheck != nil && len(s.HealthCheck.Test) > 1 && s.HealthCheck.Test[0] == "CMD" {
			composeCheckCommand(t, name+" healthcheck", s.HealthCheck.Test[1:])
		}
		for k, v := range s.Environment {
			if !strings.HasPrefix(k, "SENAITE_SYNC_") && !strings.HasPrefix(k, "SENAITE_SIM_") {
				continue
			}
			if !read[k] {
				t.Errorf("%s sets %s, which no binary reads", name, k)
			}
			// secrets only as files of declared secrets, never as values here
			for _, sv := range composeSecretVariables {
				if k == sv {
					t.Errorf("%s: %s inlined; give %s_FILE a secret's path", name, k, k)
				}
				if k == sv+"_FILE" && (v == nil || !composeMountsSecret(p, s, *v)) {
					t.Errorf("%s: %s=%v is not the path of a secret the service mounts", name, k, v)
				}
			}
		}
		if strings.HasPrefix(s.Image, "senaite-sync:") {
			// the image runs as a non-root user: a secret it cannot read is no secret
			for _, ref := range s.Secrets {
				if ref.Mode == nil || *ref.Mode&0o004 == 0 && (ref.UID == "" || ref.UID == "0") {
					t.Errorf("%s: secret %s mounted without a mode the image's non-root user can read (mode: 0444)", name, ref.Source)
				}
			}
		}
		// only the first coordinator's console and the labs reach the host, on loopback
		for _, port := range s.Ports {
			if name != "coordinator-1" && role != "lab" {
				t.Errorf("%s publishes port %d: only coordinator-1 and the labs do", name, port.Target)
			}
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes port %d on %q, not 127.0.0.1", name, port.Target, port.HostIP)
			}
		}
		switch role {
		case "coordinator", "fetcher", "importer":
			for _, dep := range []string{"postgres", "nats-1", "nats-2", "nats-3"} {
				if d, ok := s.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("%s starts before %s is healthy", name, dep)
				}
			}
			if d, ok := s.DependsOn["migrate"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
				t.Errorf("%s starts before the schema is migrated", name)
			}
			addr := composeEnv(s, "SENAITE_SYNC_HTTP_ADDR")
			if host, _, err := net.SplitHostPort(addr); err != nil || (host != "0.0.0.0" && host != "") {
				t.Errorf("%s: SENAITE_SYNC_HTTP_ADDR %q: want 0.0.0.0:PORT (probes, and for the coordinators the API)", name, addr)
			}
			if role == "coordinator" && s.Ports != nil {
				_, port, _ := net.SplitHostPort(addr)
				for _, pt := range s.Ports {
					if strconv.Itoa(int(pt.Target)) != port {
						t.Errorf("%s publishes %d, but listens on %s", name, pt.Target, addr)
					}
				}
			}
			for _, k := range []string{"SENAITE_SYNC_DATABASE_URL_FILE", "SENAITE_SYNC_SECRET_KEY_FILE", "SENAITE_SYNC_NATS_URL"} {
				if composeEnv(s, k) == "" {
					t.Errorf("%s: no %s", name, k)
				}
			}
			if role == "coordinator" && composeEnv(s, "SENAITE_SYNC_API_TOKEN_FILE") == "" {
				t.Errorf("%s: no SENAITE_SYNC_API_TOKEN_FILE: the API refuses to listen beyond loopback", name)
			}
		case "migrate":
			if d, ok := s.DependsOn["postgres"]; !ok || d.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s starts before postgres is healthy", name)
			}
		}
	}
	// one image, built from the repository, for every senaite-sync and
	// senaite-sim container; its ENTRYPOINT is what composeArgs assumes
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	built := map[string]bool{}
	for name, s := range p.Services {
		if s.Build == nil {
			continue
		}
		if s.Build.Context != root || s.Build.Dockerfile != "deployments/Dockerfile" || s.Build.Args["VERSION"] == nil {
			t.Errorf("%s: builds %s with %s (args %v), want the repository with deployments/Dockerfile and VERSION",
				name, s.Build.Context, s.Build.Dockerfile, s.Build.Args)
		}
		built[s.Image] = true
	}
	if len(built) != 1 {
		t.Errorf("images built: %v, want one", built)
	}
	for name, s := range p.Services {
		if r := composeRole(s); r != "postgres" && r != "nats" && !built[s.Image] {
			t.Errorf("%s runs image %q, not the one built here (%v)", name, s.Image, built)
		}
	}
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^ENTRYPOINT \["senaite-sync"\]\s*$`).Match(dockerfile) {
		t.Error(`deployments/Dockerfile: no ENTRYPOINT ["senaite-sync"], which the services' commands follow`)
	}
	// one key, one token, one database for the deployment: every process
	// reads each from the same secret
	for _, sv := range composeSecretVariables {
		sources := map[string][]string{}
		for name, s := range p.Services {
			f := composeEnv(s, sv+"_FILE")
			for _, ref := range s.Secrets {
				if f != "" && composeSecretPath(ref) == f {
					sources[ref.Source] = append(sources[ref.Source], name)
				}
			}
		}
		if len(sources) != 1 {
			t.Errorf("%s_FILE names secrets %v, want one for every process", sv, sources)
		}
	}
}
