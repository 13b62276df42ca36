-- +goose Up
-- Identity-provider accounts linked to people (package accounts): the
-- provider's issuer and subject name a person there for good, so a linked
-- person is found by them even when their email changes. email is the
-- address the provider last gave (shown on the account page); times are Unix
-- seconds. A provider account links to one person, a person to at most one
-- account per provider (the code checks that).
CREATE TABLE identities (
    issuer       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email        TEXT NOT NULL DEFAULT '',
    linked_at    BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identities_user ON identities (user_id);

-- +goose Down
DROP TABLE identities;
