package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/senaite-sync/senaite-sync/internal/elector"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/conc/pool"

	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// analysisEditable are the states in which an analysis' fields can be
// written; a submit locks them.
var analysisEditable = map[string]bool{"registered": true, "unassigned": true, "assigned": true}

// Verifier gives the destination's verifier client for a remote (nil: none
// configured; verification then uses the main account).
type Verifier func(ctx context.Context, instanceID int64) (*senaite.Client, error)

// ReplayWorkflow reproduces the source review state of an imported object
// by replaying the source's actions after its fields are set
// (ARCHITECTURE.md §4, Import 7). untilChildren stops a sample before the
// transitions its analyses cause. Objects a transition creates on the
// destination (retests) are adopted as the replicas of the source's.
func (h *Handler) ReplayWorkflow(ctx context.Context, rm store.Remote, o store.Stored, verifier *senaite.Client, untilChildren bool) error {
	_, err := h.replay(ctx, rm, o, verifier, untilChildren, nil, senaite.Item{})
	return err
}

// writeAnalysisFields writes an adopted analysis' own fields (result,
// instrument, method, attachments…): the destination made it from its
// service with none of them. It runs once every reference target exists and
// before any transition locks them — a sample's cancellation cancels its
// analyses too.
func (h *Handler) writeAnalysisFields(ctx context.Context, rm store.Remote, o store.Stored, raw map[string]json.RawMessage, dst *senaite.Client) error {
	fields, _, err := h.payload(ctx, rm, o, raw)
	if err != nil || len(fields) == 0 {
		return err
	}
	if err := dst.Apply(ctx, o.DestUID, fields, ""); err != nil {
		return h.mismatch(ctx, rm, o, err)
	}
	return nil
}

// withData loads an object's fetched data when a walk listed it without.
func (h *Handler) withData(ctx context.Context, rm store.Remote, o store.Stored) (store.Stored, error) {
	if o.Data != nil {
		return o, nil
	}
	full, err := h.Store.Object(ctx, rm.ID, o.SourceUID)
	if err != nil {
		return o, err
	}
	return full, nil
}

// analysisFieldsPhase writes the fields of every adopted analysis that is
// still editable, before the samples' transitions; written records them.
func (h *Handler) analysisFieldsPhase(ctx context.Context, rm store.Remote, o store.Stored) (bool, error) {
	if o.PortalType != "Analysis" || o.DestUID == "" {
		return false, nil
	}
	o, err := h.withData(ctx, rm, o)
	if err != nil {
		return false, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(o.Data, &raw); err != nil {
		return false, fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return false, err
	}
	// right after the levels every adopted analysis is as its sample made
	// it, editable: write without reading first, and read only when the
	// destination refuses (an analysis a previous run already submitted)
	fields, _, err := h.payload(ctx, rm, o, raw)
	if err != nil || len(fields) == 0 {
		return false, err
	}
	if err := dst.Apply(ctx, o.DestUID, fields, ""); err == nil {
		return true, nil
	} else if !errors.Is(err, senaite.ErrForbidden) && !errors.Is(err, senaite.ErrValidation) && !isUnauthorized(err) {
		return false, err
	}
	cur, err := dst.Get(ctx, o.DestUID)
	if err != nil {
		return false, err
	}
	if !analysisEditable[cur.ReviewState] {
		return false, nil // locked by a transition: the replay takes it from here
	}
	return true, h.writeAnalysisFields(ctx, rm, o, raw, dst)
}

// isUnauthorized tells a refused write (senaite.jsonapi answers 401 "Not
// allowed to set the field") from other failures.
func isUnauthorized(err error) bool {
	var se *senaite.Error
	return errors.As(err, &se) && se.Status == 401
}

// replay takes one object towards the source's state. known is its
// current review state on the destination when a listing of its container
// told it ("" reads the object); a transition refused from a listed state
// is tried again from a fresh read, so that a cascade the listing did not
// see (a dependent retracted with its dependency) is not a mismatch.
// replayTries bounds how often one object's replay starts again from the
// lab's state after a transient error (each request was retried by the
// client already where that is safe).
const replayTries = 5

// replay replays one object, starting again from the destination's state
// after a transient error: a transition that timed out or got a cut
// answer may have happened, so the state is read before the next one is
// sent (ARCHITECTURE.md §4, Import 8).
func (h *Handler) replay(ctx context.Context, rm store.Remote, o store.Stored, verifier *senaite.Client, untilChildren bool, written map[string]bool, known senaite.Item) (settled bool, err error) {
	for try := 1; ; try++ {
		if try > 1 || h.awaitsAdoption(o.SourceUID) {
			// a transition that failed transiently may have happened, and
			// made a retest; so may one of an earlier pass that stopped
			// (a leader that stepped down, a process killed) between the
			// transition and the adoption: adopt it before anything else
			// is replayed
			if err := h.adoptMade(ctx, rm, o); err != nil {
				return false, err
			}
		}
		settled, err = h.replayOnce(ctx, rm, o, verifier, untilChildren, written, known)
		if err == nil || !senaite.Transient(err) || try == replayTries {
			return settled, err
		}
		h.Log.DebugContext(ctx, "replay: transient error; reading the state again", "remote", rm.Name, "uid", o.SourceUID,
			"portal_type", o.PortalType, "try", try, "error", err)
		known = senaite.Item{}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(time.Duration(try*try) * 100 * time.Millisecond):
		}
	}
}

