// Package queue is senaite-sync's work on NATS JetStream (ARCHITECTURE.md
// §3): work-queue streams; durable pull consumers, one per remote for
// fetch and import, which each worker process shares fairly between the
// remotes with work (fair.go), and one shared by the coordinators for
// ticks; explicit acks with a short AckWait kept alive by InProgress
// heartbeats; and Nats-Msg-Id on every publish so that a re-publish is
// deduplicated. Messages are at-least-once: handlers are
// idempotent, and the dead-lettering after MaxDeliver is ours (the store
// marks the object failed).
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/metrics"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Role names a stream and its consumer.
type Role string

// The roles of §3.
const (
	Fetch  Role = "fetch"
	Import Role = "import"
	Tick   Role = "tick"
)

// RemoteOf is the remote a work message's subject names (its last token,
// Subject): a worker's log lines say it before the message is read.
func RemoteOf(subject string) string { return subject[strings.LastIndexByte(subject, '.')+1:] }

// Names derives stream, subject and consumer names; Prefix isolates a
// deployment (or a test) on a shared server.
type Names struct {
	Prefix string
}

// Stream is the stream of a role: SYNC_FETCH, SYNC_IMPORT, SYNC_TICK.
func (n Names) Stream(r Role) string {
	return n.Prefix + map[Role]string{Fetch: "SYNC_FETCH", Import: "SYNC_IMPORT", Tick: "SYNC_TICK"}[r]
}

// Subject is the subject a role's message for a remote goes to.
func (n Names) Subject(r Role, remote string) string {
	return n.subjectBase(r) + "." + remote
}

func (n Names) subjectBase(r Role) string {
	base := "sync." + string(r)
	if n.Prefix != "" {
		base = n.Prefix + "." + base
	}
	return base
}

// Consumer is the durable consumer every process of a role shares: the
// tick role's; fetch and import had one before issue #13 (Setup retires
// it), and have one per remote now (RemoteConsumer).
func (n Names) Consumer(r Role) string { return n.Prefix + string(r) + "-workers" }

// Options tune delivery.
type Options struct {
	// AckWait is how long a message may stay unacknowledged before it is
	// redelivered; keep it short and call InProgress on slow work. The
	// default, 15 s, holds three of the workers' heartbeats (every 5 s) and
	// is what the work of a killed worker waits before another takes it
	// (an ID sequence waits with it).
	AckWait time.Duration
	// MaxDeliver bounds deliveries, a backstop only (default 100): the
	// workers dead-letter on the failures they count in PostgreSQL, since
	// a message is redelivered without having failed when NATS or the
	// database was away.
	MaxDeliver int
	// MaxAckPending bounds messages in flight across all processes, per
	// consumer: per remote for fetch and import (default 1000). The
	// workers' slots are what bound the work (each process holds at most
	// its concurrency, plus four messages per remote waiting for a slot);
	// this is a backstop against a runaway, high enough never to hold back
	// a lone remote that every process of a role works on.
	MaxAckPending int
	// Inactive is how long a remote's consumer lives without a pull or an
	// ack before JetStream deletes it (default 1 h): consumers exist for
	// the remotes active lately only, and a remote's messages outlive its
	// consumer (the stream keeps them until acknowledged).
	Inactive time.Duration
	// Duplicates is the Nats-Msg-Id deduplication window.
	Duplicates time.Duration
	// Memory keeps streams in memory (tests); production uses files.
	Memory bool
	// Replicas is how many servers of a cluster hold each stream (and its
	// consumers): with 3, the loss of one server loses no message and
	// stops no run (default 1; ClusterReplicas picks it from the server).
	// A stream created with fewer is moved to this count at start.
	Replicas int
}

