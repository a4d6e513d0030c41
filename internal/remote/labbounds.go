package remote

// A lab's bounds (ARCHITECTURE.md §2, §6): max_concurrency and
// max_requests_per_second are set on remotes, but they protect labs, so
// they hold per lab for the whole system — every process, every remote and
// every account (main and verifier) that reads or writes it. This file is
// the rule that turns the remotes' options into each lab's bounds;
// internal/budget enforces them across processes.

// Bounds are what the whole system may send one lab: at most
// MaxConcurrency requests in flight, and at most RequestsPerSecond
// requests a second (0: no rate bound).
type Bounds struct {
	MaxConcurrency    int
	RequestsPerSecond float64
}

// DefaultBounds are a lab's bounds when no remote names it (an instance
// only checked, or registered before its remotes): the default of a
// remote's max_concurrency, no rate bound.
var DefaultBounds = Bounds{MaxConcurrency: DefaultMaxConcurrency}

// Link is what the rule needs of a remote: its two labs and its options.
type Link struct {
	SourceID, DestinationID int64
	Options                 Options
}

// LabBounds is every named lab's bounds: the smallest max_concurrency and
// the smallest non-zero max_requests_per_second among the remotes that name
// it as source or destination — a remote's bounds are a promise made to
// both its labs, and the strictest promise made to a lab wins. A remote
// whose max_concurrency is unset (0) counts as the default. Labs no remote
// names are absent: ask BoundsOf.
func LabBounds(links []Link) map[int64]Bounds {
	out := map[int64]Bounds{}
	for _, l := range links {
		mc := l.Options.MaxConcurrency
		if mc <= 0 {
			mc = DefaultMaxConcurrency
		}
		rps := max(l.Options.MaxRequestsPerSecond, 0)
		for _, id := range []int64{l.SourceID, l.DestinationID} {
			b, seen := out[id]
			if !seen {
				out[id] = Bounds{MaxConcurrency: mc, RequestsPerSecond: rps}
				continue
			}
			b.MaxConcurrency = min(b.MaxConcurrency, mc)
			if rps > 0 && (b.RequestsPerSecond == 0 || rps < b.RequestsPerSecond) {
				b.RequestsPerSecond = rps
			}
			out[id] = b
		}
	}
	return out
}

// BoundsOf is a lab's bounds in a LabBounds answer, DefaultBounds for a
// lab no remote names.
func BoundsOf(all map[int64]Bounds, labID int64) Bounds {
	if b, ok := all[labID]; ok {
		return b
	}
	return DefaultBounds
}