func (h *Handler) replayOnce(ctx context.Context, rm store.Remote, o store.Stored, verifier *senaite.Client, untilChildren bool, written map[string]bool, known senaite.Item) (settled bool, err error) {
	if schema.Structural(o.PortalType, o.SourcePath) {
		// folders and singletons have one-state workflows: nothing to replay
		return true, nil
	}
	if o, err = h.withData(ctx, rm, o); err != nil {
		return false, err
	}
	if o.State != store.ObjImported || o.DestUID == "" || o.Merged {
		// a merged object's holder keeps its own state (mergeByKey)
		return true, nil
	}
	it, err := senaite.DecodeItem(o.Data) // the stored item as fetched, decoded once
	if err != nil {
		return false, fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	raw := it.Raw
	if len(raw["workflow_info"]) == 0 {
		return true, nil
	}
	if len(it.Workflow) == 0 {
		return false, nil
	}
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return false, err
	}
	var cur senaite.Item
	if known.ReviewState != "" {
		cur = known
		cur.UID = o.DestUID
	} else if cur, err = dst.Get(ctx, o.DestUID); err != nil {
		return false, err
	}
	steps := Replay(o.PortalType, it.Workflow[0].History, cur.ReviewState, untilChildren)
	full := len(Replay(o.PortalType, it.Workflow[0].History, cur.ReviewState, false))
	// an analysis' own fields, when not written yet, travel with its first
	// transition (senaite.jsonapi sets the fields, then transitions): one
	// request instead of two; a verification is another user's, so not then
	var carry map[string]any
	if o.PortalType == "Analysis" && analysisEditable[cur.ReviewState] && !written[o.SourceUID] && o.Written != store.WrittenUpdated {
		if len(steps) > 0 && !Verifying(steps[0].Transition) {
			if carry, _, err = h.payload(ctx, rm, o, raw); err != nil {
				return false, err
			}
		} else if err := h.writeAnalysisFields(ctx, rm, o, raw, dst); err != nil {
			return false, err
		}
	}
	if fields := restoreDrifted(o.PortalType, raw, cur); len(fields) > 0 {
		// the destination passed the transition by itself (an
		// auto-received partition, a retest sample): write back now
		if err := dst.Apply(ctx, o.DestUID, fields, ""); err != nil {
			h.Log.WarnContext(ctx, "field not restored", "remote", rm.Name, "uid", o.SourceUID, "portal_type", o.PortalType, "error", err)
		}
	}
	if len(steps) == 0 {
		return full == 0, nil
	}
	for i, st := range steps {
		if err := elector.Check(ctx); err != nil {
			return false, err // the leader's term ended: its successor replays from the lab's state
		}
		c := dst
		if Verifying(st.Transition) && verifier != nil {
			c = verifier
		}
		var fields map[string]any
		if i == 0 {
			fields = carry
		}
		if err := c.Apply(ctx, o.DestUID, fields, st.Transition); err != nil {
			if senaite.Transient(err) {
				return false, err // replay reads the state and goes on
			}
			if known.ReviewState != "" {
				return h.replay(ctx, rm, o, verifier, untilChildren, written, senaite.Item{})
			}
			return true, h.mismatch(ctx, rm, o, err)
		}
		if names := RestoredAfter(o.PortalType, st.Transition); len(names) > 0 {
			fields := map[string]any{}
			for _, f := range names {
				var v any
				if json.Unmarshal(raw[f], &v) == nil && v != nil {
					fields[f] = v
				}
			}
			if len(fields) > 0 {
				if err := dst.Apply(ctx, o.DestUID, fields, ""); err != nil {
					if senaite.Transient(err) {
						return false, err
					}
					return true, h.mismatch(ctx, rm, o, err)
				}
			}
		}
		switch st.Transition {
		case "retract", "retest":
			if err := h.adoptRetest(ctx, rm, dst, o, "RetestOf", "Analysis"); err != nil {
				return false, err
			}
		case "invalidate":
			if err := h.adoptRetest(ctx, rm, dst, o, "Invalidated", "AnalysisRequest"); err != nil {
				return false, err
			}
		}
	}
	return len(steps) == full, nil
}

