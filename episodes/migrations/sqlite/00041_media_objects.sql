-- +goose Up
-- Every object Lyssna puts in the bucket has a row here, written before the
-- object is put, so that no object is ever unknown to the sweep:
--   pending     put (or being put) by an upload that has not committed yet;
--   referenced  a show or an episode points at it;
--   released    nothing points at it any more since released_at;
--   deleting    the sweep claimed it and is deleting the object.
-- servable says whether /media/ may answer it: false at once for the media
-- of a deleted show or episode and of an unpublished episode, true for a
-- replaced object, which keeps answering at its old URL (apps and CDNs hold
-- old feeds) until the sweep deletes it after the retention.
-- show_id has no foreign key: the rows outlive a deleted show.
CREATE TABLE media_objects (
    key         TEXT PRIMARY KEY,
    show_id     BIGINT NOT NULL,
    state       TEXT NOT NULL,
    servable    BOOLEAN NOT NULL,
    created_at  TEXT NOT NULL,
    released_at TEXT
);
CREATE INDEX media_objects_state_idx ON media_objects (state, released_at, created_at);
CREATE INDEX media_objects_show_idx ON media_objects (show_id);

-- When a replica last did a paced reconciliation of the whole bucket.
CREATE TABLE sweep_runs (
    name    TEXT PRIMARY KEY,
    last_at TEXT NOT NULL
);

-- What the database references today.
INSERT INTO media_objects (key, show_id, state, servable, created_at)
SELECT image_key, id, 'referenced', TRUE, strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z' FROM shows WHERE image_key <> ''
ON CONFLICT (key) DO NOTHING;
INSERT INTO media_objects (key, show_id, state, servable, created_at)
SELECT audio_key, show_id, 'referenced', status <> 'unpublished', strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z' FROM episodes WHERE audio_key IS NOT NULL AND audio_key <> ''
ON CONFLICT (key) DO NOTHING;
INSERT INTO media_objects (key, show_id, state, servable, created_at)
SELECT image_key, show_id, 'referenced', status <> 'unpublished', strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z' FROM episodes WHERE image_key <> ''
ON CONFLICT (key) DO NOTHING;
INSERT INTO media_objects (key, show_id, state, servable, created_at)
SELECT t.object_key, e.show_id, 'referenced', e.status <> 'unpublished', strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000000Z'
FROM episode_transcripts t JOIN episodes e ON e.id = t.episode_id WHERE t.object_key <> ''
ON CONFLICT (key) DO NOTHING;

-- +goose Down
DROP TABLE sweep_runs;
DROP TABLE media_objects;
