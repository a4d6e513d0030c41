package importer

import (
	"context"
	"sync"
)

// translations remembers the replicas the store has confirmed: a replica,
// once recorded, never changes (the identity table allows one per
// instance), so a confirmed translation can be kept for the life of the
// process. Misses are never kept — the target may land any moment. At
// fifty thousand objects this takes the hottest query (every reference of
// every object) off PostgreSQL.
type translations struct {
	mu sync.RWMutex
	m  map[[2]int64]map[string]string // (source, destination) → source UID → destination UID
}

// maxTranslations bounds the memory (some 150 bytes a translation): past
// it the cache starts over, and what is asked again — the setup a lab's
// objects keep referring to — comes back at the next miss (issue #13).
const maxTranslations = 100_000

// translate maps source UIDs to their replicas on the destination: from
// memory what was confirmed, from the store the rest.
func (h *Handler) translate(ctx context.Context, sourceID, destID int64, uids []string) (map[string]string, error) {
	key := [2]int64{sourceID, destID}
	out := make(map[string]string, len(uids))
	var missing []string
	h.tr.mu.RLock()
	known := h.tr.m[key]
	for _, u := range uids {
		if d, ok := known[u]; ok {
			out[u] = d
		} else {
			missing = append(missing, u)
		}
	}
	h.tr.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := h.Store.Translate(ctx, sourceID, destID, missing)
	if err != nil {
		return nil, err
	}
	h.tr.mu.Lock()
	if h.tr.m == nil {
		h.tr.m = map[[2]int64]map[string]string{}
	}
	if h.tr.m[key] == nil || len(h.tr.m[key]) > maxTranslations {
		// a pair of instances seen first (a second remote), or too many
		h.tr.m[key] = map[string]string{}
	}
	for s, d := range got {
		out[s] = d
		h.tr.m[key][s] = d
	}
	h.tr.mu.Unlock()
	return out, nil
}
