package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// chromiumPath is Debian's headless-capable Chromium (the chromium
// package, which scripts/services.sh installs).
const chromiumPath = "/usr/bin/chromium"

// TestConsoleInBrowser (issue #15) drives the web console in Debian's
// headless Chromium as a person would, against a real coordinator with a
// fetcher and an importer (separate processes on PostgreSQL and the local
// nats-server) and two real senaite-sim labs — one generated, one empty
// and slow: sign in with the API token, add both labs on the instances
// page, define a remote, fetch, watch the import's page count objects done
// while the import still runs, change an object on the destination and
// see verify's differences on their page, change it at the source too and
// settle the conflict the update finds, sign out. It reads what the pages
// show; every wait is bounded.
func TestConsoleInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		// fails under CI, skips elsewhere, as a missing PostgreSQL does
		storetest.Unavailable(t, "headless Chromium (Debian's chromium package: apt-get install chromium)", err)
	}
	started := time.Now()
	const token = "browser-test-token"
	srcURL := startSim(t, "--objects", "500", "--seed", "41", "--users", "admin:secret")
	// slow, so that a person sees the import under way: 20 ms a request,
	// and at most 8 at once however fast the machine (the import then takes
	// some seconds; its page refreshes every two)
	dstURL := startSim(t, "--empty", "--seed", "42", "--latency", "20ms", "--capacity", "8", "--users", "admin:secret,verifier:pw")

	d := newDeployment(t)
	d.env = append(d.env, "SENAITE_SYNC_API_TOKEN="+token)
	d.start("coordinator")
	d.waitAPI()
	d.start("fetcher", "--concurrency", "4")
	d.start("importer", "--concurrency", "6")
	t.Cleanup(func() {
		if t.Failed() {
			d.dumpLogs()
		}
	})

	b := newBrowser(t, d.api)

	// sign in: the console asks for the token, refuses a wrong one
	b.open("/console/")
	b.expectPath("/console/login")
	b.expectText("h2", "Sign in")
	b.fill(`input[name="token"]`, "not-the-token")
	b.submitRefused(`form[action="/console/login"] button`, http.StatusUnauthorized)
	b.expectText("main", "That is not the coordinator's API token.")
	b.fill(`input[name="token"]`, token)
	b.submit(`form[action="/console/login"] button`)
	b.expectPath("/console/")
	b.expectText("h2", "Remotes")
	b.expectText("header", "sign out")

	// two instances through the instances page's form, each checked
	// against its lab before it is kept
	b.submit(`header a[href="/console/instances"]`)
	b.expectText("main", "No instance yet.")
	b.fill(`input[name="name"]`, "lab_a")
	b.fill(`input[name="url"]`, srcURL)
	b.fill(`input[name="username"]`, "admin")
	b.fill(`input[name="password"]`, "secret")
	b.submit(`form[action="/console/instances"] button`)
	b.expectText("main", "instance lab_a registered")
	b.fill(`input[name="name"]`, "lab_b")
	b.fill(`input[name="url"]`, dstURL)
	b.fill(`input[name="username"]`, "admin")
	b.fill(`input[name="password"]`, "secret")
	b.fill(`input[name="verifier_username"]`, "verifier")
	b.fill(`input[name="verifier_password"]`, "pw")
	b.submit(`form[action="/console/instances"] button`)
	b.expectText("main", "instance lab_b registered")
	for _, row := range []string{"lab_a\t" + srcURL + "\tadmin", "lab_b\t" + dstURL + "\tadmin\tverifier"} {
		b.expectText("table", row)
	}

	// a remote through the remotes page's form
	b.submit(`header a[href="/console/"]`)
	b.fill(`input[name="name"]`, "a_to_b")
	b.choose(`select[name="source"]`, "lab_a")
	b.choose(`select[name="destination"]`, "lab_b")
	b.submit(`form[action="/console/remotes"] button`)
	b.expectText("main", "remote a_to_b defined: fetch it first")
	b.expectText("table", "lab_a → lab_b")

	// fetch, from the board's button; its page refreshes until the end
	b.submit(`form[action="/console/remotes/a_to_b/fetch"] button`)
	b.expectText("h2", "fetch run of a_to_b")
	if st := b.waitRunEnd(); st != "succeeded" {
		t.Fatalf("the fetch's page says %s:\n%s", st, b.text("main"))
	}

	// import: its page counts the objects done while the import runs
	b.submit(`header a[href="/console/"]`)
	b.submit(`form[action="/console/remotes/a_to_b/import"] button`)
	b.expectText("h2", "import run of a_to_b")
	progress := b.watchProgress()
	t.Logf("the running import's page showed %q", progress)
	if st := b.waitRunEnd(); st != "succeeded" {
		d.dumpObjects()
		t.Fatalf("the import's page says %s:\n%s", st, b.text("main"))
	}
	imported := time.Now()

	// a client changed on the destination only: verify finds it, and its
	// differences have a page of their own
	ctx := context.Background()
	src, dst := labClient(t, srcURL), labClient(t, dstURL)
	client := first(t, src, "Client", "", 1)[0]
	copyUID := (&migration{d: d}).replicaOf(client.UID)
	clockPast(t, imported) // SENAITE's `modified` counts whole seconds
	const dstPhone, srcPhone = "+41 22 000 00 02 (lab_b)", "+41 22 000 00 01 (lab_a)"
	if _, err := dst.Update(ctx, copyUID, map[string]any{"Phone": dstPhone}, ""); err != nil {
		t.Fatal(err)
	}
	b.submit(`header a[href="/console/"]`)
	b.submit(`form[action="/console/remotes/a_to_b/verify"] button`)
	b.expectText("h2", "verify run of a_to_b")
	if st := b.waitRunEnd(); st != "partial" {
		t.Fatalf("verify after a change on the destination: its page says %s, want partial:\n%s", st, b.text("main"))
	}
	b.submit(`a[href$="/differences"]`)
	b.expectText("h2", "Differences found by verify run")
	b.expectText("table", "Client\t"+client.Path+"\tPhone")
	b.expectText("table", dstPhone)

	// the same client changed at the source too: the update leaves both
	// alone and shows a conflict, settled on the conflicts page
	if _, err := src.Update(ctx, client.UID, map[string]any{"Phone": srcPhone}, ""); err != nil {
		t.Fatal(err)
	}
	b.submit(`header a[href="/console/"]`)
	b.submit(`form[action="/console/remotes/a_to_b/update"] button`)
	b.expectText("h2", "update run of a_to_b")
	if st := b.waitRunEnd(); st != "partial" {
		t.Fatalf("update with a conflict: its page says %s, want partial:\n%s", st, b.text("main"))
	}
	b.submit(`header a[href="/console/"]`)
	b.expectText(`a[href="/console/remotes/a_to_b/conflicts"]`, "1")
	b.submit(`a[href="/console/remotes/a_to_b/conflicts"]`)
	b.expectText("h2", "Conflicts of a_to_b")
	b.expectText("main", client.UID)
	b.expectText("table", "Phone\t")
	b.expectText("table", srcPhone)
	b.expectText("table", dstPhone)
	b.submit(`form[action$="/conflicts/` + client.UID + `/resolve"]:has(input[name="take"][value="source"]) button`)
	b.expectText("main", "resolved: source's version kept")
	b.expectText("main", "No open conflict.")
	if it, err := dst.Get(ctx, copyUID); err != nil || it.String("Phone") != srcPhone {
		t.Errorf("resolved by taking the source's, the destination's client has Phone %q (%v), want %q", it.String("Phone"), err, srcPhone)
	}

	// sign out: the console asks for the token again
	b.submit(`header form[action="/console/logout"] button`)
	b.expectPath("/console/login")
	b.expectText("h2", "Sign in")
	b.open("/console/runs")
	b.expectPath("/console/login")
	b.expectText("main", "API token")
	t.Logf("the console's walk took %s", time.Since(started).Round(100*time.Millisecond))
}

