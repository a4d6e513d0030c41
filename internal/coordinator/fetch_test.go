package coordinator_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/fetcher"
	"github.com/senaite-sync/senaite-sync/internal/importer"
	"github.com/senaite-sync/senaite-sync/internal/labs"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/sim"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

type rig struct {
	st    *store.Store
	js    jetstream.JetStream
	names queue.Names
	qopts queue.Options
	key   *secret.Key
	co    *coordinator.Coordinator
	log   *slog.Logger
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	st := storetest.Migrated(t)
	nc, err := nats.Connect("nats://127.0.0.1:4222")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("nats-server is required under CI: %v", err)
		}
		t.Skipf("nats-server: %v", err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	var b [4]byte
	_, _ = rand.Read(b[:])
	names := queue.Names{Prefix: "T" + hex.EncodeToString(b[:])}
	qopts := queue.Options{Memory: true, AckWait: 5 * time.Second, MaxDeliver: 4}
	if err := queue.Setup(ctx, js, names, qopts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, r := range []queue.Role{queue.Fetch, queue.Import, queue.Tick} {
			_ = js.DeleteStream(context.Background(), names.Stream(r))
		}
	})
	key, _ := secret.LoadOrCreate("", t.TempDir())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &rig{st: st, js: js, names: names, qopts: qopts, key: key, log: log,
		co: &coordinator.Coordinator{Store: st, JS: js, Names: names, Key: key, Log: log}}
}

func (r *rig) instance(t *testing.T, name, url, pw string) {
	t.Helper()
	sealed, _ := r.key.Seal(pw)
	if _, err := r.st.CreateInstance(context.Background(), store.Instance{Name: name, URL: url, Username: "admin", Password: sealed}); err != nil {
		t.Fatal(err)
	}
}

// startFetchers runs n fetcher workers until the test ends.
func (r *rig) startFetchers(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, n)
	t.Cleanup(func() {
		cancel()
		for i := 0; i < n; i++ {
			<-done
		}
	})
	h := &fetcher.Handler{Store: r.st, Log: r.log, Source: func(ctx context.Context, remoteID int64) (*senaite.Client, error) {
		rm, err := r.st.RemoteByID(ctx, remoteID)
		if err != nil {
			return nil, err
		}
		in, err := r.st.InstanceByID(ctx, rm.SourceID)
		if err != nil {
			return nil, err
		}
		return labs.Client(in, r.key, labs.Bounds{MaxConcurrency: 4}, r.log)
	}}
	for i := 0; i < n; i++ {
		w := &fetcher.Worker{Handler: h, Work: r.work(queue.Fetch), Concurrency: 2, MaxDeliver: 4, Log: r.log}
		go func() { _ = w.Run(ctx); done <- struct{}{} }()
	}
}

// work is a role's queue for a worker of the rig.
func (r *rig) work(role queue.Role) *queue.Work {
	return &queue.Work{JS: r.js, Names: r.names, Role: role, Options: r.qopts, Log: r.log}
}

// waitRun ticks the coordinator until the run ends (bounded).
func (r *rig) waitRun(t *testing.T, id uuid.UUID) store.Run {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if err := r.co.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		run, err := r.st.Run(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		switch run.Status {
		case store.StatusSucceeded, store.StatusPartial, store.StatusFailed, store.StatusCancelled:
			return run
		}
		time.Sleep(20 * time.Millisecond) // poll interval of a bounded wait on observed state
	}
	t.Fatal("run did not finish in 60s")
	return store.Run{}
}