func (o Options) withDefaults() Options {
	if o.AckWait <= 0 {
		o.AckWait = 15 * time.Second
	}
	if o.MaxDeliver <= 0 {
		o.MaxDeliver = 100
	}
	if o.MaxAckPending <= 0 {
		o.MaxAckPending = 1000
	}
	if o.Duplicates <= 0 {
		o.Duplicates = 2 * time.Minute
	}
	if o.Inactive <= 0 {
		o.Inactive = time.Hour
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	return o
}

// ClusterReplicas is the replica count a deployment's streams get by
// default: 3 when the server is part of a cluster of three or more (the
// servers it announces), else 1 — a single server cannot hold more.
func ClusterReplicas(nc *nats.Conn) int {
	if nc.ConnectedClusterName() != "" && len(nc.Servers()) >= 3 {
		return 3
	}
	return 1
}

// Setup creates or updates the streams and the tick consumer, and retires
// the consumer fetch and import shared before issue #13 (retireShared);
// the remotes' consumers are created by the workers that find messages
// for them (Work). Every process calls it at start, so it is idempotent.
func Setup(ctx context.Context, js jetstream.JetStream, n Names, o Options) error {
	o = o.withDefaults()
	storage := jetstream.FileStorage
	if o.Memory {
		storage = jetstream.MemoryStorage
	}
	for _, r := range []Role{Fetch, Import, Tick} {
		err := untilAnswered(ctx, func(ctx context.Context) error {
			_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
				Name:       n.Stream(r),
				Subjects:   []string{n.subjectBase(r) + ".>"},
				Retention:  jetstream.WorkQueuePolicy,
				Storage:    storage,
				Duplicates: o.Duplicates,
				Replicas:   o.Replicas,
			})
			return err
		})
		if err != nil {
			return fmt.Errorf("queue: stream %s with %d replicas (SENAITE_SYNC_NATS_REPLICAS): %w", n.Stream(r), o.Replicas, err)
		}
		if r != Tick {
			if err := retireShared(ctx, js, n, r); err != nil {
				return err
			}
			continue
		}
		err = untilAnswered(ctx, func(ctx context.Context) error {
			_, err := js.CreateOrUpdateConsumer(ctx, n.Stream(r), jetstream.ConsumerConfig{
				Durable:       n.Consumer(r),
				AckPolicy:     jetstream.AckExplicitPolicy,
				AckWait:       o.AckWait,
				MaxDeliver:    o.MaxDeliver,
				MaxAckPending: o.MaxAckPending,
				DeliverPolicy: jetstream.DeliverAllPolicy,
			})
			return err
		})
		if err != nil {
			return fmt.Errorf("queue: consumer %s: %w", n.Consumer(r), err)
		}
	}
	return nil
}

// setupPatience is how long Setup asks a stream again that does not
// answer: a cluster electing a leader, or moving a stream to more
// replicas (several seconds on nats-server 2.9, every process of a
// deployment asking at once).
const setupPatience = 2 * time.Minute

