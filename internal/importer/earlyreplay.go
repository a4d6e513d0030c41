package importer

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/sourcegraph/conc/pool"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Early replay (issue #13): while the rest of a lab is still being
// imported, a family of samples whose objects have all landed
// (store.PlanEarlyReplay, store.EarlyReplayReady) is replayed with the
// others that became ready with it — the same phases as ReplayAll's, for
// those samples: their analyses' fields, the samples up to what their
// analyses cause, the analyses one after the other, the rest of the
// samples, and again while transitions adopted retests. Its marks are the
// run's, so the whole lab's replay skips what settled here.

// PrepareEarlyReplay readies a handler for ReplayFamilies: it knows which
// retests wait to be made by a transition (as a replay round does). One
// handler per listing of ready samples: the samples listed had their
// retests parked before the listing.
func (h *Handler) PrepareEarlyReplay(ctx context.Context, rm store.Remote) error {
	retests, err := h.Store.WaitingReferrers(ctx, rm.ID, []string{"RetestOf", "Invalidated"})
	if err != nil {
		return err
	}
	h.retests = retests
	return nil
}

// earlyRounds bounds the rounds of one sample's early replay: each round
// replays the retests the previous one adopted (a retest retracted again
// makes another).
const earlyRounds = 4

// FamilyOutcome is how far the early replay took one family: Settled
// when all of it reached the source's states; Err when it stopped (a
// transient error of the lab wraps ErrEarlyTransient: the whole lab's
// replay takes it up again).
type FamilyOutcome struct {
	Settled bool
	Err     error
}

// ReplayFamilies replays families of samples (store.EarlyFamily: a sample
// with its partitions, its retests; roots are their least UIDs) and their
// children, as far as they go, in ReplayAll's order within each family:
// every sample up to what its analyses cause, the analyses sample by
// sample, one after the other, the rest of every sample; again while
// transitions made retests (analyses, or the sample of an invalidation)
// that then need their own replay. The families go side by side, each a
// chain of requests, and share each step's listing of destination states
// (one search for every family's samples, one for their analyses, one for
// the samples again): a family replayed alone cost five reads, more than
// the whole lab's replay spent on it. One family's error stops only it.
func (h *Handler) ReplayFamilies(ctx context.Context, rm store.Remote, run uuid.UUID, verifier *senaite.Client,
	roots []string) map[string]FamilyOutcome {
	out := make(map[string]FamilyOutcome, len(roots))
	var fams []*earlyFamily
	for _, root := range roots {
		members, err := h.Store.EarlyFamily(ctx, rm.ID, root)
		if err != nil {
			out[root] = FamilyOutcome{Err: err}
			continue
		}
		if len(members) == 0 {
			members = []string{root}
		}
		fams = append(fams, newEarlyFamily(root, members))
	}
	for round := 0; round < earlyRounds && len(fams) > 0; round++ {
		if err := h.familiesRound(ctx, rm, run, verifier, fams, round); err != nil {
			for _, f := range fams {
				if !f.done {
					f.finish(false, err)
				}
			}
		}
		live := fams[:0]
		for _, f := range fams {
			if f.done {
				out[f.root] = FamilyOutcome{Settled: f.settled, Err: f.err}
			} else {
				live = append(live, f)
			}
		}
		fams = live
	}
	for _, f := range fams {
		out[f.root] = FamilyOutcome{} // retests made again and again: left to the whole lab's replay
	}
	return out
}

// earlyFamily is one family's state across ReplayFamilies' rounds.
type earlyFamily struct {
	root     string
	members  []string
	isSample map[string]bool
	seen     map[string]bool // what a round found imported: the next replays what is new

	// this round's work
	group   []store.ReplayObject
	written map[string]bool
	marks   map[string]store.ReplayMark
	samples []store.Stored
	todo    []store.Stored
	all     bool // every object replayed this round settled

	done    bool
	settled bool
	err     error
}

func newEarlyFamily(root string, members []string) *earlyFamily {
	f := &earlyFamily{root: root, members: members, isSample: map[string]bool{}, seen: map[string]bool{}}
	for _, uid := range members {
		f.isSample[uid] = true
	}
	return f
}

func (f *earlyFamily) finish(settled bool, err error) {
	f.done, f.settled, f.err = true, settled, err
}

// owns tells whether a replay group's object is this family's: one of its
// samples, or a child of one.
func (f *earlyFamily) owns(o store.ReplayObject) bool {
	return f.isSample[o.SourceUID] || f.isSample[o.ParentUID]
}

