// Package plan orders an import: containment (parent before child) and
// references (target before referrer) make a dependency graph, real labs
// make it cyclic (Department ↔ LabContact, Contact.CCContact, AnalysisService
// ↔ Calculation, Worksheet ↔ its analyses), and cycles are broken by
// deferring reference edges — optional ones first, containment never — to
// an update once their targets exist. Pure functions: no I/O.
package plan

import (
	"fmt"
	"slices"
	"sort"
)

// Node is one object to import.
type Node struct {
	UID        string
	PortalType string
	// Parent is the container's UID; a parent outside the plan (already on
	// the destination, or structural) adds no edge.
	Parent string
	Refs   []Ref
	// Sequence names the ID sequence the object is numbered in at the
	// destination (ids.Sequence.Key), "" for none: the objects of one
	// sequence are created one at a time in Order, so they must share a
	// level (a later one waiting for an earlier one in a higher level
	// would wait forever).
	Sequence string
	Order    int
	// First: every reference of the object is deferred, so that it comes
	// before everything it does not contain — bika_setup, whose ID
	// formatting must be in place before the first object is numbered.
	First bool
}

// Ref is one reference the object holds.
type Ref struct {
	Field  string
	Target string
	// Required references must be set at creation (the lab validates
	// them); they are deferred only when a cycle leaves no other way.
	Required bool
}

// Edge is a deferred reference: set by an update once Target exists.
type Edge struct {
	From, Field, To string
	// Required marks a required reference that had to be deferred: the
	// create of From will be refused unless the importer supplies a value.
	Required bool
}

// Plan is the import order.
type Plan struct {
	// Level of each object: every dependency that is not deferred has a
	// lower level, so objects of one level can be imported concurrently.
	Level map[string]int
	// Levels lists the objects of each level, sorted by UID.
	Levels [][]string
	// Deferred are the reference edges set after creation, sorted.
	Deferred []Edge
	// Sequences lists, per ID sequence kept, its objects in Order; all of
	// them share a level.
	Sequences map[string][]string
	// Unsequenced are the objects whose sequence could not share a level
	// (one of them depends on another): created as their level comes,
	// their ids may change.
	Unsequenced []string
}

// IsDeferred tells whether the reference from→field→to is set later.
func (p Plan) IsDeferred(from, field, to string) bool {
	_, ok := slices.BinarySearchFunc(p.Deferred, Edge{From: from, Field: field, To: to}, compareEdge)
	return ok
}

func compareEdge(a, b Edge) int {
	if a.From != b.From {
		return cmpString(a.From, b.From)
	}
	if a.Field != b.Field {
		return cmpString(a.Field, b.Field)
	}
	return cmpString(a.To, b.To)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// edge is a dependency: from needs to.
type edge struct {
	from, to int
	field    string
	// ref is false for containment.
	ref      bool
	required bool
}

// Build plans the import of nodes. A duplicate UID is an error; references
// to objects outside the plan are ignored here (the importer resolves them
// on the destination or imports them on demand).
func Build(nodes []Node) (Plan, error) {
	index := make(map[string]int, len(nodes))
	for i, n := range nodes {
		if n.UID == "" {
			return Plan{}, fmt.Errorf("plan: node %d has no UID", i)
		}
		if _, dup := index[n.UID]; dup {
			return Plan{}, fmt.Errorf("plan: UID %s appears twice", n.UID)
		}
		index[n.UID] = i
	}
	var edges []edge
	for i, n := range nodes {
		if p, ok := index[n.Parent]; ok && p != i {
			edges = append(edges, edge{from: i, to: p})
		}
		for _, r := range n.Refs {
			t, ok := index[r.Target]
			if !ok {
				continue
			}
			edges = append(edges, edge{from: i, to: t, field: r.Field, ref: true, required: r.Required})
		}
	}
	deferred := breakCycles(len(nodes), edges)
	for k, e := range edges {
		if e.ref && nodes[e.from].First {
			deferred[k] = true
		}
	}
	group, dissolved := sequenceGroups(nodes, edges, deferred)
	kept := make([]edge, 0, len(edges))
	var out []Edge
	for k, e := range edges {
		if deferred[k] {
			out = append(out, Edge{From: nodes[e.from].UID, Field: e.field, To: nodes[e.to].UID, Required: e.required})
			continue
		}
		kept = append(kept, e)
	}
	levels, err := levelizeGroups(len(nodes), kept, group)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Level: make(map[string]int, len(nodes)), Deferred: out}
	p.Sequences, p.Unsequenced = sequences(nodes, dissolved)
	for i, lv := range levels {
		p.Level[nodes[i].UID] = lv
		for len(p.Levels) <= lv {
			p.Levels = append(p.Levels, nil)
		}
		p.Levels[lv] = append(p.Levels[lv], nodes[i].UID)
	}
	for _, l := range p.Levels {
		sort.Strings(l)
	}
	slices.SortFunc(p.Deferred, compareEdge)
	p.Deferred = slices.CompactFunc(p.Deferred, func(a, b Edge) bool { return compareEdge(a, b) == 0 })
	return p, nil
}

