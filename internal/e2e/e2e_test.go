// Package e2e runs the real senaite-sync binaries — coordinator, fetcher
// and importer as separate processes — against simulated labs, PostgreSQL
// and nats-server, as an operations team would.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/sim"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
	"github.com/senaite-sync/senaite-sync/internal/verify"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "senaite-sync-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "senaite-sync")
	// stamped as make build stamps it (TestVersionIsStamped)
	ldflags := ""
	if v, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output(); err == nil {
		ldflags = "-X github.com/senaite-sync/senaite-sync/internal/cli.Version=" + strings.TrimSpace(string(v))
	}
	out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", binary, "github.com/senaite-sync/senaite-sync/cmd/senaite-sync").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

type proc struct {
	cmd *exec.Cmd
	log *bytes.Buffer
}

type deployment struct {
	t    *testing.T
	env  []string
	api  string
	logs map[string]*logBuffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func newDeployment(t *testing.T) *deployment {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	addr := freeAddr(t)
	return &deployment{t: t, api: "http://" + addr, logs: map[string]*logBuffer{}, env: append(os.Environ(),
		"SENAITE_SYNC_DATABASE_URL="+storetest.Schema(t),
		"SENAITE_SYNC_QUEUE_PREFIX=E"+hex.EncodeToString(b[:]),
		"SENAITE_SYNC_DATA_DIR="+t.TempDir(),
		"SENAITE_SYNC_HTTP_ADDR="+addr,
		"SENAITE_SYNC_URL=http://"+addr,
	)}
}

// start runs a role as a child process; stop (SIGTERM) or kill at the end.
func (d *deployment) start(role string, args ...string) *exec.Cmd {
	d.t.Helper()
	if (role == "fetcher" || role == "importer") && !slices.Contains(args, "--http-addr") {
		// the environment's address is the coordinator's: a worker's probes
		// take a free port of their own
		args = append(args, "--http-addr", "127.0.0.1:0")
	}
	cmd := exec.Command(binary, append([]string{role}, args...)...)
	cmd.Env = d.env
	buf := &logBuffer{}
	cmd.Stdout, cmd.Stderr = buf, buf
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.logs[fmt.Sprintf("%s-%d", role, cmd.Process.Pid)] = buf
	d.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return cmd
}

func (d *deployment) call(method, path string, body any, out any) int {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, d.api+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// waitAPI waits (bounded) for the coordinator to answer.
func (d *deployment) waitAPI() {
	d.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if d.call("GET", "/healthz", nil, nil) == 200 {
			return
		}
	}
	d.dumpLogs()
	d.t.Fatal("coordinator did not answer in 30s")
}

func (d *deployment) databaseURL() string {
	for _, e := range d.env {
		if v, ok := strings.CutPrefix(e, "SENAITE_SYNC_DATABASE_URL="); ok {
			return v
		}
	}
	return ""
}

// dumpObjects logs the objects that did not end imported, with reasons.
func (d *deployment) dumpObjects() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.databaseURL())
	if err != nil {
		d.t.Log(err)
		return
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `(SELECT portal_type, source_path, state, coalesce(reason, '') FROM objects
		WHERE state <> 'imported' AND portal_type NOT IN ('Analysis', 'ARReport') ORDER BY source_path LIMIT 15)
		UNION ALL (SELECT portal_type, source_path, state, coalesce(reason, '') FROM objects
		WHERE state <> 'imported' OR reason IS NOT NULL
		ORDER BY coalesce(reason, '') LIKE 'its dependency%', state, source_path LIMIT 30)`)
	for rows.Next() {
		var pt, path, state, reason string
		_ = rows.Scan(&pt, &path, &state, &reason)
		d.t.Logf("%s %s %s: %s", pt, path, state, reason)
	}
	rows.Close()
}

func (d *deployment) dumpLogs() {
	for name, b := range d.logs {
		d.t.Logf("--- %s ---\n%s", name, b.String())
	}
}

type run struct {
	Run struct {
		ID     string         `json:"id"`
		Status string         `json:"status"`
		Error  string         `json:"error"`
		Note   string         `json:"note"`
		Stage  string         `json:"stage"`
		Counts map[string]int `json:"counts"`
	} `json:"run"`
}

