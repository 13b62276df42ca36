-- +goose Up
-- The rest of the Podcast Index namespace. namespace holds a show's or an
-- episode's tags (txt, license, podroll, updateFrequency, block, location,
-- socialInteract, chat, soundbites, contentLinks) as JSON: short lists read
-- and written with their parent, never queried alone. feed_limit pages the
-- feed (RFC 5005) when above 0. A network is a publisher of several shows:
-- its slug shares the shows' URL space (/{slug}/publisher.xml).
CREATE TABLE networks (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL,
    guid        TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CONSTRAINT networks_slug_key UNIQUE (slug),
    CONSTRAINT networks_guid_key UNIQUE (guid)
);
ALTER TABLE shows ADD COLUMN feed_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shows ADD COLUMN namespace TEXT NOT NULL DEFAULT '{}';
ALTER TABLE shows ADD COLUMN network_id INTEGER REFERENCES networks (id) ON DELETE SET NULL;
CREATE INDEX shows_network_idx ON shows (network_id);
ALTER TABLE episodes ADD COLUMN namespace TEXT NOT NULL DEFAULT '{}';

-- An episode's alternate enclosures: other formats or languages of its
-- audio, each an object in the bucket like the main audio.
CREATE TABLE episode_alternates (
    episode_id   INTEGER NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    object_key   TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    bitrate      INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (episode_id, position)
);
CREATE INDEX episode_alternates_key_idx ON episode_alternates (object_key);

-- +goose Down
DROP TABLE episode_alternates;
ALTER TABLE episodes DROP COLUMN namespace;
DROP INDEX shows_network_idx;
ALTER TABLE shows DROP COLUMN network_id;
ALTER TABLE shows DROP COLUMN namespace;
ALTER TABLE shows DROP COLUMN feed_limit;
DROP TABLE networks;
