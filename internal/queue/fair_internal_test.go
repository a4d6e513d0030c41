package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestShareFavoursTheRemoteWithFewestInFlight: a freed slot goes to the
// waiting remote with the fewest messages in flight, ties to the one
// waiting longest; a lone remote takes every slot.
func TestShareFavoursTheRemoteWithFewestInFlight(t *testing.T) {
	s := newShare(3)
	for i := 0; i < 3; i++ { // a lone remote takes every slot
		if _, ok := s.acquire("big"); !ok {
			t.Fatalf("slot %d refused with nobody else waiting", i)
		}
	}
	wBig, _ := s.acquire("big")
	wA, _ := s.acquire("a")
	wB, _ := s.acquire("b")
	wA2, _ := s.acquire("a")
	granted := func(w *waiter) bool {
		select {
		case <-w.granted:
			return true
		default:
			return false
		}
	}
	s.release("big") // a (0 in flight) waited before b (0)
	if !granted(wA) || granted(wB) || granted(wBig) || granted(wA2) {
		t.Fatal("the first slot freed did not go to a")
	}
	s.release("big") // b has 0, a 1, big 1
	if !granted(wB) || granted(wBig) || granted(wA2) {
		t.Fatal("the second slot freed did not go to b")
	}
	s.release("big") // big 0, a 1: big
	if !granted(wBig) || granted(wA2) {
		t.Fatal("the third slot freed did not go to big, now with none in flight")
	}
	s.release("a")
	if !granted(wA2) {
		t.Fatal("the last waiter was not served")
	}
	if s.used != 3 || s.inflight["a"] != 1 || s.inflight["b"] != 1 || s.inflight["big"] != 1 {
		t.Fatalf("in flight %v, used %d", s.inflight, s.used)
	}
	s.refuse()
	if w, ok := s.acquire("c"); ok || w != nil {
		t.Fatal("a refusing share gave a slot")
	}
	for _, r := range []string{"a", "b", "big"} {
		s.release(r)
	}
	s.wait()
}

// BenchmarkFairShare compares the CPU that taking messages costs with
// the one consumer every remote shared before (Serve, for reference) and
// with ways of pulling per remote, each sharing the slots the same way:
// Work's waiting Fetch of up to four messages (shipped) or of one, Consume with
// PullMaxMessages(1), and FetchNoWait batches of the free share polled
// round-robin. Ten remotes of 2,000 messages each, 8 slots, a handler
// that only acks; the client's CPU (this process) and the local
// nats-server's (from /proc) per message.
//
//	go test -run - -bench FairShare -benchtime 3x ./internal/queue
func BenchmarkFairShare(b *testing.B) {
	const remotes, per, slots = 10, 2000, 8
	for _, mode := range []string{"shared-before", "fetch1", "fetch", "consume", "fetchnowait"} {
		b.Run(mode, func(b *testing.B) {
			nc, err := nats.Connect("nats://127.0.0.1:4222")
			if err != nil {
				b.Skipf("nats-server not available: %v", err)
			}
			defer nc.Close()
			js, _ := jetstream.New(nc)
			ctx := context.Background()
			var cpuClient, cpuServer time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var rb [4]byte
				_, _ = rand.Read(rb[:])
				n := Names{Prefix: "B" + hex.EncodeToString(rb[:])}
				o := Options{Memory: true}
				if err := Setup(ctx, js, n, o); err != nil {
					b.Fatal(err)
				}
				var msgs []Msg
				for r := 0; r < remotes; r++ {
					for k := 0; k < per; k++ {
						msgs = append(msgs, Msg{Subject: n.Subject(Import, fmt.Sprint("r", r)), ID: fmt.Sprint(r, "-", k), Data: []byte("x")})
					}
				}
				if err := PublishBatch(ctx, js, msgs); err != nil {
					b.Fatal(err)
				}
				var handled atomic.Int64
				all := make(chan struct{})
				handle := func(_ context.Context, m jetstream.Msg) {
					_ = m.Ack()
					if handled.Add(1) == remotes*per {
						close(all)
					}
				}
				c0, s0 := processCPU(), serverCPU()
				b.StartTimer()
				sctx, cancel := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() {
					defer close(done)
					switch mode {
					case "shared-before": // one consumer for every remote, as before issue #13
						c, err := js.CreateOrUpdateConsumer(ctx, n.Stream(Import), jetstream.ConsumerConfig{Durable: n.Consumer(Import),
							AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 1000})
						if err != nil {
							panic(err)
						}
						benchSharedConsume(sctx, c, slots, handle)
					case "fetch":
						_ = (&Work{JS: js, Names: n, Role: Import, Options: o}).Serve(sctx, slots, handle)
					case "fetch1":
						_ = (&Work{JS: js, Names: n, Role: Import, Options: o, prefetch: 1}).Serve(sctx, slots, handle)
					case "consume":
						benchConsume(sctx, js, n, o, remotes, slots, handle)
					case "fetchnowait":
						benchFetchNoWait(sctx, js, n, o, remotes, slots, handle)
					}
				}()
				select {
				case <-all:
				case <-time.After(2 * time.Minute):
					b.Fatalf("%s: %d of %d handled", mode, handled.Load(), remotes*per)
				}
				cancel()
				<-done
				b.StopTimer()
				cpuClient += processCPU() - c0
				cpuServer += serverCPU() - s0
				for _, r := range []Role{Fetch, Import, Tick} {
					_ = js.DeleteStream(ctx, n.Stream(r))
				}
				b.StartTimer()
			}
			total := float64(b.N * remotes * per)
			b.ReportMetric(float64(cpuClient.Microseconds())/total, "client-µs/msg")
			b.ReportMetric(float64(cpuServer.Microseconds())/total, "server-µs/msg")
		})
	}
}

