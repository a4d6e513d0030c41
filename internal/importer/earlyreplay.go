package importer

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Early replay (issue #13): while the rest of a lab is still being
// imported, a family of samples whose objects have all landed
// (plan.Layout.EarlyFamilies, store.EarlyReplayReady) is replayed with the
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

// ReplayFamily replays a family of samples (store.EarlyFamily: a sample
// with its partitions, its retests; root is their least UID) and their
// children, as far as they go, in ReplayAll's order: every sample up to
// what its analyses cause, the analyses sample by sample, one after the
// other, the rest of every sample; again while transitions made retests
// (analyses, or the sample of an invalidation) that then need their own
// replay. Each family is a chain of requests of its own: families that
// went as a batch, each step waiting for the batch's slowest, left the
// lab a fifth busy for the last seconds of an import while forty-five
// families were in hand. Their reads are shared all the same: each step's
// listing of destination states goes through states (StateLister), with
// those the other families ask for meanwhile.
func (h *Handler) ReplayFamily(ctx context.Context, rm store.Remote, run uuid.UUID, verifier *senaite.Client,
	states *StateLister, root string) FamilyOutcome {
	members, err := h.Store.EarlyFamily(ctx, rm.ID, root)
	if err != nil {
		return FamilyOutcome{Err: err}
	}
	if len(members) == 0 {
		members = []string{root}
	}
	f := newEarlyFamily(root, members)
	for round := 0; round < earlyRounds; round++ {
		if err := h.familyRound(ctx, rm, run, verifier, states, f, round); err != nil && !f.done {
			f.finish(false, err)
		}
		if f.done {
			return FamilyOutcome{Settled: f.settled, Err: f.err}
		}
	}
	return FamilyOutcome{} // retests made again and again: left to the whole lab's replay
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

// familyRound is one round of ReplayFamily: an error returned is the
// store's; the family's own error finishes it.
func (h *Handler) familyRound(ctx context.Context, rm store.Remote, run uuid.UUID, verifier *senaite.Client,
	states *StateLister, f *earlyFamily, round int) error {
	if err := h.listFamily(ctx, rm, run, f); err != nil {
		return err
	}
	if round == 0 {
		// the own fields of adopted analyses, before the samples'
		// transitions lock them
		wrote := false
		for _, o := range f.group {
			if f.isSample[o.SourceUID] && o.State == store.ObjImported && !h.fieldsTravel(ctx, rm, o.SourceUID) {
				if err := h.earlyAnalysisFields(ctx, rm, run, childrenOf(f.group, o.SourceUID)); err != nil {
					f.finish(false, err)
					return nil
				}
				wrote = true
			}
		}
		if wrote {
			if err := h.listFamily(ctx, rm, run, f); err != nil {
				return err
			}
		}
	}
	f.sortWork(h, round)
	if len(f.samples) == 0 && len(f.todo) == 0 {
		f.finish(true, nil)
		return nil
	}
	// the samples up to what their analyses cause
	known := states.List(ctx, f.samples)
	var firstPart, done []string
	for _, o := range f.samples {
		if round == 0 && f.marks[o.SourceUID] >= store.ReplayFirstPart {
			continue
		}
		ok, err := h.replay(ctx, rm, o, verifier, true, f.written, known[o.DestUID])
		if err != nil {
			_ = h.markEarly(ctx, rm, run, firstPart, done)
			f.finish(false, h.earlyError(o, err))
			return nil
		}
		if ok {
			done = append(done, o.SourceUID)
		} else {
			firstPart = append(firstPart, o.SourceUID)
		}
	}
	if err := h.markEarly(ctx, rm, run, firstPart, done); err != nil {
		return err
	}
	// their analyses, sample by sample, one after the other (each may move
	// its sample)
	loaded, err := h.groupData(ctx, rm, f.todo)
	if err != nil {
		return err
	}
	byUID := make(map[string]store.Stored, len(loaded))
	for _, o := range loaded {
		byUID[o.SourceUID] = o
	}
	for i, o := range f.todo {
		if full, ok := byUID[o.SourceUID]; ok {
			f.todo[i] = full
		}
	}
	all, err := h.replayEach(ctx, rm, run, verifier, f.written, f.todo, states.List(ctx, f.todo))
	if err != nil {
		f.finish(false, err)
		return nil
	}
	// the rest of the samples (publish, invalidate), from a listing taken
	// after their analyses moved them
	rest, err := h.replayEach(ctx, rm, run, verifier, f.written, f.samples, states.List(ctx, f.samples))
	if err != nil {
		f.finish(false, err)
		return nil
	}
	// retests the transitions made: the next round replays them
	if err := h.listFamily(ctx, rm, run, f); err != nil {
		return err
	}
	for _, o := range f.group {
		if o.State == store.ObjImported && !f.seen[o.SourceUID] {
			return nil // adopted: another round
		}
	}
	f.finish(all && rest, nil)
	return nil
}

// listFamily reads a family's replay group (store.ReplayGroup): its
// samples and what they hold.
func (h *Handler) listFamily(ctx context.Context, rm store.Remote, run uuid.UUID, f *earlyFamily) error {
	group, err := h.Store.ReplayGroup(ctx, rm.ID, run, f.members)
	if err != nil {
		return err
	}
	f.group = f.group[:0]
	for _, o := range group {
		if f.owns(o) {
			f.group = append(f.group, o)
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
