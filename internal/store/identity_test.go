package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

func TestIdentityAndImported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	run, _ := s.CreateRun(ctx, rm.ID, store.KindFetch)
	if _, err := s.UpsertFetched(ctx, rm.ID, run.ID, []store.Fetched{{SourceUID: "src-1", PortalType: "Client",
		SourcePath: "/senaite/clients/client-1", Data: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	id, err := s.EnsureIdentity(ctx, rm.SourceID, "src-1", "Client")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.EnsureIdentity(ctx, rm.SourceID, "src-1", "Client")
	if again != id {
		t.Fatalf("identity %d then %d", id, again)
	}
	if _, ok, _ := s.Replica(ctx, id, rm.DestinationID); ok {
		t.Fatal("replica before import")
	}
	intent, existed, err := s.RecordIntent(ctx, rm.ID, "src-1", store.Intent{PortalType: "Client", DestParentUID: "dst-folder"})
	if err != nil || existed {
		t.Fatalf("intent: %v %v", existed, err)
	}
	second, existed, _ := s.RecordIntent(ctx, rm.ID, "src-1", store.Intent{PortalType: "Client", DestParentUID: "other"})
	if !existed || !second.CreatedAt.Equal(intent.CreatedAt) || second.DestParentUID != "dst-folder" {
		t.Fatalf("a retry must see the first intent: %+v", second)
	}
	from := []string{store.ObjFetched}
	if err := s.Imported(ctx, rm.ID, "src-1", id, rm.DestinationID, "dst-1", time.Now(), false, from, store.ObjImported); err != nil {
		t.Fatal(err)
	}
	// a redelivery that created again would be refused by the identity
	if err := s.Imported(ctx, rm.ID, "src-1", id, rm.DestinationID, "dst-2", time.Now(), false, from, store.ObjImported); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second replica: %v", err)
	}
	got, _ := s.Translate(ctx, rm.SourceID, rm.DestinationID, []string{"src-1", "src-unknown"})
	if len(got) != 1 || got["src-1"] != "dst-1" {
		t.Fatalf("translate %v", got)
	}
	if who, claimed, _ := s.ClaimedBy(ctx, rm.DestinationID, "dst-1"); !claimed || who != id {
		t.Fatal("the destination copy is claimed by the identity")
	}
}
