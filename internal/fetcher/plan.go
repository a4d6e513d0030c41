package fetcher

import (
	"sort"

	"github.com/google/uuid"
)

// PlanPages splits each portal type's count into pages at multiples of
// the page size (plone.batching's arithmetic; never the envelope's next
// URL), types in name order.
func PlanPages(runID uuid.UUID, remoteID int64, counts map[string]int, pageSize int) []Page {
	if pageSize <= 0 {
		pageSize = 100
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	var out []Page
	for _, t := range types {
		for s := 0; s < counts[t]; s += pageSize {
			out = append(out, Page{RunID: runID, RemoteID: remoteID, PortalType: t, BStart: s, Limit: pageSize})
		}
	}
	return out
}
