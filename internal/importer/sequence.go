package importer

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// The objects of one ID sequence (store.Pending.Sequence: a sample type's
// samples, the worksheets, a sample's partitions) are created one at a
// time, in the source's order, so that the destination's ID server gives
// them the source's ids (internal/ids). The coordinator publishes only the
// first of each sequence (store.ReadyPending); the importer that settles
// one publishes the next (Sequencer) — keys proceed in parallel, each at
// the pace of its own creates. A settled object is any outcome: created,
// linked, skipped, failed or parked on what this import will not bring (a
// parked one's id is lost; the others keep theirs). One waiting for an
// arrival keeps its turn: the sequence goes on when it is woken.

// MessageID is the Nats-Msg-Id of an object's import message: the stream
// drops a re-publish of one still queued; it changes with the object's
// attempts, so that an object parked or put back is delivered again.
func MessageID(runID string, p store.Pending) string {
	return fmt.Sprintf("import:%s:%s:%d", runID, p.SourceUID, p.Attempts)
}

// Sequencer publishes what a settled object lets go: the next object of
// its ID sequence, the objects that waited for its arrival, its children
// (store.Settled) — the importer's side of store.ReadyPending, so that an
// import moves at the pace of its objects, not of the coordinator's
// listings.
type Sequencer struct {
	JS    jetstream.JetStream
	Names queue.Names
}

// letGoLimit bounds the children one settled object publishes (a client
// folder's thousands of clients): the coordinator's listing takes the rest.
const letGoLimit = 2000

// publish publishes import messages of a remote's objects; without a
// stream (a test's handler) the coordinator's listing publishes them.
func (s *Sequencer) publish(ctx context.Context, rm store.Remote, runID string, objects []store.Pending) error {
	if s == nil || s.JS == nil || len(objects) == 0 {
		return nil
	}
	subject := s.Names.Subject(queue.Import, rm.Name)
	msgs := make([]queue.Msg, len(objects))
	for i, p := range objects {
		raw, _ := json.Marshal(Object{RemoteID: rm.ID, SourceUID: p.SourceUID, RunID: runID})
		msgs[i] = queue.Msg{Subject: subject, ID: MessageID(runID, p), Data: raw}
	}
	return queue.PublishBatch(ctx, s.JS, msgs)
}
