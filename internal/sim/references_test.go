package sim

import (
	"slices"
	"testing"
)

func TestReferenceFields(t *testing.T) {
	t.Parallel()
	for _, fl := range []Flavor{Flavor2x, Flavor1x} {
		fields, err := ReferenceFields(fl)
		if err != nil {
			t.Fatal(err)
		}
		find := func(pt, name string) *ReferenceField {
			for i := range fields {
				if fields[i].PortalType == pt && fields[i].Field == name {
					return &fields[i]
				}
			}
			return nil
		}
		if f := find("Batch", "BatchLabels"); f == nil || f.Kind != KLines || !slices.Equal(f.Targets, []string{"BatchLabel"}) {
			t.Errorf("%s: Batch.BatchLabels = %+v, want lines of BatchLabel UIDs", fl, f)
		}
		if f := find("Worksheet", "Layout"); f == nil || !slices.Contains(f.RefKeys, "analysis_uid") {
			t.Errorf("%s: Worksheet.Layout = %+v, want its analysis_uid key", fl, f)
		}
		if f := find("Client", "ClientID"); f != nil {
			t.Errorf("%s: a string field listed: %+v", fl, f)
		}
		if f := find("Worksheet", "Remarks"); f != nil {
			t.Errorf("%s: a text field listed: %+v", fl, f)
		}
	}
	if _, err := ReferenceFields("3.x"); err == nil {
		t.Error("an unknown flavour must be refused")
	}
}
