package importer

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Early replay (issue #13): while the rest of a lab is still being
// imported, a sample whose objects have all landed (store.PlanEarlyReplay,
// store.EarlyReplayReady) is replayed on its own — the same phases as
// ReplayAll's, for one sample: its analyses' fields, the sample up to what
// its analyses cause, the analyses one after the other, the rest of the
// sample, and again while transitions adopted retests. Its marks are the
// run's, so the whole lab's replay skips what settled here.

// PrepareEarlyReplay readies a handler for ReplayFamily: it knows which
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

// ReplayFamily replays a family of samples (store.EarlyFamily: a sample
// with its partitions, its retests) and their children, as far as it goes,
// in ReplayAll's order within the family: every sample up to what its
// analyses cause, the analyses sample by sample, one after the other, the
// rest of every sample; again while transitions made retests (analyses,
// or the sample of an invalidation) that then need their own replay.
// settled tells whether all of it reached the source's states. A transient
// error of the lab stops it (the whole lab's replay takes it up again);
// any other error is returned.
func (h *Handler) ReplayFamily(ctx context.Context, rm store.Remote, run uuid.UUID, verifier *senaite.Client, root string) (settled bool, err error) {
	family, err := h.Store.EarlyFamily(ctx, rm.ID, root)
	if err != nil {
		return false, err
	}
	if len(family) == 0 {
		family = []string{root}
	}
	isSample := map[string]bool{}
	for _, uid := range family {
		isSample[uid] = true
	}
	seen := map[string]bool{} // what a round found imported: the next replays what is new
	for round := 0; round < earlyRounds; round++ {
		group, err := h.Store.ReplayGroup(ctx, rm.ID, run, family)
		if err != nil {
			return false, err
		}
		if round == 0 {
			wrote := false
			for _, o := range group {
				if isSample[o.SourceUID] && o.State == store.ObjImported && !h.fieldsTravel(ctx, rm, o.SourceUID) {
					if err := h.earlyAnalysisFields(ctx, rm, run, childrenOf(group, o.SourceUID)); err != nil {
						return false, err
					}
					wrote = true
				}
			}
			if wrote {
				if group, err = h.Store.ReplayGroup(ctx, rm.ID, run, family); err != nil {
					return false, err
				}
			}
		}
		written := map[string]bool{}
		marks := map[string]store.ReplayMark{}
		var samples, todo []store.Stored
		settledAll := true
		for _, o := range group {
			if o.State == store.ObjImported {
				seen[o.SourceUID] = true
			}
			marks[o.SourceUID] = o.Mark
			switch {
			case isSample[o.SourceUID]:
				if o.State == store.ObjImported && !o.Merged && (round > 0 || o.Mark < store.ReplaySettled) {
					samples = append(samples, o.Stored)
				}
			case o.PortalType == "Analysis" && o.Mark >= store.ReplayFields:
				written[o.SourceUID] = true
			}
			if replayPhase(o.PortalType) == 2 && o.State == store.ObjImported &&
				(o.Mark < store.ReplaySettled || h.awaitsAdoption(o.SourceUID)) {
				todo = append(todo, o.Stored)
			}
		}
		if len(samples) == 0 && len(todo) == 0 {
			return round > 0 || settledAll, nil
		}
		// the samples up to what their analyses cause, from their listed states
		known := h.listedStates(ctx, rm, []replayGroup{{objects: samples}})
		var firstPart, done []string
		for _, o := range samples {
			if round == 0 && marks[o.SourceUID] >= store.ReplayFirstPart {
				continue
			}
			ok, err := h.replay(ctx, rm, o, verifier, true, written, known[o.DestUID])
			if err != nil {
				return false, h.earlyError(o, err)
			}
			if ok {
				done = append(done, o.SourceUID)
			} else {
				firstPart = append(firstPart, o.SourceUID)
			}
		}
		if err := h.markEarly(ctx, rm, run, firstPart, done); err != nil {
			return false, err
		}
		// their analyses, sample by sample, one after the other (each may
		// move its sample), from one listing of their states
		todo, err = h.groupData(ctx, rm, todo)
		if err != nil {
			return false, err
		}
		known = h.listedStates(ctx, rm, []replayGroup{{objects: todo}})
		if all, err := h.replayEach(ctx, rm, run, verifier, written, todo, known); err != nil {
			return false, err
		} else if !all {
			settledAll = false
		}
		// the rest of the samples (publish, invalidate), read afresh
		if all, err := h.replayEach(ctx, rm, run, verifier, written, samples, nil); err != nil {
			return false, err
		} else if !all {
			settledAll = false
		}
		// retests the transitions made: the next round replays them
		after, err := h.Store.ReplayGroup(ctx, rm.ID, run, family)
		if err != nil {
			return false, err
		}
		adopted := false
		for _, o := range after {
			if o.State == store.ObjImported && !seen[o.SourceUID] {
				adopted = true
			}
		}
		if !adopted {
			return settledAll, nil
		}
	}
	return false, nil
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
