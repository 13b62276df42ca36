-- +goose Up
-- Times are UTC text in a fixed-width RFC 3339 form with nanoseconds
-- (2006-01-02T15:04:05.000000000Z), so text order is time order.
-- Hosts, funding, categories, directories and reference authors are JSON:
-- short lists always read and written with their parent, never queried alone.
CREATE TABLE shows (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL,
    guid         TEXT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    author       TEXT NOT NULL DEFAULT '',
    owner_name   TEXT NOT NULL DEFAULT '',
    owner_email  TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL,
    categories   TEXT NOT NULL DEFAULT '[]',
    explicit     BOOLEAN NOT NULL DEFAULT FALSE,
    type         TEXT NOT NULL,
    link         TEXT NOT NULL DEFAULT '',
    copyright    TEXT NOT NULL DEFAULT '',
    image_key    TEXT NOT NULL DEFAULT '',
    locked       BOOLEAN NOT NULL DEFAULT FALSE,
    funding      TEXT NOT NULL DEFAULT '[]',
    medium       TEXT NOT NULL,
    hosts        TEXT NOT NULL DEFAULT '[]',
    complete     BOOLEAN NOT NULL DEFAULT FALSE,
    block        BOOLEAN NOT NULL DEFAULT FALSE,
    new_feed_url TEXT NOT NULL DEFAULT '',
    directories  TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT shows_slug_key UNIQUE (slug),
    CONSTRAINT shows_guid_key UNIQUE (guid)
);
CREATE INDEX shows_image_key_idx ON shows (image_key);

CREATE TABLE episodes (
    id                INTEGER PRIMARY KEY,
    show_id           INTEGER NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    slug              TEXT NOT NULL,
    guid              TEXT NOT NULL,
    title             TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    season            INTEGER NOT NULL DEFAULT 0,
    number            INTEGER NOT NULL DEFAULT 0,
    type              TEXT NOT NULL,
    explicit          BOOLEAN NOT NULL DEFAULT FALSE,
    audio_key         TEXT,
    audio_size        INTEGER NOT NULL DEFAULT 0,
    audio_type        TEXT NOT NULL DEFAULT '',
    audio_duration_ms INTEGER NOT NULL DEFAULT 0,
    audio_sha256      TEXT NOT NULL DEFAULT '',
    audio_bitrate     INTEGER NOT NULL DEFAULT 0,
    image_key         TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    publish_at        TEXT,
    published_at      TEXT,
    sort_at           TEXT NOT NULL,
    discussion_url    TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CONSTRAINT episodes_show_slug_key UNIQUE (show_id, slug),
    CONSTRAINT episodes_guid_key UNIQUE (guid)
);
CREATE INDEX episodes_show_sort_idx ON episodes (show_id, sort_at, id);
CREATE INDEX episodes_show_publish_idx ON episodes (show_id, status, publish_at);
CREATE INDEX episodes_audio_sha256_idx ON episodes (show_id, audio_sha256);
CREATE INDEX episodes_audio_key_idx ON episodes (audio_key);
CREATE INDEX episodes_image_key_idx ON episodes (image_key);

CREATE TABLE episode_takeaways (
    episode_id INTEGER NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (episode_id, position)
);

CREATE TABLE episode_study_questions (
    episode_id INTEGER NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (episode_id, position)
);

CREATE TABLE episode_references (
    episode_id INTEGER NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    authors    TEXT NOT NULL DEFAULT '[]',
    year       INTEGER NOT NULL DEFAULT 0,
    title      TEXT NOT NULL DEFAULT '',
    container  TEXT NOT NULL DEFAULT '',
    publisher  TEXT NOT NULL DEFAULT '',
    url        TEXT NOT NULL DEFAULT '',
    doi        TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (episode_id, position)
);

CREATE TABLE episode_guests (
    episode_id INTEGER NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL DEFAULT '',
    person_group TEXT NOT NULL DEFAULT '',
    href       TEXT NOT NULL DEFAULT '',
    img        TEXT NOT NULL DEFAULT '',
    bio        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (episode_id, position)
);

CREATE TABLE episode_chapters (
    episode_id INTEGER NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    start_ms   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    url        TEXT NOT NULL DEFAULT '',
    img        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (episode_id, position)
);

CREATE TABLE episode_transcripts (
    episode_id      INTEGER NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    language        TEXT NOT NULL,
    format          TEXT NOT NULL,
    object_key      TEXT NOT NULL,
    translated_from TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (episode_id, position),
    CONSTRAINT episode_transcripts_language_key UNIQUE (episode_id, language)
);
CREATE INDEX episode_transcripts_key_idx ON episode_transcripts (object_key);

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT tokens_name_key UNIQUE (name),
    CONSTRAINT tokens_hash_key UNIQUE (hash)
);

-- +goose Down
DROP TABLE tokens;
DROP TABLE episode_transcripts;
DROP TABLE episode_chapters;
DROP TABLE episode_guests;
DROP TABLE episode_references;
DROP TABLE episode_study_questions;
DROP TABLE episode_takeaways;
DROP TABLE episodes;
DROP TABLE shows;
