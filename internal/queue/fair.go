package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Fair share between remotes (issue #13, "many remotes at once").
//
// A role's stream (fetch, import) holds every remote's messages on
// subjects of their own, <base>.<remote>. One consumer shared by every
// remote hands them out in the order they were published, so a lab whose
// import level holds 100,000 messages holds back the fifty small labs
// queued behind it. Instead each remote has a durable consumer of its own
// on the same work-queue stream (filter <base>.<remote>; a work-queue
// stream requires filters that do not overlap, which is why the shared
// ">" consumer is retired by Setup), and each worker process shares its
// handler slots between the remotes that have work:
//
//   - Discovery asks NATS, not PostgreSQL: every Refresh (1 s), and when
//     a publisher wakes the role up for a remote without a pull loop here
//     (wake.go), one stream info request filtered on <base>.* returns the
//     number of messages each subject still holds, i.e. the remotes with
//     work (queued or in flight).
//   - Each such remote gets a pull loop asking for as many messages as
//     the process has free slots, at least one and at most four (a pull
//     waits at the server until messages come): a message leaves the
//     server when the process is about to run it, or holds it waiting for
//     a slot (kept alive by InProgress meanwhile; at most four per
//     remote), so nothing piles up in a process's buffer, and a message
//     published for a remote whose loop runs (the next head of an ID
//     sequence, the next level) arrives at once, without waiting for
//     discovery. A remote without messages and nothing in
//     flight for Linger (1 min) has its loop stopped;
//     its consumer is deleted by JetStream itself after an hour with no
//     pull and no ack (InactiveThreshold), so consumers exist for the
//     remotes active lately only. A remote whose consumer was deleted
//     while messages waited (no worker for an hour) loses nothing: the
//     messages stay in the work-queue stream until acknowledged, and the
//     consumer created again delivers them.
//   - With C slots and R remotes holding a message ready, a freed slot
//     goes to the waiting remote with the fewest messages in flight in
//     this process (ties: the one waiting longest): each remote gets
//     about C/R slots, and a remote with nothing ready leaves its share
//     to the others (work-conserving: a lone remote takes every slot).
//
// Waiting pulls of one message were measured against Consume and against
// FetchNoWait batches polled per remote (BenchmarkFairShare; the README's
// "Many remotes at once"). Delivery is unchanged — AckWait with the
// handlers' InProgress heartbeats, MaxDeliver as a backstop, explicit
// acks, at-least-once — and MaxAckPending now bounds each remote's
// messages in flight over all processes instead of every remote's
// together.

// RemoteConsumer is the durable consumer of one remote's messages of a
// role. Names of remotes are [a-z0-9_-]{1,64}, valid in consumer names.
func (n Names) RemoteConsumer(r Role, remote string) string {
	return n.Prefix + string(r) + "-" + remote
}

// remoteConsumerConfig is the one configuration every creator uses, so
// that workers of one deployment never flip a consumer between two.
func remoteConsumerConfig(n Names, r Role, remote string, o Options) jetstream.ConsumerConfig {
	o = o.withDefaults()
	return jetstream.ConsumerConfig{
		Durable:           n.RemoteConsumer(r, remote),
		FilterSubject:     n.Subject(r, remote),
		AckPolicy:         jetstream.AckExplicitPolicy,
		AckWait:           o.AckWait,
		MaxDeliver:        o.MaxDeliver,
		MaxAckPending:     o.MaxAckPending,
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		InactiveThreshold: o.Inactive,
	}
}

// EnsureRemoteConsumer creates (or brings to o) the durable consumer of a
// remote's messages of a role and returns it; idempotent, so any process
// that needs the consumer calls it.
func EnsureRemoteConsumer(ctx context.Context, js jetstream.JetStream, n Names, r Role, remote string, o Options) (jetstream.Consumer, error) {
	cfg := remoteConsumerConfig(n, r, remote, o)
	c, err := js.CreateOrUpdateConsumer(ctx, n.Stream(r), cfg)
	if err != nil {
		return nil, fmt.Errorf("queue: consumer %s: %w", cfg.Durable, err)
	}
	return c, nil
}

// retireShared deletes the consumer every remote shared before issue #13
// from a role's stream: per-remote consumers cannot be created beside it
// (their filters would overlap its ">"). Nothing is lost: a work-queue
// stream keeps every message until it is acknowledged, so what the shared
// consumer had delivered and not yet seen acknowledged is delivered again
// by the remote's own consumer — a handler of a process of the previous
// version still at work on it may then run beside a new one, which the
// idempotent handlers and the importer's object lock absorb. A consumer
// of that name with a filter of one remote is a remote's own (a remote
// named "workers") and stays.
func retireShared(ctx context.Context, js jetstream.JetStream, n Names, r Role) error {
	name := n.Consumer(r)
	c, err := js.Consumer(ctx, n.Stream(r), name)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue: consumer %s: %w", name, err)
	}
	info := c.CachedInfo()
	if f := info.Config.FilterSubject; f != "" && f != n.subjectBase(r)+".>" {
		return nil
	}
	if err := js.DeleteConsumer(ctx, n.Stream(r), name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("queue: retire shared consumer %s: %w", name, err)
	}
	slog.Info("queue: the shared consumer gave way to one consumer per remote; what it had delivered unacknowledged is delivered again",
		"consumer", name, "pending", info.NumPending, "ack_pending", info.NumAckPending)
	return nil
}

