package budget

import (
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// fluidLab is a fluid model of a SENAITE site: threads serving reads of
// lat each and writes of 1.5·lat (one in three), requests beyond the
// threads waiting in one queue, so that with n in flight each waits
// (n-threads)/threads of the mean service time before its own.
type fluidLab struct {
	threads int
	lat     time.Duration
}

func (l fluidLab) latency(inFlight int, write bool) time.Duration {
	own := l.lat
	if write {
		own = own * 3 / 2
	}
	mean := float64(l.lat) * (2.0/3 + 1.5/3)
	wait := max(0, float64(inFlight-l.threads)) / float64(l.threads) * mean
	return own + time.Duration(wait)
}

// drive feeds a work of demand requests at once (every third a write)
// through the limit for samples answers, and answers the limit at the end.
func drive(a *Adaptive, l fluidLab, demand, samples int) {
	for i := range samples {
		n := min(a.Limit(), demand)
		a.Observe(senaite.Outcome{Latency: l.latency(n, i%3 == 0), Write: i%3 == 0}, demand)
	}
}

// TestAdaptiveFindsTheLab: the limit finds a lab of 4, 8, 16 and 40
// threads within a ceiling of 64, and one of 1 and 2 within its own
// max_concurrency: on average at least its threads in flight (every
// thread busy), and a queue shorter than a request's time.
func TestAdaptiveFindsTheLab(t *testing.T) {
	for _, threads := range []int{1, 2, 4, 8, 16, 40} {
		ceiling := 64
		if threads < AdaptiveFloor {
			ceiling = threads
		}
		a := NewAdaptive(ceiling)
		l := fluidLab{threads: threads, lat: 50 * time.Millisecond}
		drive(a, l, 1000, 10000)
		sum := 0
		const samples = 10000
		for i := range samples {
			n := a.Limit()
			sum += n
			a.Observe(senaite.Outcome{Latency: l.latency(n, i%3 == 0), Write: i%3 == 0}, 1000)
		}
		mean := float64(sum) / samples
		// the queue's wait: (in flight - threads)/threads of a request's time
		wait := (mean - float64(threads)) / float64(threads)
		if mean < float64(threads) || wait >= 1 {
			t.Errorf("%d threads: %.2f in flight on average (a queue wait of %.2f of a request's time), want at least %d and a wait below one",
				threads, mean, wait, threads)
		}
	}
}

// TestAdaptiveKeepsToTheCeiling: a lab of more threads than the bound gets
// the bound, and a lowered bound holds at once.
func TestAdaptiveKeepsToTheCeiling(t *testing.T) {
	a := NewAdaptive(8)
	drive(a, fluidLab{threads: 32, lat: 50 * time.Millisecond}, 1000, 5000)
	if a.Limit() != 8 {
		t.Fatalf("limit %d, want the ceiling 8", a.Limit())
	}
	a.SetCeiling(3)
	if a.Limit() != 3 {
		t.Fatalf("limit %d after the ceiling fell to 3", a.Limit())
	}
}

// TestAdaptiveWithoutDemand: work that never fills the limit gives no
// evidence the lab takes more; the limit does not climb to the ceiling.
func TestAdaptiveWithoutDemand(t *testing.T) {
	a := NewAdaptive(64)
	drive(a, fluidLab{threads: 32, lat: 50 * time.Millisecond}, 3, 5000)
	if a.Limit() > 5 {
		t.Fatalf("limit %d for work of 3 requests at once", a.Limit())
	}
}

// TestAdaptiveBacksOff: overload answers bring the limit down in
// proportion to their share; the lab's own exceptions do not count.
func TestAdaptiveBacksOff(t *testing.T) {
	l := fluidLab{threads: 16, lat: 50 * time.Millisecond}
	for _, tt := range []struct {
		name      string
		every     int // one overload in every
		wantBelow int
	}{
		{"half refused", 2, AdaptiveFloor + 1}, // down to the floor
		{"a fifth refused", 5, 12},
	} {
		a := NewAdaptive(64)
		drive(a, l, 1000, 5000)
		before := a.Limit()
		for i := range 400 {
			n := min(a.Limit(), 1000)
			a.Observe(senaite.Outcome{Latency: l.latency(n, false), Overload: i%tt.every == 0}, 1000)
		}
		if got := a.Limit(); got >= tt.wantBelow || got >= before {
			t.Errorf("%s: limit %d (from %d), want below %d", tt.name, got, before, tt.wantBelow)
		}
	}
	// a rare failure (1 in 50) costs little: the limit stays near the lab
	a := NewAdaptive(64)
	for i := range 20000 {
		n := min(a.Limit(), 1000)
		a.Observe(senaite.Outcome{Latency: l.latency(n, false), Overload: i%50 == 0}, 1000)
	}
	if got := a.Limit(); got < 12 {
		t.Errorf("one failure in 50: limit %d, want near the lab's 16 threads", got)
	}
}

// TestAdaptiveFollowsRisingLatency: a lab that slows down (its threads
// taken by others: fewer for us) brings the limit down.
func TestAdaptiveFollowsRisingLatency(t *testing.T) {
	a := NewAdaptive(64)
	drive(a, fluidLab{threads: 16, lat: 50 * time.Millisecond}, 1000, 10000)
	high := a.Limit()
	drive(a, fluidLab{threads: 4, lat: 50 * time.Millisecond}, 1000, 10000)
	if got := a.Limit(); got >= high || float64(got-4)/4 >= 1 {
		t.Fatalf("limit %d after the lab fell from 16 threads to 4 (was %d)", got, high)
	}
}

// TestAdaptiveSlowerLabKeepsTheFloor: a lab that grows slower for good
// (its queue seen as ours) brings the limit down to the floor, never
// below: what every lab was given before the limit adapted.
func TestAdaptiveSlowerLabKeepsTheFloor(t *testing.T) {
	a := NewAdaptive(64)
	drive(a, fluidLab{threads: 16, lat: 20 * time.Millisecond}, 1000, 5000)
	if a.Limit() < 16 {
		t.Fatalf("limit %d on a lab of 16 threads", a.Limit())
	}
	drive(a, fluidLab{threads: 16, lat: 60 * time.Millisecond}, 1000, 5000)
	if got := a.Limit(); got != AdaptiveFloor {
		t.Fatalf("limit %d, want the floor %d", got, AdaptiveFloor)
	}
}

// TestAdaptiveRecoversAfterSharing: a lab shared for a while with another
// process's work (its requests queue behind the other's) is found again
// once the other stops — the latency without load is never learnt below
// what a request of the lab takes: learnt from the other kind's queue, it
// sank window by window (a 50 ms lab to 31 ms) and held the limit at its
// floor for the rest of an import.
func TestAdaptiveRecoversAfterSharing(t *testing.T) {
	l := fluidLab{threads: 16, lat: 50 * time.Millisecond}
	a := NewAdaptive(32)
	phase := func(others, samples int) float64 {
		sum := 0
		for i := range samples {
			n := min(a.Limit(), 1000)
			sum += n
			a.Observe(senaite.Outcome{Latency: l.latency(n+others, i%3 == 0), Write: i%3 == 0}, 1000)
		}
		return float64(sum) / float64(samples)
	}
	phase(0, 3000)
	shared := phase(16, 3000)
	alone := phase(0, 3000)
	if a.base[0] < l.lat || a.base[1] < l.lat*3/2 {
		t.Errorf("latency without load learnt as %v (reads) and %v (writes), below the lab's %v and %v",
			a.base[0], a.base[1], l.lat, l.lat*3/2)
	}
	if alone < float64(l.threads) {
		t.Errorf("%.1f in flight on average once alone again (%.1f while shared), want at least the lab's %d threads",
			alone, shared, l.threads)
	}
}

// TestAdaptiveFloorIsTheLabs: processes using a lab at once share its
// floor — on a lab of two threads, an importer and a coordinator
// replaying early keep four requests between them, not eight.
func TestAdaptiveFloorIsTheLabs(t *testing.T) {
	l := fluidLab{threads: 2, lat: 50 * time.Millisecond}
	for _, users := range []int{1, 2} {
		procs := make([]*Adaptive, users)
		for i := range procs {
			procs[i] = NewAdaptive(32)
			procs[i].SetUsers(users)
		}
		total := 0
		for i := range 20000 {
			total = 0
			for _, a := range procs {
				total += a.Limit()
			}
			a := procs[i%users]
			a.Observe(senaite.Outcome{Latency: l.latency(total, i%3 == 0), Write: i%3 == 0}, 1000)
		}
		if total > max(AdaptiveFloor, users) {
			t.Errorf("%d processes on a lab of two threads: %d requests in flight between them, want at most the floor %d",
				users, total, AdaptiveFloor)
		}
	}
}

// TestAdaptiveTaughtStartsAtTheFloor: a process taught what the lab's
// other users learnt of it starts at the floor, not at one request; one
// that learnt the lab itself keeps its own limit.
func TestAdaptiveTaughtStartsAtTheFloor(t *testing.T) {
	shared := [2]time.Duration{50 * time.Millisecond, 75 * time.Millisecond}
	tests := []struct {
		name    string
		ceiling int
		users   int
		want    int
	}{
		{"alone", 32, 1, AdaptiveFloor},
		{"beside another", 32, 2, AdaptiveFloor / 2},
		{"a lab bounded to two", 2, 1, 2},
	}
	for _, tt := range tests {
		a := NewAdaptive(tt.ceiling)
		a.SetUsers(tt.users)
		if a.Limit() != 1 {
			t.Fatalf("%s: untaught limit %d, want 1", tt.name, a.Limit())
		}
		a.Teach(shared)
		if a.Limit() != tt.want {
			t.Errorf("%s: taught limit %d, want %d", tt.name, a.Limit(), tt.want)
		}
	}
	// a process that learnt the lab and came down to two is not raised
	// by what it is taught later
	l := fluidLab{threads: 2, lat: 50 * time.Millisecond}
	a := NewAdaptive(2)
	drive(a, l, 100, 200)
	before := a.Limit()
	a.Teach(shared)
	if a.Limit() != before {
		t.Errorf("taught after learning: limit %d, want its own %d", a.Limit(), before)
	}
}