// benchSharedConsume is Serve as it was before issue #13: Consume of the
// one shared consumer, twice the slots buffered.
func benchSharedConsume(ctx context.Context, c jetstream.Consumer, slots int, handle func(context.Context, jetstream.Msg)) {
	sem := make(chan struct{}, slots)
	cc, err := c.Consume(func(msg jetstream.Msg) {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			run(ctx, msg, handle)
		}()
	}, jetstream.PullMaxMessages(slots*2))
	if err != nil {
		panic(err)
	}
	<-ctx.Done()
	cc.Drain()
	for i := 0; i < cap(sem); i++ {
		sem <- struct{}{}
	}
}

// benchConsume is the share over Consume with one message per pull.
func benchConsume(ctx context.Context, js jetstream.JetStream, n Names, o Options, remotes, slots int, handle func(context.Context, jetstream.Msg)) {
	s := &serving{ctx: ctx, o: o.withDefaults(), share: newShare(slots), handle: handle}
	var ccs []jetstream.ConsumeContext
	for r := 0; r < remotes; r++ {
		remote := fmt.Sprint("r", r)
		c, err := EnsureRemoteConsumer(ctx, js, n, Import, remote, o)
		if err != nil {
			panic(err)
		}
		cc, err := c.Consume(func(msg jetstream.Msg) {
			wt, ok := s.share.acquire(remote)
			if !ok && (wt == nil || !s.share.await(ctx, wt)) {
				_ = msg.Nak()
				return
			}
			go s.run(remote, msg)
		}, jetstream.PullMaxMessages(1), jetstream.PullExpiry(2*time.Second)) // a lost pull waits two heartbeats
		if err != nil {
			panic(err)
		}
		ccs = append(ccs, cc)
	}
	<-ctx.Done()
	s.share.refuse()
	for _, cc := range ccs {
		cc.Stop()
	}
	s.share.wait()
}

// benchFetchNoWait is the share over FetchNoWait: round-robin over the
// remotes, each asked for the free slots up to its share.
func benchFetchNoWait(ctx context.Context, js jetstream.JetStream, n Names, o Options, remotes, slots int, handle func(context.Context, jetstream.Msg)) {
	s := &serving{ctx: ctx, o: o.withDefaults(), share: newShare(slots), handle: handle}
	var cs []jetstream.Consumer
	for r := 0; r < remotes; r++ {
		c, err := EnsureRemoteConsumer(ctx, js, n, Import, fmt.Sprint("r", r), o)
		if err != nil {
			panic(err)
		}
		cs = append(cs, c)
	}
	freed := make(chan struct{}, slots)
	for next := 0; ctx.Err() == nil; {
		got := 0
		for range cs {
			r := next % len(cs)
			next++
			s.share.mu.Lock()
			free, share := s.share.slots-s.share.used, max(1, slots/len(cs))-s.share.inflight[fmt.Sprint("r", r)]
			s.share.mu.Unlock()
			if k := min(free, max(share, 1)); k > 0 {
				batch, err := cs[r].FetchNoWait(k)
				if err != nil {
					continue
				}
				for msg := range batch.Messages() {
					got++
					remote := fmt.Sprint("r", r)
					wt, ok := s.share.acquire(remote)
					if !ok && (wt == nil || !s.share.await(ctx, wt)) {
						_ = msg.Nak()
						continue
					}
					go func() {
						defer func() {
							s.share.release(remote)
							select {
							case freed <- struct{}{}:
							default:
							}
						}()
						run(ctx, msg, handle)
					}()
				}
			}
		}
		if got == 0 { // nothing anywhere, or every slot taken: wait for a slot or poll again
			select {
			case <-freed:
			case <-time.After(50 * time.Millisecond):
			case <-ctx.Done():
			}
		}
		for len(freed) > 0 {
			<-freed
		}
	}
	s.share.refuse()
	s.share.wait()
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var serverPID = sync.OnceValue(func() string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		if comm, err := os.ReadFile(d + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "nats-server" {
			return filepath.Base(d)
		}
	}
	return ""
})

// serverCPU is the local nats-server's CPU time (0 when not found).
func serverCPU() time.Duration {
	pid := serverPID()
	if pid == "" {
		return 0
	}
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64) // utime, stime: fields 14 and 15
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ 100
}