// restoreDrifted returns the fields of RestoredAfter rules whose value the
// destination has but differs from the source's.
func restoreDrifted(portalType string, raw map[string]json.RawMessage, cur senaite.Item) map[string]any {
	fields := map[string]any{}
	for _, names := range restoredAfter[portalType] {
		for _, f := range names {
			src := senaite.Item{Raw: raw}
			if src.IsEmpty(f) || cur.IsEmpty(f) {
				continue
			}
			a, _ := src.Time(f)
			b, _ := cur.Time(f)
			if a.Equal(b) {
				continue
			}
			var v any
			_ = json.Unmarshal(raw[f], &v)
			fields[f] = v
		}
	}
	return fields
}

// mismatch records a refused transition: the object keeps its replica but
// ends state-mismatch with the destination's message.
func (h *Handler) mismatch(ctx context.Context, rm store.Remote, o store.Stored, err error) error {
	var se *senaite.Error
	if !errors.As(err, &se) || senaite.Transient(err) {
		return err
	}
	return h.Store.MarkObject(ctx, rm.ID, o.SourceUID, []store.ObjState{store.ObjImported}, store.ObjStateMismatch, se.Message, "")
}

// adoptRetest finds what a transition just created on the destination (a
// retest pointing back through field) and records it as the replica of the
// source's retest, with, for a sample, its analyses.
func (h *Handler) adoptRetest(ctx context.Context, rm store.Remote, dst *senaite.Client, orig store.Stored, field, portalType string) error {
	retestUID, ok := h.retests[field+":"+orig.SourceUID]
	if !ok {
		return nil // the source has no such retest (it was removed there)
	}
	srcRetest, err := h.Store.ObjectHead(ctx, rm.ID, retestUID)
	if err != nil {
		return err
	}
	if srcRetest.State != store.ObjWaiting || srcRetest.PortalType != portalType {
		return nil // adopted already
	}
	parentPath := ""
	if p, err := dst.Get(ctx, orig.DestUID); err == nil {
		parentPath = p.ParentPath
	} else {
		return err
	}
	depth := 1
	for it, err := range dst.Search(ctx, senaite.Query{PortalTypes: []string{portalType}, Path: parentPath, Depth: &depth, Complete: true, Limit: 200}) {
		if err != nil {
			return err
		}
		if ref, ok := it.Ref(field); !ok || ref != orig.DestUID {
			continue
		}
		if _, claimed, err := h.Store.ClaimedBy(ctx, rm.DestinationID, it.UID); err != nil || claimed {
			if err != nil {
				return err
			}
			continue
		}
		ident, err := h.Store.EnsureIdentity(ctx, rm.SourceID, srcRetest.SourceUID, portalType)
		if err != nil {
			return err
		}
		if err := h.Store.Imported(ctx, store.Copy{RemoteID: rm.ID, SourceUID: srcRetest.SourceUID, IdentityID: ident,
			DestInstanceID: rm.DestinationID, DestUID: it.UID, DestID: it.ID},
			[]store.ObjState{store.ObjWaiting}, store.ObjImported); err != nil && !errors.Is(err, store.ErrExists) {
			return err
		}
		if portalType == "AnalysisRequest" {
			own, err := h.ownAnalyses(ctx, rm, srcRetest.SourceUID)
			if err != nil {
				return err
			}
			return h.adoptAnalyses(ctx, rm, it, own)
		}
		return nil
	}
	return nil
}

