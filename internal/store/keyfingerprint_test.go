package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestOneKeyPerDatabase: the first process whose key opens the stored
// passwords records its fingerprint; a process with another key is
// refused — also when it comes first, if it cannot open what is stored —
// so that no process encrypts a password the others cannot read.
func TestOneKeyPerDatabase(t *testing.T) {
	ctx := context.Background()
	a, _ := secret.LoadOrCreate("", t.TempDir())
	b, _ := secret.LoadOrCreate("", t.TempDir())
	if a.Fingerprint() == b.Fingerprint() || len(a.Fingerprint()) != 32 {
		t.Fatalf("fingerprints %q and %q", a.Fingerprint(), b.Fingerprint())
	}

	s := migrated(t)
	sealed, err := a.Seal("lab password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateInstance(ctx, store.Instance{Name: "lab_a", URL: "http://127.0.0.1/a", Username: "admin", Password: sealed}); err != nil {
		t.Fatal(err)
	}
	// a database from before fingerprints: the wrong key cannot claim it
	if err := s.ClaimKeyFingerprint(ctx, b.Fingerprint(), b.Opens); !errors.Is(err, store.ErrOtherKey) {
		t.Errorf("a key that cannot open the stored passwords: %v", err)
	}
	for range 2 {
		if err := s.ClaimKeyFingerprint(ctx, a.Fingerprint(), a.Opens); err != nil {
			t.Errorf("the key of the stored passwords: %v", err)
		}
	}
	if err := s.ClaimKeyFingerprint(ctx, b.Fingerprint(), b.Opens); !errors.Is(err, store.ErrOtherKey) {
		t.Errorf("another key once one is recorded: %v", err)
	}

	// an empty database: the first key is the deployment's
	empty := migrated(t)
	if err := empty.ClaimKeyFingerprint(ctx, b.Fingerprint(), b.Opens); err != nil {
		t.Errorf("first key of an empty database: %v", err)
	}
	if err := empty.ClaimKeyFingerprint(ctx, a.Fingerprint(), a.Opens); !errors.Is(err, store.ErrOtherKey) {
		t.Errorf("a second key: %v", err)
	}
}
