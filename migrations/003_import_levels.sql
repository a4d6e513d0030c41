-- The import plan: each object's level (every dependency that is not
-- deferred sits on a lower level), so a run imports level by level.
ALTER TABLE objects ADD COLUMN level integer;
CREATE INDEX objects_by_level ON objects (remote_id, level, state);

---- create above / drop below ----

DROP INDEX objects_by_level;
ALTER TABLE objects DROP COLUMN level;
