package store_test

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// labWithSlots stores a lab and its first n slots.
func labWithSlots(t *testing.T, s *store.Store, n int) int64 {
	t.Helper()
	ctx := context.Background()
	in, err := s.CreateInstance(ctx, store.Instance{Name: "lab_a", URL: "http://127.0.0.1/lab_a", Username: "admin", Password: []byte("sealed")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureSlots(ctx, in.ID, n); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureSlots(ctx, in.ID, n); err != nil {
		t.Fatalf("ensuring the slots again: %v", err)
	}
	return in.ID
}

// TestClaimSlots: a lab's slots are leased to one holder at a time, never
// beyond the bound asked with, lowest first; a slot given back with nobody
// waiting is free for the next claim.
func TestClaimSlots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	lab := labWithSlots(t, s, 4)
	const ttl = time.Minute
	tests := []struct {
		name   string
		holder string
		n      int
		want   int
		known  []int
		got    []int
	}{
		{"the lowest free slots below the bound", "a", 2, 3, nil, []int{0, 1}},
		{"none left below that bound", "b", 2, 1, nil, []int{}},
		{"the bound grew: the next ones", "b", 3, 5, nil, []int{2}},
		{"a holder's own slots are not claimed twice", "a", 3, 1, []int{0, 1}, []int{}},
		{"slots beyond a shrunk bound are never claimed", "c", 1, 4, nil, []int{}},
	}
	for _, tt := range tests { // in order: each step builds on the last
		got, err := s.ClaimSlots(ctx, lab, tt.n, tt.holder, tt.want, tt.known, ttl)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		slices.Sort(got)
		if !reflect.DeepEqual(got, tt.got) && !(len(got) == 0 && len(tt.got) == 0) {
			t.Fatalf("%s: %s claimed %v, want %v", tt.name, tt.holder, got, tt.got)
		}
	}
	renewed, err := s.RenewSlots(ctx, lab, "a", ttl)
	if slices.Sort(renewed); err != nil || !reflect.DeepEqual(renewed, []int{0, 1}) {
		t.Fatalf("a renews %v (%v), want [0 1]", renewed, err)
	}
	if to, err := s.GiveSlot(ctx, lab, "a", 0, ttl, time.Minute); err != nil || to != "" {
		t.Fatalf("given back with nobody waiting: to %q (%v), want freed", to, err)
	}
	if to, err := s.GiveSlot(ctx, lab, "c", 1, ttl, time.Minute); err != nil || to != "" {
		t.Fatalf("c gave a slot it does not hold: to %q (%v)", to, err)
	}
	if got, err := s.ClaimSlots(ctx, lab, 4, "c", 4, nil, ttl); err != nil || !reflect.DeepEqual(got, []int{0, 3}) {
		t.Fatalf("c claims %v (%v), want the freed 0 and the never held 3", got, err)
	}
	if renewed, _ := s.RenewSlots(ctx, lab, "a", ttl); !reflect.DeepEqual(renewed, []int{1}) {
		t.Fatalf("a holds %v after giving 0 back, want [1]", renewed)
	}
}

// TestSlotLeasesExpire: the slots of a holder that stopped renewing (a
// process killed by SIGKILL) come back after their time to live, and the
// old holder can no longer renew them.
func TestSlotLeasesExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	lab := labWithSlots(t, s, 2)
	if got, err := s.ClaimSlots(ctx, lab, 2, "dead", 2, nil, 300*time.Millisecond); err != nil || len(got) != 2 {
		t.Fatalf("claim: %v %v", got, err)
	}
	var taken []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && len(taken) < 2; {
		got, err := s.ClaimSlots(ctx, lab, 2, "alive", 2-len(taken), taken, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		taken = append(taken, got...)
		if len(taken) < 2 {
			time.Sleep(50 * time.Millisecond) // poll interval of a bounded wait for the expiry
		}
	}
	if len(taken) != 2 {
		t.Fatalf("the expired slots were not taken over: %v", taken)
	}
	if renewed, err := s.RenewSlots(ctx, lab, "dead", time.Minute); err != nil || len(renewed) != 0 {
		t.Fatalf("the old holder renewed %v (%v)", renewed, err)
	}
	if to, _ := s.GiveSlot(ctx, lab, "dead", 0, time.Minute, time.Minute); to != "" {
		t.Fatalf("the old holder gave away a slot it lost, to %q", to)
	}
	if renewed, _ := s.RenewSlots(ctx, lab, "alive", time.Minute); len(renewed) != 2 {
		t.Fatalf("the new holder keeps %v", renewed)
	}
}

// TestGiveSlotToWaiters: a slot given back goes to the process waiting
// with the fewest slots, longest first, which finds it at its next claim;
// waiters that stopped asking are passed over; peers show who holds and
// who waits.
func TestGiveSlotToWaiters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	lab := labWithSlots(t, s, 3)
	const ttl, window = time.Minute, time.Minute
	if got, _ := s.ClaimSlots(ctx, lab, 3, "a", 3, nil, ttl); len(got) != 3 {
		t.Fatalf("a claims %v", got)
	}
	for _, w := range []string{"b", "c"} { // b waits first
		if err := s.WaitForSlots(ctx, lab, w); err != nil {
			t.Fatal(err)
		}
		if err := s.WaitForSlots(ctx, lab, w); err != nil { // asking again keeps its place
			t.Fatal(err)
		}
	}
	peers, err := s.SlotPeers(ctx, lab, "a", window)
	if want := []store.SlotPeer{{"b", 0, true}, {"c", 0, true}}; err != nil || !reflect.DeepEqual(peers, want) {
		t.Fatalf("a's peers %v (%v), want %v", peers, err, want)
	}
	for _, g := range []struct {
		slot int
		to   string
	}{{0, "b"}, {1, "c"}, {2, "b"}} { // longest first, then the one with fewer
		if to, err := s.GiveSlot(ctx, lab, "a", g.slot, ttl, window); err != nil || to != g.to {
			t.Fatalf("slot %d went to %q (%v), want %q", g.slot, to, err, g.to)
		}
	}
	got, err := s.ClaimSlots(ctx, lab, 3, "b", 1, []int{2}, ttl)
	if err != nil || !reflect.DeepEqual(got, []int{0}) {
		t.Fatalf("b finds %v (%v), want the handed slot 0 it did not know yet", got, err)
	}
	if err := s.StopWaitingForSlots(ctx, lab, "b"); err != nil {
		t.Fatal(err)
	}
	peers, _ = s.SlotPeers(ctx, lab, "c", window)
	if want := []store.SlotPeer{{"b", 2, false}}; !reflect.DeepEqual(peers, want) {
		t.Fatalf("c's peers %v, want %v", peers, want)
	}
	// c still waits, but asked too long ago to be counted: b's slot is freed
	if to, err := s.GiveSlot(ctx, lab, "b", 0, ttl, time.Nanosecond); err != nil || to != "" {
		t.Fatalf("given to a stale waiter %q (%v)", to, err)
	}
}

// TestClaimSlotsAtOnce: processes claiming together never share a slot
// nor exceed the bound.
func TestClaimSlotsAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	lab := labWithSlots(t, s, 3)
	var mu sync.Mutex
	owner := map[int]string{}
	var wg sync.WaitGroup
	for i := range 8 {
		holder := string(rune('a' + i))
		wg.Go(func() {
			var mine []int
			for range 5 {
				got, err := s.ClaimSlots(ctx, lab, 3, holder, 2, mine, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, slot := range got {
					if prev, ok := owner[slot]; ok {
						t.Errorf("slot %d claimed by %s and %s", slot, prev, holder)
					}
					owner[slot] = holder
				}
				mine = append(mine, got...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(owner) != 3 {
		t.Fatalf("%d slots leased, want the 3 of the bound: %v", len(owner), owner)
	}
}
