-- The version of a copy the system itself wrote (read back after its
-- writes), apart from seen_modified, which also records versions read
-- from a copy as a source: an update does not carry a difference from a
-- source copy that is exactly as the system wrote it (nothing originated
-- there), while a version merely read and carried to one destination may
-- still have to travel to another.
ALTER TABLE replicas ADD COLUMN written_modified timestamptz;

---- create above / drop below ----

ALTER TABLE replicas DROP COLUMN written_modified;
