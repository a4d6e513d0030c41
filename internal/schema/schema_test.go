package schema

import "testing"

func TestStructural(t *testing.T) {
	t.Parallel()
	tests := []struct {
		portalType, path string
		want             bool
	}{
		{"ClientFolder", "/senaite/clients", true},
		{"AnalysisServices", "/senaite/bika_setup/bika_analysisservices", true},
		{"Departments", "/senaite/setup/departments", true},
		{"Laboratory", "/senaite/bika_setup/laboratory", true},
		{"Department", "/senaite/setup/departments/department-1", false},
		{"Client", "/senaite/clients/client-1", false},
		{"AnalysisRequest", "/senaite/clients/client-1/WB-0001", false},
	}
	for _, tt := range tests {
		if got := Structural(tt.portalType, tt.path); got != tt.want {
			t.Errorf("Structural(%s, %s) = %v", tt.portalType, tt.path, got)
		}
	}
}

func TestSendable(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"uid", "id", "path", "workflow_info", "getClientUID", "sortable_title", "modified", "Instruments"} {
		if Sendable("Method", k) {
			t.Errorf("%s must not be sent", k)
		}
	}
	// a service's Instruments is a field of its own (Method.Instruments is
	// computed from the instruments' Methods): it was once never sent, and
	// every copied service lost its instruments (issue #11)
	for _, k := range []string{"title", "Keyword", "Category", "department_id", "Remarks", "DateSampled", "Instruments"} {
		if !Sendable("AnalysisService", k) {
			t.Errorf("%s is a field", k)
		}
	}
	if Sendable("AnalysisRequest", "Client") {
		t.Error("a sample's Client is its container")
	}
	if !Sendable("AnalysisRequest", "Analyses") {
		t.Error("a sample's Analyses are sent as service UIDs")
	}
}

func TestRequiredRefsAndKeys(t *testing.T) {
	t.Parallel()
	if !RequiredRef("Department", "manager") || RequiredRef("LabContact", "Departments") {
		t.Error("required references")
	}
	if NaturalKey("AnalysisService") != "Keyword" || NaturalKey("Analysis") != "" {
		t.Error("natural keys")
	}
}

func TestFieldsHidden(t *testing.T) {
	cases := []struct {
		pt, state string
		keys      []string
		want      bool
	}{
		{"SampleType", "inactive", []string{"uid", "title", "description", "getPrefix", "review_state", "path"}, true},
		{"SampleType", "active", []string{"uid", "title", "description"}, false},
		{"SampleType", "inactive", []string{"uid", "title", "prefix"}, false},
		// an AT object keeps its fields when inactive
		{"Client", "inactive", []string{"uid", "title", "Name", "ClientID"}, false},
	}
	for _, c := range cases {
		if got := FieldsHidden(c.pt, c.state, c.keys); got != c.want {
			t.Errorf("FieldsHidden(%s, %s, %v) = %v", c.pt, c.state, c.keys, got)
		}
	}
}
