-- Keeping the source's ids (ARCHITECTURE.md §5, Ids). The import plan puts
-- every object the destination's ID server numbers in a sequence (id_key:
-- the server's storage key, e.g. "analysisrequest-H2O"; id_seq: the
-- object's number in it): a sequence's objects are created one at a time
-- in that order. dest_id is the id the destination gave the copy, so a
-- run counts the ids it could not keep and a listing shows both.
ALTER TABLE objects
    ADD COLUMN id_key text,
    ADD COLUMN id_seq integer,
    ADD COLUMN dest_id text;

CREATE INDEX objects_by_id_sequence ON objects (remote_id, id_key, id_seq) WHERE id_key IS NOT NULL;

ALTER TABLE run_counts ADD COLUMN ids_changed integer NOT NULL DEFAULT 0;

---- create above / drop below ----

ALTER TABLE run_counts DROP COLUMN ids_changed;
DROP INDEX objects_by_id_sequence;
ALTER TABLE objects DROP COLUMN id_key, DROP COLUMN id_seq, DROP COLUMN dest_id;
