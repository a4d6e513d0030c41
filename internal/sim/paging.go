package sim

// page is plone.batching's arithmetic for one listing request (§5.4 of
// senaite-jsonapi.md): what slice of the results is shown and where next
// and previous point.
type page struct {
	Count, PageSize, Page, Pages int
	// Start and End delimit the items shown: results[Start:End].
	Start, End int
	HasNext    bool
	NextStart  int
	HasPrev    bool
	PrevStart  int
}

// defaultPageSize is senaite.jsonapi's limit when none (or a non-positive
// one) is given.
const defaultPageSize = 25

// paginate computes the page for n results, a requested limit and b_start.
// A non-positive limit means the default; there is no maximum.
func paginate(n, limit, bStart int) page {
	if limit <= 0 {
		limit = defaultPageSize
	}
	if bStart < 0 {
		bStart = 0
	}
	p := page{Count: n, PageSize: limit}
	p.Pages = (n + limit - 1) / limit
	if p.Pages < 1 {
		p.Pages = 1
	}
	p.Page = bStart/limit + 1
	if p.Page > p.Pages {
		p.Page = p.Pages
	}
	p.Start = min(bStart, n)
	p.End = min(bStart+limit, n)
	if bStart+limit < n {
		p.HasNext = true
		p.NextStart = p.Page * limit
	}
	if p.Page > 1 {
		p.HasPrev = true
		p.PrevStart = max(p.Page-2, 0) * limit
	}
	return p
}
