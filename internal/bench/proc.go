// Package bench measures senaite-sync and its simulator as separate
// processes talking HTTP over loopback, the way they run in production, and
// prints figures and ratios measured in one run.
package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Sim is a senaite-sim child process.
type Sim struct {
	cmd *exec.Cmd
	// URL is the site URL the simulator printed, e.g. http://127.0.0.1:41234/senaite.
	URL string
	// Startup is how long it took from exec to the listening line.
	Startup time.Duration
}

// StartSim runs the senaite-sim binary with args (an --addr is added) and
// waits for its listening line.
func StartSim(ctx context.Context, binary string, args ...string) (*Sim, error) {
	args = append([]string{"--addr", "127.0.0.1:0"}, args...)
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", binary, err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "senaite-sim listening on "); ok {
			s := &Sim{cmd: cmd, URL: strings.TrimSpace(u), Startup: time.Since(start)}
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return s, nil
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, fmt.Errorf("bench: %s exited before listening", binary)
}

// Stop ends the simulator.
func (s *Sim) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// Memory returns the process' resident set now and at its peak, in bytes.
func (s *Sim) Memory() (rss, peak int64) { return ProcMemory(s.cmd.Process.Pid) }

// ProcMemory reads VmRSS and VmHWM of a Linux process.
func ProcMemory(pid int) (rss, peak int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n * 1024
		case "VmHWM":
			peak = n * 1024
		}
	}
	return rss, peak
}
