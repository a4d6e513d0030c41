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
	if same, uid, ok, err := s.EnsureIdentityOn(ctx, rm.SourceID, "src-1", "Client", "A-client-1", nil, rm.DestinationID); err != nil || same != id || ok || uid != "" {
		t.Fatalf("identity with its destination copy before import: %d %q %v %v", same, uid, ok, err)
	}
	if label, err := s.Label(ctx, id); err != nil || label != "A-client-1" {
		t.Fatalf("origin label %q %v", label, err)
	}
	intent, existed, err := s.RecordIntent(ctx, rm.ID, "src-1", store.Intent{PortalType: "Client", DestParentUID: "dst-folder"})
	if err != nil || existed {
		t.Fatalf("intent: %v %v", existed, err)
	}
	second, existed, _ := s.RecordIntent(ctx, rm.ID, "src-1", store.Intent{PortalType: "Client", DestParentUID: "other"})
	if !existed || !second.CreatedAt.Equal(intent.CreatedAt) || second.DestParentUID != "dst-folder" {
		t.Fatalf("a retry must see the first intent: %+v", second)
	}
	from := []store.ObjState{store.ObjFetched}
	if err := s.Imported(ctx, store.Copy{RemoteID: rm.ID, SourceUID: "src-1", IdentityID: id, DestInstanceID: rm.DestinationID, DestUID: "dst-1", DestModified: time.Now()}, from, store.ObjImported); err != nil {
		t.Fatal(err)
	}
	// a redelivery that created again would be refused by the identity
	if err := s.Imported(ctx, store.Copy{RemoteID: rm.ID, SourceUID: "src-1", IdentityID: id, DestInstanceID: rm.DestinationID, DestUID: "dst-2", DestModified: time.Now()}, from, store.ObjImported); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second replica: %v", err)
	}
	if same, uid, ok, err := s.EnsureIdentityOn(ctx, rm.SourceID, "src-1", "Client", "X-client-1", nil, rm.DestinationID); err != nil || same != id || !ok || uid != "dst-1" {
		t.Fatalf("identity with its destination copy after import: %d %q %v %v", same, uid, ok, err)
	}
	// the origin label is set once; nor does a copy's instance label it
	if _, _, _, err := s.EnsureIdentityOn(ctx, rm.DestinationID, "dst-1", "Client", "B-client-9", nil, rm.SourceID); err != nil {
		t.Fatal(err)
	}
	if label, _ := s.Label(ctx, id); label != "A-client-1" {
		t.Fatalf("origin label changed to %q", label)
	}
	fresh, _, _, err := s.EnsureIdentityOn(ctx, rm.SourceID, "src-2", "Client", "A-client-2", nil, rm.DestinationID)
	if label, _ := s.Label(ctx, fresh); err != nil || label != "A-client-2" {
		t.Fatalf("label of a new identity %q %v", label, err)
	}
	got, _ := s.Translate(ctx, rm.SourceID, rm.DestinationID, []string{"src-1", "src-unknown"})
	if len(got) != 1 || got["src-1"] != "dst-1" {
		t.Fatalf("translate %v", got)
	}
	if who, claimed, _ := s.ClaimedBy(ctx, rm.DestinationID, "dst-1"); !claimed || who != id {
		t.Fatal("the destination copy is claimed by the identity")
	}
}

// TestAdoptAll: a sample's analyses are recorded in one transaction; a
// redelivery (the same list again, with other destination UIDs) changes
// nothing, and a destination object another identity claims is not taken.
func TestAdoptAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	run, _ := s.CreateRun(ctx, rm.ID, store.KindFetch)
	var fetched []store.Fetched
	for _, u := range []string{"an-1", "an-2", "an-3"} {
		fetched = append(fetched, store.Fetched{SourceUID: u, PortalType: "Analysis", SourcePath: "/senaite/clients/c/S-1/" + u, Data: []byte(`{}`)})
	}
	if _, err := s.UpsertFetched(ctx, rm.ID, run.ID, fetched); err != nil {
		t.Fatal(err)
	}
	// dst-3 already belongs to another object's identity
	other, _ := s.EnsureIdentity(ctx, rm.SourceID, "someone-else", "Analysis")
	if err := s.Imported(ctx, store.Copy{RemoteID: rm.ID, SourceUID: "someone-else", IdentityID: other, DestInstanceID: rm.DestinationID, DestUID: "dst-3", DestModified: time.Now()}, []store.ObjState{store.ObjFetched}, store.ObjImported); err == nil {
		t.Fatal("imported an object that was never fetched")
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO replicas (identity_id, instance_id, uid) VALUES ($1, $2, 'dst-3')`, other, rm.DestinationID); err != nil {
		t.Fatal(err)
	}
	from := []store.ObjState{store.ObjFetched}
	list := []store.Adoption{{"an-1", "Analysis", "dst-1"}, {"an-2", "Analysis", "dst-2"}, {"an-3", "Analysis", "dst-3"}}
	n, err := s.AdoptAll(ctx, rm.ID, rm.SourceID, rm.DestinationID, from, list)
	if err != nil || n != 2 {
		t.Fatalf("adopted %d (%v), want 2: dst-3 is claimed", n, err)
	}
	again := []store.Adoption{{"an-1", "Analysis", "dst-9"}, {"an-2", "Analysis", "dst-8"}}
	if n, err := s.AdoptAll(ctx, rm.ID, rm.SourceID, rm.DestinationID, from, again); err != nil || n != 0 {
		t.Fatalf("redelivery adopted %d (%v)", n, err)
	}
	got, _ := s.Translate(ctx, rm.SourceID, rm.DestinationID, []string{"an-1", "an-2", "an-3"})
	if len(got) != 2 || got["an-1"] != "dst-1" || got["an-2"] != "dst-2" {
		t.Fatalf("replicas %v", got)
	}
	o, _ := s.Object(ctx, rm.ID, "an-3")
	if o.State != store.ObjFetched {
		t.Fatalf("an-3 is %s, want still fetched", o.State)
	}
}
