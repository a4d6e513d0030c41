package queue_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/queue/queuetest"
)

// connect uses the local nats-server (queuetest).
func connect(t *testing.T) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(queuetest.Conn(t))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func names(t *testing.T, js jetstream.JetStream) queue.Names {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	n := queue.Names{Prefix: "T" + hex.EncodeToString(b[:])}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, r := range []queue.Role{queue.Fetch, queue.Import, queue.Tick} {
			_ = js.DeleteStream(ctx, n.Stream(r))
		}
	})
	return n
}

func TestSetupIsIdempotent(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := queue.Setup(ctx, js, n, queue.Options{Memory: true}); err != nil {
			t.Fatalf("setup %d: %v", i, err)
		}
	}
	info, err := js.Stream(ctx, n.Stream(queue.Import))
	if err != nil {
		t.Fatal(err)
	}
	if cfg := info.CachedInfo().Config; cfg.Retention != jetstream.WorkQueuePolicy {
		t.Fatalf("retention %v", cfg.Retention)
	}
}

func TestPublishDeduplicatesByMessageID(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	ctx := context.Background()
	if err := queue.Setup(ctx, js, n, queue.Options{Memory: true}); err != nil {
		t.Fatal(err)
	}
	subj := n.Subject(queue.Import, "lab_a-to-lab_b")
	if err := queue.Publish(ctx, js, subj, "run1:uid1", []byte(`{"uid":"uid1"}`)); err != nil {
		t.Fatal(err)
	}
	if err := queue.Publish(ctx, js, subj, "run1:uid1", []byte(`{"uid":"uid1"}`)); !errors.Is(err, queue.ErrDuplicate) {
		t.Fatalf("re-publish: %v, want ErrDuplicate", err)
	}
	st, _ := js.Stream(ctx, n.Stream(queue.Import))
	info, _ := st.Info(ctx)
	if info.State.Msgs != 1 {
		t.Fatalf("%d messages in the stream, want 1", info.State.Msgs)
	}
}

// TestUnackedMessageIsRedelivered: a worker that dies before acking loses
// nothing; the next fetch gets the message again, counted as delivery 2.
func TestUnackedMessageIsRedelivered(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	ctx := context.Background()
	if err := queue.Setup(ctx, js, n, queue.Options{Memory: true, AckWait: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := queue.Publish(ctx, js, n.Subject(queue.Fetch, "r"), "m1", []byte("page")); err != nil {
		t.Fatal(err)
	}
	c, err := queue.EnsureRemoteConsumer(ctx, js, n, queue.Fetch, "r", queue.Options{AckWait: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	first := <-batch.Messages()
	if first == nil {
		t.Fatal("no message")
	}
	// no ack: the worker "died"
	batch, err = c.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	again := <-batch.Messages()
	if again == nil {
		t.Fatal("the unacked message was not redelivered")
	}
	md, _ := again.Metadata()
	if md.NumDelivered != 2 || string(again.Data()) != "page" {
		t.Fatalf("redelivery %d %q", md.NumDelivered, again.Data())
	}
	if err := again.Ack(); err != nil {
		t.Fatal(err)
	}
}

// TestServeSurvivesPanickingHandler: a handler that panics does not stop
// the worker; its message comes back and the next delivery is handled.
func TestServeSurvivesPanickingHandler(t *testing.T) {
	t.Parallel()
	js := connect(t)
	n := names(t, js)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := queue.Setup(ctx, js, n, queue.Options{Memory: true}); err != nil {
		t.Fatal(err)
	}
	if err := queue.Publish(ctx, js, n.Subject(queue.Fetch, "r"), "m1", []byte("page")); err != nil {
		t.Fatal(err)
	}
	w := &queue.Work{JS: js, Names: n, Role: queue.Fetch, Options: queue.Options{Memory: true}}
	handled := make(chan uint64, 1)
	served := make(chan error, 1)
	go func() {
		served <- w.Serve(ctx, 2, func(_ context.Context, msg jetstream.Msg) {
			md, _ := msg.Metadata()
			if md.NumDelivered == 1 {
				var m map[string]int
				m["boom"]++ // a nil-map panic, as a handler bug would
			}
			_ = msg.Ack()
			handled <- md.NumDelivered
		})
	}()
	select {
	case d := <-handled:
		if d != 2 {
			t.Fatalf("handled at delivery %d, want 2", d)
		}
	case err := <-served:
		t.Fatalf("Serve stopped: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the message was not redelivered after the panic")
	}
}
