package schema_test

import (
	"slices"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestIdentityRules checks the table row by row against the simulated
// senaite.core 2.6: a rule said to be enforced is a field the lab refuses a
// second value of, a vocabulary rule is not (it is ours), and every unique
// validator of the lab has its rule — a create refused as not unique must
// always find the object that holds the key.
func TestIdentityRules(t *testing.T) {
	unique, err := sim.UniqueFields(sim.Flavor2x)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range schema.IdentityTypes() {
		t.Run(pt, func(t *testing.T) {
			r, ok := schema.Identity(pt)
			if !ok || r.Field == "" {
				t.Fatalf("no rule: %+v", r)
			}
			enforced := slices.Contains(unique[pt], r.Field)
			switch {
			case r.Enforced != "" && !enforced:
				t.Errorf("%s.%s said enforced by %s, but the lab takes a second value", pt, r.Field, r.Enforced)
			case r.Enforced == "" && enforced:
				t.Errorf("%s.%s is a unique validator of the lab: name it", pt, r.Field)
			}
		})
	}
	for pt, fields := range unique {
		r, ok := schema.Identity(pt)
		if !ok || !slices.Contains(fields, r.Field) {
			t.Errorf("%s: the lab refuses a second %v, and no identity rule keys it", pt, fields)
		}
	}
	if _, ok := schema.Identity("AnalysisRequest"); ok {
		t.Error("samples are each their own: no identity rule")
	}
}
