package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/queue"
)

// publish puts n messages for remote on a role's stream, ids remote-i.
func publish(t *testing.T, js jetstream.JetStream, n queue.Names, r queue.Role, remote string, count int) {
	t.Helper()
	msgs := make([]queue.Msg, count)
	for i := range msgs {
		id := fmt.Sprintf("%s-%d", remote, i)
		msgs[i] = queue.Msg{Subject: n.Subject(r, remote), ID: id, Data: []byte(id)}
	}
	if err := queue.PublishBatch(context.Background(), js, msgs); err != nil {
		t.Fatal(err)
	}
}

// serve runs w.Serve until the test ends.
func serve(t *testing.T, w *queue.Work, slots int, handle func(context.Context, jetstream.Msg)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Serve(ctx, slots, handle) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
}

// ledger records the messages a worker handled, in order.
type ledger struct {
	mu    sync.Mutex
	order []string // remote of each handled message
	ids   map[string]int
}

func (l *ledger) add(remote, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ids == nil {
		l.ids = map[string]int{}
	}
	l.order = append(l.order, remote)
	l.ids[id]++
}

func (l *ledger) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.order)
}

// waitFor polls cond (bounded) on observed state.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
	}
}

// TestSmallRemotesAreNotQueuedBehindABigOne: one remote holds 5,000
// messages, five remotes 20 each published after it; a worker with 8
// slots handles every small remote's messages before it has handled 500
// of the big one's (a shared FIFO consumer would handle all 5,000 first),
// and every message exactly once.
func TestSmallRemotesAreNotQueuedBehindABigOne(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	ctx := context.Background()
	if err := queue.Setup(ctx, js, n, queue.Options{Memory: true}); err != nil {
		t.Fatal(err)
	}
	const big, small, smalls = 5000, 20, 5
	publish(t, js, n, queue.Import, "big", big)
	for i := 0; i < smalls; i++ {
		publish(t, js, n, queue.Import, fmt.Sprintf("small%d", i), small)
	}
	var l ledger
	w := &queue.Work{JS: js, Names: n, Role: queue.Import, Options: queue.Options{Memory: true}}
	serve(t, w, 8, func(_ context.Context, msg jetstream.Msg) {
		time.Sleep(time.Millisecond) // the handler's work: a lab's answer
		remote := msg.Subject()[len(n.Subject(queue.Import, "")):]
		if err := msg.Ack(); err != nil {
			t.Errorf("ack: %v", err)
		}
		l.add(remote, string(msg.Data()))
	})
	start := time.Now()
	waitFor(t, 60*time.Second, "every message handled", func() bool { return l.len() >= big+smalls*small })
	t.Logf("handled in %s", time.Since(start))

	l.mu.Lock()
	defer l.mu.Unlock()
	bigSeen, smallSeen, bigWhenSmallDone := 0, 0, -1
	for _, remote := range l.order {
		if remote == "big" {
			bigSeen++
			continue
		}
		if smallSeen++; smallSeen == smalls*small {
			bigWhenSmallDone = bigSeen
		}
	}
	t.Logf("the big remote's messages handled when the small remotes' were done: %d of %d", bigWhenSmallDone, big)
	if bigWhenSmallDone < 0 || bigWhenSmallDone >= 500 {
		t.Errorf("the small remotes finished after %d of the big remote's messages, want fewer than 500", bigWhenSmallDone)
	}
	if len(l.ids) != big+smalls*small {
		t.Errorf("%d distinct messages handled, want %d", len(l.ids), big+smalls*small)
	}
	for id, times := range l.ids {
		if times != 1 {
			t.Errorf("message %s handled %d times", id, times)
		}
	}
}

