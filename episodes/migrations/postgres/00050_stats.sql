-- +goose Up
-- Download statistics (package stats). Days are 'YYYY-MM-DD' text in UTC in
-- both dialects, so the same SQL serves both and text order is day order.
--
-- stats_salts holds one random secret per day; listener keys of that day are
-- hashes salted with it. The row is deleted, with the day's listener rows,
-- minutes after the day ends, so no key can be recomputed afterwards. Every
-- replica reads the same row, so they derive the same keys.
CREATE TABLE stats_salts (
    day    TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);

-- stats_listeners is the de-duplication state of the current day: per
-- salted listener key and episode, the byte spans served so far (merged
-- "start-end" pairs) and whether the download has been counted.
CREATE TABLE stats_listeners (
    day        TEXT NOT NULL,
    listener   TEXT NOT NULL,
    episode_id BIGINT NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    spans      TEXT NOT NULL DEFAULT '',
    counted    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, listener, episode_id)
);

-- stats_downloads is the kept aggregate: downloads per episode, day, app,
-- device and country. age is the day's distance from the episode's first
-- publication (for first-7/first-30-day figures). No listener appears here.
CREATE TABLE stats_downloads (
    episode_id BIGINT NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    show_id    BIGINT NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    app        TEXT NOT NULL,
    device     TEXT NOT NULL,
    country    TEXT NOT NULL,
    age        INTEGER NOT NULL,
    downloads  BIGINT NOT NULL,
    PRIMARY KEY (episode_id, day, app, device, country)
);
CREATE INDEX stats_downloads_show_day_idx ON stats_downloads (show_id, day);

-- stats_show_days is downloads per show and day: the dashboard's curve and
-- totals read one row per day, however many episodes the show has.
CREATE TABLE stats_show_days (
    show_id   BIGINT NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    day       TEXT NOT NULL,
    downloads BIGINT NOT NULL,
    PRIMARY KEY (show_id, day)
);

-- +goose Down
DROP TABLE stats_show_days;
DROP TABLE stats_downloads;
DROP TABLE stats_listeners;
DROP TABLE stats_salts;
