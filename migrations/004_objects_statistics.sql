-- The planner needs no statistics of an object's fetched data or its list
-- of references (no query filters on them), and gathering them made every
-- ANALYZE of a fifty-thousand-object lab cost seconds: the import analyzes
-- the tables it fills (store.Analyze), so this is paid several times a run.
ALTER TABLE objects ALTER COLUMN data SET STATISTICS 0, ALTER COLUMN refs SET STATISTICS 0;

---- create above / drop below ----

ALTER TABLE objects ALTER COLUMN data SET STATISTICS -1, ALTER COLUMN refs SET STATISTICS -1;
