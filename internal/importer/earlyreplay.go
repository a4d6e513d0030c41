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

// PrepareEarlyReplay readies a handler for ReplaySample: it knows which
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

// ReplaySample replays one sample and its children, as far as it goes;
// settled tells whether all of it reached the source's states. A transient
// error of the lab stops it (the whole lab's replay takes it up again);
// any other error is returned.
func (h *Handler) ReplaySample(ctx context.Context, rm store.Remote, run uuid.UUID, verifier *senaite.Client, sampleUID string) (settled bool, err error) {
	for round := 0; round < earlyRounds; round++ {
		group, err := h.Store.ReplayGroup(ctx, rm.ID, run, sampleUID)
		if err != nil {
			return false, err
		}
		sample, children := group[0], group[1:]
		if sample.State != store.ObjImported || sample.Merged {
			return false, nil
		}
		if round == 0 && !h.fieldsTravel(ctx, rm, sampleUID) {
			if err := h.earlyAnalysisFields(ctx, rm, run, children); err != nil {
				return false, err
			}
			if group, err = h.Store.ReplayGroup(ctx, rm.ID, run, sampleUID); err != nil {
				return false, err
			}
			children = group[1:]
		}
		written := map[string]bool{}
		var todo []store.Stored
		for _, o := range children {
			if o.PortalType == "Analysis" && o.Mark >= store.ReplayFields {
				written[o.SourceUID] = true
			}
			if replayPhase(o.PortalType) == 2 && o.State == store.ObjImported &&
				(o.Mark < store.ReplaySettled || h.awaitsAdoption(o.SourceUID)) {
				todo = append(todo, o.Stored)
			}
		}
		if round == 0 && sample.Mark >= store.ReplaySettled && len(todo) == 0 {
			return true, nil
		}
		// the sample up to what its analyses cause, from its listed state
		known := h.listedStates(ctx, rm, []replayGroup{{objects: []store.Stored{sample.Stored}}})
		if round > 0 || sample.Mark < store.ReplayFirstPart {
			ok, err := h.replay(ctx, rm, sample.Stored, verifier, true, written, known[sample.DestUID])
			if err != nil {
				return false, h.earlyError(sample.Stored, err)
			}
			mark := store.ReplayFirstPart
			if ok {
				mark = store.ReplaySettled
			}
			if err := h.Store.MarkReplayed(ctx, rm.ID, run, []string{sample.SourceUID}, mark); err != nil {
				return false, err
			}
		}
		// its analyses, one after the other (each may move the sample)
		todo, err = h.groupData(ctx, rm, todo)
		if err != nil {
			return false, err
		}
		// the analyses' states in one listing, once the sample moved them
		known = h.listedStates(ctx, rm, []replayGroup{{objects: todo}})
		var done []string
		for _, o := range todo {
			ok, err := h.replay(ctx, rm, o, verifier, true, written, known[o.DestUID])
			if err != nil {
				_ = h.Store.MarkReplayed(ctx, rm.ID, run, done, store.ReplaySettled)
				return false, h.earlyError(o, err)
			}
			if ok {
				done = append(done, o.SourceUID)
			}
		}
		if err := h.Store.MarkReplayed(ctx, rm.ID, run, done, store.ReplaySettled); err != nil {
			return false, err
		}
		// the rest of the sample (publish, invalidate)
		ok, err := h.replay(ctx, rm, sample.Stored, verifier, true, written, senaite.Item{})
		if err != nil {
			return false, h.earlyError(sample.Stored, err)
		}
		if ok {
			if err := h.Store.MarkReplayed(ctx, rm.ID, run, []string{sample.SourceUID}, store.ReplaySettled); err != nil {
				return false, err
			}
		}
		// retests adopted by this round are replayed by the next one
		adopted := false
		if after, err := h.Store.ReplayGroup(ctx, rm.ID, run, sampleUID); err != nil {
			return false, err
		} else {
			for _, o := range after[1:] {
				if replayPhase(o.PortalType) == 2 && o.State == store.ObjImported && o.Mark < store.ReplaySettled {
					adopted = adopted || !containsStored(todo, o.SourceUID)
				}
			}
		}
		if !adopted {
			return ok && len(done) == len(todo), nil
		}
	}
	return false, nil
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

func containsStored(objs []store.Stored, uid string) bool {
	for _, o := range objs {
		if o.SourceUID == uid {
			return true
		}
	}
	return false
}
