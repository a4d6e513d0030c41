-- Early workflow replay (issue #13): a sample's replay need not wait for
-- the whole lab's objects. The import's plan lists, per family of samples
-- (a sample with its partitions, its retests: sample_uid is the family's
-- least UID) that can be replayed on its own, what must have landed first
-- (store.PlanEarlyReplay): its samples (kind 1, members), their children,
-- what refers to them, what they refer to (kind 0: each must have landed),
-- and the objects whose deferred references name any of those (kind 2:
-- those references must be set). A row whose blocker is the family's own
-- UID says the family may go early at all; a family without one waits for
-- the replay of the whole lab. Rows go as their family is replayed.
CREATE TABLE replay_blockers (
    remote_id   bigint NOT NULL REFERENCES remotes (id) ON DELETE CASCADE,
    sample_uid  text NOT NULL,
    blocker_uid text NOT NULL,
    kind        smallint NOT NULL CHECK (kind IN (0, 1, 2)),
    PRIMARY KEY (remote_id, sample_uid, blocker_uid, kind)
);

---- create above / drop below ----

DROP TABLE replay_blockers;