func TestFetchRunOverJetStream(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	lab, _ := sim.NewLab(sim.Options{Seed: 5, Users: []sim.User{{Username: "admin", Password: "secret"}}})
	if err := sim.Generate(lab, 1500); err != nil {
		t.Fatal(err)
	}
	src := httptest.NewServer(sim.NewServer(lab, nil, nil))
	defer src.Close()
	empty, _ := sim.NewLab(sim.Options{Users: []sim.User{{Username: "admin", Password: "secret"}}})
	dst := httptest.NewServer(sim.NewServer(empty, nil, nil))
	defer dst.Close()
	r.instance(t, "lab_a", src.URL+"/senaite", "secret")
	r.instance(t, "lab_b", dst.URL+"/senaite", "secret")
	if _, err := r.st.CreateRemote(context.Background(), "a_to_b", "lab_a", "lab_b", remote.Options{PageSize: 50}.Normalize()); err != nil {
		t.Fatal(err)
	}
	r.startFetchers(t, 2)
	run, err := r.co.StartRun(context.Background(), "a_to_b", store.KindFetch)
	if err != nil {
		t.Fatal(err)
	}
	done := r.waitRun(t, run.ID)
	if done.Status != store.StatusSucceeded {
		t.Fatalf("fetch ended %s: %s", done.Status, done.Error)
	}
	for pt, n := range lab.Stats(nil).ByType {
		if got := done.ByType[pt]; got.Fetched != n || got.Total != n {
			t.Errorf("%s: fetched %d of %d (lab has %d)", pt, got.Fetched, got.Total, n)
		}
	}
	if done.PagesDone != done.PagesTotal || done.PagesTotal == 0 {
		t.Fatalf("pages %d/%d", done.PagesDone, done.PagesTotal)
	}
}

func TestFetchRunFailsOnWrongPassword(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	lab, _ := sim.NewLab(sim.Options{Users: []sim.User{{Username: "admin", Password: "secret"}}})
	src := httptest.NewServer(sim.NewServer(lab, nil, nil))
	defer src.Close()
	r.instance(t, "lab_a", src.URL+"/senaite", "wrong")
	r.instance(t, "lab_b", src.URL+"/senaite", "secret")
	if _, err := r.st.CreateRemote(context.Background(), "a_to_b", "lab_a", "lab_b", remote.Options{}.Normalize()); err != nil {
		t.Fatal(err)
	}
	run, _ := r.co.StartRun(context.Background(), "a_to_b", store.KindFetch)
	done := r.waitRun(t, run.ID)
	if done.Status != store.StatusFailed || !strings.Contains(done.Error, "wrong username or password") {
		t.Fatalf("a wrong password must fail the run with the reason: %s %q", done.Status, done.Error)
	}
}

// TestFetchRunFailsOnUnknownType: a type name the source does not have
// (a typo in skip_types) fails the fetch with the field and the name,
// instead of filtering nothing silently.
func TestFetchRunFailsOnUnknownType(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	lab, _ := sim.NewLab(sim.Options{Users: []sim.User{{Username: "admin", Password: "secret"}}})
	src := httptest.NewServer(sim.NewServer(lab, nil, nil))
	defer src.Close()
	r.instance(t, "lab_a", src.URL+"/senaite", "secret")
	r.instance(t, "lab_b", src.URL+"/senaite", "secret")
	if _, err := r.st.CreateRemote(context.Background(), "a_to_b", "lab_a", "lab_b",
		remote.Options{SkipTypes: []string{"Method", "Methodd"}}.Normalize()); err != nil {
		t.Fatal(err)
	}
	run, _ := r.co.StartRun(context.Background(), "a_to_b", store.KindFetch)
	done := r.waitRun(t, run.ID)
	if done.Status != store.StatusFailed || !strings.Contains(done.Error, "skip_types") || !strings.Contains(done.Error, `"Methodd"`) {
		t.Fatalf("an unknown type must fail the run naming field and type: %s %q", done.Status, done.Error)
	}
}

