-- +goose Up
-- changed_at is when the show's feed last changed, as every replica reads it:
-- the feed's Last-Modified comes from this row, not from a replica's clock.
-- Each write moves it on by at least a whole second, so If-Modified-Since
-- (which has one-second resolution) never hides a change.
ALTER TABLE shows ADD COLUMN changed_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000000000Z';
UPDATE shows SET changed_at = strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z';

-- +goose Down
ALTER TABLE shows DROP COLUMN changed_at;
