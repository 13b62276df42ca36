-- +goose Up
-- The public pages walk a show's episodes in the feed's order (publish time,
-- then id, newest first): the previous/next links and the show page's list
-- read this index in order and stop early instead of sorting the show.
-- status is in the key so the "is it public" test needs no table lookup.
CREATE INDEX episodes_show_publish_order_idx ON episodes (show_id, publish_at, id, status);

-- +goose Down
DROP INDEX episodes_show_publish_order_idx;
