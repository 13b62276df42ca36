-- +goose Up
-- An alternate enclosure's name: how the API and the producer UI address it
-- (PUT .../alternates/{name}), one per name in an episode.
ALTER TABLE episode_alternates ADD COLUMN name TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX episode_alternates_name_key ON episode_alternates (episode_id, name);

-- +goose Down
DROP INDEX episode_alternates_name_key;
ALTER TABLE episode_alternates DROP COLUMN name;
