// Package coordinator turns requests into runs, publishes their work and
// finishes them when the work is done. Every step is a compare-and-set on
// the run's state, so several coordinators (or a restarted one) never
// start or finish a run twice.
package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/budget"
	"github.com/senaite-sync/senaite-sync/internal/elector"
	"github.com/senaite-sync/senaite-sync/internal/fetcher"
	"github.com/senaite-sync/senaite-sync/internal/labs"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/runlog"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Coordinator drives runs.
type Coordinator struct {
	Store *store.Store
	JS    jetstream.JetStream
	Names queue.Names
	Key   *secret.Key
	Log   *slog.Logger
	// LabTimeout bounds each request to a lab (0: the client's default).
	LabTimeout time.Duration
	// EarlyReplayLatency is the destination's latency without load from
	// which an import replays samples while its objects still land
	// (earlyreplay.go); 0: always.
	EarlyReplayLatency time.Duration
	// Budget holds this process's lab gates: every client of a lab built
	// here sends through the lab's gate, so that its bounds hold for the
	// whole system. Nil: one is made at first use (Close it with Budget's
	// Close where the process gives its slots back).
	Budget *budget.Registry

	budgetOnce sync.Once

	clientsMu sync.Mutex
	clients   map[string]*senaite.Client
	byID      map[int64]cachedClient

	pubMu      sync.Mutex
	pub        map[string]time.Time
	pubSweepAt int // len(pub) at which expired ids are swept
	listed     map[uuid.UUID]listedLevel

	stepMu   sync.Mutex
	stepping map[uuid.UUID]bool
	troubles map[uuid.UUID]*stepTrouble // runs whose steps fail in a row (trouble.go)

	askMu   sync.Mutex
	askedAt time.Time
	askErr  error

	earlyMu sync.Mutex
	early   map[uuid.UUID]*earlyReplay // import runs whose early replay runs here (earlyreplay.go)
	// earlyLabs are the plans of imports this process planned, until their
	// early replay walks them for its families (planEarlyReplay)
	earlyLabs map[uuid.UUID]earlyLab
	earlyWG   sync.WaitGroup

	analyzed  time.Time
	scheduled time.Time
}

// StartRun queues a run of kind on the named remote; a remote with an
// active run answers *store.ActiveRunError.
func (c *Coordinator) StartRun(ctx context.Context, remoteName string, kind store.RunKind) (store.Run, error) {
	rm, err := c.Store.Remote(ctx, remoteName)
	if err != nil {
		return store.Run{}, err
	}
	return c.Store.CreateRun(ctx, rm.ID, kind)
}

// Tick advances every active run by one step and waits for the steps:
// the tests' way of driving runs. Errors of one run do not stop the
// others.
func (c *Coordinator) Tick(ctx context.Context) error {
	var wg sync.WaitGroup
	err := c.tick(ctx, &wg)
	wg.Wait()
	return err
}

// tickEvery is how often the leader looks at the active runs.
const tickEvery = 200 * time.Millisecond

