-- +goose Up
-- The audit trail (issue 13): who did what and when, one row per write,
-- written in the writing transaction. No foreign keys: the record outlives
-- the show, episode or person it names. at is Unix microseconds; detail is
-- JSON (the fields an edit changed, a member's role, ...).
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    show_id    BIGINT,
    actor_id   BIGINT,
    actor_name TEXT NOT NULL,
    via        TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_show ON audit_events (show_id, id);

-- +goose Down
DROP TABLE audit_events;
