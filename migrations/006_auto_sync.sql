-- Auto-sync (ARCHITECTURE.md §3, §6): the leader publishes a tick on
-- sync.tick.<remote> when a remote's next_tick_at has come; a consumed tick
-- marks the remote sync_pending, and the leader starts an update from it
-- once no step of that remote runs, so ticks queue behind a running step
-- and any number of them collapse into one update.
--
-- next_tick_at: when the next tick is due (NULL: not scheduled yet, or the
-- interval changed); tick_slot: the latest slot a tick was accepted for,
-- so a tick published twice (a leader that died between publishing and
-- recording) is accepted once.
ALTER TABLE remotes ADD COLUMN next_tick_at timestamptz,
    ADD COLUMN tick_slot timestamptz,
    ADD COLUMN sync_pending boolean NOT NULL DEFAULT false;

-- who asked for a run: a person (API, CLI) or the auto-sync scheduler
ALTER TABLE runs ADD COLUMN trigger text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'auto'));

---- create above / drop below ----

ALTER TABLE runs DROP COLUMN trigger;
ALTER TABLE remotes DROP COLUMN next_tick_at, DROP COLUMN tick_slot, DROP COLUMN sync_pending;
