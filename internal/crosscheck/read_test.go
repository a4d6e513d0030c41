package crosscheck

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// labServer serves a lab over HTTP on 127.0.0.1 and returns its site URL.
func labServer(t *testing.T, lab *sim.Lab) string {
	t.Helper()
	hs := httptest.NewServer(sim.NewServer(lab, nil, nil))
	t.Cleanup(hs.Close)
	return hs.URL + "/" + lab.Site()
}

func generatedLab(t *testing.T, seed uint64, objects int) *sim.Lab {
	t.Helper()
	lab, err := sim.NewLab(sim.Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Generate(lab, objects); err != nil {
		t.Fatal(err)
	}
	return lab
}

// TestReadEveryObject reads a generated lab over HTTP: every object the
// lab holds is in the snapshot, per portal type, and the lab compared with
// itself is clean.
func TestReadEveryObject(t *testing.T) {
	lab := generatedLab(t, 66, 1500)
	url := labServer(t, lab)
	snap, err := (&Reader{PageSize: 50, Concurrency: 4}).Read(context.Background(), url, "admin", "secret")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Objects) != lab.Total() {
		t.Errorf("read %d objects, the lab holds %d", len(snap.Objects), lab.Total())
	}
	got := map[string]int{}
	for _, o := range snap.Objects {
		got[o.PortalType]++
	}
	for pt, n := range lab.Stats(nil).ByType {
		if got[pt] != n {
			t.Errorf("%s: read %d, the lab holds %d", pt, got[pt], n)
		}
		if snap.Counts[pt] != n {
			t.Errorf("%s: listing count %d, the lab holds %d", pt, snap.Counts[pt], n)
		}
	}
	for pt, n := range got {
		if lab.Count(pt) != n {
			t.Errorf("%s: read %d, the lab holds %d", pt, n, lab.Count(pt))
		}
	}
	rep := Compare(snap, snap, Options{})
	if !rep.Clean() {
		t.Errorf("a lab compared with itself:\n%s", rep)
	}
	t.Log(rep)
}

// TestReadWrongPassword: a wrong password is an error, not an empty lab.
func TestReadWrongPassword(t *testing.T) {
	lab, err := sim.NewLab(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Read(context.Background(), labServer(t, lab), "admin", "wrong")
	if !errors.Is(err, errUnauthorized) {
		t.Fatalf("want the credentials refused, got %v", err)
	}
}

// TestReadFreshSetup reads a fresh 2.6 site, whose Dexterity Setup
// senaite.jsonapi cannot show completely (its publication body was never
// saved): the read goes on, the Setup keeps its light item and the report
// names it as unreadable on each side.
func TestReadFreshSetup(t *testing.T) {
	lab, err := sim.NewLab(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Read(context.Background(), labServer(t, lab), "admin", "secret")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Objects) != lab.Total() {
		t.Errorf("read %d objects, the lab holds %d", len(snap.Objects), lab.Total())
	}
	var partial []string
	for _, o := range snap.Objects {
		if o.Partial != "" {
			partial = append(partial, o.PortalType+" "+o.Path+": "+o.Partial)
		}
	}
	if len(partial) != 1 || partial[0] != "Setup /senaite/setup: 'unicode' object has no attribute 'output'" {
		t.Errorf("partial objects: %q", partial)
	}
	rep := Compare(snap, snap, Options{})
	if len(rep.Unreadable) != 2 || rep.Differences() != 2 {
		t.Errorf("want the Setup unreadable on both sides and nothing else:\n%s", rep)
	}
}

// TestReadCancelled: a read whose context ends is an error, not a partial
// snapshot.
func TestReadCancelled(t *testing.T) {
	lab := generatedLab(t, 66, 300)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if snap, err := Read(ctx, labServer(t, lab), "admin", "secret"); err == nil {
		t.Fatalf("a cancelled read returned %d objects", len(snap.Objects))
	}
}

// fakeLab answers /auth, /catalogs with one type and /search with what
// search returns.
func fakeLab(t *testing.T, search func(q url.Values) string) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch strings.TrimPrefix(r.URL.Path, "/senaite/@@API/senaite/v1") {
		case "/auth":
			fmt.Fprint(w, `{"_runtime": 0.1}`)
		case "/catalogs":
			fmt.Fprint(w, `{"count": 1, "items": [{"id": "senaite_catalog_client", "indexes": ["created"], "portal_types": ["Client"]}]}`)
		case "/search":
			fmt.Fprint(w, search(r.URL.Query()))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/senaite"
}

func clientItem(n int) string {
	return fmt.Sprintf(`{"uid": "%032x", "id": "client-%d", "portal_type": "Client", "path": "/senaite/clients/client-%d", "parent_uid": "0"}`, n, n, n)
}

// TestReadShortPage: a listing whose pages hold fewer objects than its
// count says is an error — something would be missed.
func TestReadShortPage(t *testing.T) {
	site := fakeLab(t, func(q url.Values) string {
		return `{"count": 3, "items": [` + clientItem(1) + `, ` + clientItem(2) + `]}`
	})
	_, err := Read(context.Background(), site, "admin", "secret")
	if err == nil || !strings.Contains(err.Error(), "holds 2 items, the paging arithmetic says 3") {
		t.Fatalf("want the short page refused, got %v", err)
	}
}

// TestReadRefusal: an HTTP-200 success:false is an error, even where a
// page read object by object cannot find the object again.
func TestReadRefusal(t *testing.T) {
	site := fakeLab(t, func(q url.Values) string {
		return `{"success": false, "message": "KeyError: 'boom'", "_runtime": 0.1}`
	})
	_, err := Read(context.Background(), site, "admin", "secret")
	if err == nil || !strings.Contains(err.Error(), "success:false: KeyError: 'boom'") {
		t.Fatalf("want the refusal as an error, got %v", err)
	}
}
