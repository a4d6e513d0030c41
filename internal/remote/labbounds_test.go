package remote

import (
	"reflect"
	"testing"
)

func TestLabBounds(t *testing.T) {
	t.Parallel()
	opts := func(mc int, rps float64) Options { return Options{MaxConcurrency: mc, MaxRequestsPerSecond: rps} }
	tests := []struct {
		name  string
		links []Link
		want  map[int64]Bounds
	}{
		{"no remote names a lab", nil, map[int64]Bounds{}},
		{"one remote binds both its labs", []Link{{1, 2, opts(2, 20)}},
			map[int64]Bounds{1: {2, 20}, 2: {2, 20}}},
		{"unset concurrency is the default", []Link{{1, 2, opts(0, 0)}},
			map[int64]Bounds{1: {DefaultMaxConcurrency, 0}, 2: {DefaultMaxConcurrency, 0}}},
		{"the smallest concurrency wins, as source or destination", []Link{{1, 2, opts(8, 0)}, {3, 1, opts(2, 0)}},
			map[int64]Bounds{1: {2, 0}, 2: {8, 0}, 3: {2, 0}}},
		{"the smallest non-zero rate wins; zero is no promise", []Link{{1, 2, opts(4, 0)}, {2, 1, opts(4, 5)}, {1, 3, opts(4, 50)}},
			map[int64]Bounds{1: {4, 5}, 2: {4, 5}, 3: {4, 50}}},
		{"a rate met first is kept against a later zero", []Link{{1, 2, opts(4, 7)}, {1, 3, opts(6, 0)}},
			map[int64]Bounds{1: {4, 7}, 2: {4, 7}, 3: {6, 0}}},
		{"two-way remotes: the stricter direction binds both labs", []Link{{1, 2, opts(16, 100)}, {2, 1, opts(3, 0)}},
			map[int64]Bounds{1: {3, 100}, 2: {3, 100}}},
		{"a negative rate (never valid) counts as none", []Link{{1, 2, opts(4, -3)}},
			map[int64]Bounds{1: {4, 0}, 2: {4, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := LabBounds(tt.links); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("LabBounds = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBoundsOfUnnamedLab(t *testing.T) {
	t.Parallel()
	all := LabBounds([]Link{{1, 2, Options{MaxConcurrency: 1, MaxRequestsPerSecond: 5}}})
	if got := BoundsOf(all, 2); got != (Bounds{1, 5}) {
		t.Fatalf("named lab: %v", got)
	}
	if got := BoundsOf(all, 9); got != DefaultBounds || got.MaxConcurrency != DefaultMaxConcurrency || got.RequestsPerSecond != 0 {
		t.Fatalf("a lab no remote names gets the default bounds, got %v", got)
	}
}
