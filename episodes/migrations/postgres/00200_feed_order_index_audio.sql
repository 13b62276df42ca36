-- +goose Up
-- A paged feed (feed_limit) counts the episodes its feed lists, for
-- rel="last", and skips the earlier pages' episodes with OFFSET. Both test
-- the feed's WHERE (store_feed.go's feedWhere): status, publish time and
-- audio_key. With audio_key outside every index of the show's episodes, both
-- read every listed row of the show from the table (half the build of a
-- page of a 10,000-episode show went to the count). With it at the end of
-- the feed order's index, the count is an index-only scan and a deep page
-- reads the table for its own rows only; the public pages' walks use the
-- index as before.
DROP INDEX episodes_show_publish_order_idx;
CREATE INDEX episodes_show_publish_order_idx ON episodes (show_id, publish_at, id, status, audio_key);

-- +goose Down
DROP INDEX episodes_show_publish_order_idx;
CREATE INDEX episodes_show_publish_order_idx ON episodes (show_id, publish_at, id, status);
