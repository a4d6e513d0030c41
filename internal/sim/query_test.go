package sim

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

func TestAppendStrIsPythonEnsureASCII(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`quote " and \ backslash`, `"quote \" and \\ backslash"`},
		{"line\nbreak\ttab", `"line\nbreak\ttab"`},
		{"Müller", `"M\u00fcller"`},
		{"µg/l", `"\u00b5g/l"`},
		{"emoji 🧪", `"emoji \ud83e\uddea"`},
		{"\x01", `"\u0001"`},
		{"a/b", `"a/b"`},
	}
	for _, tt := range tests {
		got := string(appendStr(nil, tt.in))
		if got != tt.want {
			t.Errorf("appendStr(%q) = %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != tt.in {
			t.Errorf("%s does not decode back to %q: %v", got, tt.in, err)
		}
	}
}

func TestAppendKeySpacing(t *testing.T) {
	t.Parallel()
	b := []byte{'{'}
	b = appendKey(b, "a")
	b = appendInt(b, 1)
	b = appendKey(b, "b")
	b = appendNull(b)
	b = append(b, '}')
	if string(b) != `{"a": 1, "b": null}` {
		t.Fatalf("got %s", b)
	}
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("CET", 3600)
	now := time.Date(2025, 4, 10, 12, 0, 0, 0, loc)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2d", now.Add(-48 * time.Hour), true},
		{"1d6h", now.Add(-30 * time.Hour), true},
		{"3m", now.Add(-3 * time.Minute), true},
		{"1h", now.Add(-time.Hour), true},
		{"2025-03-01 14:32:23", time.Date(2025, 3, 1, 14, 32, 23, 0, loc), true},
		{"20250101", time.Date(2025, 1, 1, 0, 0, 0, 0, loc), true},
		{"2025-03-01T10:00:00+00:00", time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), true},
		{"yesterday-ish", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseSince(tt.in, now, loc)
		if ok != tt.ok || (ok && !got.Equal(tt.want)) {
			t.Errorf("parseSince(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRecentLiteral(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("CET", 3600)
	now := time.Date(2025, 4, 10, 12, 30, 0, 0, loc)
	midnight := time.Date(2025, 4, 10, 0, 0, 0, 0, loc)
	for lit, days := range map[string]int{"today": 0, "yesterday": 1, "this-week": 7, "this-month": 30, "this-year": 365, "bogus": 0} {
		if got := recentLiteral(lit, now); !got.Equal(midnight.AddDate(0, 0, -days)) {
			t.Errorf("%s = %v", lit, got)
		}
	}
}

func TestSplitPyList(t *testing.T) {
	t.Parallel()
	// the original add-on sends Python list reprs; senaite.jsonapi parses them
	got := splitPyList("['Client', u'Batch']")
	if len(got) != 2 || got[0] != "Client" || got[1] != "Batch" {
		t.Fatalf("got %q", got)
	}
	if got := splitPyList("Client"); len(got) != 1 || got[0] != "Client" {
		t.Fatalf("got %q", got)
	}
}

func TestPathPredicate(t *testing.T) {
	t.Parallel()
	mk := func(p string) *Object { return &Object{Path: p} }
	tests := []struct {
		path  string
		depth int
		obj   string
		want  bool
	}{
		{"/senaite/clients", 0, "/senaite/clients", true},
		{"/senaite/clients", 0, "/senaite/clients/client-1", false},
		{"/senaite/clients", 1, "/senaite/clients/client-1", true},
		{"/senaite/clients", 1, "/senaite/clients", false},
		{"/senaite/clients", 1, "/senaite/clients/client-1/WB-0001", false},
		{"/senaite/clients", 2, "/senaite/clients/client-1/WB-0001", true},
		{"/senaite/clients", -1, "/senaite/clients/client-1/WB-0001/Ca", true},
		{"/senaite/clients", -1, "/senaite/clients", true},
		{"/senaite/clients", -1, "/senaite/clientsX/a", false},
	}
	for _, tt := range tests {
		if got := pathPredicate(tt.path, tt.depth)(mk(tt.obj)); got != tt.want {
			t.Errorf("path %s depth %d on %s = %v", tt.path, tt.depth, tt.obj, got)
		}
	}
}

func TestControlParamsAreNotIndexes(t *testing.T) {
	t.Parallel()
	// b_start and friends never filter, whatever the catalog indexes
	for _, p := range []string{"limit", "b_start", "sort_on", "complete", "workflow", "catalog"} {
		if !controlParams[p] {
			t.Errorf("%s is a control parameter", p)
		}
	}
	f := url.Values{"sort_order": {"descending"}}
	if f.Get("sort_order") != "descending" {
		t.Fatal()
	}
}

// TestNarrowedQueriesAnswerAsTheWholeCatalog: a container's children and
// UID look-ups come from the object tree instead of a scan of the catalog,
// with the same results, order and filters.
func TestNarrowedQueriesAnswerAsTheWholeCatalog(t *testing.T) {
	l, _ := NewLab(Options{Seed: 3})
	if err := Generate(l, 600); err != nil {
		t.Fatal(err)
	}
	sample := l.Objects("AnalysisRequest")[0]
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, form := range []url.Values{
		{"portal_type": {"Analysis"}, "path": {sample.Path}, "depth": {"1"}},
		{"path": {sample.Path}, "depth": {"0"}},
		{"uid": {sample.UID, l.Objects("Client")[0].UID}},
		{"portal_type": {"Analysis"}, "uid": {sample.UID}},
		{"UID": {sample.UID, sample.children[0].UID}},
	} {
		q := l.parseSearch(form, "")
		got := l.search(q)
		q.candidates = nil
		q.key += "|scan"
		want := l.search(q)
		if len(got) == 0 && len(want) > 0 || len(got) != len(want) {
			t.Fatalf("%v: %d objects, a scan finds %d", form, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%v: order differs at %d", form, i)
			}
		}
	}
}
