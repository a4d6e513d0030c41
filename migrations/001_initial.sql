-- senaite-sync state: instances and remotes (configuration), runs with
-- counters, objects with their fetched data and pipeline state, identity
-- (origin and replicas), create intents (adoption after a crash), deferred
-- references, and the coordinator's leader lease.

CREATE TABLE instances (
    id                     bigserial PRIMARY KEY,
    name                   text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_-]{1,64}$'),
    url                    text NOT NULL,
    username               text NOT NULL,
    -- passwords are encrypted at rest (AES-GCM, key from SENAITE_SYNC_SECRET_KEY)
    password_enc           bytea NOT NULL,
    ca_cert                text,
    verifier_username      text,
    verifier_password_enc  bytea,
    flavor                 text,
    version                text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE remotes (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_-]{1,64}$'),
    source_id       bigint NOT NULL REFERENCES instances (id),
    destination_id  bigint NOT NULL REFERENCES instances (id),
    options         jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- update step: everything modified before it is committed
    watermark       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (source_id <> destination_id)
);

CREATE TABLE runs (
    id           uuid PRIMARY KEY,
    remote_id    bigint NOT NULL REFERENCES remotes (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('fetch', 'import', 'update', 'verify')),
    status       text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled')),
    error        text,
    pages_total  integer NOT NULL DEFAULT 0,
    pages_done   integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz
);

-- one run per remote at a time: a second request answers 409
CREATE UNIQUE INDEX runs_one_active_per_remote ON runs (remote_id) WHERE status IN ('queued', 'running');
CREATE INDEX runs_by_remote ON runs (remote_id, created_at DESC);

CREATE TABLE run_counts (
    run_id       uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    portal_type  text NOT NULL,
    total        integer NOT NULL DEFAULT 0,
    fetched      integer NOT NULL DEFAULT 0,
    created      integer NOT NULL DEFAULT 0,
    updated      integer NOT NULL DEFAULT 0,
    unchanged    integer NOT NULL DEFAULT 0,
    skipped      integer NOT NULL DEFAULT 0,
    conflicts    integer NOT NULL DEFAULT 0,
    failed       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, portal_type)
);

CREATE TABLE objects (
    remote_id        bigint NOT NULL REFERENCES remotes (id) ON DELETE CASCADE,
    source_uid       text NOT NULL,
    portal_type      text NOT NULL,
    source_path      text NOT NULL,
    parent_uid       text,
    source_created   timestamptz,
    source_modified  timestamptz,
    review_state     text,
    data             jsonb NOT NULL,
    data_hash        bytea NOT NULL,
    refs             text[] NOT NULL DEFAULT '{}',
    state            text NOT NULL CHECK (state IN ('fetched', 'waiting', 'imported', 'unchanged', 'skipped',
                                                    'conflict', 'state-mismatch', 'failed')),
    reason           text,
    dest_uid         text,
    attempts         integer NOT NULL DEFAULT 0,
    run_id           uuid,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (remote_id, source_uid)
);

CREATE INDEX objects_by_state ON objects (remote_id, state);
CREATE INDEX objects_by_type ON objects (remote_id, portal_type);
CREATE INDEX objects_by_parent ON objects (remote_id, parent_uid);

-- identity: every object has one origin (instance, UID where it was first
-- created) and at most one replica per other instance
CREATE TABLE identities (
    id                  bigserial PRIMARY KEY,
    origin_instance_id  bigint NOT NULL REFERENCES instances (id),
    origin_uid          text NOT NULL,
    portal_type         text NOT NULL,
    -- the origin label (remote prefix + source id), shown and searchable
    label               text,
    UNIQUE (origin_instance_id, origin_uid)
);

CREATE TABLE replicas (
    identity_id    bigint NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    instance_id    bigint NOT NULL REFERENCES instances (id),
    uid            text NOT NULL,
    -- the last version of this copy the system saw (its own write, or read)
    seen_modified  timestamptz,
    merged         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (identity_id, instance_id),
    UNIQUE (instance_id, uid)
);

-- written before every create: a retry after a crash adopts the object the
-- lost create left behind instead of creating a second one
CREATE TABLE create_intents (
    remote_id        bigint NOT NULL REFERENCES remotes (id) ON DELETE CASCADE,
    source_uid       text NOT NULL,
    portal_type      text NOT NULL,
    dest_parent_uid  text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (remote_id, source_uid)
);

CREATE TABLE deferred_refs (
    remote_id   bigint NOT NULL REFERENCES remotes (id) ON DELETE CASCADE,
    source_uid  text NOT NULL,
    field       text NOT NULL,
    target_uid  text NOT NULL,
    done        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (remote_id, source_uid, field, target_uid)
);

-- River-style term-scoped lease: (holder, term) identifies a leadership
CREATE TABLE leases (
    name        text PRIMARY KEY,
    holder      text NOT NULL,
    term        bigint NOT NULL,
    expires_at  timestamptz NOT NULL
);

---- create above / drop below ----

DROP TABLE leases;
DROP TABLE deferred_refs;
DROP TABLE create_intents;
DROP TABLE replicas;
DROP TABLE identities;
DROP TABLE objects;
DROP TABLE run_counts;
DROP TABLE runs;
DROP TABLE remotes;
DROP TABLE instances;
