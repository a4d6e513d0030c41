-- The next object of an ID sequence is the lowest one still fetched; an
-- index of only the fetched ones answers "the head" and "is an earlier one
-- still to create" without walking past everything a long sequence (a
-- lab's thousands of reports) already created — which made each question
-- cost as much as the objects before it.
DROP INDEX objects_by_id_sequence;
CREATE INDEX objects_sequence_heads ON objects (remote_id, id_key, id_seq)
    WHERE id_key IS NOT NULL AND state = 'fetched';

---- create above / drop below ----

DROP INDEX objects_sequence_heads;
CREATE INDEX objects_by_id_sequence ON objects (remote_id, id_key, id_seq) WHERE id_key IS NOT NULL;
