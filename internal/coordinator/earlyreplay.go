package coordinator

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/importer"
	"github.com/senaite-sync/senaite-sync/internal/labs"
	"github.com/senaite-sync/senaite-sync/internal/plan"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// The early replay of an import (issue #13; plan.Layout.EarlyFamilies): while
// its objects are still being imported — ID sequences created one at a
// time, the lab's threads mostly idle — the leader replays the workflow of
// every sample whose objects have all landed. The whole lab's replay
// (finishImport) skips what settled early, and takes up whatever did not.

// DefaultEarlyReplayLatency is the destination latency from which the
// early replay runs. It fills a lab's threads while the ID sequences keep
// them idle; a lab that answers in a few milliseconds (a simulator on this
// machine) is never idle for them — CPU and PostgreSQL are the bound, and
// the plan and listings of the early replay only take from them (make
// bench, 50,000 objects without latency: 1 min 42 s → 2 min 15 s).
const DefaultEarlyReplayLatency = 10 * time.Millisecond

// earlyReplayPays tells whether an import into lab goes with the early
// replay: its latency without load, as this process's gate or the lab's
// users learnt it, is at least EarlyReplayLatency — or not known yet.
func (c *Coordinator) earlyReplayPays(ctx context.Context, lab int64) bool {
	if c.EarlyReplayLatency <= 0 {
		return true
	}
	base := c.gates().Gate(lab).Base()
	if base == [2]time.Duration{} {
		shared, err := c.Store.ShareLatency(ctx, lab, base, 10*time.Minute)
		if err != nil {
			return true
		}
		base = shared
	}
	if lat := max(base[0], base[1]); lat > 0 {
		return lat >= c.EarlyReplayLatency
	}
	// not learnt yet (the import's first requests to it): the least of
	// three light requests
	dst, err := c.InstanceClient(ctx, lab)
	if err != nil {
		return true
	}
	var least time.Duration
	for range 3 {
		started := time.Now()
		if _, err := dst.Count(ctx, senaite.Query{PortalTypes: []string{"Client"}}); err != nil {
			return true
		}
		if took := time.Since(started); least == 0 || took < least {
			least = took
		}
	}
	return least >= c.EarlyReplayLatency
}

// earlyConcurrency is how many families are in hand at once: each is a
// chain of requests one after the other (its analyses' transitions), so
// it takes many to fill a lab; the lab's gate bounds what is in flight.
const earlyConcurrency = 96

// earlyBacklog is how many ready families a listing takes beyond the
// threads free: a family that finishes is replaced from them at once. A
// 53,571-object lab's listings came 5 to 10 s apart (five times their own
// time), and its threads were half used meanwhile (0.65 of the lab; with
// the backlog 0.82).
const earlyBacklog = earlyConcurrency

// earlyListEvery is the least time between two listings of ready families
// once some went: each listing asks PostgreSQL over every family still
// waiting, and the families in hand keep the lab busy meanwhile. With few
// in hand (earlyLowWater), or asked to stop, the listings follow each
// other at earlyGap.
const earlyListEvery = time.Second

// earlyLowWater is the families in hand below which the next listing
// does not wait earlyListEvery: the lab would idle meanwhile.
const earlyLowWater = 16

// earlyPoll is how often the early replay looks for samples that became
// ready while none of its own finished.
const earlyPoll = 300 * time.Millisecond

// earlyGap is the least time between two listings of ready samples: on a
// fast lab samples finish every few milliseconds, and each listing asks
// PostgreSQL over every family still waiting (five times the listing's
// own time where that is more).
const earlyGap = 100 * time.Millisecond

// earlyIdleGap bounds the time between two listings while few families
// are in hand (earlyLowWater): the first families of a 22,562-object
// import waited up to 13 s for a listing (five times a listing of 2.2 s,
// PostgreSQL busy with the ID sequences) while the lab's threads were
// two-thirds used.
const earlyIdleGap = 2 * time.Second

// earlyReplay is one run's early replay at work in this process.
type earlyReplay struct {
	stop chan struct{} // closed: list no more samples, finish those in hand
	done chan struct{} // closed once it has stopped
}

// startEarlyReplay starts a run's early replay unless it runs already;
// it ends with ctx (the leader's term), or once stopEarlyReplay asks.
func (c *Coordinator) startEarlyReplay(ctx context.Context, r store.Run) {
	c.earlyMu.Lock()
	defer c.earlyMu.Unlock()
	if _, ok := c.early[r.ID]; ok {
		return
	}
	if c.early == nil {
		c.early = map[uuid.UUID]*earlyReplay{}
	}
	e := &earlyReplay{stop: make(chan struct{}), done: make(chan struct{})}
	c.early[r.ID] = e
	c.earlyWG.Add(1)
	go func() {
		defer c.earlyWG.Done()
		defer close(e.done)
		defer func() {
			c.earlyMu.Lock()
			if c.early[r.ID] == e {
				delete(c.early, r.ID) // the term ended: the next one starts it again
			}
			c.earlyMu.Unlock()
		}()
		c.runEarlyReplay(ctx, r, e.stop)
	}()
}

