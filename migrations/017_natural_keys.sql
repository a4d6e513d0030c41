-- Identity merges of labs that grew apart (ARCHITECTURE.md §5,
-- schema.IdentityRule). natural_keys records, per destination instance,
-- which object holds a type's key in a container, as soon as this system
-- created or linked it: two labs importing the same new key at once (under
-- store.LockKey) find each other's object here, before the destination's
-- own listing shows it. objects.merged marks a source object linked to an
-- object that existed at the destination (objects --state merged).
CREATE TABLE natural_keys (
    instance_id  bigint NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    portal_type  text NOT NULL,
    parent_uid   text NOT NULL,
    value        text NOT NULL,
    uid          text NOT NULL,
    PRIMARY KEY (instance_id, portal_type, parent_uid, value)
);
ALTER TABLE objects ADD COLUMN merged boolean NOT NULL DEFAULT false;

---- create above / drop below ----

ALTER TABLE objects DROP COLUMN merged;
DROP TABLE natural_keys;
