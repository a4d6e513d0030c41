-- A parked object says what it waits for in columns of its own: requeueing
-- and skipping parked objects no longer find them by the wording of their
-- reason (`reason LIKE 'importer: dependency not imported yet%'`).
--   wait_kind   'dependency': its container or a reference it cannot be
--               created without has no copy yet; waiting_for names it
--               (a source UID, or a path for a structural container);
--               'replay': the destination makes it during the workflow
--               replay, where it is adopted.
ALTER TABLE objects
    ADD COLUMN wait_kind text CHECK (wait_kind IN ('dependency', 'replay')),
    ADD COLUMN waiting_for text;

UPDATE objects SET wait_kind = CASE WHEN reason LIKE 'importer: dependency not imported yet%'
        THEN 'dependency' ELSE 'replay' END,
    waiting_for = CASE WHEN reason LIKE 'importer: dependency not imported yet%'
        THEN nullif(substring(reason FROM '([0-9a-f]{32})$'), '') END
    WHERE state = 'waiting';

-- a parked object always says on what; no other object does
ALTER TABLE objects ADD CONSTRAINT objects_wait_check
    CHECK ((state = 'waiting') = (wait_kind IS NOT NULL));

---- create above / drop below ----

ALTER TABLE objects DROP COLUMN wait_kind, DROP COLUMN waiting_for;
