-- An object parked on what the import does not bring is put back at the
-- import's end at most three times (store.RequeueWaiting). That count was
-- the object's attempts, which give its messages their ids and which waits
-- for an arrival now raise too (issue #13): an object that had waited for
-- a few arrivals got no requeue at all. The requeues count on their own,
-- from zero in each run that plans the object.
ALTER TABLE objects ADD COLUMN requeued integer NOT NULL DEFAULT 0;

---- create above / drop below ----

ALTER TABLE objects DROP COLUMN requeued;
