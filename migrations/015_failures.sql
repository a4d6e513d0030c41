-- A message's delivery count is not its failure count: a worker that waited
-- for PostgreSQL or NATS to come back had its message redelivered without
-- having failed it. Workers count the handler's own failures here and
-- dead-letter on this count; NATS's MaxDeliver is only a backstop.
ALTER TABLE objects ADD COLUMN failures int NOT NULL DEFAULT 0;
ALTER TABLE run_pages ADD COLUMN failures int NOT NULL DEFAULT 0;
-- The run whose workflow replay settled the object: a replay interrupted
-- (a leader that stepped down, a step that failed) resumes after what it
-- settled instead of starting over.
ALTER TABLE objects ADD COLUMN replayed_run uuid;

---- create above / drop below ----

ALTER TABLE objects DROP COLUMN replayed_run;
ALTER TABLE run_pages DROP COLUMN failures;
ALTER TABLE objects DROP COLUMN failures;
