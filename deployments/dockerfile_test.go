package deployments_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/cli"
)

// TestDockerfile: multi-stage, a static binary stamped with its version,
// run as a user that is not root, built from what the context holds: every
// package the binaries import is copied, and not ignored.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	src := string(raw)
	version := reflect.TypeFor[cli.Config]().PkgPath() + ".Version=${VERSION}"
	for _, want := range []string{"CGO_ENABLED=0", "-X " + version, "ARG VERSION", "./cmd/senaite-sync", `ENTRYPOINT ["senaite-sync"]`} {
		if !strings.Contains(src, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	from := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(src, -1)
	if len(from) < 2 {
		t.Fatalf("Dockerfile has %d stages", len(from))
	}
	// the builder's Go is the one go.mod asks for
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if goLine == nil || !strings.HasPrefix(from[0][1], "golang:"+string(goLine[1])) {
		t.Errorf("Dockerfile builds with %s, go.mod asks for go %s", from[0][1], goLine[1])
	}
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(src, -1)
	if len(user) == 0 || !regexp.MustCompile(`^[1-9]\d*(:[1-9]\d*)?$`).MatchString(user[len(user)-1][1]) {
		t.Errorf("the image's user %v: want a numeric user and group that are not root (runAsNonRoot checks numbers)", user)
	}
	// what the build copies from the context
	copied := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^COPY\s+([^-\n][^\n]*)$`).FindAllStringSubmatch(src, -1) {
		fields := strings.Fields(m[1])
		for _, p := range fields[:len(fields)-1] {
			p = strings.TrimSuffix(strings.TrimPrefix(p, "./"), "/")
			copied[p] = true
			if _, err := os.Stat(filepath.Join("..", p)); err != nil {
				t.Errorf("Dockerfile copies %s, which the repository does not have", p)
			}
		}
	}
	module := regexp.MustCompile(`(?m)^module (\S+)`).FindSubmatch(gomod)
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./cmd/senaite-sync", "./cmd/senaite-sim")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil || module == nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	needed := map[string]bool{}
	for _, pkg := range strings.Fields(string(out)) {
		if rel, ok := strings.CutPrefix(pkg, string(module[1])+"/"); ok {
			needed[strings.Split(rel, "/")[0]] = true
		}
	}
	if !needed["internal"] || !needed["cmd"] {
		t.Fatalf("go list found only %v", needed)
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for dir := range needed {
		if !copied[dir] && !copied["."] {
			t.Errorf("the binaries import packages under %s/, which the Dockerfile does not copy", dir)
		}
		for _, pat := range strings.Fields(string(ignore)) {
			if ok, _ := filepath.Match(strings.Trim(pat, "/"), dir); ok && !strings.HasPrefix(pat, "!") {
				t.Errorf(".dockerignore's %s leaves %s/ out of the build context", pat, dir)
			}
		}
	}
}
