package store_test

import (
	"context"
	"testing"
	"time"
)

func TestLeaseIsExclusiveAndTermScoped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	a, ok, err := s.AcquireLease(ctx, "coordinator", "a", 300*time.Millisecond)
	if err != nil || !ok || a.Term != 1 {
		t.Fatalf("a acquires: %+v %v %v", a, ok, err)
	}
	if _, ok, _ := s.AcquireLease(ctx, "coordinator", "b", time.Second); ok {
		t.Fatal("b took a held lease")
	}
	if a2, ok, _ := s.AcquireLease(ctx, "coordinator", "a", 300*time.Millisecond); !ok || a2.Term != 1 {
		t.Fatalf("the holder re-acquires within its term: %+v %v", a2, ok)
	}
	// wait (bounded) for a's lease to expire, then b takes over in a new term
	var b struct {
		term int64
		ok   bool
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !b.ok; {
		l, ok, err := s.AcquireLease(ctx, "coordinator", "b", time.Second)
		if err != nil {
			t.Fatal(err)
		}
		b.term, b.ok = l.Term, ok
		if !ok {
			time.Sleep(50 * time.Millisecond) // poll interval of a bounded wait for the expiry
		}
	}
	if !b.ok || b.term != 2 {
		t.Fatalf("b after expiry: term %d ok %v", b.term, b.ok)
	}
	if _, ok, _ := s.RenewLease(ctx, a, time.Second); ok {
		t.Fatal("a renewed a lease b holds")
	}
	if err := s.ReleaseLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.AcquireLease(ctx, "coordinator", "c", time.Second); ok {
		t.Fatal("a's stale release freed b's lease")
	}
}
