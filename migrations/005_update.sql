-- The update step (ARCHITECTURE.md §4, Update): a run reads what changed
-- at the source since the remote's watermark, then imports it.
--
-- runs.watermark is the source's clock when the update was planned: it
-- becomes the remote's watermark only when the run ends with everything
-- before it committed. runs.phase says where an update is (scan, import).
ALTER TABLE runs ADD COLUMN watermark timestamptz, ADD COLUMN phase text;

-- an update's pages: 'scan' reads a light page and completely only what
-- changed; 'since' follows the catalog's modified index down to since
ALTER TABLE run_pages ADD COLUMN mode text NOT NULL DEFAULT 'complete'
    CHECK (mode IN ('complete', 'scan', 'since')),
    ADD COLUMN since timestamptz;

-- the objects a scan saw at the source: what it did not see is gone
CREATE TABLE run_seen (
    run_id      uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    source_uid  text NOT NULL,
    PRIMARY KEY (run_id, source_uid)
);

-- an object the source no longer has is `gone`, reported, never deleted
ALTER TABLE objects DROP CONSTRAINT objects_state_check;
ALTER TABLE objects ADD CONSTRAINT objects_state_check CHECK (state IN ('fetched', 'waiting', 'imported',
    'unchanged', 'skipped', 'conflict', 'state-mismatch', 'failed', 'gone'));

-- what the last import did to the destination copy: 'updated' when an
-- update wrote changed fields to an existing copy (a run's counters)
ALTER TABLE objects ADD COLUMN written text CHECK (written IN ('updated'));

-- a change at the source that meets a change on the destination copy
-- since the system last saw it: kept for a person to resolve
CREATE TABLE conflicts (
    remote_id        bigint NOT NULL REFERENCES remotes (id) ON DELETE CASCADE,
    source_uid       text NOT NULL,
    identity_id      bigint NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    portal_type      text NOT NULL,
    dest_uid         text NOT NULL,
    source_modified  timestamptz,
    dest_modified    timestamptz,
    -- [{"field", "source", "destination"}]
    fields           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    resolved_at      timestamptz,
    resolution       text CHECK (resolution IN ('source', 'destination')),
    PRIMARY KEY (remote_id, source_uid)
);
CREATE INDEX conflicts_open_by_identity ON conflicts (identity_id) WHERE resolved_at IS NULL;

---- create above / drop below ----

DROP TABLE conflicts;
ALTER TABLE objects DROP COLUMN written;
ALTER TABLE objects DROP CONSTRAINT objects_state_check;
ALTER TABLE objects ADD CONSTRAINT objects_state_check CHECK (state IN ('fetched', 'waiting', 'imported',
    'unchanged', 'skipped', 'conflict', 'state-mismatch', 'failed'));
DROP TABLE run_seen;
ALTER TABLE run_pages DROP COLUMN since, DROP COLUMN mode;
ALTER TABLE runs DROP COLUMN phase, DROP COLUMN watermark;
