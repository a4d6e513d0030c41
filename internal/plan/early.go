package plan

import (
	"fmt"
	"slices"
)

// The early replay's families (issue #13). The workflow replay of a
// sample need not wait for the whole lab's objects: the ID sequences keep
// an import's objects phase long while the lab's threads sit idle, and the
// replay — most of an import's requests — could fill them. A family of
// samples (a sample with its partitions, an invalidated sample with its
// retest, the samples of one report: samples that name each other, or
// whose children do) goes early once everything its replay touches or
// could be touched by has landed: its samples, their children (analyses;
// reports, which a verified sample no longer takes), what refers to them
// (a worksheet that assigns an analysis), and what they refer to (the
// method an analysis' fields name); and once the deferred references of
// any of those are set (a worksheet whose analyses are assigned in the
// deferred pass, the methods of a service its analyses are of). A
// deferred reference held by an object the family does not touch changes
// that object alone: another service naming the same method does not hold
// it back (the rule that it did put 550,000 rows in the plan of a
// 53,571-object lab, 128 a family, and took 30 s to save). A family
// naming a sample of another family, or with a sample an earlier import
// brought, goes with the whole lab's replay.
//
// These rules were one SQL statement over the whole lab, run once the
// objects were on their way: 13 s of a 22,562-object import's first
// seconds and 59 s of a 53,571-object one's (2 to 4 s idle), PostgreSQL
// taking a core the ID sequences' first creates waited for. The plan's
// graph holds every edge they read: they are walked here, from the graph
// the import was planned with.

// EarlyKind is why a family waits for an object (store's replay_blockers
// kind).
type EarlyKind int16

const (
	// EarlyWaitsFor: an object the family's replay touches or that
	// touches it; it must have landed.
	EarlyWaitsFor EarlyKind = 0
	// EarlySample: one of the family's samples; the row of the family's
	// own (least) sample names the family.
	EarlySample EarlyKind = 1
	// EarlyDeferred: an object the family touches whose deferred
	// references must be set first.
	EarlyDeferred EarlyKind = 2
)

// Flags of an object the early replay's families are planned by.
const (
	// EarlyIsSample marks a sample (AnalysisRequest).
	EarlyIsSample uint8 = 1 << iota
	// EarlyToImport marks an object this import brings: a family with a
	// sample that is not goes with the whole lab's replay.
	EarlyToImport
	// EarlyCopied marks an object whose copy is there already (an earlier
	// import's): it holds nothing back.
	EarlyCopied
)

