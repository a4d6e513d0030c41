-- An import publishes an object once its container has settled, not once
-- a whole level has (issue #13: the levels' barriers left a lab idle while
-- one ID sequence of a level was created one object at a time). An object
-- that meets a reference still to be imported waits for its arrival:
--   wait_kind 'arrival': waiting_for names an object this import is still
--             bringing (fetched, or itself waiting for an arrival); the
--             importer that settles it wakes the object (store.Settled),
--             and the coordinator wakes one whose wake was lost
--             (store.WakeStranded). Within an ID sequence it keeps its
--             turn: the objects after it wait too.
ALTER TABLE objects DROP CONSTRAINT objects_wait_kind_check;
ALTER TABLE objects ADD CONSTRAINT objects_wait_kind_check
    CHECK (wait_kind IN ('dependency', 'replay', 'arrival'));

-- what waits for an object, found when it settles
CREATE INDEX objects_arrivals ON objects (remote_id, waiting_for) WHERE wait_kind = 'arrival';

-- a sequence's head is its lowest object still fetched or waiting for an
-- arrival
DROP INDEX objects_sequence_heads;
CREATE INDEX objects_sequence_heads ON objects (remote_id, id_key, id_seq)
    WHERE id_key IS NOT NULL AND (state = 'fetched' OR wait_kind = 'arrival');

---- create above / drop below ----

DROP INDEX objects_sequence_heads;
CREATE INDEX objects_sequence_heads ON objects (remote_id, id_key, id_seq)
    WHERE id_key IS NOT NULL AND state = 'fetched';
DROP INDEX objects_arrivals;
UPDATE objects SET wait_kind = 'dependency' WHERE wait_kind = 'arrival';
ALTER TABLE objects DROP CONSTRAINT objects_wait_kind_check;
ALTER TABLE objects ADD CONSTRAINT objects_wait_kind_check
    CHECK (wait_kind IN ('dependency', 'replay'));
