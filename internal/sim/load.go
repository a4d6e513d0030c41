package sim

import (
	"math"
	"sync"
	"time"
)

// load measures how hard clients use a lab: requests in flight and their
// peak, and the peak number of requests that arrived within one second,
// over a sliding window of ten 100-ms buckets (cheap enough for every
// request, precise enough to check a bound of requests per second); and,
// for a lab of bounded capacity, how long requests queued for a thread and
// how long threads were held: what a benchmark of adaptive concurrency
// compares with the lab's capacity.
type load struct {
	mu       sync.Mutex
	inFlight int64
	peak     int64
	buckets  [loadBuckets]int64
	newest   int64 // the newest bucket's number (Unix time in bucket widths)
	peakRate int64

	since  time.Time     // start or last reset
	served int64         // requests that got a thread since
	busy   time.Duration // thread time held by them
	queued time.Duration // their time waiting for a thread
	waits  waitHistogram
}

// waitHistogram counts queue waits in buckets growing by a quarter from
// 100 µs (bucket 0: shorter), enough for a quantile within 25 %.
type waitHistogram [64]int64

func waitBucket(d time.Duration) int {
	b, edge := 0, 100*time.Microsecond
	for d >= edge && b < len(waitHistogram{})-1 {
		b++
		edge += edge / 4
	}
	return b
}

// quantile is the upper edge of the bucket holding the q-th wait.
func (h *waitHistogram) quantile(q float64) time.Duration {
	var n int64
	for _, c := range h {
		n += c
	}
	if n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1) // nearest rank
	edge := 100 * time.Microsecond
	for b, c := range h {
		if rank -= c; rank <= 0 {
			if b == 0 {
				return 0
			}
			return edge
		}
		edge += edge / 4
	}
	return edge
}

// served records a request that waited for a thread and then held it.
func (l *load) record(wait, held time.Duration) {
	l.mu.Lock()
	l.served++
	l.queued += wait
	l.busy += held
	l.waits[waitBucket(wait)]++
	l.mu.Unlock()
}

// Usage is what the threads did since start or the last reset.
type Usage struct {
	// Seconds since then; Served requests that got a thread; BusySeconds
	// the thread time they held (BusySeconds / (capacity × Seconds) is the
	// share of the lab's capacity used); QueueWait their mean wait for a
	// thread, QueueWaitP95 its 95th percentile (within 25 %), seconds.
	Seconds      float64 `json:"seconds"`
	Served       int64   `json:"served"`
	BusySeconds  float64 `json:"busy_seconds"`
	QueueWait    float64 `json:"queue_wait_mean_seconds"`
	QueueWaitP95 float64 `json:"queue_wait_p95_seconds"`
}

func (l *load) usage(now time.Time) Usage {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := Usage{Seconds: now.Sub(l.since).Seconds(), Served: l.served, BusySeconds: l.busy.Seconds(),
		QueueWaitP95: l.waits.quantile(0.95).Seconds()}
	if l.served > 0 {
		u.QueueWait = l.queued.Seconds() / float64(l.served)
	}
	return u
}

const (
	loadBuckets = 10
	loadBucket  = time.Second / loadBuckets
)

// begin counts a request arriving at now; the function it returns counts
// its end.
func (l *load) begin(now time.Time) func() {
	l.mu.Lock()
	l.inFlight++
	l.peak = max(l.peak, l.inFlight)
	b := now.UnixNano() / int64(loadBucket)
	l.advance(b)
	l.buckets[l.newest%loadBuckets]++
	l.peakRate = max(l.peakRate, l.sum())
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		l.inFlight--
		l.mu.Unlock()
	}
}

// advance moves the window to bucket b, emptying the buckets it passes;
// a clock stepping back counts in the newest bucket.
func (l *load) advance(b int64) {
	if b <= l.newest {
		return
	}
	if b-l.newest >= loadBuckets {
		l.buckets = [loadBuckets]int64{}
	} else {
		for i := l.newest + 1; i <= b; i++ {
			l.buckets[i%loadBuckets] = 0
		}
	}
	l.newest = b
}

func (l *load) sum() int64 {
	var n int64
	for _, c := range l.buckets {
		n += c
	}
	return n
}

// read answers the requests in flight now and both peaks.
func (l *load) read() (inFlight, peak, peakRate int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inFlight, l.peak, l.peakRate
}

// reset starts both peaks again from now: the requests in flight and
// those of the last second.
func (l *load) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.advance(time.Now().UnixNano() / int64(loadBucket))
	l.peak, l.peakRate = l.inFlight, l.sum()
	l.since, l.served, l.busy, l.queued, l.waits = time.Now(), 0, 0, 0, waitHistogram{}
}
