package secret

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k, err := LoadOrCreate("", dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", st.Mode(), err)
	}
	sealed, err := k.Seal("s3cret-pw")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("s3cret-pw")) {
		t.Fatal("plaintext in the sealed value")
	}
	again, err := LoadOrCreate("", dir)
	if err != nil {
		t.Fatal(err)
	}
	box, err := again.Open(sealed)
	if err != nil || box.Reveal() != "s3cret-pw" {
		t.Fatalf("open with the same key file: %v", err)
	}
	other, _ := LoadOrCreate("", t.TempDir())
	if _, err := other.Open(sealed); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("another key: %v", err)
	}
}

func TestParseKeyNamesTheVariable(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"not base64!!", "c2hvcnQ="} {
		if _, err := ParseKey(bad); err == nil || !strings.Contains(err.Error(), "SENAITE_SYNC_SECRET_KEY") {
			t.Errorf("ParseKey(%q) = %v", bad, err)
		}
	}
}

func TestBoxNeverPrintsTheSecret(t *testing.T) {
	t.Parallel()
	b := NewBox("hunter2")
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("connecting", "password", b)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("connecting", "password", b)
	js, _ := json.Marshal(struct{ P Box }{b})
	out := fmt.Sprintf("%v %+v %#v %s", b, b, b, b) + logs.String() + string(js)
	if strings.Contains(out, "hunter2") {
		t.Fatalf("secret printed: %s", out)
	}
}
