package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Counts are a run's counters, in total or per portal type.
type Counts struct {
	Total     int `json:"total"`
	Fetched   int `json:"fetched"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Conflicts int `json:"conflicts"`
	Failed    int `json:"failed"`
	// IDsChanged counts the copies created under another id than their
	// source's (a non-empty destination, a gap in the source's numbering,
	// a date in the format): each keeps the source's id as its label.
	IDsChanged int `json:"ids_changed"`
}

// Add sums counters.
func (c Counts) Add(o Counts) Counts {
	return Counts{c.Total + o.Total, c.Fetched + o.Fetched, c.Created + o.Created, c.Updated + o.Updated,
		c.Unchanged + o.Unchanged, c.Skipped + o.Skipped, c.Conflicts + o.Conflicts, c.Failed + o.Failed,
		c.IDsChanged + o.IDsChanged}
}

// Run is one execution of a step on a remote.
type Run struct {
	ID         uuid.UUID
	RemoteID   int64
	Remote     string
	Kind       RunKind
	Status     RunStatus
	Error      string
	PagesTotal int
	PagesDone  int
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	ByType     map[string]Counts
	// Watermark (updates) is the source's clock when the run was planned;
	// Phase says where an update is (PhaseScan, PhaseImport).
	Watermark *time.Time
	Phase     string
	// Trigger says who asked: TriggerManual (API, CLI) or TriggerAuto.
	Trigger string
	// Stage says where an import (or an update's import) stands: StageObjects,
	// StageReferences, StageReplay, StageReadBack; empty before.
	Stage string
	// Note says why a run that should advance does not, while its steps
	// keep failing (NATS, a lab or PostgreSQL away): empty when it moves.
	Note string
}

// Who starts runs.
const (
	TriggerManual = "manual"
	TriggerAuto   = "auto"
)

// Counts totals the per-type counters.
func (r Run) Counts() Counts {
	var c Counts
	for _, t := range r.ByType {
		c = c.Add(t)
	}
	return c
}

// ActiveRunError is returned when a remote already has a queued or running
// run: the API answers 409 with it.
type ActiveRunError struct{ Run Run }

func (e *ActiveRunError) Error() string {
	return fmt.Sprintf("store: remote %s already has %s run %s (%s)", e.Run.Remote, e.Run.Kind, e.Run.ID, e.Run.Status)
}

const runSelect = `SELECT r.id, r.remote_id, m.name, r.kind, r.status, coalesce(r.error, ''), r.pages_total, r.pages_done,
	r.created_at, r.started_at, r.finished_at, r.watermark, coalesce(r.phase, ''), r.trigger,
	coalesce(r.note, ''), coalesce(r.stage, '') FROM runs r JOIN remotes m ON m.id = r.remote_id`

func scanRun(row pgx.Row) (Run, error) {
	var r Run
	err := row.Scan(&r.ID, &r.RemoteID, &r.Remote, &r.Kind, &r.Status, &r.Error, &r.PagesTotal, &r.PagesDone,
		&r.CreatedAt, &r.StartedAt, &r.FinishedAt, &r.Watermark, &r.Phase, &r.Trigger, &r.Note, &r.Stage)
	return r, err
}

// CreateRun queues a run; the database refuses a second active run of the
// same remote, whoever asks (the partial unique index), and the caller gets
// the active one in an *ActiveRunError.
func (s *Store) CreateRun(ctx context.Context, remoteID int64, kind RunKind) (Run, error) {
	id := uuid.New()
	_, err := s.pool.Exec(ctx, `INSERT INTO runs (id, remote_id, kind, status) VALUES ($1, $2, $3, 'queued')`, id, remoteID, kind)
	if isUniqueViolation(err) {
		active, aerr := scanRun(s.pool.QueryRow(ctx, runSelect+` WHERE r.remote_id = $1 AND r.status IN ('queued', 'running')`, remoteID))
		if aerr != nil {
			return Run{}, fmt.Errorf("store: create run: %w", aerr)
		}
		return Run{}, &ActiveRunError{Run: active}
	}
	if err != nil {
		return Run{}, fmt.Errorf("store: create run: %w", err)
	}
	return s.Run(ctx, id)
}

// Run reads a run with its counters.
func (s *Store) Run(ctx context.Context, id uuid.UUID) (Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, runSelect+` WHERE r.id = $1`, id))
	if err != nil {
		return Run{}, fmt.Errorf("store: run %s: %w", id, notFound(err))
	}
	if r.ByType, err = s.runCounts(ctx, id); err != nil {
		return Run{}, err
	}
	return r, nil
}

func (s *Store) runCounts(ctx context.Context, id uuid.UUID) (map[string]Counts, error) {
	all, err := s.runsCounts(ctx, []uuid.UUID{id})
	return all[id], err
}

// runsCounts reads the per-type counters of several runs in one query.
func (s *Store) runsCounts(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]map[string]Counts, error) {
	rows, err := s.pool.Query(ctx, `SELECT run_id, portal_type, total, fetched, created, updated, unchanged, skipped, conflicts, failed,
			ids_changed
		FROM run_counts WHERE run_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: run counts: %w", err)
	}
	defer rows.Close()
	out := make(map[uuid.UUID]map[string]Counts, len(ids))
	for _, id := range ids {
		out[id] = map[string]Counts{}
	}
	for rows.Next() {
		var id uuid.UUID
		var pt string
		var c Counts
		if err := rows.Scan(&id, &pt, &c.Total, &c.Fetched, &c.Created, &c.Updated, &c.Unchanged, &c.Skipped, &c.Conflicts, &c.Failed,
			&c.IDsChanged); err != nil {
			return nil, fmt.Errorf("store: run counts: %w", err)
		}
		out[id][pt] = c
	}
	return out, rows.Err()
}