// Work is a role's queue as its workers take from it: the remotes' own
// consumers, shared fairly between the remotes with work (see above).
type Work struct {
	JS    jetstream.JetStream
	Names Names
	Role  Role
	// Options must be the deployment's (Setup's): they configure the
	// consumers this process creates.
	Options Options
	Log     *slog.Logger
	// Refresh is how often the stream is asked which remotes have
	// messages (default 1 s): the longest a remote new to this process
	// waits for its first message to be taken when the wake-up of its
	// publisher (Wake) was lost.
	Refresh time.Duration
	// Linger is how long a remote's pull stays open once it has no
	// messages and nothing in flight here (default 1 min), so that the
	// next level or sequence head of a run at work arrives at once.
	Linger time.Duration

	// prefetch bounds how many messages a remote's pull asks for at once
	// (default 4; BenchmarkFairShare compares others).
	prefetch int
}

// Serve takes messages with at most concurrency handlers at once, shared
// between remotes, until ctx ends; it then stops pulling, hands back the
// messages waiting for a slot (Nak) and waits for the handlers in flight,
// which finish, or leave their message unacknowledged for another worker.
// A handler that panics is recovered as in Serve.
func (w *Work) Serve(ctx context.Context, concurrency int, handle func(context.Context, jetstream.Msg)) error {
	if concurrency <= 0 {
		concurrency = 4
	}
	refresh, linger, prefetch := w.Refresh, w.Linger, w.prefetch
	if refresh <= 0 {
		refresh = time.Second
	}
	if linger <= 0 {
		linger = time.Minute
	}
	if prefetch <= 0 {
		prefetch = 4
	}
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	o := w.Options.withDefaults()
	stream, err := w.JS.Stream(ctx, w.Names.Stream(w.Role))
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", w.Names.Stream(w.Role), err)
	}
	s := &serving{w: w, ctx: ctx, log: log, o: o, prefetch: prefetch, handle: handle,
		share: newShare(concurrency), pulls: map[string]*pull{}}
	base := w.Names.subjectBase(w.Role) + "."
	t := time.NewTicker(refresh)
	defer t.Stop()
	woken, unsubscribe := w.wakes()
	defer unsubscribe()
	failing := 0
	for {
		if err := s.discover(stream, base, linger); err != nil && ctx.Err() == nil {
			if failing++; failing == 1 || failing%60 == 0 { // one line, then one a minute
				log.Warn("queue: looking for remotes with work", "stream", w.Names.Stream(w.Role), "failures", failing, "error", err)
			}
		} else {
			failing = 0
		}
		if !s.next(t.C, woken) {
			s.stop()
			return nil
		}
	}
}

// next waits for the next discovery: the Refresh, or a wake-up (Wake) for
// a remote without a pull loop here — one with a loop takes its messages
// as they come. False once Serve's context ends.
func (s *serving) next(tick <-chan time.Time, woken <-chan string) bool {
	for {
		select {
		case <-s.ctx.Done():
			return false
		case <-tick:
			return true
		case remote := <-woken:
			if p := s.pulls[remote]; p == nil || p.ended() {
				return true
			}
		}
	}
}

