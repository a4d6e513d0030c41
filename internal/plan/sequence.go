package plan

import (
	"fmt"
	"sort"
)

// The destination's ID server numbers the objects of a sequence (a sample
// type's samples, the worksheets, a sample's partitions) in the order they
// are created; the import keeps the source's ids by creating each
// sequence's objects one at a time in the source's order (ids.Of). For that
// they must share a level: the plan levels groups, not objects — every
// member of a sequence gets the level of its latest-ready member. A
// sequence one of whose members depends on another (directly, or through
// other objects) cannot share a level: it is dissolved, and its objects are
// created as their levels come.

// sequenceGroups gives each node its group's representative (itself when
// it is in no sequence) and the sequences dissolved. Sharing a level makes
// an edge between two members of a sequence, or a path leaving it and
// coming back, a cycle of the groups: such cycles are broken like the
// objects' own, by deferring their optional references (added to
// deferred); a sequence that would need more — a required reference or
// containment between its members — is dissolved.
func sequenceGroups(nodes []Node, edges []edge, deferred map[int]bool) ([]int, map[string]bool) {
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
			comp := groupComponents(len(nodes), edges, group, deferred, soon)
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
		comp := groupComponents(len(nodes), edges, group, deferred, soon)
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

// groupComponents are the strongly connected components of the groups'
// graph: edges neither deferred nor about to be.
func groupComponents(n int, edges []edge, group []int, deferred, soon map[int]bool) []int {
	quotient := make([]edge, 0, len(edges))
	for k, e := range edges {
		if !deferred[k] && !soon[k] {
			quotient = append(quotient, edge{from: group[e.from], to: group[e.to]})
		}
	}
	return scc(n, quotient, nil)
}

// levelizeGroups is levelize over the groups: every member of a group gets
// its group's level.
func levelizeGroups(n int, edges []edge, group []int) ([]int, error) {
	quotient := make([]edge, 0, len(edges))
	for _, e := range edges {
		if a, b := group[e.from], group[e.to]; a != b {
			quotient = append(quotient, edge{from: a, to: b})
		}
	}
	lv, err := levelize(n, quotient)
	if err != nil {
		return nil, fmt.Errorf("plan: sequences: %w", err)
	}
	out := make([]int, n)
	for i := range out {
		out[i] = lv[group[i]]
	}
	return out, nil
}

// sequences lists the kept sequences' objects in order, and the objects of
// dissolved ones.
func sequences(nodes []Node, dissolved map[string]bool) (map[string][]string, []string) {
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
