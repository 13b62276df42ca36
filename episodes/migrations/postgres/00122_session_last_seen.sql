-- +goose Up
-- When a session was last used (Unix seconds; 0: not since it started),
-- written at most every few minutes, for the person's list of sessions.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE sessions DROP COLUMN last_seen_at;
