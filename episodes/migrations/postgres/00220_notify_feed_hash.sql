-- +goose Up
-- Package notify tells apps of a change only when the show's shared feed
-- says something new: feed_hash digests the feed as it was at version
-- (empty: not known, as for the rows written before this migration, or no
-- shared feed), and notified is the last version whose notifications were
-- enqueued, which a queued notification of an older version defers to.
ALTER TABLE notify_shows ADD COLUMN feed_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE notify_shows ADD COLUMN notified BIGINT NOT NULL DEFAULT 0;
UPDATE notify_shows SET notified = version;

-- +goose Down
ALTER TABLE notify_shows DROP COLUMN notified;
ALTER TABLE notify_shows DROP COLUMN feed_hash;
