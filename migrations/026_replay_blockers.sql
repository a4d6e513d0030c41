-- Early workflow replay (issue #13): a sample's replay need not wait for
-- the whole lab's objects. The import's plan lists, per sample that can be
-- replayed on its own, what must have landed first (store.PlanEarlyReplay):
-- its children, what refers to them or to it, what they refer to. A row
-- whose blocker is the sample itself says the sample may go early at all;
-- a sample without one (a partition, one with deferred references) waits
-- for the replay of the whole lab. Rows go as their sample is replayed.
CREATE TABLE replay_blockers (
    remote_id   bigint NOT NULL REFERENCES remotes (id) ON DELETE CASCADE,
    sample_uid  text NOT NULL,
    blocker_uid text NOT NULL,
    PRIMARY KEY (remote_id, sample_uid, blocker_uid)
);

---- create above / drop below ----

DROP TABLE replay_blockers;