// startImporters runs n importer workers until the test ends.
func (r *rig) startImporters(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, n)
	t.Cleanup(func() {
		cancel()
		for i := 0; i < n; i++ {
			<-done
		}
	})
	for i := 0; i < n; i++ {
		h := &importer.Handler{Store: r.st, Log: r.log, Clients: r.co.InstanceClient,
			Sequencer: &importer.Sequencer{JS: r.js, Names: r.names}}
		w := &importer.Worker{Handler: h, Work: r.work(queue.Import), Concurrency: 4, MaxDeliver: 4, Log: r.log}
		go func() { _ = w.Run(ctx); done <- struct{}{} }()
	}
}

// TestMigrationOverJetStream: fetch and import runs carried by two
// fetchers and two importers migrate a generated lab into an empty one:
// per type, the destination has the source's count and review states.
func TestMigrationOverJetStream(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	users := []sim.User{{Username: "admin", Password: "secret"}, {Username: "verifier", Password: "pw"}}
	srcLab, _ := sim.NewLab(sim.Options{Seed: 41, Users: users})
	if err := sim.Generate(srcLab, 1200); err != nil {
		t.Fatal(err)
	}
	dstLab, _ := sim.NewLab(sim.Options{Seed: 42, Users: users})
	src := httptest.NewServer(sim.NewServer(srcLab, nil, nil))
	defer src.Close()
	dst := httptest.NewServer(sim.NewServer(dstLab, nil, nil))
	defer dst.Close()
	r.instance(t, "lab_a", src.URL+"/senaite", "secret")
	sealed, _ := r.key.Seal("secret")
	vpw, _ := r.key.Seal("pw")
	if _, err := r.st.CreateInstance(context.Background(), store.Instance{Name: "lab_b", URL: dst.URL + "/senaite",
		Username: "admin", Password: sealed, VerifierUsername: "verifier", VerifierPassword: vpw}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.CreateRemote(context.Background(), "a_to_b", "lab_a", "lab_b", remote.Options{PageSize: 100}.Normalize()); err != nil {
		t.Fatal(err)
	}
	r.startFetchers(t, 2)
	r.startImporters(t, 2)
	run, _ := r.co.StartRun(context.Background(), "a_to_b", store.KindFetch)
	if done := r.waitRun(t, run.ID); done.Status != store.StatusSucceeded {
		t.Fatalf("fetch: %s %s", done.Status, done.Error)
	}
	run, err := r.co.StartRun(context.Background(), "a_to_b", store.KindImport)
	if err != nil {
		t.Fatal(err)
	}
	done := r.waitRun(t, run.ID)
	hidden := hiddenInactiveDX(srcLab)
	if done.Status != store.StatusSucceeded && !(done.Status == store.StatusPartial && hidden > 0 && done.Counts().Failed == hidden) {
		rows, _ := r.st.Pool().Query(context.Background(), `SELECT portal_type, source_path, state, coalesce(reason, '')
			FROM objects WHERE state NOT IN ('imported') ORDER BY state LIMIT 12`)
		for rows.Next() {
			var pt, path, state, reason string
			_ = rows.Scan(&pt, &path, &state, &reason)
			t.Logf("%s %s %s: %s", pt, path, state, reason)
			drows, _ := r.st.Pool().Query(context.Background(), `SELECT d.field, coalesce(t.portal_type, '?'), coalesce(t.source_path, d.target_uid)
				FROM deferred_refs d JOIN objects o ON o.remote_id = d.remote_id AND o.source_uid = d.source_uid
				LEFT JOIN objects t ON t.remote_id = d.remote_id AND t.source_uid = d.target_uid WHERE o.source_path = $1`, path)
			for drows.Next() {
				var f, tt, tp string
				_ = drows.Scan(&f, &tt, &tp)
				t.Logf("  deferred %s -> %s %s", f, tt, tp)
			}
			drows.Close()
		}
		rows.Close()
		t.Fatalf("import: %s %s", done.Status, done.Error)
	}
	for pt, n := range srcLab.Stats(nil).ByType {
		missing := hiddenOfType(srcLab, pt)
		if got := dstLab.Count(pt); got != n-missing {
			t.Errorf("%s: destination %d, source %d (%d unreadable)", pt, got, n, missing)
		}
		if a, b := stateMix(srcLab, pt), stateMix(dstLab, pt); missing == 0 && !reflect.DeepEqual(a, b) {
			t.Errorf("%s states: source %v, destination %v", pt, a, b)
		}
		// into an empty lab every id is kept: each ID sequence was created
		// in the source's order, one create after the other, whichever of
		// the two importers took each
		if a, b := idsOf(srcLab, pt), idsOf(dstLab, pt); missing == 0 && !reflect.DeepEqual(a, b) {
			t.Errorf("%s ids: source %v, destination %v", pt, a, b)
		}
	}
}

// idsOf are the ids of a lab's objects of a type, sorted.
func idsOf(l *sim.Lab, pt string) []string {
	var out []string
	for _, o := range l.Objects(pt) {
		out = append(out, o.ID)
	}
	slices.Sort(out)
	return out
}

// hiddenInactiveDX counts inactive Dexterity objects whose fields the
// source hides from the API (and everything inside them): they cannot be
// migrated, and the run must say so (partial, each one named).
func hiddenInactiveDX(l *sim.Lab) int {
	n := 0
	for pt := range l.Stats(nil).ByType {
		n += hiddenOfType(l, pt)
	}
	return n
}

func hiddenOfType(l *sim.Lab, pt string) int {
	n := 0
	for _, o := range l.Objects(pt) {
		if o.Type.DX && o.State == "inactive" && len(o.Type.Fields) > 2 {
			n++
		}
	}
	return n
}

func stateMix(l *sim.Lab, pt string) map[string]int {
	m := map[string]int{}
	for _, o := range l.Objects(pt) {
		m[o.State]++
	}
	return m
}

// TestFetchReadsMissingParentsByUID: with only contacts synced, their
// clients (outside the filter) are read by UID so that the contacts can be
// imported into them, and so is whatever they refer to.
func TestFetchReadsMissingParentsByUID(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	lab, _ := sim.NewLab(sim.Options{Seed: 6, Users: []sim.User{{Username: "admin", Password: "secret"}}})
	if err := sim.Generate(lab, 400); err != nil {
		t.Fatal(err)
	}
	src := httptest.NewServer(sim.NewServer(lab, nil, nil))
	defer src.Close()
	r.instance(t, "lab_a", src.URL+"/senaite", "secret")
	r.instance(t, "lab_b", src.URL+"/senaite", "secret")
	rm, err := r.st.CreateRemote(context.Background(), "a_to_b", "lab_a", "lab_b", remote.Options{FullSyncTypes: []string{"Contact"}}.Normalize())
	if err != nil {
		t.Fatal(err)
	}
	r.startFetchers(t, 1)
	run, _ := r.co.StartRun(context.Background(), "a_to_b", store.KindFetch)
	if done := r.waitRun(t, run.ID); done.Status != store.StatusSucceeded {
		t.Fatalf("fetch: %s %s", done.Status, done.Error)
	}
	counts, _ := r.st.CountObjects(context.Background(), rm.ID)
	if counts["Contact"] != lab.Count("Contact") || counts["Client"] != lab.Count("Client") || counts["ClientFolder"] != 1 {
		t.Fatalf("stored %v; lab has %d contacts in %d clients", counts, lab.Count("Contact"), lab.Count("Client"))
	}
	if counts["AnalysisRequest"] != 0 {
		t.Fatalf("samples were not asked for: %v", counts)
	}
	// what the contacts and their clients refer to is read too, so that the
	// import can create it on demand
	if missing, _ := r.st.MissingReferenced(context.Background(), rm); len(missing) > 0 {
		t.Fatalf("referenced but not fetched: %v", missing)
	}
	if counts["AnalysisCategory"] == 0 && counts["LabContact"] == 0 {
		t.Fatalf("nothing referenced was fetched: %v", counts)
	}
}
