package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func ref(field, target string, required bool) Ref {
	return Ref{Field: field, Target: target, Required: required}
}

// checkOrder asserts the plan's promise: every dependency that is not
// deferred sits on a lower level.
func checkOrder(t *testing.T, nodes []Node, p Plan) {
	t.Helper()
	for _, n := range nodes {
		if lv, ok := p.Level[n.Parent]; ok && lv >= p.Level[n.UID] {
			t.Errorf("%s (level %d) not after its parent %s (level %d)", n.UID, p.Level[n.UID], n.Parent, lv)
		}
		for _, r := range n.Refs {
			lv, ok := p.Level[r.Target]
			if !ok || r.Target == n.UID || p.IsDeferred(n.UID, r.Field, r.Target) {
				continue
			}
			if lv >= p.Level[n.UID] {
				t.Errorf("%s.%s -> %s is neither deferred nor ordered", n.UID, r.Field, r.Target)
			}
		}
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		nodes    []Node
		levels   map[string]int
		deferred []Edge
	}{
		{
			name: "containment: client, contact, sample, analysis",
			nodes: []Node{
				{UID: "an", Parent: "s"}, {UID: "s", Parent: "c", Refs: []Ref{ref("Contact", "ct", true)}},
				{UID: "ct", Parent: "c"}, {UID: "c", Parent: "clients-folder"},
			},
			levels: map[string]int{"c": 0, "ct": 1, "s": 2, "an": 3},
		},
		{
			name:   "references outside the plan add no edge",
			nodes:  []Node{{UID: "svc", Refs: []Ref{ref("Category", "cat-on-destination", true)}}},
			levels: map[string]int{"svc": 0},
		},
		{
			name: "Department.manager (required) <-> LabContact.Departments: the optional side waits",
			nodes: []Node{
				{UID: "dep", Refs: []Ref{ref("manager", "lc", true)}},
				{UID: "lc", Refs: []Ref{ref("Departments", "dep", false), ref("DefaultDepartment", "dep", false)}},
			},
			levels:   map[string]int{"lc": 0, "dep": 1},
			deferred: []Edge{{From: "lc", Field: "DefaultDepartment", To: "dep"}, {From: "lc", Field: "Departments", To: "dep"}},
		},
		{
			name: "Contact.CCContact 2-cycle and self reference",
			nodes: []Node{
				{UID: "a", Parent: "cl", Refs: []Ref{ref("CCContact", "b", false)}},
				{UID: "b", Parent: "cl", Refs: []Ref{ref("CCContact", "a", false)}},
				{UID: "self", Parent: "cl", Refs: []Ref{ref("CCContact", "self", false)}},
				{UID: "cl"},
			},
			levels:   map[string]int{"cl": 0, "a": 1, "b": 1, "self": 1},
			deferred: []Edge{{From: "a", Field: "CCContact", To: "b"}, {From: "b", Field: "CCContact", To: "a"}, {From: "self", Field: "CCContact", To: "self"}},
		},
		{
			name: "AnalysisService.Calculation <-> Calculation.DependentServices",
			nodes: []Node{
				{UID: "hard", Refs: []Ref{ref("Calculation", "calc", false)}},
				{UID: "ca"}, {UID: "mg"},
				{UID: "calc", Refs: []Ref{ref("DependentServices", "ca", false), ref("DependentServices", "mg", false)}},
			},
			// no cycle here: the calculation's inputs are other services
			levels: map[string]int{"ca": 0, "mg": 0, "calc": 1, "hard": 2},
		},
		{
			name: "a formula using its owner's keyword is a cycle",
			nodes: []Node{
				{UID: "svc", Refs: []Ref{ref("Calculation", "calc", false)}},
				{UID: "calc", Refs: []Ref{ref("DependentServices", "svc", false)}},
			},
			levels:   map[string]int{"svc": 0, "calc": 0},
			deferred: []Edge{{From: "calc", Field: "DependentServices", To: "svc"}, {From: "svc", Field: "Calculation", To: "calc"}},
		},
		{
			name: "Worksheet.Analyses lists a duplicate it contains: containment wins",
			nodes: []Node{
				{UID: "ws", Refs: []Ref{ref("Analyses", "dup", false), ref("Analyses", "an", false)}},
				{UID: "dup", Parent: "ws", Refs: []Ref{ref("Analysis", "an", true)}},
				{UID: "an", Parent: "s"}, {UID: "s"},
			},
			levels:   map[string]int{"s": 0, "an": 1, "ws": 2, "dup": 3},
			deferred: []Edge{{From: "ws", Field: "Analyses", To: "dup"}},
		},
		{
			name: "sample self references form a DAG: partition and retest after their origin",
			nodes: []Node{
				{UID: "root", Parent: "c"},
				{UID: "part", Parent: "c", Refs: []Ref{ref("ParentAnalysisRequest", "root", false)}},
				{UID: "retest", Parent: "c", Refs: []Ref{ref("Invalidated", "root", false)}},
				{UID: "c"},
			},
			levels: map[string]int{"c": 0, "root": 1, "part": 2, "retest": 2},
		},
		{
			name: "ARReport inside the sample it references: no cycle",
			nodes: []Node{
				{UID: "s", Parent: "c"}, {UID: "c"},
				{UID: "rep", Parent: "s", Refs: []Ref{ref("AnalysisRequest", "s", true)}},
			},
			levels: map[string]int{"c": 0, "s": 1, "rep": 2},
		},
		{
			name: "Invoice.AnalysisRequest (required) <-> AR.Invoice",
			nodes: []Node{
				{UID: "inv", Parent: "c", Refs: []Ref{ref("AnalysisRequest", "ar", true)}},
				{UID: "ar", Parent: "c", Refs: []Ref{ref("Invoice", "inv", false)}},
				{UID: "c"},
			},
			levels:   map[string]int{"c": 0, "ar": 1, "inv": 2},
			deferred: []Edge{{From: "ar", Field: "Invoice", To: "inv"}},
		},
		{
			name: "a cycle of required references must defer a required edge",
			nodes: []Node{
				{UID: "x", Refs: []Ref{ref("Req", "y", true)}},
				{UID: "y", Refs: []Ref{ref("Req", "x", true)}},
			},
			levels:   map[string]int{"x": 0, "y": 0},
			deferred: []Edge{{From: "x", Field: "Req", To: "y", Required: true}, {From: "y", Field: "Req", To: "x", Required: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Build(tt.nodes)
			if err != nil {
				t.Fatal(err)
			}
			for uid, want := range tt.levels {
				if got := p.Level[uid]; got != want {
					t.Errorf("level of %s = %d, want %d (levels %v)", uid, got, want, p.Levels)
				}
			}
			if len(p.Deferred) != len(tt.deferred) {
				t.Fatalf("deferred %v, want %v", p.Deferred, tt.deferred)
			}
			for i, e := range tt.deferred {
				if p.Deferred[i] != e {
					t.Errorf("deferred[%d] = %+v, want %+v", i, p.Deferred[i], e)
				}
			}
			checkOrder(t, tt.nodes, p)
		})
	}
}

func TestBuildRejectsBadInput(t *testing.T) {
	t.Parallel()
	if _, err := Build([]Node{{UID: "a"}, {UID: "a"}}); err == nil {
		t.Error("duplicate UID accepted")
	}
	if _, err := Build([]Node{{UID: ""}}); err == nil {
		t.Error("empty UID accepted")
	}
	if _, err := Build([]Node{{UID: "a", Parent: "b"}, {UID: "b", Parent: "a"}}); err == nil {
		t.Error("a containment cycle cannot be planned")
	}
}

// TestBuildLargeChain: deep containment and long reference chains are
// planned without recursion limits.
func TestBuildLargeChain(t *testing.T) {
	t.Parallel()
	const n = 100000
	nodes := make([]Node, n)
	for i := range nodes {
		nodes[i] = Node{UID: "n" + itoa(i)}
		if i > 0 {
			nodes[i].Refs = []Ref{ref("Prev", "n"+itoa(i-1), false)}
		}
	}
	nodes[0].Refs = []Ref{ref("Last", "n"+itoa(n-1), false)} // one big cycle
	p, err := Build(nodes)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Deferred) != n {
		t.Fatalf("deferred %d edges of a %d-cycle", len(p.Deferred), n)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}

// TestSequencesShareALevel: the samples of one ID sequence are created one
// after the other, so they share a level — the latest-ready member's —
// and what depends on any of them comes after; a sequence whose members
// depend on each other cannot, and is dissolved.
func TestSequencesShareALevel(t *testing.T) {
	t.Parallel()
	nodes := []Node{
		{UID: "client"},
		{UID: "batch", Parent: "client"},
		// s1 needs only its client; s2 also a batch (one level deeper)
		{UID: "s1", Parent: "client", Sequence: "analysisrequest-H2O", Order: 1},
		{UID: "s2", Parent: "client", Refs: []Ref{ref("Batch", "batch", false)}, Sequence: "analysisrequest-H2O", Order: 2},
		{UID: "report", Parent: "s1"},
		// c2 refers to c1 (optional): the reference is set after both
		{UID: "c1", Sequence: "contact-contact", Order: 1},
		{UID: "c2", Refs: []Ref{ref("CCContact", "c1", false)}, Sequence: "contact-contact", Order: 2},
		// a service needs a calculation that needs another service: the
		// optional references around the group wait
		{UID: "svc1", Refs: []Ref{ref("Calculation", "calc", false)}, Sequence: "analysisservice-analysisservice", Order: 1},
		{UID: "calc", Refs: []Ref{ref("DependentServices", "svc2", false)}},
		{UID: "svc2", Sequence: "analysisservice-analysisservice", Order: 2},
		// w2 requires w1: the worksheets cannot share a level
		{UID: "w1", Sequence: "worksheet-WS", Order: 1},
		{UID: "w2", Refs: []Ref{ref("Analyses", "w1", true)}, Sequence: "worksheet-WS", Order: 2},
	}
	p, err := Build(nodes)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, nodes, p)
	if p.Level["s1"] != p.Level["s2"] || p.Level["s1"] != 2 || p.Level["report"] != 3 {
		t.Errorf("levels %v", p.Level)
	}
	if got := p.Sequences["analysisrequest-H2O"]; len(got) != 2 || got[0] != "s1" || got[1] != "s2" {
		t.Errorf("sequence %v", got)
	}
	if _, kept := p.Sequences["worksheet-WS"]; kept || len(p.Unsequenced) != 2 {
		t.Errorf("worksheets: sequences %v, unsequenced %v", p.Sequences, p.Unsequenced)
	}
	if len(p.Sequences["contact-contact"]) != 2 || !p.IsDeferred("c2", "CCContact", "c1") {
		t.Errorf("contacts: sequences %v, deferred %v", p.Sequences, p.Deferred)
	}
	if len(p.Sequences["analysisservice-analysisservice"]) != 2 || p.Level["svc1"] != p.Level["svc2"] {
		t.Errorf("services: sequences %v, levels %v, deferred %v", p.Sequences, p.Level, p.Deferred)
	}
}

