package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// natsNode is one nats-server process of a test's cluster.
type natsNode struct {
	name string
	url  string
	args []string
	cmd  *exec.Cmd
	log  *logBuffer
}

// start starts the node's server (again: its store and ports kept).
func (n *natsNode) start(t *testing.T) {
	t.Helper()
	n.cmd = exec.Command(n.args[0], n.args[1:]...)
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

// kill SIGKILLs the node's server and reaps it.
func (n *natsNode) kill() {
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	_ = n.cmd.Wait()
}

// natsServerBinary is Debian's nats-server (scripts/services.sh installs
// it): a cluster needs processes that can be killed.
func natsServerBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SENAITE_SYNC_TEST_NATS_SERVER"), "/usr/sbin/nats-server"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("nats-server is required under CI (scripts/services.sh installs it)")
	}
	t.Skip("no nats-server binary")
	return ""
}

// startNATSCluster starts three JetStream servers on loopback, routed to
// each other, and waits until the cluster has a JetStream meta leader.
func startNATSCluster(t *testing.T) []*natsNode {
	t.Helper()
	bin := natsServerBinary(t)
	var clientAddrs, routeAddrs []string
	for i := 0; i < 3; i++ {
		clientAddrs = append(clientAddrs, freeAddr(t))
		routeAddrs = append(routeAddrs, freeAddr(t))
	}
	var routes []string
	for _, a := range routeAddrs {
		routes = append(routes, "nats://"+a)
	}
	var nodes []*natsNode
	for i := 0; i < 3; i++ {
		host, port, _ := strings.Cut(clientAddrs[i], ":")
		n := &natsNode{name: fmt.Sprintf("n%d", i+1), url: "nats://" + clientAddrs[i], log: &logBuffer{}}
		n.args = []string{bin, "-a", host, "-p", port, "-n", n.name, "-js", "-sd", filepath.Join(t.TempDir(), n.name),
			"--cluster_name", "senaite", "--cluster", "nats://" + routeAddrs[i], "--routes", strings.Join(routes, ",")}
		n.start(t)
		t.Cleanup(func() {
			n.kill()
			if t.Failed() {
				t.Logf("nats-server %s:\n%s", n.name, n.log.String())
			}
		})
		nodes = append(nodes, n)
	}
	nc := clusterConn(t, nodes)
	js, _ := jetstream.New(nc)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil && len(nc.Servers()) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			for _, n := range nodes {
				t.Logf("%s:\n%s", n.name, n.log.String())
			}
			t.Fatalf("the NATS cluster has no JetStream leader after 60s: %v", err)
		}
	}
	return nodes
}

// clusterURL names every server of the cluster, as SENAITE_SYNC_NATS_URL.
func clusterURL(nodes []*natsNode) string {
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.url)
	}
	return strings.Join(urls, ",")
}

func clusterConn(t *testing.T, nodes []*natsNode) *nats.Conn {
	t.Helper()
	var nc *nats.Conn
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if nc, err = nats.Connect(clusterURL(nodes), nats.MaxReconnects(-1)); err == nil {
			t.Cleanup(nc.Close)
			return nc
		}
	}
	t.Fatalf("nats cluster: %v", err)
	return nil
}

