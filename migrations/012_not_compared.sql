-- What a verify run left out of its comparison, per page and class, with
-- the reason: a report says what it did not look at instead of a silent
-- "clean". A redelivered page writes its own rows again.
CREATE TABLE run_not_compared (
    run_id      uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    portal_type text NOT NULL,
    b_start     integer NOT NULL,
    class       text NOT NULL,
    reason      text NOT NULL,
    count       integer NOT NULL,
    PRIMARY KEY (run_id, portal_type, b_start, class)
);

-- verify also reports ids that differ and references to nothing
ALTER TABLE run_differences DROP CONSTRAINT run_differences_kind_check;
ALTER TABLE run_differences ADD CONSTRAINT run_differences_kind_check
    CHECK (kind IN ('missing', 'field', 'state', 'parent', 'type', 'id', 'dangling'));

---- create above / drop below ----

DELETE FROM run_differences WHERE kind IN ('id', 'dangling');
ALTER TABLE run_differences DROP CONSTRAINT run_differences_kind_check;
ALTER TABLE run_differences ADD CONSTRAINT run_differences_kind_check
    CHECK (kind IN ('missing', 'field', 'state', 'parent', 'type'));
DROP TABLE run_not_compared;
