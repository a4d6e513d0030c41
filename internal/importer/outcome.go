package importer

import (
	"context"
	"errors"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// outcome is what importing one object came to. Deciding it (execute:
// reading the store and the destination, creating or updating the copy)
// and recording it (report: the one place that moves the object's state)
// are separate, as River's executor separates execute from reportResult:
// a rule of syncing reads as a function returning an outcome, and every
// state change is a compare-and-set in one place.
type outcome struct {
	// state is the object's new state; "" means nothing to record (a
	// redelivery of an object already settled).
	state  store.ObjState
	reason string
	// destUID is the copy the state refers to, where there is one, and
	// destID its id there (a created copy's: where it is not the source's,
	// the run counts it and the identity keeps the source's as label).
	destUID, destID string

	// wait and waitingFor say, for a parked object, on what.
	wait       store.WaitKind
	waitingFor string

	// replica, for a copy created or linked, is the identity to record.
	replica *replica
	// updated: an existing copy had differing fields written.
	updated bool
	// conflict: changed on both sides, recorded with both versions.
	conflict *store.Conflict
	// note is a remark kept on the object (what was rebuilt, merged, …).
	note string
	// byKey: linked to the destination object holding its natural key
	// (mergeByKey), listed as merged.
	byKey bool
	// turnPassed: the create passed its ID sequence's turn and saw to the
	// next object (passTurn), which letGo need not look up again.
	turnPassed bool
	// unlock releases the natural key's lock once the outcome is recorded
	// (store.LockKey): another lab's import of the key then finds it.
	unlock func()

	// sample and analyses: a sample whose analyses the destination made
	// with it, adopted as the copies of the source's once it is recorded.
	sample   *senaite.Item
	analyses []sampleAnalysis
	// adoptOnly: this analysis is adopted from its recorded sample, and
	// must not stay pending if the sample's analysis is already claimed.
	adoptOnly bool
}

// replica is a copy's identity to record.
type replica struct {
	ident int64
	// merged: an existing destination object was linked, not created.
	merged bool
}

func settled() outcome { return outcome{} }

func skipped(reason, destUID string) outcome {
	return outcome{state: store.ObjSkipped, reason: reason, destUID: destUID}
}

func failed(reason, destUID string) outcome {
	return outcome{state: store.ObjFailed, reason: reason, destUID: destUID}
}

// parkedForReplay: the destination makes the object during the workflow
// replay (a retest), where it is adopted.
func parkedForReplay(reason string) outcome {
	return outcome{state: store.ObjWaiting, wait: store.WaitReplay, reason: reason}
}

func created(ident int64, item senaite.Item) outcome {
	return outcome{state: store.ObjImported, destUID: item.UID, destID: item.ID, replica: &replica{ident: ident}}
}

// linked: an existing destination object is the copy (an identity merge,
// or a structural object mapped by path).
func linked(ident int64, destUID, note string) outcome {
	return outcome{state: store.ObjImported, destUID: destUID, replica: &replica{ident: ident, merged: true}, note: note}
}

// waitError parks an object on what it cannot be created without (its
// container, a required reference, a sample's service): the object waits
// without spending its delivery budget and is published again once the
// levels are through (ARCHITECTURE.md §3).
type waitError struct {
	// on is the source UID (or, for a structural container, the path) of
	// what has no copy yet.
	on     string
	detail string
}

func (e *waitError) Error() string { return ErrDependencyMissing.Error() + ": " + e.detail }

func (e *waitError) Unwrap() error { return ErrDependencyMissing }

// waitFor is the error that parks an object on target.
func waitFor(target, format string, args ...any) error {
	return &waitError{on: target, detail: fmt.Sprintf(format, args...)}
}

// report records an outcome: the object's state (compare-and-set from the
// states an import expects), the identity of a new copy, a conflict, a
// note. It returns the state recorded.
func (h *Handler) report(ctx context.Context, rm store.Remote, o store.Stored, out outcome) (store.ObjState, error) {
	switch {
	case out.adoptOnly:
		return h.adoptFromSample(ctx, rm, o, out)
	case out.state == "":
		return o.State, nil
	case out.replica != nil:
		state, err := h.record(ctx, rm, o, out.replica.ident, out.destUID, out.destID, out.replica.merged)
		if err != nil {
			return "", err
		}
		if out.state == store.ObjFailed {
			// mapped, yet not as the source is (a singleton's field the
			// destination did not take): the run says so
			return store.ObjFailed, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, []store.ObjState{store.ObjImported},
				store.ObjFailed, out.reason, out.destUID)
		}
		if out.byKey {
			if err := h.Store.MarkMerged(ctx, rm.ID, o.SourceUID, out.note); err != nil {
				return "", err
			}
		} else if out.note != "" {
			if err := h.Store.NoteObject(ctx, rm.ID, o.SourceUID, out.note); err != nil {
				return "", err
			}
		}
		if out.sample != nil {
			if err := h.adoptAnalyses(ctx, rm, *out.sample, out.analyses); err != nil {
				return "", err
			}
		}
		return state, nil
	case out.updated:
		return store.ObjImported, h.Store.MarkUpdated(ctx, rm.ID, o.SourceUID, pending, out.destUID, out.note)
	case out.conflict != nil:
		return store.ObjConflict, h.Store.RecordConflict(ctx, *out.conflict, pending)
	case out.state == store.ObjWaiting:
		return store.ObjWaiting, h.Store.Park(ctx, rm.ID, o.SourceUID, pending, out.wait, out.waitingFor, out.reason)
	}
	return out.state, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, out.state, out.reason, out.destUID)
}

