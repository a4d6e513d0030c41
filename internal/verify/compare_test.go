package verify

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	srcA, srcB, srcP = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccccc"
	dstA, dstB, dstP = "11111111111111111111111111111111", "22222222222222222222222222222222", "33333333333333333333333333333333"
	srcL, dstL       = "dddddddddddddddddddddddddddddddd", "44444444444444444444444444444444"
)

func obj(uid, id, pt, parent, state string, fields map[string]string) Object {
	f := map[string]json.RawMessage{}
	for k, v := range fields {
		f[k] = json.RawMessage(v)
	}
	return Object{UID: uid, ID: id, PortalType: pt, Path: "/senaite/clients/" + id, ParentUID: parent, State: state, Fields: f}
}

func ref(uid string) string {
	return `{"uid": "` + uid + `", "url": "http://x/` + uid + `", "api_url": "http://x/api/` + uid + `"}`
}

var replicas = map[string]string{srcA: dstA, srcB: dstB, srcP: dstP, srcL: dstL}

// destination is the set of UIDs the destination holds.
var destination = map[string]bool{dstA: true, dstB: true, dstP: true, dstL: true}

func kinds(rep Report) []string {
	var got []string
	for _, d := range rep.Differences {
		got = append(got, d.Kind+" "+d.Field)
	}
	return got
}

func TestCompare(t *testing.T) {
	cases := []struct {
		name     string
		src, dst Object
		want     []string // kind and field of each difference
	}{
		{"same, references translated",
			obj(srcA, "contact-1", "Contact", srcP, "active", map[string]string{"CCContact": "[" + ref(srcB) + "]", "Firstname": `"Ana"`}),
			obj(dstA, "contact-1", "Contact", dstP, "active", map[string]string{"CCContact": "[" + ref(dstB) + "]", "Firstname": `"Ana"`}),
			nil},
		{"a multi-valued reference is a set",
			obj(srcA, "client-1", "Client", "0", "active", map[string]string{"DefaultCategories": "[" + ref(srcB) + "," + ref(srcP) + "]"}),
			obj(dstA, "client-1", "Client", "0", "active", map[string]string{"DefaultCategories": "[" + ref(dstP) + "," + ref(dstB) + "]"}),
			nil},
		{"empty forms are equal",
			obj(srcA, "client-1", "Client", "0", "active", map[string]string{"Fax": `""`, "CCEmails": `[]`, "Bank": `null`}),
			obj(dstA, "client-1", "Client", "0", "active", map[string]string{"Fax": `null`, "Account": `{}`}),
			nil},
		{"a reference to another object",
			obj(srcA, "contact-1", "Contact", srcP, "active", map[string]string{"Department": ref(srcB)}),
			obj(dstA, "contact-1", "Contact", dstP, "active", map[string]string{"Department": ref(dstP)}),
			[]string{"field Department"}},
		{"state and container",
			obj(srcA, "contact-1", "Contact", srcP, "inactive", nil),
			obj(dstA, "contact-1", "Contact", dstB, "active", nil),
			[]string{"state ", "parent "}},
		{"a value",
			obj(srcA, "client-1", "Client", "0", "active", map[string]string{"Phone": `"1"`}),
			obj(dstA, "client-1", "Client", "0", "active", map[string]string{"Phone": `"2"`}),
			[]string{"field Phone"}},
		{"catalog metadata and attributes are not compared",
			obj(srcA, "client-1", "Client", "0", "active", map[string]string{"getClientID": `"X"`, "modified": `"2020"`, "author": `"a"`}),
			obj(dstA, "client-1", "Client", "0", "active", map[string]string{"getClientID": `"Y"`, "modified": `"2026"`, "author": `"b"`}),
			nil},
		// the defects of issue #11, each reintroduced
		{"a renumbered sample: its id differs (its title, the id, is judged with it)",
			obj(srcA, "H2O-0089", "AnalysisRequest", srcP, "verified", map[string]string{"title": `"H2O-0089"`}),
			obj(dstA, "H2O-0047", "AnalysisRequest", dstP, "verified", map[string]string{"title": `"H2O-0047"`}),
			[]string{"id id"}},
		{"a report named after another sample",
			obj(srcA, "arreport-1", "ARReport", srcP, "active", map[string]string{"Metadata": `{"filename": "H2O-0089.pdf"}`}),
			obj(dstA, "arreport-1", "ARReport", dstP, "active", map[string]string{"Metadata": `{"filename": "H2O-0047.pdf"}`}),
			[]string{"field Metadata"}},
		{"raw UIDs left untranslated (a batch's BatchLabels)",
			obj(srcA, "B-001", "Batch", srcP, "open", map[string]string{"BatchLabels": `["` + srcL + `"]`}),
			obj(dstA, "B-001", "Batch", dstP, "open", map[string]string{"BatchLabels": `["` + srcL + `"]`}),
			[]string{"dangling BatchLabels", "field BatchLabels"}},
		{"raw UIDs translated",
			obj(srcA, "B-001", "Batch", srcP, "open", map[string]string{"BatchLabels": `["` + srcL + `"]`}),
			obj(dstA, "B-001", "Batch", dstP, "open", map[string]string{"BatchLabels": `["` + dstL + `"]`}),
			nil},
		{"a list dropped (a service's Instruments)",
			obj(srcA, "analysisservice-1", "AnalysisService", srcP, "active", map[string]string{"Instruments": "[" + ref(srcB) + "]", "Instrument": ref(srcB)}),
			obj(dstA, "analysisservice-1", "AnalysisService", dstP, "active", map[string]string{"Instruments": `{}`, "Instrument": ref(dstB)}),
			[]string{"field Instruments"}},
		{"a field left unwritten (the Laboratory's name)",
			obj(srcA, "laboratory", "Laboratory", srcP, "active", map[string]string{"Name": `"Lab A"`, "TaxNumber": `"T-1"`}),
			obj(dstA, "laboratory", "Laboratory", dstP, "active", map[string]string{"Name": `null`, "TaxNumber": `null`}),
			[]string{"field Name", "field TaxNumber"}},
		{"a UID inside a record that names nothing at the destination",
			obj(srcA, "analysisprofile-1", "AnalysisProfile", srcP, "active", map[string]string{"services": `[{"uid": "` + srcB + `", "hidden": false}]`}),
			obj(dstA, "analysisprofile-1", "AnalysisProfile", dstP, "active", map[string]string{"services": `[{"uid": "` + "55555555555555555555555555555555" + `", "hidden": false}]`}),
			[]string{"dangling services", "field services"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.src.Path = "/senaite/x/" + c.src.ID
			rep := Compare(Input{Source: []Object{c.src}, Copies: []Object{c.dst}, Replicas: replicas,
				Exists: func(u string) bool { return destination[u] }})
			got := kinds(rep)
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("differences %v, want %v", got, c.want)
			}
		})
	}
}