// TestSequencesDeferOptionalFirst: lab contacts and departments whose
// references cross (a contact's default department is managed by the other
// contact) keep both sequences: the optional references wait, the
// required manager stays.
func TestSequencesDeferOptionalFirst(t *testing.T) {
	t.Parallel()
	nodes := []Node{
		{UID: "lc1", Refs: []Ref{ref("DefaultDepartment", "d2", false)}, Sequence: "labcontact-labcontact", Order: 1},
		{UID: "lc2", Sequence: "labcontact-labcontact", Order: 2},
		{UID: "d1", Refs: []Ref{ref("manager", "lc1", true)}, Sequence: "department-department", Order: 1},
		{UID: "d2", Refs: []Ref{ref("manager", "lc2", true)}, Sequence: "department-department", Order: 2},
	}
	p, err := Build(nodes)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, nodes, p)
	if len(p.Unsequenced) != 0 || !p.IsDeferred("lc1", "DefaultDepartment", "d2") {
		t.Fatalf("unsequenced %v, deferred %v", p.Unsequenced, p.Deferred)
	}
	if p.Level["lc1"] != p.Level["lc2"] || p.Level["d1"] != p.Level["d2"] || p.Level["d1"] <= p.Level["lc1"] {
		t.Fatalf("levels %v", p.Level)
	}
}

