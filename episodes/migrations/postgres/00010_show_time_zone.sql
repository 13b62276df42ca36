-- +goose Up
-- time_zone is the IANA zone the producer schedules in ("Europe/Stockholm");
-- the producer UI shows and reads times in it. Stored times stay UTC.
ALTER TABLE shows ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- +goose Down
ALTER TABLE shows DROP COLUMN time_zone;
