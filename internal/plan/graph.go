package plan

import (
	"errors"
	"fmt"
	"slices"
)

// Graph is the plan's input in compact form: objects are numbered 0..n-1
// and held as a few numbers each, their edges in arrays indexed by the
// object they leave (compressed sparse rows), field names and ID sequence
// keys interned. A lab's plan used to hold every object as strings, maps
// and structs — some 2 KB an object while planning (issue #13); here it is
// 7 bytes an edge and about 100 an object with the walks' arrays (150 in
// all for a lab's 7 edges an object: BenchmarkGraphPlan), so that planning
// a lab of a quarter of a million objects stays within tens of megabytes.
// Objects are added in order, each with its edges: AddEdge's from never
// goes back.
type Graph struct {
	first []bool
	seq   []int32 // the object's ID sequence, -1 for none
	order []int

	// edges of object i are start[i]..start[i+1] (start is completed by
	// seal: filled tells how far it is)
	start  []int32
	filled int
	to     []int32
	field  []uint16
	flags  []uint8
	sealed bool

	fields  []string
	fieldID map[string]uint16
	seqKeys []string
	seqID   map[string]int32
}

const (
	flagRef      uint8 = 1 << iota // a reference; containment otherwise
	flagRequired                   // a reference the lab requires at creation
	flagDeferred                   // set after creation
	flagSoon                       // about to be deferred (sequence groups)
)

// NewGraph makes an empty graph; the hints size its arrays (0: grown).
func NewGraph(objects, edges int) *Graph {
	return &Graph{
		first: make([]bool, 0, objects), seq: make([]int32, 0, objects), order: make([]int, 0, objects),
		start: make([]int32, 0, objects+1),
		to:    make([]int32, 0, edges), field: make([]uint16, 0, edges), flags: make([]uint8, 0, edges),
		fieldID: map[string]uint16{}, seqID: map[string]int32{},
	}
}

// Len is the number of objects.
func (g *Graph) Len() int { return len(g.seq) }

// AddNode adds the next object and returns its number. first: every
// reference of the object is deferred (Node.First); sequence names its
// ID sequence ("" for none), order its place in it (Node.Order).
func (g *Graph) AddNode(first bool, sequence string, order int) int32 {
	s := int32(-1)
	if sequence != "" {
		id, ok := g.seqID[sequence]
		if !ok {
			id = int32(len(g.seqKeys))
			g.seqKeys = append(g.seqKeys, sequence)
			g.seqID[sequence] = id
		}
		s = id
	}
	g.first = append(g.first, first)
	g.seq = append(g.seq, s)
	g.order = append(g.order, order)
	return int32(len(g.seq) - 1)
}

// AddEdge records that object from needs object to: its container (ref
// false) or the target of its reference field. Edges come in the order
// of their from: an edge of an object before the last one's is refused.
func (g *Graph) AddEdge(from, to int32, field string, ref, required bool) error {
	if g.sealed {
		return errors.New("plan: edge added to a planned graph")
	}
	if from < 0 || int(from) >= len(g.seq) || to < 0 {
		return fmt.Errorf("plan: edge %d -> %d: no such object", from, to)
	}
	if int(from) < g.filled-1 {
		return fmt.Errorf("plan: edge of object %d after those of object %d", from, g.filled-1)
	}
	for g.filled <= int(from) {
		g.start = append(g.start, int32(len(g.to)))
		g.filled++
	}
	id, ok := g.fieldID[field]
	if !ok {
		if len(g.fields) > 0xffff {
			return errors.New("plan: more than 65,536 reference fields")
		}
		id = uint16(len(g.fields))
		g.fields = append(g.fields, field)
		g.fieldID[field] = id
	}
	var f uint8
	if ref {
		f |= flagRef
		if required {
			f |= flagRequired
		}
	}
	g.to = append(g.to, to)
	g.field = append(g.field, id)
	g.flags = append(g.flags, f)
	return nil
}

// seal completes the edge index and checks the targets.
func (g *Graph) seal() error {
	if g.sealed {
		return nil
	}
	n := len(g.seq)
	for g.filled <= n {
		g.start = append(g.start, int32(len(g.to)))
		g.filled++
	}
	for _, t := range g.to {
		if int(t) >= n {
			return fmt.Errorf("plan: edge to object %d of %d", t, n)
		}
	}
	g.sealed = true
	return nil
}

