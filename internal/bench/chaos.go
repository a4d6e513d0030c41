package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/senaite-sync/senaite-sync/internal/crosscheck"
)

// ChaosOptions describe a chaos run: a migration and two updates through
// separate processes while a seeded harness kills and pauses them,
// restarts NATS and PostgreSQL, and the destination fails as labs do.
type ChaosOptions struct {
	SyncBinary, SimBinary, NatsBinary string
	// DatabaseURL is the server; the database senaite_sync_chaos is
	// recreated on it.
	DatabaseURL string
	Objects     int
	Seed        uint64
	// Every is the mean pause between two blows (default 6s).
	Every time.Duration
	// RunTimeout bounds each run (default 45 min): a run still going then
	// is a failure of the chaos run.
	RunTimeout time.Duration
	// RestartPostgres is the command that restarts the server of
	// DatabaseURL; empty: PostgreSQL is not restarted.
	RestartPostgres []string
	Log             io.Writer
}

// ChaosRun is how one run of the chaos ended.
type ChaosRun struct {
	Kind, Status, Error string
	Elapsed             time.Duration
	Counts              map[string]int
}

// ChaosResult is what a chaos run measured and found.
type ChaosResult struct {
	Objects int
	Runs    []ChaosRun
	// Blows counts what the harness did, by kind.
	Blows map[string]int
	// Faults counts what the destination injected, by kind.
	Faults map[string]int
	Verify ChaosRun
	// Cross is the tests' own comparison of both labs, by content.
	Cross   *crosscheck.Report
	Elapsed time.Duration
}

// Passed tells whether every run ended succeeded, verify found nothing and
// the labs are equal.
func (r ChaosResult) Passed() bool {
	for _, run := range r.Runs {
		if run.Status != "succeeded" {
			return false
		}
	}
	return r.Verify.Status == "succeeded" && r.Cross != nil && r.Cross.Clean()
}

// chaosFaults are the destination's routine faults (issue #12, point 2).
var chaosFaults = map[string]any{"error_rate": 0.05, "timeout_rate": 0.02, "malformed_rate": 0.01,
	"drop_rate": 0.01, "api_error_rate": 0.01}

