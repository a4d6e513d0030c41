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
	dieWithParent(cmd)
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

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on
// every Linux this runs on (sysconf(_SC_CLK_TCK) without cgo).
const clockTicks = 100

// ProcCPU is the CPU time (user + system) a Linux process has used so far;
// 0 when /proc cannot tell.
func ProcCPU(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// the command name (field 2) may hold spaces: count from its ')'
	i := strings.LastIndexByte(string(raw), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// PostgresCPU is the CPU time used so far by the local PostgreSQL
// server's processes (every backend and helper): the bench's database
// runs on this machine, and its share of the cores is part of the cost.
// Backends that ended since an earlier reading are not counted, so
// differences are a lower bound.
func PostgresCPU() time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		total += ProcCPU(pid)
	}
	return total
}

// CPU is the simulator's CPU time so far.
func (s *Sim) CPU() time.Duration { return ProcCPU(s.cmd.Process.Pid) }
