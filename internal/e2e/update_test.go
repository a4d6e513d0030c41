package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// labClient is a plain senaite.jsonapi client of a simulated lab: how the
// tests play the lab's own users.
func labClient(t *testing.T, url string) *senaite.Client {
	t.Helper()
	cl, err := senaite.New(senaite.Config{URL: url, Username: "admin", Password: "secret", MaxConcurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// labWrites is how many writes a simulated lab has served.
func labWrites(t *testing.T, url string) int64 {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(url, "/senaite") + "/__sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Requests map[string]int64 `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Requests["writes"]
}

// nextSecond waits for the labs' clock to pass into the next second:
// SENAITE's `modified` has one-second resolution, and an edit in the same
// second as the version a sync saw cannot be told from it — by any tool.
func nextSecond() {
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
}

// first returns the first objects of a type at a lab in a review state
// ("" any), complete.
func first(t *testing.T, cl *senaite.Client, portalType, state string, n int) []senaite.Item {
	t.Helper()
	var out []senaite.Item
	for it, err := range cl.Search(context.Background(), senaite.Query{PortalTypes: []string{portalType}, Complete: true,
		ReviewState: state, Limit: 50}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, it)
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("the lab has fewer than %d %s objects in state %q", n, portalType, state)
	return nil
}

// replicaOf is the destination UID of a source object, from the identity
// table.
func (m *migration) replicaOf(uid string) string {
	t := m.d.t
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, m.d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rm, err := st.Remote(ctx, "a_to_b")
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Translate(ctx, rm.SourceID, rm.DestinationID, []string{uid})
	if err != nil || got[uid] == "" {
		t.Fatalf("no replica of %s: %v", uid, err)
	}
	return got[uid]
}

// standalone migrates the source into the destination with one
// `senaite-sync standalone` (embedded NATS): where the tests of keeping
// labs in step start from.
func (m *migration) standalone() {
	m.d.t.Helper()
	m.d.env = append(m.d.env, "SENAITE_SYNC_NATS_URL=")
	m.d.start("standalone")
	m.d.waitAPI()
	m.register()
	m.migrate(nil)
}

func (m *migration) update(want string) run {
	m.d.t.Helper()
	r := m.d.runStep("a_to_b", "update", nil)
	if r.Run.Status != want {
		m.d.dumpLogs()
		m.d.t.Fatalf("update %s, want %s: %s", r.Run.Status, want, r.Run.Error)
	}
	return r
}

// TestBackupFollowsSource is the seed's back-up: a lab migrated into an
// empty one is kept current by `update`. An update with nothing changed
// writes nothing; edits, new objects, transitions and deactivations at
// the source reach the backup, which equals the source afterwards; an
// object edited on both sides is a conflict that overwrites neither until
// a person takes a side.
func TestBackupFollowsSource(t *testing.T) {
	m := newMigration(t, 1500, 66)
	d := m.d
	m.standalone()
	ctx := context.Background()
	src, dst := labClient(t, m.srcURL), labClient(t, m.dstURL)

	before := labWrites(t, m.dstURL)
	m.update("succeeded")
	if n := labWrites(t, m.dstURL) - before; n != 0 {
		d.dumpLogs()
		t.Fatalf("an update with nothing changed at the source wrote %d times to the destination", n)
	}

	nextSecond()
	clients := first(t, src, "Client", "", 2)
	if _, err := src.Update(ctx, clients[0].UID, map[string]any{"Phone": "+41 00 111 22 33"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Create(ctx, "Client", first(t, src, "ClientFolder", "", 1)[0].UID,
		map[string]any{"Name": "Backup Test Lab", "ClientID": "BTL"}); err != nil {
		t.Fatal(err)
	}
	due := first(t, src, "AnalysisRequest", "sample_due", 1)[0]
	if _, err := src.Update(ctx, due.UID, nil, "receive"); err != nil {
		t.Fatal(err)
	}
	method := first(t, src, "Method", "active", 1)[0]
	if _, err := src.Update(ctx, method.UID, nil, "deactivate"); err != nil {
		t.Fatal(err)
	}
	r := m.update("succeeded")
	// read completely: the new client, the edited one, the received sample
	// with its analyses, the deactivated method; created: the new client
	analyses := len(m.srcLab.Lookup(due.UID).Children())
	if c := r.Run.Counts; c["created"] != 1 || c["updated"] != 3+analyses || c["fetched"] != 4+analyses {
		t.Errorf("update counts %v: want 1 created, %d updated, %d read", c, 3+analyses, 4+analyses)
	}
	m.assertMirrored()

	// the same client edited on both sides: a conflict, nothing overwritten
	nextSecond()
	destUID := m.replicaOf(clients[1].UID)
	if _, err := src.Update(ctx, clients[1].UID, map[string]any{"Phone": "source phone"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Update(ctx, destUID, map[string]any{"Phone": "destination phone"}, ""); err != nil {
		t.Fatal(err)
	}
	r = m.update("partial")
	if r.Run.Counts["conflicts"] != 1 {
		t.Errorf("update counts %v: want one conflict", r.Run.Counts)
	}
	if it, err := dst.Get(ctx, destUID); err != nil || it.String("Phone") != "destination phone" {
		t.Fatalf("the destination's edit was overwritten: %q %v", it.String("Phone"), err)
	}
	var conflicts struct {
		Conflicts []struct {
			SourceUID string `json:"source_uid"`
			Fields    []struct {
				Field, Source, Destination string
			} `json:"fields"`
			SourceModified *time.Time `json:"source_modified"`
			DestModified   *time.Time `json:"destination_modified"`
		} `json:"conflicts"`
	}
	d.call("GET", "/api/v1/remotes/a_to_b/conflicts", nil, &conflicts)
	if len(conflicts.Conflicts) != 1 {
		t.Fatalf("conflicts: %+v", conflicts)
	}
	c := conflicts.Conflicts[0]
	if c.SourceUID != clients[1].UID || len(c.Fields) != 1 || c.Fields[0].Field != "Phone" ||
		!strings.Contains(c.Fields[0].Source, "source phone") || !strings.Contains(c.Fields[0].Destination, "destination phone") ||
		c.SourceModified == nil || c.DestModified == nil {
		t.Fatalf("conflict: %+v", c)
	}
	if st := d.call("POST", "/api/v1/remotes/a_to_b/conflicts/"+clients[1].UID+"/resolve", map[string]string{"take": "source"}, nil); st != 200 {
		t.Fatalf("resolve: %d", st)
	}
	if it, err := dst.Get(ctx, destUID); err != nil || it.String("Phone") != "source phone" {
		t.Fatalf("resolved by taking the source, the destination has %q %v", it.String("Phone"), err)
	}
	m.assertMirrored()
	before = labWrites(t, m.dstURL)
	m.update("succeeded")
	if n := labWrites(t, m.dstURL) - before; n != 0 {
		t.Fatalf("an update after the resolution wrote %d times to the destination", n)
	}
}
