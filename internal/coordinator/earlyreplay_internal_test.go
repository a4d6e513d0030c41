package coordinator

import (
	"testing"
	"time"
)

// TestEarlyListingGap: listings of ready families follow each other at
// earlyGap while few families went, a second apart once enough are in
// hand, five times their own cost when that is more — never more than
// earlyIdleGap while the lab waits for families.
func TestEarlyListingGap(t *testing.T) {
	for _, c := range []struct {
		name      string
		took      time.Duration
		inHand    int
		listedAny bool
		finishing bool
		want      time.Duration
	}{
		{"first listing", 5 * time.Millisecond, 0, false, false, earlyGap},
		{"few in hand", 5 * time.Millisecond, earlyLowWater - 1, true, false, earlyGap},
		{"enough in hand", 5 * time.Millisecond, earlyLowWater, true, false, earlyListEvery},
		{"finishing", 5 * time.Millisecond, earlyConcurrency, true, true, earlyGap},
		{"costly listing", 2 * time.Second, earlyConcurrency, true, false, 10 * time.Second},
		{"costly listing, few in hand", 2 * time.Second, 3, true, false, earlyIdleGap},
	} {
		if got := earlyListingGap(c.took, c.inHand, c.listedAny, c.finishing); got != c.want {
			t.Errorf("%s: earlyListingGap = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestEarlyListingDue: a listing waits for its gap, and for the backlog
// to run below the threads free and half a listing.
func TestEarlyListingDue(t *testing.T) {
	now := time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name          string
		backlog, free int
		next          time.Time
		want          bool
	}{
		{"nothing listed yet", 0, earlyConcurrency, time.Time{}, true},
		{"gap not passed", 0, earlyConcurrency, now.Add(time.Millisecond), false},
		{"gap passed", 0, 0, now.Add(-time.Millisecond), true},
		{"backlog covers the threads free and half a listing", earlyBacklog/2 + 4, 4, now, false},
		{"backlog short", earlyBacklog/2 + 3, 4, now, true},
	} {
		if got := earlyListingDue(c.backlog, c.free, c.next, now); got != c.want {
			t.Errorf("%s: earlyListingDue = %v, want %v", c.name, got, c.want)
		}
	}
}
