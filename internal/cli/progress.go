package cli

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress is the bar `--wait` draws on a terminal; elsewhere (logs, CI,
// pipes) the caller prints one line per change instead.
type progress struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	total int
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
	if p.bar == nil || total != p.total {
		if p.bar != nil {
			_ = p.bar.Finish()
		}
		p.total = total
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w), progressbar.OptionShowCount(),
			progressbar.OptionSetItsString(unit), progressbar.OptionShowIts(), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
	}
	p.bar.Describe(desc)
	_ = p.bar.Set(done)
}

func (p *progress) finish() {
	if p != nil && p.bar != nil {
		_ = p.bar.Finish()
	}
}