// TestKilledWorkersMessagesAreRedelivered: a worker process dies (its
// connection closes) holding messages it never acknowledged; another
// worker gets them after AckWait, as deliveries 2 and later.
func TestKilledWorkersMessagesAreRedelivered(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	ctx := context.Background()
	o := queue.Options{Memory: true, AckWait: 500 * time.Millisecond}
	if err := queue.Setup(ctx, js, n, o); err != nil {
		t.Fatal(err)
	}
	publish(t, js, n, queue.Fetch, "r", 3)

	nc1, err := nats.Connect("nats://127.0.0.1:4222")
	if err != nil {
		t.Fatal(err)
	}
	js1, _ := jetstream.New(nc1)
	held := make(chan string, 3)
	release := make(chan struct{})
	ctx1, cancel1 := context.WithCancel(ctx)
	done1 := make(chan error, 1)
	go func() {
		done1 <- (&queue.Work{JS: js1, Names: n, Role: queue.Fetch, Options: o}).Serve(ctx1, 4, func(_ context.Context, msg jetstream.Msg) {
			held <- string(msg.Data())
			<-release // the process dies before it acknowledges
		})
	}()
	for i := 0; i < 3; i++ {
		select {
		case <-held:
		case <-time.After(20 * time.Second):
			t.Fatal("the first worker did not get the messages")
		}
	}
	nc1.Close() // killed

	var l ledger
	serve(t, &queue.Work{JS: js, Names: n, Role: queue.Fetch, Options: o}, 4, func(_ context.Context, msg jetstream.Msg) {
		md, _ := msg.Metadata()
		if md == nil || md.NumDelivered < 2 {
			t.Errorf("message %s at delivery %v, want a redelivery", msg.Data(), md)
		}
		_ = msg.Ack()
		l.add("r", string(msg.Data()))
	})
	waitFor(t, 20*time.Second, "the dead worker's messages redelivered", func() bool { return l.len() >= 3 })
	close(release)
	cancel1()
	select {
	case <-done1:
	case <-time.After(20 * time.Second):
		t.Fatal("the dead worker's Serve did not return")
	}
}

// TestSetupRetiresTheSharedConsumer: a stream set up before issue #13
// has one consumer shared by every remote, with messages delivered and
// not acknowledged (a worker of the old version at work). Setup deletes
// it; the remotes' own consumers deliver every message, those again; a
// second Setup changes nothing, and a remote named "workers" keeps its
// consumer.
func TestSetupRetiresTheSharedConsumer(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	ctx := context.Background()
	o := queue.Options{Memory: true}
	if err := queue.Setup(ctx, js, n, o); err != nil {
		t.Fatal(err)
	}
	// the consumer as the previous version's Setup made it
	old, err := js.CreateOrUpdateConsumer(ctx, n.Stream(queue.Import), jetstream.ConsumerConfig{
		Durable: n.Consumer(queue.Import), AckPolicy: jetstream.AckExplicitPolicy, AckWait: 15 * time.Second,
		MaxDeliver: 100, MaxAckPending: 1000, DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, js, n, queue.Import, "a", 5)
	publish(t, js, n, queue.Import, "workers", 5)
	batch, err := old.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	inFlight := 0
	for range batch.Messages() {
		inFlight++ // an old worker holds them
	}
	if inFlight != 3 {
		t.Fatalf("the old consumer delivered %d, want 3", inFlight)
	}

	if err := queue.Setup(ctx, js, n, o); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Consumer(ctx, n.Stream(queue.Import), n.Consumer(queue.Import)); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatalf("the shared consumer is still there: %v", err)
	}
	var l ledger
	serve(t, &queue.Work{JS: js, Names: n, Role: queue.Import, Options: o}, 4, func(_ context.Context, msg jetstream.Msg) {
		_ = msg.Ack()
		l.add(msg.Subject(), string(msg.Data()))
	})
	waitFor(t, 20*time.Second, "every message handled", func() bool { return l.len() >= 10 })
	// "workers" is also the shared consumer's name without the role: the
	// remote's own consumer (role-remote) must survive a Setup
	if err := queue.Setup(ctx, js, n, o); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Consumer(ctx, n.Stream(queue.Import), n.RemoteConsumer(queue.Import, "workers")); err != nil {
		t.Fatalf("the consumer of remote workers: %v", err)
	}
	if len(l.ids) != 10 {
		t.Fatalf("%d distinct messages handled, want 10", len(l.ids))
	}
}

