package cli_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryVariableInTheReference: the README's configuration table names
// every SENAITE_SYNC_* variable the binaries read (issue #14), so that a
// setting added to the code without a line there fails here.
func TestEveryVariableInTheReference(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readme), "### Configuration")
	if start < 0 {
		t.Fatal("README has no Configuration section")
	}
	reference := string(readme[start:])
	if end := strings.Index(reference[1:], "\n### "); end > 0 {
		reference = reference[:end+1]
	}
	variable := regexp.MustCompile(`SENAITE_SYNC_[A-Z][A-Z_]*[A-Z]`)
	seen := map[string]string{}
	for _, dir := range []string{"../../cmd", "../../internal"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, v := range variable.FindAllString(string(src), -1) {
				if !strings.HasPrefix(v, "SENAITE_SYNC_TEST_") { // the tests' own servers
					seen[v] = path
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) < 10 {
		t.Fatalf("found only %d variables in the sources: %v", len(seen), seen)
	}
	for v, path := range seen {
		if !strings.Contains(reference, "`"+v+"`") && !strings.Contains(reference, "`"+strings.TrimSuffix(v, "_FILE")+"` (or `…_FILE`)") {
			t.Errorf("%s (read in %s) is not in the README's configuration reference", v, path)
		}
	}
}
