-- How far a run's workflow replay took an object (store.ReplayMark): an
-- analysis whose own fields were written, a sample replayed up to what its
-- analyses cause, an object settled. A pass started again skips what an
-- earlier pass of the same run (replayed_run) did, so that a replay stopped
-- again and again (leaders that keep changing) still moves forward.
ALTER TABLE objects ADD COLUMN replay_mark smallint NOT NULL DEFAULT 0;
UPDATE objects SET replay_mark = 3 WHERE replayed_run IS NOT NULL;

---- create above / drop below ----

ALTER TABLE objects DROP COLUMN replay_mark;
