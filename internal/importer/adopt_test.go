package importer_test

import (
	"context"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/importer"
	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestCreatedCopyIsRecognised: after a create whose answer was lost, the
// retry recognises the object it made by its content (SameContent): for
// every type of setup without references, what was written reads back as
// the same content — else the retry creates a second copy.
func TestCreatedCopyIsRecognised(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 71, 300)
	parents := map[string]string{}
	for it, err := range r.dst.Search(ctx, senaite.Query{Limit: 500}) {
		if err != nil {
			t.Fatal(err)
		}
		parents[it.Path] = it.UID
	}
	seen := map[string]bool{}
	tried := 0
	var all []*sim.Object
	for pt := range r.srcLab.Stats(nil).ByType {
		all = append(all, r.srcLab.Objects(pt)...)
	}
	for _, o := range all {
		pt := o.Type.Name
		if seen[pt] || o.State == "inactive" {
			continue
		}
		items := r.fetch(t, o.UID)
		it := items[o.UID]
		parent, ok := parents[it.ParentPath]
		if !ok || schema.Structural(pt, it.Path) {
			continue // not a setup folder of a fresh site
		}
		// references left out: the copy is made without them, as the
		// import does when their targets come later
		fields, _ := importer.Payload(pt, it.Raw, func(string) (string, bool) { return "", false }, nil)
		if refsIn(fields) {
			continue
		}
		seen[pt] = true
		made, err := r.dst.Create(ctx, pt, parent, fields)
		if err != nil {
			continue // it needs the references left out
		}
		var back senaite.Item
		for b, err := range r.dst.Search(ctx, senaite.Query{UIDs: []string{made.UID}, Complete: true, Limit: 1}) {
			if err != nil {
				t.Fatal(err)
			}
			back = b
		}
		tried++
		if !importer.SameContent(fields, back) {
			t.Errorf("%s: the copy it made does not read back as the same content", pt)
		}
	}
	if tried < 10 {
		t.Fatalf("only %d types tried", tried)
	}
}

func refsIn(fields map[string]any) bool {
	for _, v := range fields {
		if s, ok := v.(string); ok && refs.IsUID(s) {
			return true
		}
	}
	return false
}
