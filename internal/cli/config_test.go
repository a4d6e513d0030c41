package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/cli"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// runRoot runs one senaite-sync command in this process.
func runRoot(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := cli.Root()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// TestMalformedSettingsNameTheVariable: a setting that cannot be read is
// an error naming its variable before anything runs — never a silent
// default — and a secret's value never appears in it (issue #14).
func TestMalformedSettingsNameTheVariable(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SENAITE_SYNC_CONCURRENCY": "lots"}, "SENAITE_SYNC_CONCURRENCY"},
		{map[string]string{"SENAITE_SYNC_IMPORT_CONCURRENCY": "-3"}, "SENAITE_SYNC_IMPORT_CONCURRENCY"},
		{map[string]string{"SENAITE_SYNC_FETCH_CONCURRENCY": "4.5"}, "SENAITE_SYNC_FETCH_CONCURRENCY"},
		{map[string]string{"SENAITE_SYNC_LEASE_TTL": "soon"}, "SENAITE_SYNC_LEASE_TTL"},
		{map[string]string{"SENAITE_SYNC_LOG_LEVEL": "loud"}, "SENAITE_SYNC_LOG_LEVEL"},
		{map[string]string{"SENAITE_SYNC_SECRET_KEY_FILE": filepath.Join(dir, "missing")}, "SENAITE_SYNC_SECRET_KEY_FILE"},
		{map[string]string{"SENAITE_SYNC_DATABASE_URL_FILE": empty}, "SENAITE_SYNC_DATABASE_URL_FILE"},
		{map[string]string{"SENAITE_SYNC_API_TOKEN": "another-token", "SENAITE_SYNC_API_TOKEN_FILE": token}, "SENAITE_SYNC_API_TOKEN_FILE are both set"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			out, err := runRoot(t, "version")
			if err == nil {
				t.Fatalf("version ran with %v: %s", tc.env, out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s", err, tc.want)
			}
			for _, secret := range []string{"s3cret-token", "another-token"} {
				if strings.Contains(err.Error()+out, secret) {
					t.Errorf("the error shows a secret: %q", err)
				}
			}
		})
	}
	// well-formed, the same settings are taken
	t.Run("well formed", func(t *testing.T) {
		t.Setenv("SENAITE_SYNC_CONCURRENCY", "8")
		t.Setenv("SENAITE_SYNC_LOG_LEVEL", "debug")
		t.Setenv("SENAITE_SYNC_API_TOKEN_FILE", token)
		if out, err := runRoot(t, "version"); err != nil || !strings.HasPrefix(out, "senaite-sync ") {
			t.Errorf("version: %q, %v", out, err)
		}
	})
}

// TestDatabaseURLFromFile: the database URL comes from the file
// SENAITE_SYNC_DATABASE_URL_FILE names, as a container platform mounts a
// secret (its trailing line break is not part of it).
func TestDatabaseURLFromFile(t *testing.T) {
	u := storetest.Schema(t)
	file := filepath.Join(t.TempDir(), "database-url")
	if err := os.WriteFile(file, []byte(u+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SENAITE_SYNC_DATABASE_URL_FILE", file)
	if out, err := runRoot(t, "migrate"); err != nil {
		t.Fatalf("migrate with the URL from a file: %v\n%s", err, out)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Remotes(ctx); err != nil {
		t.Errorf("the schema the file names is not migrated: %v", err)
	}
}
