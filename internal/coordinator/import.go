package coordinator

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/conc/pool"

	"github.com/senaite-sync/senaite-sync/internal/ids"
	"github.com/senaite-sync/senaite-sync/internal/importer"
	"github.com/senaite-sync/senaite-sync/internal/labs"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// advanceImport: a queued import is planned (levels, deferred edges); a
// running one publishes what is ready (store.ReadyPending: objects whose
// container has settled, lowest levels first) whenever its lowest level
// with objects to bring changes, and every relistEvery — the importers
// publish what each settled object lets go meanwhile; when no object is
// left to bring, deferred references are set, the workflow is replayed
// and the run is closed: succeeded, or partial when objects failed.
func (c *Coordinator) advanceImport(ctx context.Context, r store.Run) error {
	switch r.Status {
	case store.StatusQueued:
		rm, err := c.Store.RemoteByID(ctx, r.RemoteID)
		if err != nil {
			return err
		}
		if err := c.copySiteConfig(ctx, r, rm); err != nil {
			return c.fail(ctx, r, "site configuration: "+err.Error())
		}
		if err := c.planImport(ctx, r, rm); err != nil {
			return c.fail(ctx, r, err.Error())
		}
		if err := c.Store.SetRunStage(ctx, r.ID, store.StageObjects); err != nil {
			return err
		}
		if err := c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusQueued}, store.StatusRunning, ""); err != nil {
			return err
		}
		// its first objects go now, not a tick later: the lab waits for them
		if r, err = c.Store.Run(ctx, r.ID); err != nil {
			return err
		}
		return c.advanceImport(ctx, r)
	case store.StatusRunning:
		level, err := c.Store.CurrentLevel(ctx, r.RemoteID)
		if err != nil {
			return err
		}
		if level < 0 {
			return c.finishImport(ctx, r)
		}
		if c.levelListed(r.ID, level) {
			return nil // published; its objects are on their way
		}
		if r.Kind == store.KindImport {
			// after this listing: the early replay's plan is heavy, and
			// nothing of it can go before the first samples have landed
			defer c.startEarlyReplay(ctx, r)
		}
		if n, err := c.Store.WakeStranded(ctx, r.RemoteID); err != nil {
			return err
		} else if n > 0 {
			// their arrival settled and no importer woke them yet (it is about
			// to, or stopped before it could)
			c.Log.DebugContext(ctx, "objects waiting for a settled arrival put back", "run_id", r.ID, "remote", r.Remote, "objects", n)
		}
		pending, err := c.Store.ReadyPending(ctx, r.RemoteID, publishWindow)
		if err != nil {
			return err
		}
		if err := c.publishLevel(ctx, r, pending); err != nil {
			return err
		}
		c.markLevelListed(r.ID, level)
		return nil
	}
	return nil
}

// errNothingFetched: an import needs a fetch first.
var errNothingFetched = errors.New("nothing fetched: run fetch first")

