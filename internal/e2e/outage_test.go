package e2e

import (
	"io"
	"net"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pgProxy stands between the importers and PostgreSQL, so that a test can
// take the database away from them and give it back.
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

func newPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { _ = ln.Close(); p.setCut(true) })
	go p.serve()
	return p
}

func (p *pgProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close() // the database is "down": connections are refused at once
			continue
		}
		p.conns[c] = true
		p.mu.Unlock()
		go p.pipe(c)
	}
}

func (p *pgProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns[up] = true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
	_, _ = io.Copy(c, up)
	_ = c.Close()
}

// setCut takes the database away (closing every open connection) or gives
// it back.
func (p *pgProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			_ = c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}

// TestImportersOutlastDatabaseOutage takes PostgreSQL away from the
// importers for 20 s in the middle of an import: they wait for it, holding
// their messages, and the import succeeds with no object dead-lettered and
// no failure counted against any object — waiting for our own database
// spends no delivery budget (issue #12, point 4).
func TestImportersOutlastDatabaseOutage(t *testing.T) {
	m := newMigration(t, 1500, 83)
	d := m.d
	d.start("coordinator")
	d.waitAPI()
	d.start("fetcher", "--concurrency", "4")
	u, err := url.Parse(d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := newPGProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	direct := d.env
	d.env = nil
	for _, e := range direct {
		if !strings.HasPrefix(e, "SENAITE_SYNC_DATABASE_URL=") {
			d.env = append(d.env, e)
		}
	}
	d.env = append(d.env, "SENAITE_SYNC_DATABASE_URL="+u.String())
	var importers []*exec.Cmd
	for i := 0; i < 2; i++ {
		importers = append(importers, d.start("importer", "--concurrency", "6"))
	}
	d.env = direct
	m.register()
	if r := d.runStep("a_to_b", "fetch", nil); r.Run.Status != "succeeded" {
		t.Fatalf("fetch %s: %s", r.Run.Status, r.Run.Error)
	}
	var restored chan struct{}
	r := d.runStep("a_to_b", "import", func(run) {
		if restored != nil || m.dstLab.Total() < 300 {
			return
		}
		proxy.setCut(true)
		restored = make(chan struct{})
		time.AfterFunc(20*time.Second, func() { proxy.setCut(false); close(restored) }) // the outage's length
	})
	if restored == nil {
		t.Fatal("the import finished before the database could be taken away")
	}
	<-restored
	if r.Run.Status != "succeeded" {
		d.dumpObjects()
		t.Fatalf("import %s: %s", r.Run.Status, r.Run.Error)
	}
	waited := false
	for _, cmd := range importers {
		name, log := "importer "+strconv.Itoa(cmd.Process.Pid), d.logOf(cmd)
		if strings.Contains(log, "dead-lettered") {
			t.Errorf("%s dead-lettered objects during the outage", name)
		}
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "import failed; retrying") {
				t.Errorf("%s counted a failure: %s", name, line)
				break
			}
		}
		if strings.Contains(log, "database unavailable") {
			waited = true
		}
		if n := strings.Count(log, "database unavailable"); n > 1 {
			t.Errorf("%s logged the outage %d times, want once", name, n)
		}
	}
	if !waited {
		t.Error("no importer noticed the outage: the test proves nothing")
	}
	m.assertMirrored()
}