// serving is one Serve's state; only Serve's goroutine touches pulls.
type serving struct {
	w        *Work
	ctx      context.Context
	log      *slog.Logger
	o        Options
	prefetch int
	handle   func(context.Context, jetstream.Msg)
	share    *share
	pulls    map[string]*pull
	loops    sync.WaitGroup
}

// pull is one remote's pull loop.
type pull struct {
	cancel context.CancelFunc
	done   chan struct{}
	seen   atomic.Int64 // unix nanos: the remote last had messages or sent one
}

func (p *pull) ended() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// discover starts a pull loop for every remote with messages and stops
// the loops of remotes idle for linger.
func (s *serving) discover(stream jetstream.Stream, base string, linger time.Duration) error {
	info, err := stream.Info(s.ctx, jetstream.WithSubjectFilter(base+"*"))
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", s.w.Names.Stream(s.w.Role), err)
	}
	now := time.Now()
	var errs []error
	for subject, msgs := range info.State.Subjects {
		remote := strings.TrimPrefix(subject, base)
		if msgs == 0 || remote == "" {
			continue
		}
		p := s.pulls[remote]
		if p == nil || p.ended() { // new, or its consumer was deleted
			if p, err = s.open(remote); err != nil {
				errs = append(errs, err)
				continue
			}
			s.pulls[remote] = p
		}
		p.seen.Store(now.UnixNano())
	}
	for remote, p := range s.pulls {
		if p.ended() {
			delete(s.pulls, remote)
			continue
		}
		if now.Sub(time.Unix(0, p.seen.Load())) > linger && s.share.inFlight(remote) == 0 {
			p.cancel()
			delete(s.pulls, remote)
		}
	}
	return errors.Join(errs...)
}

// errWorkQueueOverlap is JetStream's refusal of a consumer whose filter
// overlaps another's on a work-queue stream (JSConsumerWQConsumerNotUniqueErr).
const errWorkQueueOverlap jetstream.ErrorCode = 10100

// open makes sure the remote's consumer exists and starts its pull loop.
// A process of the previous version that started while no remote had a
// consumer may have made the shared one again: it is retired again, so a
// deployment being upgraded ends with the remotes' consumers.
func (s *serving) open(remote string) (*pull, error) {
	c, err := EnsureRemoteConsumer(s.ctx, s.w.JS, s.w.Names, s.w.Role, remote, s.o)
	if apiErr := (*jetstream.APIError)(nil); errors.As(err, &apiErr) && apiErr.ErrorCode == errWorkQueueOverlap {
		if rerr := retireShared(s.ctx, s.w.JS, s.w.Names, s.w.Role); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		c, err = EnsureRemoteConsumer(s.ctx, s.w.JS, s.w.Names, s.w.Role, remote, s.o)
	}
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(s.ctx)
	p := &pull{cancel: cancel, done: make(chan struct{})}
	p.seen.Store(time.Now().UnixNano())
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		defer close(p.done)
		defer cancel()
		_ = s.pullLoop(ctx, s.log.With("remote", remote), remote, c, p)
	}()
	return p, nil
}

