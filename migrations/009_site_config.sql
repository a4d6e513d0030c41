-- What an import or update copied of the site's configuration — users,
-- registry records, control-panel settings (import_users, import_registry,
-- import_settings) — and what it could not: the report, and with a
-- destination without plone.restapi, the export to apply by hand.
CREATE TABLE run_site_config (
    run_id      uuid PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    report      jsonb NOT NULL,
    problems    integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

---- create above / drop below ----

DROP TABLE run_site_config;
