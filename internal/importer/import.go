package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Import brings one object to the destination and returns its new state:
// execute decides what becomes of it, report records that. An object
// that cannot be created yet (its container or a required reference has no
// copy) is parked, not failed, and returns ObjWaiting without error.
func (h *Handler) Import(ctx context.Context, m Object) (store.ObjState, error) {
	ctx = context.WithValue(ctx, handlingSince{}, time.Now())
	o, earlier, err := h.Store.ObjectTurn(ctx, m.RemoteID, m.SourceUID)
	if err != nil {
		return "", err
	}
	if o.State.Final() {
		return o.State, nil // done before: a redelivery changes nothing
	}
	rm, err := h.remote(ctx, m.RemoteID)
	if err != nil {
		return "", err
	}
	if earlier && !o.State.Final() {
		// a stale message: the earlier object's importer publishes this one
		// again, under a new message id
		return o.State, h.Store.Bump(ctx, rm.ID, o.SourceUID)
	}
	// what the object met settled meanwhile: tried again at once, as long
	// as each try meets another (a worksheet's twenty analyses land while
	// it is translated, one after the other); the same one twice is parked
	landed := map[string]bool{}
	for {
		out, err := h.execute(ctx, rm, o, m.RunID) // an error never comes with a lock held (createCopy)
		var we *waitError
		if errors.As(err, &we) {
			// parked on what it cannot be created without: woken when that
			// arrives, or, if it arrived meanwhile, tried again at once
			retry := !landed[we.on] && len(landed) < maxLandedRetries
			landed[we.on] = true
			kind, err := h.Store.ParkOn(ctx, rm.ID, o.SourceUID, pending, we.on, we.Error(), retry)
			switch {
			case err != nil:
				return h.settledMeanwhile(ctx, rm, o, err)
			case kind == "":
				continue
			case kind == store.WaitArrival:
				return store.ObjWaiting, nil // keeps its sequence's turn
			}
			out = outcome{state: store.ObjWaiting}
		} else if err != nil {
			return h.settledMeanwhile(ctx, rm, o, err)
		} else {
			state, err := h.report(ctx, rm, o, out)
			if out.unlock != nil {
				out.unlock()
			}
			if err != nil {
				return h.settledMeanwhile(ctx, rm, o, err)
			}
			out.state = state
		}
		h.letGo(ctx, rm, m.RunID, o, out)
		return out.state, nil
	}
}

// maxLandedRetries bounds the tries of one object whose dependencies
// keep landing while it is tried (an object has that many references at
// most, short of a lab's worst).
const maxLandedRetries = 100

// settledMeanwhile answers an outcome that could not be recorded: when
// the object left the states an import takes it from because another
// settled it meanwhile (a sample adopting its analysis as the analysis'
// own message was being handled), that is its outcome, not a failure.
func (h *Handler) settledMeanwhile(ctx context.Context, rm store.Remote, o store.Stored, err error) (store.ObjState, error) {
	if !errors.Is(err, store.ErrStaleState) {
		return "", err
	}
	now, rerr := h.Store.ObjectHead(ctx, rm.ID, o.SourceUID)
	if rerr != nil || !now.State.Final() {
		return "", err
	}
	return now.State, nil
}

// letGo publishes, once an object is settled, what that lets go: the next
// of its ID sequence, what waited for it or for the analyses adopted with
// it, its children (Sequencer). A publish that fails is left to the
// coordinator's listing, which finds them all within seconds.
func (h *Handler) letGo(ctx context.Context, rm store.Remote, runID string, o store.Stored, out outcome) {
	uids := []string{o.SourceUID}
	for _, a := range out.analyses {
		uids = append(uids, a.SourceUID)
	}
	free, err := h.Store.Settled(ctx, rm.ID, uids, letGoLimit)
	if err == nil && !out.turnPassed {
		var next []store.Pending
		next, err = h.sequenceNext(ctx, rm, o)
		free = append(free, next...)
	}
	if err == nil {
		err = h.Sequencer.publish(ctx, rm, runID, free)
	}
	if err != nil && !errors.Is(err, queue.ErrDuplicate) {
		h.Log.WarnContext(ctx, "what a settled object lets go was not published; the coordinator will", "remote", rm.Name,
			"uid", o.SourceUID, "sequence", o.Sequence, "error", err)
	}
}

// passTurn lets the next object of o's ID sequence go as soon as the
// destination answered o's create (store.PassTurn): its id is taken, and
// the rest of o's outcome — a sample's analyses adopted, its copy
// recorded — no longer holds back the chain (a sample type's samples went
// at two requests each). It reports whether the next one is seen to: then
// letGo does not look again. What fails here is done again once o settles
// (letGo); a publish already made is dropped by the stream as a duplicate.
func (h *Handler) passTurn(ctx context.Context, rm store.Remote, runID string, o store.Stored, destUID string) bool {
	if o.Sequence == "" {
		return false
	}
	next, ok, err := h.Store.PassTurn(ctx, rm.ID, o.SourceUID, destUID, o.Sequence)
	if err == nil && ok {
		err = h.Sequencer.publish(ctx, rm, runID, []store.Pending{next})
	}
	if err != nil && !errors.Is(err, queue.ErrDuplicate) {
		h.Log.DebugContext(ctx, "the next of a sequence waits for this object's outcome", "remote", rm.Name, "uid", o.SourceUID,
			"sequence", o.Sequence, "error", err)
		return false
	}
	return true
}

