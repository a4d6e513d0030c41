package sim

import (
	"sync"
	"time"
)

// load measures how hard clients use a lab: requests in flight and their
// peak, and the peak number of requests that arrived within one second,
// over a sliding window of ten 100-ms buckets (cheap enough for every
// request, precise enough to check a bound of requests per second).
type load struct {
	mu       sync.Mutex
	inFlight int64
	peak     int64
	buckets  [loadBuckets]int64
	newest   int64 // the newest bucket's number (Unix time in bucket widths)
	peakRate int64
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
}
