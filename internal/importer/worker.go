package importer

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/metrics"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/runlog"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Worker consumes sync.import messages with bounded concurrency.
type Worker struct {
	Handler     *Handler
	Work        *queue.Work // the role's queue, shared fairly between remotes
	Concurrency int
	// MaxDeliver must match the consumer's: an object whose import keeps
	// failing is dead-lettered into PostgreSQL (state failed, last error).
	MaxDeliver int
	Log        *slog.Logger
}

// Run consumes until ctx ends; in-flight messages finish (or are released
// unacknowledged, to be redelivered) before it returns.
func (w *Worker) Run(ctx context.Context) error {
	return w.Work.Serve(ctx, w.Concurrency, w.handle)
}

func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) {
	var m Object
	if err := json.Unmarshal(msg.Data(), &m); err != nil {
		w.Log.ErrorContext(ctx, "import message unreadable", "error", err)
		metrics.Message("import", "unreadable")
		_ = msg.Term()
		return
	}
	ctx = runlog.Run(ctx, m.RunID, queue.RemoteOf(msg.Subject()))
	if md, _ := msg.Metadata(); md != nil && md.NumDelivered > 1 {
		metrics.Redelivered("import")
	}
	stop := queue.Heartbeat(msg, 5*time.Second)
	busy := false
	err := queue.OutlastOutage(ctx, w.Handler.Store, w.Log, func() error {
		release, ok, err := w.Handler.Store.LockObject(ctx, m.RemoteID, m.SourceUID)
		if err != nil || !ok {
			busy = err == nil
			return err
		}
		defer release()
		_, err = w.Handler.Import(ctx, m)
		return err
	})
	stop()
	log := w.Log.With("remote_id", m.RemoteID, "uid", m.SourceUID)
	switch {
	case busy:
		// another worker has it (this is a second delivery of a message
		// still worked on): not a failure; its outcome decides
		log.DebugContext(ctx, "import: another worker is on this object; later")
		metrics.Message("import", "busy")
		_ = msg.NakWithDelay(2 * time.Second)
	case err == nil:
		// settled, or parked on a dependency (Import): waiting never spends
		// the delivery budget, the coordinator publishes it again
		metrics.Message("import", "done")
		_ = msg.Ack()
	case ctx.Err() != nil:
		_ = msg.Nak()
	default:
		// the budget is the handler's own failures, not the deliveries: a
		// message redelivered while NATS or PostgreSQL was away did not fail
		failures, ferr := w.Handler.Store.ObjectFailed(ctx, m.RemoteID, m.SourceUID)
		if ferr != nil {
			failures = 1
			if md, _ := msg.Metadata(); md != nil {
				failures = int(md.NumDelivered)
			}
		}
		if w.MaxDeliver > 0 && failures >= w.MaxDeliver {
			log.ErrorContext(ctx, "import keeps failing; dead-lettered", "failures", failures, "error", err)
			metrics.Message("import", "dead_lettered")
			_ = w.Handler.Store.MarkObject(context.WithoutCancel(ctx), m.RemoteID, m.SourceUID,
				[]store.ObjState{store.ObjFetched, store.ObjWaiting}, store.ObjFailed, err.Error(), "")
			_ = msg.Term()
			return
		}
		log.WarnContext(ctx, "import failed; retrying", "failures", failures, "error", err)
		metrics.Message("import", "retried")
		_ = msg.NakWithDelay(time.Duration(failures*failures) * 200 * time.Millisecond)
	}
}
