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
// first of each sequence (store.LevelPending); the importer that settles
// one publishes the next (Sequencer) — keys proceed in parallel, each at
// the pace of its own creates. A settled object is any outcome: created, linked, skipped,
// failed or parked (a parked one's id is lost; the others keep theirs).

// MessageID is the Nats-Msg-Id of an object's import message: the stream
// drops a re-publish of one still queued; it changes with the object's
// attempts, so that an object parked or put back is delivered again.
func MessageID(runID string, p store.Pending) string {
	return fmt.Sprintf("import:%s:%s:%d", runID, p.SourceUID, p.Attempts)
}

// Sequencer publishes the next object of an ID sequence once one is
// settled: the importer's side of store.LevelPending.
type Sequencer struct {
	JS    jetstream.JetStream
	Names queue.Names
}

// next publishes the head of an object's ID sequence, if any is left.
func (s *Sequencer) next(ctx context.Context, st *store.Store, rm store.Remote, runID, key string) error {
	if s == nil || s.JS == nil || key == "" {
		return nil
	}
	head, ok, err := st.SequenceHead(ctx, rm.ID, key)
	if err != nil || !ok {
		return err
	}
	raw, _ := json.Marshal(Object{RemoteID: rm.ID, SourceUID: head.SourceUID, RunID: runID})
	return queue.Publish(ctx, s.JS, s.Names.Subject(queue.Import, rm.Name), MessageID(runID, head), raw)
}
