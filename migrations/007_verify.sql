-- The verify step (ARCHITECTURE.md §7, issue #4): a run compares the
-- source and the destination object by object through the identity table,
-- one source page per message, and records every difference it finds.
ALTER TABLE run_pages DROP CONSTRAINT run_pages_mode_check;
ALTER TABLE run_pages ADD CONSTRAINT run_pages_mode_check CHECK (mode IN ('complete', 'scan', 'since', 'verify'));

-- one row per difference; a redelivered page finds its rows there already
CREATE TABLE run_differences (
    run_id       uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    source_uid   text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('missing', 'field', 'state', 'parent', 'type')),
    field        text NOT NULL DEFAULT '',
    portal_type  text NOT NULL,
    source_path  text NOT NULL,
    dest_uid     text,
    source_value text,
    dest_value   text,
    PRIMARY KEY (run_id, source_uid, kind, field)
);

---- create above / drop below ----

DROP TABLE run_differences;
ALTER TABLE run_pages DROP CONSTRAINT run_pages_mode_check;
ALTER TABLE run_pages ADD CONSTRAINT run_pages_mode_check CHECK (mode IN ('complete', 'scan', 'since'));
