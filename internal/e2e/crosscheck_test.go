package e2e

import (
	"context"

	"github.com/senaite-sync/senaite-sync/internal/crosscheck"
)

// crossCheck has a sceptic compare both labs of a migration through
// senaite.jsonapi alone (internal/crosscheck: no identity table, none of
// the product's schema, refs, verify or client code), pairing objects by
// content: any object unmatched, any value that differs (ids embedded in
// values, such as a report's file name, included), any id changed, any
// review state or parent that differs and any reference left dangling
// fails the test, with the report. Every migration test ends with it
// (assertMirrored): the clean one, the one whose importer is killed by
// SIGKILL, the standalone one.
func (m *migration) crossCheck() {
	t := m.d.t
	t.Helper()
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
	}
}