// Layout is a planned graph: each object's level and place in its ID
// sequence, and which edges are deferred (the graph's own flags).
type Layout struct {
	g *Graph
	// Level of each object: every dependency that is not deferred has a
	// lower level.
	Level []int32
	// Levels is how many levels there are.
	Levels int
	// seqPos is each object's place in its kept ID sequence, -1 for none
	seqPos    []int32
	dissolved []bool
}

// CycleError is a containment cycle: objects that contain each other
// cannot be planned. Object is one of them.
type CycleError struct{ Object int32 }

func (e *CycleError) Error() string {
	return fmt.Sprintf("plan: object %d is in a containment cycle", e.Object)
}

// Plan orders the graph (Build's rules): cycles broken by deferring
// reference edges, optional ones first, containment never; the objects of
// one ID sequence share a level unless one depends on another; levels by
// longest chain of dependencies.
func (g *Graph) Plan() (*Layout, error) {
	if g.sealed {
		return nil, errors.New("plan: a graph is planned once")
	}
	if err := g.seal(); err != nil {
		return nil, err
	}
	n := len(g.seq)
	w := newWalker(n)
	g.breakCycles(w)
	for i := range n {
		if g.first[i] {
			for k := g.start[i]; k < g.start[i+1]; k++ {
				if g.flags[k]&flagRef != 0 {
					g.flags[k] |= flagDeferred
				}
			}
		}
	}
	group, members, dissolved := g.sequenceGroups(w)
	level, err := g.levelize(w, group, members)
	if err != nil {
		return nil, err
	}
	// in place: a representative comes first in its group (group[i] <= i)
	// and keeps its own level
	l := &Layout{g: g, Level: level, dissolved: dissolved, seqPos: make([]int32, n)}
	for i := range n {
		l.Level[i] = level[group[i]]
		l.Levels = max(l.Levels, int(l.Level[i])+1)
		l.seqPos[i] = -1
	}
	// a kept sequence's objects in Order (ties in object order): members
	// lists each group in object order
	for r := range n {
		if group[r] != int32(r) || g.seq[r] < 0 || dissolved[g.seq[r]] {
			continue
		}
		m := members.of(int32(r))
		slices.SortStableFunc(m, func(a, b int32) int { return cmpInt(g.order[a], g.order[b]) })
		for pos, i := range m {
			l.seqPos[i] = int32(pos)
		}
	}
	return l, nil
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Sequence is an object's place in its kept ID sequence; ok is false for
// an object in none, or in a dissolved one.
func (l *Layout) Sequence(i int32) (key string, pos int, ok bool) {
	if p := l.seqPos[i]; p >= 0 {
		return l.g.seqKeys[l.g.seq[i]], int(p), true
	}
	return "", 0, false
}

// Unsequenced tells whether an object's sequence was dissolved: it is
// created as its level comes, and its id may change.
func (l *Layout) Unsequenced(i int32) bool {
	s := l.g.seq[i]
	return s >= 0 && l.dissolved[s]
}

// SequencesKept is how many ID sequences keep their order.
func (l *Layout) SequencesKept() int {
	n := 0
	for _, d := range l.dissolved {
		if !d {
			n++
		}
	}
	return n
}

// EachDeferred calls fn with every deferred edge, in the order of their
// objects (duplicates included: an object may refer twice to the same
// target through the same field).
func (l *Layout) EachDeferred(fn func(from, to int32, field string, required bool) error) error {
	g := l.g
	for i := range len(g.seq) {
		for k := g.start[i]; k < g.start[i+1]; k++ {
			if f := g.flags[k]; f&flagDeferred != 0 {
				if err := fn(int32(i), g.to[k], g.fields[g.field[k]], f&flagRequired != 0); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// members lists each group's objects (CSR); nil for the identity
// grouping, where each object is its own group.
type memberList struct {
	start []int32
	list  []int32
}

func (m *memberList) of(g int32) []int32 {
	if m == nil {
		return nil
	}
	return m.list[m.start[g]:m.start[g+1]]
}

// breakCycles chooses the edges to defer: inside every strongly connected
// component, first every optional reference edge; if a cycle survives
// (required references and containment alone), its required reference
// edges too. Containment is never deferred: a child cannot exist before
// its container.
func (g *Graph) breakCycles(w *walker) {
	for pass := range 2 {
		comp := w.components(g, nil, nil, flagDeferred)
		for i := range len(g.seq) {
			for k := g.start[i]; k < g.start[i+1]; k++ {
				f := g.flags[k]
				if f&flagDeferred != 0 || f&flagRef == 0 || comp[i] != comp[g.to[k]] {
					continue
				}
				if pass == 1 || f&flagRequired == 0 {
					g.flags[k] |= flagDeferred
				}
			}
		}
	}
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

// sequenceGroups gives each object its group's representative (itself
// when it is in no sequence, or in a dissolved one), the groups' members,
// and the sequences dissolved. Sharing a level makes an edge between two
// members of a sequence, or a path leaving it and coming back, a cycle of
// the groups: such cycles are broken like the objects' own, by deferring
// their optional references; a sequence that would need more — a required
// reference or containment between its members — is dissolved, and the
// groups are made again.
func (g *Graph) sequenceGroups(w *walker) ([]int32, *memberList, []bool) {
	n := len(g.seq)
	dissolved := make([]bool, len(g.seqKeys))
	rep := make([]int32, len(g.seqKeys))
	group := make([]int32, n)
	members := &memberList{start: make([]int32, n+1), list: make([]int32, n)}
	for {
		for s := range rep {
			rep[s] = -1
		}
		for i := range n {
			group[i] = int32(i)
			if s := g.seq[i]; s >= 0 && !dissolved[s] {
				if rep[s] >= 0 {
					group[i] = rep[s]
				} else {
					rep[s] = int32(i)
				}
			}
		}
		members.fill(group)
		for k := range g.flags {
			g.flags[k] &^= flagSoon
		}
		// first the optional references on cycles of the groups, as long as
		// some are left; then what remains on a cycle dissolves its groups
		var comp []int32
		for {
			comp = w.components(g, group, members, flagDeferred|flagSoon)
			more := false
			for i := range n {
				for k := g.start[i]; k < g.start[i+1]; k++ {
					f, t := g.flags[k], g.to[k]
					if f&(flagDeferred|flagSoon) != 0 || t == int32(i) || f&flagRef == 0 || f&flagRequired != 0 {
						continue
					}
					if a, b := group[i], group[t]; a == b || comp[a] == comp[b] {
						g.flags[k] |= flagSoon
						more = true
					}
				}
			}
			if !more {
				break
			}
		}
		more := false
		for i := range n {
			for k := g.start[i]; k < g.start[i+1]; k++ {
				t := g.to[k]
				if g.flags[k]&(flagDeferred|flagSoon) != 0 || t == int32(i) {
					continue
				}
				a, b := group[i], group[t]
				if a != b && comp[a] != comp[b] {
					continue // on no cycle of the groups
				}
				for _, r := range [2]int32{a, b} {
					if s := g.seq[r]; s >= 0 && !dissolved[s] {
						dissolved[s] = true
						more = true
					}
				}
			}
		}
		if !more {
			for k, f := range g.flags {
				if f&flagSoon != 0 {
					g.flags[k] = f&^flagSoon | flagDeferred
				}
			}
			return group, members, dissolved
		}
	}
}

// fill lists each group's members in object order (a counting sort:
// filled from the back, each group's start ends where it begins).
func (m *memberList) fill(group []int32) {
	n := len(group)
	clear(m.start)
	for _, r := range group {
		m.start[r+1]++
	}
	for i := 1; i <= n; i++ {
		m.start[i] += m.start[i-1]
	}
	for i := n - 1; i >= 0; i-- {
		r := group[i]
		m.start[r+1]--
		m.list[m.start[r+1]] = int32(i)
	}
	// start[r+1] is now where group r begins
	copy(m.start[:n], m.start[1:])
	m.start[n] = int32(n)
}

// levelize gives each group the length of its longest chain of
// dependencies (edges not deferred, between groups), depth first; a cycle
// left is a containment cycle (breakCycles left no other).
func (g *Graph) levelize(w *walker, group []int32, members *memberList) ([]int32, error) {
	n := len(g.seq)
	level := make([]int32, n)
	state := w.state[:n] // 0 new, 1 on the path, 2 done
	clear(state)
	call := w.call[:0]
	for root := range n {
		if group[root] != int32(root) || state[root] != 0 {
			continue
		}
		state[root] = 1
		call = append(call, frame{v: int32(root)})
		for len(call) > 0 {
			f := &call[len(call)-1]
			t, ok := w.next(g, group, members, f, flagDeferred)
			if ok {
				switch state[t] {
				case 0:
					state[t] = 1
					call = append(call, frame{v: t})
				case 1:
					w.call = call[:0]
					return nil, &CycleError{Object: t}
				default:
					level[f.v] = max(level[f.v], level[t]+1)
				}
				continue
			}
			v := f.v
			state[v] = 2
			call = call[:len(call)-1]
			if len(call) > 0 {
				u := call[len(call)-1].v
				level[u] = max(level[u], level[v]+1)
			}
		}
	}
	w.call = call[:0]
	return level, nil
}

// frame is a step of a depth-first walk: an object (a group's
// representative), and how far through its members' edges the walk is.
type frame struct {
	v    int32
	m    int32 // member position (in the group's list)
	k    int32 // edge position (in the member's edges); -1 before the first
	init bool
}

// walker holds the arrays of the walks over the graph, reused between
// them: a planning allocates them once.
type walker struct {
	index, low, comp []int32
	onStack          []bool
	state            []uint8
	stack            []int32
	call             []frame
}

func newWalker(n int) *walker {
	return &walker{index: make([]int32, n), low: make([]int32, n), comp: make([]int32, n),
		onStack: make([]bool, n), state: make([]uint8, n)}
}

// next is the next group the frame's group depends on through an edge
// not in skip (self edges of the group left out); ok is false when its
// edges are through.
func (w *walker) next(g *Graph, group []int32, members *memberList, f *frame, skip uint8) (int32, bool) {
	if !f.init {
		f.init = true
		f.m, f.k = 0, -1
	}
	for {
		var obj int32
		if group == nil {
			if f.m > 0 {
				return 0, false
			}
			obj = f.v
		} else {
			list := members.of(f.v)
			if int(f.m) >= len(list) {
				return 0, false
			}
			obj = list[f.m]
		}
		if f.k < 0 {
			f.k = g.start[obj]
		}
		for ; f.k < g.start[obj+1]; f.k++ {
			k := f.k
			if g.flags[k]&skip != 0 {
				continue
			}
			t := g.to[k]
			if group != nil {
				t = group[t]
			}
			if t == f.v {
				continue
			}
			f.k++
			return t, true
		}
		f.m++
		f.k = -1
	}
}

// components are the strongly connected components of the groups' graph
// (Tarjan, iterative) over the edges not in skip; group nil is each
// object its own group. Objects on a cycle share a component; only
// representatives' components mean anything.
func (w *walker) components(g *Graph, group []int32, members *memberList, skip uint8) []int32 {
	n := len(g.seq)
	index, low, comp, onStack := w.index, w.low, w.comp, w.onStack
	for i := range n {
		index[i] = -1
		onStack[i] = false
	}
	stack, call := w.stack[:0], w.call[:0]
	next, nComp := int32(0), int32(0)
	for root := range n {
		if index[root] >= 0 || group != nil && group[root] != int32(root) {
			if index[root] < 0 {
				index[root], comp[root] = next, nComp // not a group: alone
				next++
				nComp++
			}
			continue
		}
		call = append(call, frame{v: int32(root)})
		index[root], low[root] = next, next
		next++
		stack = append(stack, int32(root))
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if t, ok := w.next(g, group, members, f, skip); ok {
				if index[t] < 0 {
					index[t], low[t] = next, next
					next++
					stack = append(stack, t)
					onStack[t] = true
					call = append(call, frame{v: t})
				} else if onStack[t] && index[t] < low[f.v] {
					low[f.v] = index[t]
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
					t := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[t] = false
					comp[t] = nComp
					if t == v {
						break
					}
				}
				nComp++
			}
		}
	}
	w.stack, w.call = stack[:0], call[:0]
	return comp
}
