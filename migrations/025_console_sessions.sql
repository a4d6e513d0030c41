-- Console sign-in by session (issue #15): the browser's cookie held the
-- API token itself. Signing in now exchanges the token for a random
-- session id; only its SHA-256 is kept here (a copy of this table opens no
-- console), with an expiry, and signing out deletes it. Failed sign-ins
-- are counted per client address, for every coordinator at once, so that
-- the token cannot be guessed at the speed of the network.
CREATE TABLE console_sessions (
    id_hash    bytea PRIMARY KEY,
    client     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);

CREATE TABLE console_signin_failures (
    client   text PRIMARY KEY,
    failures int NOT NULL,
    first_at timestamptz NOT NULL DEFAULT now(),
    last_at  timestamptz NOT NULL DEFAULT now()
);

---- create above / drop below ----

DROP TABLE console_signin_failures;
DROP TABLE console_sessions;
