package e2e

import (
	"context"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/crosscheck"
)

// TestMigrationCrossCheck migrates a generated lab of ~1,500 objects with
// `senaite-sync standalone` and has a sceptic compare both labs through
// senaite.jsonapi alone (internal/crosscheck: no identity table, none of
// the product's schema, refs, verify or client code), pairing objects by
// content: any object unmatched, any value that differs, any id changed,
// any review state or parent that differs and any reference left dangling
// fails the test, with the report.
func TestMigrationCrossCheck(t *testing.T) {
	m := newMigration(t, 1500, 66)
	d := m.d
	d.env = append(d.env, "SENAITE_SYNC_NATS_URL=")
	d.start("standalone")
	d.waitAPI()
	m.register()
	m.migrate(nil)

	ctx := context.Background()
	src, err := crosscheck.Read(ctx, m.srcURL, "admin", "secret")
	if err != nil {
		t.Fatal(err)
	}
	dst, err := crosscheck.Read(ctx, m.dstURL, "admin", "secret")
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Objects) != m.srcLab.Total() || len(dst.Objects) != m.dstLab.Total() {
		t.Fatalf("read %d and %d objects, the labs hold %d and %d",
			len(src.Objects), len(dst.Objects), m.srcLab.Total(), m.dstLab.Total())
	}
	rep := crosscheck.Compare(src, dst, crosscheck.Options{Examples: 3})
	if !rep.Clean() {
		t.Errorf("the destination is not the source's copy:\n%s", rep)
	} else {
		t.Logf("%s", rep)
	}
}
