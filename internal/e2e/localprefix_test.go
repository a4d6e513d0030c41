package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestLocalPrefixLinksOwnObjects is a master and a collaborator that the
// original add-on synced before: the master M holds the collaborator A's
// client under the id the add-on gave it, A's prefix and A's own id
// (A-client-1). With clients update-only and A's local prefix on M→A, that
// client is linked to A's own one and updates it; none is created at A.
func TestLocalPrefixLinksOwnObjects(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	a := f.lab("lab_a", 0, 702)
	own, err := a.Create(ctx, "Client", first(t, a, "ClientFolder", "", 1)[0].UID,
		map[string]any{"Name": "Happy Hills", "ClientID": "HH"})
	if err != nil {
		t.Fatal(err)
	}

	// M, as the original add-on left it: one of its clients is A's, named
	// with A's prefix
	gen, _ := sim.NewLab(sim.Options{Seed: 701, Users: labUsers})
	if err := sim.Generate(gen, 200); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.json")
	if err := gen.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var saved map[string]any
	if err := json.Unmarshal(raw, &saved); err != nil {
		t.Fatal(err)
	}
	var copyUID string
	for _, o := range saved["objects"].([]any) {
		obj := o.(map[string]any)
		if obj["portal_type"] == "Client" && copyUID == "" {
			obj["id"] = "A-" + own.ID
			copyUID = obj["uid"].(string)
		}
	}
	if raw, err = json.Marshal(saved); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	mLab, err := sim.LoadFile(path, sim.Options{Users: labUsers})
	if err != nil {
		t.Fatal(err)
	}
	f.labs["lab_m"], f.urls["lab_m"] = mLab, labServer(t, mLab)
	f.d.call("POST", "/api/v1/instances", map[string]any{"name": "lab_m", "url": f.urls["lab_m"],
		"username": "admin", "password": "secret"}, nil)
	m := labClient(t, f.urls["lab_m"])
	master, err := m.Get(ctx, copyUID)
	if err != nil || master.ID != "A-"+own.ID {
		t.Fatalf("M's copy of A's client: %s %v", master.ID, err)
	}

	f.remote("m_to_a", "lab_m", "lab_a", map[string]any{"local_prefix": "A-", "update_only_types": []string{"Client"}})
	f.step("m_to_a", "fetch")
	f.step("m_to_a", "import")
	if n := f.labs["lab_a"].Stats(nil).ByType["Client"]; n != 1 {
		t.Fatalf("lab A holds %d clients, want its own one (clients are update-only)", n)
	}
	if got, err := a.Get(ctx, own.UID); err != nil || got.String("Name") != master.String("Name") {
		t.Fatalf("A's own client was not updated from M: %q, M has %q (%v)", got.String("Name"), master.String("Name"), err)
	}
	if got := f.replica("lab_m", "lab_a", copyUID); got != own.UID {
		t.Fatalf("M's copy is linked to %q, want A's own client %s", got, own.UID)
	}
}