// pullLoop fetches the remote's messages — as many as the process has
// free slots, at least one and at most prefetch; a request waits at the
// server until messages come (or 30 s) — and hands each to a handler once
// the share gives it a slot; messages waiting for one are kept alive
// (InProgress), and the next request waits until they have their slot, so
// a remote never holds more than prefetch messages in this process beyond
// its slots. It ends with ctx (Serve's, or the remote's linger), or when
// the consumer is gone (discovery makes it again if messages remain;
// Serve reports it).
//
// Fetch rather than Consume: Consume of nats.go v1.55 can lose its next
// pull when a message of the new pull is handled before the pull's send
// is marked finished (pullSubscription.checkPending skips while
// fetchInProgress), and then waits for two missed heartbeats (30 s) —
// with one message per pull that happened every few thousand messages
// under the race detector.
func (s *serving) pullLoop(ctx context.Context, log *slog.Logger, remote string, c jetstream.Consumer, p *pull) error {
	for ctx.Err() == nil {
		batch, err := c.Fetch(max(1, min(s.prefetch, s.share.free())), jetstream.FetchContext(ctx))
		if err == nil {
			var waiting sync.WaitGroup
			for msg := range batch.Messages() {
				p.seen.Store(time.Now().UnixNano())
				wt, ok := s.share.acquire(remote)
				switch {
				case ok:
					go s.run(remote, msg)
				case wt == nil:
					_ = msg.Nak() // shutting down: another worker takes it now
				default:
					waiting.Add(1)
					go func() {
						defer waiting.Done()
						stop := Heartbeat(msg, s.o.AckWait/3)
						granted := s.share.await(s.ctx, wt)
						stop()
						if !granted {
							_ = msg.Nak()
							return
						}
						go s.run(remote, msg)
					}()
				}
			}
			waiting.Wait()
			err = batch.Error()
		}
		switch {
		case ctx.Err() != nil:
		case err == nil:
			reached(opPull)
		case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound):
			log.Debug("queue: consumer gone", "error", err)
			return err
		default:
			log.Debug("queue: pull", "error", err)
			if unanswered(err) {
				failed(opPull, err)
			}
			select { // NATS away: do not spin
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

// run handles msg on the slot it was given.
func (s *serving) run(remote string, msg jetstream.Msg) {
	defer s.share.release(remote)
	run(s.ctx, msg, s.handle)
}

// stop refuses further slots, ends every pull loop (messages waiting for
// a slot are handed back), and waits for them and the handlers in flight.
func (s *serving) stop() {
	s.share.refuse()
	for _, p := range s.pulls {
		p.cancel()
	}
	s.loops.Wait()
	s.share.wait()
}

// run calls handle, recovering a panic: the panic is logged with its
// stack and the message redelivered later, counting against its delivery
// budget, as River does with a job.
func run(ctx context.Context, msg jetstream.Msg, handle func(context.Context, jetstream.Msg)) {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("queue: handler panicked; message redelivered later", "subject", msg.Subject(),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			_ = msg.NakWithDelay(PanicRedelivery)
		}
	}()
	handle(ctx, msg)
}

// share divides a process's handler slots between remotes: a freed slot
// goes to the waiting remote with the fewest in flight, ties to the one
// waiting longest.
type share struct {
	mu       sync.Mutex
	idle     *sync.Cond // signalled when used drops to 0
	slots    int
	used     int
	inflight map[string]int
	waiting  []*waiter // at most prefetch per remote
	seq      uint64
	closed   bool
}

type waiter struct {
	remote  string
	seq     uint64
	granted chan struct{}
}

func newShare(slots int) *share {
	s := &share{slots: slots, inflight: map[string]int{}}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// acquire takes a slot for remote at once (ok), or queues a waiter for
// await (nil when the share is closed).
func (s *share) acquire(remote string) (*waiter, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	if s.used < s.slots { // then nobody waits: release hands freed slots on
		s.takeLocked(remote)
		return nil, true
	}
	w := &waiter{remote: remote, seq: s.seq, granted: make(chan struct{})}
	s.seq++
	s.waiting = append(s.waiting, w)
	return w, false
}

// await waits for w's grant; false when ctx ends first.
func (s *share) await(ctx context.Context, w *waiter) bool {
	select {
	case <-w.granted:
		return true
	case <-ctx.Done():
	}
	s.mu.Lock()
	for i, o := range s.waiting {
		if o == w {
			s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
			s.mu.Unlock()
			return false
		}
	}
	s.mu.Unlock()
	s.release(w.remote) // granted meanwhile: hand the slot on
	return false
}

func (s *share) takeLocked(remote string) {
	s.used++
	s.inflight[remote]++
}

// release gives remote's slot back, to the waiter the share favours.
func (s *share) release(remote string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used--
	if s.inflight[remote]--; s.inflight[remote] <= 0 {
		delete(s.inflight, remote)
	}
	if len(s.waiting) > 0 && !s.closed {
		best := 0
		for i, w := range s.waiting[1:] {
			a, b := s.inflight[w.remote], s.inflight[s.waiting[best].remote]
			if a < b || a == b && w.seq < s.waiting[best].seq {
				best = i + 1
			}
		}
		w := s.waiting[best]
		s.waiting = append(s.waiting[:best], s.waiting[best+1:]...)
		s.takeLocked(w.remote)
		close(w.granted)
	}
	if s.used == 0 {
		s.idle.Broadcast()
	}
}

// free is the number of slots nobody uses.
func (s *share) free() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slots - s.used
}

func (s *share) inFlight(remote string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight[remote]
}

// refuse makes acquire refuse further slots (Serve is ending).
func (s *share) refuse() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}

// wait returns once every slot is back.
func (s *share) wait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.used > 0 {
		s.idle.Wait()
	}
}