// awaitsAdoption tells whether the source's retest of an object (by
// RetestOf or Invalidated) still waits to be adopted: the transition that
// makes it at the destination may have happened already.
func (h *Handler) awaitsAdoption(sourceUID string) bool {
	_, analysis := h.retests["RetestOf:"+sourceUID]
	_, sample := h.retests["Invalidated:"+sourceUID]
	return analysis || sample
}

// adoptMade adopts what a transition of o may have created at the
// destination — a retest analysis (retract, retest), a retest sample
// (invalidate) — as adoptRetest does after a transition that answered;
// nothing happens when there is none yet.
func (h *Handler) adoptMade(ctx context.Context, rm store.Remote, o store.Stored) error {
	if o.DestUID == "" {
		return nil
	}
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return err
	}
	switch o.PortalType {
	case "Analysis":
		return h.adoptRetest(ctx, rm, dst, o, "RetestOf", "Analysis")
	case "AnalysisRequest":
		return h.adoptRetest(ctx, rm, dst, o, "Invalidated", "AnalysisRequest")
	}
	return nil
}

// replayPhase orders the workflow replay: setup and clients first, then
// samples up to what their analyses cause, the analyses, the samples'
// remaining transitions, and worksheets last.
func replayPhase(portalType string) int {
	switch portalType {
	case "AnalysisRequest":
		return 1 // and again in phase 3
	case "Analysis", "DuplicateAnalysis", "ReferenceAnalysis":
		return 2
	case "Worksheet":
		return 4
	}
	return 0
}

