package coordinator

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestStepBackoff: a troubled run is stepped again after one tick, then
// twice as late each time, never later than stepBackoffMax — a stream
// leader back, or a lab, is seen within ten seconds.
func TestStepBackoff(t *testing.T) {
	for _, c := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0},
		{1, tickEvery},
		{2, 2 * tickEvery},
		{3, 4 * tickEvery},
		{6, 32 * tickEvery},
		{7, stepBackoffMax},
		{50, stepBackoffMax},
	} {
		if got := stepBackoff(c.failures); got != c.want {
			t.Errorf("stepBackoff(%d) = %v, want %v", c.failures, got, c.want)
		}
	}
}

// TestTroubleNoteSaysSinceWhenAndWhy: what the run shows while it waits.
func TestTroubleNoteSaysSinceWhenAndWhy(t *testing.T) {
	since := time.Date(2026, 12, 4, 17, 40, 2, 0, time.FixedZone("CET", 3600))
	got := troubleNote(since, errors.New("queue: stream SYNC_IMPORT does not answer: context deadline exceeded"))
	for _, want := range []string{"16:40:02Z", "retried with backoff", "SYNC_IMPORT does not answer"} {
		if !strings.Contains(got, want) {
			t.Errorf("note %q does not say %q", got, want)
		}
	}
}
