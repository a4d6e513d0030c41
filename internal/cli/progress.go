package cli

import (
	"io"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress is the bar `--wait` draws on a terminal; elsewhere (logs, CI,
// pipes) the caller prints one line per change instead. Its ETA is its
// own, from a smoothed rate (eta), not the bar's average since the start,
// which jumped (4m58s → 14m56s → 0s) as the totals grew and the import
// moved between stages (issue #15).
type progress struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	total int
	eta   eta
}

// newProgress returns nil unless w is a terminal and a bar is wanted.
func newProgress(w io.Writer, want bool) *progress {
	f, ok := w.(*os.File)
	if !want || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progress{w: w}
}

// show updates the bar; a new total (pages planned, objects fetched)
// rescales it.
func (p *progress) show(desc string, done, total int, unit string) {
	if total <= 0 {
		total = -1 // unknown yet: a spinner
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w), progressbar.OptionShowCount(),
			progressbar.OptionSetItsString(unit), progressbar.OptionShowIts(), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish(), progressbar.OptionSetPredictTime(false))
	} else if total != p.total {
		p.bar.ChangeMax(total)
	}
	if total != p.total || unit != p.eta.unit {
		p.eta = eta{unit: unit}
	}
	p.total = total
	if left, ok := p.eta.observe(time.Now(), done, total); ok {
		desc += " · ETA " + left.String()
	}
	p.bar.Describe(desc)
	_ = p.bar.Set(done)
}

func (p *progress) finish() {
	if p != nil && p.bar != nil {
		_ = p.bar.Finish()
	}
}

// eta estimates the time left from a rate smoothed over the last half
// minute or so (an exponentially weighted average of the rate between
// observations), rounded so that it does not flicker.
type eta struct {
	unit string
	at   time.Time
	done int
	rate float64 // per second
	seen int     // observations with a rate
}

// etaHalfLife is how long an observed rate takes to weigh half.
const etaHalfLife = 15 * time.Second

func (e *eta) observe(now time.Time, done, total int) (time.Duration, bool) {
	if !e.at.IsZero() && now.After(e.at) && done >= e.done {
		dt := now.Sub(e.at).Seconds()
		r := float64(done-e.done) / dt
		if e.seen == 0 {
			e.rate = r
		} else {
			w := 1 - math.Exp2(-dt/etaHalfLife.Seconds())
			e.rate += w * (r - e.rate)
		}
		e.seen++
	}
	e.at, e.done = now, done
	if e.seen < 3 || e.rate <= 0 || total <= 0 || done >= total {
		return 0, false
	}
	left := time.Duration(float64(total-done) / e.rate * float64(time.Second))
	switch {
	case left > time.Hour:
		left = left.Round(time.Minute)
	case left > time.Minute:
		left = left.Round(10 * time.Second)
	default:
		left = left.Round(time.Second)
	}
	return left, true
}
