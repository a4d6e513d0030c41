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
// replay interrupted again and again still moves forward.
type replayProgress struct {
	st       *store.Store
	remoteID int64
	run      uuid.UUID

	mu      sync.Mutex
	marks   map[string]store.ReplayMark
	pending map[store.ReplayMark][]string
}

func loadReplayProgress(ctx context.Context, st *store.Store, remoteID int64, run uuid.UUID) (*replayProgress, error) {
	marks, err := st.Replayed(ctx, remoteID, run)
	if err != nil {
		return nil, err
	}
	return &replayProgress{st: st, remoteID: remoteID, run: run, marks: marks,
		pending: map[store.ReplayMark][]string{}}, nil
}

// reached tells whether the replay took the object at least as far as m.
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

// count is how many objects the replay took anywhere.
func (p *replayProgress) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.marks)
}
