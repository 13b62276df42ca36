-- +goose Up
-- The pixel size of the episode's own artwork, 0 when not known (artwork
-- stored before this column), so that the API and the producer UI can say
-- when cover art embedded in the audio is smaller than Apple's 1400 px.
ALTER TABLE episodes ADD COLUMN image_width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE episodes ADD COLUMN image_height INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE episodes DROP COLUMN image_height;
ALTER TABLE episodes DROP COLUMN image_width;
