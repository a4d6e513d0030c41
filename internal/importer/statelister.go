package importer

import (
	"context"
	"sync"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// StateLister lists destination states for the families an early replay
// takes side by side (ReplayFamily), each a chain of its own: a listing
// asked for while another is on its way waits for it to come back, then
// goes with every one asked meanwhile, as one search per type — the
// batching of a group commit. It needs no timer: the busier the lab, the
// longer a listing takes and the more it gathers (one family listing
// alone cost five reads, more than the whole lab's replay spent on it).
// An answer is taken after its asker stopped moving its objects: a family
// asks, then waits, so what the listing shows of its objects is current.
type StateLister struct {
	ctx context.Context // the early replay's: a listing serves every asker
	h   *Handler
	rm  store.Remote

	mu      sync.Mutex
	waiting []stateAsk
	busy    bool // a listing is on its way
}

type stateAsk struct {
	objs   []store.Stored
	answer chan map[string]senaite.Item
}

// NewStateLister lists rm's destination states for the families replayed
// while ctx lasts.
func (h *Handler) NewStateLister(ctx context.Context, rm store.Remote) *StateLister {
	return &StateLister{ctx: ctx, h: h, rm: rm}
}

// List is the listed state of each of objs' copies by destination UID
// (Handler.listedStates: a copy missing from it is read on its own);
// nil when ctx ends first.
func (l *StateLister) List(ctx context.Context, objs []store.Stored) map[string]senaite.Item {
	if len(objs) == 0 {
		return nil
	}
	ask := stateAsk{objs: objs, answer: make(chan map[string]senaite.Item, 1)}
	l.mu.Lock()
	l.waiting = append(l.waiting, ask)
	if !l.busy {
		l.busy = true
		go l.list()
	}
	l.mu.Unlock()
	select {
	case states := <-ask.answer:
		return states
	case <-ctx.Done():
		return nil
	}
}

// list sends listings while askers wait: each of everything asked since
// the one before went.
func (l *StateLister) list() {
	for {
		l.mu.Lock()
		asks := l.waiting
		l.waiting = nil
		if len(asks) == 0 {
			l.busy = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		var all []store.Stored
		for _, a := range asks {
			all = append(all, a.objs...)
		}
		states := l.h.listedStates(l.ctx, l.rm, []replayGroup{{objects: all}})
		for _, a := range asks {
			// each asker its own map: the families read theirs side by side
			own := make(map[string]senaite.Item, len(a.objs))
			for _, o := range a.objs {
				if it, ok := states[o.DestUID]; ok {
					own[o.DestUID] = it
				}
			}
			a.answer <- own
		}
	}
}