// TestImportSurvivesTheLossOfTheStreamLeader: coordinator, fetcher and two
// importers as processes on a three-node JetStream cluster; the node that
// leads the import stream is SIGKILLed a third of the way into the import
// and left down. The streams hold three replicas (the default on a cluster
// of three), so the import ends succeeded and the destination mirrors the
// source (issue #14: with one replica the run stayed running for good).
func TestImportSurvivesTheLossOfTheStreamLeader(t *testing.T) {
	nodes := startNATSCluster(t)
	m := newMigration(t, 1500, 71)
	m.d.env = append(m.d.env, "SENAITE_SYNC_NATS_URL="+clusterURL(nodes))
	nc := clusterConn(t, nodes)
	js, _ := jetstream.New(nc)
	stream, prefix := "", ""
	for _, e := range m.d.env {
		if p, ok := strings.CutPrefix(e, "SENAITE_SYNC_QUEUE_PREFIX="); ok {
			prefix, stream = p, p+"SYNC_IMPORT"
		}
	}
	// streams an earlier release made with one replica: moved to three
	// when the processes start
	if err := queue.Setup(context.Background(), js, queue.Names{Prefix: prefix}, queue.Options{Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	m.distributed(2)
	// the stream's state; while it elects a leader it may answer nothing
	streamInfo := func(timeout time.Duration) (*jetstream.StreamInfo, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		s, err := js.Stream(ctx, stream)
		if err != nil {
			return nil, err
		}
		return s.CachedInfo(), nil
	}
	info := func() *jetstream.StreamInfo {
		si, err := streamInfo(5 * time.Second)
		if err != nil {
			t.Fatalf("stream %s: %v", stream, err)
		}
		return si
	}
	// the move to three replicas: configured at once, the copies caught
	// up and a leader elected within moments
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		si, err := streamInfo(2 * time.Second)
		if err == nil && si.Config.Replicas == 3 && si.Cluster != nil && si.Cluster.Leader != "" && len(si.Cluster.Replicas) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s: %+v, %v; want 3 replicas and a leader on a cluster of three", stream, si, err)
		}
	}
	var killed *natsNode
	var killedAt time.Time
	total := m.srcLab.Total()
	dumped := false
	var electedAt time.Time
	m.migrate(func(run) {
		if killed != nil && electedAt.IsZero() {
			// asked briefly: while the stream elects, it answers nothing
			if si, err := streamInfo(time.Second); err == nil && si.Cluster != nil {
				if l := si.Cluster.Leader; l != "" && l != killed.name {
					electedAt = time.Now()
				}
			}
		}
		// still running long after the loss: what the queue and the objects
		// look like, for the failure's report
		if killed != nil && !dumped && time.Since(killedAt) > 30*time.Second {
			dumped = true
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			si := info()
			t.Logf("30 s after the loss: stream %+v, cluster %+v", si.State, si.Cluster)
			if s, err := js.Stream(ctx, stream); err == nil {
				l := s.ListConsumers(ctx)
				for ci := range l.Info() {
					t.Logf("consumer %s pending %d ackpending %d waiting %d cluster %+v", ci.Name, ci.NumPending, ci.NumAckPending, ci.NumWaiting, ci.Cluster)
				}
			}
			st, err := store.Open(ctx, m.d.databaseURL())
			if err == nil {
				rows, _ := st.Pool().Query(ctx, "select state, coalesce(wait_kind,''), count(*) from objects group by 1,2")
				for rows.Next() {
					var a, b string
					var n int
					_ = rows.Scan(&a, &b, &n)
					t.Logf("objects %s %s: %d", a, b, n)
				}
				rows.Close()
				st.Close()
			}
		}
		if killed != nil || m.dstLab.Total() < total/3 {
			return
		}
		leader := info().Cluster.Leader
		for _, n := range nodes {
			if n.name == leader {
				_ = n.cmd.Process.Signal(syscall.SIGKILL)
				killed, killedAt = n, time.Now()
				t.Logf("killed %s, the leader of %s, at %d of %d objects", leader, stream, m.dstLab.Total(), total)
			}
		}
		if killed == nil {
			t.Fatalf("the leader of %s is %q, none of the cluster's nodes", stream, leader)
		}
	})
	if killed == nil {
		t.Fatal("the import finished before a third of it: nothing was killed")
	}
	if electedAt.IsZero() {
		t.Errorf("%s never named a new leader", stream)
	} else {
		t.Logf("%s had a new leader %s after the node was lost; the import ended %s after", stream,
			electedAt.Sub(killedAt).Round(time.Millisecond), time.Since(killedAt).Round(time.Millisecond))
	}
	if si := info(); si.Cluster.Leader == killed.name {
		t.Errorf("%s still names the killed %s as its leader", stream, killed.name)
	}
	m.assertMirrored()
}
