package cli

import (
	"testing"
	"time"
)

// TestETAIsSmooth: at a steady rate the estimate is the time left; a
// stall of a few seconds (a stage's start, a slow page) moves it by a
// fraction, not by a multiple, and it never shows before three
// observations nor once done.
func TestETAIsSmooth(t *testing.T) {
	var e eta
	start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	now, done, total := start, 0, 10_000
	step := func(d time.Duration, n int) (time.Duration, bool) {
		now, done = now.Add(d), done+n
		return e.observe(now, done, total)
	}
	if _, ok := e.observe(now, 0, total); ok {
		t.Fatal("an estimate from one observation")
	}
	var left time.Duration
	for range 40 { // 20 s at 100 a second
		left, _ = step(500*time.Millisecond, 50)
	}
	if want := 80 * time.Second; left < want*9/10 || left > want*11/10 {
		t.Errorf("steady 100/s with 8,000 left: ETA %v, want about %v", left, want)
	}
	before := left
	for range 6 { // stalled for 3 s
		left, _ = step(500*time.Millisecond, 0)
	}
	if left > before*13/10 {
		t.Errorf("a 3 s stall moved the ETA from %v to %v", before, left)
	}
	for range 20 {
		left, _ = step(500*time.Millisecond, 50)
	}
	if left > before*12/10 {
		t.Errorf("10 s after the stall the ETA is %v (before it %v)", left, before)
	}
	if _, ok := step(time.Second, total-done); ok {
		t.Error("an estimate once done")
	}
}