// TestCompareSingletons: the Laboratory and the setups are compared field
// by field like any object (issue #11: a blank Laboratory passed as
// clean), folders are not, and both say so.
func TestCompareSingletons(t *testing.T) {
	src := []Object{
		obj(srcA, "laboratory", "Laboratory", srcP, "active", map[string]string{"Name": `"Lab A"`}),
		obj(srcB, "bika_setup", "BikaSetup", "0", "active", map[string]string{"Currency": `"EUR"`}),
		obj(srcP, "clients", "ClientFolder", "0", "active", map[string]string{"title": `"Clients"`}),
	}
	src[0].Path, src[1].Path, src[2].Path = "/senaite/bika_setup/laboratory", "/senaite/bika_setup", "/senaite/clients"
	dst := []Object{
		obj(dstA, "laboratory", "Laboratory", dstP, "active", map[string]string{"Name": `"Lab A"`}),
		obj(dstB, "bika_setup", "BikaSetup", "0", "active", map[string]string{"Currency": `"USD"`}),
		obj(dstP, "clients", "ClientFolder", "0", "active", map[string]string{"title": `"Kunden"`}),
	}
	rep := Compare(Input{Source: src, Copies: dst, Replicas: replicas})
	if got := kinds(rep); strings.Join(got, ",") != "field Currency" {
		t.Fatalf("differences %v", got)
	}
	if rep.NotCompared[ClassFolders.Name].Count != 1 {
		t.Fatalf("folders not counted: %+v", rep.NotCompared)
	}
}

// TestCompareLeftOutCounted: a value mentioning what the remote leaves out
// is not compared, and the report counts it with the reason.
func TestCompareLeftOutCounted(t *testing.T) {
	s := obj(srcA, "WS-001", "Worksheet", srcP, "open", map[string]string{"Analyses": "[" + ref(srcB) + "]", "Remarks": `"r"`})
	d := obj(dstA, "WS-001", "Worksheet", dstP, "open", map[string]string{"Analyses": `[]`, "Remarks": `"r"`})
	rep := Compare(Input{Source: []Object{s}, Copies: []Object{d}, Replicas: replicas, LeftOut: map[string]bool{srcB: true}})
	if !rep.Clean() {
		t.Fatalf("%v", rep.Differences)
	}
	if c := rep.NotCompared[ClassLeftOut.Name]; c.Count != 1 || c.Reason == "" {
		t.Fatalf("not compared %+v", rep.NotCompared)
	}
}

// TestCompareOwnIDs: the copy that is the destination's own object (its
// origin there, or linked by a natural key) keeps its id: not a difference.
func TestCompareOwnIDs(t *testing.T) {
	s := obj(srcA, "WW-0007", "AnalysisRequest", srcP, "verified", map[string]string{"title": `"WW-0007"`})
	d := obj(dstA, "WW-0001", "AnalysisRequest", dstP, "verified", map[string]string{"title": `"WW-0001"`})
	rep := Compare(Input{Source: []Object{s}, Copies: []Object{d}, Replicas: replicas, Own: map[string]bool{dstA: true}})
	if !rep.Clean() || rep.NotCompared[ClassOwnIDs.Name].Count != 1 {
		t.Fatalf("%v %+v", rep.Differences, rep.NotCompared)
	}
}

func TestCompareMissing(t *testing.T) {
	src := []Object{obj(srcA, "client-1", "Client", "0", "active", nil), obj(srcB, "client-2", "Client", "0", "active", nil)}
	// srcB has no replica; srcA's replica is gone from the destination
	rep := Compare(Input{Source: src, Replicas: map[string]string{srcA: dstA}})
	if len(rep.Differences) != 2 || rep.Differences[0].Kind != KindMissing || rep.Differences[1].Kind != KindMissing {
		t.Fatalf("%+v", rep.Differences)
	}
	if rep.Source["Client"] != 2 || rep.Destination["Client"] != 0 || rep.Clean() {
		t.Fatalf("counts %v %v", rep.Source, rep.Destination)
	}
}
