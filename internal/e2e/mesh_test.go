package e2e

import (
	"context"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// TestFullMeshConverges is the topology the seed warns against: three
// labs, each a remote of every other. X is migrated into Y and Z; Y and Z
// then both register a client with the same client id (labs that grew
// apart), and Z edits one of X's clients. After rounds of every remote's
// update, every lab holds each client exactly once — the twins linked by
// their natural key and the link reported, not duplicated — the edit has
// reached every lab, a further round writes nothing anywhere, and every
// remote verifies clean.
func TestFullMeshConverges(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	labs := map[string]*senaite.Client{
		"lab_x": f.lab("lab_x", 300, 401),
		"lab_y": f.lab("lab_y", 0, 402),
		"lab_z": f.lab("lab_z", 0, 403),
	}
	names := []string{"lab_x", "lab_y", "lab_z"}
	var remotes []string
	for _, s := range names {
		for _, d := range names {
			if s != d {
				r := s[4:] + "_to_" + d[4:]
				f.remote(r, s, d, nil)
				remotes = append(remotes, r)
			}
		}
	}
	for _, r := range []string{"x_to_y", "x_to_z"} {
		f.step(r, "fetch")
		f.step(r, "import")
	}
	x, y, z := labs["lab_x"], labs["lab_y"], labs["lab_z"]

	nextSecond()
	for _, cl := range []*senaite.Client{y, z} {
		if _, err := cl.Create(ctx, "Client", first(t, cl, "ClientFolder", "", 1)[0].UID,
			map[string]any{"Name": "Mesh Lab", "ClientID": "MESH"}); err != nil {
			t.Fatal(err)
		}
	}
	xClient := first(t, x, "Client", "", 1)[0]
	if _, err := z.Update(ctx, f.replica("lab_x", "lab_z", xClient.UID), map[string]any{"Phone": "edited at Z"}, ""); err != nil {
		t.Fatal(err)
	}
	round := func() map[string]int64 {
		t.Helper()
		before := map[string]int64{}
		for _, n := range names {
			before[n] = labWrites(t, f.urls[n])
		}
		for _, r := range remotes {
			f.step(r, "update")
		}
		out := map[string]int64{}
		for _, n := range names {
			out[n] = labWrites(t, f.urls[n]) - before[n]
		}
		return out
	}
	for i := 0; i < 2; i++ {
		t.Logf("round %d writes: %v", i+1, round())
	}
	if w := round(); w["lab_x"]+w["lab_y"]+w["lab_z"] != 0 {
		t.Fatalf("a third round still wrote %v: the mesh does not settle", w)
	}
	for _, n := range names {
		if c := countByKey(t, labs[n], "Client", "ClientID", "MESH"); c != 1 {
			t.Fatalf("%s holds the client MESH %d times", n, c)
		}
		if c := countByKey(t, labs[n], "Client", "Phone", "edited at Z"); c != 1 {
			t.Fatalf("Z's edit of X's client is on %s %d times", n, c)
		}
		if got, want := f.labs[n].Stats(nil).ByType["Client"], f.labs["lab_x"].Stats(nil).ByType["Client"]; got != want {
			t.Fatalf("%s holds %d clients, X %d", n, got, want)
		}
	}
	// the twins were linked, and it says so
	var linked struct {
		Objects []struct {
			Reason string `json:"reason"`
		} `json:"objects"`
	}
	f.d.call("GET", "/api/v1/remotes/y_to_z/objects?portal_type=Client&state=merged", nil, &linked)
	if len(linked.Objects) != 1 {
		f.d.call("GET", "/api/v1/remotes/z_to_y/objects?portal_type=Client&state=merged", nil, &linked)
	}
	if len(linked.Objects) != 1 {
		t.Fatalf("the natural-key link of MESH is not reported: %+v", linked.Objects)
	}
	for _, r := range remotes {
		f.d.verifyClean(r)
	}
}