// familiesRound is one round of ReplayFamilies for the families not done:
// an error returned is one of the store's, for all of them; a family's own
// error finishes only it.
func (h *Handler) familiesRound(ctx context.Context, rm store.Remote, run uuid.UUID, verifier *senaite.Client,
	fams []*earlyFamily, round int) error {
	if err := h.listFamilies(ctx, rm, run, fams); err != nil {
		return err
	}
	if round == 0 {
		// the own fields of adopted analyses, before the samples'
		// transitions lock them
		var wrote atomic.Bool
		h.eachFamily(fams, func(f *earlyFamily) {
			for _, o := range f.group {
				if f.isSample[o.SourceUID] && o.State == store.ObjImported && !h.fieldsTravel(ctx, rm, o.SourceUID) {
					if err := h.earlyAnalysisFields(ctx, rm, run, childrenOf(f.group, o.SourceUID)); err != nil {
						f.finish(false, err)
						return
					}
					wrote.Store(true)
				}
			}
		})
		if wrote.Load() {
			if err := h.listFamilies(ctx, rm, run, fams); err != nil {
				return err
			}
		}
	}
	var work []*earlyFamily
	var samples, todo []store.Stored
	for _, f := range fams {
		if f.done {
			continue
		}
		f.sortWork(h, round)
		if len(f.samples) == 0 && len(f.todo) == 0 {
			f.finish(true, nil)
			continue
		}
		work = append(work, f)
		samples = append(samples, f.samples...)
		todo = append(todo, f.todo...)
	}
	if len(work) == 0 {
		return nil
	}
	// the samples up to what their analyses cause, from one listing of
	// every family's samples
	known := h.listedStates(ctx, rm, []replayGroup{{objects: samples}})
	h.eachFamily(work, func(f *earlyFamily) {
		var firstPart, done []string
		for _, o := range f.samples {
			if round == 0 && f.marks[o.SourceUID] >= store.ReplayFirstPart {
				continue
			}
			ok, err := h.replay(ctx, rm, o, verifier, true, f.written, known[o.DestUID])
			if err != nil {
				_ = h.markEarly(ctx, rm, run, firstPart, done)
				f.finish(false, h.earlyError(o, err))
				return
			}
			if ok {
				done = append(done, o.SourceUID)
			} else {
				firstPart = append(firstPart, o.SourceUID)
			}
		}
		if err := h.markEarly(ctx, rm, run, firstPart, done); err != nil {
			f.finish(false, err)
		}
	})
	// their analyses, sample by sample, one after the other (each may move
	// its sample), from one listing of their states
	loaded, err := h.groupData(ctx, rm, todo)
	if err != nil {
		return err
	}
	byUID := make(map[string]store.Stored, len(loaded))
	for _, o := range loaded {
		byUID[o.SourceUID] = o
	}
	for _, f := range work {
		for i, o := range f.todo {
			if full, ok := byUID[o.SourceUID]; ok {
				f.todo[i] = full
			}
		}
	}
	known = h.listedStates(ctx, rm, []replayGroup{{objects: liveObjects(work, func(f *earlyFamily) []store.Stored { return f.todo })}})
	h.eachFamily(work, func(f *earlyFamily) {
		f.all = true
		all, err := h.replayEach(ctx, rm, run, verifier, f.written, f.todo, known)
		if err != nil {
			f.finish(false, err)
			return
		}
		f.all = all
	})
	// the rest of the samples (publish, invalidate), from a listing taken
	// after their analyses moved them
	known = h.listedStates(ctx, rm, []replayGroup{{objects: liveObjects(work, func(f *earlyFamily) []store.Stored { return f.samples })}})
	h.eachFamily(work, func(f *earlyFamily) {
		all, err := h.replayEach(ctx, rm, run, verifier, f.written, f.samples, known)
		if err != nil {
			f.finish(false, err)
			return
		}
		f.all = f.all && all
	})
	// retests the transitions made: the next round replays them
	if err := h.listFamilies(ctx, rm, run, work); err != nil {
		return err
	}
	for _, f := range work {
		if f.done {
			continue
		}
		adopted := false
		for _, o := range f.group {
			if o.State == store.ObjImported && !f.seen[o.SourceUID] {
				adopted = true
			}
		}
		if !adopted {
			f.finish(f.all, nil)
		}
	}
	return nil
}

// listFamilies reads the replay group of every family not done in one
// query (store.ReplayGroup) and hands each its own objects.
func (h *Handler) listFamilies(ctx context.Context, rm store.Remote, run uuid.UUID, fams []*earlyFamily) error {
	var union []string
	for _, f := range fams {
		if !f.done {
			union = append(union, f.members...)
			f.group = f.group[:0]
		}
	}
	if len(union) == 0 {
		return nil
	}
	group, err := h.Store.ReplayGroup(ctx, rm.ID, run, union)
	if err != nil {
		return err
	}
	for _, o := range group {
		for _, f := range fams {
			if !f.done && f.owns(o) {
				f.group = append(f.group, o)
				break
			}
		}
	}
	return nil
}

