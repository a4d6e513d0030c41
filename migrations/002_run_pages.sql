-- The pages a fetch planned: a page is counted done once, however often
-- its message is delivered.
CREATE TABLE run_pages (
    run_id       uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    portal_type  text NOT NULL,
    b_start      integer NOT NULL,
    page_size    integer NOT NULL,
    done_at      timestamptz,
    items        integer,
    error        text,
    PRIMARY KEY (run_id, portal_type, b_start)
);

---- create above / drop below ----

DROP TABLE run_pages;
