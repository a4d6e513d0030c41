package e2e

import (
	"context"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// TestGrownApartLabsShareMethodsBothWays: two labs generated apart — each
// with its own "SOP-001 ICP-MS" — share their methods both ways
// (--full-sync-types Method on A→B and B→A), as issue #13 asks. The first
// imports merge what both hold by title instead of failing on the
// destination's uniqueness; a method new on either side arrives once on
// the other and never comes back as a second one; an edit travels; and
// further rounds write nothing to either lab.
func TestGrownApartLabsShareMethodsBothWays(t *testing.T) {
	f := newFleet(t)
	a := f.lab("lab_a", 150, 601)
	b := f.lab("lab_b", 150, 602)
	methods := map[string]any{"full_sync_types": []string{"Method"}}
	f.remote("a_to_b", "lab_a", "lab_b", methods)
	f.remote("b_to_a", "lab_b", "lab_a", methods)
	ctx := context.Background()
	titles := func(lab *senaite.Client) map[string]int {
		t.Helper()
		out := map[string]int{}
		for it, err := range lab.Search(ctx, senaite.Query{PortalTypes: []string{"Method"}, Complete: true, Limit: 100}) {
			if err != nil {
				t.Fatal(err)
			}
			out[it.String("title")]++
		}
		return out
	}
	shared := 0
	ta, tb := titles(a), titles(b)
	for title := range ta {
		if tb[title] > 0 {
			shared++
		}
	}
	if shared == 0 {
		t.Fatal("the generated labs share no method title: the test would prove nothing")
	}

	for _, r := range []string{"a_to_b", "b_to_a"} {
		f.step(r, "fetch")
		f.step(r, "import")
	}
	settled := func(when string) {
		t.Helper()
		ta, tb := titles(a), titles(b)
		for _, side := range []map[string]int{ta, tb} {
			for title, n := range side {
				if n != 1 || ta[title] != 1 || tb[title] != 1 {
					t.Fatalf("%s: method %q is held %d times by lab a and %d times by lab b, want once each", when, title, ta[title], tb[title])
				}
			}
		}
	}
	settled("after the first imports")

	// a method new on each side
	onlyA, err := a.Create(ctx, "Method", first(t, a, "Methods", "", 1)[0].UID, map[string]any{"title": "Titration (lab a)"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create(ctx, "Method", first(t, b, "Methods", "", 1)[0].UID, map[string]any{"title": "Turbidity (lab b)"}); err != nil {
		t.Fatal(err)
	}
	// rounds runs both directions once and returns the writes each lab
	// received
	round := func() [2]int64 {
		t.Helper()
		wa, wb := labWrites(t, f.urls["lab_a"]), labWrites(t, f.urls["lab_b"])
		f.step("a_to_b", "update")
		f.step("b_to_a", "update")
		return [2]int64{labWrites(t, f.urls["lab_a"]) - wa, labWrites(t, f.urls["lab_b"]) - wb}
	}
	nextSecond()
	round()
	settled("after the new methods' round")
	if ta, tb := titles(a), titles(b); ta["Titration (lab a)"] != 1 || tb["Turbidity (lab b)"] != 1 {
		t.Fatalf("the new methods did not arrive: a %v, b %v", ta, tb)
	}

	// an edit of lab a's new method travels to its copy at lab b
	nextSecond()
	if _, err := a.Update(ctx, onlyA.UID, map[string]any{"Instructions": "Edited at lab a"}, ""); err != nil {
		t.Fatal(err)
	}
	round()
	copyAtB := f.replica("lab_a", "lab_b", onlyA.UID)
	if it, err := b.Get(ctx, copyAtB); err != nil || it.String("Instructions") != "Edited at lab a" {
		t.Fatalf("the edit did not reach lab b: %q %v", it.String("Instructions"), err)
	}
	settled("after the edit's round")

	// settled: nothing more to write, either way
	for i := 0; i < 2; i++ {
		if w := round(); w != [2]int64{0, 0} {
			t.Fatalf("round %d after the edit wrote %v (lab a, lab b), want nothing", i+1, w)
		}
	}
}
