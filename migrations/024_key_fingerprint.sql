-- Every process must hold the key the labs' passwords were encrypted
-- with (SENAITE_SYNC_SECRET_KEY). A process without it used to make a key
-- of its own in its data directory — a pod's empty volume — and fail on
-- every password later, or encrypt a new one that the others cannot read.
-- The fingerprint of the key (not the key) is recorded by the first
-- process that can open what is stored; a process with another key
-- refuses to start, saying so (store.ClaimKeyFingerprint).
CREATE TABLE key_fingerprint (
    id          int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    fingerprint text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

---- create above / drop below ----

DROP TABLE key_fingerprint;
