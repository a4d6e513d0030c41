package crosscheck

import (
	"fmt"
	"sort"
	"strings"
)

// Report is what Compare found. Every difference is kept (tests assert on
// them); String prints counts per class and the first examples of each.
type Report struct {
	Source, Destination Summary
	// Matched counts the pairs per way they were found (path, content,
	// identical content, similarity).
	Matched map[string]int
	// Unmatched objects, per side.
	UnmatchedSource, UnmatchedDestination []Ref
	// Unreadable are the objects a lab refused to show completely (both
	// sides); only what their light items show was compared.
	Unreadable []Unreadable
	// Fields are the values that differ on matched pairs.
	Fields []FieldDiff
	// IDs are the matched pairs whose id changed.
	IDs []IDChange
	// States are the matched pairs whose review state differs.
	States []StateDiff
	// Parents are the matched pairs whose parents are not partners.
	Parents []ParentDiff
	// Dangling are the UIDs in destination values that are no destination
	// object's.
	Dangling []Dangling
	// SourceDangling counts the same in the source, for context: a copy of
	// a dangling value dangles too.
	SourceDangling int
	// Excluded counts, per exclusion, the values left out and how many of
	// them differ.
	Excluded []Excluded

	examples int
}

// Summary describes one lab.
type Summary struct {
	URL     string
	Objects int
	PerType map[string]int
}

// Ref names an object in a report; Path is below the site root.
type Ref struct {
	PortalType, Path, ID, Title string
}

// FieldDiff is one key whose values differ on a matched pair. Values are
// canonical texts with UIDs shown as "@" and their object's path.
type FieldDiff struct {
	PortalType, Key       string
	Path, DestinationPath string
	Source, Destination   string
	// Note says "absent in the source", "absent in the destination" or
	// "same elements in another order".
	Note string
}

// IDChange is a matched pair whose id changed; Path is the source's.
type IDChange struct {
	PortalType, Path, Source, Destination string
}

// StateDiff is a matched pair whose review state differs.
type StateDiff struct {
	PortalType, Path, Source, Destination string
}

// ParentDiff is a matched pair whose parents are not partners.
type ParentDiff struct {
	PortalType, Path, Source, Destination string
}

// Dangling is a UID in a destination value that no destination object
// has; Untranslated when it is a source object's (SourcePath).
type Dangling struct {
	PortalType, Path, Key, UID string
	Untranslated               bool
	SourcePath                 string
}

// Unreadable is an object whose complete item its lab refused.
type Unreadable struct {
	Side string
	Ref
	Message string
}

// Excluded counts what one exclusion left out.
type Excluded struct {
	Exclusion
	Values, Differ int
}

// Clean tells whether the labs hold the same objects with the same values:
// nothing unmatched, no difference, nothing dangling. Excluded values do
// not count.
func (r *Report) Clean() bool { return r.Differences() == 0 }

// Differences counts everything that makes a report unclean.
func (r *Report) Differences() int {
	return len(r.UnmatchedSource) + len(r.UnmatchedDestination) + len(r.Unreadable) + len(r.Fields) + len(r.IDs) +
		len(r.States) + len(r.Parents) + len(r.Dangling)
}

