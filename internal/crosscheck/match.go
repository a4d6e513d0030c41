package crosscheck

import (
	"crypto/sha256"
	"runtime"
	"strings"
	"sync"
)

// How a pair was matched; the report counts each.
const (
	byPath       = "path"
	byContent    = "content"
	byTwins      = "identical content"
	bySimilarity = "similarity"
)

// prep is an object prepared for matching and comparing.
type prep struct {
	o      *Object
	rel    string
	vals   []kv // sorted by key
	left   map[string][]string
	parent string   // parent UID, "0" for the portal
	ids    []string // own id, then the ancestors' ids, for abstraction
	order  int      // position in the snapshot
	match  *prep
	how    string
	// static[abstract] hashes the values without UIDs
	static [2][32]byte
	// abs holds the values whose text changes when ids are abstracted
	abs map[string]string
}

// side is one lab of a comparison.
type side struct {
	snap  *Snapshot
	site  string // the lab's own URLs start with it
	preps []*prep
	byUID map[string]*prep
}

func prepare(s *Snapshot) *side {
	site := s.siteURL()
	sd := &side{snap: s, site: site, byUID: make(map[string]*prep, len(s.Objects)),
		preps: make([]*prep, len(s.Objects))}
	// objects are canonicalized independently: in parallel
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(s.Objects); i += workers {
				o := s.Objects[i]
				vals, left := canonical(o, site)
				sd.preps[i] = &prep{o: o, rel: relPath(o.Path), vals: vals, left: left, parent: o.ParentUID, order: i}
			}
		}()
	}
	wg.Wait()
	for _, p := range sd.preps {
		sd.byUID[p.o.UID] = p
	}
	for _, p := range sd.preps {
		p.ids = append(p.ids, p.o.ID)
		for q, n := sd.byUID[p.parent], 0; q != nil && n < 64; q, n = sd.byUID[q.parent], n+1 {
			p.ids = append(p.ids, q.o.ID)
		}
	}
	return sd
}

// structural tells whether an object is part of every SENAITE site rather
// than content: the site root's children (folders, bika_setup, the DX
// setup), and bika_setup's and setup's children (their folders and the
// Laboratory). senaite.jsonapi refuses to create anything directly inside
// the portal or bika_setup (api.py:1073 is_creation_allowed), and setup
// only allows its folders, so these exist on every site at fixed paths and
// are matched by path.
func structural(rel string) bool {
	first, rest, nested := strings.Cut(rel, "/")
	if !nested {
		return rel != ""
	}
	return (first == "bika_setup" || first == "setup") && !strings.Contains(rest, "/")
}

// matcher pairs the objects of two sides by content.
type matcher struct {
	src, dst *side
	// refKeys are, per portal type, the keys that hold a UID on either side.
	refKeys map[string]map[string]bool
}

// match pairs structural objects by path, then the others by content:
// fingerprints of their values unique on both sides, in views (values
// without references, ids abstracted; with references and the parent
// translated through the pairs found so far; the same two with ids as
// they are), restarting from the first after every pass that found pairs,
// so that each pair found resolves references for the next. When
// no view finds more, objects of identical content are paired (twins),
// then pairs are looked for by similarity; the loop ends when nothing new
// is found.
func match(src, dst *side) {
	m := &matcher{src: src, dst: dst, refKeys: map[string]map[string]bool{}}
	dstByPath := map[string]*prep{}
	for _, d := range dst.preps {
		if structural(d.rel) {
			dstByPath[d.rel] = d
		}
	}
	for _, s := range src.preps {
		if !structural(s.rel) {
			continue
		}
		if d := dstByPath[s.rel]; d != nil {
			link(s, d, byPath)
		}
	}
	for _, sd := range []*side{src, dst} {
		for _, p := range sd.preps {
			rk := m.refKeys[p.o.PortalType]
			if rk == nil {
				rk = map[string]bool{}
				m.refKeys[p.o.PortalType] = rk
			}
			for _, x := range p.vals {
				if !rk[x.k] && hasUID(x.v) {
					rk[x.k] = true
				}
			}
		}
	}
	for _, sd := range []*side{src, dst} {
		for _, p := range sd.preps {
			m.prepareStatic(p)
		}
	}
	// ids first abstracted: they are no content, and a value holding one
	// (a sample's title, an analysis's getRequestID) must not pair objects
	// against what their references say; the strict views come after, for
	// what the abstraction made alike
	views := []view{{abstract: true}, {abstract: true, refs: true}, {}, {refs: true}}
	for round := 0; round < 10000; round++ {
		found := 0
		for _, v := range views {
			if found = m.unique(v); found > 0 {
				break
			}
		}
		if found > 0 {
			continue
		}
		if m.twins() > 0 {
			continue
		}
		if m.similar() == 0 {
			return
		}
	}
}

func link(s, d *prep, how string) {
	s.match, d.match = d, s
	s.how, d.how = how, how
}

