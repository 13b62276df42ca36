-- +goose Up
-- An import brings a show in from its feed (source 'feed', feed_url) or
-- from a Lyssna export archive (source 'archive', kept in the bucket under
-- archive_key until the import ends). Its items are the feed's items whose
-- guid the show did not have when the import planned them; each is done,
-- failed (attempts counts the tries; message says why) or pending. A
-- worker holds an import while lease_until (Unix ms) is ahead, so two
-- replicas never run the same one; a crashed worker's import is taken up
-- again, where it stopped, once its lease runs out. Times are Unix ms.
-- show_id has no foreign key: the record outlives a deleted show.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug         TEXT NOT NULL,
    show_id      BIGINT,
    source       TEXT NOT NULL,
    feed_url     TEXT NOT NULL DEFAULT '',
    archive_key  TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    items_total  INTEGER NOT NULL DEFAULT 0,
    items_done   INTEGER NOT NULL DEFAULT 0,
    items_failed INTEGER NOT NULL DEFAULT 0,
    message      TEXT NOT NULL DEFAULT '',
    warnings     TEXT NOT NULL DEFAULT '[]',
    actor        TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX imports_state ON imports (state, lease_until);

CREATE TABLE import_items (
    import_id  BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    guid       TEXT NOT NULL,
    state      TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    message    TEXT NOT NULL DEFAULT '',
    episode_id BIGINT,
    PRIMARY KEY (import_id, position)
);

-- +goose Down
DROP TABLE import_items;
DROP TABLE imports;
