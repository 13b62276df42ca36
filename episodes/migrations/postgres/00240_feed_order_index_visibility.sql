-- +goose Up
-- A paged feed counts and pages only the episodes its feed shows: public
-- ones, and unlisted ones too when the show is unlisted, never private ones
-- (store_feed.go's feedWhere tests visibility). With visibility outside the
-- feed order's index the count (for rel="last") read every listed row of the
-- show from the table again; at the end of the index it stays an
-- index-only scan, as migration 00200 made it.
DROP INDEX episodes_show_publish_order_idx;
CREATE INDEX episodes_show_publish_order_idx ON episodes (show_id, publish_at, id, status, audio_key, visibility);

-- +goose Down
DROP INDEX episodes_show_publish_order_idx;
CREATE INDEX episodes_show_publish_order_idx ON episodes (show_id, publish_at, id, status, audio_key);