// breakCycles chooses the edges to defer: inside every strongly connected
// component, first every optional reference edge; if a cycle survives
// (required references and containment alone), its required reference
// edges too. Containment is never deferred: a child cannot exist before
// its container.
func breakCycles(n int, edges []edge) map[int]bool {
	deferred := map[int]bool{}
	for _, pass := range []func(e edge) bool{
		func(e edge) bool { return e.ref && !e.required },
		func(e edge) bool { return e.ref },
	} {
		comp := scc(n, edges, deferred)
		for k, e := range edges {
			if deferred[k] || comp[e.from] != comp[e.to] {
				continue
			}
			if e.from == e.to || inCycle(comp, e) {
				if pass(e) {
					deferred[k] = true
				}
			}
		}
	}
	return deferred
}

func inCycle(comp []int, e edge) bool { return comp[e.from] == comp[e.to] }

// scc returns a component id per node (Tarjan, iterative), ignoring the
// deferred edges. Nodes in a cycle share an id; a node with a self edge
// is in a cycle of its own.
func scc(n int, edges []edge, skip map[int]bool) []int {
	adj := make([][]int, n)
	for k, e := range edges {
		if !skip[k] && e.from != e.to {
			adj[e.from] = append(adj[e.from], e.to)
		}
	}
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	comp := make([]int, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	next, nComp := 0, 0
	type frame struct{ v, i int }
	for root := 0; root < n; root++ {
		if index[root] >= 0 {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.i < len(adj[f.v]) {
				w := adj[f.v][f.i]
				f.i++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] && index[w] < low[f.v] {
					low[f.v] = index[w]
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				if u := call[len(call)-1].v; low[v] < low[u] {
					low[u] = low[v]
				}
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = nComp
					if w == v {
						break
					}
				}
				nComp++
			}
		}
	}
	return comp
}

// levelize gives each node the length of its longest dependency chain
// (Kahn's algorithm); a cycle left in the graph is a bug in breakCycles.
func levelize(n int, edges []edge) ([]int, error) {
	indeg := make([]int, n)
	dependents := make([][]int, n)
	for _, e := range edges {
		if e.from == e.to {
			continue
		}
		indeg[e.from]++
		dependents[e.to] = append(dependents[e.to], e.from)
	}
	level := make([]int, n)
	queue := make([]int, 0, n)
	for i, d := range indeg {
		if d == 0 {
			queue = append(queue, i)
		}
	}
	done := 0
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		done++
		for _, d := range dependents[v] {
			if level[v]+1 > level[d] {
				level[d] = level[v] + 1
			}
			if indeg[d]--; indeg[d] == 0 {
				queue = append(queue, d)
			}
		}
	}
	if done != n {
		return nil, fmt.Errorf("plan: %d objects remain in a containment cycle", n-done)
	}
	return level, nil
}