// EarlyFamilies walks the planned graph for the families that may be
// replayed early and tells emit, family by family, what each waits for:
// its samples (EarlySample, the family's root first), what must have
// landed (EarlyWaitsFor) and which of those, or of its own objects, hold
// deferred references that must be set first (EarlyDeferred). flags are
// each object's Early flags; less orders objects by UID (a family's root
// is its least sample to import). It
// returns how many families it found. Reference edges only (a sample's
// container is not its replay's business); the edges a sample gets from
// its analyses' services and those of stand-ins are references like the
// others, and only add what the family's analyses name anyway.
func (l *Layout) EarlyFamilies(flags []uint8, less func(a, b int32) bool, emit func(root, obj int32, kind EarlyKind) error) (int, error) {
	g := l.g
	n := len(g.seq)
	if len(flags) != n {
		return 0, fmt.Errorf("plan: early families: %d flags for %d objects", len(flags), n)
	}
	sample := func(i int32) bool { return flags[i]&EarlyIsSample != 0 }
	isRef := func(k int32) bool { return g.flags[k]&flagRef != 0 }
	// each object's container, and the children of samples (CSR)
	parent := make([]int32, n)
	for i := range n {
		parent[i] = -1
		for k := g.start[i]; k < g.start[i+1]; k++ {
			if !isRef(k) {
				parent[i] = g.to[k]
				break
			}
		}
	}
	childStart, children := groupBy(n, func(i int32) int32 {
		if p := parent[i]; p >= 0 && sample(p) {
			return p
		}
		return -1
	})
	// references into each object (CSR), and the objects with deferred
	// references
	inStart := make([]int32, n+1)
	for k, t := range g.to {
		if isRef(int32(k)) {
			inStart[t+1]++
		}
	}
	for i := range n {
		inStart[i+1] += inStart[i]
	}
	inFrom := make([]int32, inStart[n])
	fill := slices.Clone(inStart[:n])
	hasDeferred := make([]bool, n)
	for i := range int32(n) {
		for k := g.start[i]; k < g.start[i+1]; k++ {
			if isRef(k) {
				inFrom[fill[g.to[k]]] = i
				fill[g.to[k]]++
				hasDeferred[i] = hasDeferred[i] || g.flags[k]&flagDeferred != 0
			}
		}
	}
	// families: samples joined by a reference from a sample, or from a
	// sample's child, to another sample
	uf := make([]int32, n)
	for i := range uf {
		uf[i] = int32(i)
	}
	find := func(i int32) int32 {
		for uf[i] != i {
			uf[i] = uf[uf[i]]
			i = uf[i]
		}
		return i
	}
	for i := range int32(n) {
		owner := int32(-1)
		if sample(i) {
			owner = i
		} else if p := parent[i]; p >= 0 && sample(p) {
			owner = p
		}
		if owner < 0 {
			continue
		}
		for k := g.start[i]; k < g.start[i+1]; k++ {
			if t := g.to[k]; isRef(k) && sample(t) && t != owner {
				if a, b := find(owner), find(t); a != b {
					uf[max(a, b)] = min(a, b)
				}
			}
		}
	}
	root := map[int32]int32{} // a family's least sample to import, by its set
	late := map[int32]bool{}  // families with a sample this import does not bring
	for i := range int32(n) {
		if !sample(i) {
			continue
		}
		c := find(i)
		if flags[i]&EarlyToImport == 0 {
			late[c] = true
		} else if r, ok := root[c]; !ok || less(i, r) {
			root[c] = i
		}
	}
	famStart, famSamples := groupBy(n, func(i int32) int32 {
		if sample(i) {
			return find(i)
		}
		return -1
	})
	seen := make([]int32, n) // the family (1-based) that last met the object
	var members, blocked, deferred []int32
	families := 0
	for c := range int32(n) {
		r, ok := root[c]
		if !ok || late[c] {
			continue
		}
		mark := c + 1
		fam := famSamples[famStart[c]:famStart[c+1]]
		members = members[:0]
		for _, s := range fam {
			members = append(members, s)
			members = append(members, children[childStart[s]:childStart[s+1]]...)
		}
		blocked = blocked[:0]
		add := func(x int32) {
			if x != r && seen[x] != mark {
				seen[x] = mark
				blocked = append(blocked, x)
			}
		}
		for _, m := range members {
			add(m)
			for k := g.start[m]; k < g.start[m+1]; k++ {
				if isRef(k) {
					add(g.to[k])
				}
			}
			for _, src := range inFrom[inStart[m]:inStart[m+1]] {
				add(src)
			}
		}
		if slices.ContainsFunc(blocked, func(b int32) bool { return sample(b) && find(b) != c }) {
			continue // it names a sample of another family
		}
		families++
		if err := emit(r, r, EarlySample); err != nil {
			return 0, err
		}
		for _, s := range fam {
			if s != r {
				if err := emit(r, s, EarlySample); err != nil {
					return 0, err
				}
			}
		}
		for _, b := range blocked {
			if !sample(b) && flags[b]&EarlyCopied == 0 {
				if err := emit(r, b, EarlyWaitsFor); err != nil {
					return 0, err
				}
			}
		}
		deferred = deferred[:0]
		for _, t := range append(blocked, r) { // what the family touches
			if hasDeferred[t] {
				deferred = append(deferred, t)
			}
		}
		for _, d := range deferred {
			if err := emit(r, d, EarlyDeferred); err != nil {
				return 0, err
			}
		}
	}
	return families, nil
}

// groupBy lists objects by a key of theirs (an object number, -1 for
// none) as compressed sparse rows: key k's objects are
// items[start[k]:start[k+1]], in object order.
func groupBy(n int, key func(int32) int32) (start, items []int32) {
	start = make([]int32, n+1)
	keys := make([]int32, n)
	for i := range int32(n) {
		keys[i] = key(i)
		if keys[i] >= 0 {
			start[keys[i]+1]++
		}
	}
	for i := range n {
		start[i+1] += start[i]
	}
	items = make([]int32, start[n])
	fill := slices.Clone(start[:n])
	for i, k := range keys {
		if k >= 0 {
			items[fill[k]] = int32(i)
			fill[k]++
		}
	}
	return start, items
}