// view is one way of fingerprinting.
type view struct {
	// abstract replaces the object's own and its ancestors' ids inside its
	// values: a renumbered sample's title (its id) or an analysis's
	// getRequestID (its sample's id) then still match.
	abstract bool
	// refs adds the values holding UIDs and the parent, translated through
	// the pairs found so far.
	refs bool
}

// fingerprinted keys leave out the workflow: a review state the product
// got wrong is to be reported on a matched pair, not to prevent the pair.
func fingerprinted(k string) bool {
	return k != "workflow_info" && !strings.HasPrefix(k, "workflow_info.")
}

func (m *matcher) prepareStatic(p *prep) {
	rk := m.refKeys[p.o.PortalType]
	for a := 0; a < 2; a++ {
		h := sha256.New()
		h.Write([]byte(p.o.PortalType))
		h.Write([]byte{0})
		for _, x := range p.vals {
			k := x.k
			if rk[k] || !fingerprinted(k) {
				continue
			}
			t := x.v
			if a == 1 {
				t = abstractIDs(t, p.ids)
				if t != x.v {
					if p.abs == nil {
						p.abs = map[string]string{}
					}
					p.abs[k] = t
				}
			}
			h.Write([]byte(k))
			h.Write([]byte{0})
			h.Write([]byte(t))
			h.Write([]byte{0})
		}
		h.Sum(p.static[a][:0])
	}
	for _, x := range p.vals {
		if !rk[x.k] || !fingerprinted(x.k) {
			continue
		}
		if t := abstractIDs(x.v, p.ids); t != x.v {
			if p.abs == nil {
				p.abs = map[string]string{}
			}
			p.abs[x.k] = t
		}
	}
}

// abstractIDs replaces, in a value's text, each occurrence of the ids
// (own id first, then the ancestors') that stands alone — not inside a
// longer word — by a placeholder naming its level.
func abstractIDs(t string, ids []string) string {
	for level, id := range ids {
		if id == "" || !strings.Contains(t, id) {
			continue
		}
		var b strings.Builder
		rest := t
		for {
			i := strings.Index(rest, id)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			end := i + len(id)
			alone := (i == 0 || !idChar(rest[i-1])) && (end == len(rest) || !idChar(rest[end]))
			b.WriteString(rest[:i])
			if alone {
				b.WriteString("\x00id")
				b.WriteByte(byte('0' + min(level, 9)))
				b.WriteByte(0)
			} else {
				b.WriteString(id)
			}
			rest = rest[end:]
		}
		t = b.String()
	}
	return t
}

func idChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// tr translates a UID for fingerprints and similarity: a source object's
// UID becomes its partner's, an object without a partner yet "?" (on both
// sides, so that two unknowns do not differ), anything else stays as is.
// resolved is cleared when a "?" was written.
func (m *matcher) tr(sd *side, resolved *bool) func(string) string {
	return func(uid string) string {
		p := sd.byUID[uid]
		switch {
		case p == nil:
			return uid
		case p.match == nil:
			*resolved = false
			return "?"
		case sd == m.src:
			return p.match.o.UID
		}
		return uid
	}
}

// fingerprint hashes p in view v; resolved reports whether every UID it
// holds (and its parent) had a partner.
func (m *matcher) fingerprint(sd *side, p *prep, v view) (fp [32]byte, resolved bool) {
	a := 0
	if v.abstract {
		a = 1
	}
	if !v.refs {
		return p.static[a], true
	}
	resolved = true
	tr := m.tr(sd, &resolved)
	rk := m.refKeys[p.o.PortalType]
	h := sha256.New()
	h.Write(p.static[a][:])
	for _, x := range p.vals {
		k := x.k
		if !rk[k] || !fingerprinted(k) {
			continue
		}
		t := x.v
		if at, ok := p.abs[k]; ok && v.abstract {
			t = at
		}
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(translate(t, tr)))
		h.Write([]byte{0})
	}
	parent := p.parent
	if parent != "0" {
		parent = tr(parent)
	}
	h.Write([]byte(parent))
	h.Sum(fp[:0])
	return fp, resolved
}

// unique pairs the unmatched objects whose fingerprint in view v is unique
// on both sides; it returns how many pairs it found.
func (m *matcher) unique(v view) int {
	fs := m.groups(m.src, v, false)
	fd := m.groups(m.dst, v, false)
	n := 0
	for fp, ss := range fs {
		if ds := fd[fp]; len(ss) == 1 && len(ds) == 1 {
			link(ss[0], ds[0], byContent)
			n++
		}
	}
	return n
}

// groups are a side's unmatched objects by fingerprint; onlyResolved
// leaves out those holding a UID without a partner.
func (m *matcher) groups(sd *side, v view, onlyResolved bool) map[[32]byte][]*prep {
	out := map[[32]byte][]*prep{}
	for _, p := range sd.preps {
		if p.match != nil || structural(p.rel) {
			continue
		}
		fp, resolved := m.fingerprint(sd, p, v)
		if onlyResolved && !resolved {
			continue
		}
		out[fp] = append(out[fp], p)
	}
	return out
}