// TestBuildMatchesReference: the compact planner gives random labs the
// same levels, deferred references, sequences and dissolved sequences as
// the planner it replaced (reference_test.go) — containment forests,
// optional and required references with their cycles, self references,
// duplicate references, sequences whose members depend on each other, and
// the setups whose references all wait.
func TestBuildMatchesReference(t *testing.T) {
	t.Parallel()
	for seed := range 3000 {
		rnd := rand.New(rand.NewPCG(uint64(seed), 7))
		nodes := randomNodes(rnd)
		want, werr := refBuild(nodes)
		got, gerr := Build(nodes)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("seed %d: error %v, reference %v", seed, gerr, werr)
		}
		if werr != nil {
			continue
		}
		if !reflect.DeepEqual(got.Level, want.Level) {
			t.Fatalf("seed %d: levels\n got %v\nwant %v", seed, got.Level, want.Level)
		}
		if !reflect.DeepEqual(got.Levels, want.Levels) {
			t.Fatalf("seed %d: level lists\n got %v\nwant %v", seed, got.Levels, want.Levels)
		}
		if !slices.Equal(got.Deferred, want.Deferred) {
			t.Fatalf("seed %d: deferred\n got %v\nwant %v", seed, got.Deferred, want.Deferred)
		}
		if len(got.Sequences) != len(want.Sequences) || !reflect.DeepEqual(got.Unsequenced, want.Unsequenced) {
			t.Fatalf("seed %d: sequences %v / %v, want %v / %v", seed, got.Sequences, got.Unsequenced, want.Sequences, want.Unsequenced)
		}
		for k, v := range want.Sequences {
			if !slices.Equal(got.Sequences[k], v) {
				t.Fatalf("seed %d: sequence %s = %v, want %v", seed, k, got.Sequences[k], v)
			}
		}
		checkOrder(t, nodes, got)
	}
}

