-- Where an import stands (issue #15): its progress bar sat at 97 % for the
-- whole workflow replay without saying so. runs.stage is set by the
-- leader as the import moves from the objects to the deferred references,
-- the workflow replay and the read-back; the API, the CLI's bar and the
-- console show it.
ALTER TABLE runs ADD COLUMN stage text;

---- create above / drop below ----

ALTER TABLE runs DROP COLUMN stage;