// ReplayAll runs the workflow replay of a remote's imported objects in
// phase order, repeating while transitions adopt retests (whose own
// histories then need replaying). Replays are computed from the
// destination's current state, so running it again changes nothing.
// scope, when set, limits it to the objects a run (an update) stored.
// Each phase walks its objects a batch at a time (store.ReplayBatches):
// what the replay holds is a batch, whatever the lab's size (issue #13).
func (h *Handler) ReplayAll(ctx context.Context, rm store.Remote, run uuid.UUID, verifier *senaite.Client, scope *uuid.UUID) (err error) {
	// settled objects reached the source's state (or a recorded mismatch):
	// later rounds and phase 3 skip them; a sample is looked at again while
	// something in it is not settled, as adopted retests change it. What an
	// earlier, interrupted pass of this run did stays done.
	var settledMu sync.Mutex // guards troubled
	progress := newReplayProgress(h.Store, rm.ID, run)
	if n, err := h.Store.CountReplayed(ctx, rm.ID, run); err != nil {
		return err
	} else if n > 0 {
		h.Log.InfoContext(ctx, "replay: going on from what the early replay or an earlier pass of the run did", "remote", rm.Name, "objects", n)
	}
	troubled := map[string]string{} // unsettled by transient errors: uid → last error
	defer func() {
		if err == nil {
			err = progress.flush(ctx)
		}
		if err == nil {
			err = h.failTroubled(ctx, rm, troubled)
		}
	}()
	held, err := h.Store.PendingDeferred(ctx, rm.ID)
	if err != nil {
		return err
	}
	if held == nil {
		held = map[string][]string{}
	}
	h.held = held
	defer func() { h.held = nil }()
	walk := func(phase int, fn func([]store.ReplayObject) error) error {
		w := store.ReplayWalk{Run: run, Scope: scope, State: store.ObjImported, Types: phaseTypes[phase],
			Except: phase == 0, ByContainer: phase == 2, Batch: replayBatch}
		return h.Store.ReplayBatches(ctx, rm.ID, w, func(batch []store.ReplayObject) error {
			progress.batch(batch)
			return fn(batch)
		})
	}
	// written: analyses of the batch whose own fields are written (by
	// this pass or an earlier one of the run)
	writtenOf := func(batch []store.ReplayObject) map[string]bool {
		written := map[string]bool{}
		for _, o := range batch {
			if o.PortalType == "Analysis" && o.Mark >= store.ReplayFields {
				written[o.SourceUID] = true
			}
		}
		return written
	}
	for round := 0; round < 4; round++ {
		waitingBefore, err := h.Store.CountInState(ctx, rm.ID, store.ObjWaiting, scope)
		if err != nil {
			return err
		}
		retests, err := h.Store.WaitingReferrers(ctx, rm.ID, []string{"RetestOf", "Invalidated"})
		if err != nil {
			return err
		}
		h.retests = retests
		if round == 0 {
			started := time.Now()
			var mu sync.Mutex
			wrote := 0 // fields written by this pass
			err := walk(2, func(batch []store.ReplayObject) error {
				written := writtenOf(batch)
				p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(ReplayConcurrency)
				// by sample: a sample's analyses' data comes in one query
				var analyses []store.Stored
				for _, o := range batch {
					if o.PortalType == "Analysis" && o.Written != store.WrittenUpdated && !written[o.SourceUID] {
						// (one an earlier pass of the run wrote or settled is done)
						// an update wrote the changed fields of an existing copy already
						analyses = append(analyses, o.Stored)
					}
				}
				for _, group := range byContainer(analyses) {
					p.Go(func(ctx context.Context) error {
						if h.fieldsTravel(ctx, rm, group[0].ParentUID) {
							return nil // written with each analysis' first transition
						}
						loaded, err := h.groupData(ctx, rm, group)
						if err != nil {
							return err
						}
						for _, o := range loaded {
							ok, err := h.analysisFieldsPhase(ctx, rm, o)
							if err != nil {
								return fmt.Errorf("importer: fields of analysis %s: %w", o.SourceUID, err)
							}
							if ok {
								mu.Lock()
								wrote++
								mu.Unlock()
								if _, err := progress.mark(ctx, o.SourceUID, store.ReplayFields); err != nil {
									return err
								}
							}
						}
						return nil
					})
				}
				return p.Wait()
			})
			if err != nil {
				return err
			}
			// phase 2 reads which fields are written from the store
			if err := progress.flush(ctx); err != nil {
				return err
			}
			h.Log.InfoContext(ctx, "replay: analysis fields written", "remote", rm.Name, "analyses", wrote,
				"elapsed", time.Since(started).Round(time.Millisecond))
		}
		for phase := 0; phase <= 4; phase++ {
			started := time.Now()
			replayed := 0
			err := walk(phase, func(batch []store.ReplayObject) error {
				written := writtenOf(batch)
				var todo []store.Stored
				for _, o := range batch {
					if !h.replaySkips(progress, o.Stored, round, phase) {
						todo = append(todo, o.Stored)
					}
				}
				replayed += len(todo)
				// objects of one phase are independent: replay them concurrently,
				// within the remote's bound on requests to the lab; analyses go
				// by container, whose listing tells their states in one request
				groups := h.replayGroups(phase, todo)
				listed := h.listedStates(ctx, rm, groups)
				p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(ReplayConcurrency)
				for _, group := range groups {
					p.Go(func(ctx context.Context) error {
						states := listed
						objects, err := h.groupData(ctx, rm, group.objects)
						if err != nil {
							return err
						}
						for _, o := range objects {
							// a sample always stops before what its analyses cause: if a
							// retest is still pending it waits for the next round
							ok, err := h.replay(ctx, rm, o, verifier, true, written, states[o.DestUID])
							if senaite.Transient(err) {
								// the lab kept failing for this one: the others go on,
								// and the next round (or run) tries it again
								settledMu.Lock()
								troubled[o.SourceUID] = err.Error()
								settledMu.Unlock()
								continue
							}
							if err != nil {
								return fmt.Errorf("importer: replay %s %s: %w", o.PortalType, o.SourceUID, err)
							}
							mark := store.ReplaySettled
							if !ok && phase == 1 && o.PortalType == "AnalysisRequest" {
								mark = store.ReplayFirstPart // up to what its analyses cause
							} else if !ok {
								continue
							}
							settledMu.Lock()
							delete(troubled, o.SourceUID)
							settledMu.Unlock()
							// a long phase records its progress as it goes: a pass
							// stopped midway resumes after it
							if _, err := progress.mark(ctx, o.SourceUID, mark); err != nil {
								return err
							}
						}
						return nil
					})
				}
				return p.Wait()
			})
			if err != nil {
				return err
			}
			if err := progress.flush(ctx); err != nil {
				return err
			}
			h.Log.InfoContext(ctx, "replay: phase done", "remote", rm.Name, "round", round, "phase", phase, "objects", replayed,
				"elapsed", time.Since(started).Round(time.Millisecond))
		}
		waitingAfter, err := h.Store.CountInState(ctx, rm.ID, store.ObjWaiting, scope)
		if err != nil {
			return err
		}
		if waitingAfter == waitingBefore {
			return nil
		}
	}
	return nil
}

