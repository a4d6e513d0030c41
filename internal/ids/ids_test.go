package ids

import "testing"

func TestOf(t *testing.T) {
	t.Parallel()
	custom := []Format{
		{PortalType: "Worksheet", Form: "WS-{seq:05d}", SequenceType: "generated", SplitLength: 1},
		{PortalType: "AnalysisRequest", Form: "{clientId}-{sampleType}-{seq:04d}", SequenceType: "generated", SplitLength: 2},
		{PortalType: "Batch", Form: "B{year}-{seq:03d}", SequenceType: "generated", SplitLength: 1},
		{PortalType: "ReferenceSample", Form: "RS-{alpha:2a3d}", SequenceType: "generated", SplitLength: 1},
	}
	cases := []struct {
		name    string
		formats []Format
		o       Object
		want    Sequence
		ok      bool
	}{
		{"sample, default format", Defaults(), Object{PortalType: "AnalysisRequest", ID: "H2O-0089"}, Sequence{"analysisrequest-H2O", 89}, true},
		{"sample whose prefix has a dash", Defaults(), Object{PortalType: "AnalysisRequest", ID: "WW-X-0002"}, Sequence{"analysisrequest-WW-X", 2}, true},
		{"sample past 9999", Defaults(), Object{PortalType: "AnalysisRequest", ID: "H2O-12345"}, Sequence{"analysisrequest-H2O", 12345}, true},
		{"partition: counted per parent", Defaults(), Object{PortalType: "AnalysisRequest", ID: "H2O-0089-P02", Partition: "p"}, Sequence{"partition:p", 2}, true},
		{"secondary: counted per primary", Defaults(), Object{PortalType: "AnalysisRequest", ID: "H2O-0089-S01", Secondary: "q"}, Sequence{"secondary:q", 1}, true},
		{"worksheet", Defaults(), Object{PortalType: "Worksheet", ID: "WS-001"}, Sequence{"worksheet-WS", 1}, true},
		{"worksheet past 999", Defaults(), Object{PortalType: "Worksheet", ID: "WS-1000"}, Sequence{"worksheet-WS", 1000}, true},
		{"batch", Defaults(), Object{PortalType: "Batch", ID: "B-007"}, Sequence{"batch-B", 7}, true},
		{"a type without a row: <type>-{seq}", Defaults(), Object{PortalType: "Client", ID: "client-12"}, Sequence{"client-client", 12}, true},
		{"a DX type", Defaults(), Object{PortalType: "SampleType", ID: "sampletype-3"}, Sequence{"sampletype-sampletype", 3}, true},
		{"custom width", custom, Object{PortalType: "Worksheet", ID: "WS-00042"}, Sequence{"worksheet-WS", 42}, true},
		{"custom prefix of two segments", custom, Object{PortalType: "AnalysisRequest", ID: "HH-H2O-0005"}, Sequence{"analysisrequest-HH-H2O", 5}, true},
		{"alphanumeric", custom, Object{PortalType: "ReferenceSample", ID: "RS-AB002"}, Sequence{"referencesample-RS", 1*1000 + 2}, true},
		{"a date in the format", custom, Object{PortalType: "Batch", ID: "B24-001"}, Sequence{}, false},
		{"analyses are named after their keyword, in their container", Defaults(), Object{PortalType: "ReferenceAnalysis", ID: "Ca-12", Container: "rs"}, Sequence{"keyword:rs:Ca", 12}, true},
		{"the first of a keyword", Defaults(), Object{PortalType: "DuplicateAnalysis", ID: "Ca", Container: "ws"}, Sequence{"keyword:ws:Ca", 0}, true},
		{"an id made under another format", Defaults(), Object{PortalType: "Worksheet", ID: "worksheet-3"}, Sequence{}, false},
		{"a 1.x id moved to a 2.x type", Defaults(), Object{PortalType: "SampleTemplate", ID: "artemplate-3"}, Sequence{}, false},
	}
	for _, c := range cases {
		got, ok, why := Of(c.formats, c.o)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: Of(%s %s) = %+v %v (%s), want %+v %v", c.name, c.o.PortalType, c.o.ID, got, ok, why, c.want, c.ok)
		}
		if !ok && why == "" {
			t.Errorf("%s: no reason given", c.name)
		}
	}
}

func TestOfBika(t *testing.T) {
	t.Parallel()
	a, ok := OfBika("H2O-0012-R01")
	b, _ := OfBika("H2O-0012-R02")
	c, _ := OfBika("H2O-0013-R01")
	if !ok || a.Key != "analysisrequest-H2O" || !(a.Seq < b.Seq && b.Seq < c.Seq) {
		t.Fatalf("%+v %+v %+v", a, b, c)
	}
	if _, ok := OfBika("H2O-0012"); ok {
		t.Fatal("a 2.x sample id read as a 1.x request's")
	}
}

func TestSlice(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		form string
		n    int
		want string
	}{
		{"{sampleType}-{seq:04d}", 1, "{sampleType}"},
		{"WS-{seq:03d}", 1, "WS"},
		{"AR-{sampleType}-{seq}", 2, "AR-{sampleType}"},
		{"{clientId}-{sampleType}-{seq:04d}", 2, "{clientId}-{sampleType}"},
		{"client-{seq}", 1, "client"},
	} {
		if got := slice(c.form, c.n); got != c.want {
			t.Errorf("slice(%q, %d) = %q, want %q", c.form, c.n, got, c.want)
		}
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	got := Formats([]map[string]any{{"portal_type": "Worksheet", "form": "W{seq:04d}", "sequence_type": "generated", "split_length": float64(1)}})
	if len(got) != 1 || got[0].Form != "W{seq:04d}" || got[0].SplitLength != 1 {
		t.Fatalf("%+v", got)
	}
	if len(Formats(nil)) != len(Defaults()) {
		t.Fatal("no records: the defaults")
	}
}