// RunChaos runs the chaos: see ChaosOptions.
func RunChaos(ctx context.Context, o ChaosOptions) (ChaosResult, error) {
	res := ChaosResult{Blows: map[string]int{}}
	if o.Every <= 0 {
		o.Every = 6 * time.Second
	}
	if o.RunTimeout <= 0 {
		o.RunTimeout = 45 * time.Minute
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, time.Now().Format("15:04:05 ")+format+"\n", args...)
		}
	}
	started := time.Now()
	dir, err := os.MkdirTemp("", "senaite-chaos")
	if err != nil {
		return res, err
	}
	logf("logs and data in %s", dir)
	users := "admin:secret,verifier:secret"
	src, err := StartSim(ctx, o.SimBinary, "--objects", fmt.Sprint(o.Objects), "--seed", fmt.Sprint(o.Seed), "--users", users)
	if err != nil {
		return res, err
	}
	defer src.Stop()
	dst, err := StartSim(ctx, o.SimBinary, "--empty", "--seed", fmt.Sprint(o.Seed+1), "--users", users)
	if err != nil {
		return res, err
	}
	defer dst.Stop()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	counts, err := simStats(ctx, hc, src.URL)
	if err != nil {
		return res, err
	}
	types := make([]string, 0, len(counts))
	for pt := range counts {
		types = append(types, pt)
	}
	sort.Strings(types)
	if n, err := activateHidden(ctx, hc, src.URL, types); err != nil {
		return res, err
	} else if n > 0 {
		logf("activated %d inactive source objects whose fields senaite.jsonapi withholds (no migration can carry them)", n)
	}
	for _, n := range counts {
		res.Objects += n
	}
	dbURL, err := recreateDatabase(ctx, o.DatabaseURL, "senaite_sync_chaos")
	if err != nil {
		return res, err
	}
	nats, err := startNats(ctx, o.NatsBinary, filepath.Join(dir, "nats"))
	if err != nil {
		return res, err
	}
	defer nats.stop()
	f := &fleet{binary: o.SyncBinary, dir: dir, env: append(os.Environ(),
		"SENAITE_SYNC_DATABASE_URL="+dbURL, "SENAITE_SYNC_NATS_URL="+nats.url(), "SENAITE_SYNC_DATA_DIR="+dir,
		"SENAITE_SYNC_QUEUE_PREFIX=CHAOS", "SENAITE_SYNC_API_TOKEN=", "SENAITE_SYNC_LEASE_TTL=4s",
		"SENAITE_SYNC_LAB_TIMEOUT=3s"), procs: map[string]*proc{}}
	defer f.stopAll()
	for _, name := range []string{"coordinator-1", "coordinator-2", "fetcher-1", "fetcher-2", "importer-1", "importer-2", "importer-3"} {
		if err := f.start(name); err != nil {
			return res, err
		}
	}
	if err := f.waitAPI(ctx, hc); err != nil {
		return res, err
	}
	for _, in := range []map[string]any{
		{"name": "source", "url": src.URL, "username": "admin", "password": "secret"},
		{"name": "destination", "url": dst.URL, "username": "admin", "password": "secret",
			"verifier_username": "verifier", "verifier_password": "secret"},
	} {
		if err := f.api(ctx, hc, "POST", "/api/v1/instances", in, nil); err != nil {
			return res, err
		}
	}
	if err := f.api(ctx, hc, "POST", "/api/v1/remotes", map[string]any{"name": "chaos", "source": "source",
		"destination": "destination"}, nil); err != nil {
		return res, err
	}
	if err := setFaults(ctx, hc, dst.URL, chaosFaults); err != nil {
		return res, err
	}

	// the harness strikes from the first run to the last
	h := &harness{f: f, nats: nats, restartPG: o.RestartPostgres, dbURL: dbURL, rng: mrand.New(mrand.NewPCG(o.Seed, o.Seed^0x5eed)),
		blows: res.Blows, logf: logf}
	hctx, stopHarness := context.WithCancel(ctx)
	harnessDone := make(chan struct{})
	go func() { defer close(harnessDone); h.run(hctx, o.Every) }()
	stopChaos := func() { stopHarness(); <-harnessDone }
	defer stopChaos()

	step := func(kind string) (ChaosRun, error) {
		logf("%s…", kind)
		run, err := f.runStep(ctx, hc, kind, o.RunTimeout)
		logf("%s %s in %s %v %s", kind, run.Status, run.Elapsed.Round(time.Second), run.Counts, run.Error)
		return run, err
	}
	for i, kind := range []string{"fetch", "import", "update", "update"} {
		if kind == "update" {
			edited, _, _, err := editSource(ctx, hc, src.URL, 0.01, fmt.Sprintf("changed by chaos round %d", i))
			if err != nil {
				return res, err
			}
			logf("edited %d source objects", edited)
		}
		run, err := step(kind)
		res.Runs = append(res.Runs, run)
		if err != nil {
			return res, err
		}
	}
	stopChaos()
	if res.Faults, err = faultCounts(ctx, hc, dst.URL); err != nil {
		return res, err
	}
	// the end: every process back, the lab quiet, and a sceptic's look
	if err := setFaults(ctx, hc, dst.URL, map[string]any{"error_rate": 0, "timeout_rate": 0, "malformed_rate": 0,
		"drop_rate": 0, "api_error_rate": 0}); err != nil {
		return res, err
	}
	if err := f.resumeAll(); err != nil {
		return res, err
	}
	if res.Verify, err = step("verify"); err != nil {
		return res, err
	}
	a, err := crosscheck.Read(ctx, src.URL, "admin", "secret")
	if err != nil {
		return res, err
	}
	b, err := crosscheck.Read(ctx, dst.URL, "admin", "secret")
	if err != nil {
		return res, err
	}
	res.Cross = crosscheck.Compare(a, b, crosscheck.Options{Examples: 5})
	res.Elapsed = time.Since(started)
	return res, nil
}

// proc is one senaite-sync process of the fleet.
type proc struct {
	name   string
	cmd    *exec.Cmd
	log    string
	addr   string // coordinators: the API's address
	paused bool
	done   chan struct{}
}

// fleet runs the senaite-sync processes of a chaos run.
type fleet struct {
	binary string
	dir    string
	env    []string
	// defaults starts the workers with their own defaults instead of the
	// chaos's small concurrency (what a user's deployment does)
	defaults bool
	mu       sync.Mutex
	procs    map[string]*proc
	starts   int
}

func (f *fleet) start(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	role, _, _ := strings.Cut(name, "-")
	f.starts++
	p := &proc{name: name, log: filepath.Join(f.dir, fmt.Sprintf("%s.%d.log", name, f.starts)), done: make(chan struct{})}
	args := []string{role}
	switch role {
	case "coordinator":
		if old, ok := f.procs[name]; ok {
			p.addr = old.addr // the same address: clients keep it
		} else {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			p.addr = ln.Addr().String()
			ln.Close()
		}
		args = append(args, "--http-addr", p.addr)
	case "fetcher":
		if !f.defaults {
			args = append(args, "--concurrency", "4")
		}
	case "importer":
		if !f.defaults {
			args = append(args, "--concurrency", "6")
		}
	}
	if role == "fetcher" || role == "importer" {
		args = append(args, "--http-addr", "127.0.0.1:0") // probes of their own, beside the coordinator's
	}
	out, err := os.Create(p.log)
	if err != nil {
		return err
	}
	p.cmd = exec.Command(f.binary, args...)
	p.cmd.Env = f.env
	p.cmd.Stdout, p.cmd.Stderr = out, out
	dieWithParent(p.cmd)
	if err := p.cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("chaos: start %s: %w", name, err)
	}
	go func() { _ = p.cmd.Wait(); out.Close(); close(p.done) }()
	f.procs[name] = p
	return nil
}