// sequenceNext is the object of o's ID sequence to publish now, if any
// (store.SequenceHead): none when o is in no sequence.
func (h *Handler) sequenceNext(ctx context.Context, rm store.Remote, o store.Stored) ([]store.Pending, error) {
	if o.Sequence == "" {
		return nil, nil
	}
	head, ok, err := h.Store.SequenceHead(ctx, rm.ID, o.Sequence)
	if err != nil || !ok {
		return nil, err
	}
	return []store.Pending{head}, nil
}

// execute decides what becomes of a pending object, writing to the
// destination where that is the decision (a create, an update); runID
// names the import a create passes its sequence's turn in (passTurn).
func (h *Handler) execute(ctx context.Context, rm store.Remote, o store.Stored, runID string) (outcome, error) {
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return outcome{}, err
	}
	destType, kept := rm.Options.DestinationType(rm.SourceFlavor, o.PortalType)
	if !kept {
		return skipped(fmt.Sprintf("the remote's type mapping (or the built-in one of %s sources) does not carry %s",
			rm.SourceFlavor, o.PortalType), ""), nil
	}
	ident, uid, ok, err := h.Store.EnsureIdentityOn(ctx, rm.SourceID, o.SourceUID, o.PortalType,
		remote.OriginLabel(rm.Options, o.PortalType, o.SourcePath), o.Modified, rm.DestinationID)
	if err != nil {
		return outcome{}, err
	}
	if slices.Contains(rm.Options.UpdateOnlyTypes, o.PortalType) {
		own, found, reason, err := h.updateOnly(ctx, rm, o, ident, uid, ok, dst)
		if err != nil {
			return outcome{}, err
		}
		if !found {
			return skipped(reason, ""), nil
		}
		uid, ok = own, true
	}
	if ok && !rm.Options.Fetches(o.PortalType) && !schema.Structural(o.PortalType, o.SourcePath) {
		// read only as a container or a reference target of what the
		// remote syncs: its copy is there, and the remote does not sync
		// its type (a collaborator's client is not the master's to edit)
		return unchanged(uid, ""), nil
	}
	if ok {
		if now, err := h.Store.ObjectHead(ctx, rm.ID, o.SourceUID); err == nil && now.State.Final() {
			// its copy was made while this message waited: a sample's create
			// adopted it (an analysis), nothing to compare with itself
			return outcome{}, fmt.Errorf("importer: %s settled as %s meanwhile: %w", o.SourceUID, now.State, store.ErrStaleState)
		}
		// the destination already has it (an earlier import, its origin, or
		// another remote): bring the copy up to date (update.go)
		return h.updateCopy(ctx, rm, o, ident, uid, dst)
	}
	if o.PortalType == "Analysis" {
		if out, done, err := h.sampleAnalysis(ctx, rm, o, dst); err != nil || done {
			return out, err
		}
	}
	if schema.Structural(o.PortalType, o.SourcePath) {
		return h.mapStructural(ctx, rm, o, destType, ident, dst)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(o.Data, &raw); err != nil {
		return outcome{}, fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	return h.createCopy(ctx, rm, o, destType, ident, raw, dst, runID)
}

// sampleAnalysis decides for an analysis inside a sample: the destination
// creates it with its sample, where it is adopted, so it is never created
// on its own. done is false for an analysis outside a sample (a reference
// sample's, an instrument's), which is created like any object.
func (h *Handler) sampleAnalysis(ctx context.Context, rm store.Remote, o store.Stored, dst *senaite.Client) (outcome, bool, error) {
	p, err := h.Store.ObjectHead(ctx, rm.ID, o.ParentUID)
	if err != nil || p.PortalType != "AnalysisRequest" {
		return outcome{}, false, nil
	}
	switch p.State {
	case store.ObjImported:
	case store.ObjWaiting:
		if p, err = h.Store.Object(ctx, rm.ID, o.ParentUID); err != nil {
			return outcome{}, true, err
		}
		var praw map[string]json.RawMessage
		if json.Unmarshal(p.Data, &praw) == nil && CreatedByTransition(p.PortalType, praw) {
			// the sample itself waits for the workflow replay
			return parkedForReplay("its sample is created by a transition at the destination"), true, nil
		}
		// the sample is parked on a dependency: so is its analysis, and both
		// are requeued together
		return outcome{}, true, waitFor(p.SourceUID, "sample %s of analysis %s", p.SourceUID, o.SourceUID)
	case store.ObjSkipped, store.ObjFailed:
		return skipped(fmt.Sprintf("its container %s (%s) was %s", p.SourcePath, p.PortalType, p.State), ""), true, nil
	default:
		return outcome{}, true, waitFor(p.SourceUID, "sample %s of analysis %s", p.SourceUID, o.SourceUID)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(o.Data, &raw); err != nil {
		return outcome{}, true, fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	a, own := toSampleAnalysis(o.SourceUID, raw)
	if !own {
		return parkedForReplay("created by a transition at the destination; adopted during the workflow replay"), true, nil
	}
	// the sample landed but its analyses were not adopted (the process
	// stopped in between): adopt this one now, by keyword
	sample, err := dst.Get(ctx, p.DestUID)
	if err != nil {
		return outcome{}, true, err
	}
	return outcome{adoptOnly: true, sample: &sample, analyses: []sampleAnalysis{a}}, true, nil
}

// handlingSince keys the time an object's message began to be handled:
// the debug log of a create says how much of an ID sequence's step was
// this side's (importer.createCopy).
type handlingSince struct{}

// sinceHandling is how long ago the object's handling began (0 unknown).
func sinceHandling(ctx context.Context) time.Duration {
	if t, ok := ctx.Value(handlingSince{}).(time.Time); ok {
		return time.Since(t)
	}
	return 0
}
