-- +goose Up
-- notify_shows is how far package notify has gone with each show: the show
-- version whose notifications are enqueued (as jobs). Raising it and
-- enqueueing happen in one transaction, so replicas that notice the same
-- change enqueue it once.
CREATE TABLE notify_shows (
    show_id BIGINT PRIMARY KEY REFERENCES shows (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
-- notify_targets is the last notification of each show to each target
-- (a WebSub hub, pubnotify, Podping), for the producer UI and the API.
CREATE TABLE notify_targets (
    show_id    BIGINT NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    target     TEXT NOT NULL,
    version    BIGINT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('sent', 'retrying', 'failed')),
    attempts   INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ,
    PRIMARY KEY (show_id, target)
);
-- Scheduled episodes whose time has come, across shows (Store.DueShows).
CREATE INDEX episodes_scheduled_idx ON episodes (publish_at) WHERE status = 'scheduled';

-- +goose Down
DROP INDEX episodes_scheduled_idx;
DROP TABLE notify_targets;
DROP TABLE notify_shows;
