-- +goose Up
-- The same file in one show twice is refused by the database, not by a look
-- before the insert that two replicas can both pass: of two concurrent
-- uploads exactly one commits. Duplicates that slipped in before keep their
-- audio; their hash gets a suffix naming the episode, so only the first
-- counts as the file's episode.
UPDATE episodes SET audio_sha256 = audio_sha256 || '-duplicate-of-' || (
    SELECT MIN(o.id) FROM episodes o WHERE o.show_id = episodes.show_id AND o.audio_sha256 = episodes.audio_sha256)
WHERE audio_sha256 <> '' AND id <> (
    SELECT MIN(o.id) FROM episodes o WHERE o.show_id = episodes.show_id AND o.audio_sha256 = episodes.audio_sha256);
CREATE UNIQUE INDEX episodes_show_audio_sha256_key ON episodes (show_id, audio_sha256) WHERE audio_sha256 <> '';

-- +goose Down
DROP INDEX episodes_show_audio_sha256_key;
