package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// countByKey counts a lab's objects of a type whose field has value.
func countByKey(t *testing.T, cl *senaite.Client, portalType, field, value string) int {
	t.Helper()
	n := 0
	for it, err := range cl.Search(context.Background(), senaite.Query{PortalTypes: []string{portalType}, Complete: true, Limit: 200}) {
		if err != nil {
			t.Fatal(err)
		}
		if it.String(field) == value {
			n++
		}
	}
	return n
}

// TestBidirectionalSettles runs A→B and B→A for several rounds: an edit
// on either side reaches the other, an object created on either side
// exists once on each, and once an edit has travelled nothing is written
// any more — our own writes are never taken for changes (the seed's
// "infinite loop"), proven by counting the labs' writes round by round.
func TestBidirectionalSettles(t *testing.T) {
	m := newMigration(t, 800, 91)
	d := m.d
	d.env = append(d.env, "SENAITE_SYNC_NATS_URL=")
	d.start("standalone")
	d.waitAPI()
	m.register()
	if st := d.call("POST", "/api/v1/remotes", map[string]any{"name": "b_to_a", "source": "lab_b", "destination": "lab_a"}, nil); st != http.StatusCreated {
		t.Fatalf("remote b_to_a: %d", st)
	}
	m.migrate(nil)
	ctx := context.Background()
	a, b := labClient(t, m.srcURL), labClient(t, m.dstURL)
	step := func(remote string) {
		t.Helper()
		if r := d.runStep(remote, "update", nil); r.Run.Status != "succeeded" {
			d.dumpLogs()
			t.Fatalf("%s update %s: %s", remote, r.Run.Status, r.Run.Error)
		}
	}
	// rounds runs both directions n times and returns the writes each lab
	// received per round
	rounds := func(n int, order ...string) [][2]int64 {
		t.Helper()
		var out [][2]int64
		for i := 0; i < n; i++ {
			wa, wb := labWrites(t, m.srcURL), labWrites(t, m.dstURL)
			for _, r := range order {
				step(r)
			}
			out = append(out, [2]int64{labWrites(t, m.srcURL) - wa, labWrites(t, m.dstURL) - wb})
		}
		return out
	}

	// B→A's first look at B: everything there came from A and is equal
	if w := rounds(1, "b_to_a"); w[0] != [2]int64{0, 0} {
		t.Fatalf("the first B→A update wrote %v (A, B): B holds nothing A lacks", w[0])
	}

	nextSecond()
	clients := first(t, a, "Client", "", 2)
	if _, err := a.Update(ctx, clients[0].UID, map[string]any{"Phone": "edited at A"}, ""); err != nil {
		t.Fatal(err)
	}
	w := rounds(3, "a_to_b", "b_to_a")
	if w[0][1] == 0 || w[0][0] != 0 || w[1] != [2]int64{0, 0} || w[2] != [2]int64{0, 0} {
		t.Fatalf("writes per round (A, B) after an edit at A: %v; want B written once, then nothing", w)
	}
	if it, err := b.Get(ctx, m.replicaOf(clients[0].UID)); err != nil || it.String("Phone") != "edited at A" {
		t.Fatalf("B's copy: %q %v", it.String("Phone"), err)
	}

	nextSecond()
	if _, err := b.Update(ctx, m.replicaOf(clients[1].UID), map[string]any{"Phone": "edited at B"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create(ctx, "Client", first(t, b, "ClientFolder", "", 1)[0].UID,
		map[string]any{"Name": "Made at B", "ClientID": "MAB"}); err != nil {
		t.Fatal(err)
	}
	w = rounds(3, "b_to_a", "a_to_b")
	if w[0][0] == 0 || w[0][1] != 0 || w[1] != [2]int64{0, 0} || w[2] != [2]int64{0, 0} {
		t.Fatalf("writes per round (A, B) after an edit at B: %v; want A written once, then nothing", w)
	}
	if it, err := a.Get(ctx, clients[1].UID); err != nil || it.String("Phone") != "edited at B" {
		t.Fatalf("A's client: %q %v", it.String("Phone"), err)
	}
	for _, cl := range []*senaite.Client{a, b} {
		if n := countByKey(t, cl, "Client", "ClientID", "MAB"); n != 1 {
			t.Fatalf("the client made at B exists %d times on %s", n, cl.SiteURL())
		}
	}

	// both sides edit the same client: a conflict; the person keeps B's
	// version, which then travels back to A, and the pair settles
	third := first(t, a, "Client", "", 3)[2]
	nextSecond()
	if _, err := a.Update(ctx, third.UID, map[string]any{"Phone": "A's phone"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Update(ctx, m.replicaOf(third.UID), map[string]any{"Phone": "B's phone"}, ""); err != nil {
		t.Fatal(err)
	}
	if r := d.runStep("a_to_b", "update", nil); r.Run.Status != "partial" || r.Run.Counts["conflicts"] != 1 {
		t.Fatalf("a_to_b after edits on both sides: %s %v", r.Run.Status, r.Run.Counts)
	}
	if st := d.call("POST", "/api/v1/remotes/a_to_b/conflicts/"+third.UID+"/resolve", map[string]string{"take": "destination"}, nil); st != http.StatusOK {
		t.Fatalf("resolve: %d", st)
	}
	w = rounds(3, "b_to_a", "a_to_b")
	if w[0][0] == 0 || w[0][1] != 0 || w[1] != [2]int64{0, 0} || w[2] != [2]int64{0, 0} {
		t.Fatalf("writes per round (A, B) after keeping B's version: %v; want A written once, then nothing", w)
	}
	for _, cl := range []*senaite.Client{a, b} {
		if n := countByKey(t, cl, "Client", "Phone", "B's phone"); n != 1 {
			t.Fatalf("the kept version is on %s %d times", cl.SiteURL(), n)
		}
	}
	m.assertMirrored()
	d.verifyClean("b_to_a")
}