// startSim runs a senaite-sim binary on a free loopback port and returns
// its site's URL.
func startSim(t *testing.T, args ...string) string {
	t.Helper()
	bin := filepath.Join(filepath.Dir(binary), "senaite-sim")
	if _, err := os.Stat(bin); err != nil {
		out, err := exec.Command("go", "build", "-o", bin, "github.com/senaite-sync/senaite-sync/cmd/senaite-sim").CombinedOutput()
		if err != nil {
			t.Fatalf("build senaite-sim: %v\n%s", err, out)
		}
	}
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	out := &logBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	// it prints its URL once it listens
	ready := regexp.MustCompile(`senaite-sim listening on (\S+)`)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if m := ready.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case <-exited:
			t.Fatalf("senaite-sim %v exited:\n%s", args, out.String())
		case <-tick.C:
		}
	}
	t.Fatalf("senaite-sim %v did not start in 30s:\n%s", args, out.String())
	return ""
}

// clockPast waits (bounded) until the clock — the labs' too, on this
// machine — has left the second of at: an edit in that second could not be
// told from the version the import wrote (see nextSecond).
func clockPast(t *testing.T, at time.Time) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); <-tick.C {
		if time.Now().Truncate(time.Second).After(at.Truncate(time.Second)) {
			return
		}
	}
	t.Fatal("the clock did not move on")
}

// browser is a headless Chromium tab on the console, with the few things
// a person does there: open a page, fill a field, press a button or
// follow a link and wait for the next page, read what it says.
type browser struct {
	t    *testing.T
	base string
	ctx  context.Context
}

// stepTimeout bounds one thing done on a page.
const stepTimeout = 30 * time.Second

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// the browser starts on the first action, under no step's deadline
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return &browser{t: t, base: base, ctx: ctx}
}

func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// open goes to a page of the console, as typed in the address bar.
func (b *browser) open(path string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	b.loaded(path, resp, http.StatusOK)
}

// submit clicks a button or a link and waits for the page it leads to.
func (b *browser) submit(sel string) {
	b.t.Helper()
	b.loaded(sel, b.click(sel), http.StatusOK)
}

