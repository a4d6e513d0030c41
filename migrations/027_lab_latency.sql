-- A lab's latency without load, as the processes using it learnt it
-- (internal/budget, Adaptive): a process that starts sending while the lab
-- is busy with another's work would learn the other's queue as the lab's
-- own time and see no queue at all. Each kind (0 reads, 1 writes) keeps the
-- least latency the processes saw; confirmed_at is when a process last saw
-- it again (within a tenth), so that a minimum nobody meets any more goes
-- after a while.
CREATE TABLE lab_latency (
    instance_id  bigint NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    kind         smallint NOT NULL CHECK (kind IN (0, 1)),
    base_us      bigint NOT NULL CHECK (base_us > 0),
    confirmed_at timestamptz NOT NULL,
    PRIMARY KEY (instance_id, kind)
);

---- create above / drop below ----

DROP TABLE lab_latency;