// Lead advances runs while ctx lasts (the elector's term): every
// tickEvery each active run whose previous step has ended gets its next
// step in a goroutine of its own, so that the end of a long import —
// deferred references, the workflow replay, the read-back — never holds
// back the other runs, nor the tick, nor the renewal of the lease. A step
// of a term that ended stops at its next write (elector.Check, the
// store's fence), and the next leader's step resumes it.
func (c *Coordinator) Lead(ctx context.Context) {
	var wg sync.WaitGroup
	defer c.earlyWG.Wait()
	defer wg.Wait()
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	failures := 0
	for {
		if err := c.tick(ctx, &wg); err != nil && ctx.Err() == nil {
			failures++
			if failures == 1 || failures%300 == 0 { // one line, then one a minute
				c.Log.WarnContext(ctx, "tick", "failures", failures, "error", err)
			}
		} else if failures > 0 && ctx.Err() == nil {
			c.Log.InfoContext(ctx, "tick: the database answers again", "failures", failures)
			failures = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// tick starts a step of every active run that has none in flight.
func (c *Coordinator) tick(ctx context.Context, wg *sync.WaitGroup) error {
	c.autoSync(ctx)
	runs, err := c.Store.ActiveRuns(ctx)
	if err != nil {
		return err
	}
	if len(runs) > 0 {
		c.refreshStatistics(ctx)
	}
	c.forgetTroubles(runs)
	for _, r := range runs {
		if !c.claimStep(r.ID) {
			continue // its last step is still at work
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.releaseStep(r.ID)
			c.step(ctx, r)
		}()
	}
	return nil
}

// step advances one run by one step.
func (c *Coordinator) step(ctx context.Context, r store.Run) {
	ctx = runlog.Run(ctx, r.ID.String(), r.Remote)
	err := c.streamsAnswer(ctx)
	switch {
	case err != nil:
	case r.Kind == store.KindFetch:
		err = c.advanceFetch(ctx, r)
	case r.Kind == store.KindImport:
		err = c.advanceImport(ctx, r)
	case r.Kind == store.KindUpdate:
		err = c.advanceUpdate(ctx, r)
	case r.Kind == store.KindVerify:
		err = c.advanceVerify(ctx, r)
	default:
		err = c.fail(ctx, r, fmt.Sprintf("%s runs are not implemented yet", r.Kind))
	}
	switch {
	case err == nil, errors.Is(err, store.ErrStaleState):
		c.stepSucceeded(ctx, r)
	case errors.Is(err, store.ErrFenced), errors.Is(err, elector.ErrNotLeader), ctx.Err() != nil:
		c.Log.InfoContext(ctx, "run step stopped: this process no longer leads", "run_id", r.ID, "remote", r.Remote)
	default:
		c.stepFailed(ctx, r, err)
	}
}

// claimStep marks a run's step in flight in this process; false when one
// already is.
func (c *Coordinator) claimStep(id uuid.UUID) bool {
	c.stepMu.Lock()
	defer c.stepMu.Unlock()
	if c.stepping == nil {
		c.stepping = map[uuid.UUID]bool{}
	}
	if c.stepping[id] || c.waiting(id, time.Now()) {
		return false
	}
	c.stepping[id] = true
	return true
}

func (c *Coordinator) releaseStep(id uuid.UUID) {
	c.stepMu.Lock()
	defer c.stepMu.Unlock()
	delete(c.stepping, id)
}

// statisticsEvery is how often, while runs are active, the growing tables
// statistics are checked: a run doubles them within seconds, and a plan
// cached while they looked empty scans them for every batch until then.
const statisticsEvery = 2 * time.Second

// refreshStatistics analyzes the tables runs fill when they changed by a
// tenth, at most every statisticsEvery (store.AnalyzeStale).
func (c *Coordinator) refreshStatistics(ctx context.Context) {
	if time.Since(c.analyzed) < statisticsEvery {
		return
	}
	c.analyzed = time.Now()
	if tables, err := c.Store.AnalyzeStale(ctx, store.GrowingTables...); err != nil {
		c.Log.WarnContext(ctx, "statistics not refreshed", "error", err)
	} else if len(tables) > 0 {
		c.Log.DebugContext(ctx, "statistics refreshed", "tables", tables)
	}
}

func (c *Coordinator) fail(ctx context.Context, r store.Run, reason string) error {
	return c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusQueued, store.StatusRunning}, store.StatusFailed, reason)
}

// runSource is what planning a run starts from: its remote and the
// client of the remote's source.
func (c *Coordinator) runSource(ctx context.Context, r store.Run) (store.Remote, *senaite.Client, error) {
	rm, err := c.Store.RemoteByID(ctx, r.RemoteID)
	if err != nil {
		return store.Remote{}, nil, err
	}
	cl, err := c.sourceClient(ctx, rm)
	return rm, cl, err
}

// sourceClient is the client of a remote's source (its bounds are the
// lab's, whichever remote reads it).
func (c *Coordinator) sourceClient(ctx context.Context, rm store.Remote) (*senaite.Client, error) {
	return c.InstanceClient(ctx, rm.SourceID)
}

// advanceFetch: a queued fetch is checked and planned; a running one whose
// pages are all read is reconciled and finished.
func (c *Coordinator) advanceFetch(ctx context.Context, r store.Run) error {
	return c.advancePaged(ctx, r, c.planFetch, c.finishFetch)
}

// advancePaged is the life of a run made of source pages (fetch, verify):
// a queued run is planned — idempotently (page rows, totals and message
// ids are keyed), before the compare-and-set, so that a run is never seen
// running with its pages half planned — and a running one is finished
// once every page is done.
func (c *Coordinator) advancePaged(ctx context.Context, r store.Run, plan, finish func(context.Context, store.Run) error) error {
	switch r.Status {
	case store.StatusQueued:
		if err := plan(ctx, r); err != nil {
			return c.fail(ctx, r, err.Error())
		}
		return c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusQueued}, store.StatusRunning, "")
	case store.StatusRunning:
		if r.PagesDone < r.PagesTotal {
			return nil
		}
		return finish(ctx, r)
	}
	return nil
}

