package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// TestLockObject: one worker at a time on an object, another object is
// free meanwhile, and the lock goes with its holder's connection — as when
// the worker's process is killed.
func TestLockObject(t *testing.T) {
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
	other, err := store.Open(ctx, url) // another worker's process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	release, ok, err := st.LockObject(ctx, 1, "uid-a")
	if err != nil || !ok {
		t.Fatalf("first lock: %v %v", ok, err)
	}
	if _, ok, err := other.LockObject(ctx, 1, "uid-a"); err != nil || ok {
		t.Fatalf("a second worker got the lock of a held object: %v %v", ok, err)
	}
	if rel, ok, err := other.LockObject(ctx, 1, "uid-b"); err != nil || !ok {
		t.Fatalf("another object: %v %v", ok, err)
	} else {
		rel()
	}
	if rel, ok, err := other.LockObject(ctx, 2, "uid-a"); err != nil || !ok {
		t.Fatalf("the same uid of another remote: %v %v", ok, err)
	} else {
		rel()
	}
	release()
	rel, ok, err := other.LockObject(ctx, 1, "uid-a")
	if err != nil || !ok {
		t.Fatalf("after release: %v %v", ok, err)
	}
	rel()
}

// TestLockedWorkersStillWork: workers holding locks never starve the work
// itself of connections — the coordinator tests hung with sixteen imports
// on pgxpool's default of four, each holding a lock and waiting for a
// connection.
func TestLockedWorkersStillWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.Schema(t)+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		release, ok, err := st.LockObject(ctx, 1, fmt.Sprintf("uid-%d", i))
		if err != nil || !ok {
			t.Fatalf("lock %d: %v %v", i, ok, err)
		}
		defer release()
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, _, err := st.SchemaVersion(wctx); err != nil {
		t.Fatalf("with four objects locked the store has no connection left: %v", err)
	}
}