// kill SIGKILLs a process and starts it again.
func (f *fleet) kill(name string) error {
	f.mu.Lock()
	p := f.procs[name]
	f.mu.Unlock()
	if p.paused {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return f.start(name)
}

// resumeAll continues every paused process and restarts every one that
// exited by itself.
func (f *fleet) resumeAll() error {
	f.mu.Lock()
	var restart []string
	for name, p := range f.procs {
		if p.paused {
			_ = p.cmd.Process.Signal(syscall.SIGCONT)
			p.paused = false
		}
		select {
		case <-p.done:
			restart = append(restart, name)
		default:
		}
	}
	f.mu.Unlock()
	for _, name := range restart {
		if err := f.start(name); err != nil {
			return err
		}
	}
	return nil
}

func (f *fleet) stopAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.procs {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range f.procs {
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// coordinators lists the coordinators' API bases, running ones first.
func (f *fleet) coordinators() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, name := range []string{"coordinator-1", "coordinator-2"} {
		if p, ok := f.procs[name]; ok && !p.paused {
			out = append(out, "http://"+p.addr)
		}
	}
	return out
}

// api calls whichever coordinator answers.
func (f *fleet) api(ctx context.Context, hc *http.Client, method, path string, body, out any) error {
	var last error
	for attempt := 0; attempt < 60; attempt++ {
		for _, base := range f.coordinators() {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := apiCall(cctx, hc, method, base+path, body, out)
			cancel()
			if err == nil {
				return nil
			}
			last = err
			if !errors.Is(err, context.DeadlineExceeded) && !isConnErr(err) {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return last
}

func isConnErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &oe) || errors.As(err, &ne) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "connection refused")
}

func (f *fleet) waitAPI(ctx context.Context, hc *http.Client) error {
	for _, base := range f.coordinators() {
		if err := waitHTTP(ctx, hc, base+"/readyz", 60*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// runStep starts a run and polls it (through any coordinator) until it
// ends or limit passes.
func (f *fleet) runStep(ctx context.Context, hc *http.Client, kind string, limit time.Duration) (ChaosRun, error) {
	var out struct {
		Run map[string]any `json:"run"`
	}
	started := time.Now()
	if err := f.api(ctx, hc, "POST", "/api/v1/remotes/chaos/"+kind, nil, &out); err != nil {
		return ChaosRun{Kind: kind}, err
	}
	id := fmt.Sprint(out.Run["id"])
	for time.Since(started) < limit {
		select {
		case <-ctx.Done():
			return ChaosRun{Kind: kind}, ctx.Err()
		case <-time.After(2 * time.Second):
		}
		if err := f.api(ctx, hc, "GET", "/api/v1/runs/"+id, nil, &out); err != nil {
			continue // every coordinator may be down at this moment
		}
		switch st := fmt.Sprint(out.Run["status"]); st {
		case "succeeded", "partial", "failed", "cancelled":
			run := ChaosRun{Kind: kind, Status: st, Elapsed: time.Since(started), Counts: map[string]int{}}
			if e, ok := out.Run["error"].(string); ok {
				run.Error = e
			}
			for _, k := range []string{"total", "fetched", "created", "updated", "unchanged", "conflicts", "failed"} {
				run.Counts[k] = countOf(out.Run, k)
			}
			return run, nil
		}
	}
	return ChaosRun{Kind: kind, Status: "did not end", Elapsed: time.Since(started)}, nil
}

// harness strikes the fleet, NATS and PostgreSQL at random, seeded.
type harness struct {
	f         *fleet
	nats      *natsServer
	restartPG []string
	dbURL     string
	rng       *mrand.Rand
	blows     map[string]int
	logf      func(string, ...any)
}

// Blow kinds.
const (
	blowKillImporter = "SIGKILL an importer"
	blowKillFetcher  = "SIGKILL a fetcher"
	blowKillLeader   = "SIGKILL the leading coordinator"
	blowStopLeader   = "SIGSTOP the leading coordinator for 10 s"
	blowNats         = "restart nats-server"
	blowPostgres     = "restart PostgreSQL"
)

func (h *harness) run(ctx context.Context, every time.Duration) {
	// workers die more often than leaders, as in a fleet: three workers to
	// one leader, one nats-server and one database blow
	kinds := []string{blowKillImporter, blowKillImporter, blowKillImporter, blowKillFetcher, blowKillFetcher,
		blowKillLeader, blowStopLeader, blowNats}
	if len(h.restartPG) > 0 {
		kinds = append(kinds, blowPostgres)
	}
	for {
		pause := every/2 + time.Duration(h.rng.Int64N(int64(every)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		kind := kinds[h.rng.IntN(len(kinds))]
		if err := h.strike(ctx, kind); err != nil {
			h.logf("blow %q: %v", kind, err)
			continue
		}
		h.blows[kind]++
		h.logf("blow: %s", kind)
	}
}

func (h *harness) strike(ctx context.Context, kind string) error {
	switch kind {
	case blowKillImporter:
		return h.f.kill(fmt.Sprintf("importer-%d", 1+h.rng.IntN(3)))
	case blowKillFetcher:
		return h.f.kill(fmt.Sprintf("fetcher-%d", 1+h.rng.IntN(2)))
	case blowKillLeader:
		name, err := h.leader(ctx)
		if err != nil {
			return err
		}
		return h.f.kill(name)
	case blowStopLeader:
		name, err := h.leader(ctx)
		if err != nil {
			return err
		}
		h.f.mu.Lock()
		p := h.f.procs[name]
		p.paused = true
		h.f.mu.Unlock()
		if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second): // longer than the lease: the standby takes over
		}
		h.f.mu.Lock()
		p.paused = false
		h.f.mu.Unlock()
		return p.cmd.Process.Signal(syscall.SIGCONT)
	case blowNats:
		return h.nats.restart(ctx)
	case blowPostgres:
		out, err := exec.CommandContext(ctx, h.restartPG[0], h.restartPG[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
	return fmt.Errorf("unknown blow %q", kind)
}

// leader names the coordinator holding the lease, from the holder each
// one logged when it started.
func (h *harness) leader(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, h.dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var holder string
	if err := conn.QueryRow(ctx, `SELECT holder FROM leases WHERE name = 'coordinator' AND expires_at > now()`).Scan(&holder); err != nil {
		return "", fmt.Errorf("no leader now: %w", err)
	}
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	for name, p := range h.f.procs {
		if strings.HasPrefix(name, "coordinator") && logHolds(p.log, "holder="+holder) {
			return name, nil
		}
	}
	return "", fmt.Errorf("holder %s is none of the coordinators", holder)
}

func logHolds(path, s string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			return true
		}
	}
	return false
}

// natsServer is a nats-server with JetStream of the chaos run's own, on a
// port of its own, restarted with its store kept.
type natsServer struct {
	binary, dir string
	port        int
	cmd         *exec.Cmd
	done        chan struct{}
}

func startNats(ctx context.Context, binary, dir string) (*natsServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	n := &natsServer{binary: binary, dir: dir, port: port}
	return n, n.start(ctx)
}

func (n *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }

func (n *natsServer) start(ctx context.Context) error {
	n.cmd = exec.Command(n.binary, "-a", "127.0.0.1", "-p", fmt.Sprint(n.port), "-js", "-sd", n.dir)
	n.cmd.Stdout, n.cmd.Stderr = io.Discard, io.Discard
	dieWithParent(n.cmd)
	if err := n.cmd.Start(); err != nil {
		return fmt.Errorf("chaos: start nats-server: %w", err)
	}
	n.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(n.cmd, n.done)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", n.port), time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("chaos: nats-server did not listen within 30s")
}

func (n *natsServer) restart(ctx context.Context) error {
	_ = n.cmd.Process.Kill()
	<-n.done
	return n.start(ctx)
}

func (n *natsServer) stop() {
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// setFaults sets the destination simulator's fault rates.
func setFaults(ctx context.Context, hc *http.Client, siteURL string, cfg map[string]any) error {
	u, err := url.Parse(siteURL)
	if err != nil {
		return err
	}
	return apiCall(ctx, hc, "PUT", u.Scheme+"://"+u.Host+"/__sim/faults", cfg, nil)
}

// faultCounts is what the simulator injected, by kind.
func faultCounts(ctx context.Context, hc *http.Client, siteURL string) (map[string]int, error) {
	u, err := url.Parse(siteURL)
	if err != nil {
		return nil, err
	}
	var st struct {
		Faults map[string]int `json:"faults_injected"`
	}
	if err := apiCall(ctx, hc, "GET", u.Scheme+"://"+u.Host+"/__sim/stats", nil, &st); err != nil {
		return nil, err
	}
	return st.Faults, nil
}

// SortedKeys lists a count map's keys in order, for printing.
func SortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