// planFetch checks the source (flavour, credentials), counts each type and
// publishes one message per page (ARCHITECTURE.md §4, Fetch 1-2).
func (c *Coordinator) planFetch(ctx context.Context, r store.Run) error {
	rm, cl, err := c.runSource(ctx, r)
	if err != nil {
		return err
	}
	v, err := cl.Version(ctx)
	if err != nil {
		return fmt.Errorf("source %s: is senaite.jsonapi installed? %w", rm.Source, err)
	}
	if err := cl.CheckAuth(ctx); err != nil {
		return fmt.Errorf("source %s: %w", rm.Source, err)
	}
	if err := c.Store.RecordInstanceVersion(ctx, rm.SourceID, v.Flavor, v.Version); err != nil {
		return err
	}
	counts, err := c.sourceCounts(ctx, rm, cl)
	if err != nil {
		return err
	}
	if err := c.Store.SetRunTotals(ctx, r.ID, counts); err != nil {
		return err
	}
	pages := fetcher.PlanPages(r.ID, rm.ID, counts, rm.Options.Normalize().PageSize)
	if err := c.publishPages(ctx, r, rm, pages); err != nil {
		return err
	}
	c.Log.InfoContext(ctx, "fetch planned", "run_id", r.ID, "remote", rm.Name, "pages", len(pages), "types", len(counts),
		"flavor", v.Flavor, "version", v.Version)
	return nil
}

// sourceCounts counts, per portal type the remote fetches, the source's
// objects (types with none left out). The remote's type lists are checked
// against the lab's own types first, where they are known: a misspelt skip
// or sync type would otherwise filter silently.
func (c *Coordinator) sourceCounts(ctx context.Context, rm store.Remote, cl *senaite.Client) (map[string]int, error) {
	types, err := cl.PortalTypes(ctx)
	if err != nil {
		return nil, err
	}
	// type names are checked against the lab itself, where they are known:
	// a misspelt skip or sync type would otherwise filter silently
	if err := rm.Options.Validate(func(t string) bool { return slices.Contains(types, t) }); err != nil {
		var fe *remote.FieldError
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("remote %s: %s: %s at source %s", rm.Name, fe.Field, fe.Message, rm.Source)
		}
		return nil, err
	}
	counts := map[string]int{}
	for _, t := range types {
		if !rm.Options.Fetches(t) {
			continue
		}
		n, err := cl.Count(ctx, senaite.Query{PortalTypes: []string{t}})
		if err != nil {
			return nil, fmt.Errorf("source %s: count %s: %w", rm.Source, t, err)
		}
		if n > 0 {
			counts[t] = n
		}
	}
	return counts, nil
}

// finishFetch reconciles the stored objects with the source's counts and
// closes the run: succeeded when every counted object is stored.
func (c *Coordinator) finishFetch(ctx context.Context, r store.Run) error {
	full, err := c.Store.Run(ctx, r.ID)
	if err != nil {
		return err
	}
	if err := c.fetchMissingParents(ctx, r); err != nil {
		return c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusRunning}, store.StatusFailed, err.Error())
	}
	stored, err := c.Store.CountObjects(ctx, r.RemoteID)
	if err != nil {
		return err
	}
	fetched := map[string]int{}
	var short []string
	for pt, cnt := range full.ByType {
		fetched[pt] = min(stored[pt], cnt.Total)
		if stored[pt] < cnt.Total {
			short = append(short, fmt.Sprintf("%s %d of %d", pt, stored[pt], cnt.Total))
		}
	}
	if err := c.Store.SetRunFetched(ctx, r.ID, fetched); err != nil {
		return err
	}
	if len(short) > 0 {
		sort.Strings(short)
		return c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusRunning}, store.StatusFailed,
			fmt.Sprintf("reconciliation: stored fewer objects than the source counted: %v", short))
	}
	c.Log.InfoContext(ctx, "fetch finished", "run_id", r.ID, "remote", r.Remote)
	return c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusRunning}, store.StatusSucceeded, "")
}