func (c *Coordinator) planImport(ctx context.Context, r store.Run, rm store.Remote) error {
	planStarted := time.Now()
	if rm.SourceFlavor == remote.Flavor1x {
		if n, err := c.Store.MarkRetests1x(ctx, rm.ID); err != nil {
			return err
		} else if n > 0 {
			c.Log.InfoContext(ctx, "1.x retests linked to their originals", "run_id", r.ID, "remote", rm.Name, "analyses", n)
		}
	}
	formats, err := c.idFormats(ctx, rm)
	if err != nil {
		return err
	}
	// planned from the store as numbers (importer.PlanLab): a lab's plan
	// holds a UID and a few numbers per object, not the lab
	lab, err := importer.PlanLab(ctx, c.Store, r.RemoteID, func(pt, field string) bool {
		if rm.SourceFlavor != remote.Flavor1x {
			return schema.RequiredRef(pt, field)
		}
		dt, _ := rm.Options.DestinationType(rm.SourceFlavor, pt)
		f2, ok := schema.Field2x(dt, field)
		return ok && schema.RequiredRef(dt, f2)
	}, formats, func(pt string) string {
		d, _ := rm.Options.DestinationType(rm.SourceFlavor, pt)
		return d
	}, rm.SourceFlavor == remote.Flavor1x)
	if err != nil {
		return err
	}
	if len(lab.UIDs) == 0 {
		return errNothingFetched
	}
	l := lab.Layout
	unsequenced := 0
	if err := c.Store.SetLevels(ctx, r.RemoteID, len(lab.UIDs), func(i int) store.Planned {
		p := store.Planned{SourceUID: lab.UIDs[i], Level: int(l.Level[i])}
		if key, seq, ok := l.Sequence(int32(i)); ok {
			p.Key, p.Seq = key, seq
		} else if l.Unsequenced(int32(i)) {
			unsequenced++
		}
		return p
	}); err != nil {
		return err
	}
	// deferred references are a few per cycle of the lab: listed whole,
	// once each (an object may name a target twice in one field)
	var deferred []store.DeferredRef
	_ = l.EachDeferred(func(from, to int32, field string, _ bool) error {
		deferred = append(deferred, store.DeferredRef{SourceUID: lab.UIDs[from], Field: field, TargetUID: lab.UIDs[to]})
		return nil
	})
	slices.SortFunc(deferred, func(a, b store.DeferredRef) int {
		return cmp.Or(cmp.Compare(a.SourceUID, b.SourceUID), cmp.Compare(a.Field, b.Field), cmp.Compare(a.TargetUID, b.TargetUID))
	})
	deferred = slices.Compact(deferred)
	if err := c.Store.SaveDeferred(ctx, r.RemoteID, deferred); err != nil {
		return err
	}
	// the fetch filled the tables faster than autovacuum looks: without
	// fresh statistics batches are read through the state index
	if err := c.Store.Analyze(ctx); err != nil {
		return err
	}
	// the early replay walks the plan for its families once the objects
	// are on their way (planEarlyReplay): what an earlier import planned
	// goes now
	if err := c.Store.ForgetEarlyReplay(ctx, r.RemoteID); err != nil {
		return err
	}
	c.keepEarlyLab(r, lab)
	c.Log.InfoContext(ctx, "import planned", "run_id", r.ID, "remote", r.Remote, "objects", len(lab.UIDs), "dependencies", lab.Edges,
		"levels", l.Levels, "deferred", len(deferred), "id_sequences", l.SequencesKept(), "unsequenced", unsequenced,
		"elapsed", time.Since(planStarted).Round(time.Millisecond))
	return nil
}

// idFormats are the source's ID formats (its bika_setup's IDFormatting,
// or senaite.core's defaults), which the destination numbers by once
// bika_setup has travelled.
func (c *Coordinator) idFormats(ctx context.Context, rm store.Remote) ([]ids.Format, error) {
	setup, ok, err := c.Store.FirstOfType(ctx, rm.ID, "BikaSetup")
	if err != nil || !ok {
		return ids.Defaults(), err
	}
	var data struct {
		IDFormatting []map[string]any `json:"IDFormatting"`
	}
	if err := json.Unmarshal(setup.Data, &data); err != nil {
		return nil, fmt.Errorf("source bika_setup: %w", err)
	}
	return ids.Formats(data.IDFormatting), nil
}

// publishLevel publishes the objects ready to import — of an ID sequence,
// only its next one (the importer that settles it publishes the one after:
// importer.Sequencer) —; message ids make a re-publish on the next tick a
// no-op, and change with each parking so that a requeued object is
// delivered again.
func (c *Coordinator) publishLevel(ctx context.Context, r store.Run, pending []store.Pending) error {
	subject := c.Names.Subject(queue.Import, r.Remote)
	msgs := make([]queue.Msg, 0, len(pending))
	for _, p := range pending {
		id := importer.MessageID(r.ID.String(), p)
		if c.published(id) {
			continue // this process published it already; the stream keeps it until acked
		}
		raw, _ := json.Marshal(importer.Object{RemoteID: r.RemoteID, SourceUID: p.SourceUID, RunID: r.ID.String()})
		msgs = append(msgs, queue.Msg{Subject: subject, ID: id, Data: raw})
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := queue.PublishBatch(ctx, c.JS, msgs); err != nil {
		return err
	}
	queue.Wake(c.JS, c.Names, queue.Import, r.Remote)
	for _, m := range msgs {
		c.markPublished(m.ID)
	}
	return nil
}

// publishWindow is how many objects outside ID sequences are listed and
// published at a time: the stream and this process hold that many
// messages, not the lab, and an import settles fewer than that between two
// listings (relistEvery) — some 500 objects a second on a 2-core machine.
const publishWindow = 10_000

// relistEvery is how long a listing is trusted, while the lowest level
// with objects to bring stays the same, before the ready objects are
// listed again: listing on every tick was a quarter of a core of
// PostgreSQL on a 50,000-object import; the importers publish what settled
// objects let go, so that this listing only catches what they could not
// (an importer stopped between settling and publishing), and an object put
// back in `fetched` (requeued, or woken by WakeStranded) waits at most this.
const relistEvery = 5 * time.Second

// levelListed tells whether this process listed and published a run's
// level within relistEvery.
func (c *Coordinator) levelListed(run uuid.UUID, level int) bool {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	l, ok := c.listed[run]
	return ok && l.level == level && time.Since(l.at) < relistEvery
}

func (c *Coordinator) markLevelListed(run uuid.UUID, level int) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	if c.listed == nil || len(c.listed) > 1000 {
		c.listed = map[uuid.UUID]listedLevel{}
	}
	c.listed[run] = listedLevel{level: level, at: time.Now()}
}

