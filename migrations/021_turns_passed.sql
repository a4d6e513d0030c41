-- The next object of an ID sequence goes as soon as the destination has
-- answered the create of the one before (issue #13): its id is taken
-- then, and what follows — a sample's analyses adopted, its copy recorded
-- — no longer holds back the chain, one request a sample instead of two.
-- create_intents.dest_uid records that answer; an object whose intent has
-- it no longer holds its sequence's turn (store.PassTurn, ObjectTurn,
-- SequenceHead). Its intent goes with its recorded outcome, as before.
ALTER TABLE create_intents ADD COLUMN dest_uid text;

---- create above / drop below ----

ALTER TABLE create_intents DROP COLUMN dest_uid;