// randomNodes is a random lab: a containment forest (now and then a
// containment cycle), references of every kind, a few sequences.
func randomNodes(rnd *rand.Rand) []Node {
	n := 1 + rnd.IntN(60)
	if rnd.IntN(10) == 0 {
		n = 200 + rnd.IntN(300)
	}
	uid := func(i int) string { return fmt.Sprintf("u%03d", i) }
	perm := rnd.Perm(n) // node order is not UID order
	nodes := make([]Node, n)
	seqs := 1 + rnd.IntN(4)
	refDensity := rnd.Float64() * 3
	for j := range nodes {
		i := perm[j]
		nd := Node{UID: uid(i), First: rnd.IntN(40) == 0}
		if i > 0 && rnd.IntN(3) > 0 {
			nd.Parent = uid(rnd.IntN(i)) // containers come first: a forest
		} else if rnd.IntN(4) == 0 {
			nd.Parent = "outside"
		}
		if rnd.IntN(300) == 0 && i+1 < n {
			nd.Parent = uid(i + 1 + rnd.IntN(n-i-1)) // may close a containment cycle
		}
		for range int(refDensity * rnd.Float64() * 2) {
			target := uid(rnd.IntN(n))
			if rnd.IntN(8) == 0 {
				target = "elsewhere"
			}
			nd.Refs = append(nd.Refs, Ref{Field: fmt.Sprintf("F%d", rnd.IntN(4)), Target: target, Required: rnd.IntN(4) == 0})
		}
		if rnd.IntN(3) == 0 {
			nd.Sequence = fmt.Sprintf("seq-%d", rnd.IntN(seqs))
			nd.Order = rnd.IntN(n) // ties happen: node order breaks them
		}
		nodes[j] = nd
	}
	return nodes
}