// sortWork sorts a family's group into this round's work: its samples to
// replay and its analyses (phase 2), with what was written and marked.
func (f *earlyFamily) sortWork(h *Handler, round int) {
	f.written = map[string]bool{}
	f.marks = map[string]store.ReplayMark{}
	f.samples, f.todo = nil, nil
	for _, o := range f.group {
		if o.State == store.ObjImported {
			f.seen[o.SourceUID] = true
		}
		f.marks[o.SourceUID] = o.Mark
		switch {
		case f.isSample[o.SourceUID]:
			if o.State == store.ObjImported && !o.Merged && (round > 0 || o.Mark < store.ReplaySettled) {
				f.samples = append(f.samples, o.Stored)
			}
		case o.PortalType == "Analysis" && o.Mark >= store.ReplayFields:
			f.written[o.SourceUID] = true
		}
		if replayPhase(o.PortalType) == 2 && o.State == store.ObjImported &&
			(o.Mark < store.ReplaySettled || h.awaitsAdoption(o.SourceUID)) {
			f.todo = append(f.todo, o.Stored)
		}
	}
}

// eachFamily runs step for every family not done, side by side, and
// returns when all are through.
func (h *Handler) eachFamily(fams []*earlyFamily, step func(f *earlyFamily)) {
	p := pool.New()
	for _, f := range fams {
		if !f.done {
			p.Go(func() { step(f) })
		}
	}
	p.Wait()
}

// liveObjects gathers what pick names of every family not done.
func liveObjects(fams []*earlyFamily, pick func(f *earlyFamily) []store.Stored) []store.Stored {
	var out []store.Stored
	for _, f := range fams {
		if !f.done {
			out = append(out, pick(f)...)
		}
	}
	return out
}

// replayEach replays objects one after the other from their listed states
// (known; nil reads each), records those settled, and tells whether all
// were.
func (h *Handler) replayEach(ctx context.Context, rm store.Remote, run uuid.UUID, verifier *senaite.Client,
	written map[string]bool, objs []store.Stored, known map[string]senaite.Item) (bool, error) {
	var done []string
	all := true
	for _, o := range objs {
		ok, err := h.replay(ctx, rm, o, verifier, true, written, known[o.DestUID])
		if err != nil {
			_ = h.markEarly(ctx, rm, run, nil, done)
			return false, h.earlyError(o, err)
		}
		if ok {
			done = append(done, o.SourceUID)
		} else {
			all = false
		}
	}
	return all, h.markEarly(ctx, rm, run, nil, done)
}

// markEarly records how far the early replay took objects.
func (h *Handler) markEarly(ctx context.Context, rm store.Remote, run uuid.UUID, firstPart, settled []string) error {
	if err := h.Store.MarkReplayed(ctx, rm.ID, run, firstPart, store.ReplayFirstPart); err != nil {
		return err
	}
	return h.Store.MarkReplayed(ctx, rm.ID, run, settled, store.ReplaySettled)
}

// childrenOf are the objects of a replay group inside a sample.
func childrenOf(group []store.ReplayObject, sample string) []store.ReplayObject {
	var out []store.ReplayObject
	for _, o := range group {
		if o.ParentUID == sample {
			out = append(out, o)
		}
	}
	return out
}

// earlyAnalysisFields writes the own fields of a sample's adopted analyses
// before the sample's transitions lock them (analysisFieldsPhase).
func (h *Handler) earlyAnalysisFields(ctx context.Context, rm store.Remote, run uuid.UUID, children []store.ReplayObject) error {
	var todo []store.Stored
	for _, o := range children {
		if o.PortalType == "Analysis" && o.State == store.ObjImported && o.Mark < store.ReplayFields && o.Written != store.WrittenUpdated {
			todo = append(todo, o.Stored)
		}
	}
	loaded, err := h.groupData(ctx, rm, todo)
	if err != nil {
		return err
	}
	var wrote []string
	for _, o := range loaded {
		ok, err := h.analysisFieldsPhase(ctx, rm, o)
		if err != nil {
			_ = h.Store.MarkReplayed(ctx, rm.ID, run, wrote, store.ReplayFields)
			return fmt.Errorf("importer: fields of analysis %s: %w", o.SourceUID, err)
		}
		if ok {
			wrote = append(wrote, o.SourceUID)
		}
	}
	return h.Store.MarkReplayed(ctx, rm.ID, run, wrote, store.ReplayFields)
}

// earlyError is what stops a sample's early replay: a transient error of
// the lab is no failure (errEarlyTransient), the whole lab's replay tries
// again.
func (h *Handler) earlyError(o store.Stored, err error) error {
	if senaite.Transient(err) {
		return fmt.Errorf("%w: %s %s: %w", ErrEarlyTransient, o.PortalType, o.SourceUID, err)
	}
	return fmt.Errorf("importer: early replay of %s %s: %w", o.PortalType, o.SourceUID, err)
}

// ErrEarlyTransient says a sample's early replay stopped on the lab's
// transient errors: left to the whole lab's replay, not a failure.
var ErrEarlyTransient = fmt.Errorf("importer: early replay interrupted by the lab")