// forgetLevel makes the next tick list the run's level again (objects
// were just put back in `fetched`).
func (c *Coordinator) forgetLevel(run uuid.UUID) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	delete(c.listed, run)
}

type listedLevel struct {
	level int
	at    time.Time
}

// republishAfter is how long a published message is trusted to be in the
// stream before a still-pending object is published again — a safety net
// for a message lost or terminated without its object moving on. It stays
// below the stream's duplicate window, so that a message still queued is
// dropped as a duplicate, not delivered twice.
const republishAfter = 90 * time.Second

// published tells whether this process published a message id recently; a
// restarted coordinator publishes again and the stream drops duplicates.
func (c *Coordinator) published(id string) bool {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	at, ok := c.pub[id]
	return ok && time.Since(at) < republishAfter
}

// markPublished records a message id published now. What is older than
// republishAfter is of no use (published says no): it goes whenever the
// map has doubled since it was last swept, so the map holds about what
// this process published within republishAfter, not every message of a
// lab's import (issue #13); past maxPublished it starts over, which only
// costs duplicate publishes the stream drops.
func (c *Coordinator) markPublished(id string) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	now := time.Now()
	if c.pub == nil || len(c.pub) >= maxPublished {
		c.pub = map[string]time.Time{}
	}
	if len(c.pub) >= c.pubSweepAt {
		for k, at := range c.pub {
			if now.Sub(at) >= republishAfter {
				delete(c.pub, k)
			}
		}
		c.pubSweepAt = max(2*len(c.pub), minPubSweep)
	}
	c.pub[id] = now
}

// maxPublished bounds the published message ids a coordinator keeps, and
// minPubSweep is the least size at which it sweeps the expired ones.
const (
	maxPublished = 200_000
	minPubSweep  = 10_000
)