// fetchMissingParents reads by UID the containers of fetched objects that
// the filters left out (a contact's client when only contacts are
// synced), up the tree, as the seed does: an object cannot be imported
// without its container. Objects referred to but not fetched are read the
// same way, so that the import creates them on demand; a reference whose
// target the source no longer has is dangling and left to the import to
// report.
func (c *Coordinator) fetchMissingParents(ctx context.Context, r store.Run) error {
	rm, err := c.Store.RemoteByID(ctx, r.RemoteID)
	if err != nil {
		return err
	}
	var cl *senaite.Client
	tried := map[string]bool{}
	for depth := 0; depth < 10; depth++ {
		parents, err := c.Store.MissingParents(ctx, rm)
		if err != nil {
			return err
		}
		referenced, err := c.Store.MissingReferenced(ctx, rm)
		if err != nil {
			return err
		}
		isParent := map[string]bool{}
		for _, u := range parents {
			isParent[u] = true
		}
		var objs []store.Fetched
		dangling := 0
		for _, uid := range append(parents, referenced...) {
			if uid == "0" || uid == "" || tried[uid] {
				continue // the portal, or read before
			}
			tried[uid] = true
			if cl == nil {
				if cl, err = c.sourceClient(ctx, rm); err != nil {
					return err
				}
			}
			it, err := cl.Get(ctx, uid)
			if errors.Is(err, senaite.ErrNotFound) && !isParent[uid] {
				dangling++
				continue
			}
			if err != nil {
				return fmt.Errorf("object %s: %w", uid, err)
			}
			f, err := fetcher.ToFetched(it)
			if err != nil {
				return err
			}
			objs = append(objs, f)
		}
		if dangling > 0 {
			c.Log.WarnContext(ctx, "references to objects the source does not have", "run_id", r.ID, "remote", rm.Name, "targets", dangling)
		}
		if len(objs) == 0 {
			return nil
		}
		if _, err := c.Store.UpsertFetched(ctx, rm.ID, r.ID, objs); err != nil {
			return err
		}
		c.Log.InfoContext(ctx, "containers and referenced objects fetched by UID", "run_id", r.ID, "remote", rm.Name, "objects", len(objs))
	}
	return nil
}

// Check is what `instance check` reports of a lab: its flavour and
// version, and whether the account (and the verifier account) may log in.
type Check struct {
	Flavor   string `json:"flavor"`
	Version  string `json:"version"`
	Auth     bool   `json:"auth"`
	Verifier *bool  `json:"verifier,omitempty"`
	Error    string `json:"error,omitempty"`
}

// CheckInstance asks a lab who it is and whether its credentials work,
// and records the version it answered.
func (c *Coordinator) CheckInstance(ctx context.Context, name string) (Check, error) {
	in, err := c.Store.Instance(ctx, name)
	if err != nil {
		return Check{}, err
	}
	cl, err := labs.Client(in, c.Key, c.labBounds(in.ID), c.Log)
	if err != nil {
		return Check{}, err
	}
	v, err := cl.Version(ctx)
	if err != nil {
		return Check{Error: "is senaite.jsonapi installed? " + err.Error()}, nil
	}
	out := Check{Flavor: v.Flavor, Version: v.Version}
	if err := cl.CheckAuth(ctx); err != nil {
		out.Error = err.Error()
		return out, nil
	}
	out.Auth = true
	if in.VerifierUsername != "" {
		ok := false
		if vc, err := labs.Verifier(in, c.Key, c.labBounds(in.ID), c.Log); err == nil && vc != nil {
			ok = vc.CheckAuth(ctx) == nil
		}
		out.Verifier = &ok
		if !ok {
			out.Error = "the verifier account cannot log in"
		}
	}
	_ = c.Store.RecordInstanceVersion(ctx, in.ID, v.Flavor, v.Version)
	return out, nil
}

// CancelRun stops a queued or running run: the coordinator no longer
// advances it; messages already queued still settle their objects, which
// is harmless as every handler is idempotent.
func (c *Coordinator) CancelRun(ctx context.Context, id uuid.UUID) (store.Run, error) {
	if err := c.Store.TransitionRun(ctx, id, []store.RunStatus{store.StatusQueued, store.StatusRunning}, store.StatusCancelled,
		"cancelled by an operator"); err != nil {
		return store.Run{}, err
	}
	return c.Store.Run(ctx, id)
}

// labBounds are how a client this process builds may use its lab: through
// the lab's gate, which every client of the lab in this process shares.
func (c *Coordinator) labBounds(labID int64) labs.Bounds {
	return labs.Bounds{Gate: c.gates().Gate(labID), MaxConcurrency: idleConnections, Timeout: c.LabTimeout}
}

// idleConnections sizes a lab client's pool of idle connections; its
// requests in flight are the lab gate's business.
const idleConnections = 16

// gates is the process's registry of lab gates, made at first use when
// none was given.
func (c *Coordinator) gates() *budget.Registry {
	c.budgetOnce.Do(func() {
		if c.Budget == nil {
			c.Budget = &budget.Registry{Store: c.Store, Log: c.Log}
		}
	})
	return c.Budget
}

// RemotesChanged makes this process read its labs' bounds again at their
// next request: a remote was added, edited or removed here. Other
// processes see the change within budget.DefaultBoundsCache.
func (c *Coordinator) RemotesChanged() { c.gates().Forget() }
