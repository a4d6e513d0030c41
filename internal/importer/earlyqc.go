package importer

import (
	"context"
	"sync"

	"github.com/google/uuid"
	"github.com/sourcegraph/conc/pool"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// qcTypes are the analyses that move only themselves (movesItsContainer):
// a worksheet's duplicates and the analyses of reference samples.
var qcTypes = []string{"DuplicateAnalysis", "ReferenceAnalysis"}

// ReplayQualityControl replays, once every object of an import has landed
// and every deferred reference is set, the workflow of the duplicates and
// reference analyses — beside the early replay's last families instead of
// after them: the whole lab's replay took them up after its first phase,
// 578 of them 4.9 s of a 22,562-object import with the lab a third idle.
// Their transitions move nothing but themselves (the worksheet's, replayed
// last, go from what it shows then), so the order against the samples'
// families does not matter. What it does not settle — a transient error,
// a retest made — the whole lab's replay takes up; it returns how many it
// settled.
func (h *Handler) ReplayQualityControl(ctx context.Context, rm store.Remote, run uuid.UUID, verifier *senaite.Client,
	states *StateLister) (int, error) {
	var (
		mu      sync.Mutex
		settled int
	)
	w := store.ReplayWalk{Run: run, State: store.ObjImported, Types: qcTypes, Batch: replayBatch}
	err := h.Store.ReplayBatches(ctx, rm.ID, w, func(batch []store.ReplayObject) error {
		var todo []store.Stored
		for _, o := range batch {
			if o.Mark < store.ReplaySettled && !h.awaitsAdoption(o.SourceUID) {
				todo = append(todo, o.Stored)
			}
		}
		objects, err := h.groupData(ctx, rm, todo)
		if err != nil {
			return err
		}
		known := states.List(ctx, objects)
		p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(ReplayConcurrency)
		for _, o := range objects {
			p.Go(func(ctx context.Context) error {
				ok, err := h.replay(ctx, rm, o, verifier, true, nil, known[o.DestUID])
				if err != nil || !ok {
					// left to the whole lab's replay, which says why if it
					// fails there too
					return nil
				}
				if err := h.Store.MarkReplayed(ctx, rm.ID, run, []string{o.SourceUID}, store.ReplaySettled); err != nil {
					return err
				}
				mu.Lock()
				settled++
				mu.Unlock()
				return nil
			})
		}
		return p.Wait()
	})
	return settled, err
}
