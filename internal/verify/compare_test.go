package verify

import (
	"encoding/json"
	"testing"
)

const (
	srcA, srcB, srcP = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "pppppppppppppppppppppppppppppppp"
	dstA, dstB, dstP = "11111111111111111111111111111111", "22222222222222222222222222222222", "33333333333333333333333333333333"
)

func obj(uid, pt, parent, state string, fields map[string]string) Object {
	f := map[string]json.RawMessage{}
	for k, v := range fields {
		f[k] = json.RawMessage(v)
	}
	return Object{UID: uid, PortalType: pt, Path: "/senaite/clients/" + uid[:4], ParentUID: parent, State: state, Fields: f}
}

func ref(uid string) string {
	return `{"uid": "` + uid + `", "url": "http://x/` + uid + `", "api_url": "http://x/api/` + uid + `"}`
}

func TestCompare(t *testing.T) {
	replicas := map[string]string{srcA: dstA, srcB: dstB, srcP: dstP}
	cases := []struct {
		name     string
		src, dst Object
		want     []string // kind/field of each difference
	}{
		{"same, references translated",
			obj(srcA, "Contact", srcP, "active", map[string]string{"CCContact": "[" + ref(srcB) + "]", "Firstname": `"Ana"`}),
			obj(dstA, "Contact", dstP, "active", map[string]string{"CCContact": "[" + ref(dstB) + "]", "Firstname": `"Ana"`}),
			nil},
		{"a multi-valued reference is a set",
			obj(srcA, "Client", "0", "active", map[string]string{"DefaultCategories": "[" + ref(srcB) + "," + ref(srcP) + "]"}),
			obj(dstA, "Client", "0", "active", map[string]string{"DefaultCategories": "[" + ref(dstP) + "," + ref(dstB) + "]"}),
			nil},
		{"empty forms are equal",
			obj(srcA, "Client", "0", "active", map[string]string{"Fax": `""`, "CCEmails": `[]`, "Bank": `null`}),
			obj(dstA, "Client", "0", "active", map[string]string{"Fax": `null`, "Account": `{}`}),
			nil},
		{"a reference to another object",
			obj(srcA, "Contact", srcP, "active", map[string]string{"Department": ref(srcB)}),
			obj(dstA, "Contact", dstP, "active", map[string]string{"Department": ref(dstP)}),
			[]string{"field Department"}},
		{"state and container",
			obj(srcA, "Contact", srcP, "inactive", nil),
			obj(dstA, "Contact", dstB, "active", nil),
			[]string{"state ", "parent "}},
		{"a value",
			obj(srcA, "Client", "0", "active", map[string]string{"Phone": `"1"`}),
			obj(dstA, "Client", "0", "active", map[string]string{"Phone": `"2"`}),
			[]string{"field Phone"}},
		{"catalog metadata and attributes are not fields",
			obj(srcA, "Client", "0", "active", map[string]string{"getClientID": `"X"`, "modified": `"2020"`, "id": `"client-1"`}),
			obj(dstA, "Client", "0", "active", map[string]string{"getClientID": `"Y"`, "modified": `"2026"`, "id": `"client-9"`}),
			nil},
		{"a sample's title is its destination id",
			obj(srcA, "AnalysisRequest", srcP, "verified", map[string]string{"title": `"W-0001"`}),
			obj(dstA, "AnalysisRequest", dstP, "verified", map[string]string{"title": `"W-0007"`}),
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := Compare([]Object{c.src}, []Object{c.dst}, replicas)
			var got []string
			for _, d := range rep.Differences {
				got = append(got, d.Kind+" "+d.Field)
			}
			if len(got) != len(c.want) {
				t.Fatalf("differences %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("differences %v, want %v", got, c.want)
				}
			}
		})
	}
}

func TestCompareMissing(t *testing.T) {
	src := []Object{obj(srcA, "Client", "0", "active", nil), obj(srcB, "Client", "0", "active", nil)}
	// srcB has no replica; srcA's replica is gone from the destination
	rep := Compare(src, nil, map[string]string{srcA: dstA})
	if len(rep.Differences) != 2 || rep.Differences[0].Kind != KindMissing || rep.Differences[1].Kind != KindMissing {
		t.Fatalf("%+v", rep.Differences)
	}
	if rep.Source["Client"] != 2 || rep.Destination["Client"] != 0 || rep.Clean() {
		t.Fatalf("counts %v %v", rep.Source, rep.Destination)
	}
}
