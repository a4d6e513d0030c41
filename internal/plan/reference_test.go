package plan

// The planner as it was before the compact graph (issue #13): maps and
// structs per object, simple to read. Kept as the tests' oracle — random
// graphs must get the same levels, deferred references and sequences
// from Build (TestBuildMatchesReference).

import (
	"fmt"
	"slices"
	"sort"
)

// refEdge is a dependency: from needs to.
type refEdge struct {
	from, to int
	field    string
	// ref is false for containment.
	ref      bool
	required bool
}

// refBuild plans the import of nodes. A duplicate UID is an error; references
// to objects outside the plan are ignored here (the importer resolves them
// on the destination or imports them on demand).
func refBuild(nodes []Node) (Plan, error) {
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
	var edges []refEdge
	for i, n := range nodes {
		if p, ok := index[n.Parent]; ok && p != i {
			edges = append(edges, refEdge{from: i, to: p})
		}
		for _, r := range n.Refs {
			t, ok := index[r.Target]
			if !ok {
				continue
			}
			edges = append(edges, refEdge{from: i, to: t, field: r.Field, ref: true, required: r.Required})
		}
	}
	deferred := refBreakCycles(len(nodes), edges)
	for k, e := range edges {
		if e.ref && nodes[e.from].First {
			deferred[k] = true
		}
	}
	group, dissolved := refSequenceGroups(nodes, edges, deferred)
	kept := make([]refEdge, 0, len(edges))
	var out []Edge
	for k, e := range edges {
		if deferred[k] {
			out = append(out, Edge{From: nodes[e.from].UID, Field: e.field, To: nodes[e.to].UID, Required: e.required})
			continue
		}
		kept = append(kept, e)
	}
	levels, err := refLevelizeGroups(len(nodes), kept, group)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Level: make(map[string]int, len(nodes)), Deferred: out}
	p.Sequences, p.Unsequenced = refSequences(nodes, dissolved)
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

// refBreakCycles chooses the edges to defer: inside every strongly connected
// component, first every optional reference refEdge; if a cycle survives
// (required references and containment alone), its required reference
// edges too. Containment is never deferred: a child cannot exist before
// its container.
func refBreakCycles(n int, edges []refEdge) map[int]bool {
	deferred := map[int]bool{}
	for _, pass := range []func(e refEdge) bool{
		func(e refEdge) bool { return e.ref && !e.required },
		func(e refEdge) bool { return e.ref },
	} {
		comp := refScc(n, edges, deferred)
		for k, e := range edges {
			if deferred[k] || comp[e.from] != comp[e.to] {
				continue
			}
			if e.from == e.to || refInCycle(comp, e) {
				if pass(e) {
					deferred[k] = true
				}
			}
		}
	}
	return deferred
}

func refInCycle(comp []int, e refEdge) bool { return comp[e.from] == comp[e.to] }