// phaseTypes are the portal types each replay phase walks (replayPhase);
// phase 0 walks every other type.
var phaseTypes = [5][]string{
	0: {"AnalysisRequest", "Analysis", "DuplicateAnalysis", "ReferenceAnalysis", "Worksheet"},
	1: {"AnalysisRequest"},
	2: {"Analysis", "DuplicateAnalysis", "ReferenceAnalysis"},
	3: {"AnalysisRequest"},
	4: {"Worksheet"},
}

// replayBatch is how many objects a replay phase lists and works on at a
// time: the tasks of a batch run ReplayConcurrency at once, and the next
// batch is listed when they are through.
const replayBatch = 2000

// replaySkips tells whether a phase leaves an object alone: what the run's
// replay settled, save worksheets (their QC analyses change them); in phase
// 1, a sample whose first part the run replayed — in the first round only:
// later rounds look at every sample again, as the retests they adopted
// change them. An object whose retest still waits is replayed again: its
// replay adopts the retest an earlier pass made.
func (h *Handler) replaySkips(progress *replayProgress, o store.Stored, round, phase int) bool {
	if h.awaitsAdoption(o.SourceUID) || o.PortalType == "Worksheet" {
		return false
	}
	if o.PortalType == "AnalysisRequest" && phase == 1 {
		return round == 0 && progress.reached(o.SourceUID, store.ReplayFirstPart)
	}
	return progress.reached(o.SourceUID, store.ReplaySettled)
}

// replayGroup is work of one replay task: objects replayed one after the
// other.
type replayGroup struct {
	objects []store.Stored
}

// replayGroups splits a phase's objects into tasks: a sample's analyses
// by their container, one after the other (movesItsContainer), every
// other object alone.
func (h *Handler) replayGroups(phase int, todo []store.Stored) []replayGroup {
	var out []replayGroup
	var chained []store.Stored
	for _, o := range todo {
		if phase == 2 && movesItsContainer(o.PortalType) {
			chained = append(chained, o)
		} else {
			out = append(out, replayGroup{objects: []store.Stored{o}})
		}
	}
	for _, group := range byContainer(chained) {
		out = append(out, replayGroup{objects: group})
	}
	return out
}

// movesItsContainer tells whether an analysis' transitions move its
// container: a routine analysis' submit, verify, retract and retest move
// its sample (and each sees the states its siblings left), so a sample's
// analyses are replayed one after the other. A duplicate's or a reference
// analysis' move only themselves (and the worksheet's auto-transition,
// which a routine analysis of another sample causes at once as well): a
// reference sample's fifty analyses one after the other were the last
// seconds of every import, the lab's threads idle but one.
func movesItsContainer(portalType string) bool { return portalType == "Analysis" }

// byContainer groups objects by their source container, in the order the
// containers first appear.
func byContainer(objs []store.Stored) [][]store.Stored {
	index := map[string]int{}
	var out [][]store.Stored
	for _, o := range objs {
		i, ok := index[o.ParentUID]
		if !ok {
			i = len(out)
			index[o.ParentUID] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], o)
	}
	return out
}

// groupData loads the fetched data of a group's objects in one query
// (they were listed without it, to keep a whole lab out of memory).
func (h *Handler) groupData(ctx context.Context, rm store.Remote, objects []store.Stored) ([]store.Stored, error) {
	if len(objects) < 2 {
		return objects, nil
	}
	uids := make([]string, len(objects))
	for i, o := range objects {
		uids[i] = o.SourceUID
	}
	loaded, err := h.Store.ObjectsByUID(ctx, rm.ID, uids)
	if err != nil {
		return nil, err
	}
	byUID := make(map[string]store.Stored, len(loaded))
	for _, o := range loaded {
		byUID[o.SourceUID] = o
	}
	out := make([]store.Stored, 0, len(objects))
	for _, o := range objects {
		if full, ok := byUID[o.SourceUID]; ok {
			o = full
		}
		out = append(out, o)
	}
	return out, nil
}