// stopEarlyReplay ends a run's early replay once its objects have all
// landed: the samples ready now (those the last reports let go) are
// replayed as far as they go, as many at once as before, and it returns
// when none is left in hand — the whole lab's replay must not meet it on
// the same sample.
func (c *Coordinator) stopEarlyReplay(run uuid.UUID) {
	c.earlyMu.Lock()
	e, ok := c.early[run]
	delete(c.early, run)
	c.earlyMu.Unlock()
	if ok {
		// asked to stop, it still walks the plan and replays what is ready
		close(e.stop)
		<-e.done
	}
	c.earlyMu.Lock()
	delete(c.earlyLabs, run) // walked, or never (the run ended first)
	c.earlyMu.Unlock()
}

func (c *Coordinator) runEarlyReplay(ctx context.Context, r store.Run, stop <-chan struct{}) {
	rm, err := c.Store.RemoteByID(ctx, r.RemoteID)
	if err != nil {
		c.Log.WarnContext(ctx, "early replay: remote", "run_id", r.ID, "remote", r.Remote, "error", err)
		return
	}
	if !c.planEarlyReplay(ctx, r, rm) {
		// nothing to replay early (a fast lab, no sample): wait for the end
		select {
		case <-stop:
		case <-ctx.Done():
		}
		return
	}
	var verifier *senaite.Client
	if dst, err := c.Store.InstanceByID(ctx, rm.DestinationID); err == nil {
		verifier, err = labs.Verifier(dst, c.Key, c.labBounds(dst.ID), c.Log)
		if err != nil {
			c.Log.WarnContext(ctx, "early replay: verifier", "run_id", r.ID, "remote", r.Remote, "error", err)
			return
		}
	} else {
		c.Log.WarnContext(ctx, "early replay: destination", "run_id", r.ID, "remote", r.Remote, "error", err)
		return
	}
	// one listing of destination states for every family that asks at once
	states := c.importHandler().NewStateLister(ctx, rm)
	var (
		mu       sync.Mutex
		inHand   = map[string]bool{}
		finished = make(chan struct{}, earlyConcurrency)
		wg       sync.WaitGroup
		replayed int
		settled  int
	)
	defer func() {
		wg.Wait()
		if replayed > 0 {
			c.Log.InfoContext(ctx, "early replay stopped", "run_id", r.ID, "remote", r.Remote, "families", replayed, "settled", settled)
		}
	}()
	finishing := false // asked to stop: every sample ready goes, then it ends
	qcStarted := false // the duplicates and reference analyses went (earlyQualityControl)
	var (
		backlog []string          // listed ready, not in hand yet: they go as families finish
		pace    earlyPace         // when the next listing is due
		h       *importer.Handler // prepared at the last listing that found families
	)
	start := func(root string) {
		h := h
		mu.Lock()
		inHand[root] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			started := time.Now()
			out := h.ReplayFamily(ctx, rm, r.ID, verifier, states, root)
			c.Log.DebugContext(ctx, "early replay: family done", "run_id", r.ID, "remote", r.Remote, "uid", root,
				"settled", out.Settled, "elapsed", time.Since(started).Round(time.Millisecond))
			switch err := out.Err; {
			case err == nil:
			case errors.Is(err, importer.ErrEarlyTransient), ctx.Err() != nil:
				c.Log.DebugContext(ctx, "early replay: left to the whole lab's replay", "run_id", r.ID, "remote", r.Remote,
					"uid", root, "error", err)
			default:
				c.Log.WarnContext(ctx, "early replay: left to the whole lab's replay", "run_id", r.ID, "remote", r.Remote,
					"uid", root, "error", err)
			}
			if ctx.Err() == nil {
				if err := c.Store.EarlyReplayDone(ctx, rm.ID, []string{root}); err != nil {
					c.Log.DebugContext(ctx, "early replay: done", "run_id", r.ID, "remote", r.Remote, "uid", root, "error", err)
				}
			}
			mu.Lock()
			delete(inHand, root)
			replayed++
			if out.Settled {
				settled++
			}
			mu.Unlock()
			select {
			case finished <- struct{}{}:
			default:
			}
		}()
	}
	for {
		if ctx.Err() != nil {
			return
		}
		if now, err := c.Store.Run(ctx, r.ID); err == nil && now.Status != store.StatusRunning {
			return // cancelled or failed meanwhile: nothing more of it goes
		}
		mu.Lock()
		inHandNow := len(inHand)
		except := make([]string, 0, len(inHand)+len(backlog))
		for uid := range inHand {
			except = append(except, uid)
		}
		mu.Unlock()
		except = append(except, backlog...)
		free := earlyConcurrency - inHandNow
		listed, found := false, 0
		if pace.due(len(backlog), free, inHandNow, finishing, time.Now()) {
			listed = true
			if err := c.earlyDeferred(ctx, rm); err != nil && ctx.Err() == nil {
				c.Log.WarnContext(ctx, "early replay: deferred references", "run_id", r.ID, "remote", r.Remote, "error", err)
			}
			if finishing && !qcStarted {
				// every object landed: once no deferred reference is left, the
				// duplicates and reference analyses go beside the last families
				if pending, err := c.Store.PendingDeferred(ctx, rm.ID); err == nil && len(pending) == 0 {
					qcStarted = true
					wg.Add(1)
					go func() {
						defer wg.Done()
						c.earlyQualityControl(ctx, r, rm, verifier, states)
					}()
				}
			}
			asked := time.Now()
			ready, err := c.Store.EarlyReplayReady(ctx, rm.ID, except, free+earlyBacklog-len(backlog))
			took := time.Since(asked)
			if err != nil && ctx.Err() == nil {
				c.Log.WarnContext(ctx, "early replay: ready samples", "run_id", r.ID, "remote", r.Remote, "error", err)
			}
			c.Log.DebugContext(ctx, "early replay: families ready", "run_id", r.ID, "remote", r.Remote, "families", len(ready),
				"in_hand", inHandNow, "backlog", len(backlog), "listed_in", took.Round(time.Millisecond))
			pace.listedAt, pace.took = time.Now(), took
			if len(ready) > 0 {
				next := c.importHandler()
				if err := next.PrepareEarlyReplay(ctx, rm); err != nil {
					c.Log.WarnContext(ctx, "early replay: retests", "run_id", r.ID, "remote", r.Remote, "error", err)
				} else {
					h, found = next, len(ready)
					backlog = append(backlog, ready...)
				}
			}
		}
		// a family that finished is replaced from the backlog at once, not
		// at the next listing
		take := min(free, len(backlog))
		for _, root := range backlog[:take] {
			start(root)
		}
		backlog = backlog[take:]
		pace.listedAny = pace.listedAny || take > 0
		if finishing && len(backlog) == 0 {
			mu.Lock()
			idle := len(inHand) == 0
			mu.Unlock()
			if idle {
				if listed && found == 0 {
					return
				}
				pace.listedAt = time.Time{} // nothing in hand: look again at once
			}
		}
		wait := earlyPoll
		if len(backlog) < free-take+earlyBacklog/2 {
			// the backlog runs short: wake for the next listing's time
			wait = min(wait, max(time.Until(pace.next(inHandNow+take+len(backlog), finishing)), 0))
		}
		timer := time.NewTimer(wait)
		select {
		case <-stop:
			stop, finishing = nil, true
			pace.listedAt = time.Time{}
		case <-ctx.Done():
			timer.Stop()
			return
		case <-finished:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// earlyPace spaces the early replay's listings of ready families.
type earlyPace struct {
	listedAt  time.Time     // the last listing; zero: list at once
	took      time.Duration // what it cost PostgreSQL
	listedAny bool          // families went
}

// due tells whether the early replay lists ready families at now, with
// inHand families being replayed and backlog listed but not started: the
// listing's gap has passed — by the families in hand now, not those when
// it listed: a 22,562-object lab's listing of 4 s set the next one 20 s
// later, and the 31 families then in hand were done in ten — and the
// backlog would not cover the threads free and half a listing more.
func (p earlyPace) due(backlog, free, inHand int, finishing bool, now time.Time) bool {
	return backlog < free+earlyBacklog/2 && !now.Before(p.next(inHand+backlog, finishing))
}

// next is the earliest time of the next listing, with inHand families
// in hand or listed.
func (p earlyPace) next(inHand int, finishing bool) time.Time {
	if p.listedAt.IsZero() {
		return p.listedAt
	}
	return p.listedAt.Add(p.gap(inHand, finishing))
}

// gap is the time from one listing of ready families to the next:
// earlyGap, earlyListEvery once families went and enough are in hand to
// keep the lab busy meanwhile, at least five times the listing's own time
// (a large lab's listing costs PostgreSQL more: its share of the database
// stays a fifth of one core) — but at most earlyIdleGap while few are in
// hand: the lab waits for this side.
func (p earlyPace) gap(inHand int, finishing bool) time.Duration {
	gap := earlyGap
	if !finishing && p.listedAny && inHand >= earlyLowWater {
		gap = earlyListEvery
	}
	gap = max(gap, 5*p.took)
	if inHand < earlyLowWater {
		gap = min(gap, earlyIdleGap)
	}
	return gap
}

// keepEarlyLab keeps an import's plan for its early replay, which walks
// it for the families (planEarlyReplay) once the objects are on their
// way: at 22,562 objects, saving them took 2.6 s, while the lab waited
// for its first object.
func (c *Coordinator) keepEarlyLab(r store.Run, lab *importer.Lab) {
	if r.Kind != store.KindImport {
		return
	}
	c.earlyMu.Lock()
	defer c.earlyMu.Unlock()
	if c.earlyLabs == nil {
		c.earlyLabs = map[uuid.UUID]earlyLab{}
	}
	for run, kept := range c.earlyLabs {
		if kept.remote == r.RemoteID {
			delete(c.earlyLabs, run) // an earlier import of the remote that ended before its early replay began
		}
	}
	c.earlyLabs[r.ID] = earlyLab{remote: r.RemoteID, lab: lab}
}

// earlyLab is an import's plan kept for its early replay.
type earlyLab struct {
	remote int64
	lab    *importer.Lab
}

// planEarlyReplay saves the families of an import's early replay and what
// each waits for (importer.Lab.EarlyFamilies), from the plan this process
// made of the import, unless the lab answers too fast for the early
// replay to pay (earlyReplayPays). It tells whether any family may go
// early. A leader that did not plan the import has no plan to walk: what
// an earlier term saved goes on, or the whole lab's replay takes all. The
// plan is kept until its families are saved: a term that ends while it
// saves them leaves it to the next.
func (c *Coordinator) planEarlyReplay(ctx context.Context, r store.Run, rm store.Remote) bool {
	c.earlyMu.Lock()
	lab := c.earlyLabs[r.ID].lab
	c.earlyMu.Unlock()
	forget := func() {
		c.earlyMu.Lock()
		delete(c.earlyLabs, r.ID) // the plan's memory goes with it
		c.earlyMu.Unlock()
	}
	if lab != nil && !c.earlyReplayPays(ctx, rm.DestinationID) {
		forget()
		return false
	}
	if lab == nil {
		planned, err := c.Store.EarlyReplayPlanned(ctx, rm.ID)
		return err == nil && planned
	}
	started := time.Now()
	var n int
	err := c.Store.SaveEarlyReplay(ctx, rm.ID, func(add func(store.EarlyRow) error) error {
		var err error
		n, err = lab.EarlyFamilies(func(root, obj string, kind plan.EarlyKind) error {
			return add(store.EarlyRow{Sample: root, Blocker: obj, Kind: int16(kind)})
		})
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			c.Log.WarnContext(ctx, "early replay: plan", "run_id", r.ID, "remote", r.Remote, "error", err)
		}
		return false
	}
	forget()
	c.Log.InfoContext(ctx, "early replay planned", "run_id", r.ID, "remote", r.Remote, "families", n,
		"elapsed", time.Since(started).Round(time.Millisecond))
	return n > 0
}

// earlyDeferred sets the deferred references whose objects all have their
// copy by now (store.DeferredReady): the samples they touch may then go
// early too, instead of waiting for the whole lab's deferred pass. All
// that are ready go at once, earlyConcurrency a listing: a batch a
// listing of families kept every family of a 22,562-object lab waiting
// eight seconds more for its contacts' CCContact, the lab a third used.
func (c *Coordinator) earlyDeferred(ctx context.Context, rm store.Remote) error {
	for {
		ready, err := c.Store.DeferredReady(ctx, rm.ID, earlyConcurrency)
		if err != nil || len(ready) == 0 {
			return err
		}
		// a field set is done (store.DeferredDone): the next listing has
		// the others, and an error ends the pass
		if err := c.setDeferred(ctx, rm, c.importHandler(), ready); err != nil || len(ready) < earlyConcurrency {
			return err
		}
	}
}

// earlyQualityControl replays the duplicates and reference analyses of an
// import whose objects have all landed (importer.ReplayQualityControl);
// what it leaves, the whole lab's replay takes up.
func (c *Coordinator) earlyQualityControl(ctx context.Context, r store.Run, rm store.Remote, verifier *senaite.Client,
	states *importer.StateLister) {
	started := time.Now()
	h := c.importHandler()
	n, err := h.ReplayQualityControl(ctx, rm, r.ID, verifier, states)
	if err != nil && ctx.Err() == nil {
		c.Log.WarnContext(ctx, "early replay: quality control analyses left to the whole lab's replay", "run_id", r.ID,
			"remote", r.Remote, "error", err)
		return
	}
	c.Log.InfoContext(ctx, "early replay: quality control analyses", "run_id", r.ID, "remote", r.Remote, "settled", n,
		"elapsed", time.Since(started).Round(time.Millisecond))
}