func (c *Coordinator) finishImport(ctx context.Context, r store.Run) error {
	// the tables are vacuumed or analyzed while the early replay's last
	// families finish: PostgreSQL's work, not the lab's (0.9 s of an idle
	// lab at 22,562 objects)
	tidied := make(chan error, 1)
	go func() { tidied <- c.tidyTables(ctx, r) }()
	c.stopEarlyReplay(r.ID)
	if err := <-tidied; err != nil {
		return err
	}
	rm, err := c.Store.RemoteByID(ctx, r.RemoteID)
	if err != nil {
		return err
	}
	// parked objects whose dependency the remote skipped go with it;
	// the others get another chance once the levels are through: what they
	// waited for may have landed since
	if n, err := c.Store.SkipWaitingOnSkipped(ctx, rm.ID); err != nil {
		return err
	} else if n > 0 {
		c.Log.InfoContext(ctx, "parked objects skipped with what they require", "run_id", r.ID, "remote", r.Remote, "objects", n)
	}
	if n, err := c.Store.RequeueWaiting(ctx, rm.ID, 3); err != nil {
		return err
	} else if n > 0 {
		c.Log.InfoContext(ctx, "requeued parked objects", "run_id", r.ID, "remote", r.Remote, "objects", n)
		c.forgetLevel(r.ID)
		return nil
	}
	if left, err := c.Store.EarlyReplayLeft(ctx, rm.ID, 20); err == nil && len(left) > 0 {
		c.Log.DebugContext(ctx, "early replay: families left to the whole lab's replay", "run_id", r.ID, "remote", r.Remote,
			"families", strings.Join(left, "; "))
	}
	if err := c.Store.ForgetEarlyReplay(ctx, rm.ID); err != nil {
		return err
	}
	if err := c.Store.SetRunStage(ctx, r.ID, store.StageReferences); err != nil {
		return err
	}
	h := c.importHandler()
	pending, err := c.Store.PendingDeferred(ctx, rm.ID)
	if err != nil {
		return err
	}
	if err := c.setDeferred(ctx, rm, h, pending); err != nil {
		return err
	}
	dst, err := c.Store.InstanceByID(ctx, rm.DestinationID)
	if err != nil {
		return err
	}
	verifier, err := labs.Verifier(dst, c.Key, c.labBounds(dst.ID), c.Log)
	if err != nil {
		return err
	}
	c.Log.InfoContext(ctx, "levels imported; replaying workflows", "run_id", r.ID, "remote", r.Remote)
	// an update replays, counts and reads back only what it touched
	var scope *uuid.UUID
	if r.Kind == store.KindUpdate {
		scope = &r.ID
	}
	if err := c.Store.SetRunStage(ctx, r.ID, store.StageReplay); err != nil {
		return err
	}
	if err := h.ReplayAll(ctx, rm, r.ID, verifier, scope); err != nil {
		return err
	}
	// objects still waiting never got their dependency: failed, named
	if _, err := c.Store.FailWaiting(ctx, rm.ID); err != nil {
		return err
	}
	if err := c.Store.SetRunStage(ctx, r.ID, store.StageReadBack); err != nil {
		return err
	}
	if err := c.readBack(ctx, rm, scope); err != nil {
		return err
	}
	counts, err := c.Store.RunStateCounts(ctx, rm.ID, scope)
	if err != nil {
		return err
	}
	full, err := c.Store.Run(ctx, r.ID)
	if err != nil {
		return err
	}
	changedIDs, err := c.Store.IDsChanged(ctx, rm.ID, scope)
	if err != nil {
		return err
	}
	byType := map[string]store.Counts{}
	bad := 0
	for pt, m := range counts {
		cnt := store.Counts{Total: 0, Created: m[store.ObjImported], Updated: m[store.CountUpdated], Skipped: m[store.ObjSkipped],
			Conflicts: m[store.ObjConflict], Failed: m[store.ObjFailed] + m[store.ObjStateMismatch], Unchanged: m[store.ObjUnchanged],
			IDsChanged: changedIDs[pt]}
		for _, n := range m {
			cnt.Total += n
		}
		if prior, ok := full.ByType[pt]; ok {
			cnt.Fetched = prior.Fetched
			if r.Kind == store.KindUpdate {
				cnt.Total = prior.Total // what the source has; the rest is what changed
			}
		}
		byType[pt] = cnt
		bad += cnt.Failed + cnt.Conflicts
	}
	for pt, cnt := range byType {
		if err := c.Store.SetRunCounts(ctx, r.ID, pt, cnt); err != nil {
			return err
		}
	}
	status, reason := store.StatusSucceeded, ""
	if bad > 0 {
		status, reason = store.StatusPartial, fmt.Sprintf("%d objects failed, conflicted or ended in another state", bad)
	}
	if more, err := c.siteConfigProblems(ctx, r); err != nil {
		return err
	} else if more != "" {
		status, reason = store.StatusPartial, strings.TrimPrefix(reason+"; "+more, "; ")
	}
	if r.Kind == store.KindUpdate {
		// failed and conflicting objects stay in the objects table, retried
		// or resolved from there: the watermark may move past them
		if err := c.Store.AdvanceWatermark(ctx, r.ID); err != nil {
			return err
		}
	}
	c.Log.InfoContext(ctx, string(r.Kind)+" finished", "run_id", r.ID, "remote", r.Remote, "status", status)
	return c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusRunning}, status, reason)
}

// setDeferred sets objects' deferred references (pending: source UID →
// fields), one request each and independent of each other: a few at once,
// within the lab's gate.
func (c *Coordinator) setDeferred(ctx context.Context, rm store.Remote, h *importer.Handler, pending map[string][]string) error {
	p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(importer.ReplayConcurrency)
	for uid, fields := range pending {
		p.Go(func(ctx context.Context) error {
			if err := h.SetDeferred(ctx, rm, uid, fields); err != nil {
				return err
			}
			return c.Store.DeferredDone(ctx, rm.ID, uid)
		})
	}
	return p.Wait()
}

// readBackBatch is how many copies one light listing reads back,
// readBackConcurrency how many listings are read at once — the lab's gate
// bounds what is in flight; four at once left a 16-thread lab a quarter
// used for the last second of every import —, and readBackListed how
// many copies are listed from the store at a time.
const (
	readBackBatch       = 100
	readBackConcurrency = 16
	readBackListed      = 2000
)

