package crosscheck

import "slices"

// Options tune a comparison.
type Options struct {
	// Examples is how many examples String prints per group (default 3).
	Examples int
}

// Compare matches the objects of two snapshots by content and reports
// every difference of the matched pairs, the objects left unmatched and
// the destination's dangling references. It never uses UIDs to pair
// objects; src and dst may even share them (a copy of a lab).
func Compare(src, dst *Snapshot, opts Options) *Report {
	s, d := prepare(src), prepare(dst)
	match(s, d)
	r := &Report{examples: opts.Examples, Matched: map[string]int{},
		Source: summary(src), Destination: summary(dst)}
	if r.examples <= 0 {
		r.examples = 3
	}
	c := comparison{r: r, src: s, dst: d, excluded: map[string]*Excluded{}}
	for _, g := range []struct {
		name string
		sd   *side
	}{{"source", s}, {"destination", d}} {
		for _, p := range g.sd.preps {
			if p.o.Partial != "" {
				r.Unreadable = append(r.Unreadable, Unreadable{Side: g.name, Ref: ref(p), Message: p.o.Partial})
			}
		}
	}
	for _, p := range s.preps {
		if p.match == nil {
			r.UnmatchedSource = append(r.UnmatchedSource, ref(p))
			continue
		}
		r.Matched[p.how]++
		c.pair(p, p.match)
	}
	for _, p := range d.preps {
		if p.match == nil {
			r.UnmatchedDestination = append(r.UnmatchedDestination, ref(p))
		}
		c.dangling(p)
	}
	for _, p := range s.preps {
		eachUID(p, func(_, uid string) {
			if s.byUID[uid] == nil {
				r.SourceDangling++
			}
		})
	}
	for _, e := range Exclusions {
		if x := c.excluded[e.Key]; x != nil {
			r.Excluded = append(r.Excluded, *x)
		} else {
			r.Excluded = append(r.Excluded, Excluded{Exclusion: e})
		}
	}
	r.sort()
	return r
}

func summary(s *Snapshot) Summary {
	out := Summary{URL: s.URL, Objects: len(s.Objects), PerType: map[string]int{}}
	for _, o := range s.Objects {
		out.PerType[o.PortalType]++
	}
	return out
}

func ref(p *prep) Ref {
	return Ref{PortalType: p.o.PortalType, Path: p.rel, ID: p.o.ID, Title: p.o.Title}
}

// comparison holds the state of one Compare.
type comparison struct {
	r        *Report
	src, dst *side
	excluded map[string]*Excluded
}

// toDst translates a source value for comparison: a source object's UID
// becomes its partner's; one without a partner is marked, so that it
// cannot equal anything the destination holds.
func (c *comparison) toDst(uid string) string {
	p := c.src.byUID[uid]
	switch {
	case p == nil:
		return uid
	case p.match == nil:
		return "unmatched:" + uid
	}
	return p.match.o.UID
}

// pair compares a matched pair.
func (c *comparison) pair(s, d *prep) {
	r := c.r
	pt := s.o.PortalType
	if s.o.ID != d.o.ID {
		r.IDs = append(r.IDs, IDChange{PortalType: pt, Path: s.rel, Source: s.o.ID, Destination: d.o.ID})
	}
	if a, b := s.o.State, d.o.State; a != b {
		r.States = append(r.States, StateDiff{PortalType: pt, Path: s.rel, Source: a, Destination: b})
	}
	if want := c.parentOf(s); want != d.parent {
		r.Parents = append(r.Parents, ParentDiff{PortalType: pt, Path: s.rel,
			Source: c.render(c.src, s.parent), Destination: c.render(c.dst, d.parent)})
	}
	// an unreadable object shows its light item only: what both show is
	// compared, the rest is reported as unreadable
	partial := s.o.Partial != "" || d.o.Partial != ""
	eachKey(s.vals, d.vals, func(k string, sv, dv *string) {
		if partial && (sv == nil || dv == nil) {
			return
		}
		diff := FieldDiff{PortalType: pt, Key: k, Path: s.rel, DestinationPath: d.rel}
		var a, b string
		switch {
		case sv == nil:
			diff.Note, b = "absent in the source", *dv
		case dv == nil:
			diff.Note, a = "absent in the destination", *sv
		case translate(*sv, c.toDst) == *dv:
			return
		default:
			a, b = *sv, *dv
			if same := c.sameElements(s, d, k); same {
				if unordered[pt][k] {
					return
				}
				diff.Note = "same elements in another order"
			}
		}
		diff.Source, diff.Destination = window(c.render(c.src, a), c.render(c.dst, b))
		r.Fields = append(r.Fields, diff)
	})
	c.countExcluded(s, d)
}

