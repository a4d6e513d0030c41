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
		p := earlyPace{listedAt: time.Now(), took: c.took, listedAny: c.listedAny}
		if got := p.gap(c.inHand, c.finishing); got != c.want {
			t.Errorf("%s: gap = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestEarlyListingDue: a listing waits for its gap — as the families in
// hand now set it, not those of the last listing — and for the backlog to
// run below the threads free and half a listing.
func TestEarlyListingDue(t *testing.T) {
	now := time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC)
	costly := earlyPace{listedAt: now.Add(-3 * time.Second), took: 4 * time.Second, listedAny: true}
	for _, c := range []struct {
		name                  string
		pace                  earlyPace
		backlog, free, inHand int
		want                  bool
	}{
		{"nothing listed yet", earlyPace{}, 0, earlyConcurrency, 0, true},
		{"gap not passed", earlyPace{listedAt: now}, 0, earlyConcurrency, 0, false},
		{"gap passed", earlyPace{listedAt: now.Add(-earlyGap)}, 0, earlyConcurrency, 0, true},
		{"a costly listing, many in hand", costly, 0, earlyConcurrency - 40, 40, false},
		{"a costly listing, the families in hand since done", costly, 0, earlyConcurrency - 3, 3, true},
		{"the backlog counts as in hand", costly, 30, earlyConcurrency - 3, 3, false},
		{"backlog covers the threads free and half a listing", earlyPace{}, earlyBacklog/2 + 4, 4, earlyConcurrency - 4, false},
		{"backlog short", earlyPace{}, earlyBacklog/2 + 3, 4, earlyConcurrency - 4, true},
	} {
		if got := c.pace.due(c.backlog, c.free, c.inHand, false, now); got != c.want {
			t.Errorf("%s: due = %v, want %v", c.name, got, c.want)
		}
	}
}
