package e2e

import (
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestTwoCoordinatorsOneReplay runs two coordinators against a slow
// destination (40 ms a request) with no fault at all: the end of the
// import — deferred references, the workflow replay, the read-back —
// takes longer than the lease, and the leader keeps it by renewing on its
// own timer, so exactly one coordinator replays and the review states
// arrive as the source has them (issue #12, point 1).
func TestTwoCoordinatorsOneReplay(t *testing.T) {
	m := newMigration(t, 1500, 71)
	if err := m.dstFaults.Set(sim.FaultConfig{Latency: sim.Duration(40 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	d := m.d
	a := d.start("coordinator")
	d.waitAPI()
	b := d.start("coordinator", "--http-addr", freeAddr(t))
	d.start("fetcher", "--concurrency", "4")
	for i := 0; i < 2; i++ {
		d.start("importer", "--concurrency", "8")
	}
	// leadership is under test, not the lab's protection: the slow lab
	// may take 16 at once, as the workers sent before lab bounds
	m.register(map[string]any{"max_concurrency": 16})
	m.migrate(nil)
	replayers := 0
	for _, c := range []*exec.Cmd{a, b} {
		if strings.Contains(d.logOf(c), "replaying workflows") {
			replayers++
		}
	}
	if replayers != 1 {
		t.Errorf("%d coordinators replayed the workflows of one import, want 1", replayers)
	}
	m.assertMirrored()
}

// TestPausedLeaderIsFenced pauses the leading coordinator (SIGSTOP) in the
// middle of the workflow replay for longer than its lease: the standby
// takes over and resumes the replay; when the paused one wakes it steps
// down without another write, the import succeeds and every review state
// is the source's.
func TestPausedLeaderIsFenced(t *testing.T) {
	m := newMigration(t, 1500, 72)
	if err := m.dstFaults.Set(sim.FaultConfig{Latency: sim.Duration(40 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	d := m.d
	d.env = append(d.env, "SENAITE_SYNC_LEASE_TTL=3s")
	a := d.start("coordinator")
	d.waitAPI()
	apiA := d.api
	addr := freeAddr(t)
	b := d.start("coordinator", "--http-addr", addr)
	apiB := "http://" + addr
	d.start("fetcher", "--concurrency", "4")
	for i := 0; i < 2; i++ {
		d.start("importer", "--concurrency", "8")
	}
	// leadership is under test, not the lab's protection: the slow lab
	// may take 16 at once, as the workers sent before lab bounds
	m.register(map[string]any{"max_concurrency": 16})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	holder := func() string {
		var h string
		_ = conn.QueryRow(ctx, `SELECT holder FROM leases WHERE name = 'coordinator' AND expires_at > now()`).Scan(&h)
		return h
	}
	var paused *exec.Cmd
	m.migrate(func(run) {
		if paused != nil {
			return
		}
		var leader, standby *exec.Cmd
		switch holder() {
		case d.holderOf(a):
			leader, standby, d.api = a, b, apiB
		case d.holderOf(b):
			leader, standby, d.api = b, a, apiA
		default:
			return
		}
		if !strings.Contains(d.logOf(leader), "replaying workflows") {
			return
		}
		paused = leader
		if err := leader.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		// the standby takes the lease over and resumes the replay
		for deadline := time.Now().Add(60 * time.Second); !strings.Contains(d.logOf(standby), "replaying workflows"); {
			if time.Now().After(deadline) {
				_ = leader.Process.Signal(syscall.SIGCONT)
				t.Fatal("the standby did not take the replay over")
			}
			time.Sleep(50 * time.Millisecond) // polling another process's log, bounded above
		}
		if err := leader.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
	})
	if paused == nil {
		t.Fatal("the import finished before its leader could be paused during the replay")
	}
	// the paused leader learnt it no longer leads
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(d.logOf(paused), "stepped down"); {
		if time.Now().After(deadline) {
			t.Fatalf("the paused leader never stepped down:\n%s", tail(d.logOf(paused), 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.assertMirrored()
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