// refScc returns a component id per node (Tarjan, iterative), ignoring the
// deferred edges. Nodes in a cycle share an id; a node with a self refEdge
// is in a cycle of its own.
func refScc(n int, edges []refEdge, skip map[int]bool) []int {
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

// refLevelize gives each node the length of its longest dependency chain
// (Kahn's algorithm); a cycle left in the graph is a bug in refBreakCycles.
func refLevelize(n int, edges []refEdge) ([]int, error) {
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

// The destination's ID server numbers the objects of a sequence (a sample
// type's samples, the worksheets, a sample's partitions) in the order they
// are created; the import keeps the source's ids by creating each
// sequence's objects one at a time in the source's order (ids.Of). For that
// they must share a level: the plan levels groups, not objects — every
// member of a sequence gets the level of its latest-ready member. A
// sequence one of whose members depends on another (directly, or through
// other objects) cannot share a level: it is dissolved, and its objects are
// created as their levels come.

// refSequenceGroups gives each node its group's representative (itself when
// it is in no sequence) and the refSequences dissolved. Sharing a level makes
// an refEdge between two members of a sequence, or a path leaving it and
// coming back, a cycle of the groups: such cycles are broken like the
// objects' own, by deferring their optional references (added to
// deferred); a sequence that would need more — a required reference or
// containment between its members — is dissolved.
func refSequenceGroups(nodes []Node, edges []refEdge, deferred map[int]bool) ([]int, map[string]bool) {
	dissolved := map[string]bool{}
	for {
		group := make([]int, len(nodes))
		rep := map[string]int{}
		for i, n := range nodes {
			group[i] = i
			if n.Sequence == "" || dissolved[n.Sequence] {
				continue
			}
			if r, ok := rep[n.Sequence]; ok {
				group[i] = r
			} else {
				rep[n.Sequence] = i
			}
		}
		// first the optional references on cycles of the groups, as long as
		// some are left; then what remains on a cycle dissolves its groups
		soon := map[int]bool{}
		for {
			comp := refGroupComponents(len(nodes), edges, group, deferred, soon)
			more := false
			for k, e := range edges {
				if deferred[k] || soon[k] || e.from == e.to || !e.ref || e.required {
					continue
				}
				if a, b := group[e.from], group[e.to]; a == b || comp[a] == comp[b] {
					soon[k] = true
					more = true
				}
			}
			if !more {
				break
			}
		}
		comp := refGroupComponents(len(nodes), edges, group, deferred, soon)
		more := false
		for k, e := range edges {
			if deferred[k] || soon[k] || e.from == e.to {
				continue
			}
			a, b := group[e.from], group[e.to]
			if a != b && comp[a] != comp[b] {
				continue // on no cycle of the groups
			}
			for _, g := range []int{a, b} {
				if s := nodes[g].Sequence; s != "" && !dissolved[s] {
					dissolved[s] = true
					more = true
				}
			}
		}
		if !more {
			for k := range soon {
				deferred[k] = true
			}
			return group, dissolved
		}
	}
}

// refGroupComponents are the strongly connected components of the groups'
// graph: edges neither deferred nor about to be.
func refGroupComponents(n int, edges []refEdge, group []int, deferred, soon map[int]bool) []int {
	quotient := make([]refEdge, 0, len(edges))
	for k, e := range edges {
		if !deferred[k] && !soon[k] {
			quotient = append(quotient, refEdge{from: group[e.from], to: group[e.to]})
		}
	}
	return refScc(n, quotient, nil)
}

// refLevelizeGroups is refLevelize over the groups: every member of a group gets
// its group's level.
func refLevelizeGroups(n int, edges []refEdge, group []int) ([]int, error) {
	quotient := make([]refEdge, 0, len(edges))
	for _, e := range edges {
		if a, b := group[e.from], group[e.to]; a != b {
			quotient = append(quotient, refEdge{from: a, to: b})
		}
	}
	lv, err := refLevelize(n, quotient)
	if err != nil {
		return nil, fmt.Errorf("plan: refSequences: %w", err)
	}
	out := make([]int, n)
	for i := range out {
		out[i] = lv[group[i]]
	}
	return out, nil
}

// refSequences lists the kept refSequences' objects in order, and the objects of
// dissolved ones.
func refSequences(nodes []Node, dissolved map[string]bool) (map[string][]string, []string) {
	kept := map[string][]int{}
	var loose []string
	for i, n := range nodes {
		switch {
		case n.Sequence == "":
		case dissolved[n.Sequence]:
			loose = append(loose, n.UID)
		default:
			kept[n.Sequence] = append(kept[n.Sequence], i)
		}
	}
	out := make(map[string][]string, len(kept))
	for key, members := range kept {
		sort.SliceStable(members, func(a, b int) bool { return nodes[members[a]].Order < nodes[members[b]].Order })
		uids := make([]string, len(members))
		for i, m := range members {
			uids[i] = nodes[m].UID
		}
		out[key] = uids
	}
	sort.Strings(loose)
	return out, loose
}