// runStep starts a step and waits (bounded) for its end; during, it calls
// while for each observed state.
func (d *deployment) runStep(remote, kind string, while func(r run)) run {
	d.t.Helper()
	var r run
	// 409: another run of the remote is active (an auto-sync slot that
	// began meanwhile); a user starts the step once it has ended
	st := d.call("POST", "/api/v1/remotes/"+remote+"/"+kind, nil, &r)
	for deadline := time.Now().Add(120 * time.Second); st == http.StatusConflict && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond) // polling the API, bounded
		st = d.call("POST", "/api/v1/remotes/"+remote+"/"+kind, nil, &r)
	}
	if st != http.StatusAccepted {
		d.t.Fatalf("%s: %d", kind, st)
	}
	id := r.Run.ID
	for deadline := time.Now().Add(180 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		d.call("GET", "/api/v1/runs/"+id, nil, &r)
		switch r.Run.Status {
		case "succeeded", "partial", "failed", "cancelled":
			return r
		}
		if while != nil {
			while(r)
		}
	}
	d.dumpLogs()
	d.t.Fatalf("%s did not finish", kind)
	return r
}

func labServer(t *testing.T, lab *sim.Lab) string { return labServerWith(t, lab, nil) }

// labServerWith serves lab with faults (latency, errors) a test sets.
func labServerWith(t *testing.T, lab *sim.Lab, faults *sim.Faults) string {
	t.Helper()
	hs := httptest.NewServer(sim.NewServer(lab, faults, nil))
	t.Cleanup(hs.Close)
	return hs.URL + "/senaite"
}

func stateMix(l *sim.Lab) map[string]map[string]int {
	out := map[string]map[string]int{}
	for pt := range l.Stats(nil).ByType {
		m := map[string]int{}
		for _, o := range l.Objects(pt) {
			m[o.State]++
		}
		out[pt] = m
	}
	return out
}

// migration is a source lab, an empty destination and a deployment with
// both registered and the remote a_to_b.
type migration struct {
	d              *deployment
	srcLab, dstLab *sim.Lab
	srcURL, dstURL string
	// dstFaults breaks the destination (latency, errors) where a test says.
	dstFaults *sim.Faults
}

var labUsers = []sim.User{{Username: "admin", Password: "secret"}, {Username: "verifier", Password: "pw"}}

func newMigration(t *testing.T, objects int, seed uint64) *migration {
	t.Helper()
	srcLab, _ := sim.NewLab(sim.Options{Seed: seed, Users: labUsers})
	if err := sim.Generate(srcLab, objects); err != nil {
		t.Fatal(err)
	}
	dstLab, _ := sim.NewLab(sim.Options{Seed: seed + 1, Users: labUsers})
	faults := sim.NewFaults(seed)
	return &migration{d: newDeployment(t), srcLab: srcLab, dstLab: dstLab, dstFaults: faults,
		srcURL: labServer(t, srcLab), dstURL: labServerWith(t, dstLab, faults)}
}

// register adds both labs and the remote a_to_b (with options, the API's
// keys, when given).
func (m *migration) register(options ...map[string]any) {
	t := m.d.t
	t.Helper()
	for _, in := range []map[string]any{
		{"name": "lab_a", "url": m.srcURL, "username": "admin", "password": "secret"},
		{"name": "lab_b", "url": m.dstURL, "username": "admin", "password": "secret", "verifier_username": "verifier", "verifier_password": "pw"},
	} {
		if st := m.d.call("POST", "/api/v1/instances", in, nil); st != 201 {
			t.Fatalf("instance: %d", st)
		}
	}
	body := map[string]any{"name": "a_to_b", "source": "lab_a", "destination": "lab_b"}
	for _, o := range options {
		for k, v := range o {
			body[k] = v
		}
	}
	if st := m.d.call("POST", "/api/v1/remotes", body, nil); st != 201 {
		t.Fatalf("remote: %d", st)
	}
}