// adoptFromSample adopts an analysis from its sample's copy, recorded
// earlier; an analysis whose keyword is another's copy there already is
// failed, never left pending (the run would wait on it).
func (h *Handler) adoptFromSample(ctx context.Context, rm store.Remote, o store.Stored, out outcome) (store.ObjState, error) {
	if err := h.adoptAnalyses(ctx, rm, *out.sample, out.analyses); err != nil {
		return "", err
	}
	again, err := h.Store.Object(ctx, rm.ID, o.SourceUID)
	if err != nil {
		return "", err
	}
	if again.State.Final() {
		return again.State, nil
	}
	reason := "its sample's analysis " + out.analyses[0].Keyword + " at the destination is already the copy of another analysis"
	return store.ObjFailed, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjFailed, reason, "")
}

// record records a copy's identity and the object imported; another
// delivery that recorded a copy first wins, and this one adopts it.
func (h *Handler) record(ctx context.Context, rm store.Remote, o store.Stored, ident int64, destUID, destID string, merged bool) (store.ObjState, error) {
	err := h.Store.Imported(ctx, store.Copy{RemoteID: rm.ID, SourceUID: o.SourceUID, IdentityID: ident,
		DestInstanceID: rm.DestinationID, DestUID: destUID, DestID: destID, Merged: merged}, pending, store.ObjImported)
	if errors.Is(err, store.ErrExists) {
		uid, ok, rerr := h.Store.Replica(ctx, ident, rm.DestinationID)
		if rerr != nil {
			return "", rerr
		}
		if !ok && merged {
			// the object linked is another identity's already (the same
			// structural folder mapped for another lab, a moment ago): the
			// two are one object
			if uid, ok, rerr = h.joinClaim(ctx, rm, ident, destUID); rerr != nil {
				return "", rerr
			}
		}
		if !ok {
			return "", fmt.Errorf("importer: %s: the destination's %s belongs to another object, which is not this one's copy", o.SourceUID, destUID)
		}
		return store.ObjImported, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjImported, "", uid)
	}
	if err != nil {
		return "", err
	}
	return store.ObjImported, nil
}

// joinClaim joins an identity with the one that claims destUID on the
// destination (store.MergeIdentity): a structural folder or a singleton
// mapped by path for several labs is one object of all of them. ok is
// false when the two identities cannot be one (both have an object on one
// lab).
func (h *Handler) joinClaim(ctx context.Context, rm store.Remote, ident int64, destUID string) (string, bool, error) {
	claim, claimed, err := h.Store.ClaimedBy(ctx, rm.DestinationID, destUID)
	if err != nil || !claimed {
		return "", false, err
	}
	joined, err := h.Store.MergeIdentity(ctx, ident, claim)
	if err != nil || !joined {
		return "", false, err
	}
	return destUID, true, nil
}
