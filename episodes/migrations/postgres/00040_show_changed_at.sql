-- +goose Up
-- changed_at is when the show's feed last changed, as every replica reads it:
-- the feed's Last-Modified comes from this row, not from a replica's clock.
-- Each write moves it on by at least a whole second, so If-Modified-Since
-- (which has one-second resolution) never hides a change.
ALTER TABLE shows ADD COLUMN changed_at TIMESTAMPTZ NOT NULL DEFAULT date_trunc('second', now());
ALTER TABLE shows ALTER COLUMN changed_at DROP DEFAULT;

-- +goose Down
ALTER TABLE shows DROP COLUMN changed_at;