// TestSharedConsumerMadeAgainIsRetired: a worker of the previous version
// that starts while no remote has a consumer makes the shared one again;
// the workers of this version retire it again and take the messages.
func TestSharedConsumerMadeAgainIsRetired(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	ctx := context.Background()
	o := queue.Options{Memory: true}
	if err := queue.Setup(ctx, js, n, o); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, n.Stream(queue.Fetch), jetstream.ConsumerConfig{
		Durable: n.Consumer(queue.Fetch), AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	publish(t, js, n, queue.Fetch, "a", 3)
	var l ledger
	serve(t, &queue.Work{JS: js, Names: n, Role: queue.Fetch, Options: o}, 2, func(_ context.Context, msg jetstream.Msg) {
		_ = msg.Ack()
		l.add("a", string(msg.Data()))
	})
	waitFor(t, 20*time.Second, "the messages handled", func() bool { return l.len() == 3 })
	if _, err := js.Consumer(ctx, n.Stream(queue.Fetch), n.Consumer(queue.Fetch)); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatalf("the shared consumer made again is still there: %v", err)
	}
}

// TestIdleRemoteConsumerIsDeletedAndComesBack: a remote's consumer is
// deleted by JetStream once idle past Inactive, and made again when the
// remote has messages again.
func TestIdleRemoteConsumerIsDeletedAndComesBack(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	ctx := context.Background()
	o := queue.Options{Memory: true, Inactive: time.Second}
	if err := queue.Setup(ctx, js, n, o); err != nil {
		t.Fatal(err)
	}
	var l ledger
	w := &queue.Work{JS: js, Names: n, Role: queue.Fetch, Options: o, Refresh: 100 * time.Millisecond, Linger: 100 * time.Millisecond}
	serve(t, w, 2, func(_ context.Context, msg jetstream.Msg) {
		_ = msg.Ack()
		l.add("r", string(msg.Data()))
	})
	publish(t, js, n, queue.Fetch, "r", 1)
	waitFor(t, 10*time.Second, "the first message handled", func() bool { return l.len() == 1 })
	waitFor(t, 15*time.Second, "the idle consumer deleted", func() bool {
		_, err := js.Consumer(ctx, n.Stream(queue.Fetch), n.RemoteConsumer(queue.Fetch, "r"))
		return errors.Is(err, jetstream.ErrConsumerNotFound)
	})
	if err := queue.Publish(ctx, js, n.Subject(queue.Fetch, "r"), "again", []byte("again")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the message after the consumer's deletion handled", func() bool { return l.len() == 2 })
}

// TestWakeTakesANewRemoteAtOnce: a worker asks the stream which remotes
// have messages only every Refresh — here an hour — so a remote that gets
// its first messages after the worker looked is taken only because its
// publisher woke the role up (Wake): a run's first messages no longer wait
// for the next Refresh while the lab sits idle.
func TestWakeTakesANewRemoteAtOnce(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	if err := queue.Setup(context.Background(), js, n, queue.Options{Memory: true}); err != nil {
		t.Fatal(err)
	}
	// the first discovery finds "before": once it is handled, the worker
	// has looked, and the next look is an hour away
	publish(t, js, n, queue.Import, "before", 1)
	var l ledger
	w := &queue.Work{JS: js, Names: n, Role: queue.Import, Options: queue.Options{Memory: true}, Refresh: time.Hour}
	serve(t, w, 4, func(_ context.Context, msg jetstream.Msg) {
		if err := msg.Ack(); err != nil {
			t.Errorf("ack: %v", err)
		}
		l.add(msg.Subject()[len(n.Subject(queue.Import, "")):], string(msg.Data()))
	})
	waitFor(t, 20*time.Second, "the remote published before the worker started handled", func() bool { return l.len() == 1 })

	publish(t, js, n, queue.Import, "after", 3)
	queue.Wake(js, n, queue.Import, "after")
	waitFor(t, 20*time.Second, "the woken remote's messages handled", func() bool { return l.len() == 4 })
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range []string{"after-0", "after-1", "after-2"} {
		if l.ids[id] != 1 {
			t.Errorf("message %s handled %d times, want once", id, l.ids[id])
		}
	}
}
