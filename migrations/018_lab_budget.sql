-- A lab's bounds hold for the whole system (ARCHITECTURE.md §2; issue #13,
-- third point; internal/budget). A lab bounded to N requests in flight has
-- N slots; a process sends a request to it only on a slot it holds a
-- lease on. Leases expire (expires_at), so the slots of a process killed
-- while holding them come back after their time to live; a free slot has
-- no holder and an expired lease. Slots numbered at or beyond the lab's
-- current N are never claimed (N shrank).
CREATE TABLE lab_slots (
    instance_id  bigint NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    slot         integer NOT NULL CHECK (slot >= 0),
    holder       text,
    expires_at   timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (instance_id, slot)
);
-- Processes that want a slot of a lab and have none free: holders read
-- them to keep only their fair share, and hand a slot they give back to
-- the one that has waited longest with the fewest. seen_at is the last
-- time a waiter asked: one that stopped asking (it died, or has enough)
-- is no longer counted.
CREATE TABLE lab_waiters (
    instance_id  bigint NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    holder       text NOT NULL,
    since        timestamptz NOT NULL,
    seen_at      timestamptz NOT NULL,
    PRIMARY KEY (instance_id, holder)
);

---- create above / drop below ----

DROP TABLE lab_waiters;
DROP TABLE lab_slots;