// parentOf is the UID the destination object's parent must have.
func (c *comparison) parentOf(s *prep) string {
	if s.parent == "0" {
		return "0"
	}
	return c.toDst(s.parent)
}

// sameElements tells whether two list values hold the same elements
// (UIDs translated), in any order.
func (c *comparison) sameElements(s, d *prep, k string) bool {
	a, okA := elements(s.o, k, c.src.site)
	b, okB := elements(d.o, k, c.dst.site)
	if !okA || !okB || len(a) != len(b) {
		return false
	}
	for i := range a {
		a[i] = translate(a[i], c.toDst)
	}
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// elements are the canonical texts of a list value's elements.
func elements(o *Object, k, site string) ([]string, bool) {
	list, ok := o.Item()[k].([]any)
	if !ok {
		return nil, false
	}
	cz := canonizer{site: site, left: map[string][]string{}}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = cz.text(e, k)
	}
	return out, true
}

// countExcluded counts the values a pair's exclusions left out, and how
// many of them differ as they are (UIDs not translated).
func (c *comparison) countExcluded(s, d *prep) {
	for _, e := range Exclusions {
		a, b := s.left[e.Key], d.left[e.Key]
		n := max(len(a), len(b))
		if n == 0 {
			continue
		}
		x := c.excluded[e.Key]
		if x == nil {
			x = &Excluded{Exclusion: e}
			c.excluded[e.Key] = x
		}
		x.Values += n
		for i := 0; i < n; i++ {
			if i >= len(a) || i >= len(b) || a[i] != b[i] {
				x.Differ++
			}
		}
	}
}

// dangling reports every UID in a destination value that is no
// destination object's.
func (c *comparison) dangling(p *prep) {
	eachUID(p, func(key, uid string) {
		if c.dst.byUID[uid] != nil {
			return
		}
		dg := Dangling{PortalType: p.o.PortalType, Path: p.rel, Key: key, UID: uid}
		if sp := c.src.byUID[uid]; sp != nil {
			dg.Untranslated, dg.SourcePath = true, sp.rel
		}
		c.r.Dangling = append(c.r.Dangling, dg)
	})
}

// eachUID calls fn once per key and UID an object's values hold: its
// compared values, the values left out (by class) and its parent. A
// reference's url and api_url hold its uid again, so they are not scanned.
func eachUID(p *prep, fn func(key, uid string)) {
	scan := func(key, text string, seen map[string]bool) {
		uidTokens(text, func(i, j int) {
			if uid := text[i:j]; !seen[uid] {
				seen[uid] = true
				fn(key, uid)
			}
		})
	}
	for _, x := range p.vals {
		scan(x.k, x.v, map[string]bool{})
	}
	for _, e := range Exclusions {
		if e.Key == refURLs {
			continue
		}
		seen := map[string]bool{}
		for _, t := range p.left[e.Key] {
			scan(e.Key, t, seen)
		}
	}
	if p.parent != "0" {
		scan("parent_uid", p.parent, map[string]bool{})
	}
}

// render makes a value's text readable: each UID of an object of its side
// becomes "@" and the object's path.
func (c *comparison) render(sd *side, t string) string {
	if t == "0" {
		return "(the site root)"
	}
	return translate(t, func(uid string) string {
		if p := sd.byUID[uid]; p != nil {
			return "@" + p.rel
		}
		return uid
	})
}

// window shortens two long values to where they start to differ, so that
// a report shows the difference rather than their common beginning.
func window(a, b string) (string, string) {
	const before, width = 60, 200
	ra, rb := []rune(a), []rune(b)
	if len(ra) <= width && len(rb) <= width {
		return a, b
	}
	p := 0
	for p < len(ra) && p < len(rb) && ra[p] == rb[p] {
		p++
	}
	start := max(0, p-before)
	cut := func(r []rune) string {
		if start >= len(r) {
			return "…"
		}
		out := string(r[start:min(len(r), start+width)])
		if start > 0 {
			out = "…" + out
		}
		if start+width < len(r) {
			out += "…"
		}
		return out
	}
	return cut(ra), cut(rb)
}
