-- +goose Up
-- notify_shows is how far package notify has gone with each show: the show
-- version whose notifications are enqueued (as jobs). Raising it and
-- enqueueing happen in one transaction, so replicas that notice the same
-- change enqueue it once.
CREATE TABLE notify_shows (
    show_id INTEGER PRIMARY KEY REFERENCES shows (id) ON DELETE CASCADE,
    version INTEGER NOT NULL
);
-- notify_targets is the last notification of each show to each target
-- (a WebSub hub, pubnotify, Podping), for the producer UI and the API.
-- Its times are written by the database, as the jobs table's are.
CREATE TABLE notify_targets (
    show_id    INTEGER NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    target     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('sent', 'retrying', 'failed')),
    attempts   INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    sent_at    TEXT,
    PRIMARY KEY (show_id, target)
);
-- Scheduled episodes whose time has come, across shows (Store.DueShows).
CREATE INDEX episodes_scheduled_idx ON episodes (publish_at) WHERE status = 'scheduled';

-- +goose Down
DROP INDEX episodes_scheduled_idx;
DROP TABLE notify_targets;
DROP TABLE notify_shows;