// untilAnswered runs a JetStream request until it is answered (an error
// that is not a timeout is an answer), with backoff, within setupPatience.
func untilAnswered(ctx context.Context, req func(context.Context) error) error {
	deadline := time.Now().Add(setupPatience)
	wait := 200 * time.Millisecond
	for {
		err := req(ctx)
		if err == nil || !unanswered(err) || ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// unanswered tells whether err is a JetStream request that no server
// answered (a stream or cluster without a leader, NATS away) rather than
// an answer.
func unanswered(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrDisconnected) ||
		errors.Is(err, jetstream.ErrNoHeartbeat)
}

// ErrDuplicate reports a publish the stream already had under that id.
var ErrDuplicate = errors.New("queue: duplicate message id")

// Publish sends payload with a message id; a re-publish of the same id
// inside the window is dropped by the server and reported as ErrDuplicate,
// which callers treat as success.
func Publish(ctx context.Context, js jetstream.JetStream, subject, msgID string, payload []byte) error {
	ack, err := js.Publish(ctx, subject, payload, jetstream.WithMsgID(msgID))
	if err != nil {
		if ctx.Err() == nil {
			metrics.PublishFailed()
			failed(opPublish, err)
		}
		return fmt.Errorf("queue: publish %s %s: %w", subject, msgID, err)
	}
	reached(opPublish)
	if ack.Duplicate {
		return ErrDuplicate
	}
	return nil
}

// Consumer returns a role's shared durable consumer (ticks).
func Consumer(ctx context.Context, js jetstream.JetStream, n Names, r Role) (jetstream.Consumer, error) {
	c, err := js.Consumer(ctx, n.Stream(r), n.Consumer(r))
	if err != nil {
		return nil, fmt.Errorf("queue: consumer %s: %w", n.Consumer(r), err)
	}
	return c, nil
}

// Heartbeat calls InProgress on msg every interval until the returned stop
// is called, so that slow work is not redelivered to another worker.
func Heartbeat(msg jetstream.Msg, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

// Serve consumes a shared consumer (ticks; fetch and import use Work)
// with at most concurrency handlers at once until ctx ends; it then stops
// pulling and waits for the handlers in flight, which finish, or leave
// their message unacknowledged for another worker. A handler that panics
// does not take the process (and every other message in flight) with it
// (run). It pulls as Work does (serving.pullLoop, one remote), not with
// Consume, whose lost pulls stalled it for 30 s.
func Serve(ctx context.Context, c jetstream.Consumer, concurrency int, handle func(context.Context, jetstream.Msg)) error {
	if concurrency <= 0 {
		concurrency = 4
	}
	info := c.CachedInfo()
	s := &serving{ctx: ctx, log: slog.Default(), o: Options{AckWait: info.Config.AckWait}.withDefaults(),
		prefetch: concurrency, handle: handle, share: newShare(concurrency)}
	err := s.pullLoop(ctx, s.log.With("consumer", info.Name), info.Name, c, &pull{})
	s.share.refuse()
	s.share.wait()
	if err != nil {
		return fmt.Errorf("queue: consumer %s: %w", info.Name, err)
	}
	return nil
}

// PanicRedelivery is how long a message whose handler panicked waits
// before its next delivery.
const PanicRedelivery = 2 * time.Second

// Msg is one message of a batch.
type Msg struct {
	Subject string
	ID      string
	Data    []byte
}

// PublishBatch publishes msgs without waiting for each acknowledgement in
// turn (JetStream async publish), then waits for all of them: a level of
// thousands of objects is one round of acks, not thousands. Duplicates
// (an id the stream already has) count as published.
func PublishBatch(parent context.Context, js jetstream.JetStream, msgs []Msg) (err error) {
	defer func() {
		switch {
		case err == nil:
			reached(opPublish)
		case parent.Err() == nil: // not this process stopping
			metrics.PublishFailed()
			failed(opPublish, err)
		}
	}()
	// an ack lost with a stream's leader (a server of the cluster gone)
	// never comes: bounded, the caller's fallback publishes again
	ctx, cancel := context.WithTimeout(parent, PublishTimeout)
	defer cancel()
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		f, err := js.PublishAsync(m.Subject, m.Data, jetstream.WithMsgID(m.ID))
		if err != nil {
			return fmt.Errorf("queue: publish %s %s: %w", m.Subject, m.ID, err)
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("queue: publish %s %s: %w", msgs[i].Subject, msgs[i].ID, err)
		case <-ctx.Done():
			return fmt.Errorf("queue: publish %s %s: no acknowledgement: %w", msgs[i].Subject, msgs[i].ID, ctx.Err())
		}
	}
	return nil
}

// PublishTimeout bounds the wait for a publish's acknowledgement: while a
// stream elects a new leader (a server of its cluster lost) an ack can be
// lost for good, and a handler waiting for it would hold its message, and
// its worker's slot, forever. JetStream's own async timeout is set to it
// too (JetStreamOptions).
const PublishTimeout = 10 * time.Second

// JetStreamOptions are the options every process's JetStream context
// takes: async publishes time out (PublishTimeout) instead of waiting for
// an ack that was lost.
func JetStreamOptions() []jetstream.JetStreamOpt {
	return []jetstream.JetStreamOpt{jetstream.WithPublishAsyncTimeout(PublishTimeout)}
}

// Outage is what OutlastOutage needs of the store.
type Outage interface {
	WaitAvailable(ctx context.Context, log *slog.Logger) (bool, error)
}

// OutlastOutage runs work, and when it fails while PostgreSQL is out of
// reach, waits for the database and runs it again, holding the message
// (its heartbeat keeps it): waiting for our own database must not spend
// the message's delivery budget, as waiting for a parent does not. An
// error the database was not behind is returned as it is.
func OutlastOutage(ctx context.Context, db Outage, log *slog.Logger, work func() error) error {
	for {
		err := work()
		if err == nil || ctx.Err() != nil || !store.Unavailable(err) {
			return err
		}
		waited, werr := db.WaitAvailable(ctx, log)
		if werr != nil {
			return err
		}
		if !waited {
			return err // it answers: the error was not an outage
		}
	}
}