// twins pairs objects whose whole content, references and parent included,
// is identical on both sides, where no fingerprint is unique: such objects
// are interchangeable, so those with equal ids are paired first and the
// rest, when both sides hold as many, in listing order.
func (m *matcher) twins() int {
	v := view{refs: true}
	fs := m.groups(m.src, v, true)
	fd := m.groups(m.dst, v, true)
	n := 0
	for fp, ss := range fs {
		ds := fd[fp]
		if len(ds) == 0 {
			continue
		}
		byID := map[string][]*prep{}
		for _, d := range ds {
			byID[d.o.ID] = append(byID[d.o.ID], d)
		}
		var restS []*prep
		for _, s := range ss {
			if cand := byID[s.o.ID]; len(cand) > 0 {
				link(s, cand[0], byTwins)
				byID[s.o.ID] = cand[1:]
				n++
				continue
			}
			restS = append(restS, s)
		}
		var restD []*prep
		for _, d := range ds {
			if d.match == nil {
				restD = append(restD, d)
			}
		}
		if len(restS) == len(restD) {
			for i := range restS {
				link(restS[i], restD[i], byTwins)
				n++
			}
		}
	}
	return n
}

// similar pairs, among the unmatched objects of one type under one
// (matched) parent, those that are each other's single best by the number
// of equal values (UIDs translated), when that is more than half of the
// keys either shows: a pair whose values differ — the differences are
// what the report is for — but that nothing else resembles as much.
func (m *matcher) similar() int {
	type groupKey struct{ portalType, parent string }
	gs := map[groupKey][]*prep{}
	gd := map[groupKey][]*prep{}
	for _, g := range []struct {
		sd  *side
		out map[groupKey][]*prep
	}{{m.src, gs}, {m.dst, gd}} {
		for _, p := range g.sd.preps {
			if p.match != nil || structural(p.rel) {
				continue
			}
			parent := p.parent
			if parent != "0" {
				pp := g.sd.byUID[parent]
				if pp == nil || pp.match == nil {
					continue
				}
				if g.sd == m.src {
					parent = pp.match.o.UID
				}
			}
			k := groupKey{p.o.PortalType, parent}
			g.out[k] = append(g.out[k], p)
		}
	}
	n := 0
	for k, ss := range gs {
		ds := gd[k]
		if len(ds) == 0 || len(ss)*len(ds) > 1_000_000 {
			continue
		}
		ts := m.translated(m.src, ss)
		td := m.translated(m.dst, ds)
		score := make([][]int, len(ss))
		for i := range ss {
			score[i] = make([]int, len(ds))
			for j := range ds {
				score[i][j] = similarity(ts[i], td[j])
			}
		}
		bestOf := func(row []int) (int, bool) {
			best, second := -1, -1
			for j, v := range row {
				if best < 0 || v > row[best] {
					if best >= 0 {
						second = row[best]
					}
					best = j
				} else if v > second {
					second = v
				}
			}
			return best, best >= 0 && row[best] > second
		}
		for i := range ss {
			j, ok := bestOf(score[i])
			if !ok {
				continue
			}
			col := make([]int, len(ss))
			for r := range ss {
				col[r] = score[r][j]
			}
			if back, ok := bestOf(col); !ok || back != i {
				continue
			}
			if 2*score[i][j] > keyUnion(ts[i], td[j]) {
				link(ss[i], ds[j], bySimilarity)
				n++
			}
		}
	}
	return n
}

// translated are the objects' values with UIDs translated for similarity,
// sorted by key.
func (m *matcher) translated(sd *side, ps []*prep) [][]kv {
	out := make([][]kv, len(ps))
	resolved := true
	tr := m.tr(sd, &resolved)
	for i, p := range ps {
		out[i] = make([]kv, 0, len(p.vals))
		for _, x := range p.vals {
			if fingerprinted(x.k) {
				out[i] = append(out[i], kv{x.k, translate(x.v, tr)})
			}
		}
	}
	return out
}

// similarity counts the keys two objects hold equal values under.
func similarity(a, b []kv) int {
	n := 0
	eachKey(a, b, func(_ string, x, y *string) {
		if x != nil && y != nil && *x == *y {
			n++
		}
	})
	return n
}

// keyUnion counts the keys either holds.
func keyUnion(a, b []kv) int {
	n := 0
	eachKey(a, b, func(string, *string, *string) { n++ })
	return n
}

// eachKey walks two key-sorted value lists side by side, calling fn for
// every key of either with its values (nil where one lacks it).
func eachKey(a, b []kv, fn func(k string, x, y *string)) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].k < b[j].k:
			fn(a[i].k, &a[i].v, nil)
			i++
		case i == len(a) || b[j].k < a[i].k:
			fn(b[j].k, nil, &b[j].v)
			j++
		default:
			fn(a[i].k, &a[i].v, &b[j].v)
			i++
			j++
		}
	}
}
