package deployments_test

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/secret"
)

// composeEnvFile reads the KEY=value lines of an env file.
func composeEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is no KEY=value", path, line)
		}
		vars[k] = v
	}
	return vars
}

// TestComposeSecretsStayOutOfTheRepository: the example names every
// variable the compose file interpolates or takes a secret from, a
// variable without a default is required (compose stops, naming it,
// instead of running with an empty password), no value of the example
// is written in the compose file itself, and the real .env is ignored.
func TestComposeSecretsStayOutOfTheRepository(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	compose := string(raw)
	example := composeEnvFile(t, composeEnvExample)
	p := composeProject(t)

	needed := map[string]bool{}
	required := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)((?::?[-?+])?)`).FindAllStringSubmatch(compose, -1) {
		needed[m[1]] = true
		switch m[2] {
		case ":?":
			required[m[1]] = true
		case ":-", "-":
		default:
			t.Errorf("${%s%s…}: a variable .env may lack needs a default (:-) or an error (:?)", m[1], m[2])
		}
	}
	if regexp.MustCompile(`\$[A-Za-z_]`).MatchString(compose) {
		t.Error("docker-compose.yml interpolates $VAR without braces: write ${VAR:?…} or ${VAR:-default}")
	}
	for name, s := range p.Secrets {
		if s.Environment == "" || s.File != "" || s.External {
			t.Errorf("secret %s: not taken from .env (environment:)", name)
		}
		needed[s.Environment] = true
	}
	if len(required) < 1 || len(needed) < 5 {
		t.Fatalf("only %v interpolated, %v required", needed, required)
	}
	for v := range needed {
		if _, ok := example[v]; !ok {
			t.Errorf(".env.example does not name %s, which docker-compose.yml reads", v)
		}
	}
	for k := range example {
		if !needed[k] {
			t.Errorf(".env.example names %s, which docker-compose.yml never reads", k)
		}
	}
	// a value of .env written in the compose file itself would be committed
	for k, v := range example {
		if len(v) >= 6 && strings.Contains(compose, v) {
			t.Errorf("docker-compose.yml holds %s's value itself instead of ${%s}", k, k)
		}
	}
	// without a required variable, compose refuses to start, naming it
	for v := range required {
		f := filepath.Join(t.TempDir(), ".env")
		var lines []string
		for k, val := range example {
			if k != v {
				lines = append(lines, k+"="+val)
			}
		}
		if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := composeLoad(f); err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("without %s in .env the compose file loads (error %v)", v, err)
		}
	}
	out, err := exec.Command("git", "-C", "..", "check-ignore", "-q", ".env").CombinedOutput()
	if err != nil {
		t.Errorf(".env is not git-ignored: %v %s", err, out)
	}
	out, err = exec.Command("git", "-C", "..", "check-ignore", "-q", ".env.example").CombinedOutput()
	if err == nil {
		t.Errorf(".env.example is git-ignored: the example would not be committed %s", out)
	}
}

// TestComposeExampleRuns: the example's values are ones the processes
// accept as they are — a secret key the binary can parse, a database URL
// that reaches the postgres service with the user, database and password
// the service is created with — so that `cp .env.example .env` is a
// deployment that starts, and a real .env made after it one too.
func TestComposeExampleRuns(t *testing.T) {
	p := composeProject(t)
	example := composeEnvFile(t, composeEnvExample)
	if _, err := secret.ParseKey(example["SENAITE_SYNC_SECRET_KEY"]); err != nil {
		t.Errorf(".env.example: %v (openssl rand -base64 32 makes one)", err)
	}
	if example["SENAITE_SYNC_API_TOKEN"] == "" {
		t.Error(".env.example: an empty SENAITE_SYNC_API_TOKEN")
	}
	pg, ok := p.Services["postgres"]
	if !ok {
		t.Fatal("no service postgres")
	}
	password := example[p.Secrets["postgres_password"].Environment]
	if f := composeEnv(pg, "POSTGRES_PASSWORD_FILE"); f == "" || !composeMountsSecret(p, pg, f) {
		t.Errorf("postgres: POSTGRES_PASSWORD_FILE %q is no secret it mounts", f)
	}
	u, err := url.Parse(example[p.Secrets["database_url"].Environment])
	if err != nil {
		t.Fatalf(".env.example: the database URL: %v", err)
	}
	pw, _ := u.User.Password()
	if u.Hostname() != "postgres" || u.User.Username() != composeEnv(pg, "POSTGRES_USER") || pw != password ||
		strings.TrimPrefix(u.Path, "/") != composeEnv(pg, "POSTGRES_DB") {
		t.Errorf(".env.example: the database URL %s is not user %s, the postgres password, database %s on postgres",
			u.Redacted(), composeEnv(pg, "POSTGRES_USER"), composeEnv(pg, "POSTGRES_DB"))
	}
	// pg_isready asks for the same user and database
	if pg.HealthCheck == nil || len(pg.HealthCheck.Test) < 4 ||
		!slices.Equal(pg.HealthCheck.Test[len(pg.HealthCheck.Test)-4:], []string{"-U", composeEnv(pg, "POSTGRES_USER"), "-d", composeEnv(pg, "POSTGRES_DB")}) {
		t.Errorf("postgres: health check %v does not ask for the database the roles use", pg.HealthCheck)
	}
}