func (r *Report) sort() {
	sort.Slice(r.UnmatchedSource, func(i, j int) bool { return refLess(r.UnmatchedSource[i], r.UnmatchedSource[j]) })
	sort.Slice(r.UnmatchedDestination, func(i, j int) bool {
		return refLess(r.UnmatchedDestination[i], r.UnmatchedDestination[j])
	})
	sort.SliceStable(r.Fields, func(i, j int) bool {
		a, b := r.Fields[i], r.Fields[j]
		if a.PortalType != b.PortalType {
			return a.PortalType < b.PortalType
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.Path < b.Path
	})
	sort.Slice(r.IDs, func(i, j int) bool {
		return less2(r.IDs[i].PortalType, r.IDs[i].Path, r.IDs[j].PortalType, r.IDs[j].Path)
	})
	sort.Slice(r.States, func(i, j int) bool {
		return less2(r.States[i].PortalType, r.States[i].Path, r.States[j].PortalType, r.States[j].Path)
	})
	sort.Slice(r.Parents, func(i, j int) bool {
		return less2(r.Parents[i].PortalType, r.Parents[i].Path, r.Parents[j].PortalType, r.Parents[j].Path)
	})
	sort.SliceStable(r.Dangling, func(i, j int) bool {
		a, b := r.Dangling[i], r.Dangling[j]
		if a.PortalType+"."+a.Key != b.PortalType+"."+b.Key {
			return a.PortalType+"."+a.Key < b.PortalType+"."+b.Key
		}
		return a.Path < b.Path
	})
}

func refLess(a, b Ref) bool { return less2(a.PortalType, a.Path, b.PortalType, b.Path) }

func less2(a1, a2, b1, b2 string) bool {
	if a1 != b1 {
		return a1 < b1
	}
	return a2 < b2
}

// String prints the report: the verdict, then per class its count, its
// counts per group (portal type, or type and key) and the first examples.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "crosscheck: source %s (%d objects), destination %s (%d objects)\n",
		r.Source.URL, r.Source.Objects, r.Destination.URL, r.Destination.Objects)
	total := 0
	var hows []string
	for _, h := range []string{byPath, byContent, byTwins, bySimilarity} {
		total += r.Matched[h]
		hows = append(hows, fmt.Sprintf("%d by %s", r.Matched[h], h))
	}
	fmt.Fprintf(&b, "matched %d pairs: %s\n", total, strings.Join(hows, ", "))
	if r.Clean() {
		b.WriteString("CLEAN: every object matched and read, no difference, nothing dangling\n")
	} else {
		fmt.Fprintf(&b, "NOT CLEAN: %d differences\n", r.Differences())
	}
	section(&b, r.examples, "unmatched in the source", r.UnmatchedSource,
		func(x Ref) string { return x.PortalType },
		func(x Ref) string { return fmt.Sprintf("%s %q", x.Path, x.Title) })
	section(&b, r.examples, "unmatched in the destination", r.UnmatchedDestination,
		func(x Ref) string { return x.PortalType },
		func(x Ref) string { return fmt.Sprintf("%s %q", x.Path, x.Title) })
	section(&b, r.examples, "unreadable (the lab refused the complete item)", r.Unreadable,
		func(x Unreadable) string { return x.Side + " " + x.PortalType },
		func(x Unreadable) string { return fmt.Sprintf("%s: %s", x.Path, x.Message) })
	section(&b, r.examples, "ids changed", r.IDs,
		func(x IDChange) string { return x.PortalType },
		func(x IDChange) string { return fmt.Sprintf("%s: %s → %s", x.Path, x.Source, x.Destination) })
	section(&b, r.examples, "review states differ", r.States,
		func(x StateDiff) string { return x.PortalType },
		func(x StateDiff) string { return fmt.Sprintf("%s: %s → %s", x.Path, x.Source, x.Destination) })
	section(&b, r.examples, "parents differ", r.Parents,
		func(x ParentDiff) string { return x.PortalType },
		func(x ParentDiff) string { return fmt.Sprintf("%s: %s → %s", x.Path, x.Source, x.Destination) })
	section(&b, r.examples, "field differences", r.Fields,
		func(x FieldDiff) string { return x.PortalType + "." + x.Key },
		func(x FieldDiff) string {
			s := fmt.Sprintf("%s: source %s, destination %s", x.Path, x.Source, x.Destination)
			if x.Note != "" {
				s += " (" + x.Note + ")"
			}
			return s
		})
	section(&b, r.examples, "dangling references in the destination", r.Dangling,
		func(x Dangling) string { return x.PortalType + "." + x.Key },
		func(x Dangling) string {
			if x.Untranslated {
				return fmt.Sprintf("%s: %s, untranslated: the source's @%s", x.Path, x.UID, x.SourcePath)
			}
			return fmt.Sprintf("%s: %s", x.Path, x.UID)
		})
	if n := countIf(r.Dangling, func(d Dangling) bool { return d.Untranslated }); n > 0 {
		fmt.Fprintf(&b, "  of which untranslated (a source object's UID): %d\n", n)
	}
	if r.SourceDangling > 0 {
		fmt.Fprintf(&b, "(the source itself holds %d UIDs of no source object)\n", r.SourceDangling)
	}
	b.WriteString("not compared, by nature (values left out, of which differ as they are):\n")
	for _, x := range r.Excluded {
		fmt.Fprintf(&b, "  %s: %d values, %d differ — %s\n", x.Key, x.Values, x.Differ, x.Reason)
	}
	b.WriteString("compared on their own: id (ids changed), review_state and workflow_info.review_state (review states), parent_uid (parents)\n")
	return b.String()
}

// section prints one class: its count, the count per group in descending
// order and, under each group, its first examples.
func section[T any](b *strings.Builder, examples int, title string, items []T, group func(T) string, show func(T) string) {
	if len(items) == 0 {
		return
	}
	byGroup := map[string][]T{}
	var groups []string
	for _, x := range items {
		g := group(x)
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
		}
		byGroup[g] = append(byGroup[g], x)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if a, b := len(byGroup[groups[i]]), len(byGroup[groups[j]]); a != b {
			return a > b
		}
		return groups[i] < groups[j]
	})
	fmt.Fprintf(b, "%s: %d in %d groups\n", title, len(items), len(groups))
	for _, g := range groups {
		list := byGroup[g]
		fmt.Fprintf(b, "  %s: %d\n", g, len(list))
		for i, x := range list {
			if i == examples {
				break
			}
			fmt.Fprintf(b, "      %s\n", show(x))
		}
	}
}

func countIf[T any](items []T, pred func(T) bool) int {
	n := 0
	for _, x := range items {
		if pred(x) {
			n++
		}
	}
	return n
}
