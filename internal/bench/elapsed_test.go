package bench

import (
	"testing"
	"time"
)

// TestRunElapsed: a run's time is read from its own record when it has
// both ends, and from when the step was asked for otherwise.
func TestRunElapsed(t *testing.T) {
	asked := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name string
		run  map[string]any
		want time.Duration
	}{
		{"its record", map[string]any{"created_at": "2026-12-05T22:43:47.7Z", "finished_at": "2026-12-05T22:44:48.391Z"}, 60691 * time.Millisecond},
		{"no end", map[string]any{"created_at": "2026-12-05T22:43:47.7Z", "finished_at": nil}, time.Hour},
		{"an end before its start", map[string]any{"created_at": "2026-12-05T22:44:47Z", "finished_at": "2026-12-05T22:43:47Z"}, time.Hour},
	} {
		got := runElapsed(tc.run, asked)
		if tc.want == time.Hour {
			if got < time.Hour {
				t.Errorf("%s: %s, want the time since the step was asked for", tc.name, got)
			}
		} else if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
