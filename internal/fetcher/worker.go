package fetcher

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/metrics"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/runlog"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Worker consumes sync.fetch messages with bounded concurrency.
type Worker struct {
	Handler     *Handler
	Work        *queue.Work // the role's queue, shared fairly between remotes
	Concurrency int
	// MaxDeliver must match the consumer's: the last delivery of a page
	// that keeps failing fails its run, naming the page.
	MaxDeliver int
	Log        *slog.Logger
}

// Run consumes until ctx ends; in-flight messages finish (or are released
// unacknowledged, to be redelivered) before it returns.
func (w *Worker) Run(ctx context.Context) error {
	return w.Work.Serve(ctx, w.Concurrency, w.handle)
}

func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) {
	var p Page
	if err := json.Unmarshal(msg.Data(), &p); err != nil {
		// a message nobody can read is terminated, not retried forever
		w.Log.ErrorContext(ctx, "fetch message unreadable", "error", err)
		metrics.Message("fetch", "unreadable")
		_ = msg.Term()
		return
	}
	ctx = runlog.Run(ctx, p.RunID.String(), queue.RemoteOf(msg.Subject()))
	if md, _ := msg.Metadata(); md != nil && md.NumDelivered > 1 {
		metrics.Redelivered("fetch")
	}
	stop := queue.Heartbeat(msg, 5*time.Second)
	err := queue.OutlastOutage(ctx, w.Handler.Store, w.Log, func() error {
		_, err := w.Handler.Handle(ctx, p)
		return err
	})
	stop()
	if err == nil {
		metrics.Message("fetch", "done")
		_ = msg.Ack()
		return
	}
	// the budget is the handler's own failures, not the deliveries
	attempt, ferr := 1, error(nil)
	if ctx.Err() == nil {
		attempt, ferr = w.Handler.Store.PageFailed(ctx, p.RunID, p.PortalType, p.BStart)
	}
	if ferr != nil || attempt == 0 {
		attempt = 1
		if md, _ := msg.Metadata(); md != nil {
			attempt = int(md.NumDelivered)
		}
	}
	log := w.Log.With("run_id", p.RunID, "portal_type", p.PortalType, "b_start", p.BStart, "attempt", attempt)
	if ctx.Err() != nil {
		_ = msg.Nak() // shutting down: let another fetcher take it
		return
	}
	if w.MaxDeliver > 0 && attempt >= w.MaxDeliver {
		log.ErrorContext(ctx, "page keeps failing; failing the run", "error", err)
		metrics.Message("fetch", "dead_lettered")
		reason := fmt.Sprintf("page %s b_start=%d failed %d times: %v", p.PortalType, p.BStart, attempt, err)
		if terr := w.Handler.Store.TransitionRun(context.WithoutCancel(ctx), p.RunID,
			[]store.RunStatus{store.StatusRunning}, store.StatusFailed, reason); terr != nil {
			log.WarnContext(ctx, "run not failed", "error", terr)
		}
		_ = msg.Term()
		return
	}
	log.WarnContext(ctx, "page failed; retrying", "error", err)
	metrics.Message("fetch", "retried")
	_ = msg.NakWithDelay(time.Duration(attempt*attempt) * 200 * time.Millisecond)
}
