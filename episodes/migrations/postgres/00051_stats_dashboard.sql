-- +goose Up
-- Small aggregates kept beside stats_downloads so a show's dashboard reads
-- rows per day and name, not per episode, however many episodes it has.
--
-- stats_show_breakdown: downloads per show, day and app, device or country
-- (kind is 'app', 'device' or 'country').
CREATE TABLE stats_show_breakdown (
    show_id   BIGINT NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    day       TEXT NOT NULL,
    name      TEXT NOT NULL,
    downloads BIGINT NOT NULL,
    PRIMARY KEY (show_id, kind, day, name)
);

-- stats_episode_totals: each episode's downloads in its first 7 and 30
-- days after publication and in all, for the "how episodes started" table.
CREATE TABLE stats_episode_totals (
    episode_id BIGINT PRIMARY KEY REFERENCES episodes (id) ON DELETE CASCADE,
    show_id    BIGINT NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    first7     BIGINT NOT NULL,
    first30    BIGINT NOT NULL,
    downloads  BIGINT NOT NULL
);
CREATE INDEX stats_episode_totals_show_idx ON stats_episode_totals (show_id);

-- Top episodes of a period read a show's rows of stats_downloads: with every
-- column they need in the index, that is one range scan of the index alone.
DROP INDEX stats_downloads_show_day_idx;
CREATE INDEX stats_downloads_show_day_idx ON stats_downloads (show_id, day, episode_id, downloads);

-- +goose Down
DROP INDEX stats_downloads_show_day_idx;
CREATE INDEX stats_downloads_show_day_idx ON stats_downloads (show_id, day);
DROP TABLE stats_episode_totals;
DROP TABLE stats_show_breakdown;
