-- +goose Up
-- Artwork renditions: smaller copies of a show's or an episode's artwork,
-- made when it is stored, for podcast:image. image_renditions is a JSON
-- list of {"key","width","height"}; each key is the picture's with the
-- width before the extension, so a rendition's object lives and goes with
-- its picture. A show's artwork now keeps its pixel size too.
ALTER TABLE shows ADD COLUMN image_width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shows ADD COLUMN image_height INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shows ADD COLUMN image_renditions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE episodes ADD COLUMN image_renditions TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE episodes DROP COLUMN image_renditions;
ALTER TABLE shows DROP COLUMN image_renditions;
ALTER TABLE shows DROP COLUMN image_height;
ALTER TABLE shows DROP COLUMN image_width;
