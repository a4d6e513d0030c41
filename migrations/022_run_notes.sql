-- A run that cannot advance says why while it waits (issue #14): a step
-- that keeps failing — NATS without a stream leader, a lab or PostgreSQL
-- away — is retried with backoff, and runs.note names the trouble and
-- since when, for the API, the CLI's --wait and the console, instead of a
-- log line every tick. It is cleared by the next step that succeeds.
ALTER TABLE runs ADD COLUMN note text;

---- create above / drop below ----

ALTER TABLE runs DROP COLUMN note;
