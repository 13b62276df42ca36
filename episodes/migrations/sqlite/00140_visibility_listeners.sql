-- +goose Up
-- visibility: public (listed everywhere), unlisted (reachable by link only:
-- blocked in its feed, noindex on its pages, in no listing), private (only
-- with a listener key, an LTI launch or a producer's signed link).
ALTER TABLE shows ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE episodes ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';

-- A listener key gives one person or cohort a personal feed of a show. No
-- secret is kept here: feed and media URLs carry an HMAC of the key's id made
-- with the server's secret (LYSSNA_SECRET), which is never in the database.
CREATE TABLE listener_keys (
    id           INTEGER PRIMARY KEY,
    show_id      INTEGER NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX listener_keys_show_idx ON listener_keys (show_id, id);

-- +goose Down
DROP TABLE listener_keys;
ALTER TABLE episodes DROP COLUMN visibility;
ALTER TABLE shows DROP COLUMN visibility;
