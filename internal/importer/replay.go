// Package importer creates or updates a source's objects on the
// destination. This file holds the rule of workflow replay: how the
// source's review history becomes transitions on the destination.
package importer

import (
	"encoding/json"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// Step is one transition to perform on the destination.
type Step struct {
	Transition string
	ToState    string
	// Actor performed it at the source; verification steps are run with
	// the destination's verifier account (transition times and actors
	// cannot be carried over through the API).
	Actor string
}

// automatic transitions the destination performs by itself: they are
// never replayed.
var automatic = map[string]bool{
	"no_sampling_workflow": true, // sample_registered → sample_due at creation
	"initialize":           true, // an analysis becomes unassigned when its sample is received
	"rollback_to_receive":  true, // a retraction sends the sample back
	"auto_receive":         true,
}

// causedByChildren are sample transitions that follow from its analyses:
// the last analysis submitted submits the sample, the last verified
// verifies it. They are reached by replaying the analyses, not the sample.
// (Worksheets need no entry: they are replayed after their analyses, and
// Replay starts from the state the destination reached by itself.)
var causedByChildren = map[string]map[string]bool{
	"AnalysisRequest": {"submit": true, "verify": true},
}

// Replay lists the transitions that take a destination object from its
// current state towards the source's final state: the source history after
// the last entry in the current state, without automatic transitions. With
// untilChildren, it stops before the first transition its children cause
// (a sample's submit): the caller replays the analyses, reads the sample's
// new state and calls Replay again for the rest (publish, invalidate).
func Replay(portalType string, history []senaite.HistoryEntry, current string, untilChildren bool) []Step {
	start := 0
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].ReviewState == current {
			start = i + 1
			break
		}
	}
	state := current
	var steps []Step
	for _, h := range history[start:] {
		switch {
		case h.Action == "" || automatic[h.Action]:
			state = h.ReviewState
			continue
		case causedByChildren[portalType][h.Action]:
			if untilChildren {
				return steps
			}
			state = h.ReviewState
			continue
		case h.ReviewState == state:
			continue
		}
		steps = append(steps, Step{Transition: h.Action, ToState: h.ReviewState, Actor: h.Actor})
		state = h.ReviewState
	}
	return steps
}

// keepsAnalysesEditable are the sample transitions after which its
// analyses can still be written (a cancellation, a rejection lock them).
var keepsAnalysesEditable = map[string]bool{"receive": true}

// AnalysesStayEditable tells, from a source sample's history, whether its
// analyses are still writable once the replay has taken the sample up to
// what they cause: every transition of the sample before its first
// child-caused one keeps them editable. Their fields can then travel with
// their own first transition instead of in a request of their own.
func AnalysesStayEditable(history []senaite.HistoryEntry) bool {
	for _, h := range history {
		switch {
		case h.Action == "" || automatic[h.Action]:
		case causedByChildren["AnalysisRequest"][h.Action]:
			return true
		case !keepsAnalysesEditable[h.Action]:
			return false
		}
	}
	return true
}

// Verifying tells whether a transition must be performed by an account
// other than the submitter's (SENAITE refuses self-verification by default).
func Verifying(transition string) bool {
	return transition == "verify" || transition == "multi_verify" || transition == "retest"
}

// restoredAfter are fields a transition sets on the destination to its own
// instant (a sample's DateReceived at receive) and that stay writable
// afterwards: the source's value is written back right after the replay of
// that transition, so the lab's dates survive a migration.
var restoredAfter = map[string]map[string][]string{
	"AnalysisRequest": {"receive": {"DateReceived"}},
}

// RestoredAfter names the fields to write back after transition.
func RestoredAfter(portalType, transition string) []string {
	return restoredAfter[portalType][transition]
}

// SameContent tells whether a destination object carries what a create
// sent: every single value (text, number, flag) and every single reference
// of fields is there. It is how an object left behind by an interrupted
// create is recognised among its container's other objects — sibling
// samples share a client, a type and often an id pattern, never all their
// values. Titles are not compared: several types derive theirs from the
// destination's id.
func SameContent(fields map[string]any, it senaite.Item) bool {
	compared := 0
	for k, v := range fields {
		if k == "title" || k == "Analyses" {
			continue
		}
		switch x := v.(type) {
		case string:
			if refs.IsUID(x) {
				if got, _ := it.Ref(k); got != x {
					return false
				}
			} else if got := it.String(k); got != x && !sameTime(got, x) {
				return false
			}
			compared++
		case bool, float64:
			var got any
			if json.Unmarshal(it.Raw[k], &got) != nil || fmt.Sprint(got) != fmt.Sprint(x) {
				return false
			}
			compared++
		}
	}
	if compared == 0 {
		// only a title to go by (a batch label, say): it must be the same
		if title, ok := fields["title"].(string); ok {
			return it.String("title") == title
		}
	}
	return compared > 0 || len(fields) == 0
}

// sameTime compares two date strings as instants (the destination may
// answer another offset than the source sent).
func sameTime(a, b string) bool {
	ta, errA := senaite.ParseTime(a)
	tb, errB := senaite.ParseTime(b)
	return errA == nil && errB == nil && ta.Equal(tb)
}