// fieldsTravel tells whether the analyses of a source sample keep their
// fields for their first transition (AnalysesStayEditable): nothing in the
// sample's own replay locks them before.
func (h *Handler) fieldsTravel(ctx context.Context, rm store.Remote, sampleUID string) bool {
	sample, err := h.Store.Object(ctx, rm.ID, sampleUID)
	if err != nil || sample.PortalType != "AnalysisRequest" {
		return false
	}
	it, err := senaite.DecodeItem(sample.Data)
	if err != nil || len(it.Workflow) == 0 {
		return false
	}
	return AnalysesStayEditable(it.Workflow[0].History)
}

// listedStates reads the destination's review states of a phase's objects
// a hundred by UID per request (the catalog's metadata says the state):
// replaying an object — a setup object, a client, a sample, an analysis —
// does not cost a read of its own, nor a listing of its container. A state that changed
// since (a cascade) makes the first transition fail, and replay reads the
// object then. A failed listing leaves the objects to be read one by one.
func (h *Handler) listedStates(ctx context.Context, rm store.Remote, groups []replayGroup) map[string]senaite.Item {
	// by type: the query's type picks the catalog, whose metadata has the
	// state (a UID alone searches one that has not)
	byType := map[string][]string{}
	n := 0
	for _, g := range groups {
		for _, o := range g.objects {
			if o.DestUID != "" {
				dt, _ := rm.Options.DestinationType(rm.SourceFlavor, o.PortalType)
				byType[dt] = append(byType[dt], o.DestUID)
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return nil
	}
	// the listings at once, within the lab's bound: a setup phase lists
	// some sixty types of a few objects each
	states := make(map[string]senaite.Item, n)
	var mu sync.Mutex
	p := pool.New().WithMaxGoroutines(ReplayConcurrency)
	for pt, uids := range byType {
		for start := 0; start < len(uids); start += statesBatch {
			batch := uids[start:min(start+statesBatch, len(uids))]
			p.Go(func() {
				page, err := dst.SearchPage(ctx, senaite.Query{PortalTypes: []string{pt}, UIDs: batch, Limit: len(batch)}, 0)
				if err != nil {
					h.Log.DebugContext(ctx, "state listing failed; reading objects one by one", "remote", rm.Name, "portal_type", pt, "error", err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, it := range page.Items {
					if it.ReviewState != "" {
						if cur, ok := listedAsCurrent(pt, it); ok {
							states[it.UID] = cur
						}
					}
				}
			})
		}
	}
	p.Wait()
	return states
}

// listedAsCurrent is what replay needs of a listed object: its state, and
// the fields the destination may move by itself (restoreDrifted), from
// their catalog columns (getDateReceived is a sample's DateReceived); ok
// is false when the listing lacks such a column (the object is read).
func listedAsCurrent(portalType string, it senaite.Item) (senaite.Item, bool) {
	cur := senaite.Item{ReviewState: it.ReviewState, Path: it.Path}
	for _, names := range restoredAfter[portalType] {
		for _, f := range names {
			v, ok := it.Raw["get"+f]
			if !ok {
				return senaite.Item{}, false
			}
			if cur.Raw == nil {
				cur.Raw = map[string]json.RawMessage{}
			}
			cur.Raw[f] = v
		}
	}
	return cur, true
}

// statesBatch is how many objects' states one listing asks for.
const statesBatch = 100

// ReplayConcurrency is how many objects of one replay phase are worked on
// at once; requests to the lab stay bounded by its client's gate. Twice
// the threads of a large lab: each task is a chain of requests with this
// side's work between them, and as many tasks as the lab has threads left
// a 16-thread lab a quarter idle (the QC analyses of a 21,418-object
// import, 559 of them, took 4.7 s at 70 % of it).
const ReplayConcurrency = 32

// failTroubled fails the objects whose replay transient errors kept from
// settling, with a reason that says so: the next import or update takes
// failed objects up again (store.ClaimPending, SetLevels), and their read
// back copy keeps that from being called a conflict.
func (h *Handler) failTroubled(ctx context.Context, rm store.Remote, troubled map[string]string) error {
	for uid, msg := range troubled {
		h.Log.WarnContext(ctx, "replay: the lab kept failing; the object is retried by the next run", "remote", rm.Name, "uid", uid, "error", msg)
		err := h.Store.MarkObject(ctx, rm.ID, uid, []store.ObjState{store.ObjImported}, store.ObjFailed,
			"workflow replay interrupted by the lab's transient errors (retried by the next import or update): "+msg, "")
		if err != nil && !errors.Is(err, store.ErrStaleState) {
			return err
		}
	}
	return nil
}
