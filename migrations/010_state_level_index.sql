-- One index for an object's pipeline position (state, then level) where
-- there were two (state; level and state): every state change of an
-- object rewrites an entry in each of its indexes, and the import changes
-- the state of every object at least once. Queries by state use its
-- prefix; the import's "lowest level still fetched" and "that level's
-- pending objects" read it in order.
CREATE INDEX objects_by_state_level ON objects (remote_id, state, level);
DROP INDEX objects_by_state;
DROP INDEX objects_by_level;

---- create above / drop below ----

CREATE INDEX objects_by_state ON objects (remote_id, state);
CREATE INDEX objects_by_level ON objects (remote_id, level, state);
DROP INDEX objects_by_state_level;