// submitRefused is submit where the console answers with status want.
func (b *browser) submitRefused(sel string, want int) {
	b.t.Helper()
	b.loaded(sel, b.click(sel), want)
}

func (b *browser) click(sel string) *network.Response {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: %v", sel, err)
	}
	return resp
}

func (b *browser) loaded(what string, resp *network.Response, want int) {
	b.t.Helper()
	if int(resp.Status) != want {
		b.t.Fatalf("%s: %d %s, want %d\n%s", what, resp.Status, resp.URL, want, b.text("body"))
	}
}

// fill types into a field, as a person does, after clearing it.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value)); err != nil {
		b.t.Fatalf("fill %s: %v", sel, err)
	}
}

// choose picks an option of a select by its text.
func (b *browser) choose(sel, option string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), option)); err != nil {
		b.t.Fatalf("choose %s in %s: %v", option, sel, err)
	}
	if got := b.value(sel); got != option {
		b.t.Fatalf("%s: %q chosen, want %q", sel, got, option)
	}
}

func (b *browser) value(sel string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

// text is what the first element sel finds shows (its rendered text:
// table cells come tab-separated, rows on lines of their own).
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// expectText requires an element sel finds on the page to show want.
func (b *browser) expectText(sel, want string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	texts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%s), e => e.innerText)`, strconv.Quote(sel))))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	for _, s := range texts {
		if strings.Contains(s, want) {
			return
		}
	}
	b.t.Fatalf("the page at %s shows no %q in %s:\n%s", b.location(), want, sel, strings.Join(texts, "\n---\n"))
}

func (b *browser) location() string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return loc
}

// expectPath requires the tab to be at path of the console.
func (b *browser) expectPath(path string) {
	b.t.Helper()
	if loc := b.location(); loc != b.base+path {
		b.t.Fatalf("the tab is at %s, want %s", loc, b.base+path)
	}
}

// runStatus reads a run page's heading: "import run of a_to_b: running".
var runStatus = regexp.MustCompile(`run of \S+: (\w+)`)

// waitRunEnd watches a run's page — which reloads itself while the run
// goes on — until it says the run has ended, and returns what it says.
func (b *browser) waitRunEnd() string {
	b.t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); <-tick.C {
		ctx, cancel := b.step()
		// a reload under way has no heading yet: read again
		h, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('h2') || {}).innerText || ''`))
		cancel()
		if err != nil {
			continue
		}
		if m := runStatus.FindStringSubmatch(h); m != nil {
			last = m[1]
			switch last {
			case "succeeded", "partial", "failed", "cancelled":
				return last
			}
		}
	}
	b.t.Fatalf("the run's page still says %q after 2 minutes", last)
	return ""
}

// liveDone reads a running import's page as a person does: the objects
// done of the total, in the live section, while the heading says the run
// goes on and the section is not the run's last reading.
const liveDone = `(() => {
  const h = (document.querySelector('h2') || {}).innerText || '';
  const box = document.getElementById('live');
  const p = box && box.querySelector('p');
  const m = p && p.innerText.match(/(\d+) of (\d+) objects/);
  return {status: (h.match(/run of \S+: (\w+)/) || [])[1] || '', ended: !box || box.dataset.final !== '0',
    done: m ? Number(m[1]) : -1, total: m ? Number(m[2]) : -1, text: p ? p.innerText : ''};
})()`

type liveReading struct {
	Status string `json:"status"`
	Ended  bool   `json:"ended"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	Text   string `json:"text"`
}

// watchProgress watches a running import's page, which updates itself
// without reloading, until it shows more objects done than when it opened
// (and above 0) while the import still runs; it returns the line read.
func (b *browser) watchProgress() string {
	b.t.Helper()
	ctx, cancel := b.step()
	opened, err := chromedp.Run(ctx, chromedp.Evaluate[liveReading](liveDone))
	cancel()
	if err != nil {
		b.t.Fatalf("the import's page: %v", err)
	}
	if opened.Status != "queued" && opened.Status != "running" || opened.Ended || opened.Total <= 0 {
		b.t.Fatalf("the import's page, just opened, shows no import under way (status %q, %q): make the destination slower", opened.Status, opened.Text)
	}
	ctx, cancel = context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	// in the page, every 100 ms; a reload (the run ended) ends the poll
	got, err := chromedp.Run(ctx, chromedp.PollFunction[liveReading](`(opened) => {
		const r = `+liveDone+`;
		return r.ended || r.done > Math.max(opened, 0) ? r : null;
	}`, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(2*time.Minute), chromedp.WithPollingArgs(opened.Done)))
	if err != nil {
		b.t.Fatalf("the import's page showed no progress beyond %q before the run ended: %v", opened.Text, err)
	}
	if got.Ended || got.Status != "queued" && got.Status != "running" {
		b.t.Fatalf("the import ended before its page showed progress beyond %q: %+v", opened.Text, got)
	}
	if got.Done <= 0 || got.Done > got.Total {
		b.t.Fatalf("the running import's page shows %+v", got)
	}
	return got.Text
}
