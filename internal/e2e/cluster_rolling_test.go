package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestImportSurvivesARollingRestartAndAnOutage: the roles as processes on
// a three-node JetStream cluster while its nodes go down one after
// another, as in a rolling upgrade gone wrong (issue #14's second case):
//
//  1. the node leading the import stream is SIGKILLed; once the stream has
//     a new leader the node is started again (its store kept) and catches
//     up;
//  2. then the new leader is killed too: the import goes on;
//  3. then the next leader as well, leaving one node of three — no quorum,
//     no stream answers: the run says why it does not advance (its note),
//     and the coordinator's and the importers' /readyz answer 503 naming
//     JetStream, instead of a log line every tick;
//  4. the node of step 2 comes back: the import ends succeeded, the
//     destination mirrors the source, every process is ready again.
func TestImportSurvivesARollingRestartAndAnOutage(t *testing.T) {
	nodes := startNATSCluster(t)
	m := newMigration(t, 2000, 93)
	d := m.d
	d.env = append(d.env, "SENAITE_SYNC_NATS_URL="+clusterURL(nodes))
	// a lab that answers in 10 ms: the import lasts long enough for every
	// step above
	if err := m.dstFaults.Set(sim.FaultConfig{Latency: sim.Duration(10 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	stream := ""
	for _, e := range d.env {
		if p, ok := strings.CutPrefix(e, "SENAITE_SYNC_QUEUE_PREFIX="); ok {
			stream = p + "SYNC_IMPORT"
		}
	}
	d.start("coordinator")
	d.waitAPI()
	d.start("fetcher", "--concurrency", "4")
	var importerProbes []string
	for range 2 {
		addr := freeAddr(t)
		d.start("importer", "--concurrency", "6", "--http-addr", addr)
		importerProbes = append(importerProbes, "http://"+addr+"/readyz")
	}
	m.register()

	js, _ := jetstream.New(clusterConn(t, nodes))
	// the stream's cluster state; while it elects (or has no quorum) it
	// answers nothing
	cluster := func() *jetstream.ClusterInfo {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s, err := js.Stream(ctx, stream)
		if err != nil {
			return nil
		}
		return s.CachedInfo().Cluster
	}
	node := func(name string) *natsNode {
		for _, n := range nodes {
			if n.name == name {
				return n
			}
		}
		t.Fatalf("no node %q in the cluster", name)
		return nil
	}
	readyz := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}

	const (
		killFirst = iota
		restartFirst
		killSecond
		killThird
		outage
		recovering
	)
	step := killFirst
	var first, second, third *natsNode
	var at time.Time // when the current step's event happened
	var noteSeen, coordinatorNotReady, importerNotReady time.Duration
	total := m.srcLab.Total()
	m.migrate(func(r run) {
		ci := cluster()
		switch step {
		case killFirst:
			if m.dstLab.Total() < total/6 || ci == nil || ci.Leader == "" {
				return
			}
			first = node(ci.Leader)
			first.kill()
			at, step = time.Now(), restartFirst
			t.Logf("1. killed %s, the leader of %s, at %d of %d objects", first.name, stream, m.dstLab.Total(), total)
		case restartFirst:
			if ci == nil || ci.Leader == "" || ci.Leader == first.name {
				return
			}
			t.Logf("   %s elected %s after %s; %s started again", stream, ci.Leader, time.Since(at).Round(time.Millisecond), first.name)
			first.start(t)
			at, step = time.Now(), killSecond
		case killSecond:
			if ci == nil || ci.Leader == "" {
				return
			}
			caughtUp := false
			for _, p := range ci.Replicas {
				caughtUp = caughtUp || p.Name == first.name && p.Current && !p.Offline
			}
			if !caughtUp {
				return
			}
			second = node(ci.Leader)
			second.kill()
			t.Logf("2. %s caught up %s after its start; killed %s, the leader, at %d of %d objects",
				first.name, time.Since(at).Round(time.Millisecond), second.name, m.dstLab.Total(), total)
			at, step = time.Now(), killThird
		case killThird:
			if ci == nil || ci.Leader == "" || ci.Leader == second.name {
				return
			}
			third = node(ci.Leader)
			third.kill()
			t.Logf("   %s elected %s after %s", stream, third.name, time.Since(at).Round(time.Millisecond))
			t.Logf("3. killed %s too, at %d of %d objects: one node of three left", third.name, m.dstLab.Total(), total)
			at, step = time.Now(), outage
		case outage:
			elapsed := time.Since(at).Round(time.Millisecond)
			if noteSeen == 0 && r.Run.Note != "" {
				noteSeen = elapsed
				t.Logf("   run note after %s: %s", elapsed, r.Run.Note)
			}
			if code, body := readyz(d.api + "/readyz"); coordinatorNotReady == 0 && code == http.StatusServiceUnavailable && strings.Contains(body, "jetstream") {
				coordinatorNotReady = elapsed
				t.Logf("   coordinator /readyz %d after %s: %s", code, elapsed, body)
			}
			if code, body := readyz(importerProbes[0]); importerNotReady == 0 && code == http.StatusServiceUnavailable && strings.Contains(body, "jetstream") {
				importerNotReady = elapsed
				t.Logf("   importer /readyz %d after %s: %s", code, elapsed, body)
			}
			if noteSeen > 0 && coordinatorNotReady > 0 && importerNotReady > 0 || time.Since(at) > 60*time.Second {
				second.start(t)
				t.Logf("4. %s started again after %s of outage", second.name, elapsed)
				at, step = time.Now(), recovering
			}
		}
	})
	if step != recovering {
		t.Fatalf("the import ended at step %d of the scenario: the lab was too fast for it", step)
	}
	t.Logf("   the import ended %s after the quorum came back", time.Since(at).Round(time.Millisecond))
	if noteSeen == 0 {
		t.Error("no stream answered for a minute and the run's note never said so")
	}
	if coordinatorNotReady == 0 {
		t.Error("the coordinator's /readyz never answered 503 naming JetStream while no stream answered")
	}
	if importerNotReady == 0 {
		t.Error("the importer's /readyz never answered 503 naming JetStream while it could not pull")
	}
	m.assertMirrored()
	// every process ready again once its queue moves
	for _, url := range append([]string{d.api + "/readyz"}, importerProbes...) {
		code, body := 0, ""
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if code, body = readyz(url); code == http.StatusOK {
				break
			}
		}
		if code != http.StatusOK {
			t.Errorf("%s after the outage: %d %s", url, code, body)
		}
	}
}
