package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// earlyObj is an object of an early-families case: name, flags (s sample,
// i to import, c copied), container, references "field:target", and
// whether all its references are deferred (Node.First).
type earlyObj struct {
	name, flags, parent string
	refs                []string
	first               bool
}

// earlyFamily is what a family waits for, by name, each list sorted.
type earlyFamily struct{ samples, waits, deferred string }

func planEarly(t *testing.T, objs []earlyObj) map[string]earlyFamily {
	t.Helper()
	g := NewGraph(len(objs), 0)
	num := map[string]int32{}
	flags := make([]uint8, len(objs))
	for i, o := range objs {
		num[o.name] = g.AddNode(o.first, "", 0)
		for _, f := range o.flags {
			flags[i] |= map[rune]uint8{'s': EarlyIsSample, 'i': EarlyToImport, 'c': EarlyCopied}[f]
		}
	}
	for i, o := range objs {
		if p, ok := num[o.parent]; ok {
			if err := g.AddEdge(int32(i), p, "", false, false); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range o.refs {
			field, target, _ := strings.Cut(r, ":")
			if to, ok := num[target]; ok {
				if err := g.AddEdge(int32(i), to, field, true, false); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	l, err := g.Plan()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][3][]string{}
	n, err := l.EarlyFamilies(flags, func(a, b int32) bool { return objs[a].name < objs[b].name },
		func(root, obj int32, kind EarlyKind) error {
			f := got[objs[root].name]
			f[kind] = append(f[kind], objs[obj].name)
			got[objs[root].name] = f
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(got) {
		t.Fatalf("%d families counted, %d listed", n, len(got))
	}
	out := map[string]earlyFamily{}
	for root, f := range got {
		if f[EarlySample][0] != root {
			t.Fatalf("family %s: first row names %s, want the family itself", root, f[EarlySample][0])
		}
		for k := range f {
			slices.Sort(f[k])
		}
		out[root] = earlyFamily{strings.Join(f[EarlySample], " "), strings.Join(f[EarlyWaitsFor], " "),
			strings.Join(f[EarlyDeferred], " ")}
	}
	return out
}

func TestEarlyFamilies(t *testing.T) {
	t.Parallel()
	client := earlyObj{name: "client", flags: "i"}
	tests := []struct {
		name string
		objs []earlyObj
		want map[string]earlyFamily
	}{
		{
			name: "a sample waits for its children, what they name and what names them",
			objs: []earlyObj{client, {name: "method", flags: "i"},
				{name: "s1", flags: "si", parent: "client", refs: []string{"Client:client"}},
				{name: "a1", flags: "i", parent: "s1", refs: []string{"Method:method"}},
				{name: "a2", flags: "i", parent: "s1"},
				{name: "r1", flags: "i", parent: "s1", refs: []string{"AnalysisRequest:s1"}},
				{name: "ws", flags: "i", refs: []string{"Analyses:a2"}}},
			want: map[string]earlyFamily{"s1": {samples: "s1", waits: "a1 a2 client method r1 ws"}},
		},
		{
			name: "what has its copy already holds nothing back",
			objs: []earlyObj{{name: "client", flags: "c"}, {name: "method", flags: "c"},
				{name: "s1", flags: "si", parent: "client", refs: []string{"Client:client"}},
				{name: "a1", flags: "i", parent: "s1", refs: []string{"Method:method"}}},
			want: map[string]earlyFamily{"s1": {samples: "s1", waits: "a1"}},
		},
		{
			name: "a primary and its partition, a report of two samples, a retest: one family each, named by the least",
			objs: []earlyObj{client,
				{name: "s2", flags: "si", parent: "client"},
				{name: "s3", flags: "si", parent: "client", refs: []string{"ParentAnalysisRequest:s2"}},
				{name: "s6", flags: "si", parent: "client"},
				{name: "s7", flags: "si", parent: "client"},
				{name: "r6", flags: "i", parent: "s6", refs: []string{"AnalysisRequest:s6", "ContainedAnalysisRequests:s7"}},
				{name: "s8", flags: "si", parent: "client"},
				{name: "s0-retest", flags: "si", parent: "client", refs: []string{"Invalidated:s8"}}},
			want: map[string]earlyFamily{
				"s2":        {samples: "s2 s3"},
				"s6":        {samples: "s6 s7", waits: "r6"},
				"s0-retest": {samples: "s0-retest s8"},
			},
		},
		{
			name: "a deferred reference the family touches, its analysis' or naming one: the family waits for it to be set",
			objs: []earlyObj{client,
				{name: "s4", flags: "si", parent: "client"},
				{name: "a4", flags: "i", parent: "s4", refs: []string{"Method:method2"}, first: true},
				{name: "method2", flags: "i"},
				{name: "s5", flags: "si", parent: "client"},
				{name: "a5", flags: "i", parent: "s5"},
				// written whole: a9 is named by the same field
				{name: "ws5", flags: "i", refs: []string{"Analyses:a5", "Analyses:a9"}, first: true},
				{name: "a9", flags: "i"},
				// the same field, not deferred: nothing to set
				{name: "ws6", flags: "i", refs: []string{"Analyses:a9"}},
				// another object naming what a4 names: setting it changes it alone
				{name: "service2", flags: "i", refs: []string{"Methods:method2"}, first: true}},
			want: map[string]earlyFamily{
				"s4": {samples: "s4", waits: "a4 method2", deferred: "a4"},
				"s5": {samples: "s5", waits: "a5 ws5", deferred: "ws5"},
			},
		},
		{
			name: "a family naming a sample of another, or with one an earlier import brought, goes with the whole lab",
			objs: []earlyObj{client,
				// s10 names s11's analysis: s11's family waits for a sample of another
				{name: "s10", flags: "si", parent: "client", refs: []string{"Reference:a11"}},
				{name: "s11", flags: "si", parent: "client"},
				{name: "a11", flags: "i", parent: "s11"},
				// s12's partition s13 came with an earlier import
				{name: "s12", flags: "si", parent: "client"},
				{name: "s13", flags: "sc", parent: "client", refs: []string{"ParentAnalysisRequest:s12"}}},
			want: map[string]earlyFamily{"s10": {samples: "s10", waits: "a11"}},
		},
		{
			name: "samples an earlier import brought are no family",
			objs: []earlyObj{client, {name: "s1", flags: "sc", parent: "client"}},
			want: map[string]earlyFamily{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := planEarly(t, tt.objs)
			if !maps.Equal(got, tt.want) {
				t.Errorf("families:\n got  %s\n want %s", show(got), show(tt.want))
			}
		})
	}
}

func show(m map[string]earlyFamily) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, fmt.Sprintf("%s{%+v}", k, m[k]))
	}
	return strings.Join(out, " ")
}

func TestEarlyFamiliesRefusesFlagsOfAnotherGraph(t *testing.T) {
	t.Parallel()
	g := NewGraph(1, 0)
	g.AddNode(false, "", 0)
	l, err := g.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.EarlyFamilies(nil, nil, nil); err == nil {
		t.Fatal("no flags for one object: no error")
	}
}