// readBack records the version of every copy the run wrote, as the
// destination shows it after the whole run (cascades included: an
// analysis' submit moves its sample): a later change there is someone
// else's, which the next update must not overwrite.
func (c *Coordinator) readBack(ctx context.Context, rm store.Remote, scope *uuid.UUID) error {
	var dst *senaite.Client
	started := time.Now()
	// batches are independent: a few at once, within the client's bound;
	// the copies come from the store readBackListed at a time, the next
	// listed while the last listings of the one before are read (each
	// waited for its last: the lab idled between them, 1.4 s of a
	// 21,418-object import's read-back where 0.9 s would do)
	p := pool.New().WithErrors().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(readBackConcurrency)
	err := c.Store.WrittenCopies(ctx, rm.ID, scope, readBackListed, func(uids []string) error {
		if dst == nil {
			var err error
			if dst, err = c.InstanceClient(ctx, rm.DestinationID); err != nil {
				return err
			}
		}
		for start := 0; start < len(uids); start += readBackBatch {
			batch := uids[start:min(start+readBackBatch, len(uids))]
			p.Go(func(ctx context.Context) error {
				page, err := dst.SearchPage(ctx, senaite.Query{UIDs: batch, Limit: len(batch)}, 0)
				if err != nil {
					return fmt.Errorf("read back copies: %w", err)
				}
				got := make([]string, 0, len(page.Items))
				mods := make([]time.Time, 0, len(page.Items))
				for _, it := range page.Items {
					if it.UID != "" && !it.Modified.IsZero() {
						got = append(got, it.UID)
						mods = append(mods, it.Modified)
					}
				}
				return c.Store.SetSeen(ctx, rm.DestinationID, got, mods, true)
			})
		}
		return nil
	})
	if werr := p.Wait(); err == nil {
		err = werr
	}
	if err != nil || dst == nil {
		return err
	}
	c.Log.InfoContext(ctx, "copies read back", "remote", rm.Name, "elapsed", time.Since(started).Round(time.Millisecond))
	return nil
}

// importHandler builds the handler the coordinator uses for the final
// phase (deferred references, workflow replay).
func (c *Coordinator) importHandler() *importer.Handler {
	return &importer.Handler{Store: c.Store, Log: c.Log, Clients: c.InstanceClient}
}

// InstanceClient returns the client of an instance id (workers use it
// too). Clients are kept per instance and settings, so that connections
// are reused; every client of a lab sends through the lab's gate, so that
// its bounds hold across messages, accounts and processes.
func (c *Coordinator) InstanceClient(ctx context.Context, id int64) (*senaite.Client, error) {
	c.clientsMu.Lock()
	if e, ok := c.byID[id]; ok && time.Since(e.checked) < instanceRecheck {
		c.clientsMu.Unlock()
		return e.client, nil
	}
	c.clientsMu.Unlock()
	in, err := c.Store.InstanceByID(ctx, id)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%d|%s|%s|%x|%s", in.ID, in.URL, in.Username, in.Password, in.UpdatedAt)
	c.clientsMu.Lock()
	defer c.clientsMu.Unlock()
	cl, ok := c.clients[key]
	if !ok {
		if cl, err = labs.Client(in, c.Key, c.labBounds(in.ID), c.Log); err != nil {
			return nil, err
		}
		if c.clients == nil {
			c.clients = map[string]*senaite.Client{}
			c.byID = map[int64]cachedClient{}
		}
		c.clients[key] = cl
	}
	c.byID[id] = cachedClient{client: cl, checked: time.Now()}
	return cl, nil
}

// ForgetInstance makes this process look at an instance's settings
// again at its next request (they were edited here); other processes see
// the change within instanceRecheck.
func (c *Coordinator) ForgetInstance(id int64) {
	c.clientsMu.Lock()
	delete(c.byID, id)
	c.clientsMu.Unlock()
}

// instanceRecheck is how often a kept client checks that its instance's
// settings (URL, credentials) did not change.
const instanceRecheck = 5 * time.Second

type cachedClient struct {
	client  *senaite.Client
	checked time.Time
}

// tidyTables vacuums the tables where the server runs without autovacuum,
// or analyzes those whose statistics went stale: the replay's queries are
// planned on what the levels wrote.
func (c *Coordinator) tidyTables(ctx context.Context, r store.Run) error {
	started := time.Now()
	vacuumed, err := c.Store.VacuumWithoutAutovacuum(ctx)
	if err != nil {
		return err
	}
	if vacuumed {
		c.Log.InfoContext(ctx, "tables vacuumed (the server runs without autovacuum)", "run_id", r.ID, "remote", r.Remote,
			"elapsed", time.Since(started).Round(time.Millisecond))
		return nil
	}
	_, err = c.Store.AnalyzeStale(ctx)
	return err
}
