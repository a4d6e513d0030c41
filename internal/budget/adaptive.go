package budget

import (
	"time"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// Adaptive finds by itself how many requests a lab takes at once, within
// the lab's bound (max_concurrency): a SENAITE site serves a fixed number
// of Zope threads, and every request beyond them waits in its queue. The
// rule follows TCP Vegas and Netflix's concurrency-limits (no Go port of
// them is served here, and the rule is a page): a lab's latency is its
// time without load plus the time a request queued, so the queue is what
// latency adds to the time without load. The limit rises while that queue
// stays short and the work wants more, falls when the queue grows, and
// falls in proportion to the share of answers that said the lab was past
// its capacity (5xx of a proxy, 429, timeouts, dropped connections).
//
// Samples are judged by window (max(2·limit, 10) answers): one answer is
// noise, a window is a round trip of the whole limit. Reads and writes
// have their own time without load, for a lab spends more on a create
// than on a search; the queue is shared, so a kind learnt without load
// teaches the other's: time without load = latency − queue. The time
// without load is the least seen: a lab that grows slower for good brings
// the limit to its floor (AdaptiveFloor), where it was before it adapted.
//
// Pure (no clock, no lock): the gate serialises its calls.
type Adaptive struct {
	limit, min, max float64
	users           int // processes using the lab, this one included (SetUsers)

	// the window being gathered
	n, overloads int
	peak         int // the most requests an answer saw in flight or waiting
	sum          [2]time.Duration
	cnt          [2]int

	base [2]time.Duration // each kind's latency without load; 0 unknown
}

// Thresholds of the queue, as a share of the latency without load (qd/base):
// below low the limit rises by one, below slow by half (nothing queues:
// the limit is far from the lab's); above High(limit) it falls by one.
const (
	adaptiveLow  = 0.1
	adaptiveSlow = 0.02
)

// adaptiveHigh is the queue above which the limit falls: 0.4 of the
// latency without load, or 2/limit where the limit is small — over 2
// threads a limit of 3 keeps one request queued (half a latency) and is
// kept, for a limit that never queues leaves threads idle between a
// request's answer and the next one sent.
func adaptiveHigh(limit float64) float64 { return max(0.4, 2/limit) }

// AdaptiveFloor is the least a limiter goes to once it has learnt the
// lab: four requests at once, the bound every lab had before the limit
// adapted. A latency signal is noisy where the lab's latency is short
// and this host's CPU is contended (a request's time then grows with
// concurrency though the lab has threads to spare: make bench-labs lost
// half its throughput without a floor), so the limit only adds to what
// was safe. A lab of fewer threads is bounded by its max_concurrency.
// The floor is the lab's: processes that use the lab at once share it
// (SetUsers), at least one request each.
const AdaptiveFloor = 4

// NewAdaptive starts at one request in flight (the first window, of
// three answers, learns the lab's latency without load), then stays within
// [min(AdaptiveFloor, ceiling), ceiling].
func NewAdaptive(ceiling int) *Adaptive {
	a := &Adaptive{limit: 1}
	a.SetCeiling(ceiling)
	return a
}

// Limit is how many requests may be in flight now.
func (a *Adaptive) Limit() int { return max(int(a.limit), 1) }

// SetCeiling follows the lab's bound when it changes.
func (a *Adaptive) SetCeiling(ceiling int) {
	a.max = float64(max(ceiling, 1))
	a.setFloor()
	a.limit = min(a.limit, a.max)
}

// SetUsers tells how many processes send the lab requests now, this one
// included: the floor is the lab's, shared between them — two processes
// at four each kept eight requests on a lab of two threads, a queue of
// three requests' time.
func (a *Adaptive) SetUsers(n int) {
	a.users = max(n, 1)
	a.setFloor()
}

func (a *Adaptive) setFloor() {
	a.min = min(float64(max(AdaptiveFloor/max(a.users, 1), 1)), a.max)
}

// Base is what it learnt of the lab's latency without load (reads,
// writes; 0 unknown), for the lab's other users (store.ShareLatency).
func (a *Adaptive) Base() [2]time.Duration { return a.base }

// Teach takes what the lab's other users learnt of its latency without
// load, the least of each kind: a process that starts while the lab is
// busy with another's work would take the other's queue for the lab's own
// time and see no queue at all (a coordinator replaying early next to an
// importer kept eight requests on a lab of two threads).
//
// A process taught a lab it had not learnt yet starts at the floor, as
// it would have once its own first window learnt the lab: an importer
// starting next to a coordinator that knew the lab crept up from one
// request at a time for the first half second of an import.
func (a *Adaptive) Teach(base [2]time.Duration) {
	unknown := a.base == [2]time.Duration{}
	for k, b := range base {
		if b > 0 && (a.base[k] == 0 || b < a.base[k]) {
			a.base[k] = b
		}
	}
	if unknown && a.base != [2]time.Duration{} {
		a.limit = max(a.limit, a.min)
	}
}

// Observe learns from one answered attempt; demand counts the requests in
// flight when it was answered, itself included, and those waiting for the
// limit. It answers whether the limit changed.
func (a *Adaptive) Observe(o senaite.Outcome, demand int) bool {
	a.n++
	a.peak = max(a.peak, demand)
	if o.Overload {
		a.overloads++
	} else if o.Latency > 0 {
		k := 0
		if o.Write {
			k = 1
		}
		a.sum[k] += o.Latency
		a.cnt[k]++
	}
	if !a.windowDone() {
		return false
	}
	before := a.Limit()
	a.judge()
	a.n, a.overloads, a.peak, a.sum, a.cnt = 0, 0, 0, [2]time.Duration{}, [2]int{}
	return a.Limit() != before
}

// windowDone tells whether the answers gathered are judged now: by
// max(2·limit, 10), or, while no latency without load is known, as soon
// as one kind has adaptiveSamples answers — a process's first requests to
// a lab wait at a limit of one for three answers, not ten (an import's
// first objects, setup folders, come as a burst that a limit of one made
// queue for a second).
func (a *Adaptive) windowDone() bool {
	if a.base == [2]time.Duration{} && max(a.cnt[0], a.cnt[1]) >= adaptiveSamples {
		return true
	}
	return a.n >= max(2*a.Limit(), 10)
}

// enough samples of a kind in a window to learn from
const adaptiveSamples = 3

// judge moves the limit at the end of a window.
func (a *Adaptive) judge() {
	if a.overloads > 0 {
		share := float64(a.overloads) / float64(a.n)
		a.limit = max(a.min, a.limit*(1-share/2))
		return
	}
	var mean [2]time.Duration
	for k := range mean {
		if a.cnt[k] >= adaptiveSamples {
			mean[k] = a.sum[k] / time.Duration(a.cnt[k])
		}
	}
	// the queue: what latency adds to a known latency without load
	var qsum time.Duration
	qn := 0
	for k := range mean {
		if mean[k] > 0 && a.base[k] > 0 {
			qsum += (mean[k] - a.base[k]) * time.Duration(a.cnt[k])
			qn += a.cnt[k]
		}
	}
	var queue time.Duration
	if qn > 0 {
		queue = qsum / time.Duration(qn)
	}
	// saturated: the work wanted the whole limit, or more
	saturated := a.peak >= a.Limit()
	// too few requests to queue behind each other: what latency adds is
	// not this work's queue
	light := a.peak <= 1 || float64(a.peak) <= a.limit/2
	for k := range mean {
		if mean[k] <= 0 {
			continue
		}
		if a.base[k] == 0 {
			// a kind first seen under load learns from the other's queue
			a.base[k] = max(mean[k]-max(queue, 0), time.Microsecond)
		} else if mean[k] < a.base[k] {
			// once known, only what a window of its own shows: a base lowered
			// by the other kind's queue would lower the other's in turn, down
			// to where every window looks queued (a 50 ms lab learnt as 31 ms
			// kept the limit at its floor)
			a.base[k] = mean[k]
		}
	}
	if qn == 0 {
		a.limit = max(a.limit, a.min) // learnt: now at least the floor
		return
	}
	if light {
		return // nothing of this work's to judge
	}
	var base time.Duration // the window's latency without load, by its mix
	weight := 0
	for k := range mean {
		if mean[k] > 0 {
			base += a.base[k] * time.Duration(a.cnt[k])
			weight += a.cnt[k]
		}
	}
	base /= time.Duration(weight)
	share := float64(max(queue, 0)) / float64(base)
	switch {
	case share > 2*adaptiveHigh(a.limit):
		a.limit = max(a.min, a.limit*0.8)
	case share > adaptiveHigh(a.limit):
		a.limit = max(a.min, a.limit-1)
	case !saturated:
		// the work did not use the limit: no evidence the lab takes more
	case share < adaptiveSlow:
		a.limit = min(a.max, max(a.limit+1, a.limit*1.5))
	case share < adaptiveLow:
		a.limit = min(a.max, a.limit+1)
	}
}
