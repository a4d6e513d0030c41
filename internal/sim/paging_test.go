package sim

import "testing"

// TestPaginate checks plone.batching's arithmetic as senaite.jsonapi
// exposes it (senaite-jsonapi.md §5.4), including the cases a sync trips
// over: unaligned b_start, past-the-end pages, empty results.
func TestPaginate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		n, limit, bStart        int
		page, pages, start, end int
		hasNext                 bool
		nextStart               int
		hasPrev                 bool
		prevStart               int
	}{
		{name: "empty result is one page", n: 0, limit: 25, bStart: 0, page: 1, pages: 1},
		{name: "first of three", n: 60, limit: 25, bStart: 0, page: 1, pages: 3, start: 0, end: 25, hasNext: true, nextStart: 25},
		{name: "middle page", n: 60, limit: 25, bStart: 25, page: 2, pages: 3, start: 25, end: 50, hasNext: true, nextStart: 50, hasPrev: true, prevStart: 0},
		{name: "last partial page", n: 60, limit: 25, bStart: 50, page: 3, pages: 3, start: 50, end: 60, hasPrev: true, prevStart: 25},
		{name: "exact multiple has no next", n: 50, limit: 25, bStart: 25, page: 2, pages: 2, start: 25, end: 50, hasPrev: true, prevStart: 0},
		{name: "unaligned start: next overlaps", n: 100, limit: 25, bStart: 30, page: 2, pages: 4, start: 30, end: 55, hasNext: true, nextStart: 50, hasPrev: true, prevStart: 0},
		{name: "past the end", n: 60, limit: 25, bStart: 500, page: 3, pages: 3, start: 60, end: 60, hasPrev: true, prevStart: 25},
		{name: "past the end of a single page", n: 10, limit: 25, bStart: 100, page: 1, pages: 1, start: 10, end: 10},
		{name: "zero limit means 25", n: 30, limit: 0, bStart: 0, page: 1, pages: 2, start: 0, end: 25, hasNext: true, nextStart: 25},
		{name: "negative limit means 25", n: 30, limit: -5, bStart: 25, page: 2, pages: 2, start: 25, end: 30, hasPrev: true, prevStart: 0},
		{name: "no maximum limit", n: 5000, limit: 5000, bStart: 0, page: 1, pages: 1, start: 0, end: 5000},
		{name: "limit one for counting", n: 7, limit: 1, bStart: 0, page: 1, pages: 7, start: 0, end: 1, hasNext: true, nextStart: 1},
		{name: "previous of page four", n: 200, limit: 25, bStart: 75, page: 4, pages: 8, start: 75, end: 100, hasNext: true, nextStart: 100, hasPrev: true, prevStart: 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := paginate(tt.n, tt.limit, tt.bStart)
			if p.Page != tt.page || p.Pages != tt.pages || p.Start != tt.start || p.End != tt.end ||
				p.HasNext != tt.hasNext || p.HasPrev != tt.hasPrev ||
				(tt.hasNext && p.NextStart != tt.nextStart) || (tt.hasPrev && p.PrevStart != tt.prevStart) {
				t.Fatalf("paginate(%d, %d, %d) = %+v, want page %d pages %d [%d:%d] next %v@%d prev %v@%d",
					tt.n, tt.limit, tt.bStart, p, tt.page, tt.pages, tt.start, tt.end, tt.hasNext, tt.nextStart, tt.hasPrev, tt.prevStart)
			}
		})
	}
}
