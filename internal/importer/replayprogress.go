package importer

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// replayFlush is how many marks a replay collects before it records them:
// one write per batch, and a pass stopped midway loses at most a batch of
// progress (its objects are read again, not written).
const replayFlush = 200

// replayProgress is how far a run's workflow replay took each object
// (store.ReplayMark), shared by a pass's tasks and recorded in the store in
// batches, so that a pass of the same run started again — a leader that
// stepped down, a process killed — skips what an earlier one did and a
// replay interrupted again and again still moves forward. It knows the
// marks of the batch being replayed (listed with it, store.ReplayBatches),
// never the lab's: a phase's batches are different objects, and a phase
// records its marks before the next one lists its own.
type replayProgress struct {
	st       *store.Store
	remoteID int64
	run      uuid.UUID

	mu      sync.Mutex
	marks   map[string]store.ReplayMark
	pending map[store.ReplayMark][]string
}

func newReplayProgress(st *store.Store, remoteID int64, run uuid.UUID) *replayProgress {
	return &replayProgress{st: st, remoteID: remoteID, run: run, marks: map[string]store.ReplayMark{},
		pending: map[store.ReplayMark][]string{}}
}

// batch takes the marks of a listed batch, in place of the previous
// batch's.
func (p *replayProgress) batch(objs []store.ReplayObject) {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.marks)
	for _, o := range objs {
		if o.Mark > 0 {
			p.marks[o.SourceUID] = o.Mark
		}
	}
}

// reached tells whether the replay took an object of the batch at least
// as far as m.
func (p *replayProgress) reached(uid string, m store.ReplayMark) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.marks[uid] >= m
}

// mark records that the replay took the object as far as m; it reports
// whether that is news (the mark was lower).
func (p *replayProgress) mark(ctx context.Context, uid string, m store.ReplayMark) (bool, error) {
	p.mu.Lock()
	if p.marks[uid] >= m {
		p.mu.Unlock()
		return false, nil
	}
	p.marks[uid] = m
	p.pending[m] = append(p.pending[m], uid)
	var batch []string
	if len(p.pending[m]) >= replayFlush {
		batch = p.pending[m]
		p.pending[m] = nil
	}
	p.mu.Unlock()
	if batch != nil {
		return true, p.st.MarkReplayed(ctx, p.remoteID, p.run, batch, m)
	}
	return true, nil
}

// flush records the marks not recorded yet.
func (p *replayProgress) flush(ctx context.Context) error {
	p.mu.Lock()
	pending := p.pending
	p.pending = map[store.ReplayMark][]string{}
	p.mu.Unlock()
	for _, m := range []store.ReplayMark{store.ReplayFields, store.ReplayFirstPart, store.ReplaySettled} {
		if err := p.st.MarkReplayed(ctx, p.remoteID, p.run, pending[m], m); err != nil {
			return err
		}
	}
	return nil
}