// assertMirrored checks what a user checks after a migration: per portal
// type the destination holds exactly the source's number of objects, and
// object by object (through the identity table) the same field values
// with references pointing at the corresponding objects, the same review
// states and the same containment — read over HTTP from both labs —, a
// checker of the test's own that matches objects by content finds every
// value, id and reference equal (crossCheck), and the product's own
// verify step finds no difference either.
func (m *migration) assertMirrored() {
	t := m.d.t
	t.Helper()
	ctx := context.Background()
	if src, dst := m.srcLab.Stats(nil).ByType, m.dstLab.Stats(nil).ByType; !reflect.DeepEqual(src, dst) {
		t.Errorf("objects per type:\nsource      %v\ndestination %v", src, dst)
	}
	st, err := store.Open(ctx, m.d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rm, err := st.Remote(ctx, "a_to_b")
	if err != nil {
		t.Fatal(err)
	}
	replicas, err := st.ReplicaMap(ctx, rm.SourceID, rm.DestinationID)
	if err != nil {
		t.Fatal(err)
	}
	read := func(url string) []verify.Object {
		cl, err := senaite.New(senaite.Config{URL: url, Username: "admin", Password: "secret", MaxConcurrency: 4})
		if err != nil {
			t.Fatal(err)
		}
		objs, err := verify.Read(ctx, cl, nil)
		if err != nil {
			t.Fatal(err)
		}
		return objs
	}
	rep := verify.Compare(verify.Input{Source: read(m.srcURL), Copies: read(m.dstURL), Replicas: replicas})
	if !reflect.DeepEqual(rep.Source, rep.Destination) {
		t.Errorf("replicas per type:\nsource      %v\ndestination %v", rep.Source, rep.Destination)
	}
	kinds := map[string]int{}
	for _, d := range rep.Differences {
		k := d.Kind + " " + d.PortalType + " " + d.Field
		kinds[k]++
		if kinds[k] <= 3 {
			t.Errorf("%s", d)
		}
	}
	if len(rep.Differences) > 0 {
		t.Errorf("%d differences: %v", len(rep.Differences), kinds)
	}
	// and a sceptic's own comparison, by content, finds nothing either
	m.crossCheck()
	// and what a user runs to check it: the verify step finds the same
	if n, want := m.d.verifyClean("a_to_b"), len(read(m.srcURL)); n != want {
		t.Errorf("verify compared %d objects, the source holds %d", n, want)
	}
}

// distributed starts a coordinator, two fetchers and the given number of
// importers as separate processes and registers the labs; it returns the
// importers.
func (m *migration) distributed(importers int) []*exec.Cmd {
	d := m.d
	d.start("coordinator")
	d.waitAPI()
	for i := 0; i < 2; i++ {
		d.start("fetcher", "--concurrency", "4")
	}
	var out []*exec.Cmd
	for i := 0; i < importers; i++ {
		out = append(out, d.start("importer", "--concurrency", "6"))
	}
	m.register()
	return out
}

// migrate runs the fetch (which must succeed) and the import, calling
// while during the import, and reports an import that did not succeed.
func (m *migration) migrate(while func(run)) {
	d, t := m.d, m.d.t
	t.Helper()
	if r := d.runStep("a_to_b", "fetch", nil); r.Run.Status != "succeeded" {
		d.dumpLogs()
		t.Fatalf("fetch %s: %s", r.Run.Status, r.Run.Error)
	}
	if r := d.runStep("a_to_b", "import", while); r.Run.Status != "succeeded" {
		d.dumpObjects()
		t.Errorf("import %s: %s", r.Run.Status, r.Run.Error)
	}
}

// TestMigrationFiveThousandObjects migrates a generated lab of 5,000
// objects into an empty one with a coordinator, two fetchers and two
// importers as separate processes: the destination mirrors the source.
func TestMigrationFiveThousandObjects(t *testing.T) {
	// not parallel: each deployment holds dozens of PostgreSQL connections
	// seed 75 has inactive Dexterity setup items (a sample type, a sample
	// point, an analysis category) whose fields the source withholds: they
	// are rebuilt from their catalog metadata
	m := newMigration(t, 5000, 75)
	// the labs answer at once here: the early workflow replay (which runs by
	// default for labs slower than 10 ms) is asked for, so that the sceptic
	// compares a copy it made
	m.d.env = append(m.d.env, "SENAITE_SYNC_EARLY_REPLAY_LATENCY=0")
	m.distributed(2)
	m.migrate(nil)
	m.assertMirrored()
	// samples replayed while the rest of the lab was being imported, and
	// the copy the sceptic compared is still the source's
	if n := m.d.earlyReplayed(); n == 0 {
		t.Error("no sample's workflow was replayed before every object had landed (early replay)")
	} else {
		t.Logf("%d families of samples replayed early", n)
	}
	// the duplicates and reference analyses, beside the last families
	if n := m.d.loggedSum(`quality control analyses.*?settled[=":]+(\d+)`); n == 0 {
		t.Error("no duplicate or reference analysis was replayed beside the early replay's last families")
	} else {
		t.Logf("%d duplicates and reference analyses replayed early", n)
	}
}

// earlyReplayed counts the families of samples the coordinators replayed
// early, from their logs ("early replay stopped", families).
func (d *deployment) earlyReplayed() int {
	return d.loggedSum(`early replay stopped.*?families[=":]+(\d+)`)
}

// loggedSum adds up a figure the coordinators logged (the first group of
// pattern) over every line that names it.
func (d *deployment) loggedSum(pattern string) int {
	re := regexp.MustCompile(pattern)
	n := 0
	for name, b := range d.logs {
		if !strings.HasPrefix(name, "coordinator") && !strings.HasPrefix(name, "standalone") {
			continue
		}
		for _, m := range re.FindAllStringSubmatch(b.String(), -1) {
			k, _ := strconv.Atoi(m[1])
			n += k
		}
	}
	return n
}

// TestMigrationSurvivesSIGKILL is the same migration with an importer
// killed by SIGKILL in the middle of the import and another started: the
// destination still mirrors the source — nothing lost, nothing duplicated.
func TestMigrationSurvivesSIGKILL(t *testing.T) {
	// seed 87 has an inactive department the source withholds the fields
	// of: rebuilt with its id as code and a lab contact standing in for its
	// manager, reported
	m := newMigration(t, 5000, 87)
	victim := m.distributed(2)[0]
	killed := false
	m.migrate(func(run) {
		if !killed && m.dstLab.Total() > 1000 {
			_ = victim.Process.Kill() // SIGKILL: no cleanup, messages in flight unacknowledged
			killed = true
			m.d.start("importer", "--concurrency", "6")
		}
	})
	if !killed {
		t.Fatal("the import finished before the importer could be killed")
	}
	m.assertMirrored()
}

// TestStandaloneMigration runs every role in one `senaite-sync standalone`
// process with its embedded NATS (no NATS URL: only PostgreSQL is
// needed), as `make demo` does: the migration mirrors the source, the
// JetStream store lives in the data directory and the generated secret key
// there is readable by its owner only.
func TestStandaloneMigration(t *testing.T) {
	m := newMigration(t, 1500, 66)
	d := m.d
	d.env = append(d.env, "SENAITE_SYNC_NATS_URL=")
	sa := d.start("standalone")
	d.waitAPI()
	if log := d.logs[fmt.Sprintf("standalone-%d", sa.Process.Pid)].String(); !strings.Contains(log, "embedded nats started") {
		t.Fatalf("standalone did not embed NATS:\n%s", log)
	}
	m.register()
	m.migrate(nil)
	m.assertMirrored()
	dir := ""
	for _, e := range d.env {
		if v, ok := strings.CutPrefix(e, "SENAITE_SYNC_DATA_DIR="); ok {
			dir = v
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "secret.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret key in the data dir: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream")); err != nil {
		t.Errorf("embedded JetStream store: %v", err)
	}
}

// verifyClean runs the verify step of a remote, as a user checks a sync,
// and requires it to find nothing different; it returns how many objects
// it compared.
func (d *deployment) verifyClean(remote string) int {
	d.t.Helper()
	r := d.runStep(remote, "verify", nil)
	if r.Run.Status != "succeeded" {
		var out struct {
			Differences []map[string]string `json:"differences"`
		}
		d.call("GET", "/api/v1/runs/"+r.Run.ID+"/differences?limit=20", nil, &out)
		for _, diff := range out.Differences {
			d.t.Logf("difference: %v", diff)
		}
		d.t.Fatalf("verify %s %s: %s %v", remote, r.Run.Status, r.Run.Error, r.Run.Counts)
	}
	if r.Run.Counts["failed"] != 0 || r.Run.Counts["total"] == 0 {
		d.t.Fatalf("verify %s counts %v", remote, r.Run.Counts)
	}
	return r.Run.Counts["total"]
}

// logBuffer is a process's output, written by exec's copier while the test
// reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logOf is the output of a process started by d.start.
func (d *deployment) logOf(cmd *exec.Cmd) string {
	for name, b := range d.logs {
		if strings.HasSuffix(name, "-"+strconv.Itoa(cmd.Process.Pid)) {
			return b.String()
		}
	}
	return ""
}

// holderOf is the lease holder a coordinator named in its log line
// "coordinator started holder=…".
func (d *deployment) holderOf(cmd *exec.Cmd) string {
	for _, line := range strings.Split(d.logOf(cmd), "\n") {
		if i := strings.Index(line, "holder="); i >= 0 && strings.Contains(line, "coordinator started") {
			return strings.Fields(line[i+len("holder="):])[0]
		}
	}
	return ""
}