// Runs lists runs, newest first, of one remote or of all (""), with
// their counters.
func (s *Store) Runs(ctx context.Context, remote string, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.pool.Query(ctx, runSelect+` WHERE $1 = '' OR m.name = $1 ORDER BY r.created_at DESC LIMIT $2`, remote, limit)
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Run, error) { return scanRun(r) })
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	ids := make([]uuid.UUID, len(out))
	for i, r := range out {
		ids[i] = r.ID
	}
	counts, err := s.runsCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].ByType = counts[out[i].ID]
	}
	return out, nil
}

// ErrStaleState means a compare-and-set found the row in another state:
// someone else moved it first, and the caller must not act as if it did.
var ErrStaleState = errors.New("store: state changed meanwhile")

// statusStrings is statuses as a text[] argument.
func statusStrings(statuses []RunStatus) []string {
	out := make([]string, len(statuses))
	for i, st := range statuses {
		out[i] = string(st)
	}
	return out
}

// TransitionRun moves a run from one of the states in from to to, setting
// started_at or finished_at; any other current state is ErrStaleState.
func (s *Store) TransitionRun(ctx context.Context, id uuid.UUID, from []RunStatus, to RunStatus, errMsg string) error {
	tag, err := s.leaderExec(ctx, `UPDATE runs SET status = $3, error = nullif($4, ''),
		started_at = CASE WHEN $3 = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
		finished_at = CASE WHEN $3 IN ('succeeded', 'partial', 'failed', 'cancelled') THEN now() ELSE finished_at END,
		note = CASE WHEN $3 IN ('succeeded', 'partial', 'failed', 'cancelled') THEN NULL ELSE note END
		WHERE id = $1 AND status = ANY($2)`, id, statusStrings(from), to, errMsg)
	if err != nil {
		return fmt.Errorf("store: run %s to %s: %w", id, to, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: run %s to %s: %w", id, to, ErrStaleState)
	}
	return nil
}

// AddRunCounts adds counters of a portal type to a run (pages report as
// they finish; concurrent adds do not lose updates).
func (s *Store) AddRunCounts(ctx context.Context, id uuid.UUID, portalType string, c Counts) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO run_counts (run_id, portal_type, total, fetched, created, updated, unchanged, skipped, conflicts, failed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (run_id, portal_type) DO UPDATE SET total = run_counts.total + excluded.total,
		fetched = run_counts.fetched + excluded.fetched, created = run_counts.created + excluded.created,
		updated = run_counts.updated + excluded.updated, unchanged = run_counts.unchanged + excluded.unchanged,
		skipped = run_counts.skipped + excluded.skipped, conflicts = run_counts.conflicts + excluded.conflicts,
		failed = run_counts.failed + excluded.failed`,
		id, portalType, c.Total, c.Fetched, c.Created, c.Updated, c.Unchanged, c.Skipped, c.Conflicts, c.Failed)
	if err != nil {
		return fmt.Errorf("store: run %s counts %s: %w", id, portalType, err)
	}
	return nil
}

// Page is one planned listing page of a fetch.
type Page struct {
	PortalType string
	BStart     int
	PageSize   int
	// Mode is ModeComplete for a fetch; an update's pages scan or follow
	// the modified index down to Since.
	Mode  string
	Since *time.Time
}

// PlanPages records a fetch's pages (idempotent: a re-plan adds nothing)
// and sets the run's page total.
func (s *Store) PlanPages(ctx context.Context, id uuid.UUID, pages []Page) error {
	types := make([]string, len(pages))
	starts := make([]int32, len(pages))
	sizes := make([]int32, len(pages))
	modes := make([]string, len(pages))
	since := make([]*time.Time, len(pages))
	for i, p := range pages {
		types[i], starts[i], sizes[i], since[i] = p.PortalType, int32(p.BStart), int32(p.PageSize), p.Since
		modes[i] = p.Mode
		if modes[i] == "" {
			modes[i] = ModeComplete
		}
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: run %s plan pages: %w", id, err)
	}
	defer tx.Rollback(ctx)
	if err := checkFence(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO run_pages (run_id, portal_type, b_start, page_size, mode, since)
		SELECT $1, t, b, z, m, s FROM unnest($2::text[], $3::int[], $4::int[], $5::text[], $6::timestamptz[]) AS u(t, b, z, m, s)
		ON CONFLICT DO NOTHING`, id, types, starts, sizes, modes, since); err != nil {
		return fmt.Errorf("store: run %s plan pages: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE runs SET pages_total = (SELECT count(*) FROM run_pages WHERE run_id = $1) WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: run %s plan pages: %w", id, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: run %s plan pages: %w", id, err)
	}
	return nil
}

// PageDone marks a page read; only the first call for a page counts, so a
// redelivered message does not count twice. It returns the run's totals
// and whether this call was the one that counted.
func (s *Store) PageDone(ctx context.Context, id uuid.UUID, portalType string, bStart, items int) (done, total int, counted bool, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, 0, false, fmt.Errorf("store: run %s page done: %w", id, err)
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, `UPDATE run_pages SET done_at = now(), items = $4, error = NULL
		WHERE run_id = $1 AND portal_type = $2 AND b_start = $3 AND done_at IS NULL`, id, portalType, bStart, items)
	if err != nil {
		return 0, 0, false, fmt.Errorf("store: run %s page done: %w", id, err)
	}
	counted = tag.RowsAffected() == 1
	if counted {
		_, err = tx.Exec(ctx, `UPDATE runs SET pages_done = pages_done + 1 WHERE id = $1`, id)
		if err != nil {
			return 0, 0, false, fmt.Errorf("store: run %s page done: %w", id, err)
		}
	}
	if err := tx.QueryRow(ctx, `SELECT pages_done, pages_total FROM runs WHERE id = $1`, id).Scan(&done, &total); err != nil {
		return 0, 0, false, fmt.Errorf("store: run %s page done: %w", id, notFound(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, false, fmt.Errorf("store: run %s page done: %w", id, err)
	}
	return done, total, counted, nil
}

// SetRunFetched records the stored objects per type at the end of a fetch
// (a SET, not an ADD: finishing twice gives the same counters).
func (s *Store) SetRunFetched(ctx context.Context, id uuid.UUID, fetched map[string]int) error {
	for pt, n := range fetched {
		_, err := s.pool.Exec(ctx, `INSERT INTO run_counts (run_id, portal_type, fetched) VALUES ($1, $2, $3)
			ON CONFLICT (run_id, portal_type) DO UPDATE SET fetched = excluded.fetched`, id, pt, n)
		if err != nil {
			return fmt.Errorf("store: run %s fetched %s: %w", id, pt, err)
		}
	}
	return nil
}

// ActiveRuns lists queued and running runs, oldest first: the
// coordinator's work.
func (s *Store) ActiveRuns(ctx context.Context) ([]Run, error) {
	rows, err := s.pool.Query(ctx, runSelect+` WHERE r.status IN ('queued', 'running') ORDER BY r.created_at`)
	if err != nil {
		return nil, fmt.Errorf("store: active runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Run, error) { return scanRun(r) })
	if err != nil {
		return nil, fmt.Errorf("store: active runs: %w", err)
	}
	return out, nil
}

// Stages of an import, in order.
const (
	StageObjects    = "objects"
	StageReferences = "deferred references"
	StageReplay     = "workflow replay"
	StageReadBack   = "read-back"
)

// SetRunStage records where an import stands (a leader's write; a no-op
// when it is already there).
func (s *Store) SetRunStage(ctx context.Context, id uuid.UUID, stage string) error {
	_, err := s.leaderExec(ctx, `UPDATE runs SET stage = $2 WHERE id = $1 AND stage IS DISTINCT FROM $2`, id, stage)
	if err != nil {
		return fmt.Errorf("store: run %s stage: %w", id, err)
	}
	return nil
}

// SetRunNote says why an active run does not advance ("" clears it); a
// leader's write, and a no-op when the note is already that.
func (s *Store) SetRunNote(ctx context.Context, id uuid.UUID, note string) error {
	_, err := s.leaderExec(ctx, `UPDATE runs SET note = NULLIF($2, '') WHERE id = $1 AND note IS DISTINCT FROM NULLIF($2, '')`, id, note)
	if err != nil {
		return fmt.Errorf("store: run %s note: %w", id, err)
	}
	return nil
}

// SetRunTotals records what the source counted per type (a SET: planning
// twice, by two coordinators, gives the same totals).
func (s *Store) SetRunTotals(ctx context.Context, id uuid.UUID, totals map[string]int) error {
	for pt, n := range totals {
		_, err := s.pool.Exec(ctx, `INSERT INTO run_counts (run_id, portal_type, total) VALUES ($1, $2, $3)
			ON CONFLICT (run_id, portal_type) DO UPDATE SET total = excluded.total`, id, pt, n)
		if err != nil {
			return fmt.Errorf("store: run %s total %s: %w", id, pt, err)
		}
	}
	return nil
}

// SetRunCounts replaces a type's counters of a run (the final tally).
func (s *Store) SetRunCounts(ctx context.Context, id uuid.UUID, portalType string, c Counts) error {
	_, err := s.leaderExec(ctx, `INSERT INTO run_counts (run_id, portal_type, total, fetched, created, updated, unchanged, skipped,
			conflicts, failed, ids_changed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (run_id, portal_type) DO UPDATE SET total = excluded.total, fetched = excluded.fetched,
		created = excluded.created, updated = excluded.updated, unchanged = excluded.unchanged,
		skipped = excluded.skipped, conflicts = excluded.conflicts, failed = excluded.failed,
		ids_changed = excluded.ids_changed`,
		id, portalType, c.Total, c.Fetched, c.Created, c.Updated, c.Unchanged, c.Skipped, c.Conflicts, c.Failed, c.IDsChanged)
	if err != nil {
		return fmt.Errorf("store: run %s counts %s: %w", id, portalType, err)
	}
	return nil
}

// RunTally is how many runs of a remote and kind are in a status, and when
// the last of them finished (zero while none has).
type RunTally struct {
	Remote       string
	Kind         RunKind
	Status       RunStatus
	Runs         int
	LastFinished time.Time
}

// RunTallies counts every remote's runs by kind and status: what the
// metrics endpoint exports.
func (s *Store) RunTallies(ctx context.Context) ([]RunTally, error) {
	rows, err := s.pool.Query(ctx, `SELECT m.name, r.kind, r.status, count(*), coalesce(max(r.finished_at), 'epoch')
		FROM runs r JOIN remotes m ON m.id = r.remote_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
	if err != nil {
		return nil, fmt.Errorf("store: run tallies: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RunTally, error) {
		var t RunTally
		err := r.Scan(&t.Remote, &t.Kind, &t.Status, &t.Runs, &t.LastFinished)
		if t.LastFinished.Equal(time.Unix(0, 0)) {
			t.LastFinished = time.Time{}
		}
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: run tallies: %w", err)
	}
	return out, nil
}
