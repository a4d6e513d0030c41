package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// TestLockKeyOneHolderAtOnce: while one process holds a key's lock,
// another waits for it (two labs importing the same new sample matrix at
// once make it once); another key is free; the lock is taken once given
// back.
func TestLockKeyOneHolderAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.Schema(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := store.Open(ctx, url) // another importer's process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	water := store.Key{InstanceID: 1, PortalType: "SampleMatrix", ParentUID: "setup", Value: "Water"}
	release, err := st.LockKey(ctx, water)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if rel, err := other.LockKey(wctx, water); err == nil {
		rel()
		t.Fatal("a second process took the lock of a held key")
	}
	cancel()
	soil := water
	soil.Value = "Soil"
	if rel, err := other.LockKey(ctx, soil); err != nil {
		t.Fatalf("another key: %v", err)
	} else {
		rel()
	}
	release()
	wctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rel, err := other.LockKey(wctx, water)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	rel()
}

// TestKeyHoldersAndIdentityMerge: the first holder of a key stays its
// holder; an identity of another lab joins the one holding the key, and
// its UIDs translate to that object; an identity with an object on a lab
// where the other has one too is refused (two objects of one lab).
func TestKeyHoldersAndIdentityMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	labC, err := s.CreateInstance(ctx, store.Instance{Name: "lab_c", URL: "http://127.0.0.1/lab_c", Username: "admin", Password: []byte("sealed")})
	if err != nil {
		t.Fatal(err)
	}
	k := store.Key{InstanceID: rm.DestinationID, PortalType: "SampleMatrix", ParentUID: "setup", Value: "Water"}
	if h, err := s.KeyHolder(ctx, k); err != nil || h != "" {
		t.Fatalf("holder of a key nobody holds: %q %v", h, err)
	}
	for _, uid := range []string{"m-water", "m-water-2"} {
		if err := s.RecordKey(ctx, k, uid); err != nil {
			t.Fatal(err)
		}
	}
	if h, _ := s.KeyHolder(ctx, k); h != "m-water" {
		t.Fatalf("holder %q, want the first, m-water", h)
	}

	a, _ := s.EnsureIdentity(ctx, rm.SourceID, "a-water", "SampleMatrix")
	if ok, err := s.Link(ctx, a, rm.DestinationID, "m-water"); err != nil || !ok {
		t.Fatalf("link: %v %v", ok, err)
	}
	c, _ := s.EnsureIdentity(ctx, labC.ID, "c-water", "SampleMatrix")
	if ok, err := s.MergeIdentity(ctx, c, a); err != nil || !ok {
		t.Fatalf("merge of another lab's identity: %v %v", ok, err)
	}
	if got, _ := s.Translate(ctx, labC.ID, rm.DestinationID, []string{"c-water"}); got["c-water"] != "m-water" {
		t.Fatalf("lab C's Water translates to %q, want m-water", got["c-water"])
	}
	a2, _ := s.EnsureIdentity(ctx, rm.SourceID, "a-water-2", "SampleMatrix")
	if ok, err := s.MergeIdentity(ctx, a2, a); err != nil || ok {
		t.Fatalf("two objects of one lab merged: %v %v", ok, err)
	}
	if got, _ := s.Translate(ctx, rm.SourceID, rm.DestinationID, []string{"a-water-2"}); got["a-water-2"] != "" {
		t.Fatalf("a refused merge moved the object anyway: %v", got)
	}
}
