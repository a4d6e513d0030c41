package store

// ObjState is where an object stands in the pipeline (ARCHITECTURE.md §1,
// plus `waiting` and `gone`). It is a type of its own so that a state can
// only come from this list: the objects table's check constraint holds
// the same values, and a reworded log message can never change which
// objects a query picks.
type ObjState string

// Object states.
const (
	// ObjFetched: stored from the source, to import (or to import again).
	ObjFetched ObjState = "fetched"
	// ObjWaiting: parked; WaitKind says on what.
	ObjWaiting ObjState = "waiting"
	// ObjImported: the destination holds its copy.
	ObjImported ObjState = "imported"
	// ObjUnchanged: an update found the copy equal to the source.
	ObjUnchanged ObjState = "unchanged"
	// ObjSkipped: left out on purpose, with the reason.
	ObjSkipped ObjState = "skipped"
	// ObjConflict: changed on both sides; a person decides.
	ObjConflict ObjState = "conflict"
	// ObjStateMismatch: the copy exists but the destination refused a
	// transition of its review history.
	ObjStateMismatch ObjState = "state-mismatch"
	// ObjFailed: an error, with the message.
	ObjFailed ObjState = "failed"
	// ObjGone: the source no longer lists it; reported, never deleted at
	// the destination.
	ObjGone ObjState = "gone"
)

// ObjMerged is how a listing shows an imported object that was linked to
// an object the destination had already (an identity merge by natural
// key, schema.IdentityRule): stored as imported, with objects.merged.
const ObjMerged ObjState = "merged"

// ListStates are the states a listing filters by: every stored state and
// merged.
var ListStates = []ObjState{ObjFetched, ObjWaiting, ObjImported, ObjMerged, ObjUnchanged, ObjSkipped, ObjConflict,
	ObjStateMismatch, ObjFailed, ObjGone}

// ObjStates are every state an object can be in, in the order a listing
// offers them.
var ObjStates = []ObjState{ObjFetched, ObjWaiting, ObjImported, ObjUnchanged, ObjSkipped, ObjConflict,
	ObjStateMismatch, ObjFailed, ObjGone}

// Valid tells whether s is one of ObjStates (API filters are checked
// with it before they reach SQL).
func (s ObjState) Valid() bool {
	for _, x := range ListStates {
		if x == s {
			return true
		}
	}
	return false
}

// Final tells whether an import has nothing more to do with an object in
// this state: a redelivered message changes nothing.
func (s ObjState) Final() bool {
	switch s {
	case ObjImported, ObjUnchanged, ObjSkipped, ObjConflict, ObjStateMismatch:
		return true
	}
	return false
}

// WaitKind says what a parked (waiting) object waits for, in a column of
// its own (objects.wait_kind), so that requeueing and skipping parked
// objects never depend on the wording of a message.
type WaitKind string

// Wait kinds.
const (
	// WaitDependency: its container or a reference it cannot be created
	// without has no copy, and this import does not bring it (any more:
	// it failed, or waits itself); objects.waiting_for names it. The object
	// is published again once the import's objects are through.
	WaitDependency WaitKind = "dependency"
	// WaitReplay: the destination creates it itself during the workflow
	// replay (a retest, an analysis of a retest sample), where it is
	// adopted; it is never published again.
	WaitReplay WaitKind = "replay"
	// WaitArrival: what it cannot be created without is an object this
	// import is still bringing; the importer that settles that object wakes
	// it (Settled). Within an ID sequence it keeps its turn.
	WaitArrival WaitKind = "arrival"
)

// RunKind is the step a run executes (ARCHITECTURE.md §1).
type RunKind string

// Run kinds.
const (
	KindFetch  RunKind = "fetch"
	KindImport RunKind = "import"
	KindUpdate RunKind = "update"
	KindVerify RunKind = "verify"
)

// RunKinds are the steps a remote offers.
var RunKinds = []RunKind{KindFetch, KindImport, KindUpdate, KindVerify}

// RunStatus is where a run stands (ARCHITECTURE.md §1).
type RunStatus string

// Run statuses.
const (
	StatusQueued    RunStatus = "queued"
	StatusRunning   RunStatus = "running"
	StatusSucceeded RunStatus = "succeeded"
	StatusPartial   RunStatus = "partial"
	StatusFailed    RunStatus = "failed"
	StatusCancelled RunStatus = "cancelled"
)

// Finished tells whether a run in this status has ended.
func (s RunStatus) Finished() bool {
	switch s {
	case StatusSucceeded, StatusPartial, StatusFailed, StatusCancelled:
		return true
	}
	return false
}
